//! The one read path and the one write path, tried from outside: operation ids from the
//! caller, the membership that authorised a change as a condition of its commit, lists that
//! read only what they show, cursors no input can break, and a scanner that never touches the
//! records people edit.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, header};
use senvault_domain::{MemberRole, RoleClaim, Scope, keys};
use senvault_functions::scanner::scan;
use senvault_store::Store;
use senvault_store::counting::CountingStore;
use senvault_store::sqlite::SqliteStore;
use senvault_tests::faults::FailingStore;
use senvault_tests::{FamilyFixture, Resp, TestApp};
use serde_json::{Value, json};

async fn post_with_key(app: &TestApp, path: &str, token: &str, key: &str, body: Value) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", key)
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(req).await
}

#[tokio::test]
async fn an_idempotency_key_makes_a_retried_request_the_same_operation() {
    let app = TestApp::sqlite();
    let fam = app.family_with_case("mum", "in_assessment").await;
    let notes = format!("/v1/cases/{}/notes", fam.case);
    let body = json!({"text": "Phoned the caseworker"});
    let first = post_with_key(&app, &notes, &fam.token, "retry-1", body.clone()).await.expect(201);
    let again = post_with_key(&app, &notes, &fam.token, "retry-1", body.clone()).await;
    assert!(again.replayed, "a retry is answered as the first was, marked Idempotent-Replayed");
    assert!(again.location.as_deref().is_some_and(|l| l.ends_with(again.json["id"].as_str().unwrap_or("?"))));
    let again = again.expect(201);
    assert_eq!(first["id"], again["id"], "the retry found the note its first attempt made");
    let other = post_with_key(&app, &notes, &fam.token, "retry-2", body.clone()).await.expect(201);
    assert_ne!(first["id"], other["id"], "another key is another operation");
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    assert_eq!(page["notes"].as_array().unwrap().len(), 2);
    // A status change retried with its key adds one history entry, not two.
    let status = format!("/v1/cases/{}/status", fam.case);
    post_with_key(&app, &status, &fam.token, "s-1", json!({"status": "draft_ehcp_issued"})).await.expect(200);
    let page =
        post_with_key(&app, &status, &fam.token, "s-1", json!({"status": "draft_ehcp_issued"})).await.expect(200);
    assert_eq!(page["history"].as_array().unwrap().len(), 2);
    for bad in ["", "é", &"k".repeat(256), "two words"] {
        let p = post_with_key(&app, &notes, &fam.token, bad, body.clone()).await;
        if bad.is_empty() || bad.is_ascii() {
            p.problem(400);
        } else {
            // Non-ASCII header values may be refused before the handler; either way a 400.
            assert_eq!(p.status.as_u16(), 400, "{bad:?}: {}", p.json);
        }
    }
}

/// A change decided while the caller was a member, committed after the membership was revoked,
/// does not land: the commit carries the membership as a condition, fails, and the change is
/// decided again — and refused.
#[tokio::test]
async fn a_change_decided_before_a_revocation_does_not_land_after_it() {
    let failing = Arc::new(FailingStore::new(Arc::new(SqliteStore::in_memory().expect("sqlite"))));
    let app = TestApp::with_store(failing.clone());
    let fam = app.family_with_case("mum", "in_assessment").await;
    app.grant("adv", &fam.child, MemberRole::Writer).await;
    let adv = app.token("adv", RoleClaim::Advocate);
    let notes = format!("/v1/cases/{}/notes", fam.case);
    app.post(&notes, &adv, json!({"text": "Before"})).await.expect(201);

    let child_scope: Scope = format!("child:{}", fam.child).parse().unwrap();
    failing.delete_before_next_commit("user:adv", &keys::membership(&child_scope));
    let refused = app.post(&notes, &adv, json!({"text": "After the grant ended"})).await.problem(404);
    assert_eq!(refused["detail"], "case not found");
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    let texts: Vec<_> = page["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap()).collect();
    assert_eq!(texts, vec!["Before"], "nothing landed after the revocation");
}

/// Someone else's id is a conflict at once — not six retries and a 503.
#[tokio::test]
async fn an_id_taken_by_a_record_the_caller_cannot_see_is_a_conflict() {
    let counting = Arc::new(CountingStore::new(Arc::new(SqliteStore::in_memory().expect("sqlite"))));
    let app = TestApp::with_store(counting.clone());
    let theirs = app.family_with_case("them", "in_assessment").await;
    let mine = app.token("mum", RoleClaim::Family);
    app.post("/v1/family", &mine, json!({"name": "Mine"})).await.expect(201);
    let before = counting.counts.snapshot();
    let child = json!({"id": theirs.child, "name": "Ada", "date_of_birth": "2016-04-02", "local_authority": "Leeds"});
    let p = app.post("/v1/children", &mine, child).await.problem(409);
    assert!(p["detail"].as_str().unwrap().contains("already in use"), "{p}");
    assert_eq!(counting.counts.snapshot().since(&before).commits, 1, "one attempt");
    let case = json!({"id": theirs.case, "child_id": theirs.child, "status": "in_assessment", "summary": "x"});
    app.post("/v1/cases", &mine, case).await.problem(404);
}

/// Every paginated route refuses cursors it did not issue with a 400, whatever their bytes.
#[tokio::test]
async fn no_cursor_can_break_a_list() {
    let app = TestApp::sqlite();
    let fam = app.family_with_case("mum", "in_assessment").await;
    let routes = [
        "/v1/children?".to_string(),
        format!("/v1/cases?child_id={}&", fam.child),
        "/v1/actions?".to_string(),
        format!("/v1/documents?child_id={}&", fam.child),
        "/v1/notifications?".to_string(),
    ];
    let cursors = [
        "%C3%A9",
        "a%C3%A9",
        "%F0%9F%99%82",
        "%F0%9F%99%82%F0%9F%99%82",
        "abc",
        "zz",
        "ff",
        "c3",
        "%00%00",
        "%E2%82%AC1",
    ];
    for route in &routes {
        for cursor in cursors {
            let p = app.get(&format!("{route}cursor={cursor}"), &fam.token).await.problem(400);
            assert_eq!(p["errors"][0]["field"], "cursor", "{route} {cursor}: {p}");
        }
        app.get(&format!("{route}limit=1"), &fam.token).await.expect(200);
    }
}

/// Listing actions reads the children's action indexes, not their cases: many notes on a case
/// cost nothing, and a page reads about a page of actions.
#[tokio::test]
async fn listing_actions_reads_only_actions() {
    let counting = Arc::new(CountingStore::new(Arc::new(SqliteStore::in_memory().expect("sqlite"))));
    let app = TestApp::with_store(counting.clone());
    let fam = app.family_with_case("mum", "in_assessment").await;
    for i in 0..40 {
        app.post(&format!("/v1/cases/{}/notes", fam.case), &fam.token, json!({"text": format!("note {i}")}))
            .await
            .expect(201);
    }
    for day in 1..=12 {
        let body =
            json!({"description": format!("Action {day}"), "responsible": "la", "due": format!("2026-02-{day:02}")});
        app.post(&format!("/v1/cases/{}/actions", fam.case), &fam.token, body).await.expect(201);
    }
    let before = counting.counts.snapshot();
    let page = app.get("/v1/actions?limit=5", &fam.token).await.expect(200);
    let used = counting.counts.snapshot().since(&before);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert_eq!(page["items"][0]["description"], "Action 1", "soonest first");
    assert!(used.records_read <= 5 + 1 + 2, "read {} records for a page of 5: {used:?}", used.records_read);
    // The rest, page by page, with nothing repeated or skipped.
    let mut seen: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().into()).collect();
    let mut cursor = page["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let next = app.get(&format!("/v1/actions?limit=5&cursor={c}"), &fam.token).await.expect(200);
        seen.extend(next["items"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_owned()));
        cursor = next["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), 12);
    assert_eq!(seen.iter().collect::<std::collections::BTreeSet<_>>().len(), 12);
    // Overdue and done lists come from the same indexes (the suites' today is 20 January 2026).
    let overdue = app.get("/v1/actions?state=overdue", &fam.token).await.expect(200);
    assert!(overdue["items"].as_array().unwrap().is_empty(), "nothing is overdue on 20 January 2026");
    let id = seen[0].clone();
    app.post(&format!("/v1/cases/{}/actions/{id}/complete", fam.case), &fam.token, json!({})).await.expect(200);
    let done = app.get("/v1/actions?state=done", &fam.token).await.expect(200);
    assert_eq!(done["items"][0]["id"], id.as_str());
    let open = app.get("/v1/actions?limit=200", &fam.token).await.expect(200);
    assert_eq!(open["items"].as_array().unwrap().len(), 11);
}

/// The scanner writes the action's tracker, alerts and notes — never the action, whose version
/// a phone's offline edit may be conditioned on.
#[tokio::test]
async fn a_scan_never_changes_an_action() {
    let app = TestApp::sqlite();
    let fam: FamilyFixture = app.family_with_case("mum", "in_assessment").await;
    let action = app
        .post(
            &format!("/v1/cases/{}/actions", fam.case),
            &fam.token,
            json!({"description": "LA sends the report", "responsible": "la", "due": "2026-01-22"}),
        )
        .await
        .expect(201);
    let scope = format!("child:{}", fam.child);
    let key = format!("case/{}/action/{}", fam.case, action["id"].as_str().unwrap());
    let store: &Arc<dyn Store> = app.state.service.store();
    let before = store.get(&scope, &key).await.unwrap().unwrap();
    for day in [21, 23, 25] {
        let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, day, 9, 0, 0).unwrap();
        let report = scan(&app.state.service, now).await.expect("scan");
        assert_eq!(report.failed, 0);
    }
    let after = store.get(&scope, &key).await.unwrap().unwrap();
    assert_eq!((after.version, after.body), (before.version, before.body), "the action is untouched");
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    assert!(
        page["notes"].as_array().unwrap().iter().all(|n| n["topic"] != "legal"),
        "a manual action's lateness is no legal note"
    );
    let alerts = app.get("/v1/notifications", &fam.token).await.expect(200);
    assert_eq!(alerts["items"].as_array().unwrap().len(), 2, "a reminder and an overdue alert: {alerts}");
}

/// A record that does not decode is a fault no retry can mend: the API answers 500 `corrupt`
/// (naming nothing of the record), and a device's push records the mutation that needed it as
/// refused, with that reason, and goes on with the next — it never retries it forever. Storage
/// that is merely unavailable is the opposite: 503 with `Retry-After`, the push stops, nothing
/// is recorded, and the same push passes once storage is back.
#[tokio::test]
async fn an_unreadable_record_is_refused_and_unavailable_storage_is_retried() {
    use senvault_store::{CommitRequest, Expect, Put};
    use senvault_tests::scenario::{mutation, note_command};
    let failing = Arc::new(FailingStore::new(Arc::new(SqliteStore::in_memory().expect("sqlite"))));
    let app = TestApp::with_store(failing.clone());
    let fam = app.family_with_case("mum", "in_assessment").await;
    let second = app
        .post("/v1/cases", &fam.token, json!({"child_id": fam.child, "status": "in_assessment", "summary": "Second"}))
        .await
        .expect(201)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let scope = format!("child:{}", fam.child);
    let key = keys::case(fam.case.parse().expect("case id"));
    let stored = app.state.service.store().get(&scope, &key).await.expect("get").expect("the case is stored");
    let garbage = Put {
        scope: scope.clone(),
        key: key.clone(),
        body: "{\"type\":\"case\",\"not a case".into(),
        deleted: false,
        expect: Expect::Version(stored.version),
        g1: None,
        g2: None,
    };
    app.state.service.store().commit(CommitRequest::puts(vec![garbage])).await.expect("commit");

    // REST: 500 with the `corrupt` problem, and nothing of the record in the body.
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.problem(500);
    assert_eq!(page["type"], "urn:senvault:problem:corrupt", "{page}");
    assert!(!page.to_string().contains("not a case"), "the body never echoes stored content: {page}");
    assert!(page.get("retry_after").is_none());

    // Sync: the mutation on the unreadable case is refused with the reason; the next applies.
    let client = uuid::Uuid::new_v4().to_string();
    let note = |case: &str| note_command(&fam.child, case, &uuid::Uuid::now_v7().to_string(), "From the phone");
    let push = |mutations: Vec<Value>| json!({"client_id": client, "schema": 1, "mutations": mutations});
    let done = app
        .post(
            "/v1/sync/push",
            &fam.token,
            push(vec![mutation(1, &scope, note(&fam.case)), mutation(2, &scope, note(&second))]),
        )
        .await
        .expect(200);
    assert_eq!(done["lmid"], 2, "{done}");
    assert_eq!(done["outcomes"][0]["outcome"], "rejected", "{done}");
    assert_eq!(done["outcomes"][0]["reason"]["status"], 500, "{done}");
    assert_eq!(done["outcomes"][0]["reason"]["code"], "corrupt", "{done}");
    assert_eq!(done["outcomes"][1]["outcome"], "applied", "{done}");

    // Unavailable storage: 503 + Retry-After on REST; a push stops and is retried whole.
    failing.fail_commit(1);
    let busy = app.post(&format!("/v1/cases/{second}/notes"), &fam.token, json!({"text": "Later"})).await;
    assert_eq!(busy.retry_after.as_deref(), Some("2"), "{:?}", busy.json);
    let busy = busy.problem(503);
    assert_eq!(busy["type"], "urn:senvault:problem:unavailable", "{busy}");
    let third = push(vec![mutation(3, &scope, note(&second))]);
    failing.fail_commit(1);
    let stopped = app.post("/v1/sync/push", &fam.token, third.clone()).await;
    assert_eq!(stopped.retry_after.as_deref(), Some("2"));
    stopped.problem(503);
    let retried = app.post("/v1/sync/push", &fam.token, third).await.expect(200);
    assert_eq!((retried["lmid"].as_u64(), retried["outcomes"][0]["outcome"].as_str()), (Some(3), Some("applied")));
    let notes = app.get(&format!("/v1/cases/{second}"), &fam.token).await.expect(200)["notes"].clone();
    assert_eq!(notes.as_array().map(Vec::len), Some(2), "mid 2 and mid 3, each once: {notes}");
}
