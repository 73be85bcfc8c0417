//! Advocates' profiles and the directory families search.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use senvault_domain::support::AdvocateProfile;
use senvault_domain::{AdvocateCommand, AdvocateId, Command, ProfileInput, Record, Scope, TicketType, keys};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf, Made, respond};
use crate::problem::Problem;

/// An advocate as families see them (never their sign-in identity).
#[derive(Serialize, utoipa::ToSchema)]
pub struct AdvocateView {
    pub id: AdvocateId,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    pub areas: Vec<String>,
    pub specialisms: Vec<TicketType>,
    /// Hours to a first answer, as they promise it.
    pub response_time_hours: u32,
    /// Taking on new families.
    pub accepting: bool,
    pub bio: String,
    pub reviews: ReviewSummaryView,
    pub updated_at: DateTime<Utc>,
}

/// How many families reviewed the advocate, and their mean rating (one decimal).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewSummaryView {
    pub count: u32,
    pub mean: Option<f64>,
}

impl From<AdvocateProfile> for AdvocateView {
    fn from(p: AdvocateProfile) -> Self {
        AdvocateView {
            id: p.id,
            name: p.name,
            organisation: p.organisation,
            areas: p.areas,
            specialisms: p.specialisms,
            response_time_hours: p.response_time_hours,
            accepting: p.accepting,
            bio: p.bio,
            reviews: ReviewSummaryView { count: p.reviews.count, mean: p.reviews.mean() },
            updated_at: p.updated_at,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// A local authority, spelt as families know it ("Leeds", "Leeds City Council").
    #[param(max_length = 200)]
    pub area: Option<String>,
    /// Only advocates offering this kind of help.
    pub specialism: Option<TicketType>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

/// Advocates taking on new families, by area and kind of help.
#[utoipa::path(get, path = "/v1/advocates", tag = "tickets", params(DirectoryQuery),
    responses((status = 200, body = ListOf<AdvocateView>), (status = 400, body = Problem)))]
pub async fn directory(
    State(state): State<AppState>,
    Caller { .. }: Caller,
    ApiQuery(q): ApiQuery<DirectoryQuery>,
) -> Result<Json<ListOf<AdvocateView>>, Problem> {
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    if q.area.as_deref().is_some_and(|a| a.chars().count() > senvault_domain::error::limits::NAME) {
        return Err(Problem::invalid(vec![senvault_domain::FieldError::new("area", "must be at most 200 characters")]));
    }
    let page =
        state.service.directory(q.area.as_deref(), q.specialism, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.map(AdvocateView::from).into()))
}

/// The directory for one child: who takes on new families in the child's local authority.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChildDirectoryQuery {
    /// Only advocates offering this kind of help.
    pub specialism: Option<TicketType>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

/// Advocates taking on new families in this child's local authority: the directory a family
/// sees when asking for help with one child (anyone who may see the child).
#[utoipa::path(get, path = "/v1/children/{id}/advocates", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Child id"), ChildDirectoryQuery),
    responses((status = 200, body = ListOf<AdvocateView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn child_advocates(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ChildDirectoryQuery>,
) -> Result<Json<ListOf<AdvocateView>>, Problem> {
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let (after, limit) = (paging.after()?, paging.limit()?);
    let child = state.service.child(&actor, parse_id("id", &id)?).await?;
    let page = state.service.directory(Some(&child.local_authority), q.specialism, after.as_deref(), limit).await?;
    Ok(Json(page.map(AdvocateView::from).into()))
}

/// One advocate's profile.
#[utoipa::path(get, path = "/v1/advocates/{id}", tag = "tickets", params(("id" = uuid::Uuid, Path, description = "Advocate id")),
    responses((status = 200, body = AdvocateView), (status = 404, body = Problem)))]
pub async fn get_advocate(
    State(state): State<AppState>,
    Caller { .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AdvocateView>, Problem> {
    let id: AdvocateId = parse_id("id", &id)?;
    Ok(Json(state.service.advocate(id).await?.into()))
}

/// The calling advocate's own profile.
#[utoipa::path(get, path = "/v1/advocates/me", tag = "tickets",
    responses((status = 200, body = AdvocateView), (status = 404, body = Problem)))]
pub async fn get_my_profile(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
) -> Result<Json<AdvocateView>, Problem> {
    Ok(Json(state.service.advocate(AdvocateId::for_user(&actor.user)).await?.into()))
}

/// Create or replace the calling advocate's profile (advocate accounts only). Listed in the
/// directory, under each area, while `accepting`.
#[utoipa::path(put, path = "/v1/advocates/me", tag = "tickets", request_body = ProfileInput,
    responses((status = 201, description = "Created", body = AdvocateView, headers(("Location" = String, description = "The new resource"))), (status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = AdvocateView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_my_profile(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiJson(profile): ApiJson<ProfileInput>,
) -> Result<Response, Problem> {
    let command = Command::Advocate { command: AdvocateCommand::SetProfile { profile } };
    let done = state.service.execute(&actor, command, op).await?;
    let scope = Scope::Advocate(AdvocateId::for_user(&actor.user));
    match done.snapshot.get(&scope, keys::ADVOCATE_PROFILE) {
        Some(Record::AdvocateProfile(p)) => {
            let version = done.snapshot.entry(&scope, keys::ADVOCATE_PROFILE).map(|v| v.version);
            let made = Made::by_put(done.changed, version, "/v1/advocates/me".into());
            Ok(respond(made, done.changed, keyed, AdvocateView::from(p.clone())))
        }
        _ => Err(Problem::not_found("advocate")),
    }
}
