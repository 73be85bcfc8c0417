//! Lambda function for the tickets area (advocates' profiles and directory, support requests,
//! tickets, messages, checklists and private notes) behind API Gateway's HTTP API.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    senvault_functions::lambda::serve_http(senvault_functions::api::tickets_routes()).await
}
