//! EHCP cases: the case page, status, key dates, notes and next actions.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use senvault_domain::{
    ActionId, ActionPatch, ActionView, Actor, AppealableDecision, Case, CaseDetail, CaseId, CaseStatus, ChildId,
    CloseOutcome, Command, KeyDateId, KeyDateKind, NewAction, Note, NoteId, NoteTopic, Record, Scope, Section, keys,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf, list_of, respond};
use crate::problem::Problem;
use crate::service::{Executed, ServiceError};
use senvault_store::Index;
use senvault_store::index::cases_partition;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub id: Option<CaseId>,
    pub child_id: ChildId,
    pub status: CaseStatus,
    pub summary: String,
    pub next_action: Option<NewAction>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    pub summary: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeIn {
    pub status: CaseStatus,
    pub note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseIn {
    pub outcome: CloseOutcome,
    pub note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyDateIn {
    /// To correct an earlier repeating key date (review meetings, notices, hearings).
    pub id: Option<KeyDateId>,
    pub kind: KeyDateKind,
    pub date: NaiveDate,
    /// For `decision_notice`: which appealable decision it records.
    pub decision: Option<AppealableDecision>,
    /// For `decision_notice`: an appeal about Section I only (no mediation needed).
    #[serde(default)]
    pub section_i_only: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    pub id: Option<NoteId>,
    pub text: String,
    pub topic: Option<NoteTopic>,
    pub section: Option<Section>,
    pub document_id: Option<uuid::Uuid>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteIn {
    /// Defaults to today in England.
    pub completed_on: Option<NaiveDate>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// The child whose cases to list.
    pub child_id: String,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn case_id(raw: &str) -> Result<CaseId, Problem> {
    parse_id("id", raw)
}

/// Runs a case command and answers with the case page.
async fn run_for_detail(
    state: &AppState,
    actor: &Actor,
    case_id: CaseId,
    command: Command,
) -> Result<(bool, CaseDetail), Problem> {
    let done: Executed = state.service.execute(actor, command).await?;
    Ok((done.changed, state.service.detail_from(&done.snapshot, &done.scope, case_id)?))
}

/// Open a case for a child.
#[utoipa::path(post, path = "/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = CaseDetail), (status = 200, description = "Already created (safe retry)", body = CaseDetail),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_case(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(body): ApiJson<NewCase>,
) -> Result<Response, Problem> {
    let case_id = body.id.unwrap_or_default();
    let command = Command::CreateCase {
        case_id,
        child_id: body.child_id,
        status: body.status,
        summary: body.summary,
        next_action: body.next_action,
    };
    let (changed, detail) = run_for_detail(&state, &actor, case_id, command).await?;
    Ok(respond(changed, detail))
}

/// A child's cases, oldest first.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(CasesQuery), responses((status = 200, body = ListOf<Case>), (status = 404, body = Problem)))]
pub async fn list_cases(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(q): ApiQuery<CasesQuery>,
) -> Result<Json<ListOf<Case>>, Problem> {
    let child_id: ChildId = parse_id("child_id", &q.child_id)?;
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let scope = Scope::Child(child_id);
    state.service.require_member(&actor, &scope, "child").await?;
    let page = state
        .service
        .store
        .query_index(Index::G1, &cases_partition(&scope), paging.after()?.as_deref(), None, paging.limit()?)
        .await
        .map_err(ServiceError::from)?;
    Ok(Json(list_of(page, |r| match r {
        Record::Case(c) => Some(c),
        _ => None,
    })?))
}

/// The case page: status history, key dates, notes and actions (with overdue and timeliness).
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = CaseDetail), (status = 404, body = Problem)))]
pub async fn get_case(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CaseDetail>, Problem> {
    Ok(Json(state.service.case_detail(&actor, case_id(&id)?).await?))
}

/// Edit the case summary.
#[utoipa::path(patch, path = "/v1/cases/{id}", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = CasePatch,
    responses((status = 200, body = CaseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_case(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CasePatch>,
) -> Result<Json<CaseDetail>, Problem> {
    let case_id = case_id(&id)?;
    let (_, detail) =
        run_for_detail(&state, &actor, case_id, Command::EditCase { case_id, summary: body.summary }).await?;
    Ok(Json(detail))
}

/// Change the case status (any status to any other; every change is kept in history).
#[utoipa::path(post, path = "/v1/cases/{id}/status", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = StatusChangeIn,
    responses((status = 200, body = CaseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn change_status(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<StatusChangeIn>,
) -> Result<Json<CaseDetail>, Problem> {
    let case_id = case_id(&id)?;
    let command = Command::ChangeStatus { case_id, status: body.status, note: body.note };
    Ok(Json(run_for_detail(&state, &actor, case_id, command).await?.1))
}

/// Close the case as `resolved` or `closed`.
#[utoipa::path(post, path = "/v1/cases/{id}/close", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = CloseIn,
    responses((status = 200, body = CaseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn close_case(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CloseIn>,
) -> Result<Json<CaseDetail>, Problem> {
    let case_id = case_id(&id)?;
    let command = Command::CloseCase { case_id, outcome: body.outcome, note: body.note };
    Ok(Json(run_for_detail(&state, &actor, case_id, command).await?.1))
}

/// Record (or correct) a key date; creates, completes and moves the statutory actions it drives.
#[utoipa::path(post, path = "/v1/cases/{id}/key-dates", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = KeyDateIn,
    responses((status = 201, body = CaseDetail), (status = 200, description = "Unchanged", body = CaseDetail),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_key_date(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<KeyDateIn>,
) -> Result<Response, Problem> {
    let case_id = case_id(&id)?;
    let command = Command::RecordKeyDate {
        case_id,
        key_date_id: body.id,
        kind: body.kind,
        date: body.date,
        decision: body.decision,
        section_i_only: body.section_i_only,
    };
    let (changed, detail) = run_for_detail(&state, &actor, case_id, command).await?;
    Ok(respond(changed, detail))
}

/// Add a note to the case (author and time are set by the server).
#[utoipa::path(post, path = "/v1/cases/{id}/notes", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = NoteIn,
    responses((status = 201, body = Note), (status = 200, body = Note), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_note(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NoteIn>,
) -> Result<Response, Problem> {
    let case_id = case_id(&id)?;
    let note_id = body.id.unwrap_or_default();
    let command = Command::AddNote {
        case_id,
        note_id,
        text: body.text,
        topic: body.topic,
        section: body.section,
        document_id: body.document_id,
    };
    let done = state.service.execute(&actor, command).await?;
    match done.snapshot.get(&done.scope, &keys::note(case_id, note_id)) {
        Some(Record::Note(n)) => Ok(respond(done.changed, n.clone())),
        _ => Err(Problem::not_found("note")),
    }
}

async fn run_for_action(
    state: &AppState,
    actor: &Actor,
    case_id: CaseId,
    action_id: ActionId,
    command: Command,
) -> Result<(bool, ActionView), Problem> {
    let done = state.service.execute(actor, command).await?;
    match done.snapshot.get(&done.scope, &keys::action(case_id, action_id)) {
        Some(Record::Action(a)) => Ok((done.changed, ActionView::new(a.clone(), state.service.today()))),
        _ => Err(Problem::not_found("action")),
    }
}

/// Add a next action.
#[utoipa::path(post, path = "/v1/cases/{id}/actions", tag = "cases", params(("id" = String, Path, description = "Case id")), request_body = NewAction,
    responses((status = 201, body = ActionView), (status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_action(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut body): ApiJson<NewAction>,
) -> Result<Response, Problem> {
    let case_id = case_id(&id)?;
    let action_id = *body.id.get_or_insert_with(ActionId::new);
    let (changed, view) =
        run_for_action(&state, &actor, case_id, action_id, Command::AddAction { case_id, action: body }).await?;
    Ok(respond(changed, view))
}

fn ids(case: &str, action: &str) -> Result<(CaseId, ActionId), Problem> {
    Ok((parse_id("id", case)?, parse_id("aid", action)?))
}

/// Edit a manual action (statutory actions: priority only).
#[utoipa::path(patch, path = "/v1/cases/{id}/actions/{aid}", tag = "cases",
    params(("id" = String, Path, description = "Case id"), ("aid" = String, Path, description = "Action id")), request_body = ActionPatch,
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_action(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath((case, action)): ApiPath<(String, String)>,
    ApiJson(patch): ApiJson<ActionPatch>,
) -> Result<Json<ActionView>, Problem> {
    let (case_id, action_id) = ids(&case, &action)?;
    let command = Command::EditAction { case_id, action_id, patch };
    Ok(Json(run_for_action(&state, &actor, case_id, action_id, command).await?.1))
}

/// Complete an action (idempotent).
#[utoipa::path(post, path = "/v1/cases/{id}/actions/{aid}/complete", tag = "cases",
    params(("id" = String, Path, description = "Case id"), ("aid" = String, Path, description = "Action id")), request_body(content = CompleteIn, description = "Optional"),
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn complete_action(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath((case, action)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CompleteIn>,
) -> Result<Json<ActionView>, Problem> {
    let (case_id, action_id) = ids(&case, &action)?;
    let command = Command::CompleteAction { case_id, action_id, completed_on: body.completed_on };
    Ok(Json(run_for_action(&state, &actor, case_id, action_id, command).await?.1))
}

/// Reopen a completed action.
#[utoipa::path(post, path = "/v1/cases/{id}/actions/{aid}/reopen", tag = "cases",
    params(("id" = String, Path, description = "Case id"), ("aid" = String, Path, description = "Action id")),
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reopen_action(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath((case, action)): ApiPath<(String, String)>,
) -> Result<Json<ActionView>, Problem> {
    let (case_id, action_id) = ids(&case, &action)?;
    let command = Command::ReopenAction { case_id, action_id };
    Ok(Json(run_for_action(&state, &actor, case_id, action_id, command).await?.1))
}
