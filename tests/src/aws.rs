//! Access to the AWS emulator (moto server, started by `tests/run`) or a real account: endpoint,
//! region and credentials come from the standard AWS environment variables.

use senvault_functions::blobs::s3::S3Blobs;
use senvault_functions::dynamo::DynamoStore;

/// Whether AWS suites must run (set by `tests/run`); without it they skip when no endpoint is
/// configured, so `cargo test` works on a laptop with nothing installed.
pub fn required() -> bool {
    std::env::var_os("SENVAULT_REQUIRE_AWS").is_some()
}

fn configured() -> bool {
    let ok = std::env::var_os("AWS_ENDPOINT_URL").is_some() || std::env::var_os("SENVAULT_AWS_REAL").is_some();
    if !ok && required() {
        panic!("SENVAULT_REQUIRE_AWS is set but no AWS endpoint is configured");
    }
    if !ok {
        eprintln!("skipped: no AWS endpoint configured (tests/run starts moto server)");
    }
    ok
}

/// A fresh DynamoDB table for one test, or `None` when no AWS endpoint is configured.
pub async fn dynamo() -> Option<DynamoStore> {
    if !configured() {
        return None;
    }
    let table = format!("senvault-test-{}", uuid::Uuid::now_v7().simple());
    let store = DynamoStore::from_env(table).await;
    store.create_table().await.expect("create table");
    Some(store)
}

/// A fresh S3 bucket for one test.
pub async fn s3() -> Option<S3Blobs> {
    if !configured() {
        return None;
    }
    let bucket = format!("senvault-test-{}", &uuid::Uuid::now_v7().simple().to_string()[..20]);
    let blobs = S3Blobs::from_env(bucket, None).await;
    blobs.create_bucket().await.expect("create bucket");
    Some(blobs)
}
