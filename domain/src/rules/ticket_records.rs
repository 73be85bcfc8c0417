//! The writes every ticket change goes through, shared by requests, ticket work, access
//! changes and the scanner: a ticket with its SLA tracker in step, its history, memberships of
//! a connection, and notices to people.

use crate::context::Context;
use crate::ids::{AdvocateId, AlertId, TicketEventId, UserId};
use crate::keys;
use crate::model::{Membership, Notice, NoticeKind, Record};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::support::{AdvocateProfile, Connection, SlaClock, SlaTracker, Ticket, TicketChange, TicketEvent};
use crate::vocab::{MemberRole, TicketStatus};

/// The profile of an advocate, from the snapshot.
pub(crate) fn advocate_profile(snap: &Snapshot, id: AdvocateId) -> Option<&AdvocateProfile> {
    match snap.get(&Scope::Advocate(id), keys::ADVOCATE_PROFILE) {
        Some(Record::AdvocateProfile(p)) => Some(p),
        _ => None,
    }
}

/// Closes a ticket (a declined request, ended support): no more messages, no SLA.
pub(crate) fn close_ticket(
    ctx: &Context,
    conn: &Connection,
    ticket: &Ticket,
    note: Option<String>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) {
    if ticket.status == TicketStatus::Closed {
        return;
    }
    let scope = Scope::Conn(conn.id);
    let mut next = ticket.clone();
    let change = TicketChange::Status { from: next.status, to: TicketStatus::Closed };
    history(ctx, &scope, &next, "status", change, note, changes);
    next.status = TicketStatus::Closed;
    next.clock = SlaClock::default();
    next.updated_at = ctx.now;
    put_ticket(&scope, conn, next, snap, changes);
}

/// Writes a ticket and, in step, its SLA tracker.
pub(crate) fn put_ticket(scope: &Scope, conn: &Connection, ticket: Ticket, snap: &Snapshot, changes: &mut Changes<'_>) {
    let previous = match changes.current(scope, keys::SLA_TRACKER).or_else(|| snap.get(scope, keys::SLA_TRACKER)) {
        Some(Record::SlaTracker(t)) => Some(t.clone()),
        _ => None,
    };
    let tracker = SlaTracker::follow(&ticket, conn.advocate_user.as_ref(), previous.as_ref());
    changes.put(scope, keys::TICKET.into(), Record::Ticket(ticket));
    changes.put(scope, keys::SLA_TRACKER.into(), Record::SlaTracker(tracker));
}

/// One history entry, its id derived from the operation and what changed.
pub(crate) fn history(
    ctx: &Context,
    scope: &Scope,
    ticket: &Ticket,
    what: &str,
    change: TicketChange,
    note: Option<String>,
    changes: &mut Changes<'_>,
) {
    let id = TicketEventId(ctx.op.derive(&format!("ticket/{}/{what}", ticket.id)));
    let event = TicketEvent { id, ticket_id: ticket.id, at: ctx.now, by: ctx.actor_ref(), change, note };
    changes.put(scope, keys::ticket_event(id), Record::TicketEvent(event));
}

pub(crate) fn member(ctx: &Context, user: &UserId, scope: &Scope, role: MemberRole, changes: &mut Changes<'_>) {
    let membership = Membership { user: user.clone(), scope: scope.to_string(), role, granted_at: ctx.now };
    changes.put(&Scope::User(user.clone()), keys::membership(scope), Record::Membership(membership));
}

/// Tells `user` about `kind` on `ticket`: one notice per operation, person and kind.
pub(crate) fn notify(ctx: &Context, user: &UserId, kind: NoticeKind, ticket: &Ticket, changes: &mut Changes<'_>) {
    let id = AlertId(ctx.op.derive(&format!("notice/{}/{user}", kind.as_str())));
    notice(
        user,
        Notice {
            id,
            kind,
            ticket_id: Some(ticket.id),
            connection_id: Some(ticket.connection_id),
            export_id: None,
            raised_at: ctx.now,
        },
        changes,
    );
}

/// Writes a notice into its recipient's scope.
pub(crate) fn notice(user: &UserId, notice: Notice, changes: &mut Changes<'_>) {
    let key = keys::notice(crate::dates::london_date(notice.raised_at), notice.id);
    changes.put(&Scope::User(user.clone()), key, Record::Notice(notice));
}

/// The areas an advocate or organisation serves, checked (at most [`limits::AREAS`], each a
/// name) and without repeats by area key ("Leeds City Council" and "leeds" are one area).
pub(crate) fn checked_areas(checks: &mut crate::error::Checks, input: &[String]) -> Vec<String> {
    use crate::error::limits;
    if input.len() > limits::AREAS {
        checks.fail("areas", format!("at most {} areas", limits::AREAS));
    }
    let mut areas: Vec<String> = Vec::new();
    for (i, a) in input.iter().enumerate() {
        let a = checks.text(&format!("areas[{i}]"), a, limits::NAME);
        if !a.is_empty() && !areas.iter().any(|x| crate::support::area_key(x) == crate::support::area_key(&a)) {
            areas.push(a);
        }
    }
    areas
}
