//! Exports end to end, on SQLite with local files and on DynamoDB with S3 (moto): a family's
//! archive holds every document in its original format, every record as JSON and each case's
//! pages; an advocate's holds their own work and none of a family's vault; one at a time.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use senvault_domain::RoleClaim;
use senvault_tests::{TestApp, aws, http};
use serde_json::{Value, json};

async fn ready(app: &TestApp, token: &str, location: &str) -> Value {
    for _ in 0..300 {
        let e = app.get(location, token).await.expect(200);
        if e["state"] == "ready" || e["state"] == "failed" {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the export did not finish");
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut out = Vec::new();
        f.read_to_end(&mut out).expect("read");
        let name = f.name().map(|n| n.to_string()).expect("a name");
        files.insert(name, out);
    }
    files
}

async fn export_of(app: &TestApp, token: &str) -> std::collections::BTreeMap<String, Vec<u8>> {
    let res = app.call(Method::POST, "/v1/me/exports", Some(token), None).await;
    let accepted = res.expect(202);
    assert_eq!(accepted["state"], "queued");
    let location = format!("/v1/me/exports/{}", accepted["id"].as_str().unwrap());
    let done = ready(app, token, &location).await;
    assert_eq!(done["state"], "ready", "{done}");
    let (status, zip) = http(Method::GET, done["download_url"]["url"].as_str().unwrap(), &[], vec![]).await;
    assert_eq!(status, 200);
    {
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(&zip).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(done["sha256"].as_str(), Some(hash.as_str()));
    }
    let files = unzip(&zip);
    assert_eq!(done["files"].as_u64(), Some(files.len() as u64));
    files
}

async fn journey(app: &TestApp) {
    app.serve().await;
    let f = app.family_with_case("mum-export", "in_assessment").await;
    let report = b"Speech and language report: weekly therapy".to_vec();
    let doc = app.upload_document(&f.token, &f.child, "SALT report", "text/plain", report.clone()).await;
    app.patch(&format!("/v1/documents/{doc}"), &f.token, json!({"document_date": "2025-11-03"})).await.expect(200);
    app.post(
        &format!("/v1/cases/{}/notes", f.case),
        &f.token,
        json!({"text": "Asked the school for the provision map"}),
    )
    .await
    .expect(201);
    // An advocate helping the family, with a private note and a message.
    let adv = app.token("adv-export", RoleClaim::Advocate);
    let me = app
        .call(
            Method::PUT,
            "/v1/advocates/me",
            Some(&adv),
            Some(json!({"name": "Sam", "areas": ["Leeds"], "accepting": true})),
        )
        .await
        .expect(201);
    let ticket = app
        .post(
            "/v1/support-requests",
            &f.token,
            json!({"advocate_id": me["id"], "child_id": f.child, "type": "ehcp", "message": "Help please"}),
        )
        .await
        .expect(201);
    let ticket_id = ticket["id"].as_str().unwrap().to_owned();
    app.post(&format!("/v1/tickets/{ticket_id}/accept"), &adv, json!({})).await.expect(200);
    let grants = format!("/v1/connections/{}/grants", ticket["connection_id"].as_str().unwrap());
    app.post(&grants, &f.token, json!({"children": [f.child], "level": "view"})).await.expect(200);
    app.post(&format!("/v1/tickets/{ticket_id}/private-notes"), &adv, json!({"text": "Family prefers email"}))
        .await
        .expect(201);

    // A photo that does not compress: the archive is stored in more than one part.
    let mut rng = senvault_tests::faults::Rng::new(26);
    let photo: Vec<u8> = (0..(9 << 20) / 8).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
    let photo_id = app.upload_document(&f.token, &f.child, "Classroom photo", "image/jpeg", photo.clone()).await;
    app.patch(&format!("/v1/documents/{photo_id}"), &f.token, json!({"document_date": "2025-10-01"})).await.expect(200);

    let files = export_of(app, &f.token).await;
    assert_eq!(files.get("documents/Noah/ehcp/2025-10-01-Classroom photo.jpg"), Some(&photo), "a 9 MiB file, whole");
    let told = app.get("/v1/notifications", &f.token).await.expect(200);
    assert!(told.to_string().contains("export_ready"), "the family is told it is ready: {told}");
    let path = "documents/Noah/ehcp/2025-11-03-SALT report.txt";
    assert_eq!(
        files.get(path),
        Some(&report),
        "the document in its original format: {:?}",
        files.keys().collect::<Vec<_>>()
    );
    let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
    assert!(
        readme.contains("documents/<child>/<category>/<date>-<title>.<ext>") && readme.contains("records/case.json")
    );
    let cases: Value = serde_json::from_slice(&files["records/case.json"]).unwrap();
    assert_eq!(
        (cases["schema"].as_u64(), cases["records"][0]["record"]["id"].as_str()),
        (Some(1), Some(f.case.as_str()))
    );
    let notes = String::from_utf8(files["records/note.json"].clone()).unwrap();
    assert!(notes.contains("provision map"));
    assert!(files.contains_key("records/audit.json"), "the audit log");
    assert!(files.contains_key("records/message.json"), "the support relationship's messages");
    let case_folder = format!("cases/Noah-{}", f.case);
    let page = String::from_utf8(files[&format!("{case_folder}/case.html")].clone()).unwrap();
    assert!(page.contains("Asked the school for the provision map"));
    assert!(
        String::from_utf8(files[&format!("{case_folder}/chronology.html")].clone()).unwrap().contains("Chronology")
    );
    assert!(!String::from_utf8_lossy(&files["records/connection.json"]).is_empty());
    assert!(!files.keys().any(|k| k.contains("private_note")), "the advocate's private notes are theirs");

    // The advocate's export: their own work, none of the family's vault.
    let theirs = export_of(app, &adv).await;
    assert!(String::from_utf8_lossy(&theirs["records/private_note.json"]).contains("Family prefers email"));
    assert!(theirs.contains_key("records/advocate_profile.json") && theirs.contains_key("records/message.json"));
    for vault in ["records/case.json", "records/note.json", "records/document.json", "records/audit.json"] {
        assert!(!theirs.contains_key(vault), "an advocate's export holds {vault}");
    }
    assert!(!theirs.keys().any(|k| k.starts_with("documents/") || k.starts_with("cases/")));

    // Someone else's export is not found; a list is one's own.
    let listed = app.get("/v1/me/exports", &f.token).await.expect(200);
    let id = listed["items"][0]["id"].as_str().unwrap().to_owned();
    app.get(&format!("/v1/me/exports/{id}"), &adv).await.problem(404);
    app.get(&format!("/v1/me/exports/{}", uuid::Uuid::now_v7()), &f.token).await.problem(404);
    // After 7 days the download is gone.
    use senvault_functions::clock::Clock;
    app.clock.set(app.clock.now() + chrono::Duration::days(8));
    let old = app.get(&format!("/v1/me/exports/{id}"), &f.token).await.expect(200);
    assert_eq!((old["expired"].as_bool(), old.get("download_url")), (Some(true), None));
    app.clock.set(app.clock.now() - chrono::Duration::days(8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exports_work_on_sqlite() {
    journey(&TestApp::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exports_work_on_dynamodb_and_s3() {
    let (Some(store), Some(blobs)) = (aws::dynamo().await, aws::s3().await) else { return };
    journey(&TestApp::with_store_and_blobs(Arc::new(store), Arc::new(blobs))).await;
}

/// One export at a time: a second while the first is being made is refused, naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_export_at_a_time() {
    let app = TestApp::with_builds_by_deployment(
        Arc::new(senvault_store::sqlite::SqliteStore::in_memory().expect("sqlite")),
        Arc::new(senvault_functions::blobs::fs::FsBlobs::new(
            std::env::temp_dir().join(format!("senvault-exports-{}", uuid::Uuid::now_v7().simple())),
            b"secret",
            "http://127.0.0.1:9",
        )),
    );
    let f = app.family_with_case("mum-one", "in_assessment").await;
    let first = app.call(Method::POST, "/v1/me/exports", Some(&f.token), None).await.expect(202);
    let p = app.call(Method::POST, "/v1/me/exports", Some(&f.token), None).await.problem(409);
    assert!(p.to_string().contains(first["id"].as_str().unwrap()), "{p}");
}
