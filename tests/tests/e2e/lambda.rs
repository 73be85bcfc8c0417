//! The real Lambda binaries, run against a local Runtime API with API Gateway (HTTP API,
//! payload v2) events carrying JWT authorizer claims, on DynamoDB in moto server.

use std::time::Duration;

use senvault_tests::runtime_api::{RuntimeApi, http_event};
use senvault_tests::{aws, binary};
use serde_json::{Value, json};

/// The environment the SAM template gives the function serving `area`.
fn env(table: &str, area: &str) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("TABLE_NAME", table.to_owned()),
        ("LOG_LEVEL", "info".to_owned()),
        ("SENVAULT_AREA", area.to_owned()),
        ("ERASURE_SECRET", "test-erasure-secret".to_owned()),
    ];
    for k in ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        if let Ok(v) = std::env::var(k) {
            env.push((k, v));
        }
    }
    env
}

fn body(response: &Value) -> Value {
    response["body"].as_str().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cases_function_serves_api_gateway_events() {
    let Some(store) = aws::dynamo().await else { return };
    let Some(bin) = binary("senvault-lambda") else { return };
    let runtime = RuntimeApi::start().await;
    let function = runtime.spawn(&bin, &env(store.table(), "cases"));
    let init = runtime.wait_initialised(&function, Duration::from_secs(30)).await;
    assert!(init.is_some(), "the function did not initialise: {:?}", runtime.init_error());

    let health = runtime.invoke(http_event("GET", "/health", None, None)).await.expect("health");
    assert_eq!(health["statusCode"], 200);

    // As Cognito's authorizer hands them over: a self-signed-up parent has no groups.
    let mum = [("sub", "mum-1")];
    let r = runtime.invoke(http_event("POST", "/v1/family", Some(&mum), Some(&json!({"name": "F"})))).await.unwrap();
    assert_eq!(r["statusCode"], 201, "{r}");
    let child = json!({"name": "Ada", "date_of_birth": "2016-04-02", "local_authority": "Leeds"});
    let r = runtime.invoke(http_event("POST", "/v1/children", Some(&mum), Some(&child))).await.unwrap();
    assert_eq!(r["statusCode"], 201, "{r}");
    let child_id = body(&r)["id"].as_str().unwrap().to_owned();
    let case = json!({"child_id": child_id, "status": "in_assessment", "summary": "Secret summary text"});
    let r = runtime.invoke(http_event("POST", "/v1/cases", Some(&mum), Some(&case))).await.unwrap();
    assert_eq!(r["statusCode"], 201, "{r}");
    let case_id = body(&r)["id"].as_str().unwrap().to_owned();
    let r = runtime.invoke(http_event("GET", &format!("/v1/cases/{case_id}"), Some(&mum), None)).await.unwrap();
    assert_eq!((r["statusCode"].as_u64(), body(&r)["status"].as_str()), (Some(200), Some("in_assessment")));

    // No authorizer claims: refused before any handler. Another user: 404.
    let r = runtime.invoke(http_event("GET", &format!("/v1/cases/{case_id}"), None, None)).await.unwrap();
    assert_eq!(r["statusCode"], 401);
    let other = [("sub", "someone"), ("cognito:groups", "[advocate]")];
    let r = runtime.invoke(http_event("GET", &format!("/v1/cases/{case_id}"), Some(&other), None)).await.unwrap();
    assert_eq!(r["statusCode"], 404, "an advocate sees nothing without a grant");
    // The system's own identity cannot be claimed.
    let system = [("sub", senvault_domain::RESERVED_USERS[0])];
    let r = runtime.invoke(http_event("GET", &format!("/v1/cases/{case_id}"), Some(&system), None)).await.unwrap();
    assert_eq!(r["statusCode"], 401);
    // Not this function's area.
    let r = runtime.invoke(http_event("GET", "/v1/notifications", Some(&mum), None)).await.unwrap();
    assert_eq!(r["statusCode"], 404);

    let logs = function.stop();
    let lines: Vec<&str> = logs.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!lines.is_empty(), "structured logs: {logs}");
    assert!(lines.iter().all(|l| serde_json::from_str::<Value>(l).is_ok()), "every log line is JSON");
    assert!(lines.iter().any(|l| l.contains("requestId")), "log lines carry the request id: {logs}");
    assert!(!logs.contains("Secret summary text") && !logs.contains("Ada"), "no record bodies in logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_function_and_the_scheduled_scanner() {
    let Some(store) = aws::dynamo().await else { return };
    let Some(bin) = binary("senvault-lambda") else { return };
    let runtime = RuntimeApi::start().await;
    let function = runtime.spawn(&bin, &env(store.table(), "access"));
    assert!(runtime.wait_initialised(&function, Duration::from_secs(30)).await.is_some());
    let mum = [("sub", "mum-2"), ("cognito:groups", "[]")];
    let r = runtime
        .invoke(http_event("PUT", "/v1/me/preferences", Some(&mum), Some(&json!({"reminder_lead_days": [3]}))))
        .await
        .unwrap();
    assert_eq!((r["statusCode"].as_u64(), body(&r)["reminder_lead_days"].clone()), (Some(200), json!([3])));
    let r = runtime.invoke(http_event("GET", "/v1/notifications", Some(&mum), None)).await.unwrap();
    assert_eq!(body(&r)["items"], json!([]));
    drop(function);

    let runtime = RuntimeApi::start().await;
    let function = runtime.spawn(&bin, &env(store.table(), "overdue-scanner"));
    assert!(runtime.wait_initialised(&function, Duration::from_secs(30)).await.is_some());
    let event = json!({"version": "0", "id": "e", "detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-23T18:00:00Z", "detail": {}});
    let report = runtime.invoke(event).await.expect("scan report");
    assert_eq!(report["failed"], 0, "{report}");
    assert!(report.get("examined").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tickets_function_serves_advocates_from_their_groups() {
    let Some(store) = aws::dynamo().await else { return };
    let Some(bin) = binary("senvault-lambda") else { return };
    let runtime = RuntimeApi::start().await;
    let function = runtime.spawn(&bin, &env(store.table(), "tickets"));
    assert!(runtime.wait_initialised(&function, Duration::from_secs(30)).await.is_some(), "{:?}", runtime.init_error());
    let advocate = [("sub", "adv-lambda"), ("cognito:groups", "[advocate]")];
    let profile = json!({"name": "Lambda Advocate", "areas": ["Leeds"], "accepting": true});
    let r = runtime.invoke(http_event("PUT", "/v1/advocates/me", Some(&advocate), Some(&profile))).await.unwrap();
    assert_eq!(r["statusCode"], 201, "{r}");
    let id = body(&r)["id"].as_str().unwrap().to_owned();
    let family = [("sub", "mum-lambda")];
    let r = runtime.invoke(http_event("GET", "/v1/advocates?area=leeds", Some(&family), None)).await.unwrap();
    assert_eq!(body(&r)["items"][0]["id"], id.as_str(), "{r}");
    // Without the group, the same person is a family account and cannot have a profile.
    let r = runtime
        .invoke(http_event("PUT", "/v1/advocates/me", Some(&[("sub", "adv-lambda")]), Some(&profile)))
        .await
        .unwrap();
    assert_eq!(r["statusCode"], 403, "{r}");
    let r = runtime.invoke(http_event("GET", "/v1/cases", Some(&family), None)).await.unwrap();
    assert_eq!(r["statusCode"], 404, "not this function's area");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_function_serves_pushes_and_pulls() {
    let Some(store) = aws::dynamo().await else { return };
    let Some(bin) = binary("senvault-lambda") else { return };
    let runtime = RuntimeApi::start().await;
    let function = runtime.spawn(&bin, &env(store.table(), "sync"));
    assert!(runtime.wait_initialised(&function, Duration::from_secs(30)).await.is_some(), "{:?}", runtime.init_error());
    let family = [("sub", "mum-sync-lambda")];
    let r = runtime.invoke(http_event("GET", "/v1/sync/scopes", Some(&family), None)).await.unwrap();
    assert_eq!(r["statusCode"], 200, "{r}");
    assert_eq!(body(&r)["user"], "mum-sync-lambda");
    // A device's own settings, pushed and pulled back.
    let client = uuid::Uuid::new_v4().to_string();
    let push = json!({"client_id": client, "schema": 1, "mutations": [{"mid": 1, "scope": "user:mum-sync-lambda",
        "op": uuid::Uuid::now_v7(), "command": {"personal": {"command": {"type": "set_preferences", "reminder_lead_days": [3]}}}}]});
    let r = runtime.invoke(http_event("POST", "/v1/sync/push", Some(&family), Some(&push))).await.unwrap();
    assert_eq!((r["statusCode"].as_u64(), body(&r)["lmid"].as_u64()), (Some(200), Some(1)), "{r}");
    assert_eq!(body(&r)["outcomes"][0]["outcome"], "applied", "{r}");
    let pull =
        json!({"client_id": client, "schema": 1, "scopes": [{"scope": "user:mum-sync-lambda", "epoch": 0, "seq": 0}]});
    let r = runtime.invoke(http_event("POST", "/v1/sync/pull", Some(&family), Some(&pull))).await.unwrap();
    let upserts = body(&r)["scopes"][0]["upserts"].as_array().cloned().unwrap_or_default();
    assert!(upserts.iter().any(|u| u["record"]["type"] == "preferences"), "{r}");
    assert!(
        upserts.iter().all(|u| !u["key"].as_str().unwrap_or("").starts_with("sync/")),
        "device bookkeeping stays on the server"
    );
    let r = runtime.invoke(http_event("GET", "/v1/cases", Some(&family), None)).await.unwrap();
    assert_eq!(r["statusCode"], 404, "not this function's area");
}

/// On AWS a build is compiled by the `bundles` function, started by the table's stream for each
/// build recorded: the API only records it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundles_function_builds_what_the_stream_reports() {
    use senvault_tests::TestApp;
    let (Some(store), Some(blobs)) = (aws::dynamo().await, aws::s3().await) else { return };
    let Some(bin) = binary("senvault-lambda") else { return };
    let (table, bucket) = (store.table().to_owned(), blobs.bucket().to_owned());
    let app = TestApp::with_builds_by_deployment(std::sync::Arc::new(store), std::sync::Arc::new(blobs));
    let f = app.family_with_case("mum-bundles", "appeal_lodged").await;
    let plan = senvault_bundle::sample_pdf("Plan", 3);
    let doc = app.upload_document(&f.token, &f.child, "Final plan", "application/pdf", plan).await;
    let bundles = format!("/v1/children/{}/bundles", f.child);
    let bundle = app.post(&bundles, &f.token, json!({"title": "Review", "purpose": "annual_review"})).await.expect(201);
    let bundle_id = bundle["id"].as_str().unwrap().to_owned();
    let path = format!("{bundles}/{bundle_id}");
    let items = json!({"items": [{"document_id": doc, "section": "plan"}]});
    app.call(axum::http::Method::PUT, &format!("{path}/items"), Some(&f.token), Some(items)).await.expect(200);
    let build = app.post(&format!("{path}/builds"), &f.token, json!({})).await.expect(202);
    let build_id = build["id"].as_str().unwrap().to_owned();
    let location = format!("{path}/builds/{build_id}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.get(&location, &f.token).await.expect(200)["state"], "queued", "the API does not build");

    let runtime = RuntimeApi::start().await;
    let mut vars = env(&table, "bundles");
    let blobs_bucket = bucket.clone();
    vars.push(("BUCKET_NAME", bucket));
    let function = runtime.spawn(&bin, &vars);
    assert!(runtime.wait_initialised(&function, Duration::from_secs(30)).await.is_some(), "{:?}", runtime.init_error());
    let image = |sk: String| {
        json!({"eventName": "INSERT", "eventSource": "aws:dynamodb",
        "dynamodb": {"Keys": {"PK": {"S": format!("S#child:{}", f.child)}, "SK": {"S": sk}}}})
    };
    let event = json!({"Records": [
        image(format!("R#bundle/{bundle_id}")),
        image(format!("R#bundle/{bundle_id}/build/{build_id}")),
    ]});
    let out = runtime.invoke(event.clone()).await.expect("the function answers");
    assert_eq!(out["built"], 1, "{out}");
    let done = app.get(&location, &f.token).await.expect(200);
    assert_eq!((done["state"].as_str(), done["pages"].as_u64()), (Some("ready"), Some(6)), "{done}");
    // The stream delivers at least once: a repeat leaves the ready build as it is.
    runtime.invoke(event).await.expect("the function answers");
    assert_eq!(app.get(&location, &f.token).await.expect(200)["sha256"], done["sha256"]);
    // An export is made the same way, by its own function: recorded by the API, made there.
    let export = app.call(axum::http::Method::POST, "/v1/me/exports", Some(&f.token), None).await.expect(202);
    let export_id = export["id"].as_str().unwrap().to_owned();
    let keys = json!({"Records": [{"eventName": "INSERT", "dynamodb": {"Keys": {
        "PK": {"S": "S#user:mum-bundles"}, "SK": {"S": format!("R#export/{export_id}")}}}}]});
    let out = runtime.invoke(keys.clone()).await.expect("the function answers");
    assert_eq!(out["built"], 0, "not the bundles function's: {out}");
    let logs = function.stop();
    assert!(!logs.contains("Final plan") && !logs.contains("Noah"), "no titles or names in logs");

    let runtime = RuntimeApi::start().await;
    let mut vars = env(&table, "exports");
    vars.push(("BUCKET_NAME", blobs_bucket));
    let function = runtime.spawn(&bin, &vars);
    assert!(runtime.wait_initialised(&function, Duration::from_secs(30)).await.is_some(), "{:?}", runtime.init_error());
    let out = runtime.invoke(keys).await.expect("the function answers");
    assert_eq!(out["built"], 1, "{out}");
    let made = app.get(&format!("/v1/me/exports/{export_id}"), &f.token).await.expect(200);
    assert_eq!(made["state"], "ready", "{made}");
    let logs = function.stop();
    assert!(!logs.contains("Final plan") && !logs.contains("Noah"), "no titles or names in logs");
}

/// The `me` function deletes an account — its records from the table, its files from the
/// bucket — and finds the same receipt again; without the deployment's receipt key it does not
/// start at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_me_function_deletes_an_account_and_its_files() {
    use senvault_tests::TestApp;
    let (Some(store), Some(blobs)) = (aws::dynamo().await, aws::s3().await) else { return };
    let Some(bin) = binary("senvault-lambda") else { return };
    let (table, bucket) = (store.table().to_owned(), blobs.bucket().to_owned());
    let app = TestApp::with_store_and_blobs(std::sync::Arc::new(store), std::sync::Arc::new(blobs));
    let user = "mum-lambda-erasure";
    let f = app.family_with_case(user, "in_assessment").await;
    app.upload_document(&f.token, &f.child, "Letter to the SENCO", "text/plain", b"Dear SENCO".to_vec()).await;

    let mut vars = env(&table, "me");
    vars.push(("BUCKET_NAME", bucket));
    let unkeyed: Vec<(&'static str, String)> = vars.iter().filter(|(k, _)| *k != "ERASURE_SECRET").cloned().collect();
    let runtime = RuntimeApi::start().await;
    let function = runtime.spawn(&bin, &unkeyed);
    assert!(runtime.wait_initialised(&function, Duration::from_secs(5)).await.is_none(), "started without the key");
    drop(function);

    let runtime = RuntimeApi::start().await;
    let function = runtime.spawn(&bin, &vars);
    assert!(runtime.wait_initialised(&function, Duration::from_secs(30)).await.is_some(), "{:?}", runtime.init_error());
    let mum = [("sub", user), ("cognito:groups", "[]")];
    let delete = || http_event("POST", "/v1/me/delete", Some(&mum), Some(&json!({"confirm": user})));
    let r = runtime.invoke(delete()).await.expect("an answer");
    assert_eq!(r["statusCode"], 200, "{r}");
    let receipt = body(&r);
    assert_eq!((receipt["state"].as_str(), receipt["documents"].as_u64()), (Some("complete"), Some(1)), "{receipt}");
    assert!(receipt["files"].as_u64() >= Some(1), "{receipt}");
    app.get("/v1/family", &f.token).await.problem(404);
    let again = runtime.invoke(delete()).await.expect("an answer");
    assert_eq!(body(&again), receipt, "the same receipt, found again through the keyed hash");
}
