//! Benchmark of the child's timeline: a child with many entries (default 2,000), some linked to
//! one case (default 200). Prints what the first page of the timeline and the case's
//! chronology cost in store calls and records read, and how long each takes.
//!
//! ```text
//! cargo run --release -p senvault-tests --bin timeline-bench -- [--entries 2000] [--linked 200] [--rounds 20]
//! ```
//! Exits non-zero if the first page takes more than one index query, or the chronology reads
//! any entry not linked to its case.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::Instant;

use senvault_functions::setup::tokio_offload;
use senvault_store::Store;
use senvault_store::counting::CountingStore;
use senvault_store::sqlite::SqliteStore;
use senvault_tests::TestApp;
use senvault_tests::load::arg;
use serde_json::json;

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms.get(ms.len() / 2).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let entries = arg("--entries", 2000).max(1);
    let linked = arg("--linked", 200).min(entries);
    let rounds = arg("--rounds", 20).max(1);

    let dir = std::env::temp_dir().join(format!("senvault-timeline-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.join("timeline.db")).expect("sqlite").with_offload(tokio_offload()));
    let counting = Arc::new(CountingStore::new(sqlite));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting);

    let seeding = Instant::now();
    let fam = app.family_with_case("bench-parent", "in_assessment").await;
    let other = app
        .post("/v1/cases", &fam.token, json!({"child_id": fam.child, "status": "in_assessment", "summary": "Other"}))
        .await
        .expect(201);
    let other = other["id"].as_str().expect("case id").to_owned();
    let timeline = format!("/v1/children/{}/timeline", fam.child);
    for n in 0..entries {
        // Every `entries / linked`-th entry is the measured case's; half the rest another case's.
        let case = if linked > 0 && n % (entries / linked).max(1) == 0 && n / (entries / linked).max(1) < linked {
            Some(fam.case.as_str())
        } else if n % 2 == 0 {
            Some(other.as_str())
        } else {
            None
        };
        let day = format!("20{:02}-{:02}-{:02}", 20 + (n / 336) % 6, (n / 28) % 12 + 1, n % 28 + 1);
        let body = json!({"kind": "interaction", "date": day, "case_id": case, "channel": "email",
            "direction": "outgoing", "contact_name": "SEN team", "summary": format!("Email {n}"),
            "commitments": [{"text": "Reply within 10 days", "by": "la"}]});
        app.post(&timeline, &fam.token, body).await.expect(201);
    }
    println!(
        "seeded {entries} timeline entries ({linked} linked to the measured case) in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let mut failed = false;
    let mut page_ms = Vec::new();
    let mut used = Default::default();
    for _ in 0..rounds {
        let before = counts.snapshot();
        let started = Instant::now();
        let page = app.get(&format!("{timeline}?limit=50"), &fam.token).await.expect(200);
        page_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        used = counts.snapshot().since(&before);
        assert_eq!(page["items"].as_array().map(Vec::len), Some(50.min(entries as usize)));
    }
    println!(
        "first page of 50: median {:.2} ms; {} index queries, {} records read, {} point reads",
        median(page_ms),
        used.index_queries,
        used.records_read,
        used.point_reads()
    );
    if used.queries() != 1 {
        eprintln!("FAIL: the first page took {} queries", used.queries());
        failed = true;
    }

    let mut chron_ms = Vec::new();
    let mut rows = 0;
    for _ in 0..rounds {
        let before = counts.snapshot();
        let started = Instant::now();
        let c = app.get(&format!("/v1/cases/{}/chronology", fam.case), &fam.token).await.expect(200);
        chron_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        used = counts.snapshot().since(&before);
        rows = c["entries"].as_array().map(Vec::len).unwrap_or_default();
    }
    let aggregate = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    let case_records = 1 + aggregate["history"].as_array().map(Vec::len).unwrap_or_default();
    println!(
        "chronology of the case with {linked} linked entries: median {:.2} ms; {rows} rows; {} queries, {} records read ({} of them the case's own records), {} point reads",
        median(chron_ms),
        used.queries(),
        used.records_read,
        case_records,
        used.point_reads()
    );
    if used.records_read as usize > linked as usize + case_records {
        eprintln!("FAIL: the chronology read {} records for {linked} linked entries", used.records_read);
        failed = true;
    }
    let _ = std::fs::remove_dir_all(&dir);
    if failed {
        std::process::exit(1);
    }
}
