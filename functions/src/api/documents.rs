//! Vault documents: register → presigned upload → confirm (size and SHA-256 measured here) →
//! list / get with a short-lived download URL → delete. Bytes never pass through the API.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use senvault_domain::{
    Actor, ChildId, Command, Document, DocumentCategory, DocumentCommand, DocumentId, DocumentPatch, DocumentState,
    DocumentType, DocumentUse, Record, Scope, SystemCommand, keys,
};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller, Paging, parse_id};
use super::{AppState, ListOf, Made, respond};
use crate::blobs::{Blobs, MAX_GET_EXPIRY, Presigned};
use crate::problem::Problem;
use crate::service::ServiceError;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    pub id: Option<DocumentId>,
    pub child_id: ChildId,
    #[schema(max_length = 200, pattern = r"\S")]
    pub title: String,
    pub category: DocumentCategory,
    /// One of the accepted MIME types (PDF, DOCX, JPEG, PNG, HEIC, plain text).
    pub content_type: DocumentType,
    /// Exact size in bytes (at most 50 MB); the upload must match it.
    #[serde(deserialize_with = "senvault_domain::wire::int")]
    #[schema(minimum = 1, maximum = 52428800)]
    pub size: u64,
}

/// A document registered under its child's path (`POST /v1/children/{id}/documents`): a
/// `NewDocument` whose child is the path's.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildDocumentIn {
    pub id: Option<DocumentId>,
    #[schema(max_length = 200, pattern = r"\S")]
    pub title: String,
    pub category: DocumentCategory,
    /// One of the accepted MIME types (PDF, DOCX, JPEG, PNG, HEIC, plain text).
    pub content_type: DocumentType,
    /// Exact size in bytes (at most 50 MB); the upload must match it.
    #[serde(deserialize_with = "senvault_domain::wire::int")]
    #[schema(minimum = 1, maximum = 52428800)]
    pub size: u64,
}

impl NewDocument {
    fn split(self) -> (ChildId, ChildDocumentIn) {
        let NewDocument { id, child_id, title, category, content_type, size } = self;
        (child_id, ChildDocumentIn { id, title, category, content_type, size })
    }
}

/// A request the client makes itself, with exactly these headers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignedRequest {
    pub method: String,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl From<Presigned> for SignedRequest {
    fn from(p: Presigned) -> Self {
        SignedRequest {
            method: p.method.into(),
            url: p.url,
            headers: p.headers.into_iter().collect(),
            expires_at: p.expires_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    #[serde(flatten)]
    pub document: Document,
    /// Present while the upload is awaited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<SignedRequest>,
    /// Present once uploaded (valid for 5 minutes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<SignedRequest>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentsQuery {
    #[param(format = Uuid)]
    pub child_id: String,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// From the previous page's `next_cursor`.
    #[param(max_length = 2048, pattern = "^(?:[2-7][0-9a-f])*$")]
    pub cursor: Option<String>,
}

pub(super) fn blobs(state: &AppState) -> Result<Arc<dyn Blobs>, Problem> {
    state.blobs.clone().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no-storage",
            "Document storage unavailable",
            "document storage is not configured here",
        )
    })
}

/// 409: the document's bytes are not in storage yet.
pub(super) fn not_uploaded() -> Problem {
    Problem::new(StatusCode::CONFLICT, "not-uploaded", "Not uploaded", "no upload was found for this document")
}

pub(super) fn blob_problem(e: crate::blobs::BlobError) -> Problem {
    if matches!(e, crate::blobs::BlobError::Mismatch) {
        tracing::error!("a stored document does not match its recorded hash");
        return Problem::new(
            StatusCode::CONFLICT,
            "evidence-mismatch",
            "Stored file does not match",
            "the stored file is not the one whose fingerprint was recorded when it was uploaded; it was not used",
        );
    }
    tracing::error!(error = %e, "blob storage failure");
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "storage",
        "Document storage failed",
        "the document storage could not be reached; try again",
    )
}

/// What every single-document handler needs: the storage, and the document — found, and the
/// caller's right to use it as intended checked (by the domain's rule), before any bytes move.
pub(super) async fn open_document(
    state: &AppState,
    actor: &Actor,
    raw_id: &str,
    intent: DocumentUse,
) -> Result<(Arc<dyn Blobs>, Scope, Document), Problem> {
    let blobs = blobs(state)?;
    let id: DocumentId = parse_id("id", raw_id)?;
    let (scope, doc) = state.service.document(actor, id, intent).await?;
    Ok((blobs, scope, doc))
}

/// Register a document and get its upload URL (valid 15 minutes). Wrong type or size is refused
/// before any URL is issued.
#[utoipa::path(post, path = "/v1/documents", tag = "documents", request_body = NewDocument,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = DocumentView, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_document(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewDocument>,
) -> Result<Response, Problem> {
    let (child_id, document) = body.split();
    register(&state, caller, child_id, document).await
}

/// Register a document for the child in the path (the same as `POST /v1/documents` with its
/// `child_id`).
#[utoipa::path(post, path = "/v1/children/{id}/documents", tag = "documents", params(("id" = uuid::Uuid, Path, description = "Child id")), request_body = ChildDocumentIn,
    responses((status = 201, description = "Created; a retry with the same `Idempotency-Key` (or id) answers the same, with `Idempotent-Replayed: true`", body = DocumentView, headers(("Location" = String, description = "The new resource"), ("Idempotent-Replayed" = String, description = "`true` on a retry"))), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_child_document(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ChildDocumentIn>,
) -> Result<Response, Problem> {
    let child_id: ChildId = parse_id("id", &id)?;
    register(&state, caller, child_id, body).await
}

async fn register(
    state: &AppState,
    Caller { actor, op, keyed }: Caller,
    child_id: ChildId,
    body: ChildDocumentIn,
) -> Result<Response, Problem> {
    let blobs = blobs(state)?;
    let id = body.id.unwrap_or(DocumentId(op.derive("document")));
    let create = DocumentCommand::CreateDocument {
        title: body.title,
        category: body.category,
        content_type: body.content_type,
        size: body.size,
    };
    let done = state.service.execute(&actor, Command::document(child_id, id, create), op).await?;
    let Some(Record::Document(doc)) = done.snapshot.get(&Scope::Child(child_id), &keys::document(id)).cloned() else {
        return Err(Problem::not_found("document"));
    };
    let upload_url = if doc.state == DocumentState::AwaitingUpload {
        let p = blobs
            .presign_put(
                &doc.upload_key(),
                doc.content_type.as_str(),
                doc.size,
                crate::late_uploads::UPLOAD_LINK_LIFETIME,
            )
            .await
            .map_err(blob_problem)?;
        Some(p.into())
    } else {
        None
    };
    Ok(respond(
        Made::Created { location: format!("/v1/documents/{id}") },
        done.changed,
        keyed,
        DocumentView { document: doc, upload_url, download_url: None },
    ))
}

/// Confirm the upload: the uploaded bytes are moved into the document and measured there (size
/// and SHA-256); the size must match the declared one. Once confirmed, a document's bytes
/// cannot be replaced: another upload to its link is ignored, and confirming again answers the
/// document as it is.
#[utoipa::path(post, path = "/v1/documents/{id}/uploaded", tag = "documents", params(("id" = uuid::Uuid, Path, description = "Document id")),
    responses((status = 200, body = DocumentView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Nothing was uploaded yet", body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_upload(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DocumentView>, Problem> {
    let (blobs, scope, doc) = open_document(&state, &actor, &id, DocumentUse::Manage).await?;
    let id = doc.id;
    if doc.state == DocumentState::Uploaded {
        // A retry: the slot is closed (again, should the first attempt have stopped short).
        blobs.seal(&doc.upload_key()).await.map_err(blob_problem)?;
        // A document confirmed before the vault counted pages is measured now.
        if let (None, Some(sha256)) = (doc.pages, doc.sha256.clone()) {
            let facts = measure(&*blobs, &doc, &sha256).await?;
            let confirm =
                SystemCommand::ConfirmUpload { child_id: doc.child_id, document_id: id, size: doc.size, sha256, facts };
            let done = state.service.execute(&actor, confirm, op).await?;
            if let Some(Record::Document(d)) = done.snapshot.get(&scope, &keys::document(id)) {
                return Ok(Json(DocumentView { document: d.clone(), upload_url: None, download_url: None }));
            }
        }
        return Ok(Json(DocumentView { document: doc, upload_url: None, download_url: None }));
    }
    // The upload, moved into the document; or, if an earlier attempt moved it and then failed
    // to record it, what it moved.
    let measured = match blobs.promote(&doc.upload_key(), &doc.blob_key()).await.map_err(blob_problem)? {
        Some(m) => Some(m),
        None => blobs.digest(&doc.blob_key()).await.map_err(blob_problem)?,
    };
    let Some((size, sha256)) = measured else {
        return Err(not_uploaded());
    };
    // Measured only when the size is right (a wrong-sized upload is refused below).
    let facts = if size == doc.size { measure(&*blobs, &doc, &sha256).await? } else { None };
    let confirm = SystemCommand::ConfirmUpload { child_id: doc.child_id, document_id: id, size, sha256, facts };
    let done = match state.service.execute(&actor, confirm, op).await {
        Ok(done) => done,
        Err(e) => {
            // A wrong-sized upload is not kept.
            if matches!(e, ServiceError::Domain(senvault_domain::DomainError::Invalid(_))) {
                let _ = blobs.delete(&doc.blob_key()).await;
            }
            return Err(e.into());
        }
    };
    // Confirmed: the upload slot is closed for good.
    blobs.seal(&doc.upload_key()).await.map_err(blob_problem)?;
    match done.snapshot.get(&scope, &keys::document(id)) {
        Some(Record::Document(d)) => {
            Ok(Json(DocumentView { document: d.clone(), upload_url: None, download_url: None }))
        }
        _ => Err(Problem::not_found("document")),
    }
}

/// What the confirmed bytes measure for bundles (pages, blank pages, a summary heading, whether
/// they can be used), read back by their hash.
async fn measure(
    blobs: &dyn Blobs,
    doc: &Document,
    sha256: &str,
) -> Result<Option<senvault_domain::bundle::PageFacts>, Problem> {
    let Some(bytes) = blobs.read_verified(&doc.blob_key(), sha256).await.map_err(blob_problem)? else {
        return Ok(None);
    };
    let content_type = doc.content_type;
    Ok(tokio::task::spawn_blocking(move || crate::pages::measure(bytes, content_type)).await.unwrap_or(None))
}

/// A child's documents.
#[utoipa::path(get, path = "/v1/documents", tag = "documents", params(DocumentsQuery),
    responses((status = 200, body = ListOf<Document>), (status = 404, body = Problem)))]
pub async fn list_documents(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiQuery(q): ApiQuery<DocumentsQuery>,
) -> Result<Json<ListOf<Document>>, Problem> {
    let child_id: ChildId = parse_id("child_id", &q.child_id)?;
    let paging = Paging { limit: q.limit, cursor: q.cursor };
    let page = state.service.documents(&actor, child_id, paging.after()?.as_deref(), paging.limit()?).await?;
    Ok(Json(page.into()))
}

/// One document, with a download URL (valid 5 minutes) once uploaded.
#[utoipa::path(get, path = "/v1/documents/{id}", tag = "documents", params(("id" = uuid::Uuid, Path, description = "Document id")),
    responses((status = 200, body = DocumentView), (status = 404, body = Problem)))]
pub async fn get_document(
    State(state): State<AppState>,
    Caller { actor, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DocumentView>, Problem> {
    let (blobs, _, doc) = open_document(&state, &actor, &id, DocumentUse::Read).await?;
    let download_url = if doc.state == DocumentState::Uploaded {
        Some(blobs.presign_get(&doc.blob_key(), MAX_GET_EXPIRY).await.map_err(blob_problem)?.into())
    } else {
        None
    };
    Ok(Json(DocumentView { document: doc, upload_url: None, download_url }))
}

/// Correct a document's title or category, or record the facts a tribunal bundle needs: the date
/// on it (not the upload date), its author, what kind of evidence it is (family only).
#[utoipa::path(patch, path = "/v1/documents/{id}", tag = "documents", params(("id" = uuid::Uuid, Path, description = "Document id")),
    request_body = DocumentPatch,
    responses((status = 200, body = Document), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_document(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<DocumentPatch>,
) -> Result<Response, Problem> {
    let document_id: DocumentId = parse_id("id", &id)?;
    let Scope::Child(child_id) = state.service.aliased_scope(&id, "document").await? else {
        return Err(Problem::not_found("document"));
    };
    let command = Command::document(child_id, document_id, DocumentCommand::EditDocument { patch });
    let done = state.service.execute(&caller.actor, command, caller.op).await?;
    match done.snapshot.get(&done.scope, &keys::document(document_id)) {
        Some(Record::Document(d)) => Ok(respond(Made::Updated, done.changed, caller.keyed, d.clone())),
        _ => Err(Problem::not_found("document")),
    }
}

/// Delete a document: its bytes, then its record (so a retry finishes a half-done delete).
#[utoipa::path(delete, path = "/v1/documents/{id}", tag = "documents", params(("id" = uuid::Uuid, Path, description = "Document id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_document(
    State(state): State<AppState>,
    Caller { actor, op, .. }: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, Problem> {
    let (blobs, _, doc) = open_document(&state, &actor, &id, DocumentUse::Manage).await?;
    // Every stored version of the document, and anything left in its upload slot, which is
    // closed first so a replayed upload link cannot put bytes back.
    blobs.seal(&doc.upload_key()).await.map_err(blob_problem)?;
    blobs.delete(&doc.blob_key()).await.map_err(blob_problem)?;
    blobs.delete(&doc.upload_key()).await.map_err(blob_problem)?;
    let delete = Command::document(doc.child_id, doc.id, DocumentCommand::DeleteDocument);
    state.service.execute(&actor, delete, op).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
