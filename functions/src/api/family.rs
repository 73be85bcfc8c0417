//! The caller's family account and its children.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use senvault_domain::{
    Actor, Child, ChildId, ChildPatch, Command, Family, FamilyId, FamilyMember, Record, Scope, keys,
};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, encode_cursor, parse_id};
use super::{AppState, ListOf, respond};
use crate::problem::Problem;
use crate::service::ServiceError;
use senvault_store::codec::from_stored;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFamily {
    /// Client-chosen UUIDv7 (optional; safe retries reuse it).
    pub id: Option<FamilyId>,
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FamilyView {
    #[serde(flatten)]
    pub family: Family,
    pub members: Vec<FamilyMember>,
}

/// The family the caller belongs to.
pub(crate) async fn family_of(state: &AppState, actor: &Actor) -> Result<FamilyId, Problem> {
    let memberships = state.service.memberships(&actor.user, "family:").await?;
    memberships
        .iter()
        .find_map(|m| match m.scope.parse::<Scope>() {
            Ok(Scope::Family(id)) => Some(id),
            _ => None,
        })
        .ok_or_else(|| Problem::not_found("family (create it with POST /v1/family)"))
}

async fn family_view(state: &AppState, family: FamilyId) -> Result<FamilyView, Problem> {
    let scope = Scope::Family(family);
    let profile =
        state.service.store.get(&scope.to_string(), keys::FAMILY_PROFILE).await.map_err(ServiceError::from)?;
    let Some(Record::Family(family)) =
        profile.map(|r| from_stored(&r).map(|(_, v)| v.record)).transpose().map_err(ServiceError::from)?
    else {
        return Err(Problem::not_found("family"));
    };
    let members = state
        .service
        .list_all(&scope, keys::MEMBER_PREFIX)
        .await?
        .into_iter()
        .filter_map(|(_, r)| match r {
            Record::FamilyMember(m) => Some(m),
            _ => None,
        })
        .collect();
    Ok(FamilyView { family, members })
}

/// Create the caller's family account (family role only; one per user).
#[utoipa::path(post, path = "/v1/family", tag = "cases", request_body = NewFamily,
    responses((status = 201, body = FamilyView), (status = 200, description = "Already created (safe retry)", body = FamilyView),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_family(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<NewFamily>,
) -> Result<Response, Problem> {
    let family_id = body.id.unwrap_or_default();
    let done = state.service.execute(&actor, Command::CreateFamily { family_id, name: body.name }).await?;
    Ok(respond(done.changed, family_view(&state, family_id).await?))
}

/// The caller's family and its members.
#[utoipa::path(get, path = "/v1/family", tag = "cases", responses((status = 200, body = FamilyView), (status = 404, body = Problem)))]
pub async fn get_family(State(state): State<AppState>, Caller(actor): Caller) -> Result<Json<FamilyView>, Problem> {
    let family = family_of(&state, &actor).await?;
    Ok(Json(family_view(&state, family).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChild {
    pub id: Option<ChildId>,
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub local_authority: String,
    pub school: Option<String>,
}

/// Add a child to the caller's family.
#[utoipa::path(post, path = "/v1/children", tag = "cases", request_body = NewChild,
    responses((status = 201, body = Child), (status = 200, body = Child), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_child(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<NewChild>,
) -> Result<Response, Problem> {
    let family_id = family_of(&state, &actor).await?;
    let child_id = body.id.unwrap_or_default();
    let command = Command::AddChild {
        family_id,
        child_id,
        name: body.name,
        date_of_birth: body.date_of_birth,
        local_authority: body.local_authority,
        school: body.school,
    };
    let done = state.service.execute(&actor, command).await?;
    match done.snapshot.get(&Scope::Family(family_id), &keys::family_child(child_id)) {
        Some(Record::Child(child)) => Ok(respond(done.changed, child.clone())),
        _ => Err(Problem::not_found("child")),
    }
}

/// The children the caller may see: their own, and (for advocates) those granted to them.
#[utoipa::path(get, path = "/v1/children", tag = "cases", params(Paging), responses((status = 200, body = ListOf<Child>)))]
pub async fn list_children(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<ListOf<Child>>, Problem> {
    let store = &state.service.store;
    let user_scope = Scope::User(actor.user.clone()).to_string();
    let prefix = format!("{}child:", keys::MEMBERSHIP_PREFIX);
    let page = store
        .list(&user_scope, &prefix, paging.after()?.as_deref(), paging.limit()?)
        .await
        .map_err(ServiceError::from)?;
    let mut items = Vec::with_capacity(page.items.len());
    for row in &page.items {
        let Record::Membership(m) = from_stored(row).map_err(ServiceError::from)?.1.record else {
            continue;
        };
        if let Some(profile) = store.get(&m.scope, keys::CHILD_PROFILE).await.map_err(ServiceError::from)?
            && let Record::Child(child) = from_stored(&profile).map_err(ServiceError::from)?.1.record
        {
            items.push(child);
        }
    }
    Ok(Json(ListOf { items, next_cursor: page.next.as_deref().map(encode_cursor) }))
}

pub(super) async fn child_profile(state: &AppState, actor: &Actor, child_id: ChildId) -> Result<Child, Problem> {
    let scope = Scope::Child(child_id);
    state.service.require_member(actor, &scope, "child").await?;
    let row = state.service.store.get(&scope.to_string(), keys::CHILD_PROFILE).await.map_err(ServiceError::from)?;
    match row.map(|r| from_stored(&r)).transpose().map_err(ServiceError::from)?.map(|(_, v)| v.record) {
        Some(Record::Child(c)) => Ok(c),
        _ => Err(Problem::not_found("child")),
    }
}

/// One child.
#[utoipa::path(get, path = "/v1/children/{id}", tag = "cases", params(("id" = String, Path, description = "Child id")),
    responses((status = 200, body = Child), (status = 404, body = Problem)))]
pub async fn get_child(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Child>, Problem> {
    let child_id = parse_id("id", &id)?;
    Ok(Json(child_profile(&state, &actor, child_id).await?))
}

/// Edit a child's details (family only).
#[utoipa::path(patch, path = "/v1/children/{id}", tag = "cases", params(("id" = String, Path, description = "Child id")),
    request_body = ChildPatch, responses((status = 200, body = Child), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_child(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<ChildPatch>,
) -> Result<Json<Child>, Problem> {
    let child_id: ChildId = parse_id("id", &id)?;
    let family_id = family_of(&state, &actor).await.map_err(|_| Problem::not_found("child"))?;
    let done = state.service.execute(&actor, Command::EditChild { family_id, child_id, patch }).await?;
    match done.snapshot.get(&Scope::Family(family_id), &keys::family_child(child_id)) {
        Some(Record::Child(child)) => Ok(Json(child.clone())),
        _ => Err(Problem::not_found("child")),
    }
}
