//! The phone core's figures (release build), against the API served on loopback with the
//! SQLite store, through the core's real HTTP client:
//!
//! - a local command's commit (decide + overlay + outbox, one SQLite transaction), p50/p99;
//! - the first download of a child scope holding `--records` records, rows/s applied;
//! - draining `--queued` changes made offline, in one sync;
//! - bytes on the wire per synced record;
//! - captures uploaded at a sync (`--uploads` documents of `--upload-kib` KiB each: encrypted
//!   on capture, decrypted, registered, sent through the signed link and confirmed), MB/s.
//!
//! `--max-commit-p99-ms`, `--max-pull-s` and `--max-drain-s` make it fail above a target.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use senvault_domain::{ActorRef, ActorRole, CaseId, Expect, Note, NoteId, Record, Scope, Write, keys};
use senvault_mobile::VaultClient;
use senvault_store::CommitRequest;
use senvault_tests::load::{arg, percentile};
use senvault_tests::mobile::{StaticAuth, TestKeys};
use senvault_tests::{TestApp, default_now};

fn main() {
    let records = arg("--records", 10_000).max(1);
    let commits = arg("--commits", 200).max(10);
    let queued = arg("--queued", 1_000).max(commits);
    let max_p99 = arg("--max-commit-p99-ms", 0);
    let max_pull = arg("--max-pull-s", 0);
    let max_drain = arg("--max-drain-s", 0);
    let uploads = arg("--uploads", 10);
    let upload_kib = arg("--upload-kib", 2048).max(1);

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let app = TestApp::sqlite();
    app.clock.set(chrono::Utc::now());
    let fam = rt.block_on(app.family_with_case("bench-parent", "in_assessment"));
    let case_id: CaseId = fam.case.parse().expect("case id");
    let scope = Scope::Child(fam.child.parse().expect("child id"));

    // The child scope gets `records` notes, written straight to the store in commits of the
    // size the server uses (the API would take minutes to add them one by one).
    let seeding = Instant::now();
    let author = ActorRef { user: "bench-parent".parse().expect("user"), role: ActorRole::Family };
    let writes: Vec<Write> = (0..records)
        .map(|n| {
            let id = NoteId::new();
            let note = Note {
                id,
                case_id,
                text: format!("Phoned the SEN team about the assessment timetable (call {n}); they will ring back."),
                author: author.clone(),
                created_at: default_now(),
                topic: None,
                section: None,
                document_id: None,
            };
            Write {
                scope: scope.clone(),
                key: keys::note(case_id, id),
                record: Record::Note(note),
                expect: Expect::Absent,
                delete: false,
            }
        })
        .collect();
    let puts = writes.iter().map(senvault_store::codec::to_put).collect::<Result<Vec<_>, _>>().expect("puts");
    for batch in CommitRequest::puts(puts).into_batches() {
        rt.block_on(app.state.service.store().commit(batch)).expect("seed");
    }
    // The case the phone works on: a case of ordinary size (50 notes) beside the big one.
    let work = rt
        .block_on(app.post(
            "/v1/cases",
            &fam.token,
            serde_json::json!({"child_id": fam.child, "status": "in_assessment", "summary": "Annual review"}),
        ))
        .expect(201)["id"]
        .as_str()
        .expect("case id")
        .to_owned();
    for n in 0..50 {
        let note = serde_json::json!({"text": format!("Meeting note {n}")});
        rt.block_on(app.post(&format!("/v1/cases/{work}/notes"), &fam.token, note)).expect(201);
    }
    println!("seeded {records} notes in one child scope in {:.1} s", seeding.elapsed().as_secs_f64());

    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    rt.spawn(async move { axum::serve(listener, router).await });
    let base = format!("http://{addr}");
    // Signed storage links point at the served router.
    app.blobs.set_base_url(base.clone());
    let db = std::env::temp_dir().join(format!("senvault-mobile-bench-{}.db", std::process::id()));

    let _ = std::fs::remove_file(&db);
    let phone = VaultClient::open(
        db.display().to_string(),
        base.clone(),
        Arc::new(StaticAuth(fam.token.clone())),
        Arc::new(TestKeys::default()),
    )
    .expect("replica");

    // First download.
    let started = Instant::now();
    let report = phone.sync().expect("first sync");
    let pull = started.elapsed();
    let per_record = report.bytes_received as f64 / report.records_received.max(1) as f64;
    println!(
        "first download: {} records in {:.2} s, {:.0} rows/s applied, {} bytes on the wire ({per_record:.0} bytes per record)",
        report.records_received,
        pull.as_secs_f64(),
        report.records_received as f64 / pull.as_secs_f64(),
        report.bytes_received,
    );

    // Local commits, measured one by one, then drained (they are the offline queue).
    let mut latencies = Vec::with_capacity(commits as usize);
    for n in 0..commits {
        let t = Instant::now();
        phone.add_note(work.clone(), format!("Offline note {n}")).expect("local note");
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let (p50, p99) = (percentile(&latencies, 0.50), percentile(&latencies, 0.99));
    println!(
        "local command commit (decide + overlay + outbox, one transaction), {} notes added to a case of 50: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        commits,
        ms(p50),
        ms(percentile(&latencies, 0.90)),
        ms(p99),
        ms(latencies.last().copied().unwrap_or_default()),
    );
    // Top the queue up to `queued` changes made offline.
    for n in commits..queued {
        phone.add_note(work.clone(), format!("Offline note {n}")).expect("local note");
    }
    let depth = phone.status().expect("status").outbox_depth;
    let started = Instant::now();
    let report = phone.sync().expect("drain");
    let drain = started.elapsed();
    println!(
        "drained {depth} queued changes in {:.2} s ({} applied, {} refused), then pulled {} records back",
        drain.as_secs_f64(),
        report.applied,
        report.rejected,
        report.records_received
    );

    // Captures: photographed letters, encrypted into the vault, then uploaded at one sync.
    let mut rng = senvault_tests::faults::Rng::new(7);
    let photo = std::env::temp_dir().join(format!("senvault-mobile-bench-{}.jpg", std::process::id()));
    let mut captured = Duration::ZERO;
    for n in 0..uploads {
        let bytes: Vec<u8> = (0..upload_kib * 1024 / 8).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
        std::fs::write(&photo, &bytes).expect("photo");
        let t = Instant::now();
        phone
            .capture_document(
                fam.child.clone(),
                photo.display().to_string(),
                format!("Letter {n}"),
                senvault_domain::DocumentCategory::Correspondence,
                senvault_domain::DocumentType::Jpeg,
                None,
                None,
            )
            .expect("capture");
        captured += t.elapsed();
    }
    let _ = std::fs::remove_file(&photo);
    let mb = (uploads * upload_kib * 1024) as f64 / 1e6;
    let started = Instant::now();
    let up = phone.sync().expect("upload");
    let upload = started.elapsed();
    let left = phone.status().expect("status").pending_uploads;
    if uploads > 0 {
        println!(
            "captured {uploads} documents of {upload_kib} KiB in {:.2} s ({:.0} MB/s encrypted into the vault); uploaded them at one sync in {:.2} s: {:.1} MB/s ({} left pending, {} refused)",
            captured.as_secs_f64(),
            mb / captured.as_secs_f64(),
            upload.as_secs_f64(),
            mb / upload.as_secs_f64(),
            left,
            up.rejected,
        );
    }
    let _ = phone.sign_out();
    let _ = std::fs::remove_file(&db);

    let mut failed = false;
    if max_p99 > 0 && p99 > Duration::from_millis(max_p99) {
        println!("FAILED: commit p99 {:.2} ms is over {max_p99} ms", ms(p99));
        failed = true;
    }
    if max_pull > 0 && pull > Duration::from_secs(max_pull) {
        println!("FAILED: first download took over {max_pull} s");
        failed = true;
    }
    if max_drain > 0 && drain > Duration::from_secs(max_drain) {
        println!("FAILED: draining took over {max_drain} s");
        failed = true;
    }
    if report.applied != depth || left > 0 || failed {
        std::process::exit(1);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
