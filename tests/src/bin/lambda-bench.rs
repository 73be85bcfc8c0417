//! Lambda packaging and cold-start benchmark.
//!
//! - Package size of each function from `cargo lambda build --release --arm64` (the `bootstrap`
//!   and, if built with `--output-format zip`, `bootstrap.zip` under `target/lambda/<name>/`).
//! - Cold starts: each function's release binary started against a local Lambda Runtime API:
//!   init (process start to its first request for work) and time to first response, as deployed
//!   (init includes one warm-up read of the table, here against the emulator) and for the
//!   process alone (no network in init, answering `/health`), which the 50 ms target applies to.
//! - DynamoDB calls per `GET /v1/cases/{id}` for the family and for an advocate, counted
//!   through the storage port against the emulator.
//!
//! Needs an AWS endpoint (moto server) in the standard AWS environment variables:
//! ```text
//! cargo build --release -p senvault-functions --bins
//! cargo run --release -p senvault-tests --bin lambda-bench -- [--runs 10] [--bin-dir target/release]
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use senvault_domain::{MemberRole, RoleClaim};
use senvault_store::counting::CountingStore;
use senvault_tests::runtime_api::{RuntimeApi, http_event};
use senvault_tests::{TestApp, aws, scenario};

const FUNCTIONS: [&str; 4] = ["cases", "documents", "access", "overdue-scanner"];

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[tokio::main]
async fn main() {
    let runs: usize = arg("--runs").and_then(|r| r.parse().ok()).unwrap_or(10).max(1);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin_dir = arg("--bin-dir").map(PathBuf::from).unwrap_or_else(|| root.join("target/release"));
    let mut failed = false;

    println!("package size (cargo lambda build --release --arm64; one binary serves every function):");
    let dir = root.join("target/lambda/senvault-lambda");
    let size = |name: &str| std::fs::metadata(dir.join(name)).ok().map(|m| m.len());
    match (size("bootstrap"), size("bootstrap.zip")) {
        (None, None) => {
            println!("  senvault-lambda: not built (run cargo lambda build --release --arm64 [--output-format zip])")
        }
        (b, z) => {
            println!(
                "  senvault-lambda: binary {}, zipped {}",
                b.map(mib).unwrap_or_else(|| "-".into()),
                z.map(mib).unwrap_or_else(|| "-".into())
            );
            failed |= z.is_some_and(|z| z > 8 * 1024 * 1024);
        }
    }

    let Some(store) = aws::dynamo().await else {
        eprintln!("no AWS endpoint: set AWS_ENDPOINT_URL (tests/run starts moto server)");
        std::process::exit(2);
    };
    let table = store.table().to_owned();
    let mut env: Vec<(&'static str, String)> = vec![
        ("TABLE_NAME", table.clone()),
        ("LOG_LEVEL", "warn".into()),
        ("ERASURE_SECRET", "bench-erasure-secret".into()),
    ];
    for k in ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        if let Ok(v) = std::env::var(k) {
            env.push((k, v));
        }
    }

    // A case to read, written through the production adapter.
    let counting = Arc::new(CountingStore::new(Arc::new(store)));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting);
    let journey = scenario::family_journey(&app).await;
    let family_sub = journey.user.clone();

    println!("cold starts against a local Lambda Runtime API ({runs} each, binaries from {}):", bin_dir.display());
    let family = [("sub", family_sub.as_str())];
    for f in FUNCTIONS {
        let binary = bin_dir.join("senvault-lambda");
        if !binary.exists() {
            println!("  {f}: {} not built (cargo build --release -p senvault-functions --bins)", binary.display());
            failed = true;
            continue;
        }
        // As deployed (init includes one warm-up read of the table), answering a real request;
        // then the process alone (no network in init), answering a request that needs none.
        let real = match f {
            "overdue-scanner" => {
                serde_json::json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}})
            }
            "cases" => http_event("GET", &format!("/v1/cases/{}", journey.case_id), Some(&family), None),
            "documents" => {
                http_event("GET", &format!("/v1/documents?child_id={}", journey.child_id), Some(&family), None)
            }
            _ => http_event("GET", "/v1/me/preferences", Some(&family), None),
        };
        let light = match f {
            "overdue-scanner" => real.clone(),
            _ => http_event("GET", "/health", None, None),
        };
        for (label, warm, event) in [("as deployed", "1", &real), ("process only", "0", &light)] {
            let mut inits = Vec::new();
            let mut firsts = Vec::new();
            for _ in 0..runs {
                let runtime = RuntimeApi::start().await;
                let mut env = env.clone();
                env.push(("SENVAULT_WARM_UP", warm.to_owned()));
                env.push(("SENVAULT_AREA", f.to_owned()));
                let function = runtime.spawn(&binary, &env);
                let Some(init) = runtime.wait_initialised(&function, Duration::from_secs(30)).await else {
                    println!("  {f}: did not initialise: {:?}", runtime.init_error());
                    failed = true;
                    break;
                };
                let answer = runtime.invoke(event.clone()).await;
                firsts.push(function.started.elapsed());
                inits.push(init);
                if answer.is_err() {
                    println!("  {f}: invocation failed: {answer:?}");
                    failed = true;
                }
            }
            inits.sort();
            firsts.sort();
            let median = |v: &[Duration]| v.get(v.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1e3);
            println!(
                "  {f:<16} {label:<13} init {:6.1} ms, first response {:6.1} ms (medians)",
                median(&inits),
                median(&firsts)
            );
            if warm == "0" && f != "overdue-scanner" {
                failed |= median(&firsts) > 50.0;
            }
        }
    }

    // DynamoDB calls per case page.
    app.grant("bench-advocate", &journey.child_id, MemberRole::Reader).await;
    let adv_token = app.token("bench-advocate", RoleClaim::Advocate);
    for (who, token) in [("family", journey.token.as_str()), ("advocate", adv_token.as_str())] {
        let before = counts.snapshot();
        let started = Instant::now();
        app.get(&format!("/v1/cases/{}", journey.case_id), token).await.expect(200);
        let used = counts.snapshot().since(&before);
        println!(
            "DynamoDB calls for GET /v1/cases/{{id}} as {who}: {} Query, {} GetItem (case-id alias {}, membership {}); {:.1} ms against the emulator",
            used.queries(),
            used.point_reads(),
            used.resolves,
            used.gets,
            started.elapsed().as_secs_f64() * 1e3
        );
        failed |= used.queries() != 1;
    }
    if failed {
        eprintln!(
            "FAILED: a target was missed (zip > 8 MiB, first response > 50 ms, or more than one query per case page)"
        );
        std::process::exit(1);
    }
}
