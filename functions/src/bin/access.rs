//! Lambda function for the access area (notifications and personal preferences; grants and
//! audit as they land) behind API Gateway's HTTP API.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    senvault_functions::lambda::serve_http(senvault_functions::api::access_routes()).await
}
