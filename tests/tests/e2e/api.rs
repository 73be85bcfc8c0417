//! The cases-area HTTP API, in-process over SQLite: happy paths, refusals and bad input.

use axum::body::Body;
use axum::http::{Method, Request, header};
use senvault_domain::{MemberRole, RoleClaim, UserId};
use senvault_tests::{TestApp, scenario};
use serde_json::{Value, json};

#[tokio::test]
async fn the_family_journey_works_on_sqlite() {
    let app = TestApp::sqlite();
    scenario::family_journey(&app).await;
}

async fn family_with_case(app: &TestApp) -> (String, String, String) {
    let token = app.token("mum", RoleClaim::Family);
    app.post("/v1/family", &token, json!({"name": "Family"})).await.expect(201);
    let child = app
        .post("/v1/children", &token, json!({"name": "Ada", "date_of_birth": "2016-04-02", "local_authority": "Leeds"}))
        .await
        .expect(201);
    let child_id = child["id"].as_str().unwrap().to_owned();
    let case = app
        .post("/v1/cases", &token, json!({"child_id": child_id, "status": "in_assessment", "summary": "Assessment"}))
        .await
        .expect(201);
    (token, child_id, case["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn health_and_openapi_need_no_token() {
    let app = TestApp::sqlite();
    let health = app.call(Method::GET, "/health", None, None).await.expect(200);
    assert_eq!(health["status"], "ok");
    let doc = app.call(Method::GET, "/v1/openapi.json", None, None).await.expect(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/health",
        "/v1/family",
        "/v1/children",
        "/v1/children/{id}",
        "/v1/cases",
        "/v1/cases/{id}",
        "/v1/cases/{id}/status",
        "/v1/cases/{id}/close",
        "/v1/cases/{id}/key-dates",
        "/v1/cases/{id}/notes",
        "/v1/cases/{id}/actions",
        "/v1/cases/{id}/actions/{aid}",
        "/v1/cases/{id}/actions/{aid}/complete",
        "/v1/cases/{id}/actions/{aid}/reopen",
        "/v1/actions",
        "/v1/cases/{id}/chronology",
        "/v1/notifications",
        "/v1/notifications/{id}/read",
        "/v1/me/preferences",
        "/v1/documents",
        "/v1/documents/{id}",
        "/v1/documents/{id}/uploaded",
    ] {
        assert!(paths.contains_key(p), "openapi lacks {p}");
    }
    assert!(doc["components"]["schemas"]["CaseDetail"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn missing_expired_and_forged_tokens_are_401() {
    let app = TestApp::sqlite();
    let p = app.call(Method::GET, "/v1/children", None, None).await.problem(401);
    assert!(p["detail"].as_str().unwrap().contains("bearer token"));
    let user: UserId = "mum".parse().unwrap();
    let expired = app.state.auth.mint_expiring_at(&user, RoleClaim::Family, chrono::Utc::now().timestamp() - 600);
    let p = app.get("/v1/children", &expired).await.problem(401);
    assert!(p["detail"].as_str().unwrap().contains("expired"));
    let other = senvault_functions::auth::Authenticator::hs256(b"some-other-secret-entirely-different", "role");
    let forged = other.mint(&user, RoleClaim::Family, std::time::Duration::from_secs(60));
    app.get("/v1/children", &forged).await.problem(401);
    app.get("/v1/children", "garbage").await.problem(401);
    // Refused before any handler: nothing was created.
    let ok = app.token("mum", RoleClaim::Family);
    app.get("/v1/family", &ok).await.problem(404);
}

#[tokio::test]
async fn family_and_children() {
    let app = TestApp::sqlite();
    let token = app.token("mum", RoleClaim::Family);
    app.get("/v1/family", &token).await.problem(404);
    app.post("/v1/children", &token, json!({"name": "A", "date_of_birth": "2016-01-01", "local_authority": "Leeds"}))
        .await
        .problem(404);
    let fid = uuid::Uuid::now_v7().to_string();
    app.post("/v1/family", &token, json!({"id": fid, "name": "Family"})).await.expect(201);
    let again = app.post("/v1/family", &token, json!({"id": fid, "name": "Family"})).await;
    assert!(again.replayed);
    again.expect(201);
    app.post("/v1/family", &token, json!({"name": "Second"})).await.problem(409);
    let advocate = app.token("adv", RoleClaim::Advocate);
    app.post("/v1/family", &advocate, json!({"name": "No"})).await.problem(403);

    let child = app
        .post(
            "/v1/children",
            &token,
            json!({"name": "Ada", "date_of_birth": "2016-04-02", "local_authority": "Leeds", "school": "Oak"}),
        )
        .await
        .expect(201);
    let id = child["id"].as_str().unwrap();
    assert_eq!(child["school"], "Oak");
    let edited = app.patch(&format!("/v1/children/{id}"), &token, json!({"school": ""})).await.expect(200);
    assert!(edited.get("school").is_none(), "an empty school clears it");
    assert_eq!(app.get(&format!("/v1/children/{id}"), &token).await.expect(200)["name"], "Ada");

    let other = app.token("other-parent", RoleClaim::Family);
    app.post("/v1/family", &other, json!({"name": "Other"})).await.expect(201);
    app.get(&format!("/v1/children/{id}"), &other).await.problem(404);
    app.patch(&format!("/v1/children/{id}"), &other, json!({"name": "X"})).await.problem(404);
    assert_eq!(app.get("/v1/children", &other).await.expect(200)["items"], json!([]));
    app.get("/v1/children/not-a-uuid", &token).await.problem(400);
}

#[tokio::test]
async fn case_listing_pages_with_opaque_cursors() {
    let app = TestApp::sqlite();
    let (token, child, _) = family_with_case(&app).await;
    for i in 0..4 {
        app.post("/v1/cases", &token, json!({"child_id": child, "status": "resolved", "summary": format!("Case {i}")}))
            .await
            .expect(201);
    }
    let first = app.get(&format!("/v1/cases?child_id={child}&limit=2"), &token).await.expect(200);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/v1/cases?child_id={child}&limit=2&cursor={cursor}"), &token).await.expect(200);
    let cursor = second["next_cursor"].as_str().unwrap();
    let third = app.get(&format!("/v1/cases?child_id={child}&limit=2&cursor={cursor}"), &token).await.expect(200);
    assert_eq!(third["items"].as_array().unwrap().len(), 1);
    assert!(third["next_cursor"].is_null());
    let mut all: Vec<Value> = Vec::new();
    for page in [&first, &second, &third] {
        all.extend(page["items"].as_array().unwrap().iter().cloned());
    }
    let ids: std::collections::BTreeSet<_> = all.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 5, "no duplicates and no gaps across pages");
    app.get(&format!("/v1/cases?child_id={child}&limit=500"), &token).await.problem(422);
    app.get(&format!("/v1/cases?child_id={child}&cursor=zz"), &token).await.problem(400);
    app.get("/v1/cases?child_id=nope", &token).await.problem(400);
    app.get("/v1/cases", &token).await.problem(400);
    let stranger = app.token("stranger", RoleClaim::Family);
    app.get(&format!("/v1/cases?child_id={child}"), &stranger).await.problem(404);
}

#[tokio::test]
async fn status_history_summary_and_close() {
    let app = TestApp::sqlite();
    let (token, _, case) = family_with_case(&app).await;
    let path = format!("/v1/cases/{case}");
    app.patch(&path, &token, json!({"summary": "New summary"})).await.expect(200);
    app.post(&format!("{path}/status"), &token, json!({"status": "final_ehcp_issued"})).await.expect(200);
    app.post(&format!("{path}/status"), &token, json!({"status": "draft_ehcp_issued", "note": "back"}))
        .await
        .expect(200);
    let same = app.post(&format!("{path}/status"), &token, json!({"status": "draft_ehcp_issued"})).await.expect(200);
    let history = same["history"].as_array().unwrap();
    assert_eq!(history.len(), 3, "re-setting the status adds nothing");
    assert_eq!(history[2]["from"], "final_ehcp_issued");
    assert_eq!(same["summary"], "New summary");
    let closed =
        app.post(&format!("{path}/close"), &token, json!({"outcome": "closed", "note": "Moved LA"})).await.expect(200);
    assert_eq!(closed["status"], "closed");
    app.post(&format!("{path}/close"), &token, json!({"outcome": "abandoned"})).await.problem(422);
}

#[tokio::test]
async fn key_dates_drive_statutory_actions() {
    let app = TestApp::sqlite();
    let (token, _, case) = family_with_case(&app).await;
    let path = format!("/v1/cases/{case}/key-dates");
    app.post(&path, &token, json!({"kind": "final_issued", "date": "2025-03-31"})).await.expect(200);
    let page = app.post(&path, &token, json!({"kind": "final_issued", "date": "2025-03-31"})).await.expect(200);
    let review =
        page["actions"].as_array().unwrap().iter().find(|a| a["timescale"] == "annual_review").unwrap().clone();
    assert_eq!(review["due"], "2026-03-30");
    assert_eq!(review["legal_basis"], "CFA 2014 s.44(1); SEND Regs 2014 regs 20-21");
    assert_eq!(review["origin"], "statutory");
    // Statutory dates are computed: correct the key date, not the action.
    let aid = review["id"].as_str().unwrap();
    app.patch(&format!("/v1/cases/{case}/actions/{aid}"), &token, json!({"due": "2026-06-01"})).await.problem(409);
    let notice = app
        .post(&path, &token, json!({"kind": "decision_notice", "date": "2025-12-31", "decision": "plan_contents", "section_i_only": true}))
        .await
        .expect(200);
    assert!(notice["key_dates"].as_array().unwrap().len() == 2);
    // How two fields relate is a rule beyond the document's schema (409); an unknown kind is not
    // in the document at all (422).
    app.post(&path, &token, json!({"kind": "draft_issued", "date": "2026-01-01", "decision": "cease"}))
        .await
        .problem(409);
    app.post(&path, &token, json!({"kind": "someday", "date": "2026-01-01"})).await.problem(422);
    app.post(&path, &token, json!({"kind": "draft_issued", "date": "2026-02-30"})).await.problem(422);
    app.post(&path, &token, json!({"kind": "draft_issued", "date": "1890-01-01"})).await.problem(422);
}

#[tokio::test]
async fn actions_edit_complete_reopen_and_list() {
    let app = TestApp::sqlite();
    let (token, child, case) = family_with_case(&app).await;
    let base = format!("/v1/cases/{case}/actions");
    let a = app
        .post(&base, &token, json!({"description": "Write to the LA", "responsible": "family", "due": "2026-01-25", "priority": "important"}))
        .await
        .expect(201);
    let aid = a["id"].as_str().unwrap();
    assert_eq!(a["overdue"], false);
    let edited = app.patch(&format!("{base}/{aid}"), &token, json!({"due": "2026-01-10"})).await.expect(200);
    assert_eq!(edited["overdue"], true);
    assert_eq!(edited["timeliness"]["outcome"], "overdue");
    assert_eq!(edited["timeliness"]["days"], 10);
    let open = app.get("/v1/actions", &token).await.expect(200);
    assert_eq!(open["items"][0]["child_id"], child.as_str());
    app.post(&format!("{base}/{aid}/complete"), &token, json!({"completed_on": "2026-01-12"})).await.expect(200);
    let again = app.call(Method::POST, &format!("{base}/{aid}/complete"), Some(&token), None).await.expect(200);
    assert_eq!(again["completed_on"], "2026-01-12", "completing twice keeps the first completion");
    assert_eq!(again["timeliness"], json!({"outcome": "late", "days": 2}));
    assert_eq!(app.get("/v1/actions?state=done", &token).await.expect(200)["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/v1/actions?state=overdue", &token).await.expect(200)["items"], json!([]));
    app.post(&format!("{base}/{aid}/reopen"), &token, json!({})).await.expect(200);
    assert_eq!(app.get("/v1/actions?state=overdue", &token).await.expect(200)["items"].as_array().unwrap().len(), 1);
    app.get("/v1/actions?state=late", &token).await.problem(400);
    let unknown = uuid::Uuid::now_v7();
    app.post(&format!("{base}/{unknown}/complete"), &token, json!({})).await.problem(404);
    app.post(&format!("{base}/nope/complete"), &token, json!({})).await.problem(400);
}

#[tokio::test]
async fn readers_can_read_but_not_write() {
    let app = TestApp::sqlite();
    let (token, child, case) = family_with_case(&app).await;
    app.grant("advocate-1", &child, MemberRole::Reader).await;
    let adv = app.token("advocate-1", RoleClaim::Advocate);
    app.get(&format!("/v1/cases/{case}"), &adv).await.expect(200);
    let p = app.post(&format!("/v1/cases/{case}/notes"), &adv, json!({"text": "hello"})).await.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("collaborate"));
    app.post(&format!("/v1/cases/{case}/status"), &adv, json!({"status": "closed"})).await.problem(403);
    app.patch(&format!("/v1/children/{child}"), &adv, json!({"name": "X"})).await.problem(404);
    let page = app.get(&format!("/v1/cases/{case}"), &token).await.expect(200);
    assert!(page["notes"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::sqlite();
    let (token, _, case) = family_with_case(&app).await;
    let path = format!("/v1/cases/{case}/notes");
    let before = app.get(&format!("/v1/cases/{case}"), &token).await.expect(200);

    let raw = |body: &'static [u8], content_type: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri(path.clone())
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let p = app.send(raw(b"{\"text\": ", "application/json")).await.problem(400);
    assert!(p["detail"].as_str().unwrap().contains("malformed JSON"));
    app.send(raw(b"text=hello", "application/x-www-form-urlencoded")).await.problem(415);
    let p = app.post(&path, &token, json!({"text": 42})).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "text", "the refusal names the field");
    let p = app.post(&path, &token, json!(["x"])).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "body", "a body is an object, never an array of its fields");
    app.post(&path, &token, json!({"text": "x", "colour": "red"})).await.problem(422);
    app.post(&path, &token, json!({"text": "x", "topic": "gossip"})).await.problem(422);
    app.post(&path, &token, json!({"text": "   "})).await.problem(422);
    app.post(&path, &token, json!({"text": "x", "id": "not-a-uuid"})).await.problem(422);
    app.post(&path, &token, json!({})).await.problem(422);
    let huge = json!({"text": "x".repeat(1024 * 1024 + 10)});
    app.post(&path, &token, huge).await.problem(413);
    let long = json!({"text": "x".repeat(20_001)});
    let p = app.post(&path, &token, long).await.problem(422);
    assert_eq!(p["errors"][0]["field"], "text");
    app.post(
        &format!("/v1/cases/{case}/actions"),
        &token,
        json!({"description": "x", "responsible": "family", "due": "tomorrow"}),
    )
    .await
    .problem(422);
    app.post(
        &format!("/v1/cases/{case}/actions"),
        &token,
        json!({"description": "x", "responsible": "mayor", "due": "2026-02-01"}),
    )
    .await
    .problem(422);
    app.post("/v1/cases", &token, json!({"child_id": uuid::Uuid::now_v7(), "status": "in_assessment", "summary": "x"}))
        .await
        .problem(404);
    app.get(&format!("/v1/cases/{}", uuid::Uuid::now_v7()), &token).await.problem(404);
    app.get("/v1/cases/12345", &token).await.problem(400);
    app.get("/v1/nothing-here", &token).await.problem(404);
    app.call(Method::DELETE, &format!("/v1/cases/{case}"), Some(&token), None).await.problem(405);

    let after = app.get(&format!("/v1/cases/{case}"), &token).await.expect(200);
    assert_eq!(before, after, "refused requests changed nothing");
}

#[tokio::test]
async fn retried_and_conflicting_creates() {
    let app = TestApp::sqlite();
    let (token, child, case) = family_with_case(&app).await;
    let nid = uuid::Uuid::now_v7();
    let note = json!({"id": nid, "text": "Phoned the LA"});
    let first = app.post(&format!("/v1/cases/{case}/notes"), &token, note.clone()).await.expect(201);
    let retry = app.post(&format!("/v1/cases/{case}/notes"), &token, note).await.expect(201);
    assert_eq!(first, retry);
    app.post(&format!("/v1/cases/{case}/notes"), &token, json!({"id": nid, "text": "Different"})).await.problem(409);
    app.post(
        "/v1/cases",
        &token,
        json!({"id": case, "child_id": child, "status": "in_assessment", "summary": "Other"}),
    )
    .await
    .problem(409);
    let page = app.get(&format!("/v1/cases/{case}"), &token).await.expect(200);
    assert_eq!(page["notes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_notes_all_land() {
    let app = std::sync::Arc::new(TestApp::sqlite());
    let (token, _, case) = family_with_case(&app).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (app, token, case) = (app.clone(), token.clone(), case.clone());
        tasks.push(tokio::spawn(async move {
            app.post(&format!("/v1/cases/{case}/notes"), &token, json!({"text": format!("note {i}")}))
                .await
                .expect(201);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let page = app.get(&format!("/v1/cases/{case}"), &token).await.expect(200);
    assert_eq!(page["notes"].as_array().unwrap().len(), 20);
}
