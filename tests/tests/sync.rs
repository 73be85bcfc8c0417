//! The sync endpoints (DESIGN §5) through the API, on SQLite (DynamoDB: `aws.rs`).

use senvault_tests::{TestApp, scenario};

#[tokio::test]
async fn the_sync_protocol_works_on_sqlite() {
    scenario::sync_protocol(&TestApp::sqlite()).await;
}
