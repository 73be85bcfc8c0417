//! Lambda function for the cases area (family, children, cases, key dates, notes, actions,
//! chronology) behind API Gateway's HTTP API.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    senvault_functions::lambda::serve_http(senvault_functions::api::cases_routes()).await
}
