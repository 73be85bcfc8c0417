//! Tickets as people see them: with their SLA at a moment, and the ticket page.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ChecklistItem, Connection, Grant, GrantedChildren, Handover, Ticket, TicketEvent, sla};
use crate::ids::{AdvocateId, CaseId, ChildId, ConnectionId, FamilyId, OrganisationId, TicketId};
use crate::model::Record;
use crate::support::Sla;
use crate::vocab::{ConnectionState, GrantLevel, TicketPriority, TicketStatus, TicketType};

/// A ticket as people see it at one moment: the record with its SLA and `type` as the wire
/// names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    pub id: TicketId,
    pub connection_id: ConnectionId,
    pub family_id: FamilyId,
    pub child_id: ChildId,
    /// `null` while a request to an organisation awaits assignment.
    pub advocate_id: Option<AdvocateId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<OrganisationId>,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    #[serde(rename = "type")]
    pub kind: TicketType,
    pub response_time_hours: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    /// `null` when no response window is open.
    pub sla: Option<Sla>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TicketView {
    pub fn new(t: &Ticket, now: DateTime<Utc>) -> Self {
        TicketView {
            id: t.id,
            connection_id: t.connection_id,
            family_id: t.family_id,
            child_id: t.child_id,
            advocate_id: t.advocate_id,
            organisation_id: t.org_id,
            status: t.status,
            priority: t.priority,
            kind: t.kind,
            response_time_hours: t.response_time_hours,
            case_id: t.case_id,
            sla: t.sla(now),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }

    /// The queue's order: red, orange, green, no window; then the soonest due; then oldest.
    pub fn queue_position(&self) -> String {
        let due = self.sla.map(|s| s.due_at.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string());
        format!("{}#{}#{}", sla::queue_rank(self.sla.as_ref()), due.as_deref().unwrap_or("~"), self.id)
    }
}

/// The ticket page: the ticket, where its connection stands, its checklist in order and its
/// history oldest first. (Messages page separately.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: TicketView,
    pub connection_state: ConnectionState,
    /// The connection this one took over from (a handover or a change of advocate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<ConnectionId>,
    pub checklist: Vec<ChecklistItem>,
    pub history: Vec<TicketEvent>,
    /// The outgoing advocate's summary, on a connection that was handed over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover: Option<Handover>,
}

impl TicketDetail {
    /// From the records of a connection scope.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a Record>, now: DateTime<Utc>) -> Option<Self> {
        let (mut ticket, mut conn, mut handover) = (None, None, None);
        let (mut checklist, mut history) = (Vec::new(), Vec::new());
        for r in records {
            match r {
                Record::Ticket(t) => ticket = Some(t),
                Record::Connection(c) => conn = Some(c),
                Record::Handover(h) => handover = Some(h.clone()),
                Record::ChecklistItem(i) => checklist.push(i.clone()),
                Record::TicketEvent(e) => history.push(e.clone()),
                _ => {}
            }
        }
        checklist.sort_by_key(|i: &ChecklistItem| (i.position, i.created_at, i.id));
        history.sort_by_key(|e: &TicketEvent| (e.at, e.id));
        let conn = conn?;
        Some(TicketDetail {
            ticket: TicketView::new(ticket?, now),
            connection_state: conn.state,
            replaces: conn.replaces,
            checklist,
            history,
            handover,
        })
    }
}

/// A grant as the family and its advocate see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantView {
    /// `"all"` or the children's ids.
    pub children: GrantedChildren,
    pub level: GrantLevel,
    pub granted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A support relationship as its parties see it: who, where it stands, and what access the
/// family gave on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionView {
    pub id: ConnectionId,
    pub state: ConnectionState,
    pub family_id: FamilyId,
    pub child_id: ChildId,
    pub advocate_id: Option<AdvocateId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<OrganisationId>,
    pub ticket_id: TicketId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<ConnectionId>,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Vault access on this connection; `null` when none is granted.
    pub grant: Option<GrantView>,
}

impl ConnectionView {
    pub fn new(c: &Connection, grant: Option<&Grant>) -> Self {
        ConnectionView {
            id: c.id,
            state: c.state,
            family_id: c.family_id,
            child_id: c.child_id,
            advocate_id: c.advocate_id,
            organisation_id: c.org_id,
            ticket_id: c.ticket_id,
            replaces: c.replaces,
            created_at: c.created_at,
            ended_at: c.ended_at,
            grant: grant.map(|g| GrantView {
                children: g.children.clone(),
                level: g.level,
                granted_at: g.granted_at,
                updated_at: g.updated_at,
            }),
        }
    }
}
