//! The README's run command, for real: start `senvault-local --demo`, read its banner, and make
//! the request it prints; mint a token with `senvault-local token` and use it.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::*;

#[test]
fn demo_server_serves_the_printed_request() {
    let bin = env!("CARGO_BIN_EXE_senvault-local");
    let data = std::env::temp_dir().join(format!("senvault-local-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (server, addr, path, token) = start_demo(&data);
    let (addr, path, token) = (addr.as_str(), path.as_str(), token.as_str());
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
/// The upload route checks the link before it reads a byte, and streams what it accepts to
/// disk; the download route streams from disk. Eight 50 MiB bodies with forged signatures at once raise the server's peak memory by a
/// few MiB at most (a server that read them first would need 400 MiB). Four genuine 50 MiB
/// uploads at once raise it by less than one body: what growth there is comes from the
/// threads that write files, each with its own allocator heap.
#[cfg(target_os = "linux")]
#[test]
fn uploads_are_streamed_not_held_in_memory() {
    const LEN: usize = 50 * 1024 * 1024;
    let data = std::env::temp_dir().join(format!("senvault-local-rss-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (server, addr, _, token) = start_demo(&data);
    let pid = server.0.id();
    let auth = format!("Bearer {token}");
    let create = format!(
        r#"{{"child_id": "0193a1b2-0000-7000-8000-00000000c411", "title": "Scan of the final plan", "category": "ehcp", "content_type": "application/pdf", "size": {LEN}}}"#
    );
    let mut genuine = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (status, body) = request(
            "POST",
            &addr,
            "/v1/documents",
            &[("Authorization", auth.as_str()), ("Content-Type", "application/json")],
            create.as_bytes(),
        );
        assert_eq!(status, 201, "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        ids.push(doc["id"].as_str().unwrap().to_owned());
        let url = doc["upload_url"]["url"].as_str().unwrap().to_owned();
        genuine.push(url.split_once(&addr).unwrap().1.to_owned());
    }
    let forged: Vec<String> = (0..8).map(|n| genuine[n % 4].replace("sig=", "sig=00")).collect();
    let all_at_once = |paths: &[String], want: u16| -> u64 {
        let before = peak_rss_kib(pid).expect("VmHWM");
        let threads: Vec<_> = paths
            .iter()
            .map(|path| {
                let (addr, path) = (addr.clone(), path.clone());
                std::thread::spawn(move || stream_put(&addr, &path, "application/pdf", LEN))
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), want);
        }
        let after = peak_rss_kib(pid).expect("VmHWM");
        eprintln!("{} uploads answered {want}: peak RSS {before} KiB -> {after} KiB", paths.len());
        after.saturating_sub(before)
    };
    let grew = all_at_once(&forged, 403);
    assert!(grew <= 4 * 1024, "forged uploads raised peak memory by {grew} KiB");
    let grew = all_at_once(&genuine, 200);
    assert!(grew < (LEN / 1024) as u64, "genuine uploads raised peak memory by {grew} KiB: a whole body's worth");

    // Downloads are streamed from disk too: four at once raise the peak by less than 16 MiB
    // (a server that read each document whole would need 200 MiB).
    let mut downloads = Vec::new();
    for id in &ids {
        let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
        let (status, body) = request("POST", &addr, &format!("/v1/documents/{id}/uploaded"), &headers, b"{}");
        assert_eq!(status, 200, "{body}");
        let (status, body) = get(&addr, &format!("/v1/documents/{id}"), &token);
        assert_eq!(status, 200, "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        let url = doc["download_url"]["url"].as_str().expect("a download link").to_owned();
        downloads.push(url.split_once(&addr).unwrap().1.to_owned());
    }
    // From the memory held now: the uploads' higher peak would otherwise hide the downloads'.
    assert!(reset_peak_rss(pid), "resetting the server's peak memory");
    let before = peak_rss_kib(pid).expect("VmHWM");
    for (head, body_len) in stream_all_at_once(&addr, &downloads) {
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let lower = head.to_ascii_lowercase();
        for h in
            ["cache-control: no-store", "x-content-type-options: nosniff", "content-disposition: attachment; filename="]
        {
            assert!(lower.contains(h), "a download carries {h}: {head}");
        }
        assert_eq!(body_len, LEN, "every byte arrived");
    }
    let after = peak_rss_kib(pid).expect("VmHWM");
    let grew = after.saturating_sub(before);
    eprintln!("4 downloads of {} MiB at once: peak RSS {before} KiB -> {after} KiB (+{grew} KiB)", LEN >> 20);
    assert!(grew < 16 * 1024, "four downloads raised peak memory by {grew} KiB");
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// The data directory holds the token-signing secret and the records: only its owner may read
/// them, whatever the umask.
#[cfg(unix)]
#[test]
fn the_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let data = std::env::temp_dir().join(format!("senvault-local-perm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (server, ..) = start_demo(&data);
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("jwt-secret")), 0o600);
    assert_eq!(mode(&data.join("senvault.db")), 0o600);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
