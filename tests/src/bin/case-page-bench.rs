//! Benchmark of `GET /v1/cases/{id}` for a case with 50 notes, 20 actions and 10 status changes.
//!
//! Reports the store calls one request makes (counted through the storage port) and the
//! requests per second the local server sustains on loopback with the SQLite store.
//!
//! ```text
//! cargo run --release -p senvault-tests --bin case-page-bench -- [--seconds 5] [--connections 8]
//! ```
//! Exits non-zero if the case page needs more than one query.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, Request, header};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use senvault_domain::{MemberRole, RoleClaim};
use senvault_store::Store;
use senvault_store::counting::CountingStore;
use senvault_store::sqlite::SqliteStore;
use senvault_tests::TestApp;
use serde_json::json;

struct Args {
    seconds: u64,
    connections: usize,
}

fn args() -> Args {
    let mut a = Args { seconds: 5, connections: 8 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--seconds", Some(v)) => a.seconds = v.max(1),
            ("--connections", Some(v)) => a.connections = (v as usize).clamp(1, 256),
            _ => {
                eprintln!("usage: case-page-bench [--seconds N] [--connections N]");
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
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("bench.db")).expect("sqlite"));
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

    // Throughput over loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (path, token) = (path.clone(), token.clone());
        tasks.push(tokio::spawn(async move { hammer(addr, &path, &token, deadline).await }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("task");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    let n = latencies.len();
    let pct = |p: f64| latencies.get(((n as f64 * p) as usize).min(n.saturating_sub(1))).copied().unwrap_or_default();
    println!(
        "loopback, SQLite store, {} connections, {} s: {} requests, {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
        args.connections,
        args.seconds,
        n,
        n as f64 / args.seconds as f64,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        errors
    );
    let _ = std::fs::remove_dir_all(&dir);
    if failed || errors > 0 || n == 0 {
        eprintln!("FAILED: the case page must take exactly one store query and every request must succeed");
        std::process::exit(1);
    }
}

/// Sends GETs on one keep-alive connection until `deadline`; returns latencies and errors.
async fn hammer(addr: SocketAddr, path: &str, token: &str, deadline: Instant) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else { return (latencies, 1) };
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await
    else {
        return (latencies, 1);
    };
    tokio::spawn(conn);
    while Instant::now() < deadline {
        let req = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::HOST, addr.to_string())
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Empty::<Bytes>::new())
            .expect("request");
        let started = Instant::now();
        match sender.send_request(req).await {
            Ok(res) if res.status().is_success() => {
                if res.into_body().collect().await.is_err() {
                    errors += 1;
                }
                latencies.push(started.elapsed());
            }
            _ => {
                errors += 1;
                break;
            }
        }
    }
    (latencies, errors)
}
