//! The sync endpoints (`docs/sync.md`) the mobile core talks to. The wire types are the store
//! crate's `sync` module, shared with the phone; their OpenAPI schemas are derived from the
//! same types (the store's `openapi` feature), so the document cannot drift from the protocol.

use crate::service::sync::wire::{
    MAX_COUNTER, MutationOutcome, Outcome, PullRequest, PullResponse, PushRequest, PushResponse, SCHEMA, ScopePull,
    ScopesResponse,
};
use axum::Json;
use axum::extract::State;
use senvault_domain::Scope;
use senvault_domain::sync::{Receipt, WITHDRAWN};

use super::AppState;
use super::extract::{ApiJson, Caller};
use crate::problem::Problem;
use crate::service::sync::MAX_PULL_SCOPES;

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
#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn push(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiJson(body): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, Problem> {
    check_envelope(&body.client_id, body.schema)?;
    // What the document states of each mutation, before any runs.
    let mut errors = Vec::new();
    for (n, m) in body.mutations.iter().enumerate() {
        if m.base.is_some_and(|b| !(1..=MAX_COUNTER).contains(&b)) {
            let message = format!("from 1 to {MAX_COUNTER}");
            errors.push(senvault_domain::FieldError::new(format!("mutations[{n}].base"), message));
        }
        if let Some((field, message)) = m.command.shape_error() {
            let field = if field.is_empty() {
                format!("mutations[{n}].command")
            } else {
                format!("mutations[{n}].command.{field}")
            };
            errors.push(senvault_domain::FieldError::new(field, message));
        }
        if m.scope != WITHDRAWN && m.scope.parse::<Scope>().is_err() {
            errors.push(senvault_domain::FieldError::new(format!("mutations[{n}].scope"), "not a scope"));
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let (lmid, receipts) = state.service.push(&actor, &body.client_id, body.mutations).await?;
    tracing::info!(mutations = receipts.len(), lmid, "sync push");
    Ok(Json(PushResponse { lmid, outcomes: receipts.into_iter().map(outcome).collect() }))
}

fn outcome(r: Receipt) -> MutationOutcome {
    let outcome = match r.refused {
        None => Outcome::Applied,
        Some(reason) => Outcome::Rejected { reason, current: None },
    };
    MutationOutcome { mid: r.mid, outcome }
}

/// Pull what changed in each scope after the device's cursor (collapsed to current state,
/// paged by about 1 MB), or `reset` / `revoked` for that scope.
#[utoipa::path(post, path = "/v1/sync/pull", tag = "sync", request_body = PullRequest,
    responses((status = 200, body = PullResponse), (status = 403, body = Problem), (status = 422, body = Problem)))]
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
        if c.epoch > MAX_COUNTER || c.seq > MAX_COUNTER {
            let field = senvault_domain::FieldError::new(
                format!("scopes[{n}]"),
                format!("epoch and seq are at most {MAX_COUNTER}"),
            );
            return Err(Problem::invalid(vec![field]));
        }
        parsed.push((scope, c));
    }
    let lmid = state.service.lmid(&actor, &body.client_id).await?;
    let mut scopes = Vec::with_capacity(parsed.len());
    for (scope, c) in parsed {
        let state = state.service.pull_scope(&actor, &scope, c.cursor(), c.resume).await?;
        scopes.push(ScopePull { scope: c.scope, state });
    }
    Ok(Json(PullResponse { lmid, scopes }))
}

/// The scopes the caller may sync (their own, and each they are a member of) with their role
/// and the server's cursor.
#[utoipa::path(get, path = "/v1/sync/scopes", tag = "sync", responses((status = 200, body = ScopesResponse)))]
pub async fn scopes(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
) -> Result<Json<ScopesResponse>, Problem> {
    let scopes = state.service.sync_scopes(&actor).await?;
    Ok(Json(ScopesResponse { user: actor.user, role: actor.role, scopes }))
}
