//! Who may see which child, end to end on the SQLite store (and on DynamoDB in `aws.rs`).

use senvault_tests::{TestApp, scenario};

#[tokio::test]
async fn the_access_journey_works_on_sqlite() {
    scenario::access_journey(&TestApp::sqlite()).await;
}
