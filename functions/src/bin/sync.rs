//! Lambda function for sync (`docs/sync.md`): the mobile core's pushes and pulls, behind API
//! Gateway's HTTP API.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    senvault_functions::lambda::serve_http(senvault_functions::api::sync_routes()).await
}
