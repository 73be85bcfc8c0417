//! The family journey every store must support end to end: account, child, case, key dates
//! with their statutory actions, status changes, notes, actions, and the refusals around them.
//! It runs on the SQLite store here and on the production adapters against an emulator.

use serde_json::{Value, json};

use crate::TestApp;
use senvault_domain::RoleClaim;

/// Ids created by the journey, for further checks.
pub struct Journey {
    pub user: String,
    pub token: String,
    pub child_id: String,
    pub case_id: String,
}

pub async fn family_journey(app: &TestApp) -> Journey {
    let user = format!("parent-{}", uuid::Uuid::now_v7().simple());
    let token = app.token(&user, RoleClaim::Family);
    let family = app.post("/v1/family", &token, json!({"name": "The Okafors"})).await.expect(201);
    assert_eq!(family["members"][0]["user"], user.as_str());

    let child = app
        .post(
            "/v1/children",
            &token,
            json!({"name": "Ada", "date_of_birth": "2016-04-02", "local_authority": "Leeds City Council"}),
        )
        .await
        .expect(201);
    let child_id = child["id"].as_str().expect("child id").to_owned();
    let children = app.get("/v1/children", &token).await.expect(200);
    assert_eq!(children["items"].as_array().map(Vec::len), Some(1));

    let case_id = uuid::Uuid::now_v7().to_string();
    let new_case = json!({
        "id": case_id, "child_id": child_id, "status": "assessment_requested",
        "summary": "EHC needs assessment request",
        "next_action": {"description": "Chase the LA for an acknowledgement", "responsible": "family", "due": "2026-01-27"}
    });
    let case = app.post("/v1/cases", &token, new_case.clone()).await.expect(201);
    assert_eq!(case["status"], "assessment_requested");
    assert_eq!(case["actions"][0]["priority"], "urgent");
    // A retried create is a no-op that returns the case.
    app.post("/v1/cases", &token, new_case).await.expect(200);

    // Recording the request starts the LA's clocks.
    let page = app
        .post(
            &format!("/v1/cases/{case_id}/key-dates"),
            &token,
            json!({"kind": "request_received", "date": "2026-01-15"}),
        )
        .await
        .expect(201);
    let due = |page: &Value, t: &str| {
        page["actions"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["timescale"] == t))
            .map(|x| x["due"].as_str().unwrap_or("").to_owned())
    };
    assert_eq!(due(&page, "assessment_decision").as_deref(), Some("2026-02-26"));
    assert_eq!(due(&page, "final_plan").as_deref(), Some("2026-06-04"));
    assert_eq!(page["actions"].as_array().map(Vec::len), Some(5));

    // A corrected date moves them.
    let page = app
        .post(
            &format!("/v1/cases/{case_id}/key-dates"),
            &token,
            json!({"kind": "request_received", "date": "2026-01-16"}),
        )
        .await
        .expect(201);
    assert_eq!(due(&page, "assessment_decision").as_deref(), Some("2026-02-27"));
    assert_eq!(page["actions"].as_array().map(Vec::len), Some(5));

    let page = app
        .post(&format!("/v1/cases/{case_id}/status"), &token, json!({"status": "in_assessment", "note": "LA agreed"}))
        .await
        .expect(200);
    assert_eq!(page["history"].as_array().map(Vec::len), Some(2));

    let note = app
        .post(
            &format!("/v1/cases/{case_id}/notes"),
            &token,
            json!({"text": "Called the caseworker", "topic": "correspondence"}),
        )
        .await
        .expect(201);
    assert_eq!(note["author"]["user"], user.as_str());

    let action = app
        .post(
            &format!("/v1/cases/{case_id}/actions"),
            &token,
            json!({"description": "Ask school for the SENCO report", "responsible": "school", "due": "2026-01-19"}),
        )
        .await
        .expect(201);
    assert_eq!(action["overdue"], true, "due yesterday and open");
    let aid = action["id"].as_str().expect("action id").to_owned();
    let overdue = app.get("/v1/actions?state=overdue", &token).await.expect(200);
    assert!(overdue["items"].as_array().is_some_and(|i| i.iter().any(|a| a["id"] == aid.as_str())));
    let done = app.post(&format!("/v1/cases/{case_id}/actions/{aid}/complete"), &token, json!({})).await.expect(200);
    assert_eq!((done["state"].as_str(), done["completed_on"].as_str()), (Some("done"), Some("2026-01-20")));

    let page = app.get(&format!("/v1/cases/{case_id}"), &token).await.expect(200);
    assert_eq!(page["notes"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["actions"].as_array().map(Vec::len), Some(6));

    // Someone else's family sees nothing.
    let stranger = app.token(&format!("stranger-{}", uuid::Uuid::now_v7().simple()), RoleClaim::Family);
    app.get(&format!("/v1/cases/{case_id}"), &stranger).await.problem(404);
    app.post(&format!("/v1/cases/{case_id}/notes"), &stranger, json!({"text": "x"})).await.problem(404);

    let closed = app
        .post(
            &format!("/v1/cases/{case_id}/close"),
            &token,
            json!({"outcome": "resolved", "note": "Final plan agreed"}),
        )
        .await
        .expect(200);
    assert_eq!(closed["status"], "resolved");
    Journey { user, token, child_id, case_id }
}
