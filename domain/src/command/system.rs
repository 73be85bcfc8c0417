//! Changes only the server makes, from facts it measured itself: the size and hash of uploaded
//! bytes, what the analyser found in a document's verified text. They are not commands a
//! client can push (sync accepts [`super::Command`] only), so a device cannot claim a hash or
//! invent an analysis.

use crate::analyser::Finding;
use crate::ids::{BuildId, BundleId, CaseId, ChildId, DocumentId, ExportId, UserId};
use crate::scope::Scope;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemCommand {
    /// The bytes are in storage: record their size and hash as the server measured them.
    /// `facts`: what the server measured in the file for bundles (pages, blank pages, a
    /// summary heading, why it cannot be used); absent when it could not be measured.
    ConfirmUpload {
        child_id: ChildId,
        document_id: DocumentId,
        size: u64,
        sha256: String,
        facts: Option<crate::bundle::PageFacts>,
    },
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
    /// Store what holding a plan against the professional reports found (rules EI01–EI09,
    /// `docs/analyser.md`) as the case's comparison flags. A new comparison replaces the
    /// case's open comparison flags and carries the family's decisions over, as re-analysis
    /// does; the plan's own analysis flags are left alone.
    RecordComparison {
        child_id: ChildId,
        case_id: CaseId,
        plan_document_id: DocumentId,
        report_document_ids: Vec<DocumentId>,
        /// Each flag with the document whose text it quotes (the plan, or a report for a
        /// recommendation the plan lacks).
        findings: Vec<DocumentFinding>,
    },
    /// What became of a bundle build: the builder started it, finished it, or could not.
    RecordBuild { child_id: ChildId, bundle_id: BundleId, build_id: BuildId, outcome: BuildOutcome },
    /// What became of an export (made as the user who asked for it).
    RecordExport { user: UserId, export_id: ExportId, outcome: BuildOutcome },
    /// Where an account's deletion stands (made as the user deleting it): the receipt under the
    /// keyed hash of their id; when it is complete, the advocates it names are told.
    RecordErasure { key: crate::erasure::ErasureKey, receipt: crate::erasure::Erasure },
}

/// The builder's report on a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildOutcome {
    Building,
    Ready {
        pages: u32,
        sha256: String,
        size: u64,
    },
    /// `reason` is for the family.
    Failed {
        reason: String,
    },
}

/// A finding and the document text it quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFinding {
    pub document_id: DocumentId,
    /// Hex SHA-256 of that document's normalised text.
    pub text_hash: String,
    pub finding: Finding,
}

impl SystemCommand {
    pub fn scope(&self) -> Scope {
        match self {
            SystemCommand::ConfirmUpload { child_id, .. }
            | SystemCommand::RecordAnalysis { child_id, .. }
            | SystemCommand::RecordAnalysisFailure { child_id, .. }
            | SystemCommand::RecordComparison { child_id, .. }
            | SystemCommand::RecordBuild { child_id, .. } => Scope::Child(*child_id),
            SystemCommand::RecordExport { user, .. } => Scope::User(user.clone()),
            SystemCommand::RecordErasure { key, .. } => Scope::Erased(key.clone()),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            SystemCommand::ConfirmUpload { .. } => "confirm_upload",
            SystemCommand::RecordAnalysis { .. } => "record_analysis",
            SystemCommand::RecordAnalysisFailure { .. } => "record_analysis_failure",
            SystemCommand::RecordComparison { .. } => "record_comparison",
            SystemCommand::RecordBuild { .. } => "record_bundle_build",
            SystemCommand::RecordExport { .. } => "record_export",
            SystemCommand::RecordErasure { .. } => "record_erasure",
        }
    }

    /// The document the command is about (none for a build).
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            SystemCommand::ConfirmUpload { document_id, .. }
            | SystemCommand::RecordAnalysis { document_id, .. }
            | SystemCommand::RecordAnalysisFailure { document_id, .. } => Some(*document_id),
            SystemCommand::RecordComparison { plan_document_id, .. } => Some(*plan_document_id),
            SystemCommand::RecordBuild { .. }
            | SystemCommand::RecordExport { .. }
            | SystemCommand::RecordErasure { .. } => None,
        }
    }

    pub fn case_id(&self) -> Option<CaseId> {
        match self {
            SystemCommand::RecordAnalysis { case_id, .. } => *case_id,
            SystemCommand::RecordComparison { case_id, .. } => Some(*case_id),
            SystemCommand::ConfirmUpload { .. }
            | SystemCommand::RecordAnalysisFailure { .. }
            | SystemCommand::RecordBuild { .. }
            | SystemCommand::RecordExport { .. }
            | SystemCommand::RecordErasure { .. } => None,
        }
    }
}
