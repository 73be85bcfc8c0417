//! Who may see which child, end to end on the SQLite store (and on DynamoDB in `aws.rs`).

use senvault_tests::{TestApp, scenario};

#[tokio::test]
async fn the_access_journey_works_on_sqlite() {
    scenario::access_journey(&TestApp::sqlite()).await;
}

/// An advocate working with many families lists their actions: every child shown is audited to
/// its own family, however many transactions the lines need.
#[tokio::test]
async fn reads_across_many_families_are_each_audited() {
    let app = TestApp::sqlite();
    let advocate = scenario::advocate(&app, "busy-advocate", "Busy").await;
    let mut families = Vec::new();
    for n in 0..40 {
        let fam = app.family_with_case(&format!("parent-{n}"), "in_assessment").await;
        let action = serde_json::json!({"description": "Chase", "responsible": "la", "due": "2026-03-01"});
        app.post(&format!("/v1/cases/{}/actions", fam.case), &fam.token, action).await.expect(201);
        let (conn, _) = scenario::connect(&app, &fam.token, &fam.child, &advocate).await;
        let grant = serde_json::json!({"children": "all", "level": "view"});
        app.post(&format!("/v1/connections/{conn}/grants"), &fam.token, grant).await.expect(200);
        families.push(fam);
    }
    let listed = app.get("/v1/actions?limit=100", &advocate.0).await.expect(200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(40));
    for fam in &families {
        let log = app.get("/v1/audit?actor=busy-advocate", &fam.token).await.expect(200);
        let reads = log["items"].as_array().expect("items").iter().filter(|e| e["action"] == "list_actions").count();
        assert_eq!(reads, 1, "each family sees the one read of its child");
    }
}
