//! Advocates, support requests and tickets (`docs/support.md`): the records of the
//! `advocate:` and `conn:` scopes and the ticket's response-time promise.
//!
//! A support request opens a connection scope holding exactly one ticket with its messages,
//! checklist and history; the family's members and the advocate are members of it. The
//! advocate's private notes live in the advocate's own scope, which no one else is a member of,
//! so no endpoint can return them to anyone else.

pub mod sla;
mod ticket_page;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::context::ActorRef;
use crate::ids::{
    AdvocateId, CaseId, ChecklistItemId, ChildId, ConnectionId, FamilyId, MessageId, OrganisationId, PrivateNoteId,
    TicketEventId, TicketId, UserId,
};
use crate::vocab::{
    ConnectionState, GrantLevel, HandoverReason, OrgRole, Side, TicketPriority, TicketStatus, TicketType,
};
pub use sla::{Sla, SlaClock};
pub use ticket_page::{ConnectionView, GrantView, TicketDetail, TicketView};

/// An advocate's public profile (key `profile` in the advocate scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvocateProfile {
    pub id: AdvocateId,
    /// The advocate's sign-in subject: used to address them; the API's public view leaves it
    /// out.
    pub user: UserId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Local authorities the advocate works in, as they wrote them.
    pub areas: Vec<String>,
    /// The kinds of help they offer.
    pub specialisms: Vec<TicketType>,
    /// How soon they promise a first answer, in hours (the SLA's base).
    pub response_time_hours: u32,
    /// Taking on new families: only then listed in the directory and open to requests.
    pub accepting: bool,
    pub bio: String,
    /// What families who worked with them said.
    #[serde(default)]
    pub reviews: ReviewSummary,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The count and mean of an advocate's reviews, kept on the profile so the directory shows it
/// without reading every review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewSummary {
    pub count: u32,
    /// The sum of the ratings (the mean is `total / count`).
    pub total: u32,
}

impl ReviewSummary {
    /// The mean rating, to one decimal place; `None` before the first review.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| (f64::from(self.total) / f64::from(self.count) * 10.0).round() / 10.0)
    }
}

/// The key an area is listed under: what a family would type. Case and spacing do not
/// matter, nor the words that name the kind of authority ("City Council", "County Council",
/// "Metropolitan Borough Council", "London Borough of", "City of"): "Leeds City Council",
/// "leeds" and " LEEDS  city " are one area, as are "City of York Council" and "York".
pub fn area_key(area: &str) -> String {
    const LEADING: &[&[&str]] = &[
        &["royal", "borough", "of"],
        &["london", "borough", "of"],
        &["borough", "of"],
        &["city", "of"],
        &["county", "of"],
    ];
    const TRAILING: &[&str] = &["council", "borough", "metropolitan", "county", "city", "district"];
    let mut words: Vec<String> = area.split_whitespace().map(str::to_lowercase).collect();
    if let Some(lead) =
        LEADING.iter().find(|l| words.len() > l.len() && words.iter().zip(l.iter()).all(|(w, l)| w == l))
    {
        words.drain(..lead.len());
    }
    while words.len() > 1 && words.last().is_some_and(|w| TRAILING.contains(&w.as_str())) {
        words.pop();
    }
    words.join(" ")
}

/// The directory listing every accepting advocate, whatever their areas.
pub const ALL_AREAS: &str = "*";

/// One listing of an accepting advocate in the directory (key `dir/<area key>` in their scope;
/// the index finds it by area). A copy of the profile, rewritten with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryEntry {
    /// The area key, or [`ALL_AREAS`].
    pub listing: String,
    pub profile: AdvocateProfile,
}

/// A support relationship between one family (about one child) and one advocate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Connection {
    pub id: ConnectionId,
    pub family_id: FamilyId,
    pub child_id: ChildId,
    /// The advocate working it; `None` while a request to an organisation awaits assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advocate_id: Option<AdvocateId>,
    /// Who the advocate is, to address notifications and decide sides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advocate_user: Option<UserId>,
    /// The organisation the request went to, if it went to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrganisationId>,
    /// The connection this one takes over from (a handover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<ConnectionId>,
    /// The family's members when the request was made, likewise.
    pub family_users: Vec<UserId>,
    pub state: ConnectionState,
    pub ticket_id: TicketId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

impl Connection {
    /// Which side `user` is on; `None` for anyone else.
    pub fn side_of(&self, user: &UserId) -> Option<Side> {
        if self.advocate_user.as_ref() == Some(user) {
            Some(Side::Advocate)
        } else if self.family_users.contains(user) {
            Some(Side::Family)
        } else {
            None
        }
    }
}

/// A support ticket (key `ticket` in its connection's scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: TicketId,
    pub connection_id: ConnectionId,
    pub family_id: FamilyId,
    pub child_id: ChildId,
    /// `None` while a request to an organisation awaits assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advocate_id: Option<AdvocateId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<OrganisationId>,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    /// (`type` on the wire; stored as `kind`, since a stored record's `type` names the record.)
    pub kind: TicketType,
    /// The advocate's stated response time when the request was made.
    pub response_time_hours: u32,
    /// The case this ticket is about, once linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// The SLA, folded from the ticket's history.
    pub clock: SlaClock,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Ticket {
    /// The ticket's SLA at `now` (`None`: no window open).
    pub fn sla(&self, now: DateTime<Utc>) -> Option<Sla> {
        sla::sla(&self.clock, self.priority, self.response_time_hours, now)
    }
}

/// What one history entry changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum TicketChange {
    /// The request arrived.
    Created {
        status: TicketStatus,
    },
    Status {
        from: TicketStatus,
        to: TicketStatus,
    },
    Priority {
        from: TicketPriority,
        to: TicketPriority,
    },
    Type {
        from: TicketType,
        to: TicketType,
    },
    /// The ticket was linked to a case.
    Case {
        case_id: CaseId,
    },
}

/// One entry of a ticket's history: who changed what, when (key `history/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    pub id: TicketEventId,
    pub ticket_id: TicketId,
    pub at: DateTime<Utc>,
    pub by: ActorRef,
    pub change: TicketChange,
    /// A reason given (declining).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A message between the family and the advocate (key `message/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: MessageId,
    pub ticket_id: TicketId,
    pub side: Side,
    pub author: ActorRef,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// An item of a ticket's checklist (key `checklist/<id>`), shared by family and advocate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChecklistItem {
    pub id: ChecklistItemId,
    pub ticket_id: TicketId,
    pub text: String,
    pub done: bool,
    /// Display order (ties by creation).
    pub position: u32,
    pub created_by: ActorRef,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An advocate's note on a ticket, in their own scope: visible to its author only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrivateNote {
    pub id: PrivateNoteId,
    pub ticket_id: TicketId,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// The ticket a case is linked to (key `case/<id>/ticket` in the child scope), so the case page
/// shows it and closing the case resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketLink {
    pub case_id: CaseId,
    pub ticket_id: TicketId,
    pub connection_id: ConnectionId,
    pub linked_by: ActorRef,
    pub linked_at: DateTime<Utc>,
}

/// The scanner's bookkeeping for a ticket's SLA (key `sla` in the connection scope): when the
/// chip next changes and which changes of the current window were already announced. Every
/// change to the ticket rewrites it, so the due index only ever holds tickets whose colour is
/// about to change, and the scanner never writes the ticket itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTracker {
    pub ticket_id: TicketId,
    pub connection_id: ConnectionId,
    /// Who is told (the advocate; nobody while unassigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advocate_user: Option<UserId>,
    /// The window these times belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orange_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub red_at: Option<DateTime<Utc>>,
    /// Announced for this window: once each.
    #[serde(default)]
    pub announced: Vec<crate::vocab::SlaChip>,
}

impl SlaTracker {
    /// The tracker for `ticket` as it now stands, keeping what was announced if the window is
    /// the same one.
    pub fn follow(ticket: &Ticket, advocate_user: Option<&UserId>, previous: Option<&SlaTracker>) -> SlaTracker {
        let times = sla::changes(&ticket.clock, ticket.priority, ticket.response_time_hours);
        let announced = previous
            .filter(|p| p.opened_at.is_some() && p.opened_at == ticket.clock.opened_at)
            .map(|p| p.announced.clone())
            .unwrap_or_default();
        SlaTracker {
            ticket_id: ticket.id,
            connection_id: ticket.connection_id,
            advocate_user: advocate_user.cloned(),
            opened_at: ticket.clock.opened_at,
            orange_at: times.map(|t| t.0),
            red_at: times.map(|t| t.1),
            announced,
        }
    }

    /// When the scanner next has something to announce; `None` keeps the ticket out of the
    /// due index.
    pub fn next_check(&self) -> Option<DateTime<Utc>> {
        use crate::vocab::SlaChip;
        let red = self.red_at.filter(|_| !self.announced.contains(&SlaChip::Red));
        let orange = self.orange_at.filter(|_| !self.announced.contains(&SlaChip::Orange) && red.is_some());
        orange.or(red)
    }
}

/// Which of a family's children a grant covers: `{"kind": "all"}` or `{"kind": "listed",
/// "children": [ids]}`. A tagged object, so every client generator can send and read it; the
/// earlier forms (`"all"`, or a bare list of ids) are still read — from older apps, and from
/// grants stored before — and are always written back tagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantedChildren {
    /// Every child, those added later included.
    All,
    /// These children (at least one: an empty list grants nothing).
    Listed {
        #[cfg_attr(feature = "openapi", schema(min_items = 1))]
        children: Vec<ChildId>,
    },
}

impl<'de> Deserialize<'de> for GrantedChildren {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
        enum Tagged {
            // A struct variant, so that `deny_unknown_fields` holds for it too.
            All {},
            Listed { children: Vec<ChildId> },
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Word {
            All,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            Tagged(Tagged),
            Word(Word),
            List(Vec<ChildId>),
        }
        match Any::deserialize(d).map_err(|_| {
            serde::de::Error::custom(r#"expected {"kind": "all"} or {"kind": "listed", "children": [ids]}"#)
        })? {
            Any::Tagged(Tagged::All {}) | Any::Word(Word::All) => Ok(GrantedChildren::All),
            Any::Tagged(Tagged::Listed { children }) | Any::List(children) => Ok(GrantedChildren::Listed { children }),
        }
    }
}

impl GrantedChildren {
    pub fn covers(&self, child: ChildId) -> bool {
        match self {
            GrantedChildren::All => true,
            GrantedChildren::Listed { children } => children.contains(&child),
        }
    }
}

/// Vault access a family gave the advocate of one connection (key `grant/<connection>` in the
/// family scope). The advocate's memberships of the children's scopes follow it, written and
/// deleted in the same commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub connection_id: ConnectionId,
    pub advocate_id: AdvocateId,
    /// Whose memberships the grant writes.
    pub advocate_user: UserId,
    pub children: GrantedChildren,
    pub level: GrantLevel,
    pub granted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The outgoing advocate's handover (key `handover` in the connection handed over), read by the
/// incoming advocate once they accept, with the messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Handover {
    pub from_connection: ConnectionId,
    pub to_connection: ConnectionId,
    pub to_advocate_id: AdvocateId,
    pub summary: String,
    pub reason: HandoverReason,
    pub by: ActorRef,
    pub at: DateTime<Utc>,
}

/// A family's review of an advocate (key `review/<family>` in the advocate scope): one per
/// family, editable by its author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub advocate_id: AdvocateId,
    pub family_id: FamilyId,
    pub rating: u8,
    pub text: String,
    /// Who wrote it (the only one who may change it).
    pub author: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An advocacy organisation (key `profile` in its scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub areas: Vec<String>,
    pub specialisms: Vec<TicketType>,
    /// Response time promised on requests to the organisation (the SLA's base until assigned).
    pub response_time_hours: u32,
    pub accepting: bool,
    pub bio: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member of an organisation (key `member/<advocate id>` in its scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgMember {
    pub advocate_id: AdvocateId,
    pub user: UserId,
    pub role: OrgRole,
    pub added_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_matched_loosely() {
        assert_eq!(area_key("Leeds City Council"), "leeds");
        assert_eq!(area_key(" LEEDS   city "), "leeds");
        assert_eq!(area_key("leeds"), "leeds");
        assert_eq!(area_key("Council"), "council");
        assert_eq!(area_key("Isle of Wight Council"), "isle of wight");
        assert_eq!(area_key("Exampleshire County Council"), "exampleshire");
        assert_eq!(area_key("City of York Council"), "york");
        assert_eq!(area_key("Royal Borough of Kingston upon Thames"), "kingston upon thames");
        assert_eq!(area_key("London Borough of Camden"), "camden");
        assert_eq!(area_key("Wigan Metropolitan Borough Council"), "wigan");
        assert_eq!(area_key("Kent"), "kent");
    }
}

#[cfg(test)]
mod granted_children_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grants_are_written_tagged_and_earlier_forms_still_read() {
        let child = ChildId::new();
        let listed = GrantedChildren::Listed { children: vec![child] };
        assert_eq!(serde_json::to_value(&GrantedChildren::All).unwrap(), json!({"kind": "all"}));
        assert_eq!(serde_json::to_value(&listed).unwrap(), json!({"kind": "listed", "children": [child]}));
        for (wire, want) in [
            (json!({"kind": "all"}), GrantedChildren::All),
            (json!("all"), GrantedChildren::All),
            (json!({"kind": "listed", "children": [child]}), listed.clone()),
            (json!([child]), listed.clone()),
        ] {
            assert_eq!(serde_json::from_value::<GrantedChildren>(wire.clone()).unwrap(), want, "{wire}");
        }
        for bad in [json!("some"), json!({"kind": "all", "children": []}), json!({"kind": "listed"}), json!(3)] {
            assert!(serde_json::from_value::<GrantedChildren>(bad.clone()).is_err(), "{bad}");
        }
    }
}
