//! Advocates, support requests and the ticket queue on the SQLite store: the journey, what a
//! queue reads, and the scanner's SLA notices.

use std::sync::Arc;

use senvault_domain::RoleClaim;
use senvault_store::counting::CountingStore;
use senvault_store::sqlite::SqliteStore;
use senvault_tests::{TestApp, scenario};
use serde_json::json;

#[tokio::test]
async fn the_support_journey_works_on_sqlite() {
    scenario::support_journey(&TestApp::sqlite()).await;
}

/// An advocate's queue reads that advocate's tickets through their index, and nobody else's.
#[tokio::test]
async fn a_queue_reads_only_its_advocates_tickets() {
    let counting = Arc::new(CountingStore::new(Arc::new(SqliteStore::in_memory().expect("sqlite"))));
    let counts = counting.counts.clone();
    let app = TestApp::with_store(counting);
    let mut advocates = Vec::new();
    for name in ["a", "b"] {
        let token = app.token(&format!("adv-{name}"), RoleClaim::Advocate);
        let me = app
            .call(
                axum::http::Method::PUT,
                "/v1/advocates/me",
                Some(&token),
                Some(json!({"name": name, "areas": ["Leeds"], "accepting": true})),
            )
            .await
            .expect(201);
        advocates.push((token, me["id"].as_str().expect("id").to_owned()));
    }
    // Three families ask advocate a, five ask advocate b.
    for n in 0..8 {
        let fam = app.family_with_case(&format!("parent-{n}"), "in_assessment").await;
        let to = &advocates[usize::from(n >= 3)].1;
        app.post(
            "/v1/support-requests",
            &fam.token,
            json!({"advocate_id": to, "child_id": fam.child, "type": "ehcp", "message": "Help please"}),
        )
        .await
        .expect(201);
    }
    let before = counts.snapshot();
    let queue = app.get("/v1/tickets", &advocates[0].0).await.expect(200);
    let used = counts.snapshot().since(&before);
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(3));
    assert_eq!((used.index_queries, used.records_read, used.lists), (1, 3, 0), "{used:?}");
}

/// The scanner tells the advocate once when a ticket turns orange and once when it turns red,
/// reading only the tickets whose colour changes.
#[tokio::test]
async fn the_scanner_announces_sla_colours_once() {
    let app = TestApp::sqlite();
    let advocate = app.token("adv-sla", RoleClaim::Advocate);
    let me = app
        .call(
            axum::http::Method::PUT,
            "/v1/advocates/me",
            Some(&advocate),
            Some(json!({"name": "Sla", "areas": ["Leeds"], "accepting": true, "response_time_hours": 48})),
        )
        .await
        .expect(201);
    let id = me["id"].as_str().expect("id").to_owned();
    let fam = app.family_with_case("parent-sla", "in_assessment").await;
    app.post(
        "/v1/support-requests",
        &fam.token,
        json!({"advocate_id": id, "child_id": fam.child, "type": "ehcp", "message": "Help please"}),
    )
    .await
    .expect(201);
    let scan = |hours: i64| {
        let service = app.state.service.clone();
        let at = senvault_tests::default_now() + chrono::Duration::hours(hours);
        async move { senvault_functions::scanner::scan(&service, at).await.expect("scan") }
    };
    let quiet = scan(1).await;
    assert_eq!((quiet.tickets_examined, quiet.sla_orange), (0, 0), "nothing due: nothing read");
    let orange = scan(37).await;
    assert_eq!((orange.tickets_examined, orange.sla_orange, orange.sla_red), (1, 1, 0));
    let again = scan(38).await;
    assert_eq!((again.tickets_examined, again.sla_orange), (0, 0), "announced: out of the index until red");
    let red = scan(49).await;
    assert_eq!((red.tickets_examined, red.sla_red), (1, 1));
    assert_eq!(scan(60).await.tickets_examined, 0);
    let told = app.get("/v1/notifications", &advocate).await.expect(200);
    let kinds: Vec<&str> = told["items"].as_array().expect("items").iter().filter_map(|n| n["kind"].as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| k.starts_with("sla_")).count(), 2, "{kinds:?}");
}

/// Linking a ticket to a case: another family's case and a case that does not exist are
/// refused in the same words, so a family cannot probe for other families' cases; and a
/// family cannot learn of another family's ticket through its private notes either.
#[tokio::test]
async fn linking_and_private_notes_reveal_nothing_of_other_families() {
    let app = TestApp::sqlite();
    let fam = app.family_with_case("mum", "in_assessment").await;
    let other = app.family_with_case("other-mum", "in_assessment").await;
    let adv = scenario::advocate(&app, "adv", "Alex").await;
    let (_, ticket) = scenario::connect(&app, &fam.token, &fam.child, &adv).await;
    let link = format!("/v1/tickets/{ticket}/link-case");
    let theirs = app.post(&link, &fam.token, json!({"case_id": other.case})).await;
    let unknown = app.post(&link, &fam.token, json!({"case_id": uuid::Uuid::now_v7()})).await;
    assert_eq!((theirs.status, &theirs.json), (unknown.status, &unknown.json));
    assert_eq!(theirs.status.as_u16(), 409, "{}", theirs.json);
    // A stranger naming the ticket learns nothing, whatever case they name.
    let by_stranger = app.post(&link, &other.token, json!({"case_id": other.case})).await;
    let fresh = app
        .post(
            &format!("/v1/tickets/{}/link-case", uuid::Uuid::now_v7()),
            &other.token,
            json!({"case_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_eq!((by_stranger.status.as_u16(), &by_stranger.json), (404, &fresh.json));
    // Private notes: a family, on a real ticket or an unknown one, hears the same.
    let notes = |t: &str| format!("/v1/tickets/{t}/private-notes");
    let real = app.post(&notes(&ticket), &other.token, json!({"text": "x"})).await;
    let none = app.post(&notes(&uuid::Uuid::now_v7().to_string()), &other.token, json!({"text": "x"})).await;
    assert_eq!((real.status.as_u16(), &real.json), (404, &none.json));
    let own_family = app.post(&notes(&ticket), &fam.token, json!({"text": "x"})).await;
    assert_eq!((own_family.status.as_u16(), &own_family.json), (404, &none.json));
    app.post(&notes(&ticket), &adv.0, json!({"text": "Chase the LA"})).await.expect(201);
}
