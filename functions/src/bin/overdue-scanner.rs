//! The scheduled overdue scanner (EventBridge, every 15 minutes). Idempotent: a retry or an
//! overlapping run never duplicates a reminder, an alert or a missed-deadline note. A run with
//! failures returns an error so the invocation counts as failed (and alarms), while everything
//! that failed stays due for the next run.

use chrono::Utc;
use lambda_runtime::{LambdaEvent, service_fn};
use senvault_functions::clock::SystemClock;
use senvault_functions::lambda::{Config, init_logging, store};
use senvault_functions::scanner::{ScanReport, scan};
use senvault_functions::service::Service;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = Config::from_env()?;
    let service = Service::new(store(&config).await, std::sync::Arc::new(SystemClock));
    let service = &service;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let report: ScanReport = scan(service, Utc::now()).await?;
        Ok::<ScanReport, lambda_runtime::Error>(report)
    }))
    .await
}
