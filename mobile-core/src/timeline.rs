//! The child's timeline on the phone: log a contact, an appointment or an event offline, record
//! a promise kept, and read the timeline — decided by the same rules as the server and synced
//! as commands like every other change.

use senvault_domain::chronology::describe;
use senvault_domain::timeline::{TimelineEntry, TimelineFilter, newest_first};
use senvault_domain::{
    AppointmentPurpose, Channel, ChildId, Command, CommitmentId, Direction, EventCategory, NewCommitment, NewEntry,
    Party, ProfessionalRole, Record, Scope, TimelineCommand, TimelineEntryId, TimelineKind, keys,
};

use crate::client::VaultClient;
use crate::error::VaultError;
use crate::methods::{date, id, today};
use crate::replica;

/// A promise as the person heard it, and who made it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CommitmentInput {
    pub text: String,
    pub by: Party,
    /// YYYY-MM-DD; with a linked case it becomes an open action there.
    pub due: Option<String>,
}

/// What every entry has: the day (and `HH:MM` time), the case of this child it is about, this
/// child's documents it refers to, and whether the chronology shows it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct EntryBasics {
    pub date: String,
    pub time: Option<String>,
    pub case_id: Option<String>,
    pub document_ids: Vec<String>,
    pub include_in_timeline: bool,
}

/// A contact: how (a phone call, an email, …) and which way.
#[derive(Debug, Clone, uniffi::Record)]
pub struct InteractionInput {
    pub basics: EntryBasics,
    pub channel: Channel,
    pub direction: Direction,
    pub contact_name: String,
    pub contact_organisation: Option<String>,
    pub contact_role: Option<String>,
    pub summary: String,
    pub commitments: Vec<CommitmentInput>,
}

/// An appointment: with whom, and what for.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AppointmentInput {
    pub basics: EntryBasics,
    pub professional_name: String,
    pub professional_role: ProfessionalRole,
    pub purpose: AppointmentPurpose,
    pub location: Option<String>,
    pub outcome: Option<String>,
    pub report_expected_by: Option<String>,
    pub commitments: Vec<CommitmentInput>,
}

/// An event in the child's life (an exclusion, a hospital stay, …).
#[derive(Debug, Clone, uniffi::Record)]
pub struct EventInput {
    pub basics: EntryBasics,
    pub title: String,
    pub category: EventCategory,
    pub description: Option<String>,
}

/// Which entries `timeline` answers.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct TimelineQuery {
    pub kind: Option<TimelineKind>,
    pub case_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub include_hidden: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct CommitmentItem {
    pub id: String,
    pub text: String,
    pub by: Party,
    pub due: Option<String>,
    pub kept_on: Option<String>,
    /// "kept", "kept 3 days late", "not kept (overdue 12 days)", "promised by …".
    pub keeping: String,
    /// An appointment's expected report (made from `report_expected_by`).
    pub report: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct TimelineItem {
    pub id: String,
    pub kind: TimelineKind,
    pub date: String,
    pub time: Option<String>,
    pub case_id: Option<String>,
    /// The entry in words, as the chronology shows it.
    pub title: String,
    pub detail: Option<String>,
    pub document_ids: Vec<String>,
    pub include_in_timeline: bool,
    pub recorded_by: String,
    pub commitments: Vec<CommitmentItem>,
}

fn basics(kind: TimelineKind, b: &EntryBasics) -> Result<NewEntry, VaultError> {
    let mut e = NewEntry::of(kind, date("date", &b.date)?);
    e.time = b
        .time
        .as_deref()
        .map(|t| senvault_domain::dates::clock::parse(t).ok_or(VaultError::Invalid { detail: "time: HH:MM".into() }))
        .transpose()?;
    e.case_id = b.case_id.as_deref().map(|c| id("case_id", c)).transpose()?;
    e.document_ids = b.document_ids.iter().map(|d| id("document_ids", d)).collect::<Result<_, _>>()?;
    e.include_in_timeline = Some(b.include_in_timeline);
    Ok(e)
}

fn commitments(list: &[CommitmentInput]) -> Result<Vec<NewCommitment>, VaultError> {
    list.iter()
        .map(|c| {
            Ok(NewCommitment {
                // Chosen here, so the promise keeps its id however often the change is sent.
                id: Some(CommitmentId::new()),
                text: c.text.clone(),
                by: c.by,
                due: c.due.as_deref().map(|d| date("due", d)).transpose()?,
            })
        })
        .collect()
}

fn item(e: &TimelineEntry) -> TimelineItem {
    let (_, title, detail) = describe(e);
    let today = today();
    TimelineItem {
        id: e.id.to_string(),
        kind: e.details.kind(),
        date: e.date.to_string(),
        time: e.time.map(senvault_domain::dates::clock::format),
        case_id: e.case_id.map(|c| c.to_string()),
        title,
        detail,
        document_ids: e.document_ids.iter().map(ToString::to_string).collect(),
        include_in_timeline: e.include_in_timeline,
        recorded_by: e.recorded_by.user.to_string(),
        commitments: e
            .commitments
            .iter()
            .map(|c| CommitmentItem {
                id: c.id.to_string(),
                text: c.text.clone(),
                by: c.by,
                due: c.due.map(|d| d.to_string()),
                kept_on: c.kept_on.map(|d| d.to_string()),
                keeping: c.keeping_text(today),
                report: c.report,
            })
            .collect(),
    }
}

impl VaultClient {
    fn add_entry(&self, child_id: &str, entry: NewEntry) -> Result<String, VaultError> {
        let child_id: ChildId = id("child_id", child_id)?;
        let entry_id = TimelineEntryId::new();
        let command = TimelineCommand::AddEntry { entry: Box::new(entry) };
        self.execute(Command::Timeline { child_id, entry_id, command })?;
        Ok(entry_id.to_string())
    }
}

#[uniffi::export]
impl VaultClient {
    /// Logs a contact (a call, an email, a letter, a meeting) with the promises made in it;
    /// answers the entry's id.
    pub fn log_interaction(&self, child_id: String, input: InteractionInput) -> Result<String, VaultError> {
        let mut e = basics(TimelineKind::Interaction, &input.basics)?;
        e.channel = Some(input.channel);
        e.direction = Some(input.direction);
        e.contact_name = Some(input.contact_name);
        e.contact_organisation = input.contact_organisation;
        e.contact_role = input.contact_role;
        e.summary = Some(input.summary);
        e.commitments = commitments(&input.commitments)?;
        self.add_entry(&child_id, e)
    }

    /// Adds an appointment with a professional (and when their report is expected).
    pub fn add_appointment(&self, child_id: String, input: AppointmentInput) -> Result<String, VaultError> {
        let mut e = basics(TimelineKind::Appointment, &input.basics)?;
        e.professional_name = Some(input.professional_name);
        e.professional_role = Some(input.professional_role);
        e.purpose = Some(input.purpose);
        e.location = input.location;
        e.outcome = input.outcome;
        e.report_expected_by =
            input.report_expected_by.as_deref().map(|d| date("report_expected_by", d)).transpose()?;
        e.commitments = commitments(&input.commitments)?;
        self.add_entry(&child_id, e)
    }

    /// Adds something that happened in the child's life (an exclusion, a hospital stay, …).
    pub fn add_event(&self, child_id: String, input: EventInput) -> Result<String, VaultError> {
        let mut e = basics(TimelineKind::Event, &input.basics)?;
        e.title = Some(input.title);
        e.category = Some(input.category);
        e.description = input.description;
        self.add_entry(&child_id, e)
    }

    /// Records that a promise was kept on `on` (YYYY-MM-DD, default today): its action on the
    /// case is completed.
    pub fn record_commitment_kept(
        &self,
        child_id: String,
        entry_id: String,
        commitment_id: String,
        on: Option<String>,
    ) -> Result<(), VaultError> {
        let command = TimelineCommand::RecordKept {
            commitment_id: id("commitment_id", &commitment_id)?,
            on: on.as_deref().map(|d| date("on", d)).transpose()?,
        };
        let (child_id, entry_id) = (id("child_id", &child_id)?, id("entry_id", &entry_id)?);
        self.execute(Command::Timeline { child_id, entry_id, command })
    }

    /// A child's timeline, newest first, as the device holds it.
    pub fn timeline(&self, child_id: String, query: TimelineQuery) -> Result<Vec<TimelineItem>, VaultError> {
        let child: ChildId = id("child_id", &child_id)?;
        let filter = TimelineFilter {
            kind: query.kind,
            case_id: query.case_id.as_deref().map(|c| id("case_id", c)).transpose()?,
            from: query.from.as_deref().map(|d| date("from", d)).transpose()?,
            to: query.to.as_deref().map(|d| date("to", d)).transpose()?,
            include_hidden: query.include_hidden,
        };
        let conn = self.conn()?;
        let rows = replica::live(&conn, &Scope::Child(child).to_string(), keys::TIMELINE_PREFIX)?;
        let mut entries: Vec<TimelineEntry> = rows
            .into_iter()
            .filter_map(|r| match r.record {
                Record::TimelineEntry(e) if filter.matches(&e) => Some(e),
                _ => None,
            })
            .collect();
        entries.sort_by(newest_first);
        Ok(entries.iter().map(item).collect())
    }
}
