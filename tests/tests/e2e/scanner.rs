//! The overdue scanner end to end: reminders, overdue alerts, missed-deadline notes,
//! notifications, preferences, idempotence (re-runs, concurrency, crashes) and the chronology.

use std::sync::Arc;

use axum::http::{Method, header};
use chrono::{NaiveDate, TimeZone, Utc};
use senvault_domain::RoleClaim;
use senvault_functions::scanner::{ScanError, scan};
use senvault_store::index::{DUE_SHARDS, due_partition};
use senvault_store::sqlite::SqliteStore;
use senvault_store::{Index, Store};
use senvault_tests::TestApp;
use senvault_tests::faults::FailingStore;
use serde_json::{Value, json};

fn at(y: i32, m: u32, d: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).single().unwrap()
}

struct Setup {
    token: String,
    case: String,
}

/// A family whose request was received on 15 Jan 2026: the LA's decision is due on 26 Feb.
async fn setup(app: &TestApp) -> Setup {
    let token = app.token("mum", RoleClaim::Family);
    app.post("/v1/family", &token, json!({"name": "Family"})).await.expect(201);
    let child = app
        .post("/v1/children", &token, json!({"name": "Ada", "date_of_birth": "2016-04-02", "local_authority": "Leeds"}))
        .await
        .expect(201);
    let case = app
        .post(
            "/v1/cases",
            &token,
            json!({"child_id": child["id"], "status": "assessment_requested", "summary": "Request"}),
        )
        .await
        .expect(201);
    let case = case["id"].as_str().unwrap().to_owned();
    app.post(&format!("/v1/cases/{case}/key-dates"), &token, json!({"kind": "request_received", "date": "2026-01-15"}))
        .await
        .expect(200);
    Setup { token, case }
}

async fn scan_at(app: &TestApp, now: chrono::DateTime<Utc>) -> senvault_functions::scanner::ScanReport {
    app.clock.set(now);
    scan(&app.state.service, now).await.expect("scan")
}

fn alerts(page: &Value) -> Vec<(String, Option<u64>)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["kind"].as_str().unwrap().to_owned(), n["lead_days"].as_u64()))
        .collect()
}

#[tokio::test]
async fn reminders_overdue_alerts_and_missed_deadline_notes() {
    let app = TestApp::sqlite();
    let s = setup(&app).await;
    // Nothing is due in January.
    let r = scan_at(&app, at(2026, 1, 20)).await;
    assert_eq!((r.examined, r.reminders), (0, 0));

    let r = scan_at(&app, at(2026, 2, 19)).await;
    assert_eq!((r.reminders, r.overdue, r.notes), (1, 0, 0), "{r:?}");
    let page = app.get("/v1/notifications", &s.token).await.expect(200);
    assert_eq!(alerts(&page), vec![("reminder".into(), Some(7))]);
    assert_eq!(page["unread_count"], 1);
    assert_eq!(page["items"][0]["due"], "2026-02-26");
    assert!(page["items"][0].get("description").is_none(), "notifications carry ids and dates only");

    // Twice the same day: nothing new.
    let r = scan_at(&app, at(2026, 2, 19)).await;
    assert_eq!((r.examined, r.reminders), (0, 0), "the action left today's index range");

    scan_at(&app, at(2026, 2, 23)).await;
    scan_at(&app, at(2026, 2, 25)).await;
    let r = scan_at(&app, at(2026, 2, 27)).await;
    assert_eq!((r.overdue, r.notes), (1, 1));
    let page = app.get("/v1/notifications", &s.token).await.expect(200);
    let kinds = alerts(&page);
    assert_eq!(kinds.len(), 4);
    assert_eq!(kinds[0], ("overdue".into(), None), "newest first");

    let case = app.get(&format!("/v1/cases/{}", s.case), &s.token).await.expect(200);
    let notes = case["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["topic"], "legal");
    assert_eq!(notes[0]["author"]["role"], "system");
    let text = notes[0]["text"].as_str().unwrap();
    assert!(text.contains("26 February 2026") && text.contains("reg 5(1)"), "{text}");

    // Re-running later adds nothing: the note and alert are written once.
    for day in [at(2026, 2, 27), at(2026, 3, 1), at(2026, 3, 20)] {
        let r = scan_at(&app, day).await;
        assert_eq!((r.overdue, r.notes), (0, 0));
    }
    let case = app.get(&format!("/v1/cases/{}", s.case), &s.token).await.expect(200);
    assert_eq!(case["notes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn preferences_filter_and_read_state() {
    let app = TestApp::sqlite();
    let s = setup(&app).await;
    let prefs = app.get("/v1/me/preferences", &s.token).await.expect(200);
    assert_eq!(prefs["reminder_lead_days"], json!([7, 3, 1]));
    app.call(Method::PUT, "/v1/me/preferences", Some(&s.token), Some(json!({"reminder_lead_days": [1]})))
        .await
        .expect(200);
    app.call(Method::PUT, "/v1/me/preferences", Some(&s.token), Some(json!({"reminder_lead_days": [2]})))
        .await
        .problem(422);
    app.call(Method::PUT, "/v1/me/preferences", Some(&s.token), Some(json!({"reminder_lead_days": "7"})))
        .await
        .problem(422);
    for day in [at(2026, 2, 19), at(2026, 2, 23), at(2026, 2, 25)] {
        scan_at(&app, day).await;
    }
    let page = app.get("/v1/notifications", &s.token).await.expect(200);
    assert_eq!(alerts(&page), vec![("reminder".into(), Some(1))], "only the chosen lead time");
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    let read = app.post(&format!("/v1/notifications/{id}/read"), &s.token, json!({})).await.expect(200);
    assert_eq!(read["read"], true);
    app.post(&format!("/v1/notifications/{id}/read"), &s.token, json!({})).await.expect(200);
    let page = app.get("/v1/notifications", &s.token).await.expect(200);
    assert_eq!(page["unread_count"], 0);
    // A stranger can neither see nor mark it.
    let stranger = app.token("stranger", RoleClaim::Family);
    assert_eq!(app.get("/v1/notifications", &stranger).await.expect(200)["items"], json!([]));
    app.post(&format!("/v1/notifications/{id}/read"), &stranger, json!({})).await.problem(404);
    app.post("/v1/notifications/nope/read", &s.token, json!({})).await.problem(400);
    // Paging.
    app.call(Method::PUT, "/v1/me/preferences", Some(&s.token), Some(json!({"reminder_lead_days": [7, 3, 1]})))
        .await
        .expect(200);
    let first = app.get("/v1/notifications?limit=2", &s.token).await.expect(200);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/v1/notifications?limit=2&cursor={cursor}"), &s.token).await.expect(200);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next_cursor"].is_null());
}

async fn due_index_keys(store: &dyn Store) -> Vec<String> {
    let mut keys = Vec::new();
    for shard in 0..DUE_SHARDS {
        let page = store.query_index(Index::G2, &due_partition(shard), None, None, 1000).await.unwrap();
        keys.extend(page.items.iter().map(|r| r.key.clone()));
    }
    keys.sort();
    keys
}

#[tokio::test]
async fn the_due_index_follows_completion_reopening_and_redating() {
    let app = TestApp::sqlite();
    let s = setup(&app).await;
    let store = app.state.service.store().clone();
    assert_eq!(due_index_keys(store.as_ref()).await.len(), 4, "four open statutory actions");
    let a = app
        .post(
            &format!("/v1/cases/{}/actions", s.case),
            &s.token,
            json!({"description": "x", "responsible": "family", "due": "2026-03-01"}),
        )
        .await
        .expect(201);
    let aid = a["id"].as_str().unwrap();
    assert_eq!(due_index_keys(store.as_ref()).await.len(), 5);
    app.post(&format!("/v1/cases/{}/actions/{aid}/complete", s.case), &s.token, json!({})).await.expect(200);
    assert_eq!(due_index_keys(store.as_ref()).await.len(), 4, "completing removes it");
    app.post(&format!("/v1/cases/{}/actions/{aid}/reopen", s.case), &s.token, json!({})).await.expect(200);
    assert_eq!(due_index_keys(store.as_ref()).await.len(), 5, "reopening restores it");
    // Re-dating moves the entry: the index sort key holds the next check date.
    app.patch(&format!("/v1/cases/{}/actions/{aid}", s.case), &s.token, json!({"due": "2026-04-01"})).await.expect(200);
    let all = due_sort_keys(store.as_ref()).await;
    assert!(all.iter().any(|sk| sk.starts_with("2026-03-25#") && sk.ends_with(aid)), "{all:?}");
    // The stored sort key really is that date: a range ending the day before misses it.
    let due_by = |day: &str| {
        let until = format!("{day}#\u{10FFFF}");
        let store = store.clone();
        async move {
            let mut keys = Vec::new();
            for shard in 0..DUE_SHARDS {
                let page = store.query_index(Index::G2, &due_partition(shard), None, Some(&until), 1000).await.unwrap();
                keys.extend(page.items.into_iter().map(|r| r.key));
            }
            keys
        }
    };
    assert!(due_by("2026-03-25").await.iter().any(|k| k.ends_with(aid)));
    assert!(!due_by("2026-03-24").await.iter().any(|k| k.ends_with(aid)));
    // A corrected key date moves the statutory entries too.
    app.post(
        &format!("/v1/cases/{}/key-dates", s.case),
        &s.token,
        json!({"kind": "request_received", "date": "2026-01-22"}),
    )
    .await
    .expect(200);
    let all = due_sort_keys(store.as_ref()).await;
    assert!(
        all.iter().any(|sk| sk.starts_with("2026-02-26#")),
        "assessment decision now due 5 Mar: first check 26 Feb: {all:?}"
    );
    assert_eq!(all.len(), 5);
}

/// Every due-index entry as `<next check>#<scope>#<key>`.
async fn due_sort_keys(store: &dyn Store) -> Vec<String> {
    let mut out = Vec::new();
    for shard in 0..DUE_SHARDS {
        let page = store.query_index(Index::G2, &due_partition(shard), None, None, 1000).await.unwrap();
        for r in page.items {
            let record: senvault_domain::Record = serde_json::from_str(&r.body).unwrap();
            let date: NaiveDate = record.due_index().unwrap();
            out.push(format!("{date}#{}#{}", r.scope, r.key));
        }
    }
    out
}

#[tokio::test]
async fn concurrent_scans_never_duplicate() {
    let app = Arc::new(TestApp::sqlite());
    let s = setup(&app).await;
    let now = at(2026, 2, 27);
    app.clock.set(now);
    let (a, b) = tokio::join!(scan(&app.state.service, now), scan(&app.state.service, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.overdue + b.overdue, 1, "{a:?} {b:?}");
    assert_eq!(a.notes + b.notes, 1);
    let case = app.get(&format!("/v1/cases/{}", s.case), &s.token).await.expect(200);
    assert_eq!(case["notes"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/v1/notifications", &s.token).await.expect(200)["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_scan_that_fails_half_way_is_completed_by_the_next_without_duplicates() {
    // Two identical worlds: one scanned cleanly, one whose scan crashes on its second commit.
    let failing = Arc::new(FailingStore::new(Arc::new(SqliteStore::in_memory().unwrap())));
    let crashy = TestApp::with_store(failing.clone());
    let clean = TestApp::sqlite();
    let mut cases = Vec::new();
    for app in [&crashy, &clean] {
        let s = setup(app).await;
        // A second LA action overdue on the same day, so the scan has several commits to make.
        app.post(
            &format!("/v1/cases/{}/key-dates", s.case),
            &s.token,
            json!({"kind": "final_issued", "date": "2025-02-01"}),
        )
        .await
        .expect(200);
        cases.push(s);
    }
    let now = at(2026, 2, 27);
    crashy.clock.set(now);
    failing.fail_commit(2);
    let first = scan(&crashy.state.service, now).await;
    let Err(ScanError::Partial(partial)) = first else { panic!("expected a partial scan, got {first:?}") };
    assert_eq!(partial.failed, 1);
    let retry = scan(&crashy.state.service, now).await.expect("the next run completes");
    assert_eq!(retry.failed, 0);
    clean.clock.set(now);
    let whole = scan(&clean.state.service, now).await.unwrap();
    assert_eq!(partial.overdue + retry.overdue, whole.overdue);
    assert_eq!(partial.notes + retry.notes, whole.notes);
    assert_eq!(partial.reminders + retry.reminders, whole.reminders);

    let summary = |page: Value| {
        let mut notes: Vec<String> =
            page["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap().to_owned()).collect();
        notes.sort();
        notes
    };
    let crashed_notes = summary(crashy.get(&format!("/v1/cases/{}", cases[0].case), &cases[0].token).await.expect(200));
    let clean_notes = summary(clean.get(&format!("/v1/cases/{}", cases[1].case), &cases[1].token).await.expect(200));
    assert_eq!(crashed_notes, clean_notes, "same notes, each once");
    let crashed = crashy.get("/v1/notifications", &cases[0].token).await.expect(200);
    let cleaned = clean.get("/v1/notifications", &cases[1].token).await.expect(200);
    assert_eq!(crashed["items"].as_array().unwrap().len(), cleaned["items"].as_array().unwrap().len());
}

#[tokio::test]
async fn chronology_as_json_and_printable_html() {
    let app = TestApp::sqlite();
    let s = setup(&app).await;
    app.post(
        &format!("/v1/cases/{}/key-dates", s.case),
        &s.token,
        json!({"kind": "decision_to_assess", "date": "2026-03-05"}),
    )
    .await
    .expect(200);
    app.clock.set(at(2026, 3, 10));
    let c = app.get(&format!("/v1/cases/{}/chronology", s.case), &s.token).await.expect(200);
    let entry = c["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"].as_str().unwrap().contains("whether it will assess"))
        .unwrap()
        .clone();
    assert_eq!(entry["outcome"], json!({"outcome": "late", "days": 7}));
    assert_eq!(entry["outcome_text"], "missed: done 7 days late");
    assert_eq!(entry["legal_basis"], "SEND Regs 2014 reg 5(1)");
    assert_eq!(c["la_deadlines_missed"], 1);

    let req = axum::http::Request::builder()
        .uri(format!("/v1/cases/{}/chronology", s.case))
        .header(header::AUTHORIZATION, format!("Bearer {}", s.token))
        .header(header::ACCEPT, "text/html")
        .body(axum::body::Body::empty())
        .unwrap();
    let html = app.send(req).await;
    assert_eq!(html.status.as_u16(), 200);
    assert!(html.content_type.starts_with("text/html"));
    let body = html.json.as_str().unwrap();
    assert!(body.contains("<table>") && body.contains("missed: done 7 days late") && body.contains("reg 5(1)"));
    let stranger = app.token("stranger", RoleClaim::Family);
    app.get(&format!("/v1/cases/{}/chronology", s.case), &stranger).await.problem(404);
}
