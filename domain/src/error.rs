//! Typed refusals. The HTTP layer maps each to a problem status; the phone shows them as
//! rejected outcomes.

use serde::Serialize;

use crate::dates::DateError;

/// One invalid field of a request or command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// The refusal of a document id that is not the child's: one text for another family's document
/// and for an id never used.
pub const NOT_THIS_CHILDS_DOCUMENT: &str = "names a document that is not this child's";

/// The refusal of a case id that is not the child's (see [`DomainError::not_this_childs_case`]).
pub const NOT_THIS_CHILDS_CASE: &str = "no case of this child's has this id";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The record does not exist, or the caller may not know that it does.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// The caller can see the record but a rule forbids this change; the text names the rule.
    #[error("{rule}")]
    Forbidden { rule: &'static str },
    /// The request contradicts the API's document (a bound, a pattern, a required field); each
    /// field is named. Only what the document states is refused this way (HTTP 422).
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// The request is well formed — the document allows it — but a rule refuses it that no
    /// static schema can state: what is stored (another record, the action's timescale, the
    /// device's last mutation), today's date, or how two of its fields relate. Each field is
    /// named (HTTP 409).
    #[error("a rule refuses the request")]
    Refused(Vec<FieldError>),
    /// The id exists with different content, or the change contradicts the record's state.
    #[error(transparent)]
    Conflict(#[from] Conflict),
    #[error(transparent)]
    Date(#[from] DateError),
}

impl DomainError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, message)])
    }

    /// A rule that the document cannot state refuses `field` (see [`DomainError::Refused`]).
    pub fn refused(field: &str, message: impl Into<String>) -> Self {
        DomainError::Refused(vec![FieldError::new(field, message)])
    }

    /// A request body names a case that is not this child's. The resource in the path exists, so
    /// this is not a missing resource (404); what the id names depends on what is stored, so it
    /// is a refusal by rule (409). It says no more than "not this child's" — the same words for
    /// another family's case and for an id never used — so it reveals nothing of other families.
    pub fn not_this_childs_case(field: &str) -> Self {
        DomainError::refused(field, NOT_THIS_CHILDS_CASE)
    }

    /// A request body names a document that is not this child's (see [`Self::not_this_childs_case`]).
    pub fn not_this_childs_document(field: &str) -> Self {
        DomainError::refused(field, NOT_THIS_CHILDS_DOCUMENT)
    }
}

/// Why a change contradicts what is stored. Callers decide by the kind (retry, report, refuse),
/// never by the text, which is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// A record with this id already exists with different content (a retried create with the
    /// same content is not a conflict: it changes nothing).
    #[error("a {what} with this id already exists with different content")]
    IdTaken { what: &'static str },
    /// The id is held by a record the caller cannot see; retrying would meet it again.
    #[error("this id is already in use")]
    IdInUse,
    /// Another push from the same device is being applied; the device retries.
    #[error("another sync from this device is in progress")]
    DeviceBusy,
    /// The device's sync record could not be created this time; the device retries.
    #[error("the device could not be registered; try again")]
    DeviceNotRegistered,
    #[error("you already belong to a family account")]
    AlreadyInFamily,
    #[error("this advocate is not taking on new families at the moment")]
    NotTakingFamilies,
    #[error("accept the request first")]
    NotAccepted,
    #[error("the request has not been assigned to an advocate yet")]
    NotAssigned,
    #[error("access can be granted once the advocate accepts the request")]
    GrantBeforeAccept,
    #[error("an accepted request cannot be declined: resolve or close the ticket instead")]
    AlreadyAccepted,
    #[error("this request was declined or has ended")]
    RequestClosed,
    /// The support between a family and an advocate has ended: its messages are kept,
    /// read-only.
    #[error("this support has ended: its messages are kept, read-only")]
    SupportEnded,
    #[error("this support is already being handed over")]
    HandoverInProgress,
    #[error("the ticket is closed")]
    TicketClosed,
    #[error("this ticket is already linked to another case")]
    TicketLinkedElsewhere,
    #[error("this case is already linked to another ticket")]
    CaseLinkedElsewhere,
    #[error("the document has not been uploaded yet")]
    NotUploaded,
    #[error("this document was already confirmed with other content; upload the new file as a new document")]
    ConfirmedOtherContent,
    #[error("an admin cannot remove themselves")]
    AdminSelfRemoval,
}

impl Conflict {
    /// A stable, machine-readable name for the kind (the problem body's `code`).
    pub fn code(self) -> &'static str {
        match self {
            Conflict::IdTaken { .. } => "id-taken",
            Conflict::IdInUse => "id-in-use",
            Conflict::DeviceBusy => "device-busy",
            Conflict::DeviceNotRegistered => "device-not-registered",
            Conflict::AlreadyInFamily => "already-in-family",
            Conflict::NotTakingFamilies => "not-taking-families",
            Conflict::NotAccepted => "not-accepted",
            Conflict::NotAssigned => "not-assigned",
            Conflict::GrantBeforeAccept => "grant-before-accept",
            Conflict::AlreadyAccepted => "already-accepted",
            Conflict::RequestClosed => "request-closed",
            Conflict::SupportEnded => "support-ended",
            Conflict::HandoverInProgress => "handover-in-progress",
            Conflict::TicketClosed => "ticket-closed",
            Conflict::TicketLinkedElsewhere => "ticket-linked-elsewhere",
            Conflict::CaseLinkedElsewhere => "case-linked-elsewhere",
            Conflict::NotUploaded => "not-uploaded",
            Conflict::ConfirmedOtherContent => "confirmed-other-content",
            Conflict::AdminSelfRemoval => "admin-self-removal",
        }
    }

    /// A conflict of the moment, which the same request may pass later: a device retries it
    /// rather than recording the change as refused.
    pub fn is_transient(self) -> bool {
        matches!(self, Conflict::DeviceBusy | Conflict::DeviceNotRegistered)
    }
}

/// Collects field errors so a client sees every problem with its request at once: what the
/// document states (`fail`, 422) apart from what a rule beyond it refuses (`refuse`, 409). A
/// request with both is answered with the first kind, which the client can fix without asking
/// the server anything.
#[derive(Debug, Default)]
pub struct Checks {
    invalid: Vec<FieldError>,
    refused: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    /// A required free-text field: at most `max` characters as sent (as the API's schema says),
    /// not blank, stored trimmed.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let t = value.trim();
        if value.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        } else if t.is_empty() {
            self.fail(field, "must not be empty");
        }
        t.to_owned()
    }

    /// An optional free-text field: at most `max` characters as sent; `None` when absent or
    /// blank.
    pub fn opt_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let value = value?;
        if value.chars().count() > max {
            self.fail(field, format!("must be at most {max} characters"));
        }
        let t = value.trim();
        if t.is_empty() { None } else { Some(t.to_owned()) }
    }

    /// A date the product can reason about (years 2000 to 2100).
    pub fn plausible_date(&mut self, field: &str, d: chrono::NaiveDate) {
        use chrono::Datelike;
        if !(2000..=2100).contains(&d.year()) {
            self.fail(field, "must be a date between 2000 and 2100");
        }
    }

    /// A hex SHA-256 digest, returned in lower case.
    pub fn sha256(&mut self, field: &str, value: &str) -> String {
        if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.fail(field, "must be 64 hex digits");
        }
        value.to_ascii_lowercase()
    }

    /// A field breaks what the API's document states.
    /// A checklist position within `limits::CHECKLIST_POSITION`.
    pub fn position(&mut self, field: &str, value: Option<u32>) {
        if value.is_some_and(|p| p > limits::CHECKLIST_POSITION) {
            self.fail(field, format!("must be from 0 to {}", limits::CHECKLIST_POSITION));
        }
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.invalid.push(FieldError::new(field, message));
    }

    /// A field is refused by a rule the document cannot state (stored records, today's date, how
    /// two fields relate).
    pub fn refuse(&mut self, field: &str, message: impl Into<String>) {
        self.refused.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<(), DomainError> {
        if !self.invalid.is_empty() {
            Err(DomainError::Invalid(self.invalid))
        } else if !self.refused.is_empty() {
            Err(DomainError::Refused(self.refused))
        } else {
            Ok(())
        }
    }
}

/// Length limits shared by server and phone.
pub mod limits {
    pub const NAME: usize = 200;
    pub const SUMMARY: usize = 2_000;
    pub const DESCRIPTION: usize = 500;
    pub const NOTE: usize = 20_000;
    pub const STATUS_NOTE: usize = 2_000;
    /// A quoted passage of the plan (flag excerpt, annotation quote).
    pub const QUOTE: usize = 10_000;
    pub const FLAG_NOTE: usize = 4_000;
    /// Vault documents linked to one annotation.
    pub const LINKED_DOCUMENTS: usize = 20;
    /// Flags one analysis may record (a 100-page plan raises a few hundred).
    pub const ANALYSIS_FLAGS: usize = 2_000;
    /// Reports held against one plan in one comparison.
    pub const COMPARED_REPORTS: usize = 10;
    /// A ticket message, a support request's first message, a private note.
    pub const MESSAGE: usize = 20_000;
    pub const BIO: usize = 4_000;
    pub const CHECKLIST_ITEM: usize = 500;
    /// The largest place a checklist item may be given (the document's bound, so a phone and the
    /// server refuse the same numbers).
    pub const CHECKLIST_POSITION: u32 = 100_000;
    /// Why an advocate declined.
    pub const REASON: usize = 2_000;
    /// Areas on one advocate profile.
    pub const AREAS: usize = 50;
    /// A review of an advocate.
    pub const REVIEW: usize = 2_000;
    /// Stated response times: from 4 hours (an urgent window of an hour) to two weeks.
    pub const RESPONSE_HOURS: std::ops::RangeInclusive<u32> = 4..=336;
}
