//! The child's timeline: contacts, appointments and events, and the promises made in them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use senvault_domain::timeline::{TimelineEntry, TimelineFilter};
use senvault_domain::{
    ChildId, Command, CommitmentId, EntryPatch, NewEntry, Record, Scope, TimelineCommand, TimelineEntryId,
    TimelineKind, keys,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf, Made, respond};
use crate::problem::Problem;
use crate::service::EntryView;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Only entries of this kind.
    pub kind: Option<TimelineKind>,
    /// Only entries linked to this case.
    #[param(format = Uuid)]
    pub case_id: Option<String>,
    /// Entries dated on or after this day.
    #[param(format = Date, pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")]
    pub from: Option<String>,
    /// Entries dated on or before this day.
    #[param(format = Date, pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")]
    pub to: Option<String>,
    /// Also list entries left out of the chronology.
    pub include_hidden: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeptIn {
    /// The day it was kept; today in England when absent.
    #[serde(default, deserialize_with = "senvault_domain::dates::strict::option")]
    #[schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")]
    pub on: Option<NaiveDate>,
}

fn date_param(field: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, Problem> {
    raw.map(|s| {
        senvault_domain::dates::strict::parse(s)
            .ok_or_else(|| Problem::invalid(vec![senvault_domain::FieldError::new(field, "a date: YYYY-MM-DD")]))
    })
    .transpose()
}

/// Runs a timeline command and answers with the entry as it now stands.
async fn run(
    state: &AppState,
    caller: &Caller,
    child_id: ChildId,
    entry_id: TimelineEntryId,
    command: TimelineCommand,
) -> Result<(bool, TimelineEntry), Problem> {
    let op = Command::Timeline { child_id, entry_id, command };
    let done = state.service.execute(&caller.actor, op, caller.op).await?;
    match done.snapshot.get(&Scope::Child(child_id), &keys::timeline_entry(entry_id)) {
        Some(Record::TimelineEntry(e)) => Ok((done.changed, e.clone())),
        _ => Err(Problem::not_found("timeline entry")),
    }
}

/// Record a contact, an appointment or an event on a child's timeline (the family, or an
/// advocate with `collaborate` access, to whom it is attributed). A dated promise on an entry
/// linked to a case becomes an open action on it; so does an appointment's expected report.
#[utoipa::path(post, path = "/v1/children/{id}/timeline", tag = "timeline", params(("id" = uuid::Uuid, Path, description = "Child id")), request_body = NewEntry,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = TimelineEntry, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_entry(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(entry): ApiJson<NewEntry>,
) -> Result<Response, Problem> {
    let child_id: ChildId = parse_id("id", &id)?;
    let entry_id = entry.id.unwrap_or(TimelineEntryId(caller.op.derive("timeline_entry")));
    let (changed, e) =
        run(&state, &caller, child_id, entry_id, TimelineCommand::AddEntry { entry: Box::new(entry) }).await?;
    let location = format!("/v1/children/{child_id}/timeline/{entry_id}");
    Ok(respond(Made::Created { location }, changed, caller.keyed, e))
}

/// A child's timeline, newest first: filter by kind, case and dates; entries left out of the
/// chronology only with `include_hidden=true`.
#[utoipa::path(get, path = "/v1/children/{id}/timeline", tag = "timeline", params(("id" = uuid::Uuid, Path, description = "Child id"), TimelineQuery),
    responses((status = 200, body = ListOf<TimelineEntry>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_entries(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> Result<Json<ListOf<TimelineEntry>>, Problem> {
    let child_id: ChildId = parse_id("id", &id)?;
    let filter = TimelineFilter {
        kind: q.kind,
        case_id: q.case_id.as_deref().map(|c| parse_id("case_id", c)).transpose()?,
        from: date_param("from", q.from.as_deref())?,
        to: date_param("to", q.to.as_deref())?,
        include_hidden: q.include_hidden.unwrap_or(false),
    };
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let page = state.service.timeline(&actor, child_id, &filter, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.into()))
}

fn ids(child: &str, entry: &str) -> Result<(ChildId, TimelineEntryId), Problem> {
    Ok((parse_id("id", child)?, parse_id("eid", entry)?))
}

/// One entry, with every change made to it (who, when, what it said before).
#[utoipa::path(get, path = "/v1/children/{id}/timeline/{eid}", tag = "timeline",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("eid" = uuid::Uuid, Path, description = "Entry id")),
    responses((status = 200, body = EntryView), (status = 404, body = Problem)))]
pub async fn get_entry(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, eid)): ApiPath<(String, String)>,
) -> Result<Json<EntryView>, Problem> {
    let (child_id, entry_id) = ids(&id, &eid)?;
    Ok(Json(state.service.timeline_entry(&actor, child_id, entry_id).await?))
}

/// Change an entry (the family any; an advocate only those they recorded). The previous version
/// is kept in its history; promises' actions follow.
#[utoipa::path(patch, path = "/v1/children/{id}/timeline/{eid}", tag = "timeline",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("eid" = uuid::Uuid, Path, description = "Entry id")), request_body = EntryPatch,
    responses((status = 200, body = TimelineEntry), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_entry(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, eid)): ApiPath<(String, String)>,
    ApiJson(patch): ApiJson<EntryPatch>,
) -> Result<Response, Problem> {
    let (child_id, entry_id) = ids(&id, &eid)?;
    let (changed, e) =
        run(&state, &caller, child_id, entry_id, TimelineCommand::EditEntry { patch: Box::new(patch) }).await?;
    Ok(respond(Made::Updated, changed, caller.keyed, e))
}

/// Delete an entry and its history; its open promises leave the case's actions (done ones stay,
/// marked "entry deleted").
#[utoipa::path(delete, path = "/v1/children/{id}/timeline/{eid}", tag = "timeline",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("eid" = uuid::Uuid, Path, description = "Entry id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_entry(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, eid)): ApiPath<(String, String)>,
) -> Result<Response, Problem> {
    let (child_id, entry_id) = ids(&id, &eid)?;
    let op = Command::Timeline { child_id, entry_id, command: TimelineCommand::DeleteEntry };
    state.service.execute(&caller.actor, op, caller.op).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Record that a promise was kept (on `on`, default today): its action on the case is
/// completed, and the chronology shows "kept" or "kept N days late".
#[utoipa::path(post, path = "/v1/children/{id}/timeline/{eid}/commitments/{cid}/kept", tag = "timeline",
    params(("id" = uuid::Uuid, Path, description = "Child id"), ("eid" = uuid::Uuid, Path, description = "Entry id"), ("cid" = uuid::Uuid, Path, description = "Commitment id")),
    request_body(content = KeptIn, description = "Optional"),
    responses((status = 200, body = TimelineEntry), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_kept(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, eid, cid)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<KeptIn>,
) -> Result<Response, Problem> {
    let (child_id, entry_id) = ids(&id, &eid)?;
    let commitment_id: CommitmentId = parse_id("cid", &cid)?;
    let on = body.on;
    let (changed, e) =
        run(&state, &caller, child_id, entry_id, TimelineCommand::RecordKept { commitment_id, on }).await?;
    Ok(respond(Made::Updated, changed, caller.keyed, e))
}
