//! Every change a person can make, as data. The same commands arrive from REST handlers and
//! from a phone's sync push.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analyser::Finding;
use crate::ids::{ActionId, AlertId, AnnotationId, CaseId, ChildId, DocumentId, FamilyId, FlagId, KeyDateId, NoteId};
use crate::timescale::TimescaleId;
use crate::vocab::*;

/// A new next action, as a person enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    #[serde(default)]
    pub id: Option<ActionId>,
    pub description: String,
    pub responsible: Party,
    pub due: NaiveDate,
    /// Defaults from the responsible party (family urgent; LA, school, professional important).
    #[serde(default)]
    pub priority: Option<ActionPriority>,
    /// A statutory timescale this action tracks; carries its legal basis.
    #[serde(default)]
    pub timescale: Option<TimescaleId>,
}

/// A change to a child's details; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChildPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub local_authority: Option<String>,
    /// `""` clears the school.
    #[serde(default)]
    pub school: Option<String>,
}

/// A change to an action; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub responsible: Option<Party>,
    #[serde(default)]
    pub due: Option<NaiveDate>,
    #[serde(default)]
    pub priority: Option<ActionPriority>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    CreateFamily {
        family_id: FamilyId,
        name: String,
    },
    AddChild {
        family_id: FamilyId,
        child_id: ChildId,
        name: String,
        date_of_birth: NaiveDate,
        local_authority: String,
        #[serde(default)]
        school: Option<String>,
    },
    EditChild {
        family_id: FamilyId,
        child_id: ChildId,
        patch: ChildPatch,
    },
    CreateCase {
        case_id: CaseId,
        child_id: ChildId,
        status: CaseStatus,
        summary: String,
        #[serde(default)]
        next_action: Option<NewAction>,
    },
    EditCase {
        case_id: CaseId,
        summary: String,
    },
    ChangeStatus {
        case_id: CaseId,
        status: CaseStatus,
        #[serde(default)]
        note: Option<String>,
    },
    CloseCase {
        case_id: CaseId,
        outcome: CloseOutcome,
        #[serde(default)]
        note: Option<String>,
    },
    RecordKeyDate {
        case_id: CaseId,
        /// To correct an earlier repeating key date; once-per-case kinds need none.
        #[serde(default)]
        key_date_id: Option<KeyDateId>,
        kind: KeyDateKind,
        date: NaiveDate,
        #[serde(default)]
        decision: Option<AppealableDecision>,
        #[serde(default)]
        section_i_only: bool,
    },
    AddNote {
        case_id: CaseId,
        note_id: NoteId,
        text: String,
        #[serde(default)]
        topic: Option<NoteTopic>,
        #[serde(default)]
        section: Option<Section>,
        #[serde(default)]
        document_id: Option<Uuid>,
    },
    AddAction {
        case_id: CaseId,
        action: NewAction,
    },
    EditAction {
        case_id: CaseId,
        action_id: ActionId,
        patch: ActionPatch,
    },
    CompleteAction {
        case_id: CaseId,
        action_id: ActionId,
        /// Defaults to today in England.
        #[serde(default)]
        completed_on: Option<NaiveDate>,
    },
    ReopenAction {
        case_id: CaseId,
        action_id: ActionId,
    },
    /// Register a document and get ready for its upload (family only).
    CreateDocument {
        document_id: DocumentId,
        child_id: ChildId,
        title: String,
        category: DocumentCategory,
        content_type: DocumentType,
        size: u64,
    },
    /// The bytes are in storage: record their size and hash as the server measured them.
    ConfirmUpload {
        document_id: DocumentId,
        size: u64,
        sha256: String,
    },
    /// Remove a document (its bytes are deleted by the caller first).
    DeleteDocument {
        document_id: DocumentId,
    },
    /// Store what the analyser found in a document's text, on the case if one is named.
    /// Re-analysis replaces the open analyser flags and carries the family's decisions over to
    /// flags of the same rule and passage (DOMAIN §5.7).
    RecordAnalysis {
        document_id: DocumentId,
        #[serde(default)]
        case_id: Option<CaseId>,
        /// Hex SHA-256 of the normalised text.
        text_hash: String,
        findings: Vec<Finding>,
    },
    /// The document's text could not be read; `reason` is for the family.
    RecordAnalysisFailure {
        document_id: DocumentId,
        reason: String,
    },
    /// A flag the family raises by hand (no rule id).
    AddFlag {
        case_id: CaseId,
        flag_id: FlagId,
        kind: FlagKind,
        #[serde(default)]
        section: Option<Section>,
        excerpt: String,
        #[serde(default)]
        severity: Option<FlagSeverity>,
        #[serde(default)]
        rationale: Option<String>,
        #[serde(default)]
        document_id: Option<DocumentId>,
        #[serde(default)]
        note: Option<String>,
    },
    /// Confirm, dismiss or reopen a flag (family only).
    DecideFlag {
        case_id: CaseId,
        flag_id: FlagId,
        status: FlagStatus,
        #[serde(default)]
        note: Option<String>,
    },
    /// Move a flag to another section or change the family's note on it (family only).
    EditFlag {
        case_id: CaseId,
        flag_id: FlagId,
        #[serde(default)]
        section: Option<Section>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The family's comment on a section's wording, linked to the evidence.
    AddAnnotation {
        case_id: CaseId,
        annotation_id: AnnotationId,
        section: Section,
        quote: String,
        comment: String,
        #[serde(default)]
        document_ids: Vec<DocumentId>,
    },
    /// The caller's own reminder lead times.
    SetPreferences {
        reminder_lead_days: Vec<u32>,
    },
    /// The caller has read a notification.
    MarkNotificationRead {
        notification_id: AlertId,
    },
}

impl Command {
    /// The command's wire name, used in the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            Command::CreateFamily { .. } => "create_family",
            Command::AddChild { .. } => "add_child",
            Command::EditChild { .. } => "edit_child",
            Command::CreateCase { .. } => "create_case",
            Command::EditCase { .. } => "edit_case",
            Command::ChangeStatus { .. } => "change_status",
            Command::CloseCase { .. } => "close_case",
            Command::RecordKeyDate { .. } => "record_key_date",
            Command::AddNote { .. } => "add_note",
            Command::AddAction { .. } => "add_action",
            Command::EditAction { .. } => "edit_action",
            Command::CompleteAction { .. } => "complete_action",
            Command::ReopenAction { .. } => "reopen_action",
            Command::CreateDocument { .. } => "create_document",
            Command::ConfirmUpload { .. } => "confirm_upload",
            Command::DeleteDocument { .. } => "delete_document",
            Command::RecordAnalysis { .. } => "record_analysis",
            Command::RecordAnalysisFailure { .. } => "record_analysis_failure",
            Command::AddFlag { .. } => "add_flag",
            Command::DecideFlag { .. } => "decide_flag",
            Command::EditFlag { .. } => "edit_flag",
            Command::AddAnnotation { .. } => "add_annotation",
            Command::SetPreferences { .. } => "set_preferences",
            Command::MarkNotificationRead { .. } => "mark_notification_read",
        }
    }

    /// Commands about the caller's own settings, run in the caller's user scope.
    pub fn is_personal(&self) -> bool {
        matches!(self, Command::SetPreferences { .. } | Command::MarkNotificationRead { .. })
    }

    /// The document a document command targets.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Command::CreateDocument { document_id, .. }
            | Command::ConfirmUpload { document_id, .. }
            | Command::DeleteDocument { document_id }
            | Command::RecordAnalysis { document_id, .. }
            | Command::RecordAnalysisFailure { document_id, .. } => Some(*document_id),
            _ => None,
        }
    }

    /// A machine-made batch whose writes are each conditioned and idempotent, so they may be
    /// committed in several transactions when they exceed one (the analyser's flags).
    pub fn commits_in_batches(&self) -> bool {
        matches!(self, Command::RecordAnalysis { .. })
    }

    /// The case a case-level command targets.
    pub fn case_id(&self) -> Option<CaseId> {
        match self {
            Command::CreateCase { case_id, .. }
            | Command::EditCase { case_id, .. }
            | Command::ChangeStatus { case_id, .. }
            | Command::CloseCase { case_id, .. }
            | Command::RecordKeyDate { case_id, .. }
            | Command::AddNote { case_id, .. }
            | Command::AddAction { case_id, .. }
            | Command::EditAction { case_id, .. }
            | Command::CompleteAction { case_id, .. }
            | Command::ReopenAction { case_id, .. }
            | Command::AddFlag { case_id, .. }
            | Command::DecideFlag { case_id, .. }
            | Command::EditFlag { case_id, .. }
            | Command::AddAnnotation { case_id, .. } => Some(*case_id),
            Command::RecordAnalysis { case_id, .. } => *case_id,
            _ => None,
        }
    }
}
