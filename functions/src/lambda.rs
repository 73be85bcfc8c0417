//! Shared set-up of the Lambda functions: configuration from environment variables, JSON logs,
//! clients built once per container, and the API Gateway (HTTP API, payload v2) adapter.
//!
//! Environment: `TABLE_NAME` (required), `BUCKET_NAME`, `KMS_KEY_ID`, `ROLE_CLAIM` (default
//! [`DEFAULT_GATEWAY_ROLE_CLAIM`]), `ROLE_CLAIM_HOLDS` (`groups`, the default, or `role`: see
//! [`RoleSource`]), `LOG_LEVEL` (default `info`).

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use lambda_http::request::RequestContext;
use serde_json::{Map, Value};

use crate::api::AppState;
use crate::auth::{Authenticator, GatewayClaims, RoleSource};
use crate::clock::SystemClock;
use crate::setup;
use senvault_domain::{BuildId, BundleId, ChildId, ExportId, UserId};
use senvault_store::Store;

/// The role claim behind a Cognito user pool: the groups an operator put the user in.
pub const DEFAULT_GATEWAY_ROLE_CLAIM: &str = "cognito:groups";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {0} must be one of: {1}")]
    Invalid(&'static str, &'static str),
}

/// A function's configuration, from its environment only.
#[derive(Debug, Clone)]
pub struct Config {
    pub table: String,
    pub bucket: Option<String>,
    pub kms_key: Option<String>,
    pub roles: RoleSource,
    /// The deployment's generated secret for deletion receipts' keyed hashes.
    pub erasure_secret: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Ok(Config {
            table: var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?,
            bucket: var("BUCKET_NAME"),
            kms_key: var("KMS_KEY_ID"),
            erasure_secret: var("ERASURE_SECRET").ok_or(ConfigError::Missing("ERASURE_SECRET"))?,
            roles: {
                let claim = var("ROLE_CLAIM").unwrap_or_else(|| DEFAULT_GATEWAY_ROLE_CLAIM.into());
                match var("ROLE_CLAIM_HOLDS").as_deref() {
                    None | Some("groups") => RoleSource::Groups(claim),
                    Some("role") => RoleSource::Claim(claim),
                    Some(_) => return Err(ConfigError::Invalid("ROLE_CLAIM_HOLDS", "groups, role")),
                }
            },
        })
    }
}

/// JSON logs on stdout (CloudWatch), with the invocation's request id from the runtime's span.
/// Log lines carry ids and counts only; record bodies are never logged.
pub fn init_logging() {
    let level = std::env::var("LOG_LEVEL").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&level).unwrap_or_else(|_| "info".into()))
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .init();
    crate::panics::log_locations_only();
}

/// The store for this container (see [`setup::dynamo_store`]).
pub async fn store(config: &Config) -> Arc<dyn Store> {
    setup::dynamo_store(config.table.clone()).await
}

/// Shared state for an HTTP function: identity from the gateway's authorizer; documents in S3
/// when the function is given a bucket.
pub async fn http_state(config: &Config) -> AppState {
    let blobs = setup::s3_blobs(config.bucket.as_deref(), config.kms_key.clone()).await;
    let mut state = setup::state_with(
        store(config).await,
        Arc::new(SystemClock),
        Authenticator::gateway(config.roles.clone()),
        blobs,
    );
    state.builds = crate::api::BuildStarter::ByDeployment;
    state.service.set_erasure_secret(crate::service::erasure::ErasureSecret::derive(config.erasure_secret.as_bytes()));
    state
}

/// Moves the JWT authorizer's verified claims from the API Gateway request context into the
/// request extensions, where the `Caller` extractor looks for them.
pub async fn gateway_claims(mut req: Request, next: Next) -> Response {
    let claims = match req.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|jwt| jwt.claims.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<Map<_, _>>()),
        _ => None,
    };
    if let Some(claims) = claims {
        req.extensions_mut().insert(GatewayClaims(claims));
    }
    next.run(req).await
}

/// What one Lambda function serves, named by `SENVAULT_AREA`.
pub enum Area {
    /// An area of the HTTP API: its routes.
    Http(fn() -> utoipa_axum::router::OpenApiRouter<AppState>),
    /// The scheduled overdue scanner.
    Scanner,
    /// Objects created under `uploads/` (EventBridge): removes those that arrived after their
    /// slot closed ([`crate::late_uploads`]).
    LateUploads,
    /// Bundle builds recorded in the table (its stream): compiles each ([`crate::builder`]).
    Bundles,
    /// Exports recorded in the table (its stream): makes each ([`crate::exporter`]).
    Exports,
}

impl Area {
    pub const NAMES: &'static str =
        "cases, documents, me, access, tickets, sync, overdue-scanner, late-uploads, bundles, exports";

    pub fn parse(name: &str) -> Option<Area> {
        Some(match name {
            "cases" => Area::Http(crate::api::cases_routes),
            "documents" => Area::Http(crate::api::documents_routes),
            "me" => Area::Http(crate::api::me_routes),
            "access" => Area::Http(crate::api::access_routes),
            "tickets" => Area::Http(crate::api::tickets_routes),
            "sync" => Area::Http(crate::api::sync_routes),
            "overdue-scanner" => Area::Scanner,
            "late-uploads" => Area::LateUploads,
            "bundles" => Area::Bundles,
            "exports" => Area::Exports,
            _ => return None,
        })
    }
}

/// The scheduled overdue scanner. Idempotent: a retry or an overlapping run never duplicates a
/// reminder, an alert or a missed-deadline note. A run with failures returns an error so the
/// invocation counts as failed (and alarms), while everything that failed stays due for the
/// next run.
pub async fn run_scanner() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = Config::from_env()?;
    let service = crate::service::Service::new(store(&config).await, Arc::new(SystemClock));
    let service = &service;
    lambda_runtime::run(lambda_runtime::service_fn(move |_event: lambda_runtime::LambdaEvent<Value>| async move {
        let report = crate::scanner::scan(service, chrono::Utc::now()).await?;
        Ok::<crate::scanner::ScanReport, lambda_runtime::Error>(report)
    }))
    .await
}

/// Removes each upload an S3 "Object Created" event reports whose slot had closed. A failure
/// fails the invocation, so EventBridge retries it (the sweep is idempotent).
pub async fn run_late_uploads() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = Config::from_env()?;
    let store = store(&config).await;
    let Some(blobs) = setup::s3_blobs(config.bucket.as_deref(), config.kms_key.clone()).await else {
        return Err(ConfigError::Missing("BUCKET_NAME").into());
    };
    let (store, blobs) = (&store, &blobs);
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<Value>| async move {
        let mut removed = 0usize;
        for key in crate::late_uploads::created_keys(&event.payload) {
            let swept = crate::late_uploads::sweep(store.as_ref(), blobs.as_ref(), &key).await?;
            tracing::info!(key, ?swept, "upload event");
            removed += usize::from(swept == crate::late_uploads::Swept::Removed);
        }
        Ok::<Value, lambda_runtime::Error>(serde_json::json!({ "removed": removed }))
    }))
    .await
}

/// The builds a DynamoDB stream event reports newly recorded: each inserted record whose key is
/// a build's (`bundle/<bid>/build/<id>` in a child's scope). Anything else in the event (a new
/// bundle, a malformed record) is skipped.
pub fn recorded_builds(event: &Value) -> Vec<(ChildId, BundleId, BuildId)> {
    inserted_keys(event)
        .into_iter()
        .filter_map(|(pk, sk)| {
            let child: ChildId = pk.strip_prefix("S#child:")?.parse().ok()?;
            let mut parts = sk.strip_prefix("R#bundle/")?.split('/');
            let bundle: BundleId = parts.next()?.parse().ok()?;
            (parts.next()? == "build").then_some(())?;
            let build: BuildId = parts.next()?.parse().ok()?;
            parts.next().is_none().then_some((child, bundle, build))
        })
        .collect()
}

/// The exports a DynamoDB stream event reports newly asked for: each inserted record whose key
/// is an export's (`export/<id>` in a user's scope).
pub fn recorded_exports(event: &Value) -> Vec<(UserId, ExportId)> {
    inserted_keys(event)
        .into_iter()
        .filter_map(|(pk, sk)| {
            let user: UserId = pk.strip_prefix("S#user:")?.parse().ok()?;
            let id: ExportId = sk.strip_prefix("R#export/")?.parse().ok()?;
            Some((user, id))
        })
        .collect()
}

/// The keys of the records a stream event reports inserted.
fn inserted_keys(event: &Value) -> Vec<(String, String)> {
    let records = event.get("Records").and_then(Value::as_array).cloned().unwrap_or_default();
    records
        .iter()
        .filter(|r| r.get("eventName").and_then(Value::as_str) == Some("INSERT"))
        .filter_map(|r| {
            let image = r.get("dynamodb")?.get("NewImage").or_else(|| r.get("dynamodb")?.get("Keys"))?;
            Some((image.get("PK")?.get("S")?.as_str()?.to_owned(), image.get("SK")?.get("S")?.as_str()?.to_owned()))
        })
        .collect()
}

/// What a stream-started function makes of the records the table's stream reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Bundle builds (the `bundles` function).
    Builds,
    /// Exports (the `exports` function).
    Exports,
}

/// Makes every bundle build, or every export, the event reports (the other kind is another
/// function's). One that fails on its files is recorded as failed (the user is told why); a
/// failure to record anything fails the invocation, so the stream retries it (one already
/// ready is left alone).
pub async fn build_recorded(
    service: &crate::service::Service,
    blobs: Arc<dyn crate::blobs::Blobs>,
    event: &Value,
    what: Recorded,
) -> Result<usize, crate::service::ServiceError> {
    match what {
        Recorded::Builds => {
            let builds = recorded_builds(event);
            for (child, bundle, build) in &builds {
                let done = crate::builder::run(service, blobs.clone(), *child, *bundle, *build).await?;
                tracing::info!(build = %build, state = %done.state, "bundle build");
            }
            Ok(builds.len())
        }
        Recorded::Exports => {
            let exports = recorded_exports(event);
            for (user, export) in &exports {
                let done = crate::exporter::run(service, blobs.clone(), user.clone(), *export).await?;
                tracing::info!(export = %export, state = %done.state, "export");
            }
            Ok(exports.len())
        }
    }
}

/// The `bundles` and `exports` functions: make what the table's stream reports.
pub async fn run_recorded(what: Recorded) -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = Config::from_env()?;
    let service = crate::service::Service::new(store(&config).await, Arc::new(SystemClock));
    let Some(blobs) = setup::s3_blobs(config.bucket.as_deref(), config.kms_key.clone()).await else {
        return Err(ConfigError::Missing("BUCKET_NAME").into());
    };
    let (service, blobs) = (&service, &blobs);
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<Value>| async move {
        let built = build_recorded(service, blobs.clone(), &event.payload, what).await?;
        Ok::<Value, lambda_runtime::Error>(serde_json::json!({ "built": built }))
    }))
    .await
}

/// Serves an area's routes as this Lambda function.
pub async fn serve_http(routes: utoipa_axum::router::OpenApiRouter<AppState>) -> Result<(), lambda_http::Error> {
    init_logging();
    let config = Config::from_env()?;
    let state = http_state(&config).await;
    let app = crate::api::finish(routes, state).layer(axum::middleware::from_fn(gateway_claims));
    lambda_http::run(app).await
}
