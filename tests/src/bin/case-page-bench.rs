//! Benchmark of `GET /v1/cases/{id}` for a case with 50 notes, 20 actions and 10 status changes.
//!
//! Reports the store calls one request makes (counted through the storage port) and the
//! requests per second the local server sustains on loopback with the SQLite store — first
//! with one read connection beside the writer, then with the reader pool the server uses — and
//! the ratio of the two.
//!
//! ```text
//! cargo run --release -p senvault-tests --bin case-page-bench -- [--seconds 5] [--rounds 3] [--connections 16] [--min-speedup 1.5]
//! ```
//! Exits non-zero if the case page needs more than one query, or the pool's speed-up is below
//! `--min-speedup` (not checked unless given: debug builds and busy machines measure noise).

/// The local server's allocator (`senvault-local` uses the same), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use senvault_domain::{MemberRole, RoleClaim};
use senvault_functions::setup::tokio_offload;
use senvault_store::Store;
use senvault_store::counting::CountingStore;
use senvault_store::sqlite::{SqliteOptions, SqliteStore};
use senvault_tests::{TestApp, load};
use serde_json::json;

struct Args {
    seconds: u64,
    rounds: u64,
    connections: usize,
    min_speedup: Option<f64>,
}

fn args() -> Args {
    let mut a = Args { seconds: 5, rounds: 3, connections: 16, min_speedup: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse::<f64>().ok());
        match (flag.as_str(), value) {
            ("--seconds", Some(v)) => a.seconds = (v as u64).max(1),
            ("--rounds", Some(v)) => a.rounds = (v as u64).max(1),
            ("--connections", Some(v)) => a.connections = (v as usize).clamp(1, 256),
            ("--min-speedup", Some(v)) => a.min_speedup = Some(v),
            _ => {
                eprintln!("usage: case-page-bench [--seconds N] [--rounds N] [--connections N] [--min-speedup X]");
                std::process::exit(2);
            }
        }
    }
    a
}

#[tokio::main]
async fn main() {
    let args = args();
    let dir = std::env::temp_dir().join(format!("senvault-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("bench.db");
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).expect("sqlite").with_offload(tokio_offload()));
    let counting = Arc::new(CountingStore::new(sqlite));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting);
    let token = app.token("bench-parent", RoleClaim::Family);

    // Seed: a case with 50 notes, 20 actions and 10 status changes.
    app.post("/v1/family", &token, json!({"name": "Bench family"})).await.expect(201);
    let child = app
        .post(
            "/v1/children",
            &token,
            json!({"name": "Bench", "date_of_birth": "2015-06-01", "local_authority": "Leeds"}),
        )
        .await
        .expect(201);
    let child_id = child["id"].as_str().expect("child").to_owned();
    let case = app
        .post(
            "/v1/cases",
            &token,
            json!({"child_id": child_id, "status": "assessment_requested", "summary": "Benchmark case"}),
        )
        .await
        .expect(201);
    let case_id = case["id"].as_str().expect("case").to_owned();
    for i in 0..50 {
        let text = format!("Note {i}: phoned the caseworker about the assessment timeline and the missing EP advice.");
        app.post(&format!("/v1/cases/{case_id}/notes"), &token, json!({"text": text, "topic": "correspondence"}))
            .await
            .expect(201);
    }
    for i in 0..20 {
        let body =
            json!({"description": format!("Action {i}"), "responsible": "la", "due": format!("2026-02-{:02}", i + 1)});
        app.post(&format!("/v1/cases/{case_id}/actions"), &token, body).await.expect(201);
    }
    let statuses = ["in_assessment", "draft_ehcp_issued", "final_ehcp_issued", "appeal_lodged", "tribunal_scheduled"];
    for i in 0..10 {
        app.post(&format!("/v1/cases/{case_id}/status"), &token, json!({"status": statuses[i % statuses.len()]}))
            .await
            .expect(200);
    }
    // An advocate with a view grant, to count the membership read an advocate adds.
    app.grant("bench-advocate", &child_id, MemberRole::Reader).await;
    let adv_token = app.token("bench-advocate", RoleClaim::Advocate);

    let path = format!("/v1/cases/{case_id}");
    let mut failed = false;
    for (who, t) in [("family", &token), ("advocate (view grant)", &adv_token)] {
        let before = counts.snapshot();
        let page = app.get(&path, t).await.expect(200);
        let used = counts.snapshot().since(&before);
        println!(
            "GET /v1/cases/{{id}} as {who}: {} store query, {} point reads (alias {}, membership {}), {} records read; page has {} notes, {} actions, {} history entries",
            used.queries(),
            used.point_reads(),
            used.resolves,
            used.gets,
            used.records_read,
            page["notes"].as_array().map_or(0, Vec::len),
            page["actions"].as_array().map_or(0, Vec::len),
            page["history"].as_array().map_or(0, Vec::len),
        );
        failed |= used.queries() != 1;
    }

    // Throughput over loopback: the same database, read through one connection, then through
    // the pool the server uses. The two alternate, round by round, so a noisy neighbour slows
    // both alike rather than one.
    let pool = SqliteOptions::default().readers;
    let mut setups = Vec::new();
    for readers in [1, pool] {
        let store =
            SqliteStore::open_with(&db, SqliteOptions { readers }).expect("sqlite").with_offload(tokio_offload());
        let run = TestApp::with_store(Arc::new(store));
        let token = run.token("bench-parent", RoleClaim::Family);
        setups.push((readers, run, token, Tally::default()));
    }
    for _ in 0..args.rounds {
        for (_, run, token, tally) in setups.iter_mut() {
            let cpu_before = cpu_seconds();
            let (latencies, errors) = load::throughput(&run.router, &path, token, args.seconds, args.connections).await;
            tally.cpu += cpu_seconds() - cpu_before;
            tally.latencies.extend(latencies);
            tally.errors += errors;
        }
    }
    let mut rates = Vec::new();
    for (readers, run, _, tally) in setups.iter_mut() {
        let seconds = (args.seconds * args.rounds) as f64;
        tally.latencies.sort();
        let n = tally.latencies.len();
        let pct = |p: f64| load::percentile(&tally.latencies, p);
        let rate = n as f64 / seconds;
        println!(
            "loopback, SQLite store, {readers} reader connection{}, {} client connections, {} x {} s: {n} requests, {rate:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, {:.0}% CPU",
            if *readers == 1 { "" } else { "s" },
            args.connections,
            args.rounds,
            args.seconds,
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            tally.errors,
            tally.cpu / seconds * 100.0,
        );
        failed |= tally.errors > 0 || n == 0;
        rates.push(rate);
        let in_process = service_reads(run, &case_id, &args).await;
        println!("  the same case page through the service alone (no HTTP), {readers} reader(s): {in_process:.0}/s");
    }
    let speedup = rates[1] / rates[0].max(1.0);
    println!("reader pool ({pool} connections) vs one reader: {speedup:.2}x requests/s");
    let _ = std::fs::remove_dir_all(&dir);
    if failed {
        eprintln!("FAILED: the case page must take exactly one store query and every request must succeed");
        std::process::exit(1);
    }
    if let Some(min) = args.min_speedup
        && speedup < min
    {
        eprintln!("FAILED: the reader pool gave {speedup:.2}x, below the required {min}x");
        std::process::exit(1);
    }
}

/// Case pages per second read through the service by `connections` concurrent tasks (no HTTP).
async fn service_reads(app: &TestApp, case_id: &str, args: &Args) -> f64 {
    let actor = senvault_domain::Actor { user: "bench-parent".parse().expect("user"), role: RoleClaim::Family };
    let case: senvault_domain::CaseId = case_id.parse().expect("case id");
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (service, actor) = (app.state.service.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                if service.case_detail(&actor, case).await.is_ok() {
                    n += 1;
                }
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("task");
    }
    total as f64 / args.seconds as f64
}

/// CPU time this process has used (user + system), from `/proc/self/stat`; 0 where unavailable.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line, 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// What one setup measured over every round.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    cpu: f64,
}
