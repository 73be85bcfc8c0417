//! Holding a plan against the professional reports it was drafted from (`docs/analyser.md`,
//! "Report versus plan"). The documents' bytes are read from storage inside the deployment and
//! compared here; the flags go on the case beside the plan's own, for the family to review.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use senvault_domain::analyser::compare::{Comparison, compare};
use senvault_domain::analyser::normalise;
use senvault_domain::error::limits;
use senvault_domain::{
    CaseId, Document, DocumentFinding, DocumentId, DocumentUse, DomainError, FieldError, Flag, SystemCommand,
};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::documents::{blob_problem, blobs, not_uploaded};
use super::extract::{ApiJson, ApiPath, Caller};
use crate::blobs::sha256_hex;
use crate::extraction::extract;
use crate::problem::Problem;
use crate::service::{Service, ServiceError};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareIn {
    /// The plan (draft or final EHCP): one of the child's uploaded documents.
    pub plan_document_id: DocumentId,
    /// The professional reports to hold it against (speech and language, occupational
    /// therapy, physiotherapy, educational psychology…), each one of the child's uploaded documents.
    /// The same report named twice is read once.
    #[schema(min_items = 1, max_items = 10)]
    pub report_document_ids: Vec<DocumentId>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ComparisonView {
    pub plan_document_id: DocumentId,
    /// The reports, in the order `comparison` numbers them (`report` 0 is the first).
    pub report_document_ids: Vec<DocumentId>,
    /// Each recommendation read, and each place the plan gives less, with both passages side
    /// by side, the arithmetic and a suggested wording.
    pub comparison: Comparison,
    /// The case's comparison flags after this comparison (rules EI01–EI09), the family's earlier
    /// decisions and notes carried over.
    pub flags: Vec<Flag>,
}

/// Compare a plan with the professional reports: every recommendation the plan leaves out or
/// gives less of (less time, a less qualified deliverer, advice instead of direct work, vaguer
/// wording), each difficulty Section B misses or plays down, a plan that points to a report
/// instead of stating provision, and reports over 18 months old. The result replaces the
/// case's open comparison flags. Running it again is safe. The family only.
#[utoipa::path(post, path = "/v1/cases/{id}/compare", tag = "documents", params(("id" = uuid::Uuid, Path, description = "Case id")),
    request_body = CompareIn,
    responses((status = 200, body = ComparisonView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "A document has no uploaded bytes yet or is not this child's, or the plan is named as a report", body = Problem),
        (status = 422, body = Problem)))]
pub async fn compare_reports(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CompareIn>,
) -> Result<Json<ComparisonView>, Problem> {
    let case_id: CaseId = super::extract::parse_id("id", &id)?;
    let mut body = body;
    if body.report_document_ids.is_empty() || body.report_document_ids.len() > limits::COMPARED_REPORTS {
        let field = FieldError::new("report_document_ids", format!("name 1 to {} reports", limits::COMPARED_REPORTS));
        return Err(Problem::invalid(vec![field]));
    }
    // A report named twice is one report; the plan is not a report on itself (a refusal by
    // rule, like a document that is not this child's).
    let mut seen = std::collections::HashSet::new();
    body.report_document_ids.retain(|d| seen.insert(*d));
    if seen.contains(&body.plan_document_id) {
        return Err(DomainError::refused("report_document_ids", "the plan cannot be one of its own reports").into());
    }
    // The case first: one the caller may not see is not found, whatever the body names.
    let child_id = state.service.case_to_analyse(&actor, case_id).await?;
    let blobs = blobs(&state)?;

    // Each document: this child's, the caller allowed to analyse it, its verified bytes.
    let mut docs: Vec<(Document, Vec<u8>)> = Vec::with_capacity(1 + body.report_document_ids.len());
    for (field, id) in std::iter::once(("plan_document_id", body.plan_document_id))
        .chain(body.report_document_ids.iter().map(|d| ("report_document_ids", *d)))
    {
        let doc = match state.service.document(&actor, id, DocumentUse::Analyse).await {
            Ok((_, doc)) if doc.child_id == child_id => doc,
            // Another child's, another family's or no document: the same answer for each.
            Ok(_) | Err(ServiceError::Domain(DomainError::NotFound { .. })) => {
                return Err(DomainError::not_this_childs_document(field).into());
            }
            Err(e) => return Err(e.into()),
        };
        let Some(sha256) = doc.sha256.clone() else { return Err(not_uploaded()) };
        let Some(bytes) = blobs.read_verified(&doc.blob_key(), &sha256).await.map_err(blob_problem)? else {
            return Err(not_uploaded());
        };
        docs.push((doc, bytes));
    }

    let today = state.service.today();
    let titles: Vec<String> = docs.iter().skip(1).map(|(d, _)| d.title.clone()).collect();
    let work = tokio::task::spawn_blocking(move || {
        let mut texts = Vec::with_capacity(docs.len());
        for (doc, bytes) in docs {
            let text = extract(bytes, doc.content_type).map_err(|e| (doc.title.clone(), e.to_string()))?;
            texts.push(normalise(&text));
        }
        let refs: Vec<&str> = texts.iter().skip(1).map(String::as_str).collect();
        let result = compare(&texts[0], &refs, today).map_err(|e| (String::new(), e.to_string()))?;
        let hashes: Vec<String> = texts.iter().map(|t| sha256_hex(t.as_bytes())).collect();
        Ok::<_, (String, String)>((result, hashes))
    });
    let (comparison, hashes) = work
        .await
        .map_err(|_| {
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the comparison stopped")
        })?
        .map_err(|(title, reason)| {
            // The document's title is the family's own; the reason names the kind of fault only.
            tracing::info!("a document could not be read for a comparison");
            let what = if title.is_empty() { reason } else { format!("\"{title}\": {reason}") };
            Problem::invalid(vec![FieldError::new("report_document_ids", what)])
        })?;
    tracing::info!(
        recommendations = comparison.recommendations.len(),
        findings = comparison.findings.len(),
        "plan compared with reports"
    );

    let names: Vec<&str> = titles.iter().map(String::as_str).collect();
    let findings = comparison
        .findings
        .iter()
        .map(|i| {
            let at = i.in_report.map_or(0, |r| r + 1);
            let document_id = if at == 0 { body.plan_document_id } else { body.report_document_ids[at - 1] };
            DocumentFinding { document_id, text_hash: hashes[at].clone(), finding: i.as_flag(&names) }
        })
        .collect();
    let command = SystemCommand::RecordComparison {
        child_id,
        case_id,
        plan_document_id: body.plan_document_id,
        report_document_ids: body.report_document_ids.clone(),
        findings,
    };
    let done = state.service.execute(&actor, command, op).await?;
    let scope = senvault_domain::Scope::Child(child_id);
    let agg = match Service::aggregate_from(&done.snapshot, &scope, case_id) {
        Ok(agg) => agg,
        Err(_) => state.service.case_aggregate(&actor, case_id).await?,
    };
    let flags = agg.flags.into_iter().filter(|f| f.rule_id.as_deref().is_some_and(|r| r.starts_with("EI"))).collect();
    Ok(Json(ComparisonView {
        plan_document_id: body.plan_document_id,
        report_document_ids: body.report_document_ids,
        comparison,
        flags,
    }))
}
