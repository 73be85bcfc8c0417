//! The family journey every store must support end to end: account, child, case, key dates
//! with their statutory actions, status changes, notes, actions, and the refusals around them.
//! It runs on the SQLite store here and on the production adapters against an emulator.

use axum::http::Method;
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
    let retried = app.post("/v1/cases", &token, new_case).await;
    assert!(retried.replayed, "a retried create is marked as a replay");
    retried.expect(201);

    // Recording the request starts the LA's clocks.
    let page = app
        .post(
            &format!("/v1/cases/{case_id}/key-dates"),
            &token,
            json!({"kind": "request_received", "date": "2026-01-15"}),
        )
        .await
        .expect(200);
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
        .expect(200);
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

/// Evidence cannot be swapped: once a document is confirmed, its upload link can no longer
/// change what is downloaded or analysed; a deleted document cannot be brought back through its
/// link; what an upload link leaves behind expires. Runs on the local adapters and on S3.
/// Needs a served app (the signed URLs are called directly).
pub async fn evidence_cannot_be_swapped(app: &TestApp) -> Evidence {
    use axum::http::Method;
    use sha2::Digest;

    use crate::{http, signed_headers};
    let fam = app.family_with_case(&format!("parent-{}", uuid::Uuid::now_v7().simple()), "draft_ehcp_issued").await;
    let original =
        b"Section F: Special educational provision\nF1. Ada will have access to speech therapy as appropriate.\n"
            .to_vec();
    let swapped =
        b"Section F: Special educational provision\nF1. Ada will get 1:1 speech therapy weekly, forty minutes.\n"
            .to_vec();
    assert_eq!(original.len(), swapped.len(), "the same length, so only the content differs");
    let doc = app
        .post(
            "/v1/documents",
            &fam.token,
            json!({"child_id": fam.child, "title": "Draft EHCP", "category": "ehcp", "content_type": "text/plain", "size": original.len()}),
        )
        .await
        .expect(201);
    let id = doc["id"].as_str().expect("id").to_owned();
    let upload = doc["upload_url"].clone();
    let url = upload["url"].as_str().expect("url").to_owned();
    assert_eq!(http(Method::PUT, &url, &signed_headers(&upload), original.clone()).await.0, 200);
    let confirmed = app.post(&format!("/v1/documents/{id}/uploaded"), &fam.token, json!({})).await.expect(200);
    let sha = |b: &[u8]| sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(confirmed["sha256"], sha(&original).as_str());

    // Replaying the link: local storage refuses it (410, the slot is closed once confirmed);
    // S3 cannot revoke a presigned PUT, so there it lands in the upload slot only. Either way
    // the document keeps the bytes it was confirmed with, for download and for analysis.
    let replay = http(Method::PUT, &url, &signed_headers(&upload), swapped.clone()).await.0;
    assert!(replay == 410 || replay == 200, "replayed upload answered {replay}");
    let again = app.post(&format!("/v1/documents/{id}/uploaded"), &fam.token, json!({})).await.expect(200);
    assert_eq!(again["sha256"], sha(&original).as_str(), "a confirmed document is never re-measured");
    let got = app.get(&format!("/v1/documents/{id}"), &fam.token).await.expect(200);
    let download = &got["download_url"];
    let (status, body) =
        http(Method::GET, download["url"].as_str().expect("url"), &signed_headers(download), vec![]).await;
    assert_eq!((status, body), (200, original.clone()), "downloads serve the confirmed bytes");
    let analysis =
        app.post(&format!("/v1/documents/{id}/analyse"), &fam.token, json!({"case_id": fam.case})).await.expect(200);
    let excerpts: Vec<&str> =
        analysis["findings"].as_array().expect("findings").iter().filter_map(|f| f["excerpt"].as_str()).collect();
    assert!(
        excerpts.iter().any(|e| e.contains("access to speech therapy")),
        "the confirmed text was analysed: {excerpts:?}"
    );

    // Bytes changed behind the vault's back (in storage itself) are noticed: analysis refuses
    // them rather than flag a plan the family never confirmed.
    let blobs = app.state.blobs.clone().expect("blob storage");
    let key = format!("documents/{}/{}/{}", got["family_id"].as_str().expect("family"), fam.child, id);
    let slot = key.replacen("documents/", "uploads/", 1);
    // (Through another slot: the document's own is closed on local storage once confirmed.)
    let tampered = format!("{slot}-tampered");
    let put = blobs
        .presign_put(&tampered, "text/plain", swapped.len() as u64, std::time::Duration::from_secs(60))
        .await
        .expect("presign");
    assert_eq!(http(Method::PUT, &put.url, &put.headers, swapped.clone()).await.0, 200);
    blobs.promote(&tampered, &key).await.expect("promote").expect("uploaded");
    let refused =
        app.post(&format!("/v1/documents/{id}/analyse"), &fam.token, json!({"case_id": fam.case})).await.problem(409);
    assert!(refused["type"].as_str().is_some_and(|t| t.ends_with("evidence-mismatch")), "{refused}");

    // Deleted: every stored version goes; the old link cannot bring it back, and what it
    // leaves in the slot expires.
    app.call(Method::DELETE, &format!("/v1/documents/{id}"), Some(&fam.token), None).await.expect(204);
    assert!(blobs.head(&key).await.expect("head").is_none());
    let late = http(Method::PUT, &url, &signed_headers(&upload), swapped).await.0;
    app.post(&format!("/v1/documents/{id}/uploaded"), &fam.token, json!({})).await.problem(404);
    app.get(&format!("/v1/documents/{id}"), &fam.token).await.problem(404);
    assert!(blobs.head(&key).await.expect("head").is_none(), "the document stays deleted");
    match late {
        // Local storage refuses a link whose document is gone: nothing is written.
        410 => assert!(blobs.head(&slot).await.expect("head").is_none(), "no orphan in the slot"),
        // S3 cannot revoke a presigned PUT: the late upload waits in its slot until the bucket's
        // lifecycle rule removes it, and no document ever points at it.
        200 => assert!(blobs.head(&slot).await.expect("head").is_some(), "the late upload waits in its slot"),
        other => panic!("a late upload answered {other}"),
    }
    Evidence { key, slot }
}

/// Where [`evidence_cannot_be_swapped`] left things: the deleted document's key and the upload
/// slot its old link wrote to after deletion.
pub struct Evidence {
    pub key: String,
    pub slot: String,
}

/// What [`support_journey`] created.
pub struct Support {
    pub family_token: String,
    pub advocate_token: String,
    pub ticket_id: String,
    pub case_id: String,
}

/// The support journey every store must carry: an advocate's profile and the directory, a
/// family's request, accepting, messages, the checklist, private notes, history, the case link
/// and closing the case — with the refusals around each.
pub async fn support_journey(app: &TestApp) -> Support {
    let suffix = uuid::Uuid::now_v7().simple().to_string();
    let advocate = app.token(&format!("adv-{suffix}"), RoleClaim::Advocate);
    let rival = app.token(&format!("rival-{suffix}"), RoleClaim::Advocate);
    let profile = json!({
        "name": "Priya Shah", "organisation": "Leeds SEND Advocacy",
        "areas": ["Leeds City Council", "Wakefield"], "specialisms": ["ehcp", "tribunal"],
        "response_time_hours": 24, "accepting": true, "bio": "Former SENCO."
    });
    let me = app.call(Method::PUT, "/v1/advocates/me", Some(&advocate), Some(profile.clone())).await.expect(201);
    assert!(me.get("user").is_none(), "the sign-in identity is never shown: {me}");
    let advocate_id = me["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.call(Method::PUT, "/v1/advocates/me", Some(&advocate), Some(profile)).await.status,
        200,
        "same again"
    );
    let busy = json!({"name": "Rival", "areas": ["Leeds"], "accepting": false});
    let rival_id = app.call(Method::PUT, "/v1/advocates/me", Some(&rival), Some(busy)).await.expect(201)["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let fam = app.family_with_case(&format!("parent-{suffix}"), "in_assessment").await;
    // The directory: by area however it is written, by specialism; not-accepting advocates never.
    let found = app.get("/v1/advocates?area=leeds%20city", &fam.token).await.expect(200);
    let ids: Vec<&str> = found["items"].as_array().expect("items").iter().filter_map(|a| a["id"].as_str()).collect();
    assert!(ids.contains(&advocate_id.as_str()) && !ids.contains(&rival_id.as_str()), "{found}");
    let none = app.get("/v1/advocates?area=Leeds%20City%20Council&specialism=dla", &fam.token).await.expect(200);
    assert!(!none["items"].as_array().expect("items").iter().any(|a| a["id"] == advocate_id.as_str()));
    app.get("/v1/advocates?specialism=plumbing", &fam.token).await.problem(400);
    app.get(&format!("/v1/advocates/{advocate_id}"), &fam.token).await.expect(200);

    // Refused requests: a non-accepting advocate, another family's child, a bad type, too long.
    let request = |to: &str, child: &str, kind: &str, message: String| json!({"advocate_id": to, "child_id": child, "type": kind, "message": message});
    let p = app
        .post("/v1/support-requests", &fam.token, request(&rival_id, &fam.child, "ehcp", "Help".into()))
        .await
        .problem(409);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("not taking on")), "{p}");
    let stranger = app.family_with_case(&format!("other-{suffix}"), "in_assessment").await;
    app.post("/v1/support-requests", &fam.token, request(&advocate_id, &stranger.child, "ehcp", "Help".into()))
        .await
        .problem(404);
    app.post("/v1/support-requests", &fam.token, request(&advocate_id, &fam.child, "plumbing", "Help".into()))
        .await
        .problem(422);
    app.post("/v1/support-requests", &fam.token, request(&advocate_id, &fam.child, "ehcp", "x".repeat(20_001)))
        .await
        .problem(422);
    app.post("/v1/support-requests", &advocate, request(&advocate_id, &fam.child, "ehcp", "Help".into()))
        .await
        .problem(404);

    let ticket = app
        .post(
            "/v1/support-requests",
            &fam.token,
            request(&advocate_id, &fam.child, "ehcp", "The LA missed the 6-week deadline. What can we do?".into()),
        )
        .await
        .expect(201);
    let id = ticket["id"].as_str().expect("ticket id").to_owned();
    assert_eq!((ticket["status"].as_str(), ticket["connection_state"].as_str()), (Some("new"), Some("requested")));
    assert_eq!((ticket["type"].as_str(), ticket["sla"]["chip"].as_str()), (Some("ehcp"), Some("green")));
    assert_eq!(ticket["sla"]["window_hours"].as_f64(), Some(24.0));
    let kinds = |v: &Value| -> Vec<String> {
        v["items"].as_array().expect("items").iter().filter_map(|n| n["kind"].as_str().map(str::to_owned)).collect()
    };
    let told = app.get("/v1/notifications", &advocate).await.expect(200);
    assert!(kinds(&told).contains(&"support_requested".to_owned()), "{told}");

    // The advocate's queue; other advocates and the family cannot act on it.
    let queue = app.get("/v1/tickets", &advocate).await.expect(200);
    assert_eq!(queue["items"][0]["id"], id.as_str());
    assert_eq!(app.get("/v1/tickets", &rival).await.expect(200)["items"], json!([]));
    app.post(&format!("/v1/tickets/{id}/accept"), &rival, json!({})).await.problem(404);
    app.get(&format!("/v1/tickets/{id}"), &rival).await.problem(404);
    app.post(&format!("/v1/tickets/{id}/accept"), &fam.token, json!({})).await.problem(403);
    let accepted = app.post(&format!("/v1/tickets/{id}/accept"), &advocate, json!({})).await.expect(200);
    assert_eq!(
        (accepted["status"].as_str(), accepted["connection_state"].as_str()),
        (Some("in_progress"), Some("active"))
    );
    app.post(&format!("/v1/tickets/{id}/accept"), &advocate, json!({})).await.expect(200);
    app.post(&format!("/v1/tickets/{id}/decline"), &advocate, json!({"reason": "Busy"})).await.problem(409);
    assert!(
        kinds(&app.get("/v1/notifications", &fam.token).await.expect(200)).contains(&"request_accepted".to_owned())
    );

    // Work on the ticket.
    let path = |rest: &str| format!("/v1/tickets/{id}{rest}");
    app.patch(&path(""), &advocate, json!({"priority": "sometime"})).await.problem(422);
    app.patch(&path(""), &fam.token, json!({"priority": "high"})).await.problem(403);
    let patched = app.patch(&path(""), &advocate, json!({"priority": "high", "type": "tribunal"})).await.expect(200);
    assert_eq!((patched["priority"].as_str(), patched["type"].as_str()), (Some("high"), Some("tribunal")));
    assert_eq!(patched["history"].as_array().map(Vec::len), Some(4), "created, accepted, priority, type");
    assert!(
        patched["history"]
            .as_array()
            .expect("history")
            .iter()
            .all(|e| e["by"]["user"].is_string() && e["at"].is_string())
    );
    app.post(&path("/messages"), &advocate, json!({"text": "I will draft a letter before action."})).await.expect(201);
    let info = app
        .post(&path("/request-info"), &advocate, json!({"message": "Please upload the LA's letter."}))
        .await
        .expect(200);
    assert_eq!((info["status"].as_str(), info["sla"].is_null()), (Some("pending_family"), true));
    app.post(&path("/messages"), &fam.token, json!({"text": "x".repeat(20_001)})).await.problem(422);
    app.post(&path("/messages"), &fam.token, json!({"text": "Uploaded it to the vault."})).await.expect(201);
    let back = app.get(&path(""), &fam.token).await.expect(200);
    assert_eq!((back["status"].as_str(), back["sla"]["chip"].as_str()), (Some("in_progress"), Some("green")));
    let messages = app.get(&path("/messages"), &fam.token).await.expect(200);
    assert_eq!(messages["items"].as_array().map(Vec::len), Some(4));
    let item =
        app.post(&path("/checklist"), &advocate, json!({"text": "Draft letter before action"})).await.expect(201);
    let item_id = item["id"].as_str().expect("item").to_owned();
    app.post(&path("/checklist"), &fam.token, json!({"text": "Find the refusal letter"})).await.expect(201);
    let done = app.patch(&path(&format!("/checklist/{item_id}")), &fam.token, json!({"done": true})).await.expect(200);
    assert_eq!(done["done"], true);
    app.patch(&path(&format!("/checklist/{}", uuid::Uuid::now_v7())), &advocate, json!({"done": true}))
        .await
        .problem(404);

    // Private notes: the author's alone, through every endpoint.
    let secret = format!("PRIVATE-{suffix}: family may need a tribunal; check capacity");
    app.post(&path("/private-notes"), &advocate, json!({"text": secret})).await.expect(201);
    let mine = app.get(&path("/private-notes"), &advocate).await.expect(200);
    assert_eq!(mine["items"][0]["text"], secret.as_str());
    app.get(&path("/private-notes"), &fam.token).await.problem(404);
    app.get(&path("/private-notes"), &rival).await.problem(404);
    app.post(&path("/private-notes"), &fam.token, json!({"text": "sneaky"})).await.problem(404);
    for read in [
        path(""),
        path("/messages"),
        "/v1/tickets".into(),
        "/v1/notifications".into(),
        format!("/v1/cases/{}", fam.case),
    ] {
        let body = app.get(&read, &fam.token).await.expect(200).to_string();
        assert!(!body.contains(&secret), "{read} shows the private note");
    }

    // The case link; closing the case resolves the ticket, and reopening it does not.
    let other_family_case = stranger.case.clone();
    let p = app.post(&path("/link-case"), &advocate, json!({"case_id": other_family_case})).await.problem(409);
    assert_eq!(p["errors"][0]["field"], "case_id", "another family's case is never named");
    let linked = app.post(&path("/link-case"), &fam.token, json!({"case_id": fam.case})).await.expect(200);
    assert_eq!(linked["case_id"], fam.case.as_str());
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    assert_eq!(page["ticket"]["ticket_id"], id.as_str());
    app.post(&format!("/v1/cases/{}/close", fam.case), &fam.token, json!({"outcome": "resolved"})).await.expect(200);
    let resolved = app.get(&path(""), &advocate).await.expect(200);
    assert_eq!((resolved["status"].as_str(), resolved["sla"].is_null()), (Some("resolved"), true));
    assert!(
        kinds(&app.get("/v1/notifications", &fam.token).await.expect(200)).contains(&"support_completed".to_owned())
    );
    app.post(&format!("/v1/cases/{}/status", fam.case), &fam.token, json!({"status": "appeal_lodged"}))
        .await
        .expect(200);
    assert_eq!(app.get(&path(""), &advocate).await.expect(200)["status"], "resolved");
    assert_eq!(app.get("/v1/tickets?status=resolved", &advocate).await.expect(200)["items"][0]["id"], id.as_str());
    assert_eq!(app.get("/v1/tickets", &advocate).await.expect(200)["items"], json!([]), "off the open queue");
    app.get("/v1/tickets?status=someday", &advocate).await.problem(400);

    // Declined: the connection ends and its messages are read-only.
    let second = app
        .post(
            "/v1/support-requests",
            &stranger.token,
            request(&advocate_id, &stranger.child, "general", "Hello".into()),
        )
        .await
        .expect(201);
    let second_id = second["id"].as_str().expect("id").to_owned();
    let declined = app
        .post(&format!("/v1/tickets/{second_id}/decline"), &advocate, json!({"reason": "Outside my area"}))
        .await
        .expect(200);
    assert_eq!((declined["status"].as_str(), declined["connection_state"].as_str()), (Some("closed"), Some("ended")));
    app.post(&format!("/v1/tickets/{second_id}/decline"), &advocate, json!({"reason": "Outside my area"}))
        .await
        .expect(200);
    app.post(&format!("/v1/tickets/{second_id}/messages"), &stranger.token, json!({"text": "Please?"}))
        .await
        .problem(409);
    app.get(&format!("/v1/tickets/{second_id}/messages"), &stranger.token).await.expect(200);
    Support { family_token: fam.token, advocate_token: advocate, ticket_id: id, case_id: fam.case }
}

/// An advocate with a profile in the directory; answers (token, advocate id).
pub async fn advocate(app: &TestApp, user: &str, name: &str) -> (String, String) {
    let token = app.token(user, RoleClaim::Advocate);
    let body = json!({"name": name, "areas": ["Leeds"], "accepting": true});
    let me = app.call(Method::PUT, "/v1/advocates/me", Some(&token), Some(body)).await.expect(201);
    (token, me["id"].as_str().expect("advocate id").to_owned())
}

/// Asks `advocate` for help about `child` and has them accept; answers (connection, ticket).
pub async fn connect(app: &TestApp, family: &str, child: &str, advocate: &(String, String)) -> (String, String) {
    let ticket = app
        .post(
            "/v1/support-requests",
            family,
            json!({"advocate_id": advocate.1, "child_id": child, "type": "ehcp", "message": "Please help us"}),
        )
        .await
        .expect(201);
    let id = ticket["id"].as_str().expect("ticket").to_owned();
    app.post(&format!("/v1/tickets/{id}/accept"), &advocate.0, json!({})).await.expect(200);
    (ticket["connection_id"].as_str().expect("connection").to_owned(), id)
}

/// The access journey every store must carry (`docs/access.md`): grant → read → change level →
/// revoke → 404; "all" covering a child added later; the audit log of an advocate's reads;
/// ending support; a review; a handover that carries no access; an organisation assigning a
/// request.
pub async fn access_journey(app: &TestApp) {
    let suffix = uuid::Uuid::now_v7().simple().to_string();
    let fam = app.family_with_case(&format!("parent-{suffix}"), "in_assessment").await;
    let adv = advocate(app, &format!("adv-{suffix}"), "Priya").await;
    let (conn, ticket) = connect(app, &fam.token, &fam.child, &adv).await;
    let case = format!("/v1/cases/{}", fam.case);
    let grants = format!("/v1/connections/{conn}/grants");

    // Nothing until the family grants; then exactly what was granted.
    app.get(&case, &adv.0).await.problem(404);
    app.post(&grants, &adv.0, json!({"children": "all", "level": "view"})).await.problem(404);
    let view = app.post(&grants, &fam.token, json!({"children": [fam.child], "level": "view"})).await.expect(200);
    assert_eq!(view["grant"]["level"], "view");
    app.get(&case, &adv.0).await.expect(200);
    app.get(&format!("{case}/chronology"), &adv.0).await.expect(200);
    app.get(&format!("/v1/documents?child_id={}", fam.child), &adv.0).await.expect(200);
    let p = app.post(&format!("{case}/notes"), &adv.0, json!({"text": "Read the EP report"})).await.problem(403);
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("read-only")), "{p}");
    let told = app.get("/v1/notifications", &adv.0).await.expect(200);
    assert!(told["items"].as_array().expect("items").iter().any(|n| n["kind"] == "access_granted"), "{told}");

    // Collaborate: case work, never the family's own decisions.
    app.post(&grants, &fam.token, json!({"children": [fam.child], "level": "collaborate"})).await.expect(200);
    app.post(&format!("{case}/notes"), &adv.0, json!({"text": "Drafted the appeal"})).await.expect(201);
    app.post(&format!("{case}/status"), &adv.0, json!({"status": "appeal_lodged"})).await.expect(200);
    app.post(&format!("{case}/flags"), &adv.0, json!({"kind": "vague_language", "excerpt": "as appropriate"}))
        .await
        .problem(403);
    let doc = json!({"child_id": fam.child, "title": "Letter", "category": "correspondence", "content_type": "text/plain", "size": 10});
    app.post("/v1/documents", &adv.0, doc).await.problem(403);

    // The family sees who looked at what; nobody else sees the log.
    let log = app.get(&format!("/v1/audit?actor=adv-{suffix}"), &fam.token).await.expect(200);
    let actions: Vec<&str> =
        log["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"read_case") && actions.contains(&"add_note"), "{actions:?}");
    assert!(
        log["items"].as_array().expect("items").iter().all(|e| e["actor"]["user"] == format!("adv-{suffix}").as_str())
    );
    let body = log.to_string();
    assert!(!body.contains("Drafted the appeal"), "audit lines hold ids, never content");
    app.get("/v1/audit", &adv.0).await.problem(404);
    let newest = app.get(&format!("/v1/audit?limit=1&child_id={}", fam.child), &fam.token).await.expect(200);
    assert!(newest["next_cursor"].is_string());

    // Revoked: 404 on the very next request.
    app.call(Method::DELETE, &grants, Some(&fam.token), None).await.expect(200);
    app.get(&case, &adv.0).await.problem(404);
    app.post(&format!("{case}/notes"), &adv.0, json!({"text": "late"})).await.problem(404);

    // "all" covers a child added later.
    app.post(&grants, &fam.token, json!({"children": "all", "level": "view"})).await.expect(200);
    let later = app
        .post(
            "/v1/children",
            &fam.token,
            json!({"name": "Zoe", "date_of_birth": "2020-02-02", "local_authority": "Leeds"}),
        )
        .await
        .expect(201);
    let later = later["id"].as_str().expect("child").to_owned();
    app.get(&format!("/v1/cases?child_id={later}"), &adv.0).await.expect(200);
    let stranger = app.family_with_case(&format!("other-{suffix}"), "in_assessment").await;
    app.post(&grants, &fam.token, json!({"children": [stranger.child], "level": "view"})).await.problem(404);
    app.get(&format!("/v1/cases/{}", stranger.case), &adv.0).await.problem(404);

    // A review from a family that worked with them.
    let review = format!("/v1/advocates/{}/reviews", adv.1);
    app.post(&review, &fam.token, json!({"rating": 4, "text": "Calm and clear"})).await.expect(201);
    app.post(&review, &fam.token, json!({"rating": 5, "text": "Calm and clear"})).await.expect(201);
    app.post(&review, &stranger.token, json!({"rating": 1, "text": "?"})).await.problem(403);
    app.post(&review, &fam.token, json!({"rating": 9})).await.problem(422);
    let profile = app.get(&format!("/v1/advocates/{}", adv.1), &fam.token).await.expect(200);
    assert_eq!((profile["reviews"]["count"].as_u64(), profile["reviews"]["mean"].as_f64()), (Some(1), Some(5.0)));

    // A handover: the incoming advocate gets the history and summary, never the vault.
    let incoming = advocate(app, &format!("next-{suffix}"), "Sam").await;
    let handed = app
        .post(
            &format!("/v1/connections/{conn}/handover"),
            &adv.0,
            json!({"to_advocate_id": incoming.1, "summary": "Appeal lodged; hearing in March.", "reason": "capacity"}),
        )
        .await
        .expect(200);
    assert_eq!(handed["handover"]["to_advocate_id"], incoming.1.as_str());
    let theirs = app.get("/v1/tickets", &incoming.0).await.expect(200);
    let new_ticket = theirs["items"][0]["id"].as_str().expect("new ticket").to_owned();
    let accepted = app.post(&format!("/v1/tickets/{new_ticket}/accept"), &incoming.0, json!({})).await.expect(200);
    assert_eq!(accepted["replaces"], conn.as_str());
    app.get(&case, &adv.0).await.problem(404);
    app.get(&case, &incoming.0).await.problem(404);
    let old = app.get(&format!("/v1/tickets/{ticket}"), &incoming.0).await.expect(200);
    assert_eq!(
        (old["connection_state"].as_str(), old["handover"]["summary"].as_str()),
        (Some("ended"), Some("Appeal lodged; hearing in March."))
    );
    app.get(&format!("/v1/tickets/{ticket}/messages"), &incoming.0).await.expect(200);
    let connections = app.get("/v1/connections", &fam.token).await.expect(200);
    assert_eq!(connections["items"].as_array().map(Vec::len), Some(2));
    assert!(connections["items"].as_array().expect("items").iter().all(|c| c["grant"].is_null()), "{connections}");

    // Ending support: everything at once; the messages stay, read-only.
    let new_conn = accepted["connection_id"].as_str().expect("connection").to_owned();
    app.post(&format!("/v1/connections/{new_conn}/grants"), &fam.token, json!({"children": "all", "level": "view"}))
        .await
        .expect(200);
    app.get(&case, &incoming.0).await.expect(200);
    let ended =
        app.post(&format!("/v1/connections/{new_conn}/end"), &fam.token, json!({"note": "Thanks"})).await.expect(200);
    assert_eq!((ended["state"].as_str(), ended["grant"].is_null()), (Some("ended"), true));
    app.get(&case, &incoming.0).await.problem(404);
    app.post(&format!("/v1/tickets/{new_ticket}/messages"), &incoming.0, json!({"text": "Bye"})).await.problem(409);
    app.get(&format!("/v1/tickets/{new_ticket}/messages"), &fam.token).await.expect(200);
    app.post(&format!("/v1/connections/{new_conn}/grants"), &fam.token, json!({"children": "all", "level": "view"}))
        .await
        .problem(409);
    // A new request to the same advocate opens a fresh connection.
    let (fresh, _) = connect(app, &fam.token, &fam.child, &incoming).await;
    assert_ne!(fresh, new_conn);

    // An organisation: its admin assigns the request; the family is told; the admin never sees
    // the vault.
    let admin = app.token(&format!("admin-{suffix}"), RoleClaim::OrgAdmin);
    let org = uuid::Uuid::now_v7().to_string();
    let body = json!({"name": "Leeds SEND Advocacy", "areas": ["Leeds"], "accepting": true});
    app.call(Method::PUT, &format!("/v1/organisations/{org}"), Some(&adv.0), Some(body.clone())).await.problem(403);
    app.call(Method::PUT, &format!("/v1/organisations/{org}"), Some(&admin), Some(body)).await.expect(201);
    let member = advocate(app, &format!("member-{suffix}"), "Ola").await;
    let path = format!("/v1/organisations/{org}/members/{}", member.1);
    app.call(Method::PUT, &path, Some(&admin), Some(json!({"role": "advocate"}))).await.expect(201);
    app.call(Method::PUT, &path, Some(&member.0), Some(json!({"role": "admin"}))).await.problem(403);
    let listed = app.get("/v1/organisations?area=leeds", &fam.token).await.expect(200);
    assert!(listed["items"].as_array().expect("items").iter().any(|o| o["id"] == org.as_str()));
    let req = app
        .post(
            "/v1/support-requests",
            &fam.token,
            json!({"organisation_id": org, "child_id": fam.child, "type": "tribunal", "message": "Hearing soon"}),
        )
        .await
        .expect(201);
    assert!(req["advocate_id"].is_null());
    let org_ticket = req["id"].as_str().expect("ticket").to_owned();
    let queue = app.get("/v1/tickets", &admin).await.expect(200);
    assert_eq!(queue["items"][0]["id"], org_ticket.as_str());
    app.post(&format!("/v1/tickets/{org_ticket}/assign"), &member.0, json!({"advocate_id": member.1}))
        .await
        .problem(404);
    let assigned = app
        .post(&format!("/v1/tickets/{org_ticket}/assign"), &admin, json!({"advocate_id": member.1}))
        .await
        .expect(200);
    assert_eq!(assigned["advocate_id"], member.1.as_str());
    app.post(&format!("/v1/tickets/{org_ticket}/accept"), &member.0, json!({})).await.expect(200);
    let family_told = app.get("/v1/notifications", &fam.token).await.expect(200);
    assert!(family_told["items"].as_array().expect("items").iter().any(|n| n["kind"] == "advocate_assigned"));
    app.get(&case, &admin).await.problem(404);
    app.get(&format!("/v1/tickets/{org_ticket}/private-notes"), &admin).await.problem(404);
    app.post("/v1/support-requests", &fam.token, json!({"child_id": fam.child, "type": "ehcp", "message": "x"}))
        .await
        .problem(422);
}

/// A note command for case `case` of `child`, as a device sends it.
pub fn note_command(child: &str, case: &str, note_id: &str, text: &str) -> Value {
    json!({"case": {"child_id": child, "case_id": case, "command": {"type": "add_note", "note_id": note_id, "text": text}}})
}

/// One mutation of a push.
pub fn mutation(mid: u64, scope: &str, command: Value) -> Value {
    json!({"mid": mid, "scope": scope, "op": uuid::Uuid::now_v7(), "command": command})
}

/// The sync protocol every store must carry (`docs/sync.md`): exactly-once pushes answered from
/// receipts, refusals recorded as done, whole-push refusals that apply nothing, a first
/// download and an incremental pull, forged cursors, and revocation scope by scope.
pub async fn sync_protocol(app: &TestApp) {
    let suffix = uuid::Uuid::now_v7().simple().to_string();
    let fam = app.family_with_case(&format!("parent-{suffix}"), "in_assessment").await;
    let child_scope = format!("child:{}", fam.child);
    let client = uuid::Uuid::new_v4().to_string();
    let push = |mutations: Vec<Value>| json!({"client_id": client, "schema": 1, "mutations": mutations});
    let note = |n: u64| note_command(&fam.child, &fam.case, &uuid::Uuid::now_v7().to_string(), &format!("Note {n}"));

    // Two notes; the same push again (a lost answer) applies nothing twice.
    let first = push(vec![mutation(1, &child_scope, note(1)), mutation(2, &child_scope, note(2))]);
    let done = app.post("/v1/sync/push", &fam.token, first.clone()).await.expect(200);
    assert_eq!(done["lmid"], 2);
    assert_eq!(done["outcomes"][1]["outcome"], "applied");
    let again = app.post("/v1/sync/push", &fam.token, first).await.expect(200);
    assert_eq!((again["lmid"].as_u64(), again["outcomes"][0]["outcome"].as_str()), (Some(2), Some("applied")));
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    let notes = page["notes"].as_array().expect("notes").len();
    assert_eq!(notes, 2, "{page}");

    // A refused mutation is done (its refusal is its answer), and the next one still runs.
    let stranger = app.family_with_case(&format!("other-{suffix}"), "in_assessment").await;
    let theirs = note_command(&stranger.child, &stranger.case, &uuid::Uuid::now_v7().to_string(), "x");
    let mixed = push(vec![
        mutation(3, &format!("child:{}", stranger.child), theirs),
        mutation(4, &child_scope, note(4)),
        mutation(5, &format!("child:{}", stranger.child), note(5)),
    ]);
    let done = app.post("/v1/sync/push", &fam.token, mixed).await.expect(200);
    assert_eq!(done["outcomes"][0]["outcome"], "rejected");
    assert_eq!(done["outcomes"][0]["reason"]["status"], 404, "another family's child is never revealed");
    assert_eq!(done["outcomes"][1]["outcome"], "applied");
    assert_eq!(done["outcomes"][2]["reason"]["status"], 409, "the scope must be the command's: {done}");
    assert_eq!(done["lmid"], 5);
    let theirs_page = app.get(&format!("/v1/cases/{}", stranger.case), &stranger.token).await.expect(200);
    assert_eq!(theirs_page["notes"].as_array().map(Vec::len), Some(0));

    // Whole pushes refused, nothing applied: a gap, a foreign device, a malformed or
    // future-schema payload, an oversized batch.
    let gap = app.post("/v1/sync/push", &fam.token, push(vec![mutation(7, &child_scope, note(7))])).await.problem(409);
    assert!(gap["errors"][0]["message"].as_str().unwrap_or("").contains("next mutation is 6"), "{gap}");
    let other_token = stranger.token.clone();
    app.post("/v1/sync/push", &other_token, push(vec![mutation(6, &child_scope, note(6))])).await.problem(403);
    let malformed = push(vec![mutation(6, &child_scope, json!({"case": {"child_id": fam.child}}))]);
    app.post("/v1/sync/push", &fam.token, malformed).await.problem(422);
    // Well-formed JSON of the wrong shape is a 422 even where serde calls it a syntax error.
    app.post("/v1/sync/push", &fam.token, push(vec![mutation(6, &child_scope, json!({}))])).await.problem(422);
    let mut future = push(vec![mutation(6, &child_scope, note(6))]);
    future["schema"] = json!(2);
    app.post("/v1/sync/push", &fam.token, future).await.problem(422);
    let many: Vec<Value> = (6..=506).map(|m| mutation(m, &child_scope, note(m))).collect();
    app.post("/v1/sync/push", &fam.token, push(many)).await.problem(422);
    let page = app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
    assert_eq!(page["notes"].as_array().map(Vec::len), Some(3), "nothing of a refused push applied");

    // Pull: the scopes, a first download, then only what changed.
    let scopes = app.get("/v1/sync/scopes", &fam.token).await.expect(200);
    let listed: Vec<&str> = scopes["scopes"].as_array().unwrap().iter().filter_map(|s| s["scope"].as_str()).collect();
    assert!(listed.contains(&child_scope.as_str()), "{scopes}");
    let pull = |epoch: u64, seq: u64| json!({"client_id": client, "schema": 1, "scopes": [{"scope": child_scope, "epoch": epoch, "seq": seq}]});
    let all = app.post("/v1/sync/pull", &fam.token, pull(0, 0)).await.expect(200);
    assert_eq!(all["lmid"], 5);
    let answer = &all["scopes"][0];
    assert_eq!(answer["state"], "changes");
    let upserts = answer["upserts"].as_array().unwrap();
    let notes = upserts.iter().filter(|u| u["record"]["type"] == "note").count();
    assert_eq!(notes, 3, "{answer}");
    let (epoch, seq) = (answer["to"]["epoch"].as_u64().unwrap(), answer["to"]["seq"].as_u64().unwrap());
    let nothing = app.post("/v1/sync/pull", &fam.token, pull(epoch, seq)).await.expect(200);
    assert_eq!(nothing["scopes"][0]["upserts"].as_array().map(Vec::len), Some(0));
    app.post(&format!("/v1/cases/{}/notes", fam.case), &fam.token, json!({"text": "Added on the web"}))
        .await
        .expect(201);
    let later = app.post("/v1/sync/pull", &fam.token, pull(epoch, seq)).await.expect(200);
    let changed = later["scopes"][0]["upserts"].as_array().unwrap();
    assert!(changed.iter().any(|u| u["record"]["text"] == "Added on the web"), "{later}");
    assert!(later["scopes"][0]["to"]["seq"].as_u64().unwrap() > seq);

    // Forged cursors and scopes are refused; another family's scope reads as revoked.
    app.post("/v1/sync/pull", &fam.token, pull(epoch, seq + 1000)).await.problem(409);
    app.post("/v1/sync/pull", &fam.token, pull(epoch + 5, 1)).await.problem(409);
    let bad = json!({"client_id": client, "schema": 1, "scopes": [{"scope": "nonsense", "epoch": 1, "seq": 0}]});
    app.post("/v1/sync/pull", &fam.token, bad).await.problem(422);
    let foreign = json!({"client_id": uuid::Uuid::new_v4(), "schema": 1,
        "scopes": [{"scope": child_scope, "epoch": 1, "seq": 0}]});
    let refused = app.post("/v1/sync/pull", &stranger.token, foreign).await.expect(200);
    assert_eq!(refused["scopes"][0]["state"], "revoked");
    app.post("/v1/sync/pull", &stranger.token, pull(0, 0)).await.problem(403);
}

/// The child's timeline end to end: a phone call with a broken promise becomes an overdue
/// action on the case, the scanner raises it, keeping it completes the action, the chronology
/// shows it in words, and bad input changes nothing. Runs on every store.
pub async fn timeline_journey(app: &TestApp) {
    let user = format!("parent-{}", uuid::Uuid::now_v7().simple());
    let f = app.family_with_case(&user, "in_assessment").await;
    let (token, child, case) = (&f.token, &f.child, &f.case);
    let timeline = format!("/v1/children/{child}/timeline");
    // Today is 20 January 2026: the draft promised by Friday 16 January has not come.
    let call = json!({
        "kind": "interaction", "date": "2026-01-12", "time": "14:05", "case_id": case,
        "channel": "phone_call", "direction": "incoming", "contact_name": "Sam Patel",
        "contact_organisation": "Leeds SEN team", "contact_role": "EHC caseworker",
        "summary": "Rang to say the assessment is nearly done.",
        "commitments": [{"text": "I will get the draft plan out to you by Friday", "by": "la", "due": "2026-01-16"}]
    });
    let entry = app.post(&timeline, token, call.clone()).await.expect(201);
    let eid = entry["id"].as_str().expect("entry id").to_owned();
    let cid = entry["commitments"][0]["id"].as_str().expect("commitment id").to_owned();
    assert_eq!(entry["details"]["kind"], "interaction");
    assert_eq!(entry["time"], "14:05");
    let page = app.get(&format!("/v1/cases/{case}"), token).await.expect(200);
    let promise = page["actions"].as_array().expect("actions").iter().find(|a| a["origin"] == "commitment").cloned();
    let promise = promise.expect("the promise is an action on the case");
    assert_eq!((promise["responsible"].as_str(), promise["overdue"].as_bool()), (Some("la"), Some(true)), "{promise}");
    assert_eq!(promise["source"]["entry_id"], eid.as_str());

    // The scanner marks it overdue like any other action.
    senvault_functions::scanner::scan(&app.state.service, crate::default_now()).await.expect("scan");
    let notifications = app.get("/v1/notifications", token).await.expect(200);
    let overdue = notifications["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|n| n["kind"] == "overdue" && n["action_id"] == promise["id"]);
    assert!(overdue, "{notifications}");

    // An appointment whose report is late, and an event left out of the chronology.
    let visit = json!({"kind": "appointment", "date": "2025-11-03", "case_id": case, "professional_name": "Dr Rivers",
        "professional_role": "educational_psychologist", "purpose": "assessment", "location": "School",
        "report_expected_by": "2025-12-01"});
    app.post(&timeline, token, visit).await.expect(201);
    let hidden = json!({"kind": "event", "date": "2026-01-05", "title": "A hard week", "category": "incident",
        "include_in_timeline": false});
    app.post(&timeline, token, hidden).await.expect(201);

    // Newest first; hidden entries only when asked; filters by kind and case.
    let list = app.get(&timeline, token).await.expect(200);
    let dates: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|e| e["date"].as_str()).collect();
    assert_eq!(dates, vec!["2026-01-12", "2025-11-03"]);
    let all = app.get(&format!("{timeline}?include_hidden=true&limit=1"), token).await.expect(200);
    assert_eq!(all["items"].as_array().map(Vec::len), Some(1));
    let cursor = all["next_cursor"].as_str().expect("a second page").to_owned();
    let second = app.get(&format!("{timeline}?include_hidden=true&limit=5&cursor={cursor}"), token).await.expect(200);
    assert_eq!(second["items"].as_array().map(Vec::len), Some(2));
    let only = app
        .get(&format!("{timeline}?kind=appointment&case_id={case}&from=2025-01-01&to=2025-12-31"), token)
        .await
        .expect(200);
    assert_eq!(only["items"].as_array().map(Vec::len), Some(1));

    // Kept four days late: the action is done and the chronology says so.
    let kept = app
        .post(&format!("{timeline}/{eid}/commitments/{cid}/kept"), token, json!({"on": "2026-01-20"}))
        .await
        .expect(200);
    assert_eq!(kept["commitments"][0]["kept_on"], "2026-01-20");
    let action = app
        .get(&format!("/v1/cases/{case}/actions/{}", promise["id"].as_str().unwrap_or_default()), token)
        .await
        .expect(200);
    assert_eq!(action["state"], "done");
    let chronology = app.get(&format!("/v1/cases/{case}/chronology"), token).await.expect(200);
    let rows = chronology["entries"].as_array().expect("rows");
    let row = rows.iter().find(|r| r["entry_id"] == eid.as_str()).expect("the call is in the chronology");
    assert_eq!(row["promises"][0]["keeping_text"], "kept 4 days late");
    assert_eq!(row["promises"][0]["by"], "the local authority");
    let report = rows.iter().find(|r| r["kind"] == "appointment").expect("the EP visit");
    assert_eq!(report["promises"][0]["keeping_text"], "not kept (overdue 50 days)");
    assert!(rows.iter().all(|r| r["title"] != "Incident: A hard week"), "hidden entries stay out");
    assert_eq!(chronology["child"]["name"], "Noah");
    assert!(rows.iter().enumerate().all(|(i, r)| r["row"] == i + 1));
    let only = app.get(&format!("/v1/cases/{case}/chronology?include=timeline"), token).await.expect(200);
    assert_eq!(only["entries"].as_array().map(Vec::len), Some(2));
    app.get(&format!("/v1/cases/{case}/chronology?include=gossip"), token).await.problem(422);

    // The history keeps what an edit replaced.
    app.patch(&format!("{timeline}/{eid}"), token, json!({"summary": "Rang about the assessment."})).await.expect(200);
    let view = app.get(&format!("{timeline}/{eid}"), token).await.expect(200);
    let history = view["history"].as_array().expect("history");
    assert!(
        history.iter().any(|h| h["change"] == "edit_timeline_entry"
            && h["previous"]["details"]["summary"] == "Rang to say the assessment is nearly done."),
        "{view}"
    );

    // Bad input: a clear problem, nothing changed.
    let before = app.get(&format!("{timeline}?include_hidden=true&limit=200"), token).await.expect(200);
    let mut too_many = call.clone();
    too_many["commitments"] =
        json!((0..21).map(|i| json!({"text": format!("p{i}"), "by": "school"})).collect::<Vec<_>>());
    let mut early = call.clone();
    early["commitments"][0]["due"] = json!("2026-01-02");
    let mut other_case = call.clone();
    other_case["case_id"] = json!(uuid::Uuid::now_v7().to_string());
    let mut long = call.clone();
    long["summary"] = json!("x".repeat(20_001));
    for (body, status, field) in [
        (json!({"kind": "chat", "date": "2026-01-12"}), 422, ""),
        (
            {
                let mut b = call.clone();
                b["date"] = json!("2026-02-30");
                b
            },
            422,
            "",
        ),
        (too_many, 422, "commitments"),
        (long, 422, "summary"),
        (early, 409, "commitments[0].due"),
        (other_case, 409, "case_id"),
    ] {
        let problem = app.post(&timeline, token, body).await.problem(status);
        if !field.is_empty() {
            assert!(problem["errors"].as_array().is_some_and(|e| e.iter().any(|e| e["field"] == field)), "{problem}");
        }
    }
    let after = app.get(&format!("{timeline}?include_hidden=true&limit=200"), token).await.expect(200);
    assert_eq!(before["items"], after["items"]);

    // Deleting withdraws nothing done: the kept promise's action stays, marked.
    let resp = app.call(Method::DELETE, &format!("{timeline}/{eid}"), Some(token), None).await;
    assert_eq!(resp.status.as_u16(), 204);
    let action = app
        .get(&format!("/v1/cases/{case}/actions/{}", promise["id"].as_str().unwrap_or_default()), token)
        .await
        .expect(200);
    assert_eq!(action["source"]["entry_deleted"], true);
    app.get(&format!("{timeline}/{eid}"), token).await.problem(404);
}
