//! Benchmark of the ticket queue and the SLA scan at scale: an advocate with 500 open tickets
//! among 50,000 in the store.
//!
//! Reports the records `GET /v1/tickets` reads for that advocate (only theirs, through their
//! queue index), the requests per second the local server sustains for it on loopback, and the
//! records one scanner pass reads when 50 of the 50,000 tickets have changed colour.
//!
//! ```text
//! cargo run --release -p senvault-tests --bin ticket-bench -- [--tickets 50000] [--mine 500] [--changing 50] [--seconds 5] [--connections 16]
//! ```
//! Exits non-zero if the queue reads more than the advocate's tickets, or the scan more than
//! the changing tickets plus a small constant.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::Instant;

use chrono::Duration;
use senvault_domain::*;
use senvault_functions::scanner::scan;
use senvault_functions::setup::tokio_offload;
use senvault_store::Store;
use senvault_store::counting::CountingStore;
use senvault_store::sqlite::SqliteStore;
use senvault_tests::load::arg;
use senvault_tests::{TestApp, default_now, load};

#[tokio::main]
async fn main() {
    let total = arg("--tickets", 50_000).max(1);
    let mine = arg("--mine", 500).clamp(1, total);
    let changing = arg("--changing", 50).min(total);
    let seconds = arg("--seconds", 5).max(1);
    let connections = arg("--connections", 16).clamp(1, 256) as usize;
    let families = 200u64;
    let advocates = total.div_ceil(mine).max(1);

    let dir = std::env::temp_dir().join(format!("senvault-ticket-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.join("tickets.db")).expect("sqlite").with_offload(tokio_offload()));
    let counting = Arc::new(CountingStore::new(sqlite));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting);
    let service = app.state.service.clone();
    let t0 = default_now();

    let seeding = Instant::now();
    let mut advocate_ids = Vec::new();
    for a in 0..advocates {
        let actor = Actor { user: format!("adv-{a}").parse().expect("user"), role: RoleClaim::Advocate };
        let profile = ProfileInput {
            name: format!("Advocate {a}"),
            organisation: None,
            areas: vec!["Leeds".into()],
            specialisms: vec![TicketType::Ehcp],
            response_time_hours: Some(48),
            accepting: true,
            bio: String::new(),
        };
        let command = Command::Advocate { command: AdvocateCommand::SetProfile { profile } };
        service.execute(&actor, command, OpId::new()).await.expect("profile");
        advocate_ids.push(AdvocateId::for_user(&actor.user));
    }
    let mut households = Vec::new();
    for f in 0..families {
        let actor = Actor { user: format!("parent-{f}").parse().expect("user"), role: RoleClaim::Family };
        let (family, child) = (FamilyId::new(), ChildId::new());
        let create = FamilyCommand::CreateFamily { name: format!("Family {f}") };
        service.execute(&actor, Command::family(family, create), OpId::new()).await.expect("family");
        let add = FamilyCommand::AddChild {
            child_id: child,
            name: format!("Child {f}"),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2016, 5, 1).expect("date"),
            local_authority: "Leeds".into(),
            school: None,
        };
        service.execute(&actor, Command::family(family, add), OpId::new()).await.expect("child");
        households.push((actor, family, child));
    }
    for n in 0..total {
        // The first `changing` tickets were asked 40 hours ago: orange (12 of 48 hours left)
        // since 4 hours ago. Every other ticket was asked just now.
        app.clock.set(if n < changing { t0 - Duration::hours(40) } else { t0 });
        let advocate = advocate_ids[(n / mine) as usize];
        let (actor, family, child) = &households[(n % families) as usize];
        let command = FamilyCommand::RequestSupport {
            connection_id: ConnectionId::new(),
            ticket_id: TicketId::new(),
            message_id: MessageId::new(),
            to: SupportTarget::Advocate(advocate),
            replaces: None,
            child_id: *child,
            kind: TicketType::Ehcp,
            message: "We need help with the EHC needs assessment.".into(),
        };
        service.execute(actor, Command::family(*family, command), OpId::new()).await.expect("request");
    }
    app.clock.set(t0);
    println!(
        "seeded {total} open tickets ({mine} per advocate, {advocates} advocates, {families} families) in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let mut failed = false;
    let token = app.token("adv-0", RoleClaim::Advocate);
    let before = counts.snapshot();
    let queue = app.get(&format!("/v1/tickets?limit={}", mine.min(200)), &token).await.expect(200);
    let used = counts.snapshot().since(&before);
    println!(
        "GET /v1/tickets for an advocate with {mine} of {total} tickets: {} index queries, {} records read, {} point reads; first page {} tickets, first chip {}",
        used.index_queries,
        used.records_read,
        used.point_reads(),
        queue["items"].as_array().map_or(0, Vec::len),
        queue["items"][0]["sla"]["chip"],
    );
    failed |= used.records_read > mine;

    let (mut latencies, errors) = load::throughput(&app.router, "/v1/tickets", &token, seconds, connections).await;
    failed |= !load::report_throughput(&mut latencies, errors, seconds, connections, "loopback, SQLite store");

    for run in ["scan", "scan again (nothing new)"] {
        let before = counts.snapshot();
        let started = Instant::now();
        let report = scan(&service, t0).await.expect("scan");
        let used = counts.snapshot().since(&before);
        println!(
            "{run} over {total} tickets with {changing} turned orange: {:.1} ms; {} records read ({} index queries, {} point reads); {} commits; tickets examined {}, orange {}, red {}",
            started.elapsed().as_secs_f64() * 1e3,
            used.records_read + used.point_reads(),
            used.index_queries,
            used.point_reads(),
            used.commits,
            report.tickets_examined,
            report.sla_orange,
            report.sla_red,
        );
        failed |= used.records_read + used.point_reads() > changing + 16;
    }
    let _ = std::fs::remove_dir_all(&dir);
    if failed {
        eprintln!("FAILED: the queue must read only its advocate's tickets and the scan only the changing ones");
        std::process::exit(1);
    }
}
