//! Flags on a case and the family's section annotations (`docs/analyser.md`). The analyser's flags
//! arrive through `POST /v1/documents/{id}/analyse`; here the family reviews them (confirm,
//! dismiss, reopen, move, note), adds their own, and annotates the plan's sections.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use senvault_domain::{
    Actor, Annotation, AnnotationId, CaseCommand, CaseId, DocumentId, Flag, FlagId, FlagKind, FlagSeverity, FlagStatus,
    OpId, Record, Section, keys,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, parse_id};
use super::{AppState, ListOf, Made, respond};
use crate::problem::Problem;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFlag {
    pub id: Option<FlagId>,
    pub kind: FlagKind,
    pub section: Option<Section>,
    /// The passage of the plan this is about.
    #[schema(max_length = 10000, pattern = r"\S")]
    pub excerpt: String,
    /// Defaults to amber.
    pub severity: Option<FlagSeverity>,
    /// Why it is a problem, in the family's words.
    #[schema(max_length = 4000)]
    pub rationale: Option<String>,
    /// The document it is in or the evidence it conflicts with.
    pub document_id: Option<DocumentId>,
    #[schema(max_length = 4000)]
    pub note: Option<String>,
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// Replaces the family's note on the flag when given.
    #[schema(max_length = 4000)]
    pub note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagPatch {
    /// Move the flag to another section.
    pub section: Option<Section>,
    #[schema(max_length = 4000)]
    pub note: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAnnotation {
    pub id: Option<AnnotationId>,
    pub section: Section,
    /// The plan's wording being annotated.
    #[schema(max_length = 10000, pattern = r"\S")]
    pub quote: String,
    #[schema(max_length = 20000, pattern = r"\S")]
    pub comment: String,
    /// Vault documents of this child the comment points to (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub document_ids: Vec<DocumentId>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FlagsQuery {
    /// Only flags in this state (default: all, dismissed included).
    pub status: Option<FlagStatus>,
    pub section: Option<Section>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnnotationsQuery {
    pub section: Option<Section>,
}

fn flag_ids(case: &str, flag: &str) -> Result<(CaseId, FlagId), Problem> {
    Ok((parse_id("id", case)?, parse_id("fid", flag)?))
}

/// Runs a flag command and answers with the flag as it now stands.
async fn run_for_flag(
    state: &AppState,
    actor: &Actor,
    op: OpId,
    (case_id, flag_id): (CaseId, FlagId),
    command: CaseCommand,
) -> Result<(bool, Flag), Problem> {
    let done = state.service.execute_on_case(actor, case_id, command, op).await?;
    match done.snapshot.get(&done.scope, &keys::flag(case_id, flag_id)) {
        Some(Record::Flag(f)) => Ok((done.changed, f.clone())),
        _ => Err(Problem::not_found("flag")),
    }
}

/// A case's flags in reading order (section, then position in the plan). Dismissed flags are
/// listed here, never deleted; the case page leaves them out.
#[utoipa::path(get, path = "/v1/cases/{id}/flags", tag = "flags", params(("id" = uuid::Uuid, Path, description = "Case id"), FlagsQuery),
    responses((status = 200, body = ListOf<Flag>), (status = 404, body = Problem)))]
pub async fn list_flags(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<FlagsQuery>,
) -> Result<Json<ListOf<Flag>>, Problem> {
    let agg = state.service.case_aggregate(&actor, parse_id("id", &id)?).await?;
    let items = agg
        .flags
        .into_iter()
        .filter(|f| q.status.is_none_or(|s| f.status == s) && q.section.is_none_or(|s| f.section == Some(s)))
        .collect();
    Ok(Json(ListOf { items, next_cursor: None }))
}

/// Raise a flag by hand (family only).
#[utoipa::path(post, path = "/v1/cases/{id}/flags", tag = "flags", params(("id" = uuid::Uuid, Path, description = "Case id")), request_body = NewFlag,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = Flag, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_flag(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewFlag>,
) -> Result<Response, Problem> {
    let case_id: CaseId = parse_id("id", &id)?;
    let flag_id = body.id.unwrap_or(FlagId(op.derive("flag")));
    let command = CaseCommand::AddFlag {
        flag_id,
        kind: body.kind,
        section: body.section,
        excerpt: body.excerpt,
        severity: body.severity,
        rationale: body.rationale,
        document_id: body.document_id,
        note: body.note,
    };
    let (changed, flag) = run_for_flag(&state, &actor, op, (case_id, flag_id), command).await?;
    Ok(respond(Made::Created { location: format!("/v1/cases/{case_id}/flags/{flag_id}") }, changed, keyed, flag))
}

async fn decide(
    state: &AppState,
    Caller { actor, op, .. }: Caller,
    (case, flag): (String, String),
    status: FlagStatus,
    note: Option<String>,
) -> Result<Json<Flag>, Problem> {
    let ids = flag_ids(&case, &flag)?;
    let command = CaseCommand::DecideFlag { flag_id: ids.1, status, note };
    Ok(Json(run_for_flag(state, &actor, op, ids, command).await?.1))
}

/// Confirm a flag: the family agrees the passage is a problem (family only, idempotent).
#[utoipa::path(post, path = "/v1/cases/{id}/flags/{fid}/confirm", tag = "flags",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("fid" = uuid::Uuid, Path, description = "Flag id")), request_body(content = DecisionIn, description = "Optional"),
    responses((status = 200, body = Flag), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_flag(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ids): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> Result<Json<Flag>, Problem> {
    decide(&state, caller, ids, FlagStatus::Confirmed, body.note).await
}

/// Dismiss a flag: hidden from the case page, kept, and not raised again on re-analysis of the
/// same passage (family only, idempotent).
#[utoipa::path(post, path = "/v1/cases/{id}/flags/{fid}/dismiss", tag = "flags",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("fid" = uuid::Uuid, Path, description = "Flag id")), request_body(content = DecisionIn, description = "Optional"),
    responses((status = 200, body = Flag), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn dismiss_flag(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ids): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> Result<Json<Flag>, Problem> {
    decide(&state, caller, ids, FlagStatus::Dismissed, body.note).await
}

/// Reopen a confirmed or dismissed flag (family only).
#[utoipa::path(post, path = "/v1/cases/{id}/flags/{fid}/reopen", tag = "flags",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("fid" = uuid::Uuid, Path, description = "Flag id")), request_body(content = DecisionIn, description = "Optional"),
    responses((status = 200, body = Flag), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reopen_flag(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ids): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> Result<Json<Flag>, Problem> {
    decide(&state, caller, ids, FlagStatus::Open, body.note).await
}

/// Move a flag to another section or change the family's note on it (family only).
#[utoipa::path(patch, path = "/v1/cases/{id}/flags/{fid}", tag = "flags",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("fid" = uuid::Uuid, Path, description = "Flag id")), request_body = FlagPatch,
    responses((status = 200, body = Flag), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_flag(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath((case, flag)): ApiPath<(String, String)>,
    ApiJson(patch): ApiJson<FlagPatch>,
) -> Result<Json<Flag>, Problem> {
    let ids = flag_ids(&case, &flag)?;
    let command = CaseCommand::EditFlag { flag_id: ids.1, section: patch.section, note: patch.note };
    Ok(Json(run_for_flag(&state, &actor, op, ids, command).await?.1))
}

/// Annotate a section of the plan: the wording, the family's comment and the vault documents it
/// points to (family only).
#[utoipa::path(post, path = "/v1/cases/{id}/annotations", tag = "flags", params(("id" = uuid::Uuid, Path, description = "Case id")), request_body = NewAnnotation,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = Annotation, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_annotation(
    State(state): State<AppState>,
    Caller { actor, op, keyed }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewAnnotation>,
) -> Result<Response, Problem> {
    let case_id: CaseId = parse_id("id", &id)?;
    let annotation_id = body.id.unwrap_or(AnnotationId(op.derive("annotation")));
    let command = CaseCommand::AddAnnotation {
        annotation_id,
        section: body.section,
        quote: body.quote,
        comment: body.comment,
        document_ids: body.document_ids,
    };
    let done = state.service.execute_on_case(&actor, case_id, command, op).await?;
    match done.snapshot.get(&done.scope, &keys::annotation(case_id, annotation_id)) {
        Some(Record::Annotation(a)) => Ok(respond(
            Made::Created { location: format!("/v1/cases/{case_id}/annotations/{annotation_id}") },
            done.changed,
            keyed,
            a.clone(),
        )),
        _ => Err(Problem::not_found("annotation")),
    }
}

/// A case's annotations, by section then time.
#[utoipa::path(get, path = "/v1/cases/{id}/annotations", tag = "flags", params(("id" = uuid::Uuid, Path, description = "Case id"), AnnotationsQuery),
    responses((status = 200, body = ListOf<Annotation>), (status = 404, body = Problem)))]
pub async fn list_annotations(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<AnnotationsQuery>,
) -> Result<Json<ListOf<Annotation>>, Problem> {
    let agg = state.service.case_aggregate(&actor, parse_id("id", &id)?).await?;
    let items = agg.annotations.into_iter().filter(|a| q.section.is_none_or(|s| a.section == s)).collect();
    Ok(Json(ListOf { items, next_cursor: None }))
}

/// One flag of a case, dismissed ones included (the `Location` of a flag just added).
#[utoipa::path(get, path = "/v1/cases/{id}/flags/{fid}", tag = "flags",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("fid" = uuid::Uuid, Path, description = "Flag id")),
    responses((status = 200, body = Flag), (status = 404, body = Problem)))]
pub async fn get_flag(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, fid)): ApiPath<(String, String)>,
) -> Result<Json<Flag>, Problem> {
    let (case_id, flag_id): (CaseId, FlagId) = (parse_id("id", &id)?, parse_id("fid", &fid)?);
    let agg = state.service.case_aggregate(&actor, case_id).await?;
    agg.flags.into_iter().find(|f| f.id == flag_id).map(Json).ok_or_else(|| Problem::not_found("flag"))
}

/// One annotation of a case (the `Location` of an annotation just added).
#[utoipa::path(get, path = "/v1/cases/{id}/annotations/{aid}", tag = "flags",
    params(("id" = uuid::Uuid, Path, description = "Case id"), ("aid" = uuid::Uuid, Path, description = "Annotation id")),
    responses((status = 200, body = Annotation), (status = 404, body = Problem)))]
pub async fn get_annotation(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath((id, aid)): ApiPath<(String, String)>,
) -> Result<Json<Annotation>, Problem> {
    let (case_id, annotation_id): (CaseId, AnnotationId) = (parse_id("id", &id)?, parse_id("aid", &aid)?);
    let agg = state.service.case_aggregate(&actor, case_id).await?;
    agg.annotations
        .into_iter()
        .find(|a| a.id == annotation_id)
        .map(Json)
        .ok_or_else(|| Problem::not_found("annotation"))
}
