//! Vault documents end to end on the local adapters: register, upload with the signed URL,
//! confirm (size and SHA-256), list, download, delete; refusals for types, sizes, tampered or
//! expired links, readers and strangers.

use std::time::Duration;

use axum::http::Method;
use senvault_domain::{MemberRole, RoleClaim};
use senvault_functions::blobs::Blobs;
use senvault_tests::{TestApp, http, signed_headers};
use serde_json::json;
use sha2::Digest;

async fn family(app: &TestApp) -> (String, String) {
    let f = app.family_with_case("mum", "in_assessment").await;
    (f.token, f.child)
}

#[tokio::test]
async fn upload_confirm_download_delete() {
    let app = TestApp::sqlite();
    app.serve().await;
    let (token, child) = family(&app).await;
    let bytes = b"%PDF-1.4\nFinal EHC plan for Ada (test fixture)\n".to_vec();
    let doc = app
        .post(
            "/v1/documents",
            &token,
            json!({"child_id": child, "title": "Final EHCP 2026", "category": "ehcp", "content_type": "application/pdf", "size": bytes.len()}),
        )
        .await
        .expect(201);
    assert_eq!(doc["state"], "awaiting_upload");
    let id = doc["id"].as_str().unwrap().to_owned();
    let upload = &doc["upload_url"];
    assert_eq!(upload["method"], "PUT");
    app.post(&format!("/v1/documents/{id}/uploaded"), &token, json!({})).await.problem(409);

    // Tampered, wrong type, wrong length: refused, nothing stored.
    let url = upload["url"].as_str().unwrap();
    let (status, _) = http(Method::PUT, &url.replace("len=", "len=1"), &signed_headers(upload), bytes.clone()).await;
    assert_eq!(status, 403);
    let mut wrong_type = signed_headers(upload);
    wrong_type.retain(|(k, _)| k != "content-type");
    wrong_type.push(("content-type".into(), "text/plain".into()));
    assert_eq!(http(Method::PUT, url, &wrong_type, bytes.clone()).await.0, 403);
    assert_eq!(
        http(Method::PUT, url, &[("content-type".into(), "application/pdf".into())], bytes[..10].to_vec()).await.0,
        403
    );
    app.post(&format!("/v1/documents/{id}/uploaded"), &token, json!({})).await.problem(409);

    let (status, _) = http(Method::PUT, url, &signed_headers(upload), bytes.clone()).await;
    assert_eq!(status, 200);
    let confirmed = app.post(&format!("/v1/documents/{id}/uploaded"), &token, json!({})).await.expect(200);
    let sha = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!((confirmed["state"].as_str(), confirmed["sha256"].as_str()), (Some("uploaded"), Some(sha.as_str())));
    app.post(&format!("/v1/documents/{id}/uploaded"), &token, json!({})).await.expect(200);
    // The upload link is used up: replayed, it stores nothing.
    let slot = url.split_once("/blobs/").unwrap().1.split('?').next().unwrap().to_owned();
    assert_eq!(http(Method::PUT, url, &signed_headers(upload), bytes.clone()).await.0, 410);
    assert!(app.blobs.head(&slot).await.unwrap().is_none(), "no orphan in the upload slot");

    let listed = app.get(&format!("/v1/documents?child_id={child}"), &token).await.expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let got = app.get(&format!("/v1/documents/{id}"), &token).await.expect(200);
    let download = got["download_url"]["url"].as_str().unwrap().to_owned();
    assert_eq!(http(Method::GET, &download, &[], vec![]).await, (200, bytes.clone()));
    assert_eq!(http(Method::GET, &download.replace("sig=", "sig=0"), &[], vec![]).await.0, 403);

    let res = app.call(Method::DELETE, &format!("/v1/documents/{id}"), Some(&token), None).await;
    assert_eq!(res.status.as_u16(), 204);
    app.get(&format!("/v1/documents/{id}"), &token).await.problem(404);
    assert_eq!(http(Method::GET, &download, &[], vec![]).await.0, 404, "the bytes are gone too");
    assert_eq!(http(Method::PUT, url, &signed_headers(upload), bytes.clone()).await.0, 410, "deleted stays deleted");
    assert!(app.blobs.head(&slot).await.unwrap().is_none(), "a replayed upload leaves no orphan file");
    assert_eq!(app.get(&format!("/v1/documents?child_id={child}"), &token).await.expect(200)["items"], json!([]));
}

#[tokio::test]
async fn wrong_types_sizes_and_callers_are_refused() {
    let app = TestApp::sqlite();
    app.serve().await;
    let (token, child) = family(&app).await;
    let new = |ct: &str, size: u64| json!({"child_id": child, "title": "Report", "category": "therapy", "content_type": ct, "size": size});
    let p = app.post("/v1/documents", &token, new("application/zip", 100)).await.problem(422);
    assert!(p.get("upload_url").is_none());
    app.post("/v1/documents", &token, new("application/pdf", 0)).await.problem(422);
    app.post("/v1/documents", &token, new("application/pdf", 50 * 1024 * 1024 + 1)).await.problem(422);
    app.post(
        "/v1/documents",
        &token,
        json!({"child_id": child, "title": "x", "category": "gossip", "content_type": "text/plain", "size": 1}),
    )
    .await
    .problem(422);
    let doc = app.post("/v1/documents", &token, new("text/plain", 5)).await.expect(201);
    let id = doc["id"].as_str().unwrap();

    // A reader sees documents but cannot add, confirm or delete them.
    app.grant("adv", &child, MemberRole::Reader).await;
    let adv = app.token("adv", RoleClaim::Advocate);
    assert_eq!(
        app.get(&format!("/v1/documents?child_id={child}"), &adv).await.expect(200)["items"].as_array().unwrap().len(),
        1
    );
    app.get(&format!("/v1/documents/{id}"), &adv).await.expect(200);
    app.post("/v1/documents", &adv, new("text/plain", 5)).await.problem(403);
    app.post(&format!("/v1/documents/{id}/uploaded"), &adv, json!({})).await.problem(403);
    assert_eq!(app.call(Method::DELETE, &format!("/v1/documents/{id}"), Some(&adv), None).await.status.as_u16(), 403);

    let stranger = app.token("stranger", RoleClaim::Family);
    app.get(&format!("/v1/documents/{id}"), &stranger).await.problem(404);
    app.get(&format!("/v1/documents?child_id={child}"), &stranger).await.problem(404);
    assert_eq!(
        app.call(Method::DELETE, &format!("/v1/documents/{id}"), Some(&stranger), None).await.status.as_u16(),
        404
    );
    app.get("/v1/documents/not-an-id", &token).await.problem(400);
}

#[tokio::test]
async fn signed_links_expire() {
    let app = TestApp::sqlite();
    app.serve().await;
    let put = app.blobs.presign_put("documents/a/b/c", "text/plain", 2, Duration::from_secs(0)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = http(Method::PUT, &put.url, &put.headers, b"hi".to_vec()).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("expired"));
    assert!(app.blobs.head("documents/a/b/c").await.unwrap().is_none());
}

#[tokio::test]
async fn evidence_cannot_be_swapped_on_local_storage() {
    let app = TestApp::sqlite();
    app.serve().await;
    let left = senvault_tests::scenario::evidence_cannot_be_swapped(&app).await;
    // Local storage refused the late upload, and sweeps what is left in upload slots itself
    // (the server does so hourly).
    assert!(app.blobs.head(&left.slot).await.expect("head").is_none());
    app.blobs.expire_uploads(Duration::ZERO).await.expect("sweep");
    assert!(app.blobs.head(&left.slot).await.expect("head").is_none());
    assert!(app.blobs.head(&left.key).await.expect("head").is_none());
}

/// The facts a tribunal bundle needs are recorded by the family, cleared with `null`, and bad
/// values change nothing.
#[tokio::test]
async fn the_family_records_a_documents_date_author_and_kind() {
    let app = TestApp::sqlite();
    let (token, child) = family(&app).await;
    let doc = app
        .post(
            "/v1/documents",
            &token,
            json!({"child_id": child, "title": "EP report", "category": "education", "content_type": "application/pdf", "size": 100}),
        )
        .await
        .expect(201);
    let path = format!("/v1/documents/{}", doc["id"].as_str().expect("id"));
    let facts = json!({"document_date": "2025-11-20", "author": "Dr Rivers", "evidence_kind": "expert_report"});
    let d = app.patch(&path, &token, facts).await.expect(200);
    assert_eq!(
        (d["document_date"].as_str(), d["author"].as_str(), d["evidence_kind"].as_str()),
        (Some("2025-11-20"), Some("Dr Rivers"), Some("expert_report"))
    );
    for (body, status) in [
        (json!({"document_date": "2025-2-3"}), 422),
        (json!({"evidence_kind": "gossip"}), 422),
        (json!({"author": "x".repeat(201)}), 422),
        (json!({"document_date": "2099-01-01"}), 409),
    ] {
        app.patch(&path, &token, body).await.problem(status);
    }
    let d = app.get(&path, &token).await.expect(200);
    assert_eq!(d["document_date"], "2025-11-20", "refused changes changed nothing");
    let d =
        app.patch(&path, &token, json!({"document_date": null, "author": "", "evidence_kind": null})).await.expect(200);
    assert!(d.get("document_date").is_none() && d.get("author").is_none() && d.get("evidence_kind").is_none(), "{d}");
}
