//! The caller's family account and its children.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use senvault_domain::{Child, ChildId, ChildPatch, Command, FamilyCommand, FamilyId, Record, Scope, keys};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf, Made, respond};
use crate::problem::Problem;
use crate::service::FamilyView;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFamily {
    /// Client-chosen UUIDv7 (optional; safe retries reuse it).
    pub id: Option<FamilyId>,
    #[schema(max_length = 200, pattern = r"\S")]
    pub name: String,
}

/// Create the caller's family account (family role only; one per user).
#[utoipa::path(post, path = "/v1/family", tag = "cases", request_body = NewFamily,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = FamilyView, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_family(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiJson(body): ApiJson<NewFamily>,
) -> Result<Response, Problem> {
    let family_id = body.id.unwrap_or(FamilyId(op.derive("family")));
    let command = Command::family(family_id, FamilyCommand::CreateFamily { name: body.name });
    let done = state.service.execute(&actor, command, op).await?;
    Ok(respond(
        Made::Created { location: "/v1/family".into() },
        done.changed,
        keyed,
        state.service.family(&actor, family_id).await?,
    ))
}

/// The caller's family and its members.
#[utoipa::path(get, path = "/v1/family", tag = "cases", responses((status = 200, body = FamilyView), (status = 404, body = Problem)))]
pub async fn get_family(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
) -> Result<Json<FamilyView>, Problem> {
    let family = state.service.family_of(&actor).await?;
    Ok(Json(state.service.family(&actor, family).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChild {
    pub id: Option<ChildId>,
    #[schema(max_length = 200, pattern = r"\S")]
    pub name: String,
    #[serde(deserialize_with = "senvault_domain::dates::strict::date")]
    #[schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")]
    pub date_of_birth: NaiveDate,
    #[schema(max_length = 200, pattern = r"\S")]
    pub local_authority: String,
    #[schema(max_length = 200)]
    pub school: Option<String>,
}

/// Add a child to the caller's family.
#[utoipa::path(post, path = "/v1/children", tag = "cases", request_body = NewChild,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = Child, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_child(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiJson(body): ApiJson<NewChild>,
) -> Result<Response, Problem> {
    let family_id = state.service.family_of(&actor).await?;
    let child_id = body.id.unwrap_or(ChildId(op.derive("child")));
    let command = Command::family(
        family_id,
        FamilyCommand::AddChild {
            child_id,
            name: body.name,
            date_of_birth: body.date_of_birth,
            local_authority: body.local_authority,
            school: body.school,
        },
    );
    let done = state.service.execute(&actor, command, op).await?;
    match done.snapshot.get(&Scope::Family(family_id), &keys::family_child(child_id)) {
        Some(Record::Child(child)) => Ok(respond(
            Made::Created { location: format!("/v1/children/{child_id}") },
            done.changed,
            keyed,
            child.clone(),
        )),
        _ => Err(Problem::not_found("child")),
    }
}

/// The children the caller may see: their own, and (for advocates) those granted to them.
#[utoipa::path(get, path = "/v1/children", tag = "cases", params(Paging), responses((status = 200, body = ListOf<Child>), (status = 400, body = Problem)))]
pub async fn list_children(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<ListOf<Child>>, Problem> {
    let page = state.service.children(&actor, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.into()))
}

/// One child.
#[utoipa::path(get, path = "/v1/children/{id}", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Child id")),
    responses((status = 200, body = Child), (status = 404, body = Problem)))]
pub async fn get_child(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Child>, Problem> {
    Ok(Json(state.service.child(&actor, parse_id("id", &id)?).await?))
}

/// Edit a child's details (family only).
#[utoipa::path(patch, path = "/v1/children/{id}", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Child id")),
    request_body = ChildPatch, responses((status = 200, body = Child), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_child(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<ChildPatch>,
) -> Result<Json<Child>, Problem> {
    let child_id: ChildId = parse_id("id", &id)?;
    let family_id = state.service.family_of(&actor).await.map_err(|_| Problem::not_found("child"))?;
    let done = state
        .service
        .execute(&actor, Command::family(family_id, FamilyCommand::EditChild { child_id, patch }), op)
        .await?;
    match done.snapshot.get(&Scope::Family(family_id), &keys::family_child(child_id)) {
        Some(Record::Child(child)) => Ok(Json(child.clone())),
        _ => Err(Problem::not_found("child")),
    }
}
