//! Driving `senvault-local --demo` as a user would, over plain HTTP/1.1 sockets: shared by the
//! local-server tests and the downloads benchmark (each uses part of it).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request over a fresh connection; returns (status, body).
pub fn request(method: &str, addr: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
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

pub fn get(addr: &str, path: &str, token: &str) -> (u16, String) {
    request("GET", addr, path, &[("Authorization", &format!("Bearer {token}"))], b"")
}

/// The demo server as the README starts it, on a free port over `data`: the server, and the
/// address, case path and parent token its banner's curl example prints.
pub fn start_demo(data: &std::path::Path) -> (Server, String, String, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_senvault-local"))
        .args(["--demo", "--port", "0", "--data"])
        .arg(data)
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
    // Keep reading, so whatever the server prints later never meets a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let curl = curl.expect("the banner prints a curl example");
    let token = curl.split("Bearer ").nth(1).and_then(|t| t.split('"').next()).expect("token in curl line");
    let url = curl.split_whitespace().last().expect("url");
    let rest = url.strip_prefix("http://").expect("http url");
    let (addr, path) = rest.split_at(rest.find('/').expect("path"));
    (server, addr.to_owned(), path.to_owned(), token.to_owned())
}

/// Peak resident memory of a process, in KiB (Linux).
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Lowers a process's peak resident memory (VmHWM) to what it holds now (Linux ≥ 4.0, writing
/// `5` to `/proc/<pid>/clear_refs`), so the next peak measures only what follows — otherwise
/// an earlier, higher peak (the uploads) would hide it. `false` if the kernel refused.
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Sends a PUT that declares `len` bytes and streams them (zeros) in 64 KiB writes, stopping
/// quietly if the server has already answered and closed; returns the status.
pub fn stream_put(addr: &str, path: &str, content_type: &str, len: usize) -> u16 {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let mut sent = 0;
    while sent < len {
        let n = chunk.len().min(len - sent);
        if s.write_all(&chunk[..n]).is_err() {
            break;
        }
        sent += n;
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// Reads a GET's answer to the end, counting the body without keeping it; returns the head
/// and the body's length.
pub fn stream_get(addr: &str, path: &str) -> (String, usize) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
    let (mut head, mut body_len, mut buf) = (Vec::new(), 0usize, vec![0u8; 64 * 1024]);
    let mut in_body = false;
    loop {
        let n = s.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        if in_body {
            body_len += n;
            continue;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            body_len += head.len() - end - 4;
            head.truncate(end);
            in_body = true;
        }
    }
    (String::from_utf8_lossy(&head).into_owned(), body_len)
}

/// GETs every path at once, each on its own connection and thread, counting bodies without
/// keeping them; returns each answer's head and body length, in the order of `paths`.
pub fn stream_all_at_once(addr: &str, paths: &[String]) -> Vec<(String, usize)> {
    let threads: Vec<_> = paths
        .iter()
        .map(|path| {
            let (addr, path) = (addr.to_owned(), path.clone());
            std::thread::spawn(move || stream_get(&addr, &path))
        })
        .collect();
    threads.into_iter().map(|t| t.join().expect("download thread")).collect()
}
