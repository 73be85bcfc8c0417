//! Typed offline reads and one method per command. Statuses, parties and kinds are enums
//! (`vocab.rs`: `CaseStatus.IN_ASSESSMENT` in Kotlin); deadlines and overdue lists are computed by `senvault-domain` with
//! today's date in England, as on the server.

use chrono::{NaiveDate, Utc};
use senvault_domain::analyser::{AnalyseOptions, Finding, analyse, compare};
use senvault_domain::timescale::TimescaleId;
use senvault_domain::{
    ActionId, ActionState, ActionView, AlertKind, AppealableDecision, CaseAggregate, CaseCommand, CaseDetail, CaseId,
    CaseStatus, ChildId, CloseOutcome, Command, FlagKind, FlagSeverity, FlagStatus, KeyDateKind, NewAction, NoteId,
    Party, Record, Scope, Section, TicketStatus, TicketType, keys,
};
use serde::de::DeserializeOwned;

use crate::client::VaultClient;
use crate::error::VaultError;
use crate::replica;

/// What a bundle needs to know about a document; absent fields stay as they are, `""` clears.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct DocumentFactsInput {
    /// The date on the document (YYYY-MM-DD), not the day it was uploaded.
    pub document_date: Option<String>,
    /// Who wrote it.
    pub author: Option<String>,
    /// `expert_report`, `witness_statement`, `decision_letter`, `plan`, `appeal_form`,
    /// `correspondence`, `school_record` or `other`.
    pub evidence_kind: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ChildItem {
    pub id: String,
    pub name: String,
    pub date_of_birth: String,
    pub local_authority: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseItem {
    pub id: String,
    pub child_id: String,
    pub status: CaseStatus,
    pub summary: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ActionItem {
    pub id: String,
    pub case_id: String,
    pub description: String,
    pub responsible: Party,
    pub due: String,
    pub overdue: bool,
    pub state: ActionState,
    /// The law behind a statutory deadline (e.g. "SEND Regulations 2014, reg 4(1)").
    pub legal_basis: Option<String>,
    pub statutory: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct NoteItem {
    pub id: String,
    pub text: String,
    pub author: String,
    pub created_at: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct HistoryItem {
    pub status: CaseStatus,
    pub at: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct FlagItem {
    pub id: String,
    pub kind: FlagKind,
    pub severity: FlagSeverity,
    pub section: Option<Section>,
    pub excerpt: String,
    pub rationale: String,
    pub status: FlagStatus,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct AnnotationItem {
    pub id: String,
    pub section: Section,
    pub quote: String,
    pub comment: String,
}

/// A key date of the case, with its id (to correct or delete it).
#[derive(Debug, Clone, uniffi::Record)]
pub struct KeyDateItem {
    pub id: String,
    pub kind: KeyDateKind,
    /// YYYY-MM-DD.
    pub date: String,
    /// For a decision notice: which appealable decision it records.
    pub decision: Option<AppealableDecision>,
    pub section_i_only: bool,
}

/// A key date to record or correct: a decision notice says which decision it records.
#[derive(Debug, Clone, uniffi::Record)]
pub struct KeyDateInput {
    pub kind: KeyDateKind,
    /// YYYY-MM-DD exactly.
    pub date: String,
    pub decision: Option<AppealableDecision>,
    pub section_i_only: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct CasePage {
    pub case: CaseItem,
    pub history: Vec<HistoryItem>,
    /// The key dates recorded, in date order.
    pub key_dates: Vec<KeyDateItem>,
    pub notes: Vec<NoteItem>,
    pub actions: Vec<ActionItem>,
    pub open_actions: u64,
    pub overdue_actions: u64,
    pub flags: Vec<FlagItem>,
    pub annotations: Vec<AnnotationItem>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct TicketItem {
    pub id: String,
    pub connection_id: String,
    pub child_id: String,
    pub status: TicketStatus,
    pub kind: TicketType,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct MessageItem {
    pub id: String,
    pub text: String,
    pub author: String,
    pub at: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct NotificationItem {
    pub id: String,
    pub kind: AlertKind,
    pub case_id: String,
    pub action_id: String,
    pub due: String,
    pub raised_at: String,
}

/// A new action: a due date, or a statutory timescale with its start (the domain computes
/// the date), as through the API.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewActionInput {
    pub description: String,
    pub responsible: Party,
    pub due: Option<String>,
    pub timescale: Option<TimescaleId>,
    pub start: Option<String>,
}

/// The analyser's choices (as `POST /v1/documents/{id}/analyse` takes them).
#[derive(Debug, Clone, uniffi::Record)]
pub struct AnalyseChoices {
    pub draft: bool,
    pub year_group: Option<u8>,
    pub personal_budget_requested: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FindingItem {
    pub rule: String,
    pub kind: FlagKind,
    pub severity: FlagSeverity,
    pub section: Option<Section>,
    pub excerpt: String,
    pub rationale: String,
    pub authority: String,
    pub suggestion: Option<String>,
}

impl From<Finding> for FindingItem {
    fn from(f: Finding) -> Self {
        FindingItem {
            rule: f.rule,
            kind: f.kind,
            severity: f.severity,
            section: f.section,
            excerpt: f.excerpt,
            rationale: f.rationale,
            authority: f.authority,
            suggestion: f.suggestion,
        }
    }
}

/// A professional report's text, with the name the family knows it by.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReportText {
    pub name: String,
    pub text: String,
}

/// A plan held against its reports, offline.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ComparisonItem {
    /// Recommendations read from the reports.
    pub recommendations: u32,
    /// Each place the plan gives less than the advice, as the case would keep it: the plan's
    /// (or the report's) words in `excerpt`, the report's words and the arithmetic in `rationale`.
    pub findings: Vec<FindingItem>,
    /// The same, for reading: both passages side by side, the arithmetic, the authority and a
    /// suggested wording (what `senvault-local compare --format text` prints).
    pub summary: String,
}

/// A wire id as its type, or a clear error naming the field.
pub(crate) fn parse<T: DeserializeOwned>(field: &str, s: &str) -> Result<T, VaultError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| VaultError::Invalid { detail: format!("{field}: `{s}` is not a known value") })
}

pub(crate) fn id<T: std::str::FromStr>(field: &str, s: &str) -> Result<T, VaultError> {
    s.parse().map_err(|_| VaultError::Invalid { detail: format!("{field}: not an id") })
}

/// A date as the API takes it: `YYYY-MM-DD` exactly (`2026-2-3` is refused, as the server
/// refuses it), so the phone never accepts what the API would not.
pub(crate) fn date(field: &str, s: &str) -> Result<NaiveDate, VaultError> {
    senvault_domain::dates::strict::parse(s)
        .ok_or_else(|| VaultError::Invalid { detail: format!("{field}: YYYY-MM-DD") })
}

pub(crate) fn today() -> NaiveDate {
    senvault_domain::dates::london_date(Utc::now())
}

fn action_item(v: &ActionView) -> ActionItem {
    let a = &v.action;
    ActionItem {
        id: a.id.to_string(),
        case_id: a.case_id.to_string(),
        description: a.description.clone(),
        responsible: a.responsible,
        due: a.due.to_string(),
        overdue: v.overdue,
        state: a.state,
        legal_basis: a.legal_basis.clone(),
        statutory: a.timescale.is_some(),
    }
}

fn case_item(c: &senvault_domain::Case) -> CaseItem {
    CaseItem { id: c.id.to_string(), child_id: c.child_id.to_string(), status: c.status, summary: c.summary.clone() }
}

impl VaultClient {
    fn aggregate(&self, conn: &rusqlite::Connection, case_id: CaseId) -> Result<(Scope, CaseAggregate), VaultError> {
        let scope = replica::scope_of_case(conn, &case_id.to_string())?
            .ok_or(VaultError::Refused { status: 404, detail: "case not found".into() })?;
        let rows = replica::live(conn, &scope.to_string(), &keys::case_aggregate(case_id))?;
        let agg = CaseAggregate::from_records(rows.iter().map(|r| &r.record))
            .ok_or(VaultError::Refused { status: 404, detail: "case not found".into() })?;
        Ok((scope, agg))
    }

    /// Runs a command on a case the device holds. Only the case's child is looked up here (one
    /// indexed read); the command itself reads what its rule needs, so adding a note does not
    /// decode the case's whole history.
    fn case_command(&self, case_id: &str, command: CaseCommand) -> Result<(), VaultError> {
        let case_id: CaseId = id("case_id", case_id)?;
        let scope = replica::scope_of_case(&*self.conn()?, &case_id.to_string())?;
        let Some(Scope::Child(child_id)) = scope else {
            return Err(VaultError::Refused { status: 404, detail: "case not found".into() });
        };
        self.execute(Command::case(child_id, case_id, command))
    }
}

#[uniffi::export]
impl VaultClient {
    /// The children whose records the device holds.
    pub fn children(&self) -> Result<Vec<ChildItem>, VaultError> {
        let conn = self.conn()?;
        let mut out = Vec::new();
        for scope in replica::scopes(&conn, "child:")? {
            if let Some(row) = replica::get(&conn, &scope, keys::CHILD_PROFILE)?
                && let (false, Record::Child(c)) = (row.deleted, row.record)
            {
                out.push(ChildItem {
                    id: c.id.to_string(),
                    name: c.name,
                    date_of_birth: c.date_of_birth.to_string(),
                    local_authority: c.local_authority,
                });
            }
        }
        Ok(out)
    }

    /// A child's cases.
    pub fn cases(&self, child_id: String) -> Result<Vec<CaseItem>, VaultError> {
        let child: ChildId = id("child_id", &child_id)?;
        let conn = self.conn()?;
        let rows = replica::live(&conn, &Scope::Child(child).to_string(), keys::CASE_PREFIX)?;
        Ok(rows
            .iter()
            .filter_map(|r| match &r.record {
                Record::Case(c) => Some(case_item(c)),
                _ => None,
            })
            .collect())
    }

    /// The case page: status history, notes, actions with their deadlines and overdue state,
    /// flags and annotations.
    pub fn case_page(&self, case_id: String) -> Result<CasePage, VaultError> {
        let case_id: CaseId = id("case_id", &case_id)?;
        let conn = self.conn()?;
        let (_, agg) = self.aggregate(&conn, case_id)?;
        let detail = CaseDetail::new(agg, today());
        Ok(CasePage {
            case: case_item(&detail.case),
            history: detail
                .history
                .iter()
                .map(|h| HistoryItem { status: h.to, at: h.at.to_rfc3339(), note: h.note.clone() })
                .collect(),
            key_dates: {
                let mut dates: Vec<_> = detail.key_dates.iter().collect();
                dates.sort_by_key(|k| (k.date, k.recorded_at));
                dates
                    .into_iter()
                    .map(|k| KeyDateItem {
                        id: k.id.to_string(),
                        kind: k.kind,
                        date: k.date.to_string(),
                        decision: k.decision,
                        section_i_only: k.section_i_only,
                    })
                    .collect()
            },
            notes: detail
                .notes
                .iter()
                .map(|n| NoteItem {
                    id: n.id.to_string(),
                    text: n.text.clone(),
                    author: n.author.user.to_string(),
                    created_at: n.created_at.to_rfc3339(),
                })
                .collect(),
            actions: detail.actions.iter().map(action_item).collect(),
            open_actions: detail.open_actions as u64,
            overdue_actions: detail.overdue_actions as u64,
            flags: detail
                .flags
                .iter()
                .map(|f| FlagItem {
                    id: f.id.to_string(),
                    kind: f.kind,
                    severity: f.severity,
                    section: f.section,
                    excerpt: f.excerpt.clone(),
                    rationale: f.rationale.clone(),
                    status: f.status,
                })
                .collect(),
            annotations: detail
                .annotations
                .values()
                .flatten()
                .map(|a| AnnotationItem {
                    id: a.id.to_string(),
                    section: a.section,
                    quote: a.quote.clone(),
                    comment: a.comment.clone(),
                })
                .collect(),
        })
    }

    /// Open actions across every child the device holds, soonest due first; with
    /// `overdue_only`, only those past their date.
    pub fn actions_due(&self, overdue_only: bool) -> Result<Vec<ActionItem>, VaultError> {
        let conn = self.conn()?;
        let today = today();
        let mut out = Vec::new();
        for scope in replica::scopes(&conn, "child:")? {
            for row in replica::live(&conn, &scope, keys::CASE_PREFIX)? {
                if let Record::Action(a) = row.record
                    && a.state == senvault_domain::ActionState::Open
                {
                    let view = ActionView::new(a, today);
                    if !overdue_only || view.overdue {
                        out.push(action_item(&view));
                    }
                }
            }
        }
        out.sort_by(|a, b| a.due.cmp(&b.due).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Support tickets the device holds.
    pub fn tickets(&self) -> Result<Vec<TicketItem>, VaultError> {
        let conn = self.conn()?;
        let mut out = Vec::new();
        for scope in replica::scopes(&conn, "conn:")? {
            if let Some(row) = replica::get(&conn, &scope, keys::TICKET)?
                && let (false, Record::Ticket(t)) = (row.deleted, row.record)
            {
                out.push(TicketItem {
                    id: t.id.to_string(),
                    connection_id: t.connection_id.to_string(),
                    child_id: t.child_id.to_string(),
                    status: t.status,
                    kind: t.kind,
                });
            }
        }
        Ok(out)
    }

    /// A connection's messages, oldest first.
    pub fn messages(&self, connection_id: String) -> Result<Vec<MessageItem>, VaultError> {
        let conn_id: senvault_domain::ConnectionId = id("connection_id", &connection_id)?;
        let conn = self.conn()?;
        let rows = replica::live(&conn, &Scope::Conn(conn_id).to_string(), keys::MESSAGE_PREFIX)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| match r.record {
                Record::Message(m) => Some(MessageItem {
                    id: m.id.to_string(),
                    text: m.text,
                    author: m.author.user.to_string(),
                    at: m.at.to_rfc3339(),
                }),
                _ => None,
            })
            .collect())
    }

    /// Reminders and overdue alerts about the children the device holds, newest first.
    pub fn notifications(&self) -> Result<Vec<NotificationItem>, VaultError> {
        let conn = self.conn()?;
        let mut out = Vec::new();
        for scope in replica::scopes(&conn, "child:")? {
            for row in replica::live(&conn, &scope, keys::ALERT_PREFIX)? {
                if let Record::Alert(a) = row.record {
                    out.push(NotificationItem {
                        id: a.id.to_string(),
                        kind: a.kind,
                        case_id: a.case_id.to_string(),
                        action_id: a.action_id.to_string(),
                        due: a.due.to_string(),
                        raised_at: a.raised_at.to_rfc3339(),
                    });
                }
            }
        }
        out.sort_by(|a, b| b.raised_at.cmp(&a.raised_at));
        Ok(out)
    }

    /// Opens a case for a child; answers its id.
    pub fn create_case(
        &self,
        child_id: String,
        status: CaseStatus,
        summary: String,
        next_action: Option<NewActionInput>,
    ) -> Result<String, VaultError> {
        let child: ChildId = id("child_id", &child_id)?;
        let case_id = CaseId::new();
        let next_action = next_action.map(new_action).transpose()?;
        let command = CaseCommand::CreateCase { status, summary, next_action };
        self.execute(Command::case(child, case_id, command))?;
        Ok(case_id.to_string())
    }

    pub fn change_status(&self, case_id: String, status: CaseStatus, note: Option<String>) -> Result<(), VaultError> {
        self.case_command(&case_id, CaseCommand::ChangeStatus { status, note })
    }

    /// Adds a note; answers its id.
    pub fn add_note(&self, case_id: String, text: String) -> Result<String, VaultError> {
        let note_id = NoteId::new();
        let command = CaseCommand::AddNote { note_id, text, topic: None, section: None, document_id: None };
        self.case_command(&case_id, command)?;
        Ok(note_id.to_string())
    }

    /// Adds an action; answers its id.
    pub fn add_action(&self, case_id: String, action: NewActionInput) -> Result<String, VaultError> {
        let mut action = new_action(action)?;
        let action_id = ActionId::new();
        action.id = Some(action_id);
        self.case_command(&case_id, CaseCommand::AddAction { action })?;
        Ok(action_id.to_string())
    }

    /// Marks an action done on `completed_on` (YYYY-MM-DD).
    pub fn complete_action(&self, case_id: String, action_id: String, completed_on: String) -> Result<(), VaultError> {
        let command = CaseCommand::CompleteAction {
            action_id: id("action_id", &action_id)?,
            completed_on: Some(date("completed_on", &completed_on)?),
        };
        self.case_command(&case_id, command)
    }

    /// Records what a bundle needs to know about one of the child's documents (the family's;
    /// offline too): the date on it, its author, what kind of evidence it is.
    pub fn set_document_facts(
        &self,
        child_id: String,
        document_id: String,
        facts: DocumentFactsInput,
    ) -> Result<(), VaultError> {
        let child: ChildId = id("child_id", &child_id)?;
        let document: senvault_domain::DocumentId = id("document_id", &document_id)?;
        let clearable = |v: Option<String>| v.map(|s| if s.is_empty() { None } else { Some(s) });
        let patch = senvault_domain::DocumentPatch {
            document_date: clearable(facts.document_date)
                .map(|d| d.map(|d| date("document_date", &d)).transpose())
                .transpose()?,
            author: facts.author,
            evidence_kind: clearable(facts.evidence_kind)
                .map(|k| k.map(|k| parse("evidence_kind", &k)).transpose())
                .transpose()?,
            ..Default::default()
        };
        let command = senvault_domain::DocumentCommand::EditDocument { patch };
        self.execute(Command::document(child, document, command))
    }

    /// Records a key date (`request_received`, `draft_issued`, …) on `date` (YYYY-MM-DD):
    /// its statutory actions appear at once, with their deadlines.
    pub fn record_key_date(&self, case_id: String, kind: KeyDateKind, on: String) -> Result<(), VaultError> {
        let command = CaseCommand::RecordKeyDate {
            key_date_id: None,
            kind,
            date: date("date", &on)?,
            decision: None,
            section_i_only: false,
        };
        self.case_command(&case_id, command)
    }

    /// Records a key date in full (a decision notice names its decision), or — given the id of
    /// one recorded before (`casePage().keyDates`) — corrects it: its clocks move with it.
    pub fn save_key_date(
        &self,
        case_id: String,
        key_date_id: Option<String>,
        key_date: KeyDateInput,
    ) -> Result<(), VaultError> {
        let command = CaseCommand::RecordKeyDate {
            key_date_id: key_date_id.map(|k| id("key_date_id", &k)).transpose()?,
            kind: key_date.kind,
            date: date("date", &key_date.date)?,
            decision: key_date.decision,
            section_i_only: key_date.section_i_only,
        };
        self.case_command(&case_id, command)
    }

    /// Deletes a key date recorded in error, with the clocks it started.
    pub fn delete_key_date(&self, case_id: String, key_date_id: String) -> Result<(), VaultError> {
        let command = CaseCommand::DeleteKeyDate { key_date_id: id("key_date_id", &key_date_id)? };
        self.case_command(&case_id, command)
    }

    /// Rewrites the case's summary.
    pub fn edit_summary(&self, case_id: String, summary: String) -> Result<(), VaultError> {
        self.case_command(&case_id, CaseCommand::EditCase { summary })
    }

    /// Closes the case with its outcome.
    pub fn close_case(&self, case_id: String, outcome: CloseOutcome, note: Option<String>) -> Result<(), VaultError> {
        let command = CaseCommand::CloseCase { outcome, note };
        self.case_command(&case_id, command)
    }

    /// Opens again an action marked done by mistake.
    pub fn reopen_action(&self, case_id: String, action_id: String) -> Result<(), VaultError> {
        self.case_command(&case_id, CaseCommand::ReopenAction { action_id: id("action_id", &action_id)? })
    }

    /// The family's decision on a flag: confirmed, dismissed, or open to reopen it.
    pub fn decide_flag(
        &self,
        case_id: String,
        flag_id: String,
        status: FlagStatus,
        note: Option<String>,
    ) -> Result<(), VaultError> {
        let command = CaseCommand::DecideFlag { flag_id: id("flag_id", &flag_id)?, status, note };
        self.case_command(&case_id, command)
    }

    /// The analyser, offline: the same flags the server's analyser gives for the same text.
    pub fn analyse_text(&self, text: String, choices: AnalyseChoices) -> Result<Vec<FindingItem>, VaultError> {
        let options = AnalyseOptions {
            draft: choices.draft,
            year_group: choices.year_group,
            personal_budget_requested: choices.personal_budget_requested,
        };
        let analysis = analyse(&text, &options).map_err(|e| VaultError::Invalid { detail: e.to_string() })?;
        Ok(analysis.findings.into_iter().map(FindingItem::from).collect())
    }

    /// The plan held against the professional reports, offline: the same result the server's
    /// comparison gives for the same texts. `today` (YYYY-MM-DD, default today) dates the
    /// reports' age.
    pub fn compare_text(
        &self,
        plan: String,
        reports: Vec<ReportText>,
        today: Option<String>,
    ) -> Result<ComparisonItem, VaultError> {
        let today = match today {
            Some(d) => date("today", &d)?,
            None => self::today(),
        };
        if reports.is_empty() {
            return Err(VaultError::Invalid { detail: "reports: name at least one".into() });
        }
        let texts: Vec<&str> = reports.iter().map(|r| r.text.as_str()).collect();
        let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
        let c = compare::compare(&plan, &texts, today).map_err(|e| VaultError::Invalid { detail: e.to_string() })?;
        Ok(ComparisonItem {
            recommendations: u32::try_from(c.recommendations.len()).unwrap_or(u32::MAX),
            findings: c.findings.iter().map(|i| FindingItem::from(i.as_flag(&names))).collect(),
            summary: compare::summary("the plan", &names, &c),
        })
    }
}

fn new_action(input: NewActionInput) -> Result<NewAction, VaultError> {
    Ok(NewAction {
        id: None,
        description: input.description,
        responsible: input.responsible,
        due: input.due.as_deref().map(|d| date("due", d)).transpose()?,
        priority: None,
        timescale: input.timescale,
        start: input.start.as_deref().map(|d| date("start", d)).transpose()?,
    })
}
