//! Advocates' profiles, support requests and tickets (`docs/support.md`).
//!
//! Every write of a ticket goes through [`put_ticket`], which rewrites its SLA tracker in the
//! same commit, so the scanner's due index always agrees with the ticket.

use crate::command::{AdvocateCommand, ProfileInput, SupportTarget, TicketCommand};
use crate::context::{Context, require_member};
use crate::error::Conflict;
use crate::error::{Checks, DomainError, limits};
use crate::ids::{AdvocateId, CaseId, ChecklistItemId, ChildId, ConnectionId, FamilyId, MessageId, TicketId, UserId};
use crate::keys;
use crate::model::{NoticeKind, Record};
use crate::rules::ticket_records::{
    advocate_profile, checked_areas, close_ticket, history, member, notify, put_ticket,
};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::support::sla::{DEFAULT_RESPONSE_HOURS, SlaEvent};
use crate::support::{
    ALL_AREAS, AdvocateProfile, ChecklistItem, Connection, DirectoryEntry, Handover, Message, Organisation,
    PrivateNote, SlaClock, Ticket, TicketChange, TicketLink, area_key,
};
use crate::vocab::{
    ConnectionState, HandoverReason, MemberRole, OrgRole, RoleClaim, Side, TicketPriority, TicketStatus, TicketType,
};

const ADVOCATE_ONLY: &str = "only the advocate can accept, decline, ask for information or change a ticket";
const ADVOCATES_ONLY: &str = "only an advocate account can have an advocate profile";
const PARTIES_ONLY: &str = "only the family and the advocate working the ticket can change it";
const ADMINS_ONLY: &str = "only the organisation's admins can assign its tickets";

/// A family's request for help (runs in the family scope, which the caller must own).
pub(crate) struct Request<'a> {
    pub family_id: FamilyId,
    pub connection_id: ConnectionId,
    pub ticket_id: TicketId,
    pub message_id: MessageId,
    pub to: SupportTarget,
    pub child_id: ChildId,
    pub kind: TicketType,
    pub message: &'a str,
    pub replaces: Option<ConnectionId>,
}

/// Who a request reaches, as the snapshot holds them.
enum Recipient<'a> {
    Advocate(&'a AdvocateProfile),
    Organisation(&'a Organisation, Vec<UserId>),
}

impl Recipient<'_> {
    fn accepting(&self) -> bool {
        match self {
            Recipient::Advocate(a) => a.accepting,
            Recipient::Organisation(o, _) => o.accepting,
        }
    }
}

pub(crate) fn request_support(
    ctx: &Context,
    input: Request<'_>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    ctx.require_owner("family", "only the family can ask for support")?;
    let family_scope = Scope::Family(input.family_id);
    if snap.get(&family_scope, &keys::family_child(input.child_id)).is_none() {
        return Err(DomainError::NotFound { what: "child" });
    }
    let recipient = match input.to {
        SupportTarget::Advocate(id) => {
            Recipient::Advocate(advocate_profile(snap, id).ok_or(DomainError::NotFound { what: "advocate" })?)
        }
        SupportTarget::Organisation(id) => {
            let scope = Scope::Org(id);
            let Some(Record::Organisation(org)) = snap.get(&scope, keys::ORG_PROFILE) else {
                return Err(DomainError::NotFound { what: "organisation" });
            };
            let admins = snap
                .prefix(&scope, keys::ORG_MEMBER_PREFIX)
                .filter_map(|(_, r)| match r {
                    Record::OrgMember(m) if m.role == OrgRole::Admin => Some(m.user.clone()),
                    _ => None,
                })
                .collect();
            Recipient::Organisation(org, admins)
        }
    };
    let mut checks = Checks::new();
    let text = checks.text("message", input.message, limits::MESSAGE);
    checks.finish()?;
    let scope = Scope::Conn(input.connection_id);
    if let Some(Record::Connection(existing)) = snap.get(&scope, keys::CONNECTION) {
        let same_message = matches!(snap.get(&scope, &keys::message(input.message_id)),
            Some(Record::Message(m)) if m.text == text);
        let same_target = match input.to {
            SupportTarget::Advocate(id) => existing.advocate_id == Some(id) && existing.org_id.is_none(),
            SupportTarget::Organisation(id) => existing.org_id == Some(id),
        };
        let same = existing.family_id == input.family_id
            && existing.child_id == input.child_id
            && same_target
            && existing.ticket_id == input.ticket_id
            && existing.replaces == input.replaces
            && same_message;
        return if same { Ok(()) } else { Err(DomainError::Conflict(Conflict::IdTaken { what: "connection" })) };
    }
    if !recipient.accepting() {
        return Err(DomainError::Conflict(Conflict::NotTakingFamilies));
    }
    if let Some(old) = input.replaces {
        let theirs = matches!(snap.get(&Scope::Conn(old), keys::CONNECTION),
            Some(Record::Connection(c)) if c.family_id == input.family_id);
        if !theirs {
            return Err(DomainError::NotFound { what: "connection to replace" });
        }
    }
    let family_users: Vec<UserId> = snap
        .prefix(&family_scope, keys::MEMBER_PREFIX)
        .filter_map(|(_, r)| match r {
            Record::FamilyMember(m) => Some(m.user.clone()),
            _ => None,
        })
        .collect();
    let opening = Opening {
        connection_id: input.connection_id,
        ticket_id: input.ticket_id,
        family_id: input.family_id,
        child_id: input.child_id,
        kind: input.kind,
        family_users,
        replaces: input.replaces,
    };
    let ticket = open_connection(ctx, &opening, &recipient, snap, changes);
    let message = Message {
        id: input.message_id,
        ticket_id: ticket.id,
        side: Side::Family,
        author: ctx.actor_ref(),
        text,
        at: ctx.now,
    };
    changes.put(&scope, keys::message(message.id), Record::Message(message));
    Ok(())
}

/// A new connection, as a request or a handover opens it.
struct Opening {
    connection_id: ConnectionId,
    ticket_id: TicketId,
    family_id: FamilyId,
    child_id: ChildId,
    kind: TicketType,
    family_users: Vec<UserId>,
    replaces: Option<ConnectionId>,
}

/// Writes a requested connection with its `new` ticket, memberships and the recipients' notices;
/// answers the ticket.
fn open_connection(
    ctx: &Context,
    o: &Opening,
    to: &Recipient<'_>,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Ticket {
    let scope = Scope::Conn(o.connection_id);
    let (advocate, org) = match to {
        Recipient::Advocate(a) => (Some(*a), None),
        Recipient::Organisation(org, _) => (None, Some(*org)),
    };
    let connection = Connection {
        id: o.connection_id,
        family_id: o.family_id,
        child_id: o.child_id,
        advocate_id: advocate.map(|a| a.id),
        advocate_user: advocate.map(|a| a.user.clone()),
        org_id: org.map(|g| g.id),
        replaces: o.replaces,
        family_users: o.family_users.clone(),
        state: ConnectionState::Requested,
        ticket_id: o.ticket_id,
        created_at: ctx.now,
        updated_at: ctx.now,
        ended_at: None,
    };
    let ticket = Ticket {
        id: o.ticket_id,
        connection_id: o.connection_id,
        family_id: o.family_id,
        child_id: o.child_id,
        advocate_id: connection.advocate_id,
        org_id: connection.org_id,
        status: TicketStatus::New,
        priority: TicketPriority::Normal,
        kind: o.kind,
        response_time_hours: advocate
            .map_or_else(|| org.map_or(DEFAULT_RESPONSE_HOURS, |g| g.response_time_hours), |a| a.response_time_hours),
        case_id: None,
        clock: SlaClock::default().after(SlaEvent::Created, ctx.now, TicketStatus::New),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    changes.put(&scope, keys::CONNECTION.into(), Record::Connection(connection.clone()));
    put_ticket(&scope, &connection, ticket.clone(), snap, changes);
    history(ctx, &scope, &ticket, "created", TicketChange::Created { status: ticket.status }, None, changes);
    for user in &o.family_users {
        member(ctx, user, &scope, MemberRole::Owner, changes);
    }
    match to {
        Recipient::Advocate(a) => {
            member(ctx, &a.user, &scope, MemberRole::Writer, changes);
            notify(ctx, &a.user, NoticeKind::SupportRequested, &ticket, changes);
        }
        // An organisation's admins see the request and assign it; they never get the vault.
        Recipient::Organisation(_, admins) => {
            for admin in admins {
                member(ctx, admin, &scope, MemberRole::Reader, changes);
                notify(ctx, admin, NoticeKind::SupportRequested, &ticket, changes);
            }
        }
    }
    changes.alias(ticket.id.to_string(), &scope);
    changes.alias(o.connection_id.to_string(), &scope);
    ticket
}

/// Runs a ticket command; returns the family scope for the audit line.
pub(crate) fn decide_ticket(
    ctx: &Context,
    connection_id: ConnectionId,
    ticket_id: TicketId,
    command: &TicketCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<Scope, DomainError> {
    let scope = Scope::Conn(connection_id);
    require_member(ctx.membership, "ticket")?;
    let (Some(Record::Connection(conn)), Some(Record::Ticket(ticket))) =
        (snap.get(&scope, keys::CONNECTION), snap.get(&scope, keys::TICKET))
    else {
        return Err(DomainError::NotFound { what: "ticket" });
    };
    if ticket.id != ticket_id {
        return Err(DomainError::NotFound { what: "ticket" });
    }
    let t = TicketWork { ctx, scope: &scope, conn, ticket, snap };
    if let TicketCommand::Assign { advocate_id } = command {
        t.assign(*advocate_id, changes)?;
        return Ok(Scope::Family(ticket.family_id));
    }
    // An organisation's admins see the ticket; only the family and the assigned advocate work it.
    let side = conn.side_of(&ctx.actor.user).ok_or(DomainError::Forbidden { rule: PARTIES_ONLY })?;
    let advocate_only =
        || if side == Side::Advocate { Ok(()) } else { Err(DomainError::Forbidden { rule: ADVOCATE_ONLY }) };
    match command {
        TicketCommand::Accept => {
            advocate_only()?;
            t.accept(changes)?
        }
        TicketCommand::RequestInfo { message_id, message } => {
            advocate_only()?;
            t.request_info(*message_id, message, changes)?
        }
        TicketCommand::Decline { reason } => {
            advocate_only()?;
            t.decline(reason, changes)?
        }
        TicketCommand::Leave => {
            advocate_only()?;
            t.leave(changes)
        }
        TicketCommand::Update { status, priority, kind } => {
            advocate_only()?;
            t.update(*status, *priority, *kind, changes)?
        }
        TicketCommand::PostMessage { message_id, text } => t.post(side, *message_id, text, changes)?,
        TicketCommand::AddChecklistItem { item_id, text, position } => {
            t.add_item(*item_id, text, *position, changes)?
        }
        TicketCommand::EditChecklistItem { item_id, text, done, position } => {
            t.edit_item(*item_id, text.as_deref(), *done, *position, changes)?
        }
        TicketCommand::LinkCase { child_id, case_id } => t.link_case(*child_id, *case_id, changes)?,
        TicketCommand::Handover { to_advocate_id, summary, reason, new_connection_id, new_ticket_id } => {
            advocate_only()?;
            let to = HandoverTo {
                advocate_id: *to_advocate_id,
                summary,
                reason: *reason,
                connection_id: *new_connection_id,
                ticket_id: *new_ticket_id,
            };
            t.hand_over(to, changes)?
        }
        TicketCommand::Assign { .. } => unreachable!("handled above"),
    }
    Ok(Scope::Family(ticket.family_id))
}

/// Where a handover goes.
struct HandoverTo<'a> {
    advocate_id: AdvocateId,
    summary: &'a str,
    reason: HandoverReason,
    connection_id: ConnectionId,
    ticket_id: TicketId,
}

/// One ticket command's working set.
struct TicketWork<'a> {
    ctx: &'a Context,
    scope: &'a Scope,
    conn: &'a Connection,
    ticket: &'a Ticket,
    snap: &'a Snapshot,
}

impl TicketWork<'_> {
    /// Changes need a connection that has not ended; most need it accepted too.
    fn open(&self) -> Result<(), DomainError> {
        if self.conn.state == ConnectionState::Ended {
            return Err(DomainError::Conflict(Conflict::SupportEnded));
        }
        Ok(())
    }

    fn accepted(&self) -> Result<(), DomainError> {
        self.open()?;
        if self.conn.state == ConnectionState::Requested {
            return Err(DomainError::Conflict(Conflict::NotAccepted));
        }
        Ok(())
    }

    fn put(&self, ticket: Ticket, changes: &mut Changes<'_>) {
        put_ticket(self.scope, self.conn, ticket, self.snap, changes);
    }

    fn with_status(&self, ticket: &mut Ticket, to: TicketStatus, changes: &mut Changes<'_>) {
        if ticket.status != to {
            let change = TicketChange::Status { from: ticket.status, to };
            history(self.ctx, self.scope, ticket, "status", change, None, changes);
            ticket.status = to;
            ticket.clock = ticket.clock.after(SlaEvent::StatusChanged, self.ctx.now, to);
        }
    }

    fn accept(&self, changes: &mut Changes<'_>) -> Result<(), DomainError> {
        match self.conn.state {
            ConnectionState::Active => return Ok(()),
            ConnectionState::Ended => {
                return Err(DomainError::Conflict(Conflict::RequestClosed));
            }
            ConnectionState::Requested => {}
        }
        let mut conn = self.conn.clone();
        conn.state = ConnectionState::Active;
        conn.updated_at = self.ctx.now;
        changes.put(self.scope, keys::CONNECTION.into(), Record::Connection(conn));
        let mut ticket = self.ticket.clone();
        self.with_status(&mut ticket, TicketStatus::InProgress, changes);
        ticket.updated_at = self.ctx.now;
        self.put(ticket.clone(), changes);
        for user in &self.conn.family_users {
            notify(self.ctx, user, NoticeKind::RequestAccepted, &ticket, changes);
        }
        // Taking over from another connection: that one ends (its grants with it — vault access
        // never transfers), and the incoming advocate may read its messages and handover.
        if let Some(old) = self.conn.replaces
            && let Some(Record::Connection(previous)) = self.snap.get(&Scope::Conn(old), keys::CONNECTION)
        {
            if previous.state != ConnectionState::Ended {
                crate::rules::access::end_connection(self.ctx, previous, None, self.snap, changes);
            }
            if let Some(user) = &self.conn.advocate_user {
                member(self.ctx, user, &Scope::Conn(old), MemberRole::Reader, changes);
            }
            for user in &self.conn.family_users {
                notify(self.ctx, user, NoticeKind::HandoverCompleted, &ticket, changes);
            }
        }
        Ok(())
    }

    /// The advocate hands the family over: a connection to the incoming advocate is requested,
    /// with this one's summary kept here for them to read once they accept.
    fn hand_over(&self, to: HandoverTo<'_>, changes: &mut Changes<'_>) -> Result<(), DomainError> {
        let mut checks = Checks::new();
        let summary = checks.text("summary", to.summary, limits::MESSAGE);
        checks.finish()?;
        let incoming = advocate_profile(self.snap, to.advocate_id).ok_or(DomainError::NotFound { what: "advocate" })?;
        if let Some(Record::Handover(h)) = self.snap.get(self.scope, keys::HANDOVER) {
            let same =
                h.to_connection == to.connection_id && h.to_advocate_id == to.advocate_id && h.summary == summary;
            return if same { Ok(()) } else { Err(DomainError::Conflict(Conflict::HandoverInProgress)) };
        }
        self.accepted()?;
        if self.conn.advocate_id == Some(to.advocate_id) {
            return Err(DomainError::refused("to_advocate_id", "hand over to another advocate"));
        }
        if !incoming.accepting {
            return Err(DomainError::Conflict(Conflict::NotTakingFamilies));
        }
        let handover = Handover {
            from_connection: self.conn.id,
            to_connection: to.connection_id,
            to_advocate_id: to.advocate_id,
            summary,
            reason: to.reason,
            by: self.ctx.actor_ref(),
            at: self.ctx.now,
        };
        changes.put(self.scope, keys::HANDOVER.into(), Record::Handover(handover));
        let opening = Opening {
            connection_id: to.connection_id,
            ticket_id: to.ticket_id,
            family_id: self.conn.family_id,
            child_id: self.conn.child_id,
            kind: self.ticket.kind,
            family_users: self.conn.family_users.clone(),
            replaces: Some(self.conn.id),
        };
        let ticket = open_connection(self.ctx, &opening, &Recipient::Advocate(incoming), self.snap, changes);
        for user in &self.conn.family_users {
            notify(self.ctx, user, NoticeKind::HandoverRequested, &ticket, changes);
        }
        Ok(())
    }

    /// An organisation's admin gives the ticket to a member advocate. Reassigning follows a
    /// handover's rule: the outgoing advocate keeps the messages, read-only, and loses any
    /// vault access; the family is told who, and grants access afresh if they wish.
    fn assign(&self, advocate_id: AdvocateId, changes: &mut Changes<'_>) -> Result<(), DomainError> {
        let Some(org_id) = self.conn.org_id else {
            return Err(DomainError::Forbidden { rule: ADMINS_ONLY });
        };
        let org = Scope::Org(org_id);
        let me = AdvocateId::for_user(&self.ctx.actor.user);
        let admin = matches!(self.snap.get(&org, &keys::org_member(me)),
            Some(Record::OrgMember(m)) if m.role == OrgRole::Admin && m.user == self.ctx.actor.user);
        if !admin {
            return Err(DomainError::Forbidden { rule: ADMINS_ONLY });
        }
        let Some(Record::OrgMember(member_rec)) = self.snap.get(&org, &keys::org_member(advocate_id)) else {
            return Err(DomainError::NotFound { what: "member advocate" });
        };
        if self.conn.advocate_id == Some(advocate_id) {
            return Ok(());
        }
        self.open()?;
        if self.ticket.status == TicketStatus::Closed {
            return Err(DomainError::Conflict(Conflict::TicketClosed));
        }
        let outgoing = self.conn.advocate_user.clone();
        if let Some(user) = &outgoing {
            member(self.ctx, user, self.scope, MemberRole::Reader, changes);
            crate::rules::access::revoke_connection(self.ctx, self.conn, self.snap, changes);
        }
        let mut conn = self.conn.clone();
        conn.advocate_id = Some(advocate_id);
        conn.advocate_user = Some(member_rec.user.clone());
        conn.updated_at = self.ctx.now;
        changes.put(self.scope, keys::CONNECTION.into(), Record::Connection(conn.clone()));
        member(self.ctx, &member_rec.user, self.scope, MemberRole::Writer, changes);
        let mut ticket = self.ticket.clone();
        ticket.advocate_id = Some(advocate_id);
        ticket.updated_at = self.ctx.now;
        put_ticket(self.scope, &conn, ticket.clone(), self.snap, changes);
        notify(self.ctx, &member_rec.user, NoticeKind::SupportRequested, &ticket, changes);
        for user in &self.conn.family_users {
            notify(self.ctx, user, NoticeKind::AdvocateAssigned, &ticket, changes);
        }
        Ok(())
    }

    fn request_info(&self, id: MessageId, text: &str, changes: &mut Changes<'_>) -> Result<(), DomainError> {
        let mut checks = Checks::new();
        let text = checks.text("message", text, limits::MESSAGE);
        checks.finish()?;
        if self.retried_message(id, Side::Advocate, &text)? {
            return Ok(());
        }
        self.open()?;
        if self.ticket.status == TicketStatus::Closed {
            return Err(DomainError::Conflict(Conflict::TicketClosed));
        }
        let mut ticket = self.ticket.clone();
        self.message(&mut ticket, id, Side::Advocate, text, changes);
        self.with_status(&mut ticket, TicketStatus::PendingFamily, changes);
        self.put(ticket.clone(), changes);
        for user in &self.conn.family_users {
            notify(self.ctx, user, NoticeKind::InfoRequested, &ticket, changes);
        }
        Ok(())
    }

    fn decline(&self, reason: &str, changes: &mut Changes<'_>) -> Result<(), DomainError> {
        let mut checks = Checks::new();
        let reason = checks.text("reason", reason, limits::REASON);
        checks.finish()?;
        match self.conn.state {
            ConnectionState::Requested => {}
            ConnectionState::Ended if self.ticket.status == TicketStatus::Closed => return Ok(()),
            ConnectionState::Active => {
                return Err(DomainError::Conflict(Conflict::AlreadyAccepted));
            }
            ConnectionState::Ended => return Err(DomainError::Conflict(Conflict::SupportEnded)),
        }
        let mut conn = self.conn.clone();
        conn.state = ConnectionState::Ended;
        conn.updated_at = self.ctx.now;
        conn.ended_at = Some(self.ctx.now);
        changes.put(self.scope, keys::CONNECTION.into(), Record::Connection(conn.clone()));
        close_ticket(self.ctx, &conn, self.ticket, Some(reason), self.snap, changes);
        for user in &self.conn.family_users {
            notify(self.ctx, user, NoticeKind::RequestDeclined, self.ticket, changes);
        }
        Ok(())
    }

    fn leave(&self, changes: &mut Changes<'_>) {
        if self.conn.state == ConnectionState::Ended {
            return;
        }
        let note = Some("The advocate closed their account.".to_owned());
        crate::rules::access::end_connection(self.ctx, self.conn, note, self.snap, changes);
        for user in &self.conn.family_users {
            notify(self.ctx, user, NoticeKind::AdvocateLeft, self.ticket, changes);
        }
    }

    fn update(
        &self,
        status: Option<TicketStatus>,
        priority: Option<TicketPriority>,
        kind: Option<TicketType>,
        changes: &mut Changes<'_>,
    ) -> Result<(), DomainError> {
        if status == Some(TicketStatus::New) {
            return Err(DomainError::refused("status", "`new` is only for a request not yet accepted"));
        }
        let mut ticket = self.ticket.clone();
        let unchanged = status.is_none_or(|s| s == ticket.status)
            && priority.is_none_or(|p| p == ticket.priority)
            && kind.is_none_or(|k| k == ticket.kind);
        if unchanged {
            return Ok(());
        }
        self.accepted()?;
        if ticket.status == TicketStatus::Closed {
            return Err(DomainError::Conflict(Conflict::TicketClosed));
        }
        if let Some(to) = status {
            self.with_status(&mut ticket, to, changes);
        }
        if let Some(to) = priority.filter(|p| *p != ticket.priority) {
            let change = TicketChange::Priority { from: ticket.priority, to };
            history(self.ctx, self.scope, &ticket, "priority", change, None, changes);
            ticket.priority = to;
        }
        if let Some(to) = kind.filter(|k| *k != ticket.kind) {
            let change = TicketChange::Type { from: ticket.kind, to };
            history(self.ctx, self.scope, &ticket, "type", change, None, changes);
            ticket.kind = to;
        }
        ticket.updated_at = self.ctx.now;
        self.put(ticket, changes);
        Ok(())
    }

    /// Whether message `id` already exists as this side wrote it (a retry); a different message
    /// under the id is a conflict.
    fn retried_message(&self, id: MessageId, side: Side, text: &str) -> Result<bool, DomainError> {
        match self.snap.get(self.scope, &keys::message(id)) {
            Some(Record::Message(m)) if m.side == side && m.author.user == self.ctx.actor.user && m.text == text => {
                Ok(true)
            }
            Some(_) => Err(DomainError::Conflict(Conflict::IdTaken { what: "message" })),
            None => Ok(false),
        }
    }

    fn message(&self, ticket: &mut Ticket, id: MessageId, side: Side, text: String, changes: &mut Changes<'_>) {
        let message = Message { id, ticket_id: ticket.id, side, author: self.ctx.actor_ref(), text, at: self.ctx.now };
        changes.put(self.scope, keys::message(id), Record::Message(message));
        let event = match side {
            Side::Family => SlaEvent::FamilyMessage,
            Side::Advocate => SlaEvent::AdvocateMessage,
        };
        ticket.clock = ticket.clock.after(event, self.ctx.now, ticket.status);
        ticket.updated_at = self.ctx.now;
    }

    fn post(&self, side: Side, id: MessageId, text: &str, changes: &mut Changes<'_>) -> Result<(), DomainError> {
        let mut checks = Checks::new();
        let text = checks.text("text", text, limits::MESSAGE);
        checks.finish()?;
        if self.retried_message(id, side, &text)? {
            return Ok(());
        }
        self.open()?;
        if self.ticket.status == TicketStatus::Closed {
            return Err(DomainError::Conflict(Conflict::TicketClosed));
        }
        let mut ticket = self.ticket.clone();
        // The family writing again means the advocate has something to answer.
        if side == Side::Family && matches!(ticket.status, TicketStatus::PendingFamily | TicketStatus::Resolved) {
            self.with_status(&mut ticket, TicketStatus::InProgress, changes);
        }
        self.message(&mut ticket, id, side, text, changes);
        self.put(ticket, changes);
        Ok(())
    }

    fn add_item(
        &self,
        id: ChecklistItemId,
        text: &str,
        position: Option<u32>,
        changes: &mut Changes<'_>,
    ) -> Result<(), DomainError> {
        let mut checks = Checks::new();
        let text = checks.text("text", text, limits::CHECKLIST_ITEM);
        checks.position("position", position);
        checks.finish()?;
        let items: Vec<&ChecklistItem> = self
            .snap
            .prefix(self.scope, keys::CHECKLIST_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::ChecklistItem(i) => Some(i),
                _ => None,
            })
            .collect();
        if let Some(existing) = items.iter().find(|i| i.id == id) {
            let same = existing.text == text && position.is_none_or(|p| p == existing.position);
            return if same {
                Ok(())
            } else {
                Err(DomainError::Conflict(Conflict::IdTaken { what: "checklist item" }))
            };
        }
        self.open()?;
        let position =
            position.unwrap_or_else(|| items.iter().map(|i| i.position.saturating_add(1)).max().unwrap_or(0));
        let item = ChecklistItem {
            id,
            ticket_id: self.ticket.id,
            text,
            done: false,
            position,
            created_by: self.ctx.actor_ref(),
            created_at: self.ctx.now,
            updated_at: self.ctx.now,
        };
        changes.put(self.scope, keys::checklist_item(id), Record::ChecklistItem(item));
        Ok(())
    }

    fn edit_item(
        &self,
        id: ChecklistItemId,
        text: Option<&str>,
        done: Option<bool>,
        position: Option<u32>,
        changes: &mut Changes<'_>,
    ) -> Result<(), DomainError> {
        let Some(Record::ChecklistItem(item)) = self.snap.get(self.scope, &keys::checklist_item(id)) else {
            return Err(DomainError::NotFound { what: "checklist item" });
        };
        let mut checks = Checks::new();
        let mut next = item.clone();
        if let Some(t) = text {
            next.text = checks.text("text", t, limits::CHECKLIST_ITEM);
        }
        checks.position("position", position);
        checks.finish()?;
        next.done = done.unwrap_or(next.done);
        next.position = position.unwrap_or(next.position);
        if next == *item {
            return Ok(());
        }
        self.open()?;
        next.updated_at = self.ctx.now;
        changes.put(self.scope, keys::checklist_item(id), Record::ChecklistItem(next));
        Ok(())
    }

    fn link_case(&self, child_id: ChildId, case_id: CaseId, changes: &mut Changes<'_>) -> Result<(), DomainError> {
        let child_scope = Scope::Child(child_id);
        let same_family = matches!(self.snap.get(&child_scope, keys::CHILD_PROFILE),
            Some(Record::Child(c)) if c.family_id == self.ticket.family_id);
        let is_case = matches!(self.snap.get(&child_scope, &keys::case(case_id)), Some(Record::Case(_)));
        if !same_family || !is_case {
            return Err(DomainError::not_this_childs_case("case_id"));
        }
        match self.ticket.case_id {
            Some(linked) if linked == case_id => return Ok(()),
            Some(_) => return Err(DomainError::Conflict(Conflict::TicketLinkedElsewhere)),
            None => {}
        }
        if let Some(Record::TicketLink(l)) = self.snap.get(&child_scope, &keys::ticket_link(case_id))
            && l.ticket_id != self.ticket.id
        {
            return Err(DomainError::Conflict(Conflict::CaseLinkedElsewhere));
        }
        self.open()?;
        let mut ticket = self.ticket.clone();
        ticket.case_id = Some(case_id);
        ticket.updated_at = self.ctx.now;
        history(self.ctx, self.scope, &ticket, "case", TicketChange::Case { case_id }, None, changes);
        self.put(ticket, changes);
        let link = TicketLink {
            case_id,
            ticket_id: self.ticket.id,
            connection_id: self.conn.id,
            linked_by: self.ctx.actor_ref(),
            linked_at: self.ctx.now,
        };
        changes.put(&child_scope, keys::ticket_link(case_id), Record::TicketLink(link));
        Ok(())
    }
}

/// A case closed into `resolved` or `closed` resolves its linked ticket in the same commit and
/// tells the family their support request is complete (`docs/access.md`). Reopening the case later
/// leaves the ticket as it is. Needs the ticket's records in the snapshot (see
/// [`crate::inputs::reads_after`]); without them (a device that does not hold them) nothing is
/// done here and the server does it when the change reaches it.
pub(crate) fn resolve_linked_ticket(
    ctx: &Context,
    child_scope: &Scope,
    case_id: CaseId,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) {
    let Some(Record::TicketLink(link)) = snap.get(child_scope, &keys::ticket_link(case_id)) else { return };
    let scope = Scope::Conn(link.connection_id);
    let (Some(Record::Connection(conn)), Some(Record::Ticket(ticket))) =
        (snap.get(&scope, keys::CONNECTION), snap.get(&scope, keys::TICKET))
    else {
        return;
    };
    if !ticket.status.is_open() {
        return;
    }
    let mut next = ticket.clone();
    let change = TicketChange::Status { from: next.status, to: TicketStatus::Resolved };
    history(ctx, &scope, &next, "status", change, None, changes);
    next.status = TicketStatus::Resolved;
    next.clock = next.clock.after(SlaEvent::StatusChanged, ctx.now, TicketStatus::Resolved);
    next.updated_at = ctx.now;
    put_ticket(&scope, conn, next.clone(), snap, changes);
    for user in &conn.family_users {
        notify(ctx, user, NoticeKind::SupportCompleted, &next, changes);
    }
}

/// Runs a command in the calling advocate's own scope.
pub(crate) fn decide_advocate(
    ctx: &Context,
    command: &AdvocateCommand,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let advocate = ctx.actor.role == RoleClaim::Advocate;
    let me = AdvocateId::for_user(&ctx.actor.user);
    let scope = Scope::Advocate(me);
    match command {
        AdvocateCommand::SetProfile { .. } if !advocate => Err(DomainError::Forbidden { rule: ADVOCATES_ONLY }),
        AdvocateCommand::SetProfile { profile } => set_profile(ctx, &scope, me, profile, snap, changes),
        AdvocateCommand::AddPrivateNote { connection_id, ticket_id, note_id, text } => {
            // Anyone but the ticket's own advocate — a family, an organisation's admin, another
            // advocate — is told the ticket does not exist, in the very words an unknown id
            // gets: a family must not learn that another family's ticket exists.
            let conn_scope = Scope::Conn(*connection_id);
            let mine = advocate
                && matches!(snap.get(&conn_scope, keys::TICKET),
                Some(Record::Ticket(t)) if t.id == *ticket_id && t.advocate_id == Some(me));
            if !mine {
                return Err(DomainError::NotFound { what: "ticket" });
            }
            let mut checks = Checks::new();
            let text = checks.text("text", text, limits::MESSAGE);
            checks.finish()?;
            let key = keys::private_note(*ticket_id, *note_id);
            if let Some(existing) = snap.get(&scope, &key) {
                return match existing {
                    Record::PrivateNote(n) if n.text == text => Ok(()),
                    _ => Err(DomainError::Conflict(Conflict::IdTaken { what: "note" })),
                };
            }
            let note = PrivateNote { id: *note_id, ticket_id: *ticket_id, text, created_at: ctx.now };
            changes.put(&scope, key, Record::PrivateNote(note));
            Ok(())
        }
    }
}

fn set_profile(
    ctx: &Context,
    scope: &Scope,
    id: AdvocateId,
    input: &ProfileInput,
    snap: &Snapshot,
    changes: &mut Changes<'_>,
) -> Result<(), DomainError> {
    let mut checks = Checks::new();
    let name = checks.text("name", &input.name, limits::NAME);
    let organisation = checks.opt_text("organisation", input.organisation.as_deref(), limits::NAME);
    let bio = checks.opt_text("bio", Some(&input.bio), limits::BIO).unwrap_or_default();
    let areas = checked_areas(&mut checks, &input.areas);
    let mut specialisms = input.specialisms.clone();
    specialisms.sort();
    specialisms.dedup();
    let hours = input.response_time_hours.unwrap_or(DEFAULT_RESPONSE_HOURS);
    if !limits::RESPONSE_HOURS.contains(&hours) {
        let (lo, hi) = (limits::RESPONSE_HOURS.start(), limits::RESPONSE_HOURS.end());
        checks.fail("response_time_hours", format!("must be from {lo} to {hi} hours"));
    }
    checks.finish()?;
    let current = match snap.get(scope, keys::ADVOCATE_PROFILE) {
        Some(Record::AdvocateProfile(p)) => Some(p),
        _ => None,
    };
    let mut profile = AdvocateProfile {
        id,
        user: ctx.actor.user.clone(),
        name,
        organisation,
        areas,
        specialisms,
        response_time_hours: hours,
        accepting: input.accepting,
        bio,
        reviews: current.map(|p| p.reviews).unwrap_or_default(),
        created_at: current.map_or(ctx.now, |p| p.created_at),
        updated_at: current.map_or(ctx.now, |p| p.updated_at),
    };
    if current == Some(&profile) {
        return Ok(());
    }
    profile.updated_at = ctx.now;
    changes.put(scope, keys::ADVOCATE_PROFILE.into(), Record::AdvocateProfile(profile.clone()));
    // One directory listing per area (and one under all areas) while accepting; none otherwise.
    let mut listings: Vec<String> = Vec::new();
    if profile.accepting {
        listings.push(ALL_AREAS.to_owned());
        listings.extend(profile.areas.iter().map(|a| area_key(a)));
    }
    let stale: Vec<(String, Record)> = snap
        .prefix(scope, keys::DIRECTORY_PREFIX)
        .filter(|(_, r)| !matches!(r, Record::DirectoryEntry(e) if listings.contains(&e.listing)))
        .map(|(k, r)| (k.to_owned(), r.clone()))
        .collect();
    for (key, record) in stale {
        changes.delete(scope, key, record);
    }
    for listing in listings {
        let entry = DirectoryEntry { listing: listing.clone(), profile: profile.clone() };
        changes.put(scope, keys::directory(&listing), Record::DirectoryEntry(entry));
    }
    Ok(())
}
