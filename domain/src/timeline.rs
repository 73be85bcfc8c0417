//! The child's timeline (README, "The child's timeline"): every contact, appointment and event,
//! dated and attributed, with the promises made in them quoted word for word.
//!
//! Parents are told to keep a record of every contact — who said or wrote what, to whom — and
//! tribunal panels weigh dated, attributable material (SEND Code of Practice 2015, 11.40 on
//! keeping records of discussions; the Tribunal's bundle rules on chronologies). An entry lives in
//! the child's scope (key `timeline/<id>`), may name one case of that child and links any of that
//! child's documents. A promise with a date on an entry linked to a case is an open action on
//! the case, so the scanner reminds about it and notices when it is not kept — but it is a
//! promise, never a statutory deadline: nothing here is ever called a breach.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::context::ActorRef;
use crate::ids::{ActionId, CaseId, ChildId, CommitmentId, DocumentId, RevisionId, TimelineEntryId};
use crate::vocab::{AppointmentPurpose, Channel, Direction, EventCategory, Party, ProfessionalRole, TimelineKind};

/// Most promises one entry may record.
pub const MAX_COMMITMENTS: usize = 20;
/// Most documents one entry may link.
pub const MAX_LINKED_DOCUMENTS: usize = 20;
/// The longest free text of an entry (a summary, an outcome, a description).
pub const MAX_TEXT: usize = 20_000;
/// The longest promise, quoted word for word.
pub const MAX_PROMISE: usize = 2_000;
/// The longest name, organisation, role, title or place.
pub const MAX_NAME: usize = 200;

/// One entry of a child's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub id: TimelineEntryId,
    pub child_id: ChildId,
    pub date: NaiveDate,
    /// `HH:MM`, when the time matters (a phone call, an appointment).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub time: Option<NaiveTime>,
    /// The case of this child the entry is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// This child's vault documents the entry refers to (the letter, the report, the email).
    #[serde(default)]
    pub document_ids: Vec<DocumentId>,
    /// Whether the case's chronology shows it (hidden entries stay in the timeline, listed on
    /// request).
    pub include_in_timeline: bool,
    pub details: EntryDetails,
    /// Promises made in a contact or an appointment; an appointment's expected report is one
    /// (`report: true`), kept in step with `report_expected_by`.
    #[serde(default)]
    pub commitments: Vec<Commitment>,
    pub recorded_by: ActorRef,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<ActorRef>,
}

/// What happened, by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryDetails {
    /// A contact: who said or wrote what, to whom.
    Interaction {
        channel: Channel,
        direction: Direction,
        contact_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact_organisation: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact_role: Option<String>,
        summary: String,
    },
    /// An appointment with a professional.
    Appointment {
        professional_name: String,
        professional_role: ProfessionalRole,
        purpose: AppointmentPurpose,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<String>,
        /// When the professional's report is expected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report_expected_by: Option<NaiveDate>,
    },
    /// Something that happened in the child's life.
    Event {
        title: String,
        category: EventCategory,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
}

impl EntryDetails {
    pub fn kind(&self) -> TimelineKind {
        match self {
            EntryDetails::Interaction { .. } => TimelineKind::Interaction,
            EntryDetails::Appointment { .. } => TimelineKind::Appointment,
            EntryDetails::Event { .. } => TimelineKind::Event,
        }
    }

    /// Only contacts and appointments carry promises (an event is something that happened).
    pub fn carries_promises(&self) -> bool {
        !matches!(self, EntryDetails::Event { .. })
    }
}

/// A promise, in the speaker's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Commitment {
    pub id: CommitmentId,
    pub text: String,
    /// Who promised.
    pub by: Party,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// The day it was recorded as kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_on: Option<NaiveDate>,
    /// The report an appointment's professional is expected to send (made from
    /// `report_expected_by`, not entered by hand).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub report: bool,
}

/// Whether a promise was kept, as the chronology states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Keeping {
    /// Kept on or before its date (or kept, with no date promised).
    Kept,
    KeptLate {
        days: i64,
    },
    /// Its date has passed and it has not been recorded as kept.
    NotKept {
        days_overdue: i64,
    },
    /// Its date has not come yet.
    Promised,
    /// No date was promised and it has not been recorded as kept.
    Open,
}

impl Commitment {
    /// Whether it was kept, judged on `today` (a promise due today is not yet broken).
    pub fn keeping(&self, today: NaiveDate) -> Keeping {
        match (self.kept_on, self.due) {
            (Some(on), Some(due)) if on > due => Keeping::KeptLate { days: (on - due).num_days() },
            (Some(_), _) => Keeping::Kept,
            (None, Some(due)) if today > due => Keeping::NotKept { days_overdue: (today - due).num_days() },
            (None, Some(_)) => Keeping::Promised,
            (None, None) => Keeping::Open,
        }
    }

    /// The keeping in words: "kept", "kept 3 days late", "not kept (overdue 12 days)", "promised
    /// by 4 March 2026". A promise is never called a requirement or a breach.
    pub fn keeping_text(&self, today: NaiveDate) -> String {
        let days = |n: i64| format!("{n} day{}", if n == 1 { "" } else { "s" });
        match self.keeping(today) {
            Keeping::Kept => "kept".into(),
            Keeping::KeptLate { days: n } => format!("kept {} late", days(n)),
            Keeping::NotKept { days_overdue } => format!("not kept (overdue {})", days(days_overdue)),
            Keeping::Promised => match self.due {
                Some(d) => format!("promised by {}", d.format("%-d %B %Y")),
                None => "promised".into(),
            },
            Keeping::Open => "promised (no date given)".into(),
        }
    }

    /// The action that follows this promise on the entry's case: derived from the promise, so a
    /// retry, an edit or a second device names the same action.
    pub fn action_id(&self) -> ActionId {
        commitment_action_id(self.id)
    }

    /// The action's description: the promise, attributed.
    pub fn action_description(&self) -> String {
        let text: String = self.text.chars().take(400).collect();
        let text = if text.len() < self.text.len() { format!("{text}…") } else { text };
        if self.report { text } else { format!("Promised by {}: \"{text}\"", self.by.words()) }
    }
}

/// The action a promise stands for on its entry's case.
pub fn commitment_action_id(promise: CommitmentId) -> ActionId {
    ActionId::derived(promise.0, "commitment")
}

/// The id of an appointment's expected report, as a promise: one per entry.
pub fn report_commitment_id(entry: TimelineEntryId) -> CommitmentId {
    CommitmentId::derived(entry.0, "report")
}

/// The promise an appointment's `report_expected_by` makes: "Report from <professional>", owed
/// by the party the professional's role answers to.
pub fn report_commitment(
    entry: TimelineEntryId,
    name: &str,
    role: ProfessionalRole,
    due: NaiveDate,
    kept_on: Option<NaiveDate>,
) -> Commitment {
    Commitment {
        id: report_commitment_id(entry),
        text: format!("Report from {name} ({})", role.words()),
        by: role.responsible(),
        due: Some(due),
        kept_on,
        report: true,
    }
}

/// Where an action came from when it follows a promise on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionSource {
    pub entry_id: TimelineEntryId,
    pub commitment_id: CommitmentId,
    /// The entry was deleted after the action was done (the record of it is kept).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub entry_deleted: bool,
}

/// A past version of an entry (key `tlhist/<entry>/<time>/<id>`): every edit, every promise
/// recorded as kept, keeps what the entry said before and who changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    pub id: RevisionId,
    pub entry_id: TimelineEntryId,
    pub at: DateTime<Utc>,
    pub by: ActorRef,
    /// The command that changed it: `edit_timeline_entry` or `record_commitment_kept`.
    pub change: String,
    /// The fields that changed.
    pub fields: Vec<String>,
    /// The entry as it was before.
    pub previous: Box<TimelineEntry>,
}

/// What a timeline listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineFilter {
    pub kind: Option<TimelineKind>,
    pub case_id: Option<CaseId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub include_hidden: bool,
}

impl TimelineFilter {
    pub fn matches(&self, e: &TimelineEntry) -> bool {
        self.kind.is_none_or(|k| e.details.kind() == k)
            && self.case_id.is_none_or(|c| e.case_id == Some(c))
            && self.from.is_none_or(|f| e.date >= f)
            && self.to.is_none_or(|t| e.date <= t)
            && (self.include_hidden || e.include_in_timeline)
    }
}

/// Newest first: by date, then time (an entry with no time after the timed ones of its day),
/// then id. The same order the store's timeline index gives.
pub fn newest_first(a: &TimelineEntry, b: &TimelineEntry) -> std::cmp::Ordering {
    let key = |e: &TimelineEntry| (e.date, e.time.is_some(), e.time, e.id);
    key(b).cmp(&key(a))
}

/// Serde for the optional `HH:MM` field.
mod time_field {
    use chrono::NaiveTime;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
        crate::dates::clock::write(t, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
        crate::dates::clock::option(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn promise(due: Option<NaiveDate>, kept_on: Option<NaiveDate>) -> Commitment {
        Commitment {
            id: CommitmentId::new(),
            text: "We will send the draft by Friday".into(),
            by: Party::La,
            due,
            kept_on,
            report: false,
        }
    }

    #[test]
    fn a_promise_is_kept_late_or_not_kept_never_breached() {
        let due = ymd(2026, 3, 6);
        assert_eq!(promise(Some(due), Some(due)).keeping_text(ymd(2026, 4, 1)), "kept");
        assert_eq!(promise(Some(due), Some(ymd(2026, 3, 9))).keeping_text(ymd(2026, 4, 1)), "kept 3 days late");
        assert_eq!(promise(Some(due), Some(ymd(2026, 3, 7))).keeping_text(ymd(2026, 4, 1)), "kept 1 day late");
        assert_eq!(promise(Some(due), None).keeping_text(due), "promised by 6 March 2026", "due today is not broken");
        assert_eq!(promise(Some(due), None).keeping_text(ymd(2026, 3, 18)), "not kept (overdue 12 days)");
        assert_eq!(promise(None, None).keeping(ymd(2030, 1, 1)), Keeping::Open, "no date, never overdue");
        assert_eq!(promise(None, Some(ymd(2026, 3, 1))).keeping(ymd(2030, 1, 1)), Keeping::Kept);
        for c in [promise(Some(due), None), promise(Some(due), Some(ymd(2026, 5, 1))), promise(None, None)] {
            let text = c.keeping_text(ymd(2027, 1, 1));
            assert!(!text.contains("breach") && !text.contains("required"), "{text}");
        }
    }

    #[test]
    fn a_report_is_owed_by_whoever_the_professional_answers_to() {
        let e = TimelineEntryId::new();
        let report = |role| report_commitment(e, "Dr Shah", role, ymd(2026, 5, 1), None);
        assert_eq!(report(ProfessionalRole::EducationalPsychologist).by, Party::La);
        assert_eq!(report(ProfessionalRole::LaCaseworker).by, Party::La);
        assert_eq!(report(ProfessionalRole::SpeechAndLanguageTherapist).by, Party::Health);
        assert_eq!(report(ProfessionalRole::CamhsClinician).by, Party::Health);
        assert_eq!(report(ProfessionalRole::SocialWorker).by, Party::SocialCare);
        assert_eq!(report(ProfessionalRole::Senco).by, Party::School);
        assert_eq!(report(ProfessionalRole::SendiassOfficer).by, Party::Other);
        let r = report(ProfessionalRole::EducationalPsychologist);
        assert_eq!(r.text, "Report from Dr Shah (educational psychologist)");
        assert_eq!(r.id, report_commitment_id(e), "one report per entry, whatever changes");
        assert_eq!(r.action_description(), r.text);
        assert!(promise(None, None).action_description().starts_with("Promised by the local authority: \""));
    }
}
