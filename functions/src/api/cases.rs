//! EHCP cases: the case page, status, key dates, notes and next actions.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use senvault_domain::{
    ActionId, ActionPatch, ActionView, Actor, AppealableDecision, Case, CaseCommand, CaseDetail, CaseId, CaseStatus,
    ChildId, CloseOutcome, Command, DocumentId, ExceptionInput, KeyDateId, KeyDateKind, NewAction, Note, NoteId,
    NoteTopic, OpId, Record, Section, keys,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf, Made, respond};
use crate::problem::Problem;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub id: Option<CaseId>,
    pub child_id: ChildId,
    pub status: CaseStatus,
    #[schema(max_length = 2000, pattern = r"\S")]
    pub summary: String,
    pub next_action: Option<NewAction>,
}

/// A case opened under its child's path (`POST /v1/children/{id}/cases`): a `NewCase` whose
/// child is the path's, so a client (or a link in the API document) that holds a child's id
/// needs nothing else to open a case for it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildCaseIn {
    pub id: Option<CaseId>,
    pub status: CaseStatus,
    #[schema(max_length = 2000, pattern = r"\S")]
    pub summary: String,
    pub next_action: Option<NewAction>,
}

impl NewCase {
    fn split(self) -> (ChildId, ChildCaseIn) {
        let NewCase { id, child_id, status, summary, next_action } = self;
        (child_id, ChildCaseIn { id, status, summary, next_action })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    #[schema(max_length = 2000, pattern = r"\S")]
    pub summary: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeIn {
    pub status: CaseStatus,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseIn {
    pub outcome: CloseOutcome,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyDateIn {
    /// To correct an earlier repeating key date (review meetings, notices, hearings).
    pub id: Option<KeyDateId>,
    pub kind: KeyDateKind,
    #[serde(deserialize_with = "senvault_domain::dates::strict::date")]
    #[schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")]
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
    #[schema(max_length = 20000, pattern = r"\S")]
    pub text: String,
    pub topic: Option<NoteTopic>,
    pub section: Option<Section>,
    /// A vault document of the same child the note is about.
    pub document_id: Option<DocumentId>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteIn {
    /// Defaults to today in England.
    #[serde(default, deserialize_with = "senvault_domain::dates::strict::option")]
    #[schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")]
    pub completed_on: Option<NaiveDate>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// The child whose cases to list.
    #[param(format = Uuid)]
    pub child_id: String,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

fn case_id(raw: &str) -> Result<CaseId, Problem> {
    parse_id("id", raw)
}

/// Runs a case command and answers with the case page.
async fn run_for_detail(
    state: &AppState,
    actor: &Actor,
    op: OpId,
    case_id: CaseId,
    command: CaseCommand,
) -> Result<(bool, CaseDetail), Problem> {
    let done = state.service.execute_on_case(actor, case_id, command, op).await?;
    Ok((done.changed, state.service.detail_from(&done.snapshot, &done.scope, case_id)?))
}

/// Open a case for a child.
#[utoipa::path(post, path = "/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = CaseDetail, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCase>,
) -> Result<Response, Problem> {
    let (child_id, case) = body.split();
    open_case(&state, caller, child_id, case).await
}

/// Open a case for the child in the path (the same as `POST /v1/cases` with its `child_id`).
#[utoipa::path(post, path = "/v1/children/{id}/cases", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Child id")), request_body = ChildCaseIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = CaseDetail, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_child_case(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ChildCaseIn>,
) -> Result<Response, Problem> {
    let child_id: ChildId = parse_id("id", &id)?;
    open_case(&state, caller, child_id, body).await
}

async fn open_case(
    state: &AppState,
    Caller { actor, op, keyed }: Caller,
    child_id: ChildId,
    body: ChildCaseIn,
) -> Result<Response, Problem> {
    let case_id = body.id.unwrap_or(CaseId(op.derive("case")));
    let command = CaseCommand::CreateCase { status: body.status, summary: body.summary, next_action: body.next_action };
    let done = state.service.execute(&actor, Command::case(child_id, case_id, command), op).await?;
    Ok(respond(
        Made::Created { location: format!("/v1/cases/{case_id}") },
        done.changed,
        keyed,
        state.service.detail_from(&done.snapshot, &done.scope, case_id)?,
    ))
}

/// A child's cases, oldest first.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(CasesQuery),
    responses((status = 200, body = ListOf<Case>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list_cases(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiQuery(q): ApiQuery<CasesQuery>,
) -> Result<Json<ListOf<Case>>, Problem> {
    let child_id: ChildId = parse_id("child_id", &q.child_id)?;
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let page = state.service.cases(&actor, child_id, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.into()))
}

/// The case page: status history, key dates, notes and actions (with overdue and timeliness).
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id")),
    responses((status = 200, body = CaseDetail), (status = 404, body = Problem)))]
pub async fn get_case(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CaseDetail>, Problem> {
    Ok(Json(state.service.case_detail(&actor, case_id(&id)?).await?))
}

/// Edit the case summary.
#[utoipa::path(patch, path = "/v1/cases/{id}", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id")), request_body = CasePatch,
    responses((status = 200, body = CaseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_case(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CasePatch>,
) -> Result<Json<CaseDetail>, Problem> {
    let case_id = case_id(&id)?;
    let (_, detail) =
        run_for_detail(&state, &actor, op, case_id, CaseCommand::EditCase { summary: body.summary }).await?;
    Ok(Json(detail))
}

/// Change the case status (any status to any other; every change is kept in history).
#[utoipa::path(post, path = "/v1/cases/{id}/status", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id")), request_body = StatusChangeIn,
    responses((status = 200, body = CaseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn change_status(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<StatusChangeIn>,
) -> Result<Json<CaseDetail>, Problem> {
    let command = CaseCommand::ChangeStatus { status: body.status, note: body.note };
    Ok(Json(run_for_detail(&state, &actor, op, case_id(&id)?, command).await?.1))
}

/// Close the case as `resolved` or `closed`.
#[utoipa::path(post, path = "/v1/cases/{id}/close", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id")), request_body = CloseIn,
    responses((status = 200, body = CaseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn close_case(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CloseIn>,
) -> Result<Json<CaseDetail>, Problem> {
    let command = CaseCommand::CloseCase { outcome: body.outcome, note: body.note };
    Ok(Json(run_for_detail(&state, &actor, op, case_id(&id)?, command).await?.1))
}

/// Record (or correct) a key date; creates, completes and moves the statutory actions it drives.
#[utoipa::path(post, path = "/v1/cases/{id}/key-dates", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id")), request_body = KeyDateIn,
    responses((status = 200, description = "Changed, or already so (a retry with the same `Idempotency-Key` carries `Idempotent-Replayed: true`)", body = CaseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_key_date(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<KeyDateIn>,
) -> Result<Response, Problem> {
    let command = CaseCommand::RecordKeyDate {
        key_date_id: body.id,
        kind: body.kind,
        date: body.date,
        decision: body.decision,
        section_i_only: body.section_i_only,
    };
    let (changed, detail) = run_for_detail(&state, &actor, op, case_id(&id)?, command).await?;
    Ok(respond(Made::Updated, changed, keyed, detail))
}

/// Remove a key date recorded in error: the clocks it started go, the clocks it stopped run again.
#[utoipa::path(delete, path = "/v1/cases/{id}/key-dates/{kid}", tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("kid" = uuid::Uuid, Path, description = "Key date id")),
    responses((status = 200, body = CaseDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_key_date(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath((case, key_date)): ApiPath<(String, String)>,
) -> Result<Json<CaseDetail>, Problem> {
    let (case_id, key_date_id) = (case_id(&case)?, parse_id("kid", &key_date)?);
    let command = CaseCommand::DeleteKeyDate { key_date_id };
    Ok(Json(run_for_detail(&state, &actor, op, case_id, command).await?.1))
}

/// Add a note to the case (author and time are set by the server).
#[utoipa::path(post, path = "/v1/cases/{id}/notes", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id")), request_body = NoteIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = Note, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_note(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NoteIn>,
) -> Result<Response, Problem> {
    let case_id = case_id(&id)?;
    let note_id = body.id.unwrap_or(NoteId(op.derive("note")));
    let command = CaseCommand::AddNote {
        note_id,
        text: body.text,
        topic: body.topic,
        section: body.section,
        document_id: body.document_id,
    };
    let done = state.service.execute_on_case(&actor, case_id, command, op).await?;
    match done.snapshot.get(&done.scope, &keys::note(case_id, note_id)) {
        Some(Record::Note(n)) => Ok(respond(
            Made::Created { location: format!("/v1/cases/{case_id}/notes/{note_id}") },
            done.changed,
            keyed,
            n.clone(),
        )),
        _ => Err(Problem::not_found("note")),
    }
}

async fn run_for_action(
    state: &AppState,
    actor: &Actor,
    op: OpId,
    (case_id, action_id): (CaseId, ActionId),
    command: CaseCommand,
) -> Result<(bool, ActionView), Problem> {
    let done = state.service.execute_on_case(actor, case_id, command, op).await?;
    match done.snapshot.get(&done.scope, &keys::action(case_id, action_id)) {
        Some(Record::Action(a)) => Ok((done.changed, ActionView::new(a.clone(), state.service.today()))),
        _ => Err(Problem::not_found("action")),
    }
}

/// Add a next action.
#[utoipa::path(post, path = "/v1/cases/{id}/actions", tag = "cases", params(("id" = uuid::Uuid, Path, description = "Case id")), request_body = NewAction,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = ActionView, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_action(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut body): ApiJson<NewAction>,
) -> Result<Response, Problem> {
    let case_id = case_id(&id)?;
    let action_id = *body.id.get_or_insert(ActionId(op.derive("action")));
    let (changed, view) =
        run_for_action(&state, &actor, op, (case_id, action_id), CaseCommand::AddAction { action: body }).await?;
    Ok(respond(Made::Created { location: format!("/v1/cases/{case_id}/actions/{action_id}") }, changed, keyed, view))
}

fn ids(case: &str, action: &str) -> Result<(CaseId, ActionId), Problem> {
    Ok((parse_id("id", case)?, parse_id("aid", action)?))
}

/// Edit a manual action (statutory actions: priority only).
#[utoipa::path(patch, path = "/v1/cases/{id}/actions/{aid}", tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("aid" = uuid::Uuid, Path, description = "Action id")), request_body = ActionPatch,
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_action(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath((case, action)): ApiPath<(String, String)>,
    ApiJson(patch): ApiJson<ActionPatch>,
) -> Result<Json<ActionView>, Problem> {
    let ids = ids(&case, &action)?;
    let command = CaseCommand::EditAction { action_id: ids.1, patch };
    Ok(Json(run_for_action(&state, &actor, op, ids, command).await?.1))
}

/// Complete an action (idempotent).
#[utoipa::path(post, path = "/v1/cases/{id}/actions/{aid}/complete", tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("aid" = uuid::Uuid, Path, description = "Action id")), request_body(content = CompleteIn, description = "Optional"),
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn complete_action(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath((case, action)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CompleteIn>,
) -> Result<Json<ActionView>, Problem> {
    let ids = ids(&case, &action)?;
    let command = CaseCommand::CompleteAction { action_id: ids.1, completed_on: body.completed_on };
    Ok(Json(run_for_action(&state, &actor, op, ids, command).await?.1))
}

/// Record that the LA relies on an exception to this action's time limit (SEND Regs 2014 regs 5(4), 8(2), 10(4), 13(3), 44(3)): only the
/// grounds the law allows for its timescale; the due date never moves.
#[utoipa::path(put, path = "/v1/cases/{id}/actions/{aid}/exception", tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("aid" = uuid::Uuid, Path, description = "Action id")), request_body = ExceptionInput,
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_exception(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath((case, action)): ApiPath<(String, String)>,
    ApiJson(exception): ApiJson<ExceptionInput>,
) -> Result<Json<ActionView>, Problem> {
    let ids = ids(&case, &action)?;
    let command = CaseCommand::RecordException { action_id: ids.1, exception };
    Ok(Json(run_for_action(&state, &actor, op, ids, command).await?.1))
}

/// Withdraw a recorded exception.
#[utoipa::path(delete, path = "/v1/cases/{id}/actions/{aid}/exception", tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("aid" = uuid::Uuid, Path, description = "Action id")),
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn clear_exception(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath((case, action)): ApiPath<(String, String)>,
) -> Result<Json<ActionView>, Problem> {
    let ids = ids(&case, &action)?;
    Ok(Json(run_for_action(&state, &actor, op, ids, CaseCommand::ClearException { action_id: ids.1 }).await?.1))
}

/// Reopen a completed action.
#[utoipa::path(post, path = "/v1/cases/{id}/actions/{aid}/reopen", tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("aid" = uuid::Uuid, Path, description = "Action id")),
    responses((status = 200, body = ActionView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reopen_action(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath((case, action)): ApiPath<(String, String)>,
) -> Result<Json<ActionView>, Problem> {
    let ids = ids(&case, &action)?;
    Ok(Json(run_for_action(&state, &actor, op, ids, CaseCommand::ReopenAction { action_id: ids.1 }).await?.1))
}

/// One note of a case (the `Location` of a note just added).
#[utoipa::path(get, path = "/v1/cases/{id}/notes/{nid}", tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("nid" = uuid::Uuid, Path, description = "Note id")),
    responses((status = 200, body = Note), (status = 404, body = Problem)))]
pub async fn get_note(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, nid)): ApiPath<(String, String)>,
) -> Result<Json<Note>, Problem> {
    let (case_id, note_id): (CaseId, NoteId) = (case_id(&id)?, parse_id("nid", &nid)?);
    let agg = state.service.case_aggregate(&actor, case_id).await?;
    agg.notes.into_iter().find(|n| n.id == note_id).map(Json).ok_or_else(|| Problem::not_found("note"))
}

/// One next action of a case, with whether it is overdue (the `Location` of an action just
/// added).
#[utoipa::path(get, path = "/v1/cases/{id}/actions/{aid}", tag = "cases",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("aid" = uuid::Uuid, Path, description = "Action id")),
    responses((status = 200, body = ActionView), (status = 404, body = Problem)))]
pub async fn get_action(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, aid)): ApiPath<(String, String)>,
) -> Result<Json<ActionView>, Problem> {
    let (case_id, action_id) = ids(&id, &aid)?;
    let agg = state.service.case_aggregate(&actor, case_id).await?;
    let action = agg.actions.into_iter().find(|a| a.id == action_id).ok_or_else(|| Problem::not_found("action"))?;
    Ok(Json(ActionView::new(action, state.service.today())))
}
