//! Advocacy organisations: their profiles, members, and the assignment of their tickets.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use senvault_domain::support::{OrgMember, Organisation};
use senvault_domain::{
    AdvocateId, Command, OrgCommand, OrgRole, OrganisationId, OrganisationInput, Record, Scope, TicketCommand, keys,
};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, parse_id};
use super::{AppState, Made, respond};
use crate::problem::Problem;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Organisations {
    pub items: Vec<Organisation>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Members {
    pub items: Vec<OrgMember>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    pub role: OrgRole,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    /// A member advocate of the organisation.
    pub advocate_id: AdvocateId,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationsQuery {
    /// A local authority, spelt as families know it.
    #[param(max_length = 200)]
    pub area: Option<String>,
}

fn org_id(raw: &str) -> Result<OrganisationId, Problem> {
    parse_id("id", raw)
}

async fn on_org(
    state: &AppState,
    caller: Caller,
    id: OrganisationId,
    command: OrgCommand,
) -> Result<crate::service::Executed, Problem> {
    let Caller { actor, op, .. } = caller;
    Ok(state.service.execute(&actor, Command::Org { org_id: id, command }, op).await?)
}

/// Organisations taking on families, optionally in one area.
#[utoipa::path(get, path = "/v1/organisations", tag = "tickets", params(OrganisationsQuery),
    responses((status = 200, body = Organisations), (status = 400, body = Problem)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    Caller { .. }: Caller,
    ApiQuery(q): ApiQuery<OrganisationsQuery>,
) -> Result<Json<Organisations>, Problem> {
    if q.area.as_deref().is_some_and(|a| a.chars().count() > senvault_domain::error::limits::NAME) {
        return Err(Problem::invalid(vec![senvault_domain::FieldError::new("area", "must be at most 200 characters")]));
    }
    Ok(Json(Organisations { items: state.service.organisations(q.area.as_deref()).await? }))
}

/// One organisation.
#[utoipa::path(get, path = "/v1/organisations/{id}", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Organisation id")),
    responses((status = 200, body = Organisation), (status = 404, body = Problem)))]
pub async fn get_organisation(
    State(state): State<AppState>,
    Caller { .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Organisation>, Problem> {
    Ok(Json(state.service.organisation(org_id(&id)?).await?))
}

/// Create an organisation (an `org_admin` account, who becomes its first admin) or update it
/// (its admins).
#[utoipa::path(put, path = "/v1/organisations/{id}", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Organisation id")),
    request_body = OrganisationInput,
    responses((status = 201, description = "Created", body = Organisation, headers(("Location" = String, description = "The new resource"))), (status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = Organisation), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_organisation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(organisation): ApiJson<OrganisationInput>,
) -> Result<Response, Problem> {
    let id = org_id(&id)?;
    let keyed = caller.keyed;
    let done = on_org(&state, caller, id, OrgCommand::SetOrganisation { organisation }).await?;
    match done.snapshot.get(&Scope::Org(id), keys::ORG_PROFILE) {
        Some(Record::Organisation(o)) => {
            let version = done.snapshot.entry(&Scope::Org(id), keys::ORG_PROFILE).map(|v| v.version);
            Ok(respond(
                Made::by_put(done.changed, version, format!("/v1/organisations/{id}")),
                done.changed,
                keyed,
                o.clone(),
            ))
        }
        _ => Err(Problem::not_found("organisation")),
    }
}

/// The organisation's members (its members only).
#[utoipa::path(get, path = "/v1/organisations/{id}/members", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Organisation id")),
    responses((status = 200, body = Members), (status = 404, body = Problem)))]
pub async fn list_members(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Members>, Problem> {
    Ok(Json(Members { items: state.service.org_members(&actor, org_id(&id)?).await? }))
}

/// Add an advocate to the organisation, or change their role (its admins).
#[utoipa::path(put, path = "/v1/organisations/{id}/members/{advocate_id}", tag = "tickets",
    params(("id" = uuid::Uuid, Path, description = "Organisation id"), ("advocate_id" = uuid::Uuid, Path, description = "Advocate id")),
    request_body = MemberIn,
    responses((status = 201, description = "Created", body = OrgMember, headers(("Location" = String, description = "The new resource"))), (status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = OrgMember), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, advocate)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<MemberIn>,
) -> Result<Response, Problem> {
    let id = org_id(&id)?;
    let advocate_id: AdvocateId = parse_id("advocate_id", &advocate)?;
    let keyed = caller.keyed;
    let done = on_org(&state, caller, id, OrgCommand::SetMember { advocate_id, role: body.role }).await?;
    let key = keys::org_member(advocate_id);
    match done.snapshot.get(&Scope::Org(id), &key) {
        Some(Record::OrgMember(m)) => {
            let version = done.snapshot.entry(&Scope::Org(id), &key).map(|v| v.version);
            let location = format!("/v1/organisations/{id}/members/{advocate_id}");
            Ok(respond(Made::by_put(done.changed, version, location), done.changed, keyed, m.clone()))
        }
        _ => Err(Problem::not_found("member")),
    }
}

/// Remove a member (its admins).
#[utoipa::path(delete, path = "/v1/organisations/{id}/members/{advocate_id}", tag = "tickets",
    params(("id" = uuid::Uuid, Path, description = "Organisation id"), ("advocate_id" = uuid::Uuid, Path, description = "Advocate id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, advocate)): ApiPath<(String, String)>,
) -> Result<axum::http::StatusCode, Problem> {
    let id = org_id(&id)?;
    let advocate_id: AdvocateId = parse_id("advocate_id", &advocate)?;
    on_org(&state, caller, id, OrgCommand::RemoveMember { advocate_id }).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Give an organisation's ticket to a member advocate, or move it to another (its admins).
/// The family is told who; a moved ticket's outgoing advocate keeps the messages, read-only,
/// and loses any vault access.
#[utoipa::path(post, path = "/v1/tickets/{id}/assign", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Ticket id")),
    request_body = AssignIn,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = senvault_domain::support::TicketDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AssignIn>,
) -> Result<Response, Problem> {
    let ticket: senvault_domain::TicketId = parse_id("id", &id)?;
    let connection_id = state.service.connection_of(ticket).await?;
    let command = Command::Ticket {
        connection_id,
        ticket_id: ticket,
        command: TicketCommand::Assign { advocate_id: body.advocate_id },
    };
    let done = state.service.execute(&actor, command, op).await?;
    Ok(respond(Made::Updated, done.changed, keyed, state.service.ticket(&actor, ticket).await?))
}
