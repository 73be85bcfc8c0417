//! Changes to a child's timeline: contacts, appointments and events, and the promises in them.
//!
//! An entry is entered flat — its kind's fields beside the common ones, as a form sends them —
//! and stored typed ([`crate::timeline::EntryDetails`]); which fields a kind needs is a rule of
//! the kind (a refusal naming the field), so one validation serves the API and the phone.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{CaseId, CommitmentId, DocumentId, TimelineEntryId};
use crate::vocab::{AppointmentPurpose, Channel, Direction, EventCategory, Party, ProfessionalRole, TimelineKind};

/// A promise as a person enters it, quoted word for word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCommitment {
    /// An earlier promise's id, to keep it (and whether it was kept) while editing; absent for a
    /// new one.
    #[serde(default)]
    pub id: Option<CommitmentId>,
    #[cfg_attr(feature = "openapi", schema(max_length = 2000, pattern = r"\S"))]
    pub text: String,
    /// Who promised.
    pub by: Party,
    /// The day it was promised by; with a linked case it becomes an open action there.
    #[serde(default, deserialize_with = "crate::dates::strict::option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub due: Option<NaiveDate>,
}

/// A new timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    /// Chosen by the client (a retry then records it once); the server chooses one otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TimelineEntryId>,
    pub kind: TimelineKind,
    #[serde(deserialize_with = "crate::dates::strict::date")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub date: NaiveDate,
    /// `HH:MM`.
    #[serde(
        default,
        deserialize_with = "crate::dates::clock::option",
        serialize_with = "crate::dates::clock::write",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub time: Option<NaiveTime>,
    /// A case of this child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// This child's documents.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub document_ids: Vec<DocumentId>,
    /// Shown in the case's chronology (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_in_timeline: Option<bool>,
    /// Interaction: how the contact was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Interaction: received or made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Interaction: who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub contact_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub contact_organisation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub contact_role: Option<String>,
    /// Interaction: what was said or written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000, pattern = r"\S"))]
    pub summary: Option<String>,
    /// Appointment: with whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub professional_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub professional_role: Option<ProfessionalRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<AppointmentPurpose>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub outcome: Option<String>,
    /// Appointment: when the professional's report is expected.
    #[serde(default, deserialize_with = "crate::dates::strict::option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub report_expected_by: Option<NaiveDate>,
    /// Event: what happened, in a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<EventCategory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub description: Option<String>,
    /// Promises made (interactions and appointments).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub commitments: Vec<NewCommitment>,
}

impl NewEntry {
    /// An entry of `kind` on `date` with nothing else set (the rest filled in by the caller).
    pub fn of(kind: TimelineKind, date: NaiveDate) -> Self {
        NewEntry {
            id: None,
            kind,
            date,
            time: None,
            case_id: None,
            document_ids: Vec::new(),
            include_in_timeline: None,
            channel: None,
            direction: None,
            contact_name: None,
            contact_organisation: None,
            contact_role: None,
            summary: None,
            professional_name: None,
            professional_role: None,
            purpose: None,
            location: None,
            outcome: None,
            report_expected_by: None,
            title: None,
            category: None,
            description: None,
            commitments: Vec::new(),
        }
    }
}

/// A change to an entry; absent fields stay as they are, `null` clears an optional one. Its kind
/// never changes (delete it and add another).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EntryPatch {
    #[serde(default, deserialize_with = "crate::dates::strict::option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub date: Option<NaiveDate>,
    /// `HH:MM`; `null` clears it.
    #[serde(
        default,
        deserialize_with = "nullable_time",
        serialize_with = "write_nullable_time",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, pattern = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub time: Option<Option<NaiveTime>>,
    /// `null` unlinks the case (its open promises leave that case's actions).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>, nullable))]
    pub case_id: Option<Option<CaseId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub document_ids: Option<Vec<DocumentId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_in_timeline: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub contact_name: Option<String>,
    /// `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub contact_organisation: Option<String>,
    /// `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub contact_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000, pattern = r"\S"))]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub professional_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub professional_role: Option<ProfessionalRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<AppointmentPurpose>,
    /// `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub location: Option<String>,
    /// `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub outcome: Option<String>,
    /// `null` clears it (the report's open action is withdrawn).
    #[serde(default, deserialize_with = "nullable_date", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, format = Date, pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"))]
    pub report_expected_by: Option<Option<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<EventCategory>,
    /// `""` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 20000))]
    pub description: Option<String>,
    /// The whole list of promises: one with an earlier id keeps it (and whether it was kept);
    /// one left out is withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub commitments: Option<Vec<NewCommitment>>,
}

/// A present field, `null` included: `Some(None)` clears, absence (`None`) leaves it.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn nullable_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<NaiveDate>>, D::Error> {
    crate::dates::strict::option(d).map(Some)
}

fn nullable_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<NaiveTime>>, D::Error> {
    crate::dates::clock::option(d).map(Some)
}

fn write_nullable_time<S: Serializer>(t: &Option<Option<NaiveTime>>, s: S) -> Result<S::Ok, S::Error> {
    crate::dates::clock::write(&t.flatten(), s)
}

/// A change to one timeline entry (named by the enclosing [`super::Command::Timeline`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimelineCommand {
    AddEntry {
        entry: Box<NewEntry>,
    },
    EditEntry {
        patch: Box<EntryPatch>,
    },
    /// Removes the entry and its history; its open promises leave the case's actions (done ones
    /// stay, marked "entry deleted").
    DeleteEntry,
    /// A promise was kept on `on` (default today): its action on the case is completed.
    RecordKept {
        commitment_id: CommitmentId,
        #[serde(default, deserialize_with = "crate::dates::strict::option")]
        on: Option<NaiveDate>,
    },
}

impl TimelineCommand {
    pub fn name(&self) -> &'static str {
        match self {
            TimelineCommand::AddEntry { .. } => "add_timeline_entry",
            TimelineCommand::EditEntry { .. } => "edit_timeline_entry",
            TimelineCommand::DeleteEntry => "delete_timeline_entry",
            TimelineCommand::RecordKept { .. } => "record_commitment_kept",
        }
    }

    /// Vault documents the command links (each must be this child's).
    pub fn linked_documents(&self) -> Vec<DocumentId> {
        match self {
            TimelineCommand::AddEntry { entry } => entry.document_ids.clone(),
            TimelineCommand::EditEntry { patch } => patch.document_ids.clone().unwrap_or_default(),
            TimelineCommand::DeleteEntry | TimelineCommand::RecordKept { .. } => Vec::new(),
        }
    }

    /// The case the command links the entry to, when it names one.
    pub fn linked_case(&self) -> Option<CaseId> {
        match self {
            TimelineCommand::AddEntry { entry } => entry.case_id,
            TimelineCommand::EditEntry { patch } => patch.case_id.flatten(),
            TimelineCommand::DeleteEntry | TimelineCommand::RecordKept { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_tells_null_from_absent() {
        let p: EntryPatch = serde_json::from_str(r#"{"time": null, "case_id": null}"#).unwrap();
        assert_eq!((p.time, p.case_id, p.report_expected_by), (Some(None), Some(None), None));
        let p: EntryPatch = serde_json::from_str(r#"{"time": "09:30", "report_expected_by": "2026-03-01"}"#).unwrap();
        assert_eq!(p.time, Some(NaiveTime::from_hms_opt(9, 30, 0)));
        assert!(serde_json::from_str::<EntryPatch>(r#"{"time": "9:30"}"#).is_err());
        assert!(serde_json::from_str::<EntryPatch>(r#"{"time": "24:00"}"#).is_err());
        // What a device sends comes back the same.
        let back: EntryPatch = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        let cleared = EntryPatch { time: Some(None), ..EntryPatch::default() };
        let back: EntryPatch = serde_json::from_value(serde_json::to_value(&cleared).unwrap()).unwrap();
        assert_eq!(back, cleared);
    }
}
