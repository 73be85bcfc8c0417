//! Deadlines as the law has them, through the API: each scenario of `docs/law.md` read back
//! from the case page and the chronology (JSON and the printable page), and the scanner's
//! notes.

use chrono::{TimeZone, Utc};
use senvault_domain::RoleClaim;
use senvault_functions::scanner::scan;
use senvault_tests::{FamilyFixture, TestApp};
use serde_json::{Value, json};

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).single().expect("instant")
}

async fn case_on(app: &TestApp, day: chrono::DateTime<Utc>) -> FamilyFixture {
    app.clock.set(day);
    let user = format!("parent-{}", uuid::Uuid::now_v7().simple());
    app.family_with_case(&user, "final_ehcp_issued").await
}

async fn key_date(app: &TestApp, f: &FamilyFixture, body: Value) -> Value {
    let r = app.post(&format!("/v1/cases/{}/key-dates", f.case), &f.token, body).await;
    assert!(r.status.is_success(), "{}", r.json);
    r.json
}

/// The case's actions of one timescale.
fn actions(page: &Value, timescale: &str) -> Vec<Value> {
    page["actions"].as_array().unwrap().iter().filter(|a| a["timescale"] == timescale).cloned().collect()
}

fn one(page: &Value, timescale: &str) -> Value {
    let found = actions(page, timescale);
    assert_eq!(found.len(), 1, "one {timescale}: {found:#?}");
    found.into_iter().next().unwrap()
}

async fn chronology(app: &TestApp, f: &FamilyFixture) -> Value {
    app.get(&format!("/v1/cases/{}/chronology", f.case), &f.token).await.expect(200)
}

async fn chronology_html(app: &TestApp, f: &FamilyFixture) -> String {
    use axum::body::Body;
    use axum::http::{Method, Request, header};
    let req = Request::builder()
        .method(Method::GET)
        .uri(format!("/v1/cases/{}/chronology", f.case))
        .header(header::AUTHORIZATION, format!("Bearer {}", f.token))
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status.as_u16(), 200);
    r.json.as_str().unwrap_or_default().to_owned()
}

fn line<'a>(chronology: &'a Value, step_starts: &str) -> &'a Value {
    chronology["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"].as_str().unwrap().starts_with(&format!("Deadline: {step_starts}")))
        .unwrap_or_else(|| panic!("no line for {step_starts}: {chronology:#}"))
}

async fn complete(app: &TestApp, f: &FamilyFixture, action: &Value, on: &str) {
    let path = format!("/v1/cases/{}/actions/{}/complete", f.case, action["id"].as_str().unwrap());
    app.post(&path, &f.token, json!({"completed_on": on})).await.expect(200);
}

#[tokio::test]
async fn a_leap_day_plan_is_reviewed_by_the_end_of_february() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2028, 3, 1)).await;
    let page = key_date(&app, &f, json!({"kind": "final_issued", "date": "2028-02-29"})).await;
    let review = one(&page, "annual_review");
    assert_eq!(review["due"], "2029-02-28");
    app.clock.set(at(2029, 2, 27));
    let page = app.get(&format!("/v1/cases/{}", f.case), &f.token).await.expect(200);
    assert_eq!(one(&page, "annual_review")["overdue"], false);
}

#[tokio::test]
async fn an_ad_hoc_amendment_notice_has_no_devon_cap_and_no_missed_deadline_note() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2026, 2, 1)).await;
    key_date(&app, &f, json!({"kind": "final_issued", "date": "2025-03-31"})).await;
    let page = key_date(&app, &f, json!({"kind": "annual_review_meeting", "date": "2026-03-09"})).await;
    app.clock.set(at(2026, 4, 2));
    complete(&app, &f, &one(&page, "review_decision"), "2026-04-01").await;
    // The school's report is done too, so nothing is overdue but what the notice starts.
    complete(&app, &f, &one(&page, "review_report"), "2026-03-20").await;
    for done in ["review_invitation", "review_advice"] {
        complete(&app, &f, &one(&page, done), "2026-02-20").await;
    }
    app.clock.set(at(2026, 11, 2));
    let page = key_date(&app, &f, json!({"kind": "amendment_notice", "date": "2026-11-02"})).await;
    assert!(actions(&page, "amended_final_cap").is_empty(), "{page:#}");
    app.clock.set(at(2026, 11, 3));
    scan(&app.state.service, at(2026, 11, 3)).await.expect("scan");
    let page = app.get(&format!("/v1/cases/{}", f.case), &f.token).await.expect(200);
    let legal: Vec<_> = page["notes"].as_array().unwrap().iter().filter(|n| n["topic"] == "legal").collect();
    assert!(legal.is_empty(), "no Devon 'missed deadline' note: {legal:#?}");
    assert_eq!(chronology(&app, &f).await["deadlines_missed"], 0);
}

#[tokio::test]
async fn amended_plans_and_notices_not_to_amend_close_the_clocks() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2026, 3, 1)).await;
    key_date(&app, &f, json!({"kind": "final_issued", "date": "2025-03-31"})).await;
    key_date(&app, &f, json!({"kind": "annual_review_meeting", "date": "2026-03-09"})).await;
    key_date(&app, &f, json!({"kind": "amendment_notice", "date": "2026-04-01"})).await;
    app.clock.set(at(2026, 6, 5));
    let page = key_date(&app, &f, json!({"kind": "amended_plan_issued", "date": "2026-06-03"})).await;
    assert_eq!(one(&page, "amended_final")["timeliness"], json!({"outcome": "late", "days": 7}));
    assert_eq!(one(&page, "amended_final_cap")["timeliness"], json!({"outcome": "late", "days": 2}));

    let g = case_on(&app, at(2026, 3, 1)).await;
    key_date(&app, &g, json!({"kind": "amendment_notice", "date": "2026-04-01"})).await;
    app.clock.set(at(2026, 6, 1));
    let page =
        key_date(&app, &g, json!({"kind": "decision_notice", "date": "2026-05-13", "decision": "refuse_amend"})).await;
    let amended = one(&page, "amended_final");
    assert_eq!((amended["state"].as_str(), amended["overdue"].as_bool()), (Some("done"), Some(false)));
    assert_eq!(amended["timeliness"]["outcome"], "met");
}

#[tokio::test]
async fn a_final_plan_inside_the_familys_fifteen_days_is_recorded_as_the_las_breach() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2026, 5, 1)).await;
    key_date(&app, &f, json!({"kind": "draft_issued", "date": "2026-05-12"})).await;
    app.clock.set(at(2026, 6, 10));
    // Unused, the family's window is closed — not overdue, not missed, no alert.
    let page = app.get(&format!("/v1/cases/{}", f.case), &f.token).await.expect(200);
    let window = one(&page, "draft_response");
    assert_eq!(
        (window["overdue"].as_bool(), window["timeliness"]["outcome"].as_str()),
        (Some(false), Some("window_closed"))
    );
    let overdue = app.get("/v1/actions?state=overdue", &f.token).await.expect(200);
    assert!(overdue["items"].as_array().unwrap().iter().all(|a| a["timescale"] != "draft_response"));
    scan(&app.state.service, at(2026, 6, 10)).await.expect("scan");
    let alerts = app.get("/v1/notifications", &f.token).await.expect(200);
    assert!(alerts["items"].as_array().unwrap().iter().all(|a| a["kind"] != "overdue"), "{alerts:#}");
    assert_eq!(chronology(&app, &f).await["deadlines_missed"], 0);

    // The final plan issued on day 4 of the 15: the LA's breach, in the notes and the chronology.
    let page = key_date(&app, &f, json!({"kind": "final_issued", "date": "2026-05-15"})).await;
    assert_eq!(one(&page, "draft_response")["timeliness"], json!({"outcome": "cut_short", "days": 11}));
    let legal: Vec<_> = page["notes"].as_array().unwrap().iter().filter(|n| n["topic"] == "legal").collect();
    assert_eq!(legal.len(), 1);
    assert!(legal[0]["text"].as_str().unwrap().contains("reg 13(1)(a)"));
    let c = chronology(&app, &f).await;
    assert_eq!((c["deadlines_missed"].as_u64(), c["la_deadlines_missed"].as_u64()), (Some(1), Some(1)));
    let response = line(&c, "Comment on the draft");
    assert!(response["outcome_text"].as_str().unwrap().starts_with("breach by the LA"), "{response}");
    let html = chronology_html(&app, &f).await;
    assert!(html.contains("breach by the LA") && html.contains("missed: 1"), "{html}");
}

#[tokio::test]
async fn an_appeal_lodged_by_the_roll_forward_day_is_in_time() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2026, 1, 5)).await;
    let page = key_date(
        &app,
        &f,
        json!({"kind": "decision_notice", "date": "2025-12-31", "decision": "plan_contents", "section_i_only": true}),
    )
    .await;
    let appeal = one(&page, "appeal_deadline");
    assert_eq!((appeal["due"].as_str(), appeal["accepted_until"].as_str()), (Some("2026-02-28"), Some("2026-03-02")));
    assert!(actions(&page, "mediation_contact").is_empty(), "Section I only: no mediation");
    app.clock.set(at(2026, 3, 2));
    complete(&app, &f, &appeal, "2026-03-02").await;
    let c = chronology(&app, &f).await;
    assert_eq!(line(&c, "Appeal received")["outcome_text"], "met");
    assert_eq!(c["deadlines_missed"], 0);
}

#[tokio::test]
async fn a_mediation_certificate_closes_the_contact_window_without_judging_it() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2025, 12, 1)).await;
    key_date(&app, &f, json!({"kind": "decision_notice", "date": "2025-12-31", "decision": "plan_contents"})).await;
    app.clock.set(at(2026, 3, 21));
    let page = key_date(&app, &f, json!({"kind": "mediation_certificate", "date": "2026-03-20"})).await;
    assert_eq!(one(&page, "mediation_contact")["timeliness"]["outcome"], "not_judged");
    assert_eq!(one(&page, "appeal_deadline")["due"], "2026-04-20");
    let c = chronology(&app, &f).await;
    assert!(line(&c, "Family contacts").get("completed_on").is_none());
    assert_eq!(c["deadlines_missed"], 0);
}

#[tokio::test]
async fn correcting_or_deleting_a_meeting_moves_or_removes_its_clocks() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2026, 12, 1)).await;
    let page = key_date(&app, &f, json!({"kind": "annual_review_meeting", "date": "2027-01-20"})).await;
    assert_eq!(one(&page, "review_invitation")["due"], "2027-01-06");
    let meeting = page["key_dates"][0]["id"].as_str().unwrap().to_owned();
    app.clock.set(at(2026, 12, 2));
    let page = key_date(&app, &f, json!({"id": meeting, "kind": "annual_review_meeting", "date": "2026-12-04"})).await;
    assert!(actions(&page, "review_invitation").is_empty() && actions(&page, "review_advice").is_empty(), "{page:#}");
    assert_eq!(one(&page, "review_decision")["due"], "2027-01-01");
    // Deleted: every clock it started goes.
    let page = app
        .call(axum::http::Method::DELETE, &format!("/v1/cases/{}/key-dates/{meeting}", f.case), Some(&f.token), None)
        .await
        .expect(200);
    assert!(actions(&page, "review_decision").is_empty());
    assert!(page["key_dates"].as_array().unwrap().is_empty());
    app.call(axum::http::Method::DELETE, &format!("/v1/cases/{}/key-dates/{meeting}", f.case), Some(&f.token), None)
        .await
        .problem(404);
}

#[tokio::test]
async fn template_timescales_take_their_start_and_refuse_a_typed_date() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2026, 1, 20)).await;
    let actions_path = format!("/v1/cases/{}/actions", f.case);
    let body = |extra: Value| {
        let mut b = json!({"description": "Plan amended to name the secondary school", "responsible": "la", "timescale": "phase_transfer"});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    let p =
        app.post(&actions_path, &f.token, body(json!({"due": "2027-03-15", "start": "2027-09-01"}))).await.problem(409);
    assert_eq!(p["errors"][0]["field"], "due");
    app.post(&actions_path, &f.token, body(json!({}))).await.problem(409);
    let made = app.post(&actions_path, &f.token, body(json!({"start": "2027-09-01"}))).await.expect(201);
    assert_eq!(
        (made["due"].as_str(), made["legal_basis"].as_str()),
        (Some("2027-02-15"), Some("SEND Regs 2014 reg 18(1)(b)"))
    );
    let plain = json!({"description": "Chase", "responsible": "family"});
    app.post(&actions_path, &f.token, plain).await.problem(409);
}

#[tokio::test]
async fn exceptions_are_recorded_shown_and_refused_where_the_law_has_none() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2026, 1, 20)).await;
    let page = key_date(&app, &f, json!({"kind": "request_received", "date": "2026-01-15"})).await;
    let decision = one(&page, "assessment_decision");
    let path = format!("/v1/cases/{}/actions/{}/exception", f.case, decision["id"].as_str().unwrap());
    let claim = |ground: &str| {
        json!({"ground": ground, "claimed_by": "la", "period": {"from": "2026-07-15", "to": "2026-08-26"},
            "note": "The LA's letter says the school was closed"})
    };
    let p =
        app.call(axum::http::Method::PUT, &path, Some(&f.token), Some(claim("missed_appointment"))).await.problem(409);
    assert_eq!(p["errors"][0]["field"], "ground");
    app.call(axum::http::Method::PUT, &path, Some(&f.token), Some(claim("holiday"))).await.problem(422);
    let bad_period = json!({"ground": "school_closure", "claimed_by": "la", "period": {"from": "2026-08-26", "to": "2026-07-15"}, "note": "x"});
    app.call(axum::http::Method::PUT, &path, Some(&f.token), Some(bad_period)).await.problem(409);
    let view =
        app.call(axum::http::Method::PUT, &path, Some(&f.token), Some(claim("school_closure"))).await.expect(200);
    assert_eq!(
        (view["due"].as_str(), view["exception"]["ground"].as_str()),
        (Some("2026-02-26"), Some("school_closure"))
    );
    app.clock.set(at(2026, 3, 1));
    let c = chronology(&app, &f).await;
    let text = line(&c, "LA says whether it will assess")["outcome_text"].as_str().unwrap().to_owned();
    assert!(
        text.starts_with("missed: 3 days overdue") && text.ends_with("LA relies on exception (school closure)"),
        "{text}"
    );
    let viewer = app.token("viewer", RoleClaim::Advocate);
    app.grant("viewer", &f.child, senvault_domain::MemberRole::Reader).await;
    app.call(axum::http::Method::PUT, &path, Some(&viewer), Some(claim("school_closure"))).await.problem(403);
    let cleared = app.call(axum::http::Method::DELETE, &path, Some(&f.token), None).await.expect(200);
    assert!(cleared.get("exception").is_none());
}

#[tokio::test]
async fn a_late_review_meeting_is_flagged_on_the_case_page() {
    let app = TestApp::sqlite();
    let f = case_on(&app, at(2026, 3, 1)).await;
    key_date(&app, &f, json!({"kind": "final_issued", "date": "2025-03-31"})).await;
    let page = key_date(&app, &f, json!({"kind": "annual_review_meeting", "date": "2026-03-16"})).await;
    let warnings = page["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{page:#}");
    assert_eq!(warnings[0]["kind"], "review_decision_after_twelve_months");
}
