//! The sync endpoints (`docs/sync.md`) the mobile core talks to. The wire types are
//! the store crate's `sync` module (shared with the phone); the schemas here describe them for the
//! OpenAPI document, with commands and records as the objects the API's own endpoints take
//! and answer.

use crate::service::sync::wire::{
    MutationOutcome, Outcome, PullRequest, PullResponse, PushRequest, PushResponse, Rejection, SCHEMA, ScopePull,
    ScopesResponse,
};
use axum::Json;
use axum::extract::State;
use senvault_domain::Scope;
use senvault_domain::sync::Receipt;

use super::AppState;
use super::extract::{ApiJson, Caller};
use crate::problem::Problem;
use crate::service::sync::MAX_PULL_SCOPES;

/// A device's changes, oldest first (the wire type `PushRequest`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PushIn {
    /// A UUID the device chose once; bound to the user who first pushes with it.
    #[schema(format = "uuid")]
    client_id: String,
    /// The protocol version (1).
    #[schema(minimum = 1, maximum = 1)]
    schema: u32,
    #[schema(max_items = 500)]
    mutations: Vec<MutationIn>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MutationIn {
    /// Rises by one per device, from 1; the next after the server's `lmid`.
    #[schema(minimum = 1)]
    mid: u64,
    /// The scope the command writes, e.g. `child:<id>`.
    scope: String,
    /// The operation's id: a UUIDv7 minted on the device when the change was made.
    #[schema(format = "uuid")]
    op: String,
    /// A command, e.g. `{"case": {"child_id", "case_id", "command": {"add_note": {...}}}}`.
    #[schema(value_type = Object)]
    command: serde_json::Value,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PushOut {
    /// The last mutation the server has applied for this device: trim the outbox up to it.
    lmid: u64,
    outcomes: Vec<OutcomeOut>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OutcomeOut {
    mid: u64,
    /// `applied`, `rejected` (with `reason`) or `overridden`.
    #[schema(pattern = "^(applied|rejected|overridden)$")]
    outcome: String,
    reason: Option<RejectionOut>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RejectionOut {
    /// The HTTP status the same command would have had through the API.
    status: u16,
    code: String,
    detail: String,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PullIn {
    #[schema(format = "uuid")]
    client_id: String,
    #[schema(minimum = 1, maximum = 1)]
    schema: u32,
    #[schema(max_items = 200)]
    scopes: Vec<CursorIn>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CursorIn {
    scope: String,
    epoch: u64,
    /// The last change the device holds (0: download the scope).
    seq: u64,
    /// While a first download continues: the `resume` the last answer gave.
    resume: Option<String>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PullOut {
    lmid: u64,
    /// Per scope: `state` is `changes` (`to`, `resume?`, `has_more`, `upserts`, `deletes`),
    /// `reset` (`reason`: `epoch_changed` | `below_horizon`) or `revoked`.
    #[schema(value_type = Vec<Object>)]
    scopes: Vec<serde_json::Value>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ScopesOut {
    /// The caller's user id and role, as the token names them.
    user: String,
    role: senvault_domain::RoleClaim,
    /// `{scope, role, epoch, seq}` for each scope the caller may sync.
    #[schema(value_type = Vec<Object>)]
    scopes: Vec<serde_json::Value>,
}

fn check_envelope(client_id: &str, schema: u32) -> Result<(), Problem> {
    let mut errors = Vec::new();
    if uuid::Uuid::parse_str(client_id).is_err() {
        errors.push(senvault_domain::FieldError::new("client_id", "must be a UUID"));
    }
    if schema != SCHEMA {
        errors.push(senvault_domain::FieldError::new(
            "schema",
            format!("this server speaks sync schema {SCHEMA}; update the app"),
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(Problem::invalid(errors)) }
}

/// Push a device's changes. Each runs through the same rules and access checks as the REST
/// API, exactly once per `(client_id, mid)`: a retried push is answered from the server's
/// receipts. A push whose mids skip one, or that names a malformed command, applies nothing.
#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", request_body = PushIn,
    responses((status = 200, body = PushOut), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn push(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiJson(body): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, Problem> {
    check_envelope(&body.client_id, body.schema)?;
    let (lmid, receipts) = state.service.push(&actor, &body.client_id, body.mutations).await?;
    tracing::info!(mutations = receipts.len(), lmid, "sync push");
    Ok(Json(PushResponse { lmid, outcomes: receipts.into_iter().map(outcome).collect() }))
}

fn outcome(r: Receipt) -> MutationOutcome {
    let outcome = match r.refused {
        None => Outcome::Applied,
        Some(f) => {
            Outcome::Rejected { reason: Rejection { status: f.status, code: f.code, detail: f.detail }, current: None }
        }
    };
    MutationOutcome { mid: r.mid, outcome }
}

/// Pull what changed in each scope after the device's cursor (collapsed to current state,
/// paged by about 1 MB), or `reset` / `revoked` for that scope.
#[utoipa::path(post, path = "/v1/sync/pull", tag = "sync", request_body = PullIn,
    responses((status = 200, body = PullOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn pull(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiJson(body): ApiJson<PullRequest>,
) -> Result<Json<PullResponse>, Problem> {
    check_envelope(&body.client_id, body.schema)?;
    if body.scopes.len() > MAX_PULL_SCOPES {
        let field = senvault_domain::FieldError::new("scopes", format!("at most {MAX_PULL_SCOPES} per pull"));
        return Err(Problem::invalid(vec![field]));
    }
    let mut parsed = Vec::with_capacity(body.scopes.len());
    for (n, c) in body.scopes.into_iter().enumerate() {
        let Ok(scope) = c.scope.parse::<Scope>() else {
            let field = senvault_domain::FieldError::new(format!("scopes[{n}].scope"), "not a scope");
            return Err(Problem::invalid(vec![field]));
        };
        parsed.push((scope, c));
    }
    let lmid = state.service.lmid(&actor, &body.client_id).await?;
    let mut scopes = Vec::with_capacity(parsed.len());
    for (scope, c) in parsed {
        let state = state.service.pull_scope(&actor, &scope, c.cursor, c.resume).await?;
        scopes.push(ScopePull { scope: c.scope, state });
    }
    Ok(Json(PullResponse { lmid, scopes }))
}

/// The scopes the caller may sync (their own, and each they are a member of) with their role
/// and the server's cursor.
#[utoipa::path(get, path = "/v1/sync/scopes", tag = "sync", responses((status = 200, body = ScopesOut)))]
pub async fn scopes(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
) -> Result<Json<ScopesResponse>, Problem> {
    let scopes = state.service.sync_scopes(&actor).await?;
    Ok(Json(ScopesResponse { user: actor.user, role: actor.role, scopes }))
}
