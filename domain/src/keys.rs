//! Hierarchical record keys (README, "Storage"): an aggregate loads with one prefix query.

use crate::ids::{
    ActionId, AdvocateId, AlertId, AnnotationId, AuditId, CaseId, ChecklistItemId, ChildId, ConnectionId, DocumentId,
    FamilyId, FlagId, KeyDateId, MessageId, NoteId, PrivateNoteId, StatusChangeId, TicketEventId, TicketId, UserId,
};
use crate::scope::Scope;

pub const FAMILY_PROFILE: &str = "profile";
pub const CHILD_PROFILE: &str = "profile";
pub const CHILD_PREFIX: &str = "child/";
pub const MEMBER_PREFIX: &str = "member/";
pub const MEMBERSHIP_PREFIX: &str = "membership/";
pub const CASE_PREFIX: &str = "case/";
pub const AUDIT_PREFIX: &str = "audit/";
pub const ALERT_PREFIX: &str = "alert/";
pub const READ_PREFIX: &str = "read/";
pub const PREFERENCES: &str = "preferences";
pub const DOCUMENT_PREFIX: &str = "doc/";
pub const NOTICE_PREFIX: &str = "notice/";
/// A child's timeline entries (`timeline/<id>`).
pub const TIMELINE_PREFIX: &str = "timeline/";
/// Past versions of timeline entries (`tlhist/<entry>/<time>/<id>`).
pub const REVISION_PREFIX: &str = "tlhist/";
/// A user scope's devices' sync state (server bookkeeping, never sent to devices).
/// Bundles, and under each its builds (`bundle/<id>/build/<build>`).
pub const BUNDLE_PREFIX: &str = "bundle/";
/// A user's exports (user scope).
pub const EXPORT_PREFIX: &str = "export/";
pub const SYNC_PREFIX: &str = "sync/";
/// A deleted account's receipt, the one record of its [`crate::Scope::Erased`] scope.
pub const ERASURE_RECEIPT: &str = "receipt";

// The advocate scope.
pub const ADVOCATE_PROFILE: &str = "profile";
pub const DIRECTORY_PREFIX: &str = "dir/";
pub const PRIVATE_NOTE_PREFIX: &str = "ticketnote/";

// The connection scope: one connection, its one ticket and the ticket's parts.
pub const CONNECTION: &str = "connection";
pub const TICKET: &str = "ticket";
/// The scanner's bookkeeping for the ticket's SLA (see [`crate::support::SlaTracker`]).
pub const SLA_TRACKER: &str = "sla";
pub const MESSAGE_PREFIX: &str = "message/";
pub const CHECKLIST_PREFIX: &str = "checklist/";
pub const TICKET_HISTORY_PREFIX: &str = "history/";
/// The outgoing advocate's summary, in the connection handed over.
pub const HANDOVER: &str = "handover";

// The family scope's grants, one per connection.
pub const GRANT_PREFIX: &str = "grant/";
// The advocate scope's reviews, one per family.
pub const REVIEW_PREFIX: &str = "review/";
// The organisation scope.
pub const ORG_PROFILE: &str = "profile";
pub const ORG_MEMBER_PREFIX: &str = "member/";

pub fn family_child(id: ChildId) -> String {
    format!("{CHILD_PREFIX}{id}")
}
pub fn family_member(user: &UserId) -> String {
    format!("{MEMBER_PREFIX}{user}")
}
pub fn membership(scope: &Scope) -> String {
    format!("{MEMBERSHIP_PREFIX}{scope}")
}
pub fn case(id: CaseId) -> String {
    format!("{CASE_PREFIX}{id}")
}
/// The prefix that loads a whole case aggregate: the case and everything under it.
pub fn case_aggregate(id: CaseId) -> String {
    case(id)
}
pub fn status_change(case_id: CaseId, id: StatusChangeId) -> String {
    format!("{CASE_PREFIX}{case_id}/status/{id}")
}
pub fn key_date(case_id: CaseId, id: KeyDateId) -> String {
    format!("{CASE_PREFIX}{case_id}/keydate/{id}")
}
pub fn note(case_id: CaseId, id: NoteId) -> String {
    format!("{CASE_PREFIX}{case_id}/note/{id}")
}
pub fn action(case_id: CaseId, id: ActionId) -> String {
    format!("{CASE_PREFIX}{case_id}/action/{id}")
}
/// The scanner's bookkeeping for one open action (see [`crate::model::DueTracker`]).
pub fn tracker(case_id: CaseId, id: ActionId) -> String {
    format!("{CASE_PREFIX}{case_id}/tracker/{id}")
}
/// Audit lines sort by time, so the log reads newest first with one reversed range.
pub fn audit(at: chrono::DateTime<chrono::Utc>, id: AuditId) -> String {
    format!("{AUDIT_PREFIX}{}/{id}", at.format("%Y-%m-%dT%H:%M:%S%.9fZ"))
}
/// Alerts sort by due date so old ones can be skipped with a key range.
pub fn alert(due: chrono::NaiveDate, id: AlertId) -> String {
    format!("{ALERT_PREFIX}{due}/{id}")
}
pub fn read_marker(id: AlertId) -> String {
    format!("{READ_PREFIX}{id}")
}
pub fn document(id: DocumentId) -> String {
    format!("{DOCUMENT_PREFIX}{id}")
}
pub fn flag(case_id: CaseId, id: FlagId) -> String {
    format!("{CASE_PREFIX}{case_id}/flag/{id}")
}
pub fn annotation(case_id: CaseId, id: AnnotationId) -> String {
    format!("{CASE_PREFIX}{case_id}/annotation/{id}")
}

pub fn bundle(id: crate::ids::BundleId) -> String {
    format!("{BUNDLE_PREFIX}{id}")
}
/// A bundle's builds.
pub fn builds(bundle: crate::ids::BundleId) -> String {
    format!("{BUNDLE_PREFIX}{bundle}/build/")
}
pub fn build(bundle: crate::ids::BundleId, id: crate::ids::BuildId) -> String {
    format!("{BUNDLE_PREFIX}{bundle}/build/{id}")
}
/// Everything under a bundle: its builds and links.
pub fn bundle_parts(bundle: crate::ids::BundleId) -> String {
    format!("{BUNDLE_PREFIX}{bundle}/")
}
/// A bundle's share links.
pub fn links(bundle: crate::ids::BundleId) -> String {
    format!("{BUNDLE_PREFIX}{bundle}/link/")
}
pub fn link(bundle: crate::ids::BundleId, id: crate::ids::ShareLinkId) -> String {
    format!("{BUNDLE_PREFIX}{bundle}/link/{id}")
}

pub fn export(id: crate::ids::ExportId) -> String {
    format!("{EXPORT_PREFIX}{id}")
}

pub fn timeline_entry(id: crate::ids::TimelineEntryId) -> String {
    format!("{TIMELINE_PREFIX}{id}")
}
/// The past versions of one entry, oldest first.
pub fn revisions(entry: crate::ids::TimelineEntryId) -> String {
    format!("{REVISION_PREFIX}{entry}/")
}
pub fn revision(
    entry: crate::ids::TimelineEntryId,
    at: chrono::DateTime<chrono::Utc>,
    id: crate::ids::RevisionId,
) -> String {
    format!("{REVISION_PREFIX}{entry}/{}/{id}", at.format("%Y-%m-%dT%H:%M:%S%.9fZ"))
}

/// A notification to one person about someone else's action (user scope), by day.
pub fn notice(day: chrono::NaiveDate, id: AlertId) -> String {
    format!("{NOTICE_PREFIX}{day}/{id}")
}
/// One directory listing of an advocate: `all`, or one normalised area.
pub fn directory(listing: &str) -> String {
    format!("{DIRECTORY_PREFIX}{listing}")
}
/// The private notes of one ticket, in the advocate's scope.
pub fn private_notes(ticket: TicketId) -> String {
    format!("{PRIVATE_NOTE_PREFIX}{ticket}/")
}
pub fn private_note(ticket: TicketId, id: PrivateNoteId) -> String {
    format!("{PRIVATE_NOTE_PREFIX}{ticket}/{id}")
}
pub fn message(id: MessageId) -> String {
    format!("{MESSAGE_PREFIX}{id}")
}
pub fn checklist_item(id: ChecklistItemId) -> String {
    format!("{CHECKLIST_PREFIX}{id}")
}
pub fn ticket_event(id: TicketEventId) -> String {
    format!("{TICKET_HISTORY_PREFIX}{id}")
}
/// The ticket a case is linked to (under the case, so the case page's one query loads it).
pub fn ticket_link(case_id: CaseId) -> String {
    format!("{CASE_PREFIX}{case_id}/ticket")
}
pub fn grant(connection: ConnectionId) -> String {
    format!("{GRANT_PREFIX}{connection}")
}
pub fn review(family: FamilyId) -> String {
    format!("{REVIEW_PREFIX}{family}")
}
pub fn org_member(advocate: AdvocateId) -> String {
    format!("{ORG_MEMBER_PREFIX}{advocate}")
}

pub fn sync_client(client_id: &str) -> String {
    format!("{SYNC_PREFIX}client/{client_id}")
}

/// Who last edited one text field of a record by sync (server bookkeeping, never pulled).
pub fn text_edit(record_key: &str, field: &str) -> String {
    format!("{SYNC_PREFIX}text-edit/{record_key}#{field}")
}

/// A device's notice that one of its edits was overridden (in its user's scope).
pub const OVERRIDDEN_PREFIX: &str = "overridden/";

pub fn overridden(id: uuid::Uuid) -> String {
    format!("{OVERRIDDEN_PREFIX}{id}")
}
