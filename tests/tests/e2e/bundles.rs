//! Evidence bundles end to end, on SQLite with local files and on DynamoDB with S3 (moto): the
//! checks a family sees before building, the refusals, a build compiled in the background and
//! downloaded, and who may do what.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use senvault_functions::clock::Clock;
use senvault_tests::{FamilyFixture, TestApp, aws, fixtures, http};
use serde_json::{Value, json};

async fn upload(app: &TestApp, f: &FamilyFixture, title: &str, content_type: &str, bytes: Vec<u8>) -> String {
    app.upload_document(&f.token, &f.child, title, content_type, bytes).await
}

/// Polls a build until it is finished.
async fn finished(app: &TestApp, token: &str, location: &str) -> Value {
    for _ in 0..300 {
        let b = app.get(location, token).await.expect(200);
        if b["state"] == "ready" || b["state"] == "failed" {
            return b;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the build did not finish");
}

async fn journey(app: &TestApp) {
    app.serve().await;
    let f = app.family_with_case("mum", "appeal_lodged").await;
    let jpeg = include_bytes!("../../../bundle/tests/fixtures/photo-of-a-letter.jpg").to_vec();
    let decision = upload(
        app,
        &f,
        "Decision not to amend Section F",
        "application/pdf",
        senvault_bundle::sample_pdf("Decision", 2),
    )
    .await;
    let plan = upload(app, &f, "Final EHC plan", "application/pdf", senvault_bundle::sample_pdf("Plan", 12)).await;
    let ep =
        upload(app, &f, "Educational psychologist report", "application/pdf", senvault_bundle::sample_pdf("EP", 16))
            .await;
    let letter = upload(app, &f, "Letter from school", "image/jpeg", jpeg).await;
    let statement = upload(
        app,
        &f,
        "Mother's statement",
        "text/plain",
        b"Statement of Ada's mother\n\n1. Ada has not been to school since May.".to_vec(),
    )
    .await;
    let heic = upload(app, &f, "Photo (HEIC)", "image/heic", b"\0\0\0\x18ftypheic".to_vec()).await;
    let locked = upload(app, &f, "Protected report", "application/pdf", fixtures::pdf_with_password()).await;

    // Counted when confirmed.
    let doc = app.get(&format!("/v1/documents/{ep}"), &f.token).await.expect(200);
    assert_eq!(doc["pages"], 16);
    assert_eq!(app.get(&format!("/v1/documents/{letter}"), &f.token).await.expect(200)["pages"], 1);
    assert_eq!(app.get(&format!("/v1/documents/{locked}"), &f.token).await.expect(200)["unusable"], "encrypted");
    app.patch(
        &format!("/v1/documents/{ep}"),
        &f.token,
        json!({"evidence_kind": "expert_report", "document_date": "2022-03-01", "author": "Dr A Example"}),
    )
    .await
    .expect(200);
    app.patch(&format!("/v1/documents/{plan}"), &f.token, json!({"document_date": "2025-11-01"})).await.expect(200);

    let bundles = format!("/v1/children/{}/bundles", f.child);
    let created = app
        .post(&bundles, &f.token, json!({"title": "Appeal against Sections B and F", "purpose": "tribunal", "appeal_type": "contents",
            "case_id": f.case, "appeal_reference": "EH123/26/00001", "hearing_date": "2026-06-10", "final_evidence_date": "2026-05-01"}))
        .await
        .expect(201);
    let bundle = format!("{bundles}/{}", created["id"].as_str().unwrap());
    let items = format!("{bundle}/items");
    // An empty bundle is not built.
    app.post(&format!("{bundle}/builds"), &f.token, json!({})).await.problem(409);

    // Files the bundle cannot take are named by the checks, and the build is refused.
    let all = json!({"items": [
        {"document_id": decision, "section": "core"}, {"document_id": plan, "section": "plan"},
        {"document_id": ep, "section": "family_evidence"}, {"document_id": letter, "section": "family_evidence"},
        {"document_id": statement, "section": "family_evidence"}, {"document_id": heic, "section": "family_evidence"},
        {"document_id": locked, "section": "family_evidence"}]});
    let view = app.call(Method::PUT, &items, Some(&f.token), Some(all)).await.expect(200);
    let rules: Vec<&str> = view["checks"].as_array().unwrap().iter().map(|c| c["rule_id"].as_str().unwrap()).collect();
    assert_eq!(rules.iter().filter(|r| **r == "BN07").count(), 2, "{rules:?}");
    assert!(rules.contains(&"BN03") && rules.contains(&"BN05"), "the EP report is long and old: {rules:?}");
    let refused = app.post(&format!("{bundle}/builds"), &f.token, json!({})).await.problem(409);
    assert!(refused["detail"].as_str().unwrap_or_default().contains("HEIC") || refused.to_string().contains("HEIC"));

    // Bad items: another child's document, a section a tribunal bundle has not. Nothing changes.
    let stranger = app.family_with_case("someone-else", "in_assessment").await;
    let theirs =
        app.upload_document(&stranger.token, &stranger.child, "Theirs", "text/plain", b"not yours".to_vec()).await;
    let bad = json!({"items": [{"document_id": theirs, "section": "core"}, {"document_id": plan, "section": "other"}]});
    let p = app.call(Method::PUT, &items, Some(&f.token), Some(bad)).await.problem(409);
    assert_eq!(p["errors"][0]["field"], "items[0].document_id");
    assert_eq!(p["errors"][1]["field"], "items[1].section");
    assert_eq!(app.get(&bundle, &f.token).await.expect(200)["items"].as_array().unwrap().len(), 7);

    let good = json!({"items": [
        {"document_id": ep, "section": "family_evidence"}, {"document_id": decision, "section": "core"},
        {"document_id": plan, "section": "plan"}, {"document_id": letter, "section": "family_evidence"},
        {"document_id": statement, "section": "family_evidence"}]});
    let view = app.call(Method::PUT, &items, Some(&f.token), Some(good)).await.expect(200);
    // Core (A) first: cover 1, index 2, divider 3, decision 4-5, divider 6, plan 7-18, divider
    // 19, then the evidence oldest first (the EP report is dated, the others are not).
    let sections = view["sections"].as_array().unwrap();
    assert_eq!(sections[0]["items"][0]["start_page"], 4);
    assert_eq!(sections[1]["items"][0]["start_page"], 7);
    assert_eq!(sections[2]["divider_page"], 19);
    assert_eq!(sections[2]["items"][0]["exhibit"], "D1");
    assert_eq!(sections[2]["items"][0]["document_id"], ep.as_str());
    let meter = view["meters"].as_array().unwrap().iter().find(|m| m["section"] == "family_evidence").unwrap().clone();
    assert_eq!((meter["pages"].as_u64(), meter["limit"].as_u64()), (Some(18), Some(100)));
    let before_generated = view["pages_before_generated"].as_u64().unwrap();
    assert_eq!(before_generated, 37);

    // The build: 202, then ready in the background, with a download.
    let res = app.post(&format!("{bundle}/builds"), &f.token, json!({})).await;
    let accepted = res.expect(202);
    assert_eq!(accepted["state"], "queued");
    assert_eq!(accepted["version"], 1);
    let location = format!("{bundle}/builds/{}", accepted["id"].as_str().unwrap());
    let build = finished(app, &f.token, &location).await;
    assert_eq!(build["state"], "ready", "{build}");
    let pages = build["pages"].as_u64().unwrap();
    // The generated exhibits follow: a divider and the chronology and contact record (a page each here).
    assert_eq!(pages, before_generated + 3);
    let (status, pdf) = http(Method::GET, build["download_url"]["url"].as_str().unwrap(), &[], vec![]).await;
    assert_eq!(status, 200);
    let parsed = lopdf::Document::load_mem(&pdf).expect("a PDF");
    assert_eq!(parsed.get_pages().len() as u64, pages);
    {
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(&pdf).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(build["sha256"].as_str(), Some(hash.as_str()));
    }
    if let Ok(dir) = std::env::var("SENVAULT_BUNDLE_OUT") {
        std::fs::write(format!("{dir}/bundle.pdf"), &pdf).expect("write the bundle");
        std::fs::write(format!("{dir}/bundle.json"), view.to_string()).expect("write its plan");
    }
    // A second build is version 2; the first stays as it was.
    let second = app.post(&format!("{bundle}/builds"), &f.token, json!({})).await.expect(202);
    assert_eq!(second["version"], 2);
    let second = finished(app, &f.token, &format!("{bundle}/builds/{}", second["id"].as_str().unwrap())).await;
    assert_eq!(second["state"], "ready");
    let listed = app.get(&format!("{bundle}/builds"), &f.token).await.expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    // Who may do what: a viewing advocate reads, never changes; a stranger sees nothing.
    app.grant("adv", &f.child, senvault_domain::MemberRole::Reader).await;
    let adv = app.token("adv", senvault_domain::RoleClaim::Advocate);
    app.get(&bundle, &adv).await.expect(200);
    app.post(&format!("{bundle}/builds"), &adv, json!({})).await.problem(403);
    app.get(&bundle, &stranger.token).await.problem(404);
    app.call(Method::DELETE, &bundle, Some(&stranger.token), None).await.problem(404);

    sharing(app, &f, &bundle, &location).await;

    // Deleting the bundle deletes its PDFs.
    let res = app.call(Method::DELETE, &bundle, Some(&f.token), None).await;
    assert_eq!(res.status.as_u16(), 204);
    app.get(&bundle, &f.token).await.problem(404);
    let (status, _) = http(Method::GET, build["download_url"]["url"].as_str().unwrap(), &[], vec![]).await;
    assert_ne!(status, 200, "the PDF is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bundles_work_on_sqlite() {
    journey(&TestApp::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bundles_work_on_dynamodb_and_s3() {
    let (Some(store), Some(blobs)) = (aws::dynamo().await, aws::s3().await) else { return };
    journey(&TestApp::with_store_and_blobs(Arc::new(store), Arc::new(blobs))).await;
}

/// Sharing with a connection's advocate (the bundle and its builds, nothing else, while the
/// connection lasts) and by link (no sign-in; 1 to 30 days; revocable; every use audited).
async fn sharing(app: &TestApp, f: &FamilyFixture, bundle: &str, build: &str) {
    let adv = app.token("bundle-adv", senvault_domain::RoleClaim::Advocate);
    let profile = json!({"name": "Sam", "areas": ["Leeds"], "accepting": true});
    let me = app.call(Method::PUT, "/v1/advocates/me", Some(&adv), Some(profile)).await.expect(201);
    let request =
        json!({"advocate_id": me["id"], "child_id": f.child, "type": "tribunal", "message": "Please read our bundle"});
    let ticket = app.post("/v1/support-requests", &f.token, request).await.expect(201);
    let connection = ticket["connection_id"].as_str().unwrap().to_owned();
    let share = json!({"connection_id": connection});
    // Not yet taken on: refused; then shared.
    app.post(&format!("{bundle}/share"), &f.token, share.clone()).await.problem(409);
    app.post(&format!("/v1/tickets/{}/accept", ticket["id"].as_str().unwrap()), &adv, json!({})).await.expect(200);
    app.get(bundle, &adv).await.problem(404);
    let shared = app.post(&format!("{bundle}/share"), &f.token, share.clone()).await.expect(200);
    assert_eq!(shared["shared_with"], json!([connection]));
    // The advocate reads the bundle and downloads its build; nothing else of the vault.
    app.get(bundle, &adv).await.expect(200);
    let got = app.get(build, &adv).await.expect(200);
    let (status, _) = http(Method::GET, got["download_url"]["url"].as_str().unwrap(), &[], vec![]).await;
    assert_eq!(status, 200);
    app.get(&format!("/v1/cases/{}", f.case), &adv).await.problem(404);
    app.get(&format!("/v1/children/{}", f.child), &adv).await.problem(404);
    app.post(&format!("{bundle}/builds"), &adv, json!({})).await.problem(404);
    let audit = app.get(&format!("/v1/audit?child_id={}", f.child), &f.token).await.expect(200);
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"download_bundle_build"), "the advocate's download is audited: {actions:?}");
    // Unshared, or the support ended: gone at once; an ended connection cannot be shared with.
    let res = app.call(Method::DELETE, &format!("{bundle}/share/{connection}"), Some(&f.token), None).await;
    assert_eq!(res.status.as_u16(), 204);
    app.get(bundle, &adv).await.problem(404);
    app.post(&format!("{bundle}/share"), &f.token, share.clone()).await.expect(200);
    app.post(&format!("/v1/connections/{connection}/end"), &f.token, json!({})).await.expect(200);
    app.get(bundle, &adv).await.problem(404);
    app.get(build, &adv).await.problem(404);
    let p = app
        .post(&format!("{bundle}/share"), &f.token, json!({"connection_id": uuid::Uuid::now_v7()}))
        .await
        .problem(409);
    assert_eq!(p["errors"][0]["field"], "connection_id");

    // A link: 1 to 30 days; opened with no sign-in; revoked, expired and unknown look the same.
    let links = format!("{bundle}/links");
    for days in [0, 31] {
        app.post(&links, &f.token, json!({"expires_in_days": days})).await.problem(422);
    }
    let link = app.post(&links, &f.token, json!({"expires_in_days": 7})).await.expect(201);
    let token = link["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 64);
    let url = link["url"].as_str().unwrap().to_owned();
    let open = app.call(Method::GET, &url, None, None).await.expect(200);
    assert_eq!(open["title"], "Appeal against Sections B and F");
    assert_eq!(open["build"]["version"], 2, "the latest ready build");
    assert!(
        open.get("items").is_none() && open["build"].get("requested_by").is_none(),
        "the title and the download, nothing else"
    );
    let (status, pdf) = http(Method::GET, open["build"]["download_url"]["url"].as_str().unwrap(), &[], vec![]).await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    let listed = app.get(&links, &f.token).await.expect(200);
    assert_eq!(listed["items"][0]["open"], true);
    assert!(
        listed["items"][0].get("token").is_none() && !listed.to_string().contains(&token),
        "the token is shown once"
    );
    let audit = app.get(&format!("/v1/audit?child_id={}", f.child), &f.token).await.expect(200);
    assert!(audit.to_string().contains("open_shared_link"), "every use of a link is audited");
    app.get(&links, &adv).await.problem(404);
    let unknown = format!("/v1/shared/{}", "0".repeat(64));
    let unknown_body = app.call(Method::GET, &unknown, None, None).await.problem(404);
    app.call(Method::GET, "/v1/shared/not-a-token", None, None).await.problem(404);
    let res =
        app.call(Method::DELETE, &format!("{links}/{}", link["id"].as_str().unwrap()), Some(&f.token), None).await;
    assert_eq!(res.status.as_u16(), 204);
    let revoked_body = app.call(Method::GET, &url, None, None).await.problem(404);
    assert_eq!(revoked_body, unknown_body, "revoked and unknown look the same");
    let short = app.post(&links, &f.token, json!({"expires_in_days": 1})).await.expect(201);
    let url = short["url"].as_str().unwrap().to_owned();
    app.call(Method::GET, &url, None, None).await.expect(200);
    app.clock.set(app.clock.now() + chrono::Duration::days(2));
    assert_eq!(app.call(Method::GET, &url, None, None).await.problem(404), unknown_body, "expired looks the same");
    app.clock.set(app.clock.now() - chrono::Duration::days(2));
}
