//! Analysing a vault document: its bytes are read from storage inside the deployment, the text
//! extracted and analysed here (nothing leaves the deployment), and the result recorded on the
//! document and, when a case is named, as flags on the case.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use senvault_domain::analyser::{AnalyseOptions, Finding};
use senvault_domain::{AnalysisState, CaseId, Document, DocumentUse, Flag, Record, Section, SystemCommand, keys};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::documents::{blob_problem, not_uploaded, open_document};
use super::extract::{ApiJson, ApiPath, Caller};
use crate::analyse::analyse_document;
use crate::problem::Problem;
use crate::service::Service;

/// The highest national curriculum year given (a young person of 25 in further education).
const MAX_YEAR_GROUP: u8 = 20;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyseIn {
    /// The case whose flags this analysis sets. Without one, the findings are returned and
    /// the document's analysis state recorded, but no flags are stored.
    pub case_id: Option<CaseId>,
    /// A draft plan (Section I must be blank). Default: the case is at `draft_ehcp_issued`.
    pub draft: Option<bool>,
    /// The child's national curriculum year (0 for Reception). Default: from the child's date
    /// of birth.
    #[serde(default, deserialize_with = "senvault_domain::wire::option")]
    #[schema(minimum = 0, maximum = 20)]
    pub year_group: Option<u8>,
    /// The family asked for a personal budget (Section J must then say how it is used).
    #[serde(default)]
    pub personal_budget_requested: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AnalysisView {
    /// The document, with its `analysis` state.
    pub document: Document,
    pub state: AnalysisState,
    /// Why the text could not be read, for the family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the analyser assumed about the plan.
    pub options: AnalyseOptions,
    /// The EHCP sections found, in order.
    pub sections: Vec<Section>,
    /// What the analyser found in this text.
    pub findings: Vec<Finding>,
    /// With a case: the case's flags on this document after the analysis, the family's earlier
    /// decisions and notes carried over.
    pub flags: Vec<Flag>,
}

/// Analyse a document (PDF, DOCX or text). Unreadable files (password-protected, scans,
/// damaged) are not an error of the request: the document's analysis state becomes
/// `analysis_failed` with a reason the family can act on. Running it again is safe.
#[utoipa::path(post, path = "/v1/documents/{id}/analyse", tag = "documents", params(("id" = uuid::Uuid, Path, description = "Document id")),
    request_body(content = AnalyseIn, description = "Optional"),
    responses((status = 200, body = AnalysisView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Nothing was uploaded yet", body = Problem), (status = 422, body = Problem)))]
pub async fn analyse(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AnalyseIn>,
) -> Result<Json<AnalysisView>, Problem> {
    if body.year_group.is_some_and(|y| y > MAX_YEAR_GROUP) {
        let field = senvault_domain::FieldError::new("year_group", format!("must be 0 to {MAX_YEAR_GROUP}"));
        return Err(Problem::invalid(vec![field]));
    }
    // Refused before the (costly) reading; the domain checks again when recording.
    let (blobs, scope, doc) = open_document(&state, &actor, &id, DocumentUse::Analyse).await?;
    let options: AnalyseOptions = state
        .service
        .analysis_defaults(&actor, doc.child_id, body.case_id)
        .await?
        .with_choices(body.draft, body.year_group, body.personal_budget_requested);

    // Only the bytes whose fingerprint was recorded are analysed.
    let Some(sha256) = doc.sha256.as_deref() else { return Err(not_uploaded()) };
    let Some(bytes) = blobs.read_verified(&doc.blob_key(), sha256).await.map_err(blob_problem)? else {
        return Err(not_uploaded());
    };
    let (content_type, opts) = (doc.content_type, options.clone());
    let result =
        tokio::task::spawn_blocking(move || analyse_document(bytes, content_type, &opts)).await.map_err(|_| {
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the analysis stopped")
        })?;
    let (command, sections, findings) = match result {
        Ok(done) => {
            tracing::info!(findings = done.analysis.findings.len(), chars = done.chars, "document analysed");
            let command = SystemCommand::RecordAnalysis {
                child_id: doc.child_id,
                document_id: doc.id,
                case_id: body.case_id,
                text_hash: done.text_hash,
                findings: done.analysis.findings.clone(),
            };
            (command, done.analysis.sections, done.analysis.findings)
        }
        Err(e) => {
            // The kind only: never the file's text.
            tracing::info!(reason = e.code(), "document could not be analysed");
            let failure = SystemCommand::RecordAnalysisFailure {
                child_id: doc.child_id,
                document_id: doc.id,
                reason: e.to_string(),
            };
            (failure, vec![], vec![])
        }
    };
    let done = state.service.execute(&actor, command, op).await?;
    let Some(Record::Document(document)) = done.snapshot.get(&scope, &keys::document(doc.id)).cloned() else {
        return Err(Problem::not_found("document"));
    };
    let flags = match body.case_id {
        Some(case_id) => {
            // A recorded analysis read the case (its snapshot holds the new flags); a failure
            // did not, and left the case's flags as they were.
            let agg = match Service::aggregate_from(&done.snapshot, &scope, case_id) {
                Ok(agg) => agg,
                Err(_) => state.service.case_aggregate(&actor, case_id).await?,
            };
            agg.flags.into_iter().filter(|f| f.document_id == Some(doc.id)).collect()
        }
        None => vec![],
    };
    let (analysis_state, reason) = match &document.analysis {
        Some(a) => (a.state, a.reason.clone()),
        None => (AnalysisState::AnalysisFailed, None),
    };
    Ok(Json(AnalysisView { document, state: analysis_state, reason, options, sections, findings, flags }))
}
