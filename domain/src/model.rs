//! The records the rules read and write. Each is stored as one JSON body under a hierarchical
//! key in one scope (see [`crate::keys`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{
    ActionId, AlertId, AnnotationId, AuditId, CaseId, ChildId, DocumentId, FamilyId, FlagId, KeyDateId, NoteId,
    StatusChangeId, UserId,
};
use crate::timescale::TimescaleId;
use crate::vocab::*;

pub use crate::context::ActorRef;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Family {
    pub id: FamilyId,
    pub name: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

/// A member of a family account (key `member/<user>` in the family scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FamilyMember {
    pub user: UserId,
    pub added_at: DateTime<Utc>,
}

/// A child. Stored twice in one commit: in the family scope (the family's list) and as the
/// child scope's `profile` (what a granted advocate can read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Child {
    pub id: ChildId,
    pub family_id: FamilyId,
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub local_authority: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Access to one scope for one user (key `membership/<scope>` in the user's scope). Authorising
/// a request is one read of this record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub user: UserId,
    /// The scope this membership opens, e.g. `child:<id>`.
    pub scope: String,
    pub role: MemberRole,
    pub granted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: CaseId,
    pub child_id: ChildId,
    pub status: CaseStatus,
    pub summary: String,
    pub created_by: ActorRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One entry of a case's immutable status history (`from: null` at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub id: StatusChangeId,
    pub case_id: CaseId,
    pub from: Option<CaseStatus>,
    pub to: CaseStatus,
    pub at: DateTime<Utc>,
    pub by: ActorRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyDate {
    pub id: KeyDateId,
    pub case_id: CaseId,
    pub kind: KeyDateKind,
    pub date: NaiveDate,
    /// For `decision_notice`: which appealable decision it records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<AppealableDecision>,
    /// For `decision_notice`: an appeal about Section I only needs no mediation.
    #[serde(default)]
    pub section_i_only: bool,
    pub recorded_by: ActorRef,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: NoteId,
    pub case_id: CaseId,
    pub text: String,
    pub author: ActorRef,
    /// Set by the server (or the deciding device), never by the request body.
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<NoteTopic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
}

/// A next action (`docs/law.md`, "Next actions"). Overdue is derived, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Action {
    pub id: ActionId,
    pub case_id: CaseId,
    pub description: String,
    pub responsible: Party,
    pub due: NaiveDate,
    /// Tribunal filings only: the last day the tribunal still accepts it (HESC r.12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_until: Option<NaiveDate>,
    pub priority: ActionPriority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timescale: Option<TimescaleId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_kind: Option<DeadlineKind>,
    pub origin: ActionOrigin,
    pub state: ActionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_on: Option<NaiveDate>,
    /// Done because a later event made it moot (e.g. a final plan cancels the no-plan clock).
    #[serde(default)]
    pub cancelled: bool,
    /// Closed by a later event without judging its timing (a mediation certificate closes the
    /// contact window; the certificate's date is not the contact date).
    #[serde(default)]
    pub not_judged: bool,
    /// A family window the LA ended early by issuing the plan inside it: the LA's breach.
    #[serde(default)]
    pub cut_short: bool,
    /// The key date whose clock created this action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_date_id: Option<KeyDateId>,
    /// The key date whose recording completed this action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_by_key_date: Option<KeyDateId>,
    /// The LA relies on an exception to this time limit (SEND Regs 2014 regs 5(4), 8(2), 10(4), 13(3), 44(3)), as the family or an advocate
    /// recorded it. The due date never moves and overdue is still computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionClaim>,
    /// The promise on the child's timeline this action follows (origin `commitment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::timeline::ActionSource>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stated reliance on an exception to an LA time limit (SEND Regs 2014 regs 5(4), 8(2), 10(4), 13(3), 44(3)): user-entered, never
/// inferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExceptionClaim {
    pub ground: ExceptionGround,
    /// Who says so: the LA (in a letter) or the family.
    pub claimed_by: ClaimedBy,
    /// The closure, absence or circumstances the ground rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<DatePeriod>,
    pub note: String,
    /// A vault document of the child that shows it (the LA's letter, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_document_id: Option<DocumentId>,
    pub recorded_by: ActorRef,
    pub recorded_at: DateTime<Utc>,
}

/// Dates from one day to another, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DatePeriod {
    #[serde(deserialize_with = "crate::dates::strict::date")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub from: NaiveDate,
    #[serde(deserialize_with = "crate::dates::strict::date")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub to: NaiveDate,
}

/// The scanner's bookkeeping for one open action (key `case/<cid>/tracker/<aid>`): which
/// reminders it raised for the current due date and whether it found the action overdue, and
/// the next day it has work — the record's due-index date. It lives beside the action, not in
/// it, so the scanner never changes a record people edit (an offline edit conditioned on the
/// action's version is never refused because a scan ran). It exists while the action is open;
/// every change to the action rewrites it, and it carries a copy of the action so a scan reads
/// nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueTracker {
    pub action: Action,
    /// Reminder lead times (days) raised or passed over for `action.due`.
    #[serde(default)]
    pub leads_done: Vec<u32>,
    /// The day the scanner found the action overdue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue_on: Option<NaiveDate>,
}

impl DueTracker {
    /// The tracker for `action` as it now stands, keeping the scanner's progress while the due
    /// date is unchanged; `None` once the action is done.
    pub fn for_action(action: &Action, previous: Option<&DueTracker>) -> Option<DueTracker> {
        if !action.is_open() {
            return None;
        }
        let progress = previous.filter(|p| p.action.due == action.due);
        Some(DueTracker {
            action: action.clone(),
            leads_done: progress.map(|p| p.leads_done.clone()).unwrap_or_default(),
            overdue_on: progress.and_then(|p| p.overdue_on),
        })
    }

    /// The next day the scanner has something to do: a reminder lead time coming up, or the
    /// first day after its last day (overdue, or a family window closing); `None` once found
    /// so. This is the tracker's
    /// due-index date, so a scan only ever reads actions with work due.
    pub fn next_check(&self) -> Option<NaiveDate> {
        if !self.action.is_open() || self.overdue_on.is_some() {
            return None;
        }
        let due = self.action.due;
        REMINDER_LEADS
            .iter()
            .filter(|l| !self.leads_done.contains(l))
            .filter_map(|l| due.checked_sub_days(chrono::Days::new(u64::from(*l))))
            .chain(self.action.last_day().succ_opt())
            .min()
    }
}

/// Reminder lead times, in days before the due date: 7, 3 and 1 (README, "Deadlines noticed for you").
pub const REMINDER_LEADS: [u32; 3] = [7, 3, 1];

/// Whether a deadline was met, from its due date and completion date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Timeliness {
    Met,
    Late {
        days: i64,
    },
    Cancelled,
    Pending,
    Overdue {
        days: i64,
    },
    /// A family window (a right, not a duty) closed without being used in time: never overdue,
    /// never a missed deadline.
    WindowClosed,
    /// Closed by a later event without judging its timing.
    NotJudged,
    /// The LA ended the family's window `days` days early by issuing the plan inside it.
    CutShort {
        days: i64,
    },
}

impl Action {
    /// A new open action with no timescale, exception or source: what every rule that creates
    /// one starts from, setting the rest with struct update syntax.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        id: ActionId,
        case_id: CaseId,
        description: String,
        responsible: Party,
        due: NaiveDate,
        priority: ActionPriority,
        origin: ActionOrigin,
        now: DateTime<Utc>,
    ) -> Action {
        Action {
            id,
            case_id,
            description,
            responsible,
            due,
            accepted_until: None,
            priority,
            timescale: None,
            legal_basis: None,
            deadline_kind: None,
            origin,
            state: ActionState::Open,
            completed_on: None,
            cancelled: false,
            not_judged: false,
            cut_short: false,
            key_date_id: None,
            completed_by_key_date: None,
            exception: None,
            source: None,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == ActionState::Open
    }

    /// Open and past its last day (due today is not overdue). A family window is never
    /// overdue: it closes.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        matches!(self.timeliness(today), Timeliness::Overdue { .. })
    }

    /// A period the law gives the family to act in (a right, not a duty).
    pub fn is_family_window(&self) -> bool {
        self.timescale.is_some_and(|t| t.is_family_window())
    }

    /// The last day it can be done in time: the due date, or for a tribunal filing the day the
    /// tribunal still accepts it (HESC r.12).
    pub fn last_day(&self) -> NaiveDate {
        self.accepted_until.unwrap_or(self.due).max(self.due)
    }

    /// "met" or "N days late", as the chronology shows it.
    pub fn timeliness(&self, today: NaiveDate) -> Timeliness {
        let window = self.is_family_window();
        let last = self.last_day();
        match (self.state, self.completed_on) {
            (ActionState::Done, _) if self.cancelled => Timeliness::Cancelled,
            (ActionState::Done, Some(on)) if self.cut_short => {
                Timeliness::CutShort { days: (self.due - on).num_days() }
            }
            (ActionState::Done, _) if self.not_judged => Timeliness::NotJudged,
            (ActionState::Done, Some(on)) if on > last && window => Timeliness::WindowClosed,
            (ActionState::Done, Some(on)) if on > last => Timeliness::Late { days: (on - self.due).num_days() },
            (ActionState::Done, _) => Timeliness::Met,
            (ActionState::Open, _) if today > last && window => Timeliness::WindowClosed,
            (ActionState::Open, _) if today > last => Timeliness::Overdue { days: (today - self.due).num_days() },
            (ActionState::Open, _) => Timeliness::Pending,
        }
    }
}

/// One line of the family's audit log: who did what to which record, never the record's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub actor: ActorRef,
    /// The command's name, e.g. `add_note`.
    pub action: String,
    pub scope: String,
    pub target: String,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// An open action is due in `lead_days` days.
    Reminder,
    /// An open action passed its due date.
    Overdue,
}

impl AlertKind {
    /// The wire id (also part of each alert's derived id, so it must never change).
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertKind::Reminder => "reminder",
            AlertKind::Overdue => "overdue",
        }
    }
}

/// A notification about due work, kept in the child scope it concerns so that everyone with
/// access sees it, its devices sync it with the child's records, and losing access removes it.
/// It holds ids and dates only: what is due is read from the action, under access control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: AlertId,
    pub kind: AlertKind,
    pub child_id: ChildId,
    pub case_id: CaseId,
    pub action_id: ActionId,
    pub due: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_days: Option<u32>,
    pub responsible: Party,
    pub raised_at: DateTime<Utc>,
}

impl Alert {
    /// Whether a user with these reminder lead times is shown this alert (overdue alerts always).
    pub fn shown_with(&self, reminder_lead_days: &[u32]) -> bool {
        match (self.kind, self.lead_days) {
            (AlertKind::Reminder, Some(l)) => reminder_lead_days.contains(&l),
            _ => true,
        }
    }
}

/// A user's notification settings (key `preferences` in the user scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preferences {
    /// Which reminders to show: any of 7, 3 and 1 days before a due date.
    pub reminder_lead_days: Vec<u32>,
    pub updated_at: DateTime<Utc>,
}

impl Preferences {
    pub fn default_leads() -> Vec<u32> {
        REMINDER_LEADS.to_vec()
    }
}

/// A user has read a notification (key `read/<alert id>` in the user scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadMarker {
    pub id: AlertId,
    pub read_at: DateTime<Utc>,
}

/// Largest document the vault accepts.
pub const MAX_DOCUMENT_BYTES: u64 = 50 * 1024 * 1024;

/// A document's metadata (key `doc/<id>` in the child scope). The bytes live in blob storage
/// under `documents/<family>/<child>/<id>` and move directly between client and storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: DocumentId,
    pub child_id: ChildId,
    pub family_id: FamilyId,
    pub title: String,
    pub category: DocumentCategory,
    pub content_type: DocumentType,
    /// Declared at creation; the upload must match it exactly.
    pub size: u64,
    pub state: DocumentState,
    /// Hex SHA-256 of the uploaded bytes, recorded when the upload is confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_at: Option<DateTime<Utc>>,
    pub created_by: ActorRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The last analysis of this document, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<DocumentAnalysis>,
    /// The date on the document (a report's, a letter's), not the day it was uploaded: what a
    /// bundle orders its evidence by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_date: Option<NaiveDate>,
    /// Who wrote it (the professional, the office).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_kind: Option<EvidenceKind>,
    /// Pages it takes in a bundle, counted when the upload is confirmed: a PDF's pages, 1 for
    /// an image, the rendered pages of a Word or text file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// 1-based numbers of pages with no text and nothing drawn on them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blank_pages: Vec<u32>,
    /// Whether a heading containing "summary" was found in its first two pages (absent: no
    /// text to look in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_heading: Option<bool>,
    /// Why its file cannot go into a bundle (HEIC, password-protected, damaged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unusable: Option<crate::bundle::Unusable>,
}

/// The outcome of the last analysis of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentAnalysis {
    pub state: AnalysisState,
    pub at: DateTime<Utc>,
    /// Why it failed, in words a family understands (password-protected, a scan, damaged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Hex SHA-256 of the normalised extracted text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// Flags the analysis raised.
    pub flags: usize,
}

/// A flag on a case (`docs/analyser.md`): a passage of the plan and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flag {
    pub id: FlagId,
    pub case_id: CaseId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
    /// Hex SHA-256 of the normalised text the span points into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_hash: Option<String>,
    pub kind: FlagKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<Section>,
    pub excerpt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<crate::analyser::Span>,
    /// The catalogue rule (analyser flags only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    pub severity: FlagSeverity,
    pub rationale: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_rewrite: Option<String>,
    pub status: FlagStatus,
    pub origin: FlagOrigin,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who last confirmed or dismissed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<ActorRef>,
}

impl Flag {
    /// What re-analysis matches on: the rule and the passage, ignoring case and spacing.
    pub fn match_key(rule: Option<&str>, excerpt: &str) -> (String, String) {
        let words: Vec<String> = excerpt.split_whitespace().map(str::to_lowercase).collect();
        (rule.unwrap_or_default().to_string(), words.join(" "))
    }
}

/// A family's annotation on a section of the plan, with the evidence it points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Annotation {
    pub id: AnnotationId,
    pub case_id: CaseId,
    pub section: Section,
    /// The plan's wording being annotated.
    pub quote: String,
    pub comment: String,
    #[serde(default)]
    pub document_ids: Vec<DocumentId>,
    pub author: ActorRef,
    pub created_at: DateTime<Utc>,
}

impl Document {
    /// Records what the server measured in the file.
    pub fn set_facts(&mut self, facts: crate::bundle::PageFacts) {
        self.pages = Some(facts.pages);
        self.blank_pages = facts.blank_pages;
        self.summary_heading = facts.summary_heading;
        self.unusable = facts.unusable;
    }

    /// The blob key of the document's bytes (written only by the server, on confirmation).
    pub fn blob_key(&self) -> String {
        format!("documents/{}/{}/{}", self.family_id, self.child_id, self.id)
    }

    /// The blob key clients upload to; confirmation moves the bytes to [`Document::blob_key`].
    pub fn upload_key(&self) -> String {
        format!("uploads/{}/{}/{}", self.family_id, self.child_id, self.id)
    }
}

/// What a notice tells someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// To an advocate: a family asked for help.
    SupportRequested,
    /// To the family: the advocate took the request on.
    RequestAccepted,
    /// To the family: the advocate needs more information.
    InfoRequested,
    /// To the family: the advocate declined.
    RequestDeclined,
    /// To the advocate: a ticket's answer is due soon (a quarter of the window left).
    SlaOrange,
    /// To the advocate: a ticket's answer is overdue.
    SlaRed,
    /// To the family: the case was closed, so the support request is complete.
    SupportCompleted,
    /// To an advocate: the family gave (or changed) their access to the vault.
    AccessGranted,
    /// To an advocate: the family ended the support (or it was handed over); access went with it.
    SupportEnded,
    /// To the family: their advocate is handing them over to another.
    HandoverRequested,
    /// To the family: the new advocate accepted; they need access granted afresh.
    HandoverCompleted,
    /// To the family: an organisation gave their request to an advocate.
    AdvocateAssigned,
    /// To an advocate: a family they supported deleted their account; the ticket, its messages
    /// and the advocate's private notes about them went with it (so the notice names none).
    FamilyLeft,
    /// To a family: their advocate closed their account; the support ended and access with it.
    AdvocateLeft,
    /// To anyone: the export they asked for is ready to download (for 7 days).
    ExportReady,
    /// To anyone: the export they asked for could not be made; they may ask again.
    ExportFailed,
}

impl NoticeKind {
    /// The wire id (also part of derived notice ids, so it must never change).
    pub fn as_str(&self) -> &'static str {
        match self {
            NoticeKind::SupportRequested => "support_requested",
            NoticeKind::RequestAccepted => "request_accepted",
            NoticeKind::InfoRequested => "info_requested",
            NoticeKind::RequestDeclined => "request_declined",
            NoticeKind::SlaOrange => "sla_orange",
            NoticeKind::SlaRed => "sla_red",
            NoticeKind::SupportCompleted => "support_completed",
            NoticeKind::AccessGranted => "access_granted",
            NoticeKind::SupportEnded => "support_ended",
            NoticeKind::HandoverRequested => "handover_requested",
            NoticeKind::HandoverCompleted => "handover_completed",
            NoticeKind::AdvocateAssigned => "advocate_assigned",
            NoticeKind::FamilyLeft => "family_left",
            NoticeKind::AdvocateLeft => "advocate_left",
            NoticeKind::ExportReady => "export_ready",
            NoticeKind::ExportFailed => "export_failed",
        }
    }
}

/// A notification to one person about what someone else did on a ticket, or about their own
/// export (key `notice/<day>/<id>` in the recipient's user scope). Ids only: what happened is
/// read from the ticket or the export, under access control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub id: AlertId,
    pub kind: NoticeKind,
    /// The ticket it is about; absent when the ticket went with a deleted account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<crate::ids::TicketId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<crate::ids::ConnectionId>,
    /// The export it is about (`export_ready`, `export_failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_id: Option<crate::ids::ExportId>,
    pub raised_at: DateTime<Utc>,
}

/// Every record body, tagged with its type so storage can hold them side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Family(Family),
    FamilyMember(FamilyMember),
    Child(Child),
    Membership(Membership),
    Case(Case),
    StatusChange(StatusChange),
    KeyDate(KeyDate),
    Note(Note),
    Action(Action),
    Audit(AuditEntry),
    Alert(Alert),
    Preferences(Preferences),
    ReadMarker(ReadMarker),
    Document(Document),
    Flag(Flag),
    Annotation(Annotation),
    DueTracker(DueTracker),
    Notice(Notice),
    AdvocateProfile(crate::support::AdvocateProfile),
    DirectoryEntry(crate::support::DirectoryEntry),
    Connection(crate::support::Connection),
    Ticket(crate::support::Ticket),
    TicketEvent(crate::support::TicketEvent),
    Message(crate::support::Message),
    ChecklistItem(crate::support::ChecklistItem),
    PrivateNote(crate::support::PrivateNote),
    TicketLink(crate::support::TicketLink),
    SlaTracker(crate::support::SlaTracker),
    Grant(crate::support::Grant),
    Handover(crate::support::Handover),
    Review(crate::support::Review),
    Organisation(crate::support::Organisation),
    OrgMember(crate::support::OrgMember),
    SyncClient(crate::sync::SyncClient),
    TextEdit(crate::sync::TextEdit),
    Overridden(crate::sync::Overridden),
    TimelineEntry(crate::timeline::TimelineEntry),
    Revision(crate::timeline::Revision),
    Bundle(crate::bundle::Bundle),
    Build(crate::bundle::Build),
    ShareLink(crate::bundle::ShareLink),
    Export(crate::export::Export),
    Erasure(crate::erasure::Erasure),
}

impl Record {
    /// The date this record next has work for the scanner, for the sparse due index (open
    /// actions' trackers only; see [`DueTracker::next_check`]).
    pub fn due_index(&self) -> Option<NaiveDate> {
        match self {
            Record::DueTracker(t) => t.next_check(),
            _ => None,
        }
    }

    /// The moment a ticket's SLA chip next changes, for the due index (SLA trackers only).
    pub fn sla_index(&self) -> Option<DateTime<Utc>> {
        match self {
            Record::SlaTracker(t) => t.next_check(),
            _ => None,
        }
    }
}
