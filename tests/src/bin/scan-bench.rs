//! Benchmark of one overdue-scanner run: with many open actions of which few are due, the scan
//! must read only the due ones (plus a small constant), whatever the size of the table.
//!
//! ```text
//! cargo run --release -p senvault-tests --bin scan-bench -- [--children 5000] [--per-child 20] [--due 100]
//! ```
//! Exits non-zero if a scan reads more than `due + 16` records.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Days, TimeZone, Utc};
use senvault_domain::dates::london_date;
use senvault_domain::*;
use senvault_functions::scanner::scan;
use senvault_store::codec::to_put;
use senvault_store::counting::CountingStore;
use senvault_store::sqlite::SqliteStore;
use senvault_store::{CommitRequest, Store};
use senvault_tests::TestApp;
use senvault_tests::load::arg;

#[tokio::main]
async fn main() {
    let children = arg("--children", 5000);
    let per_child = arg("--per-child", 20).clamp(1, 45);
    let due = arg("--due", 100).min(children);
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).single().expect("instant");
    let today = london_date(now);

    let dir = std::env::temp_dir().join(format!("senvault-scan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("scan.db")).expect("sqlite"));

    let seeding = Instant::now();
    for c in 0..children {
        let child = ChildId::new();
        let scope = Scope::Child(child);
        let case = CaseId::new();
        let mut writes = Vec::new();
        for a in 0..per_child {
            // Far-future work, except one action of each of the first `due` children, due
            // between three days ago and six days ahead (reminders and overdue alike).
            let when = if a == 0 && c < due {
                (today + Days::new(6)) - Days::new(c % 10)
            } else {
                today + Days::new(30 + (c * 7 + a * 13) % 400)
            };
            let responsible = if a % 2 == 0 { Party::La } else { Party::Family };
            let action = Action {
                timescale: Some(TimescaleId::FinalPlan),
                legal_basis: Some("SEND Regs 2014 reg 13(2)".into()),
                deadline_kind: Some(DeadlineKind::Statutory),
                ..Action::open(
                    ActionId::new(),
                    case,
                    format!("Action {a}"),
                    responsible,
                    when,
                    ActionPriority::Important,
                    ActionOrigin::Statutory,
                    now,
                )
            };
            // As the rules write it: the action and its due tracker (the scanner reads the latter).
            let tracker = DueTracker::for_action(&action, None).expect("open action");
            writes.push(Write {
                scope: scope.clone(),
                key: keys::tracker(case, action.id),
                record: Record::DueTracker(tracker),
                expect: Expect::Absent,
                delete: false,
            });
            writes.push(Write {
                scope: scope.clone(),
                key: keys::action(case, action.id),
                record: Record::Action(action),
                expect: Expect::Absent,
                delete: false,
            });
        }
        let puts = writes.iter().map(|w| to_put(w).expect("put")).collect();
        sqlite.commit(CommitRequest::puts(puts)).await.expect("seed commit");
    }
    println!(
        "seeded {} open actions across {children} children ({due} due) in {:.1} s",
        children * per_child,
        seeding.elapsed().as_secs_f64()
    );

    let counting = Arc::new(CountingStore::new(sqlite));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting);
    app.clock.set(now);
    let mut failed = false;
    for run in ["first scan", "second scan (same day)"] {
        let before = counts.snapshot();
        let started = Instant::now();
        let report = scan(&app.state.service, now).await.expect("scan");
        let elapsed = started.elapsed();
        let used = counts.snapshot().since(&before);
        println!(
            "{run}: {:.1} ms; records read {} ({} index queries, {} point reads); {} commits; examined {}, reminders {}, overdue {}, notes {}, unchanged {}",
            elapsed.as_secs_f64() * 1e3,
            used.records_read + used.point_reads(),
            used.index_queries,
            used.point_reads(),
            used.commits,
            report.examined,
            report.reminders,
            report.overdue,
            report.notes,
            report.unchanged,
        );
        failed |= used.records_read + used.point_reads() > due + 16;
    }
    let _ = std::fs::remove_dir_all(&dir);
    if failed {
        eprintln!("FAILED: a scan read more than the due items plus a small constant");
        std::process::exit(1);
    }
}
