//! Every Lambda function of the vault, in one binary: the area it serves is chosen by the
//! `SENVAULT_AREA` environment variable, which the SAM template sets on each function —
//! `cases`, `documents`, `me`, `access`, `tickets`, `sync` (HTTP API, payload v2) or
//! `overdue-scanner` (EventBridge, every 15 minutes) or `late-uploads` (EventBridge, on each
//! object created under `uploads/`) or `bundles` and `exports` (the table's stream: each bundle
//! build, each export recorded).
//!
//! One binary links once, so building and shipping six functions costs one link instead of six;
//! each function still has its own routes, permissions, memory and concurrency.

use senvault_functions::lambda::{
    Area, ConfigError, Recorded, run_late_uploads, run_recorded, run_scanner, serve_http,
};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let area = std::env::var("SENVAULT_AREA").unwrap_or_default();
    match Area::parse(&area) {
        Some(Area::Http(routes)) => serve_http(routes()).await,
        Some(Area::Scanner) => run_scanner().await,
        Some(Area::LateUploads) => run_late_uploads().await,
        Some(Area::Bundles) => run_recorded(Recorded::Builds).await,
        Some(Area::Exports) => run_recorded(Recorded::Exports).await,
        None => Err(ConfigError::Invalid("SENVAULT_AREA", Area::NAMES).into()),
    }
}
