//! The production adapters against a real emulator (moto server) or AWS: DynamoDB passes the
//! same conformance suite and family journey as SQLite; the scanner works over GSI2; S3
//! presigned uploads and downloads round-trip.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use chrono::{TimeZone, Utc};
use senvault_domain::RoleClaim;
use senvault_functions::blobs::{BlobError, Blobs};
use senvault_functions::scanner::scan;
use senvault_store::conformance;
use senvault_store::counting::CountingStore;
use senvault_tests::fixtures::{self, Block};
use senvault_tests::{FamilyFixture, TestApp, aws, http, scenario};

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dynamodb_passes_the_conformance_suite() {
    let Some(store) = aws::dynamo().await else { return };
    conformance::run_all(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_family_journey_works_on_dynamodb() {
    let Some(store) = aws::dynamo().await else { return };
    let app = TestApp::with_store(Arc::new(store));
    scenario::family_journey(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn case_page_costs_one_query_on_dynamodb() {
    let Some(store) = aws::dynamo().await else { return };
    let counting = Arc::new(CountingStore::new(Arc::new(store)));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting.clone());
    let journey = scenario::family_journey(&app).await;
    // A server that has not seen the case yet looks up which child holds it, once.
    let cold = TestApp::with_store(counting.clone());
    let before = counts.snapshot();
    cold.get(&format!("/v1/cases/{}", journey.case_id), &journey.token).await.expect(200);
    let used = counts.snapshot().since(&before);
    assert_eq!((used.queries(), used.resolves, used.gets), (1, 1, 1), "{used:?}");
    // After that the alias is remembered (it never moves): one query and the membership read.
    let before = counts.snapshot();
    cold.get(&format!("/v1/cases/{}", journey.case_id), &journey.token).await.expect(200);
    let used = counts.snapshot().since(&before);
    assert_eq!((used.queries(), used.resolves, used.gets), (1, 0, 1), "{used:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_scanner_works_over_the_dynamodb_due_index() {
    let Some(store) = aws::dynamo().await else { return };
    let app = TestApp::with_store(Arc::new(store));
    let token = app.token("mum", RoleClaim::Family);
    app.post("/v1/family", &token, json!({"name": "F"})).await.expect(201);
    let child = app
        .post("/v1/children", &token, json!({"name": "A", "date_of_birth": "2016-01-01", "local_authority": "Leeds"}))
        .await
        .expect(201);
    let case = app
        .post("/v1/cases", &token, json!({"child_id": child["id"], "status": "assessment_requested", "summary": "S"}))
        .await
        .expect(201);
    let case_id = case["id"].as_str().unwrap();
    app.post(
        &format!("/v1/cases/{case_id}/key-dates"),
        &token,
        json!({"kind": "request_received", "date": "2026-01-15"}),
    )
    .await
    .expect(200);
    let now = Utc.with_ymd_and_hms(2026, 2, 27, 9, 0, 0).unwrap();
    app.clock.set(now);
    let report = scan(&app.state.service, now).await.expect("scan");
    assert_eq!((report.overdue, report.notes), (1, 1), "{report:?}");
    let again = scan(&app.state.service, now).await.expect("scan");
    assert_eq!((again.overdue, again.notes), (0, 0));
    let page = app.get(&format!("/v1/cases/{case_id}"), &token).await.expect(200);
    assert_eq!(page["notes"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_flow_on_dynamodb_and_s3() {
    let (Some(store), Some(blobs)) = (aws::dynamo().await, aws::s3().await) else { return };
    let app = TestApp::with_store_and_blobs(Arc::new(store), Arc::new(blobs));
    let FamilyFixture { token, child, .. } = app.family_with_case("mum", "in_assessment").await;
    let bytes = b"OT report: 30 minutes of direct therapy weekly".to_vec();
    let id = app.upload_document(&token, &child, "OT report", "text/plain", bytes.clone()).await;
    let confirmed = app.post(&format!("/v1/documents/{id}/uploaded"), &token, json!({})).await.expect(200);
    assert_eq!(confirmed["size"], bytes.len());
    assert_eq!(confirmed["sha256"].as_str().map(str::len), Some(64));
    let got = app.get(&format!("/v1/documents/{id}"), &token).await.expect(200);
    let (status, body) = http(Method::GET, got["download_url"]["url"].as_str().unwrap(), &[], vec![]).await;
    assert_eq!((status, body), (200, bytes));
    let res = app.call(Method::DELETE, &format!("/v1/documents/{id}"), Some(&token), None).await;
    assert_eq!(res.status.as_u16(), 204);
    app.get(&format!("/v1/documents/{id}"), &token).await.problem(404);
}

/// S3 cannot revoke a presigned PUT: an upload link replayed after its document was confirmed
/// or deleted puts bytes back into the slot. The late-uploads function (on the bucket's
/// "Object Created" events) removes them, every version, and leaves an upload its document
/// is still waiting for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_after_a_slot_closed_are_removed_on_s3() {
    use senvault_functions::late_uploads::{Swept, created_keys, sweep};
    let (Some(store), Some(blobs)) = (aws::dynamo().await, aws::s3().await) else { return };
    let (store, blobs) = (Arc::new(store), Arc::new(blobs));
    let app = TestApp::with_store_and_blobs(store.clone(), blobs.clone());
    let FamilyFixture { token, child, .. } = app.family_with_case("mum", "in_assessment").await;
    let bytes = b"Speech and language report".to_vec();
    let register = || {
        let body = json!({"child_id": child, "title": "SALT", "category": "therapy", "content_type": "text/plain", "size": bytes.len()});
        app.post("/v1/documents", &token, body)
    };
    let put = |doc: &serde_json::Value| {
        let upload = doc["upload_url"].clone();
        let body = bytes.clone();
        async move {
            http(Method::PUT, upload["url"].as_str().unwrap(), &senvault_tests::signed_headers(&upload), body).await.0
        }
    };
    let slot = |doc: &serde_json::Value| {
        format!("uploads/{}/{}/{}", doc["family_id"].as_str().unwrap(), child, doc["id"].as_str().unwrap())
    };
    let event =
        |key: &str| json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {"object": {"key": key}}});

    // Waiting for its upload: kept.
    let waiting = register().await.expect(201);
    assert_eq!(put(&waiting).await, 200);
    let key = slot(&waiting);
    assert_eq!(created_keys(&event(&key)), std::slice::from_ref(&key));
    assert_eq!(sweep(store.as_ref(), blobs.as_ref(), &key).await.unwrap(), Swept::Kept);
    assert_eq!(blobs.versions(&key).await.unwrap().len(), 1);

    // Confirmed, then the link replayed: the bytes are back in the slot until swept.
    let id = waiting["id"].as_str().unwrap();
    app.post(&format!("/v1/documents/{id}/uploaded"), &token, json!({})).await.expect(200);
    assert_eq!(blobs.versions(&key).await.unwrap(), Vec::<String>::new(), "confirming moved the upload");
    assert_eq!(put(&waiting).await, 200, "S3 cannot revoke a presigned PUT");
    assert!(!blobs.versions(&key).await.unwrap().is_empty());
    assert_eq!(sweep(store.as_ref(), blobs.as_ref(), &key).await.unwrap(), Swept::Removed);
    assert_eq!(blobs.versions(&key).await.unwrap(), Vec::<String>::new(), "every version removed");
    let got = app.get(&format!("/v1/documents/{id}"), &token).await.expect(200);
    let (status, body) = http(Method::GET, got["download_url"]["url"].as_str().unwrap(), &[], vec![]).await;
    assert_eq!((status, body), (200, bytes.clone()), "the confirmed document is untouched");

    // Deleted, then the link replayed: removed too.
    let gone = register().await.expect(201);
    let gone_id = gone["id"].as_str().unwrap();
    let res = app.call(Method::DELETE, &format!("/v1/documents/{gone_id}"), Some(&token), None).await;
    assert_eq!(res.status.as_u16(), 204);
    assert_eq!(put(&gone).await, 200);
    let key = slot(&gone);
    assert_eq!(sweep(store.as_ref(), blobs.as_ref(), &key).await.unwrap(), Swept::Removed);
    assert_eq!(blobs.versions(&key).await.unwrap(), Vec::<String>::new());

    // Anything else in the bucket is left alone; a second event for the same key is harmless.
    assert_eq!(sweep(store.as_ref(), blobs.as_ref(), "documents/x").await.unwrap(), Swept::NotAnUpload);
    assert_eq!(sweep(store.as_ref(), blobs.as_ref(), &key).await.unwrap(), Swept::Removed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_cannot_be_swapped_on_s3() {
    let (Some(store), Some(blobs)) = (aws::dynamo().await, aws::s3().await) else { return };
    let blobs = Arc::new(blobs);
    let app = TestApp::with_store_and_blobs(Arc::new(store), blobs.clone());
    let left = senvault_tests::scenario::evidence_cannot_be_swapped(&app).await;
    // Versioned bucket: deletion removed every version, not just the current one.
    assert_eq!(blobs.versions(&left.key).await.expect("versions"), Vec::<String>::new());
    // S3 expires abandoned slots with the bucket's lifecycle rule, not the server.
    assert_eq!(blobs.expire_uploads(std::time::Duration::ZERO).await.expect("sweep"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_in_s3_is_analysed_onto_a_case_in_dynamodb() {
    let (Some(store), Some(blobs)) = (aws::dynamo().await, aws::s3().await) else { return };
    let app = TestApp::with_store_and_blobs(Arc::new(store), Arc::new(blobs));
    let FamilyFixture { token, child, case } = app.family_with_case("mum", "final_ehcp_issued").await;
    // Enough vague provision that the flags need several DynamoDB transactions.
    let mut lines = vec!["Section F: Special educational provision".to_owned()];
    lines.extend((1..=60).map(|n| format!("F{n}. Regular access to support from staff as appropriate in lesson {n}.")));
    let blocks: Vec<Block<'_>> = lines.iter().map(|l| Block::Para(l)).collect();
    let doc = app.upload_document(&token, &child, "Final EHCP", DOCX, fixtures::docx(&blocks)).await;
    let path = format!("/v1/documents/{doc}/analyse");
    let done = app.post(&path, &token, json!({"case_id": case})).await.expect(200);
    let found = done["findings"].as_array().unwrap().len();
    assert!(found > 50, "{found}");
    let listed = app.get(&format!("/v1/cases/{case}/flags"), &token).await.expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), found);
    let first = listed["items"][0]["id"].as_str().unwrap().to_owned();
    app.post(&format!("/v1/cases/{case}/flags/{first}/dismiss"), &token, json!({})).await.expect(200);
    let again = app.post(&path, &token, json!({"case_id": case})).await.expect(200);
    let kept = again["flags"].as_array().unwrap().iter().find(|f| f["id"] == first.as_str()).expect("kept");
    assert_eq!(kept["status"], "dismissed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_presigned_upload_and_download() {
    let Some(blobs) = aws::s3().await else { return };
    let key = "documents/fam/child/doc-1";
    let bytes = b"%PDF-1.4 a tiny test document".to_vec();
    let put = blobs.presign_put(key, "application/pdf", bytes.len() as u64, Duration::from_secs(600)).await.unwrap();
    assert_eq!(put.method, "PUT");
    assert!(put.url.contains("X-Amz-Signature"), "{}", put.url);
    let signed: Vec<_> = put.headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
    assert!(signed.contains(&"content-type".to_owned()) && signed.contains(&"content-length".to_owned()), "{signed:?}");
    assert!(signed.contains(&"x-amz-server-side-encryption".to_owned()), "{signed:?}");
    let (status, _) = http(Method::PUT, &put.url, &put.headers, bytes.clone()).await;
    assert_eq!(status, 200);
    let meta = blobs.head(key).await.unwrap().expect("uploaded");
    assert_eq!(meta.size, bytes.len() as u64);
    let get = blobs.presign_get(key, Duration::from_secs(300)).await.unwrap();
    let (status, body) = http(Method::GET, &get.url, &get.headers, vec![]).await;
    assert_eq!((status, body), (200, bytes));
    blobs.delete(key).await.unwrap();
    assert!(blobs.head(key).await.unwrap().is_none());
    // Limits are refused before anything is signed.
    assert!(matches!(
        blobs.presign_put(key, "application/pdf", 1, Duration::from_secs(3600)).await,
        Err(BlobError::ExpiryTooLong { .. })
    ));
    assert!(matches!(blobs.presign_get(key, Duration::from_secs(600)).await, Err(BlobError::ExpiryTooLong { .. })));
    assert!(matches!(
        blobs.presign_put(key, "application/pdf", 60 * 1024 * 1024, Duration::from_secs(60)).await,
        Err(BlobError::TooLarge)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_journey_works_on_dynamodb() {
    let Some(store) = aws::dynamo().await else { return };
    scenario::support_journey(&TestApp::with_store(Arc::new(store))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_journey_works_on_dynamodb() {
    let Some(store) = aws::dynamo().await else { return };
    scenario::access_journey(&TestApp::with_store(Arc::new(store))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_protocol_works_on_dynamodb() {
    let Some(store) = aws::dynamo().await else { return };
    scenario::sync_protocol(&TestApp::with_store(Arc::new(store))).await;
}
