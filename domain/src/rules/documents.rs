//! Vault documents: who may do what with them (`docs/access.md`), registering, confirming an upload,
//! deleting, and recording what the analyser found.

use crate::command::{DocumentCommand, SystemCommand};
use crate::context::{Context, require_member, require_owner};
use crate::error::Conflict;
use crate::error::{Checks, DomainError, limits};
use crate::ids::{ChildId, DocumentId};
use crate::keys;
use crate::model::{Document, MAX_DOCUMENT_BYTES, Record};
use crate::rules::flags;
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::vocab::{DocumentState, MemberRole};

const FAMILY_ONLY: &str = "only the family can upload or delete documents";
const FAMILY_ANALYSES: &str = "only the family can run or change the analysis of its documents";

/// What a caller wants to do with a document. The server checks it before touching any bytes
/// (a refused delete must not delete them); `decide` checks it again when recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentUse {
    /// See its metadata and download it (every member).
    Read,
    /// Upload its bytes, confirm the upload, delete it (the family).
    Manage,
    /// Run the analyser on it and record the result (the family).
    Analyse,
}

/// Whether a member with `role` (`None`: not a member) may use a document so.
pub fn may_use(role: Option<MemberRole>, intent: DocumentUse) -> Result<MemberRole, DomainError> {
    match intent {
        DocumentUse::Read => require_member(role, "document"),
        DocumentUse::Manage => require_owner(role, "document", FAMILY_ONLY).map(|()| MemberRole::Owner),
        DocumentUse::Analyse => require_owner(role, "document", FAMILY_ANALYSES).map(|()| MemberRole::Owner),
    }
}

/// The child profile of the document's scope, and so the family scope for the audit line.
pub(crate) fn family_scope(snap: &Snapshot, scope: &Scope) -> Result<Scope, DomainError> {
    match snap.get(scope, keys::CHILD_PROFILE) {
        Some(Record::Child(child)) => Ok(Scope::Family(child.family_id)),
        _ => Err(DomainError::NotFound { what: "child" }),
    }
}

fn stored(snap: &Snapshot, scope: &Scope, id: DocumentId) -> Result<Document, DomainError> {
    match snap.get(scope, &keys::document(id)) {
        Some(Record::Document(doc)) => Ok(doc.clone()),
        _ => Err(DomainError::NotFound { what: "document" }),
    }
}

/// Runs a person's document command; returns the family scope for the audit line.
pub(crate) fn decide(
    ctx: &Context,
    child_id: ChildId,
    document_id: DocumentId,
    command: &DocumentCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    let scope = Scope::Child(child_id);
    may_use(ctx.membership, DocumentUse::Manage)?;
    let Some(Record::Child(child)) = snap.get(&scope, keys::CHILD_PROFILE) else {
        return Err(DomainError::NotFound { what: "child" });
    };
    let family = Scope::Family(child.family_id);
    match command {
        DocumentCommand::CreateDocument { title, category, content_type, size } => {
            let mut checks = Checks::new();
            let title = checks.text("title", title, limits::NAME);
            if *size == 0 {
                checks.fail("size", "an empty file cannot be uploaded");
            } else if *size > MAX_DOCUMENT_BYTES {
                checks.fail("size", "documents are limited to 50 MB");
            }
            checks.finish()?;
            if let Some(Record::Document(existing)) = snap.get(&scope, &keys::document(document_id)) {
                let same = existing.title == title
                    && existing.category == *category
                    && existing.content_type == *content_type
                    && existing.size == *size;
                return if same {
                    Ok(family)
                } else {
                    Err(DomainError::Conflict(Conflict::IdTaken { what: "document" }))
                };
            }
            let doc = Document {
                id: document_id,
                child_id,
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
                document_date: None,
                author: None,
                evidence_kind: None,
                pages: None,
                blank_pages: Vec::new(),
                summary_heading: None,
                unusable: None,
            };
            changes.put(&scope, keys::document(doc.id), Record::Document(doc));
            changes.alias(document_id.to_string(), &scope);
        }
        DocumentCommand::EditDocument { patch } => {
            let current = stored(snap, &scope, document_id)?;
            let mut next = current.clone();
            let mut checks = Checks::new();
            if let Some(t) = &patch.title {
                next.title = checks.text("title", t, limits::NAME);
            }
            if let Some(c) = patch.category {
                next.category = c;
            }
            if let Some(d) = patch.document_date {
                if let Some(d) = d {
                    checks.plausible_date("document_date", d);
                    if d > ctx.today() {
                        checks.refuse("document_date", "must not be after today");
                    }
                }
                next.document_date = d;
            }
            if let Some(a) = &patch.author {
                next.author = checks.opt_text("author", Some(a), limits::NAME);
            }
            if let Some(k) = patch.evidence_kind {
                next.evidence_kind = k;
            }
            checks.finish()?;
            if next != current {
                next.updated_at = ctx.now;
                changes.put(&scope, keys::document(document_id), Record::Document(next));
            }
        }
        DocumentCommand::DeleteDocument => {
            let mut gone = stored(snap, &scope, document_id)?;
            gone.updated_at = ctx.now;
            changes.delete(&scope, keys::document(document_id), Record::Document(gone));
        }
    }
    Ok(family)
}

/// Runs a change only the server makes; returns the family scope for the audit line.
pub(crate) fn decide_system(
    ctx: &Context,
    command: &SystemCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    let scope = command.scope();
    match command {
        SystemCommand::ConfirmUpload { document_id, size, sha256, facts, .. } => {
            may_use(ctx.membership, DocumentUse::Manage)?;
            let family = family_scope(snap, &scope)?;
            let doc = stored(snap, &scope, *document_id)?;
            if doc.state == DocumentState::Uploaded {
                // Evidence is never swapped: a confirmed document keeps the bytes it was
                // confirmed with. Confirming again counts the pages of a document uploaded
                // before the vault counted them.
                return if doc.sha256.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(sha256)) {
                    if doc.pages.is_none()
                        && let Some(facts) = facts
                    {
                        let mut next = doc;
                        next.set_facts(facts.clone());
                        next.updated_at = ctx.now;
                        changes.put(&scope, keys::document(next.id), Record::Document(next));
                    }
                    Ok(family)
                } else {
                    Err(DomainError::Conflict(Conflict::ConfirmedOtherContent))
                };
            }
            if *size != doc.size {
                return Err(DomainError::refused(
                    "size",
                    format!("the stored file has {size} bytes but {} were declared", doc.size),
                ));
            }
            let mut checks = Checks::new();
            let sha256 = checks.sha256("sha256", sha256);
            checks.finish()?;
            let mut next = doc;
            next.state = DocumentState::Uploaded;
            next.sha256 = Some(sha256);
            next.uploaded_at = Some(ctx.now);
            next.updated_at = ctx.now;
            if let Some(facts) = facts {
                next.set_facts(facts.clone());
            }
            changes.put(&scope, keys::document(next.id), Record::Document(next));
            Ok(family)
        }
        SystemCommand::RecordComparison { plan_document_id, report_document_ids, .. } => {
            may_use(ctx.membership, DocumentUse::Analyse)?;
            let family = family_scope(snap, &scope)?;
            if report_document_ids.is_empty() || report_document_ids.len() > limits::COMPARED_REPORTS {
                return Err(DomainError::refused(
                    "report_document_ids",
                    format!("name 1 to {} reports", limits::COMPARED_REPORTS),
                ));
            }
            // The plan and every report must be this child's documents, with their bytes.
            for id in std::iter::once(plan_document_id).chain(report_document_ids) {
                if stored(snap, &scope, *id)?.state != DocumentState::Uploaded {
                    return Err(DomainError::Conflict(Conflict::NotUploaded));
                }
            }
            flags::record_comparison(ctx, &scope, command, snap, changes)?;
            Ok(family)
        }
        // Decided by the bundle and personal rules.
        SystemCommand::RecordBuild { .. }
        | SystemCommand::RecordExport { .. }
        | SystemCommand::RecordErasure { .. } => Err(DomainError::NotFound { what: "document" }),
        SystemCommand::RecordAnalysis { .. } | SystemCommand::RecordAnalysisFailure { .. } => {
            may_use(ctx.membership, DocumentUse::Analyse)?;
            let family = family_scope(snap, &scope)?;
            let id = command.document_id().ok_or(DomainError::NotFound { what: "document" })?;
            let doc = stored(snap, &scope, id)?;
            flags::record_analysis(ctx, &scope, &doc, command, snap, changes)?;
            Ok(family)
        }
    }
}
