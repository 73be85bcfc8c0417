//! How much memory the local server spends serving documents: four 48 MiB documents downloaded
//! at once, from a `senvault-local --demo` process, its peak resident memory (VmHWM) reset to
//! the memory it holds before each round and read from `/proc` after. Downloads stream from disk in 64 KiB chunks, so the growth should
//! stay far below one document; a server that read each whole would grow by 192 MiB.
//!
//! `cargo bench -p senvault-functions --bench downloads` (Linux). Prints the figures; the bound
//! itself (< 16 MiB) is asserted by `functions/tests/local_server.rs` on every test run.

#[path = "../tests/support/mod.rs"]
mod support;

use support::*;

const LEN: usize = 48 * 1024 * 1024;
const PARALLEL: usize = 4;
const ROUNDS: usize = 3;

fn main() {
    if !cfg!(target_os = "linux") {
        eprintln!("downloads benchmark: reads /proc, Linux only");
        return;
    }
    let data = std::env::temp_dir().join(format!("senvault-download-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (server, addr, _, token) = start_demo(&data);
    let pid = server.0.id();
    let auth = format!("Bearer {token}");
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    let create = format!(
        r#"{{"child_id": "0193a1b2-0000-7000-8000-00000000c411", "title": "Scan of the final plan", "category": "ehcp", "content_type": "application/pdf", "size": {LEN}}}"#
    );
    let mut downloads = Vec::new();
    for _ in 0..PARALLEL {
        let (status, body) = request("POST", &addr, "/v1/documents", &headers, create.as_bytes());
        assert_eq!(status, 201, "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
        let id = doc["id"].as_str().expect("id").to_owned();
        let url = doc["upload_url"]["url"].as_str().expect("upload url").to_owned();
        assert_eq!(stream_put(&addr, url.split_once(&addr).expect("path").1, "application/pdf", LEN), 200);
        let (status, body) = request("POST", &addr, &format!("/v1/documents/{id}/uploaded"), &headers, b"{}");
        assert_eq!(status, 200, "{body}");
        let (status, body) = get(&addr, &format!("/v1/documents/{id}"), &token);
        assert_eq!(status, 200, "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
        let url = doc["download_url"]["url"].as_str().expect("download url").to_owned();
        downloads.push(url.split_once(&addr).expect("path").1.to_owned());
    }
    let start = peak_rss_kib(pid).expect("VmHWM");
    println!(
        "server peak RSS after {PARALLEL} uploads of {} MiB: {start} KiB; each round below starts from the RSS held then",
        LEN >> 20
    );
    let mut worst = 0;
    for round in 1..=ROUNDS {
        assert!(reset_peak_rss(pid), "resetting the server's peak memory (/proc/<pid>/clear_refs)");
        let before = peak_rss_kib(pid).expect("VmHWM");
        let began = std::time::Instant::now();
        for (head, len) in stream_all_at_once(&addr, &downloads) {
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            assert_eq!(len, LEN, "every byte arrived");
        }
        let took = began.elapsed();
        let after = peak_rss_kib(pid).expect("VmHWM");
        worst = worst.max(after.saturating_sub(before));
        let mib = (PARALLEL * LEN) as f64 / f64::from(1 << 20);
        println!(
            "round {round}: {PARALLEL} downloads of {} MiB at once in {:.2} s ({:.0} MiB/s); peak RSS {before} KiB -> {after} KiB (+{} KiB)",
            LEN >> 20,
            took.as_secs_f64(),
            mib / took.as_secs_f64(),
            after.saturating_sub(before)
        );
    }
    println!("largest growth of a round: +{worst} KiB (bound: 16384 KiB)");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
