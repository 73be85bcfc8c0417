//! A load generator for the benchmarks: keep-alive HTTP/1.1 clients against a router served on
//! loopback, so the figures include the server's HTTP stack as a phone's requests meet it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{Method, Request, header};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;

/// Latencies of the GETs of `path` that `connections` clients completed against `router`
/// served on loopback for `seconds`, and the errors.
pub async fn throughput(
    router: &Router,
    path: &str,
    token: &str,
    seconds: u64,
    connections: usize,
) -> (Vec<Duration>, usize) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (path, token) = (path.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move { hammer(addr, &path, &token, deadline).await }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("task");
        latencies.extend(l);
        errors += e;
    }
    server.abort();
    (latencies, errors)
}

/// The `p` quantile (0 to 1) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let n = sorted.len();
    sorted.get(((n as f64 * p) as usize).min(n.saturating_sub(1))).copied().unwrap_or_default()
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

/// A bench binary's numeric option `--name N`, or `default` when absent or unreadable.
pub fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Prints a throughput run's line (requests, requests/s, p50, p99, errors) and answers whether
/// it succeeded (some requests, no errors). Sorts `latencies`.
pub fn report_throughput(
    latencies: &mut [Duration],
    errors: usize,
    seconds: u64,
    connections: usize,
    label: &str,
) -> bool {
    latencies.sort();
    println!(
        "{label}, {connections} client connections, {seconds} s: {} requests, {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, {errors} errors",
        latencies.len(),
        latencies.len() as f64 / seconds as f64,
        percentile(latencies, 0.5).as_secs_f64() * 1e3,
        percentile(latencies, 0.99).as_secs_f64() * 1e3,
    );
    errors == 0 && !latencies.is_empty()
}
