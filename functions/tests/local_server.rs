//! The README's run command, for real: start `senvault-local --demo`, read its banner, and make
//! the request it prints; mint a token with `senvault-local token` and use it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request over a fresh connection; returns (status, body).
fn request(method: &str, addr: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("response");
    let status = raw.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn get(addr: &str, path: &str, token: &str) -> (u16, String) {
    request("GET", addr, path, &[("Authorization", &format!("Bearer {token}"))], b"")
}

#[test]
fn demo_server_serves_the_printed_request() {
    let bin = env!("CARGO_BIN_EXE_senvault-local");
    let data = std::env::temp_dir().join(format!("senvault-local-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let child = Command::new(bin)
        .args(["--demo", "--port", "0", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start senvault-local");
    let mut server = Server(child);
    let stdout = server.0.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let mut curl = None;
    while started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        if line.trim_start().starts_with("curl") && line.contains("/v1/cases/") {
            curl = Some(line);
            break;
        }
    }
    let curl = curl.expect("the banner prints a curl example");
    let token = curl.split("Bearer ").nth(1).and_then(|t| t.split('"').next()).expect("token in curl line");
    let url = curl.split_whitespace().last().expect("url");
    let rest = url.strip_prefix("http://").expect("http url");
    let (addr, path) = rest.split_at(rest.find('/').expect("path"));
    let (status, body) = get(addr, path, token);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"in_assessment\""), "{body}");
    assert!(body.contains("assessment_decision"), "the demo key dates started the statutory clocks");

    let (status, _) = get(addr, path, "not-a-token");
    assert_eq!(status, 401);

    // `token` mints with the same data directory's secret.
    let out = Command::new(bin)
        .args(["token", "--user", "someone-new", "--role", "family", "--data"])
        .arg(&data)
        .output()
        .expect("token");
    assert!(out.status.success());
    let minted = String::from_utf8(out.stdout).unwrap();
    let (status, body) = get(addr, "/v1/children", minted.trim());
    assert_eq!((status, body.contains("\"items\":[]")), (200, true), "{body}");
    let (status, _) = get(addr, path, minted.trim());
    assert_eq!(status, 404, "another user cannot see the demo case");

    // A document through the signed upload URL the running server issued.
    let auth = format!("Bearer {token}");
    let bytes = b"Letter from the LA agreeing to assess";
    let create = format!(
        r#"{{"child_id": "0193a1b2-0000-7000-8000-00000000c411", "title": "LA letter", "category": "correspondence", "content_type": "text/plain", "size": {}}}"#,
        bytes.len()
    );
    let (status, body) = request(
        "POST",
        addr,
        "/v1/documents",
        &[("Authorization", auth.as_str()), ("Content-Type", "application/json")],
        create.as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let upload = doc["upload_url"]["url"].as_str().unwrap();
    let (upload_addr, upload_path) = upload.strip_prefix("http://").unwrap().split_once('/').unwrap();
    assert_eq!(upload_addr, addr, "signed URLs point at the running server");
    let (status, _) = request("PUT", addr, &format!("/{upload_path}"), &[("Content-Type", "text/plain")], bytes);
    assert_eq!(status, 200);
    let id = doc["id"].as_str().unwrap();
    let (status, body) =
        request("POST", addr, &format!("/v1/documents/{id}/uploaded"), &[("Authorization", auth.as_str())], b"");
    assert_eq!((status, body.contains("\"uploaded\"")), (200, true), "{body}");

    // The server's scanner ran at start-up: the demo has a reminder and an overdue alert.
    let parent = token;
    let mut seen = String::new();
    for _ in 0..50 {
        let (status, body) = get(addr, "/v1/notifications", parent);
        assert_eq!(status, 200);
        seen = body;
        if seen.contains("\"overdue\"") && seen.contains("\"reminder\"") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(seen.contains("\"overdue\"") && seen.contains("\"reminder\""), "{seen}");

    let bad = Command::new(bin).args(["token", "--user", "x", "--role", "king"]).output().unwrap();
    assert!(!bad.status.success());
    drop(server);
    // `scan` runs once over the same data: everything due was already handled.
    let out = Command::new(bin).args(["scan", "--data"]).arg(&data).output().expect("scan");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("scan prints JSON");
    assert_eq!(report["failed"], 0);
    assert_eq!(report["overdue"], 0, "idempotent: the server's scan already raised it");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn local_server_runs_on_dynamodb_when_an_aws_endpoint_is_configured() {
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        assert!(std::env::var_os("SENVAULT_REQUIRE_AWS").is_none(), "AWS suites are required but no endpoint is set");
        eprintln!("skipped: no AWS endpoint configured (tests/run starts moto server)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_senvault-local");
    let data = std::env::temp_dir().join(format!("senvault-local-ddb-{}", std::process::id()));
    let table = format!("senvault-local-{}", std::process::id());
    let child = Command::new(bin)
        .args([
            "--demo",
            "--port",
            "0",
            "--scan-every",
            "0",
            "--store",
            "dynamodb",
            "--create",
            "--table",
            &table,
            "--bucket",
            &table,
            "--data",
        ])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start senvault-local");
    let mut server = Server(child);
    let mut lines = BufReader::new(server.0.stdout.take().expect("stdout")).lines();
    let mut banner = String::new();
    let mut curl = None;
    for line in lines.by_ref().map_while(Result::ok).take(30) {
        banner.push_str(&line);
        banner.push('\n');
        if line.trim_start().starts_with("curl") && line.contains("/v1/cases/") {
            curl = Some(line);
            break;
        }
    }
    assert!(banner.contains("DynamoDB table"), "{banner}");
    let curl = curl.expect("the banner prints a curl example");
    let token = curl.split("Bearer ").nth(1).and_then(|t| t.split('"').next()).expect("token");
    let url = curl.split_whitespace().last().expect("url");
    let rest = url.strip_prefix("http://").expect("http url");
    let (addr, path) = rest.split_at(rest.find('/').expect("path"));
    let (status, body) = get(addr, path, token);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("assessment_decision"));
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
