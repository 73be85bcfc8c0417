//! Account deletion, proved by looking everywhere (README, "Your data: deletion"): a family with
//! two children, cases, a timeline, documents with several stored versions, an analysis, a
//! bundle with a link, a support relationship with messages, private notes and a review, a
//! grant, a synced phone and an export is deleted — with a crash half-way, then a retry — and
//! then every SQLite row and file byte (or every DynamoDB item and S3 object version on moto),
//! inside archives too, is searched for any id of that family. Another family and the advocate
//! keep everything of their own.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use chrono::Utc;
use senvault_mobile::VaultClient;
use senvault_tests::erasure_scan::{Needles, scan_dir, scan_dynamodb, scan_s3, scan_sqlite_files, scan_sqlite_rows};
use senvault_tests::faults::FailingStore;
use senvault_tests::mobile::{InProcess, StaticAuth, TestKeys};
use senvault_tests::{TestApp, aws, fixtures, scenario};
use serde_json::{Value, json};

/// Where the data of a run lives, to be searched afterwards.
enum Kept {
    Files { dir: PathBuf },
    Aws { table: String, bucket: String },
}

struct World {
    rt: Arc<tokio::runtime::Runtime>,
    app: TestApp,
    failing: Arc<FailingStore>,
    kept: Kept,
}

fn runtime() -> Arc<tokio::runtime::Runtime> {
    Arc::new(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime"))
}

async fn wait_ready(app: &TestApp, token: &str, path: &str) -> Value {
    for _ in 0..400 {
        let v = app.get(path, token).await.expect(200);
        if v["state"] == "ready" || v["state"] == "failed" {
            assert_eq!(v["state"], "ready", "{v}");
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} did not finish");
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// Everything of the family's, through the API, with `adv` supporting them; answers the
/// family's token and the ids that must all go.
async fn family_with_everything(app: &TestApp, user: &str, adv: &(String, String)) -> (String, Vec<String>) {
    let f = app.family_with_case(user, "draft_ehcp_issued").await;
    let family = id(&app.get("/v1/family", &f.token).await.expect(200));
    let second = id(&app
        .post(
            "/v1/children",
            &f.token,
            json!({"name": "Maya", "date_of_birth": "2015-06-02", "local_authority": "Leeds"}),
        )
        .await
        .expect(201));
    let second_case = id(&app
        .post("/v1/cases", &f.token, json!({"child_id": second, "status": "assessment_requested", "summary": "EHCP"}))
        .await
        .expect(201));
    app.post(&format!("/v1/cases/{}/notes", f.case), &f.token, json!({"text": "Asked school for the provision map"}))
        .await
        .expect(201);
    let entry = json!({"kind": "interaction", "date": "2026-01-12", "case_id": f.case, "channel": "phone_call",
        "direction": "incoming", "contact_name": "Sam Patel", "summary": "The draft is nearly done.",
        "commitments": [{"text": "Draft by Friday", "by": "la", "due": "2026-01-16"}]});
    app.post(&format!("/v1/children/{}/timeline", f.child), &f.token, entry).await.expect(201);

    // A plan (analysed onto the case) stored in two versions, and a report of the second child.
    let plan = fixtures::pdf(&[
        "Section F: Special educational provision",
        "Noah will receive speech and language therapy as appropriate.",
        "Access to support when needed.",
    ]);
    let plan_id = app.upload_document(&f.token, &f.child, "Draft plan", "application/pdf", plan.clone()).await;
    let stored = app.get(&format!("/v1/documents/{plan_id}"), &f.token).await.expect(200);
    assert_eq!(stored["state"], "uploaded", "{stored}");
    let key = format!("documents/{family}/{}/{plan_id}", f.child);
    let documents = app.state.blobs.clone().expect("document storage");
    // An earlier version of the same object (S3 keeps both).
    documents.put(&key, b"an older scan of the plan".to_vec(), "application/pdf").await.expect("a version");
    documents.put(&key, plan, "application/pdf").await.expect("the current version");
    app.post(&format!("/v1/documents/{plan_id}/analyse"), &f.token, json!({"case_id": f.case})).await.expect(200);
    let report = app
        .upload_document(&f.token, &second, "OT report", "text/plain", b"Occupational therapy report for Maya".to_vec())
        .await;

    // A bundle, built, with a link.
    let bundles = format!("/v1/children/{}/bundles", f.child);
    let bundle = app
        .post(&bundles, &f.token, json!({"title": "Appeal", "purpose": "general", "case_id": f.case}))
        .await
        .expect(201);
    let bundle_path = format!("{bundles}/{}", id(&bundle));
    app.call(
        Method::PUT,
        &format!("{bundle_path}/items"),
        Some(&f.token),
        Some(json!({"items": [{"document_id": plan_id, "section": "plan"}]})),
    )
    .await
    .expect(200);
    let build = app.post(&format!("{bundle_path}/builds"), &f.token, json!({})).await.expect(202);
    wait_ready(app, &f.token, &format!("{bundle_path}/builds/{}", id(&build))).await;
    app.post(&format!("{bundle_path}/links"), &f.token, json!({"expires_in_days": 7})).await.expect(201);

    // Support: an advocate with a grant, messages both ways, a private note; a review.
    let (conn, ticket) = scenario::connect(app, &f.token, &f.child, adv).await;
    app.post(&format!("/v1/connections/{conn}/grants"), &f.token, json!({"children": "all", "level": "view"}))
        .await
        .expect(200);
    app.get(&format!("/v1/cases/{}", f.case), &adv.0).await.expect(200);
    app.post(&format!("/v1/tickets/{ticket}/messages"), &adv.0, json!({"text": "I will draft a letter."}))
        .await
        .expect(201);
    app.post(&format!("/v1/tickets/{ticket}/messages"), &f.token, json!({"text": "Thank you."})).await.expect(201);
    app.post(&format!("/v1/tickets/{ticket}/private-notes"), &adv.0, json!({"text": "Mum prefers email"}))
        .await
        .expect(201);
    app.post(&format!("/v1/advocates/{}/reviews", adv.1), &f.token, json!({"rating": 5, "text": "Clear and kind"}))
        .await
        .expect(201);

    // An export, made and kept.
    let export = app.call(Method::POST, "/v1/me/exports", Some(&f.token), None).await.expect(202);
    wait_ready(app, &f.token, &format!("/v1/me/exports/{}", id(&export))).await;

    let ids = vec![user.to_owned(), family, f.child, second, f.case, second_case, plan_id, report];
    (f.token, ids)
}

fn journey(w: World) {
    let app = &w.app;
    let rt = &w.rt;
    rt.block_on(app.serve());
    let user = "mum-erasure";
    let adv = rt.block_on(scenario::advocate(app, "adv-erasure", "Alex"));
    let (token, ids) = rt.block_on(family_with_everything(app, user, &adv));

    // Another family supported by the same advocate, with a private note of theirs.
    let other = rt.block_on(app.family_with_case("dad-stays", "in_assessment"));
    let (_, other_ticket) = rt.block_on(scenario::connect(app, &other.token, &other.child, &adv));
    let kept_note = json!({"text": "Dad works nights; call after 2pm"});
    rt.block_on(app.post(&format!("/v1/tickets/{other_ticket}/private-notes"), &adv.0, kept_note)).expect(201);
    let other_doc =
        rt.block_on(app.upload_document(&other.token, &other.child, "School report", "text/plain", b"Kept".to_vec()));

    // The family's phone, synced.
    let phone_db = std::env::temp_dir().join(format!("senvault-erasure-phone-{}.db", uuid::Uuid::now_v7().simple()));
    let net = Arc::new(InProcess { router: app.router.clone(), rt: rt.clone() });
    let phone = VaultClient::with_transport(
        phone_db.to_str().expect("path"),
        net,
        Arc::new(StaticAuth(token.clone())),
        Arc::new(TestKeys::default()),
    )
    .expect("replica");
    phone.sync().expect("the phone syncs");
    assert_eq!(phone.children().expect("children").len(), 2);

    // The search finds the family before the deletion (it is not a search that finds nothing).
    let needles = Needles::new(&ids);
    let before = search(&w, &needles, &phone_db);
    for id in &ids {
        assert!(before.iter().any(|f| f.starts_with(id.as_str())), "{id} is found before the deletion: {before:?}");
    }

    // A wrong confirmation deletes nothing.
    let wrong = rt.block_on(app.post("/v1/me/delete", &token, json!({"confirm": "someone-else"}))).problem(409);
    assert!(wrong["errors"][0]["message"].as_str().is_some_and(|d| d.contains("user id")), "{wrong}");
    rt.block_on(app.get("/v1/family", &token)).expect(200);
    rt.block_on(app.post("/v1/me/delete", &token, json!({"confirm": 7}))).problem(422);

    // A crash half-way (the second scope's purge fails), then a retry finishes the job.
    w.failing.fail_purge(2);
    rt.block_on(app.post("/v1/me/delete", &token, json!({"confirm": user}))).problem(503);
    let receipt = rt.block_on(app.post("/v1/me/delete", &token, json!({"confirm": user}))).expect(200);
    assert_eq!(receipt["state"], "complete", "{receipt}");
    assert_eq!((receipt["role"].as_str(), receipt["documents"].as_u64()), (Some("family"), Some(2)), "{receipt}");
    assert_eq!(receipt["connections_ended"], 1, "{receipt}");
    assert!(receipt["records"].as_u64() > Some(30), "{receipt}");
    // Two documents (one in two versions), the built bundle, the export.
    assert!(receipt["files"].as_u64() >= Some(4) && receipt["bytes"].as_u64() > Some(1000), "{receipt}");
    assert!(receipt["finished_at"].is_string());
    let again = rt.block_on(app.post("/v1/me/delete", &token, json!({"confirm": user}))).expect(200);
    assert_eq!(again, receipt, "a second deletion answers the same receipt");

    // The account is gone; the advocate was told, and keeps their own and the other family's.
    rt.block_on(app.get("/v1/family", &token)).problem(404);
    let notices = rt.block_on(app.get("/v1/notifications", &adv.0)).expect(200);
    assert!(notices.to_string().contains("family_left"), "{notices}");
    let connections = rt.block_on(app.get("/v1/connections", &adv.0)).expect(200);
    assert_eq!(connections["items"].as_array().map(Vec::len), Some(1), "only the other family's: {connections}");
    let notes = rt.block_on(app.get(&format!("/v1/tickets/{other_ticket}/private-notes"), &adv.0)).expect(200);
    assert!(notes.to_string().contains("Dad works nights"), "{notes}");
    rt.block_on(app.get("/v1/advocates/me", &adv.0)).expect(200);
    rt.block_on(app.get(&format!("/v1/cases/{}", other.case), &other.token)).expect(200);
    let doc = rt.block_on(app.get(&format!("/v1/documents/{other_doc}"), &other.token)).expect(200);
    let (status, bytes) =
        rt.block_on(senvault_tests::http(Method::GET, doc["download_url"]["url"].as_str().expect("url"), &[], vec![]));
    assert_eq!((status, bytes.as_slice()), (200, b"Kept".as_slice()));

    // The phone learns at its next sync, and wipes itself.
    let report = phone.sync().expect("the phone syncs");
    assert!(report.account_deleted, "{report:?}");
    assert!(phone.children().is_err() || phone.children().is_ok_and(|c| c.is_empty()));

    let after = search(&w, &needles, &phone_db);
    assert!(after.is_empty(), "nothing of the family is left anywhere: {after:#?}");
}

/// Every place the run's data lives, searched.
fn search(w: &World, needles: &Needles, phone_db: &Path) -> Vec<String> {
    let mut found = Vec::new();
    scan_sqlite_files(needles, phone_db, &mut found);
    match &w.kept {
        Kept::Files { dir } => {
            let rows = scan_sqlite_rows(needles, &dir.join("senvault.db"), &mut found);
            assert!(rows > 0, "the other family's rows are there to search");
            scan_dir(needles, dir, &mut found);
        }
        Kept::Aws { table, bucket } => {
            let items = w.rt.block_on(scan_dynamodb(needles, table, &mut found));
            let versions = w.rt.block_on(scan_s3(needles, bucket, &mut found));
            assert!(items > 0 && versions > 0, "the other family's data is there to search");
        }
    }
    found
}

#[test]
fn a_deleted_family_leaves_nothing_on_sqlite_and_files() {
    let dir = std::env::temp_dir().join(format!("senvault-erasure-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let sqlite = senvault_store::sqlite::SqliteStore::open(&dir.join("senvault.db")).expect("sqlite");
    let failing = Arc::new(FailingStore::new(Arc::new(sqlite)));
    let app = TestApp::in_dir_over(&dir, failing.clone());
    app.clock.set(Utc::now());
    journey(World { rt: runtime(), app, failing, kept: Kept::Files { dir } });
}

#[test]
fn a_deleted_family_leaves_nothing_on_dynamodb_and_s3() {
    let rt = runtime();
    let (Some(store), Some(blobs)) = rt.block_on(async { (aws::dynamo().await, aws::s3().await) }) else { return };
    let kept = Kept::Aws { table: store.table().to_owned(), bucket: blobs.bucket().to_owned() };
    let failing = Arc::new(FailingStore::new(Arc::new(store)));
    let app = TestApp::with_store_and_blobs(failing.clone(), Arc::new(blobs));
    app.clock.set(Utc::now());
    journey(World { rt, app, failing, kept });
}

/// An advocate's deletion takes their profile, directory listing, private notes and access,
/// ends each support from their side (the family is told), and leaves the family's records —
/// the case, the ticket and its messages — as they were.
#[test]
fn a_deleted_advocate_leaves_the_families_records_whole() {
    let dir = std::env::temp_dir().join(format!("senvault-erasure-adv-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let sqlite = senvault_store::sqlite::SqliteStore::open(&dir.join("senvault.db")).expect("sqlite");
    let app = TestApp::in_dir_over(&dir, Arc::new(sqlite));
    let rt = runtime();
    rt.block_on(async {
        let fam = app.family_with_case("mum-stays", "in_assessment").await;
        let adv = scenario::advocate(&app, "adv-leaving", "Robin").await;
        let (conn, ticket) = scenario::connect(&app, &fam.token, &fam.child, &adv).await;
        app.post(
            &format!("/v1/connections/{conn}/grants"),
            &fam.token,
            json!({"children": "all", "level": "collaborate"}),
        )
        .await
        .expect(200);
        app.post(&format!("/v1/tickets/{ticket}/messages"), &adv.0, json!({"text": "Here is the letter."}))
            .await
            .expect(201);
        app.post(&format!("/v1/tickets/{ticket}/private-notes"), &adv.0, json!({"text": "Ring after school pickup"}))
            .await
            .expect(201);
        app.get(&format!("/v1/cases/{}", fam.case), &adv.0).await.expect(200);

        app.post("/v1/me/delete", &adv.0, json!({"confirm": "mum-stays"})).await.problem(409);
        let receipt = app.post("/v1/me/delete", &adv.0, json!({"confirm": "adv-leaving"})).await.expect(200);
        assert_eq!((receipt["state"].as_str(), receipt["role"].as_str()), (Some("complete"), Some("advocate")));
        assert_eq!((receipt["connections_ended"].as_u64(), receipt["documents"].as_u64()), (Some(1), Some(0)));

        // Gone: access, profile, listing, private notes.
        app.get(&format!("/v1/cases/{}", fam.case), &adv.0).await.problem(404);
        app.get(&format!("/v1/advocates/{}", adv.1), &fam.token).await.problem(404);
        let listed = app.get("/v1/advocates?area=leeds", &fam.token).await.expect(200);
        assert!(!listed.to_string().contains(&adv.1), "{listed}");
        let mut found = Vec::new();
        scan_sqlite_rows(
            &Needles::new(&["Ring after school pickup", "adv-leaving"]),
            &dir.join("senvault.db"),
            &mut found,
        );
        let kept_elsewhere: Vec<_> = found.iter().filter(|f| f.starts_with("Ring after")).collect();
        assert!(kept_elsewhere.is_empty(), "the private note is gone: {found:?}");

        // The family keeps their case, ticket and messages, and was told.
        app.get(&format!("/v1/cases/{}", fam.case), &fam.token).await.expect(200);
        let messages = app.get(&format!("/v1/tickets/{ticket}/messages"), &fam.token).await.expect(200);
        assert!(messages.to_string().contains("Here is the letter."), "{messages}");
        let connection = app.get(&format!("/v1/connections/{conn}"), &fam.token).await.expect(200);
        assert_eq!(connection["state"], "ended", "{connection}");
        let notices = app.get("/v1/notifications", &fam.token).await.expect(200);
        assert!(notices.to_string().contains("advocate_left"), "{notices}");
    });
}
