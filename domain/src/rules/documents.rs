//! Vault documents: registering, confirming an upload, deleting (DOMAIN §5.6: family only).

use crate::command::Command;
use crate::decide::Context;
use crate::error::{Checks, DomainError, limits};
use crate::keys;
use crate::model::{Document, MAX_DOCUMENT_BYTES, Record};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::vocab::DocumentState;

const FAMILY_ONLY: &str = "only the family can upload or delete documents";

/// Runs a document command in a child scope; returns the family scope for the audit line.
pub(crate) fn decide_document(
    ctx: &Context,
    scope: &Scope,
    command: &Command,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    ctx.require_owner("document", FAMILY_ONLY)?;
    let Some(Record::Child(child)) = snap.get(scope, keys::CHILD_PROFILE) else {
        return Err(DomainError::NotFound { what: "child" });
    };
    let family_scope = Scope::Family(child.family_id);
    match command {
        Command::CreateDocument { document_id, child_id, title, category, content_type, size } => {
            let mut checks = Checks::new();
            let title = checks.text("title", title, limits::NAME);
            if *size == 0 {
                checks.fail("size", "an empty file cannot be uploaded");
            } else if *size > MAX_DOCUMENT_BYTES {
                checks.fail("size", "documents are limited to 50 MB");
            }
            checks.finish()?;
            if let Some(Record::Document(existing)) = snap.get(scope, &keys::document(*document_id)) {
                let same = existing.title == title
                    && existing.category == *category
                    && existing.content_type == *content_type
                    && existing.size == *size;
                return if same {
                    Ok(family_scope)
                } else {
                    Err(DomainError::Conflict("a document with this id already exists".into()))
                };
            }
            let doc = Document {
                id: *document_id,
                child_id: *child_id,
                family_id: child.family_id,
                title,
                category: *category,
                content_type: *content_type,
                size: *size,
                state: DocumentState::AwaitingUpload,
                sha256: None,
                uploaded_at: None,
                created_by: ctx.actor_ref(),
                created_at: ctx.now,
                updated_at: ctx.now,
                analysis: None,
            };
            changes.put(scope, keys::document(doc.id), Record::Document(doc));
            changes.alias(document_id.to_string(), scope);
        }
        Command::ConfirmUpload { document_id, size, sha256 } => {
            let Some(Record::Document(doc)) = snap.get(scope, &keys::document(*document_id)) else {
                return Err(DomainError::NotFound { what: "document" });
            };
            if doc.state == DocumentState::Uploaded && doc.sha256.as_deref() == Some(sha256.as_str()) {
                return Ok(family_scope);
            }
            if *size != doc.size {
                return Err(DomainError::invalid(
                    "size",
                    format!("the stored file has {size} bytes but {} were declared", doc.size),
                ));
            }
            let mut checks = Checks::new();
            let sha256 = checks.sha256("sha256", sha256);
            checks.finish()?;
            let mut next = doc.clone();
            next.state = DocumentState::Uploaded;
            next.sha256 = Some(sha256);
            next.uploaded_at = Some(ctx.now);
            next.updated_at = ctx.now;
            changes.put(scope, keys::document(doc.id), Record::Document(next));
        }
        Command::DeleteDocument { document_id } => {
            let Some(Record::Document(doc)) = snap.get(scope, &keys::document(*document_id)) else {
                return Err(DomainError::NotFound { what: "document" });
            };
            let mut gone = doc.clone();
            gone.updated_at = ctx.now;
            changes.delete(scope, keys::document(doc.id), Record::Document(gone));
        }
        _ => return Err(DomainError::NotFound { what: "document" }),
    }
    Ok(family_scope)
}
