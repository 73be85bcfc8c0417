//! Changes to one EHCP case: creation, summary, status, key dates, notes, actions, flags and
//! annotations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{ActionId, AnnotationId, DocumentId, FlagId, KeyDateId, NoteId};
use crate::model::DatePeriod;
use crate::timescale::TimescaleId;
use crate::vocab::*;

/// A new next action, as a person enters it: a due date, or a statutory timescale and the day
/// its clock starts (the transfer date, the move date, the tribunal's order), from which the
/// due date is computed with its legal basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    #[serde(default)]
    pub id: Option<ActionId>,
    #[cfg_attr(feature = "openapi", schema(max_length = 500, pattern = r"\S"))]
    pub description: String,
    pub responsible: Party,
    /// Required without a timescale; refused with one (it is computed from `start`).
    #[serde(default, deserialize_with = "crate::dates::strict::option")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub due: Option<NaiveDate>,
    /// Defaults from the responsible party (family urgent; LA, school, professional important).
    #[serde(default)]
    pub priority: Option<ActionPriority>,
    /// A statutory timescale this action tracks; carries its legal basis.
    #[serde(default)]
    pub timescale: Option<TimescaleId>,
    /// With a timescale: the day its clock starts.
    #[serde(default, deserialize_with = "crate::dates::strict::option")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub start: Option<NaiveDate>,
}

/// A change to an action; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500, pattern = r"\S"))]
    pub description: Option<String>,
    #[serde(default)]
    pub responsible: Option<Party>,
    #[serde(default, deserialize_with = "crate::dates::strict::option")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub due: Option<NaiveDate>,
    #[serde(default)]
    pub priority: Option<ActionPriority>,
    /// For an action that tracks a timescale: a corrected start (the due date follows).
    #[serde(default, deserialize_with = "crate::dates::strict::option")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub start: Option<NaiveDate>,
}

/// What a person records about an LA's reliance on an exception (SEND Regs 2014 regs 5(4), 8(2), 10(4), 13(3), 44(3)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExceptionInput {
    pub ground: ExceptionGround,
    pub claimed_by: ClaimedBy,
    #[serde(default)]
    pub period: Option<DatePeriod>,
    #[cfg_attr(feature = "openapi", schema(max_length = 2000, pattern = r"\S"))]
    pub note: String,
    #[serde(default)]
    pub evidence_document_id: Option<DocumentId>,
}

/// A change to one case (the case is named by the enclosing [`super::Command::Case`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseCommand {
    CreateCase {
        status: CaseStatus,
        summary: String,
        #[serde(default)]
        next_action: Option<NewAction>,
    },
    EditCase {
        summary: String,
    },
    ChangeStatus {
        status: CaseStatus,
        #[serde(default)]
        note: Option<String>,
    },
    CloseCase {
        outcome: CloseOutcome,
        #[serde(default)]
        note: Option<String>,
    },
    RecordKeyDate {
        /// A repeating key date's id: an earlier one's to correct it, or a new one the client
        /// chose (a retry then records it once). Once-per-case kinds need none: their id is
        /// derived from the case and the kind.
        #[serde(default)]
        key_date_id: Option<KeyDateId>,
        kind: KeyDateKind,
        #[serde(deserialize_with = "crate::dates::strict::date")]
        date: NaiveDate,
        #[serde(default)]
        decision: Option<AppealableDecision>,
        #[serde(default)]
        section_i_only: bool,
    },
    /// Removes a key date recorded in error, with the clocks it started.
    DeleteKeyDate {
        key_date_id: KeyDateId,
    },
    AddNote {
        note_id: NoteId,
        text: String,
        #[serde(default)]
        topic: Option<NoteTopic>,
        #[serde(default)]
        section: Option<Section>,
        /// A vault document of the same child the note is about.
        #[serde(default)]
        document_id: Option<DocumentId>,
    },
    AddAction {
        action: NewAction,
    },
    EditAction {
        action_id: ActionId,
        patch: ActionPatch,
    },
    CompleteAction {
        action_id: ActionId,
        /// Defaults to today in England.
        #[serde(default, deserialize_with = "crate::dates::strict::option")]
        completed_on: Option<NaiveDate>,
    },
    ReopenAction {
        action_id: ActionId,
    },
    /// The LA relies on an exception to this action's time limit (family or collaborator).
    RecordException {
        action_id: ActionId,
        exception: ExceptionInput,
    },
    /// Withdraws a recorded exception.
    ClearException {
        action_id: ActionId,
    },
    /// A flag the family raises by hand (no rule id).
    AddFlag {
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
        flag_id: FlagId,
        status: FlagStatus,
        #[serde(default)]
        note: Option<String>,
    },
    /// Move a flag to another section or change the family's note on it (family only).
    EditFlag {
        flag_id: FlagId,
        #[serde(default)]
        section: Option<Section>,
        #[serde(default)]
        note: Option<String>,
    },
    /// The family's comment on a section's wording, linked to the evidence.
    AddAnnotation {
        annotation_id: AnnotationId,
        section: Section,
        quote: String,
        comment: String,
        #[serde(default)]
        document_ids: Vec<DocumentId>,
    },
}

impl CaseCommand {
    pub fn name(&self) -> &'static str {
        match self {
            CaseCommand::CreateCase { .. } => "create_case",
            CaseCommand::EditCase { .. } => "edit_case",
            CaseCommand::ChangeStatus { .. } => "change_status",
            CaseCommand::CloseCase { .. } => "close_case",
            CaseCommand::RecordKeyDate { .. } => "record_key_date",
            CaseCommand::DeleteKeyDate { .. } => "delete_key_date",
            CaseCommand::AddNote { .. } => "add_note",
            CaseCommand::AddAction { .. } => "add_action",
            CaseCommand::EditAction { .. } => "edit_action",
            CaseCommand::CompleteAction { .. } => "complete_action",
            CaseCommand::ReopenAction { .. } => "reopen_action",
            CaseCommand::RecordException { .. } => "record_exception",
            CaseCommand::ClearException { .. } => "clear_exception",
            CaseCommand::AddFlag { .. } => "add_flag",
            CaseCommand::DecideFlag { .. } => "decide_flag",
            CaseCommand::EditFlag { .. } => "edit_flag",
            CaseCommand::AddAnnotation { .. } => "add_annotation",
        }
    }

    /// Vault documents of the child the command links to (each must exist in the child scope).
    pub fn linked_documents(&self) -> Vec<DocumentId> {
        match self {
            CaseCommand::AddNote { document_id, .. } | CaseCommand::AddFlag { document_id, .. } => {
                document_id.iter().copied().collect()
            }
            CaseCommand::AddAnnotation { document_ids, .. } => document_ids.clone(),
            CaseCommand::RecordException { exception, .. } => exception.evidence_document_id.iter().copied().collect(),
            CaseCommand::CreateCase { .. }
            | CaseCommand::EditCase { .. }
            | CaseCommand::ChangeStatus { .. }
            | CaseCommand::CloseCase { .. }
            | CaseCommand::RecordKeyDate { .. }
            | CaseCommand::DeleteKeyDate { .. }
            | CaseCommand::AddAction { .. }
            | CaseCommand::EditAction { .. }
            | CaseCommand::CompleteAction { .. }
            | CaseCommand::ReopenAction { .. }
            | CaseCommand::ClearException { .. }
            | CaseCommand::DecideFlag { .. }
            | CaseCommand::EditFlag { .. } => Vec::new(),
        }
    }
}
