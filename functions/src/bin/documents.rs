//! Lambda function for the documents area (vault documents with presigned S3 uploads and
//! downloads) behind API Gateway's HTTP API.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    senvault_functions::lambda::serve_http(senvault_functions::api::documents_routes()).await
}
