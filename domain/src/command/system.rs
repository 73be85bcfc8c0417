//! Changes only the server makes, from facts it measured itself: the size and hash of uploaded
//! bytes, what the analyser found in a document's verified text. They are not commands a
//! client can push (sync accepts [`super::Command`] only), so a device cannot claim a hash or
//! invent an analysis.

use crate::analyser::Finding;
use crate::ids::{CaseId, ChildId, DocumentId};
use crate::scope::Scope;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemCommand {
    /// The bytes are in storage: record their size and hash as the server measured them.
    ConfirmUpload { child_id: ChildId, document_id: DocumentId, size: u64, sha256: String },
    /// Store what the analyser found in a document's text, on the case if one is named.
    /// Re-analysis replaces the open analyser flags and carries the family's decisions over to
    /// flags of the same rule and passage (`docs/analyser.md`).
    RecordAnalysis {
        child_id: ChildId,
        document_id: DocumentId,
        case_id: Option<CaseId>,
        /// Hex SHA-256 of the normalised text.
        text_hash: String,
        findings: Vec<Finding>,
    },
    /// The document's text could not be read; `reason` is for the family.
    RecordAnalysisFailure { child_id: ChildId, document_id: DocumentId, reason: String },
}

impl SystemCommand {
    pub fn scope(&self) -> Scope {
        match self {
            SystemCommand::ConfirmUpload { child_id, .. }
            | SystemCommand::RecordAnalysis { child_id, .. }
            | SystemCommand::RecordAnalysisFailure { child_id, .. } => Scope::Child(*child_id),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            SystemCommand::ConfirmUpload { .. } => "confirm_upload",
            SystemCommand::RecordAnalysis { .. } => "record_analysis",
            SystemCommand::RecordAnalysisFailure { .. } => "record_analysis_failure",
        }
    }

    pub fn document_id(&self) -> DocumentId {
        match self {
            SystemCommand::ConfirmUpload { document_id, .. }
            | SystemCommand::RecordAnalysis { document_id, .. }
            | SystemCommand::RecordAnalysisFailure { document_id, .. } => *document_id,
        }
    }

    pub fn case_id(&self) -> Option<CaseId> {
        match self {
            SystemCommand::RecordAnalysis { case_id, .. } => *case_id,
            SystemCommand::ConfirmUpload { .. } | SystemCommand::RecordAnalysisFailure { .. } => None,
        }
    }
}
