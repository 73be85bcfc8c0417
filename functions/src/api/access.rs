//! Who may see which child: connections and the access granted on them, ending support,
//! handovers, reviews of advocates, and the family's audit log (`docs/access.md`).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use senvault_domain::audit::AuditFilter;
use senvault_domain::support::{ConnectionView, GrantedChildren, Review, TicketDetail};
use senvault_domain::{
    AdvocateId, AuditEntry, ChildId, Command, ConnectionId, FamilyCommand, GrantLevel, HandoverReason, Record, Scope,
    TicketCommand, TicketId, UserId, keys,
};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf, Made, respond};
use crate::problem::Problem;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIn {
    /// `{"kind": "all"}` (every child, those added later included) or `{"kind": "listed", "children": [ids]}`.
    pub children: GrantedChildren,
    pub level: GrantLevel,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeIn {
    /// Take access back from these children only (default: all of it).
    pub children: Option<Vec<ChildId>>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndIn {
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverIn {
    pub to_advocate_id: AdvocateId,
    /// What the incoming advocate needs to know; they read it, with the messages, once they accept.
    #[schema(max_length = 20000, pattern = r"\S")]
    pub summary: String,
    pub reason: HandoverReason,
    /// The new connection's id (a client may choose it, to retry safely offline).
    pub id: Option<ConnectionId>,
    pub ticket_id: Option<TicketId>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    #[serde(deserialize_with = "senvault_domain::wire::int")]
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub text: String,
}

/// A review as the public sees it (not which family wrote it, nor who).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub rating: u8,
    pub text: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        ReviewView { rating: r.rating, text: r.text, created_at: r.created_at, updated_at: r.updated_at }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Connections {
    pub items: Vec<ConnectionView>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only lines about this child's records.
    #[param(format = Uuid)]
    pub child_id: Option<String>,
    /// Only lines by this person (their user id, as the lines show it).
    #[param(max_length = 128, pattern = "^[A-Za-z0-9._@|+-]+$")]
    pub actor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

fn connection_id(raw: &str) -> Result<ConnectionId, Problem> {
    parse_id("id", raw)
}

/// Runs a family command about one of its connections and answers with the connection.
async fn family_on_connection(
    state: &AppState,
    caller: Caller,
    id: ConnectionId,
    command: FamilyCommand,
) -> Result<Response, Problem> {
    let Caller { actor, op, keyed } = caller;
    let family = state.service.family_of(&actor).await?;
    let done = state.service.execute(&actor, Command::family(family, command), op).await?;
    Ok(respond(Made::Updated, done.changed, keyed, state.service.connection(&actor, id).await?))
}

/// The caller's connections (as a family, an advocate or an organisation's admin), newest
/// first, each with the access granted on it.
#[utoipa::path(get, path = "/v1/connections", tag = "access",
    responses((status = 200, body = Connections)))]
pub async fn list_connections(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
) -> Result<Json<Connections>, Problem> {
    Ok(Json(Connections { items: state.service.connections(&actor).await? }))
}

/// One connection.
#[utoipa::path(get, path = "/v1/connections/{id}", tag = "access", params(("id" = uuid::Uuid, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionView), (status = 404, body = Problem)))]
pub async fn get_connection(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ConnectionView>, Problem> {
    Ok(Json(state.service.connection(&actor, connection_id(&id)?).await?))
}

/// Give (or change) the advocate's access to children's records (the family; an active
/// connection). `view` reads everything of those children; `collaborate` also changes cases.
#[utoipa::path(post, path = "/v1/connections/{id}/grants", tag = "access", params(("id" = uuid::Uuid, Path, description = "Connection id")),
    request_body = GrantIn,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = ConnectionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn grant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<GrantIn>,
) -> Result<Response, Problem> {
    let id = connection_id(&id)?;
    let command = FamilyCommand::Grant { connection_id: id, children: body.children, level: body.level };
    family_on_connection(&state, caller, id, command).await
}

/// Take access back, from some children or all (the family). Effective on the advocate's very
/// next request.
#[utoipa::path(delete, path = "/v1/connections/{id}/grants", tag = "access", params(("id" = uuid::Uuid, Path, description = "Connection id")),
    request_body(content = RevokeIn, description = "Which children (default, or no body: all)"),
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = ConnectionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RevokeIn>,
) -> Result<Response, Problem> {
    let id = connection_id(&id)?;
    let children = body.children;
    family_on_connection(&state, caller, id, FamilyCommand::Revoke { connection_id: id, children }).await
}

/// End the support (the family): the connection ends and every grant on it is revoked, in one
/// commit; the messages stay readable to both, read-only.
#[utoipa::path(post, path = "/v1/connections/{id}/end", tag = "access", params(("id" = uuid::Uuid, Path, description = "Connection id")),
    request_body = EndIn,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = ConnectionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn end_support(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<EndIn>,
) -> Result<Response, Problem> {
    let id = connection_id(&id)?;
    family_on_connection(&state, caller, id, FamilyCommand::EndSupport { connection_id: id, note: body.note }).await
}

/// Hand the family over to another advocate (the advocate): a request to them opens; when they
/// accept, this connection ends. Vault access never goes with it.
#[utoipa::path(post, path = "/v1/connections/{id}/handover", tag = "access", params(("id" = uuid::Uuid, Path, description = "Connection id")),
    request_body = HandoverIn,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = TicketDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn handover(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<HandoverIn>,
) -> Result<Response, Problem> {
    let id = connection_id(&id)?;
    let view = state.service.connection(&actor, id).await?;
    let new_connection_id = body.id.unwrap_or(ConnectionId(op.derive("connection")));
    let new_ticket_id = body.ticket_id.unwrap_or(TicketId(op.derive("ticket")));
    let command = TicketCommand::Handover {
        to_advocate_id: body.to_advocate_id,
        summary: body.summary,
        reason: body.reason,
        new_connection_id,
        new_ticket_id,
    };
    let done = state
        .service
        .execute(&actor, Command::Ticket { connection_id: id, ticket_id: view.ticket_id, command }, op)
        .await?;
    // The outgoing advocate is not a party to the new connection: answer with this ticket, whose
    // page now carries the handover.
    Ok(respond(Made::Updated, done.changed, keyed, state.service.ticket(&actor, view.ticket_id).await?))
}

/// Review an advocate the family has worked with (rating 1–5): one review per family,
/// changed by posting again.
#[utoipa::path(post, path = "/v1/advocates/{id}/reviews", tag = "access", params(("id" = uuid::Uuid, Path, description = "Advocate id")),
    request_body = ReviewIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = ReviewView, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn review(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReviewIn>,
) -> Result<Response, Problem> {
    let advocate_id: AdvocateId = parse_id("id", &id)?;
    let family = state.service.family_of(&actor).await?;
    // The family's connection with this advocate that makes the review theirs to write.
    let connection = state
        .service
        .connections(&actor)
        .await?
        .into_iter()
        .filter(|c| c.advocate_id == Some(advocate_id) && c.family_id == family)
        .max_by_key(|c| c.state != senvault_domain::ConnectionState::Requested)
        .ok_or(senvault_domain::DomainError::Forbidden { rule: "families review advocates they have worked with" })?;
    let command =
        FamilyCommand::Review { advocate_id, connection_id: connection.id, rating: body.rating, text: body.text };
    let done = state.service.execute(&actor, Command::family(family, command), op).await?;
    match done.snapshot.get(&Scope::Advocate(advocate_id), &keys::review(family)) {
        Some(Record::Review(r)) => Ok(respond(
            Made::Created { location: format!("/v1/advocates/{advocate_id}/reviews") },
            done.changed,
            keyed,
            ReviewView::from(r.clone()),
        )),
        _ => Err(Problem::not_found("review")),
    }
}

/// An advocate's reviews, oldest first.
#[utoipa::path(get, path = "/v1/advocates/{id}/reviews", tag = "access", params(("id" = uuid::Uuid, Path, description = "Advocate id"), Paging),
    responses((status = 200, body = ListOf<ReviewView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    Caller { .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<ListOf<ReviewView>>, Problem> {
    let advocate_id: AdvocateId = parse_id("id", &id)?;
    let page = state.service.reviews(advocate_id, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.map(ReviewView::from).into()))
}

/// The family's audit log, newest first: every change by anyone and every advocate's read of a
/// child's records (who, what kind, which record, when — never content). The family only.
#[utoipa::path(get, path = "/v1/audit", tag = "access", params(AuditQuery),
    responses((status = 200, body = ListOf<AuditEntry>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn audit(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<ListOf<AuditEntry>>, Problem> {
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let child = q.child_id.as_deref().map(|c| parse_id::<ChildId>("child_id", c)).transpose()?;
    let who = q
        .actor
        .as_deref()
        .map(|a| {
            a.parse::<UserId>()
                .map_err(|_| Problem::invalid(vec![senvault_domain::FieldError::new("actor", "not a user id")]))
        })
        .transpose()?;
    let filter = AuditFilter { child, actor: who };
    let page = state.service.audit(&actor, &filter, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.into()))
}
