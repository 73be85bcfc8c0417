//! Benchmark of access checks: the store calls one request costs for the family, a viewer and
//! a collaborator (authorising is one membership read), and an advocate with grants to 200
//! children listing their actions — reading only those children's open actions — with the
//! requests per second the local server sustains for it on loopback.
//!
//! ```text
//! cargo run --release -p senvault-tests --bin access-bench -- [--children 200] [--others 200] [--actions 5] [--seconds 5] [--connections 16]
//! ```
//! Exits non-zero if authorising takes more than one membership read, or the action list
//! reads anything but the granted children's open actions.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::Instant;

use axum::http::Method;
use senvault_functions::setup::tokio_offload;
use senvault_store::Store;
use senvault_store::counting::CountingStore;
use senvault_store::sqlite::SqliteStore;
use senvault_tests::load::arg;
use senvault_tests::{TestApp, load, scenario};
use serde_json::json;

#[tokio::main]
async fn main() {
    let children = arg("--children", 200).max(1);
    let others = arg("--others", 200);
    let per_child = arg("--actions", 5).clamp(1, 40);
    let seconds = arg("--seconds", 5).max(1);
    let connections = arg("--connections", 16).clamp(1, 256) as usize;

    let dir = std::env::temp_dir().join(format!("senvault-access-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sqlite: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.join("access.db")).expect("sqlite").with_offload(tokio_offload()));
    let counting = Arc::new(CountingStore::new(sqlite));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting);

    let seeding = Instant::now();
    let advocate = scenario::advocate(&app, "bench-advocate", "Bench Advocate").await;
    let viewer = scenario::advocate(&app, "bench-viewer", "Bench Viewer").await;
    let mut first = None;
    for n in 0..children + others {
        // Each family's child has a case with open and done actions; the first `children`
        // families grant the advocate collaborate access, the rest grant nobody.
        let fam = app.family_with_case(&format!("parent-{n}"), "in_assessment").await;
        for a in 0..per_child * 2 {
            let body = json!({"description": format!("Action {a}"), "responsible": "la", "due": format!("2026-03-{:02}", a % 28 + 1)});
            let made = app.post(&format!("/v1/cases/{}/actions", fam.case), &fam.token, body).await.expect(201);
            if a % 2 == 1 {
                let done = format!("/v1/cases/{}/actions/{}/complete", fam.case, made["id"].as_str().expect("id"));
                app.post(&done, &fam.token, json!({})).await.expect(200);
            }
        }
        if n < children {
            let (conn, _) = scenario::connect(&app, &fam.token, &fam.child, &advocate).await;
            let grant = json!({"children": "all", "level": "collaborate"});
            app.post(&format!("/v1/connections/{conn}/grants"), &fam.token, grant).await.expect(200);
        }
        if n == 0 {
            let (conn, _) = scenario::connect(&app, &fam.token, &fam.child, &viewer).await;
            let grant = json!({"children": "all", "level": "view"});
            app.post(&format!("/v1/connections/{conn}/grants"), &fam.token, grant).await.expect(200);
            first = Some(fam);
        }
    }
    let first = first.expect("a family");
    println!(
        "seeded {} children with {} open and {} done actions each ({children} granted to the advocate) in {:.1} s",
        children + others,
        per_child,
        per_child,
        seeding.elapsed().as_secs_f64()
    );

    let mut failed = false;
    let case = format!("/v1/cases/{}", first.case);
    for (who, token) in [("family", &first.token), ("viewer", &viewer.0), ("collaborator", &advocate.0)] {
        for (what, method, path, body) in [
            ("GET case page", Method::GET, case.clone(), None),
            ("POST note", Method::POST, format!("{case}/notes"), Some(json!({"text": "Benchmark note"}))),
        ] {
            let before = counts.snapshot();
            let res = app.call(method, &path, Some(token), body).await;
            let used = counts.snapshot().since(&before);
            println!(
                "{what} as {who}: HTTP {}; {} point reads ({} membership-or-record gets, {} alias), {} queries, {} commits",
                res.status.as_u16(),
                used.point_reads(),
                used.gets,
                used.resolves,
                used.queries(),
                used.commits,
            );
        }
    }
    // Authorising is one read of the caller's membership: a read of the case page costs that,
    // the page's query and, for an advocate, the audit line.
    let before = counts.snapshot();
    app.get(&case, &viewer.0).await.expect(200);
    let used = counts.snapshot().since(&before);
    failed |= used.gets != 1;

    let before = counts.snapshot();
    let listed = app.get("/v1/actions?limit=50", &advocate.0).await.expect(200);
    let used = counts.snapshot().since(&before);
    let open_granted = children * per_child;
    // What was read: the advocate's memberships (one per granted child), then each granted
    // child's open actions through its index.
    let actions_read = used.records_read.saturating_sub(children);
    println!(
        "GET /v1/actions for an advocate granted {children} of {} children: {} memberships listed, {} index queries reading {actions_read} actions (the granted children's open actions: {open_granted}), {} commits (audit lines), {} shown",
        children + others,
        used.records_read - actions_read,
        used.index_queries,
        used.commits,
        listed["items"].as_array().map_or(0, Vec::len),
    );
    failed |= actions_read > open_granted || used.index_queries != children;

    let (mut latencies, errors) =
        load::throughput(&app.router, "/v1/actions?limit=50", &advocate.0, seconds, connections).await;
    failed |= !load::report_throughput(&mut latencies, errors, seconds, connections, "loopback, SQLite store");
    let _ = std::fs::remove_dir_all(&dir);
    if failed {
        eprintln!(
            "FAILED: authorising must be one membership read, and the list only the granted children's open actions"
        );
        std::process::exit(1);
    }
}
