//! The child's timeline on SQLite and on DynamoDB (moto), and what its reads cost.

use std::sync::Arc;

use senvault_store::counting::CountingStore;
use senvault_tests::{TestApp, aws, scenario};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_timeline_works_on_sqlite() {
    scenario::timeline_journey(&TestApp::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_timeline_works_on_dynamodb() {
    let Some(store) = aws::dynamo().await else { return };
    scenario::timeline_journey(&TestApp::with_store(Arc::new(store))).await;
}

/// A child's first page is one index query; a case's chronology reads that case's entries and
/// no others.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timeline_reads_touch_only_what_they_show() {
    let store = Arc::new(senvault_store::sqlite::SqliteStore::in_memory().expect("sqlite"));
    let counting = Arc::new(CountingStore::new(store));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting);
    let f = app.family_with_case("counted", "in_assessment").await;
    let other = app
        .post("/v1/cases", &f.token, json!({"child_id": f.child, "status": "in_assessment", "summary": "Second"}))
        .await
        .expect(201);
    let other = other["id"].as_str().expect("id").to_owned();
    let timeline = format!("/v1/children/{}/timeline", f.child);
    for i in 0..30 {
        let case = if i % 3 == 0 { &f.case } else { &other };
        let body = json!({"kind": "event", "date": format!("2025-12-{:02}", i % 28 + 1), "case_id": case,
            "title": format!("Event {i}"), "category": "other"});
        app.post(&timeline, &f.token, body).await.expect(201);
    }
    let before = counts.snapshot();
    let page = app.get(&format!("{timeline}?limit=20"), &f.token).await.expect(200);
    let used = counts.snapshot().since(&before);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(20));
    assert_eq!(used.queries(), 1, "{used:?}");
    let before = counts.snapshot();
    let chronology = app.get(&format!("/v1/cases/{}/chronology?include=timeline", f.case), &f.token).await.expect(200);
    let used = counts.snapshot().since(&before);
    assert_eq!(chronology["entries"].as_array().map(Vec::len), Some(10));
    assert!(used.records_read < 20, "only this case's entries (10 of 30) and the case: {used:?}");
}
