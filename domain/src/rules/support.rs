//! Advocates' profiles, support requests and tickets (DOMAIN §5.5).
//!
//! Every write of a ticket goes through [`put_ticket`], which rewrites its SLA tracker in the
//! same commit, so the scanner's due index always agrees with the ticket.

use crate::command::{AdvocateCommand, ProfileInput, TicketCommand};
use crate::context::{Context, require_member};
use crate::error::{Checks, DomainError, limits};
use crate::ids::{
    AdvocateId, AlertId, CaseId, ChecklistItemId, ChildId, ConnectionId, FamilyId, MessageId, TicketEventId, TicketId,
    UserId,
};
use crate::keys;
use crate::model::{Membership, Notice, NoticeKind, Record};
use crate::scope::Scope;
use crate::snapshot::{Changes, Snapshot};
use crate::support::sla::{DEFAULT_RESPONSE_HOURS, SlaEvent};
use crate::support::{
    ALL_AREAS, AdvocateProfile, ChecklistItem, Connection, DirectoryEntry, Message, PrivateNote, SlaClock, SlaTracker,
    Ticket, TicketChange, TicketEvent, TicketLink, area_key,
};
use crate::vocab::{ConnectionState, MemberRole, RoleClaim, Side, TicketPriority, TicketStatus, TicketType};

const ADVOCATE_ONLY: &str = "only the advocate can accept, decline, ask for information or change a ticket";
const ADVOCATES_ONLY: &str = "only an advocate account can have an advocate profile";

/// A family's request for help (runs in the family scope, which the caller must own).
pub(crate) struct Request<'a> {
    pub family_id: FamilyId,
    pub connection_id: ConnectionId,
    pub ticket_id: TicketId,
    pub message_id: MessageId,
    pub advocate_id: AdvocateId,
    pub child_id: ChildId,
    pub kind: TicketType,
    pub message: &'a str,
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
    let advocate_scope = Scope::Advocate(input.advocate_id);
    let Some(Record::AdvocateProfile(advocate)) = snap.get(&advocate_scope, keys::ADVOCATE_PROFILE) else {
        return Err(DomainError::NotFound { what: "advocate" });
    };
    let mut checks = Checks::new();
    let text = checks.text("message", input.message, limits::MESSAGE);
    checks.finish()?;
    let scope = Scope::Conn(input.connection_id);
    if let Some(Record::Connection(existing)) = snap.get(&scope, keys::CONNECTION) {
        let same_message = matches!(snap.get(&scope, &keys::message(input.message_id)),
            Some(Record::Message(m)) if m.text == text);
        let same = existing.family_id == input.family_id
            && existing.child_id == input.child_id
            && existing.advocate_id == input.advocate_id
            && existing.ticket_id == input.ticket_id
            && same_message;
        return if same {
            Ok(())
        } else {
            Err(DomainError::Conflict("a connection with this id already exists".into()))
        };
    }
    if !advocate.accepting {
        return Err(DomainError::Conflict("this advocate is not taking on new families at the moment".into()));
    }
    let family_users: Vec<UserId> = snap
        .prefix(&family_scope, keys::MEMBER_PREFIX)
        .filter_map(|(_, r)| match r {
            Record::FamilyMember(m) => Some(m.user.clone()),
            _ => None,
        })
        .collect();
    let connection = Connection {
        id: input.connection_id,
        family_id: input.family_id,
        child_id: input.child_id,
        advocate_id: advocate.id,
        advocate_user: advocate.user.clone(),
        family_users: family_users.clone(),
        state: ConnectionState::Requested,
        ticket_id: input.ticket_id,
        created_at: ctx.now,
        updated_at: ctx.now,
        ended_at: None,
    };
    let ticket = Ticket {
        id: input.ticket_id,
        connection_id: input.connection_id,
        family_id: input.family_id,
        child_id: input.child_id,
        advocate_id: advocate.id,
        status: TicketStatus::New,
        priority: TicketPriority::Normal,
        kind: input.kind,
        response_time_hours: advocate.response_time_hours,
        case_id: None,
        clock: SlaClock::default().after(SlaEvent::Created, ctx.now, TicketStatus::New),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    let message = Message {
        id: input.message_id,
        ticket_id: ticket.id,
        side: Side::Family,
        author: ctx.actor_ref(),
        text,
        at: ctx.now,
    };
    changes.put(&scope, keys::CONNECTION.into(), Record::Connection(connection.clone()));
    put_ticket(&scope, &connection, ticket.clone(), snap, changes);
    changes.put(&scope, keys::message(message.id), Record::Message(message));
    history(ctx, &scope, &ticket, "created", TicketChange::Created { status: ticket.status }, None, changes);
    for user in &family_users {
        member(ctx, user, &scope, MemberRole::Owner, changes);
    }
    member(ctx, &advocate.user, &scope, MemberRole::Writer, changes);
    notify(ctx, &advocate.user, NoticeKind::SupportRequested, &ticket, changes);
    changes.alias(ticket.id.to_string(), &scope);
    changes.alias(input.connection_id.to_string(), &scope);
    Ok(())
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
    let side = conn.side_of(&ctx.actor.user).ok_or(DomainError::NotFound { what: "ticket" })?;
    let advocate_only =
        || if side == Side::Advocate { Ok(()) } else { Err(DomainError::Forbidden { rule: ADVOCATE_ONLY }) };
    let t = TicketWork { ctx, scope: &scope, conn, ticket, snap };
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
    }
    Ok(Scope::Family(ticket.family_id))
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
            return Err(DomainError::Conflict("this support has ended: its messages are kept, read-only".into()));
        }
        Ok(())
    }

    fn accepted(&self) -> Result<(), DomainError> {
        self.open()?;
        if self.conn.state == ConnectionState::Requested {
            return Err(DomainError::Conflict("accept the request first".into()));
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
                return Err(DomainError::Conflict("this request was declined or has ended".into()));
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
            return Err(DomainError::Conflict("the ticket is closed".into()));
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
                return Err(DomainError::Conflict(
                    "an accepted request cannot be declined: resolve or close the ticket instead".into(),
                ));
            }
            ConnectionState::Ended => return Err(DomainError::Conflict("this support has already ended".into())),
        }
        let mut conn = self.conn.clone();
        conn.state = ConnectionState::Ended;
        conn.updated_at = self.ctx.now;
        conn.ended_at = Some(self.ctx.now);
        changes.put(self.scope, keys::CONNECTION.into(), Record::Connection(conn.clone()));
        let mut ticket = self.ticket.clone();
        let change = TicketChange::Status { from: ticket.status, to: TicketStatus::Closed };
        history(self.ctx, self.scope, &ticket, "status", change, Some(reason), changes);
        ticket.status = TicketStatus::Closed;
        ticket.clock = SlaClock::default();
        ticket.updated_at = self.ctx.now;
        put_ticket(self.scope, &conn, ticket.clone(), self.snap, changes);
        for user in &self.conn.family_users {
            notify(self.ctx, user, NoticeKind::RequestDeclined, &ticket, changes);
        }
        Ok(())
    }

    fn update(
        &self,
        status: Option<TicketStatus>,
        priority: Option<TicketPriority>,
        kind: Option<TicketType>,
        changes: &mut Changes<'_>,
    ) -> Result<(), DomainError> {
        if status == Some(TicketStatus::New) {
            return Err(DomainError::invalid("status", "`new` is only for a request not yet accepted"));
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
            return Err(DomainError::Conflict("a closed ticket cannot change".into()));
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
            Some(_) => Err(DomainError::Conflict("a message with this id already exists".into())),
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
            return Err(DomainError::Conflict("the ticket is closed: it takes no more messages".into()));
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
                Err(DomainError::Conflict("a checklist item with this id already exists".into()))
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
            return Err(DomainError::NotFound { what: "case" });
        }
        match self.ticket.case_id {
            Some(linked) if linked == case_id => return Ok(()),
            Some(_) => return Err(DomainError::Conflict("this ticket is already linked to another case".into())),
            None => {}
        }
        if let Some(Record::TicketLink(l)) = self.snap.get(&child_scope, &keys::ticket_link(case_id))
            && l.ticket_id != self.ticket.id
        {
            return Err(DomainError::Conflict("this case is already linked to another ticket".into()));
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
/// tells the family their support request is complete (DOMAIN §5.6). Reopening the case later
/// leaves the ticket as it is. Needs the ticket's records in the snapshot (see
/// [`crate::reads::reads_after`]); without them (a device that does not hold them) nothing is
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
    if ctx.actor.role != RoleClaim::Advocate {
        return Err(DomainError::Forbidden { rule: ADVOCATES_ONLY });
    }
    let me = AdvocateId::for_user(&ctx.actor.user);
    let scope = Scope::Advocate(me);
    match command {
        AdvocateCommand::SetProfile { profile } => set_profile(ctx, &scope, me, profile, snap, changes),
        AdvocateCommand::AddPrivateNote { connection_id, ticket_id, note_id, text } => {
            let conn_scope = Scope::Conn(*connection_id);
            let mine = matches!(snap.get(&conn_scope, keys::TICKET),
                Some(Record::Ticket(t)) if t.id == *ticket_id && t.advocate_id == me);
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
                    _ => Err(DomainError::Conflict("a note with this id already exists".into())),
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
    if input.areas.len() > limits::AREAS {
        checks.fail("areas", format!("at most {} areas", limits::AREAS));
    }
    let mut areas: Vec<String> = Vec::new();
    for (i, a) in input.areas.iter().enumerate() {
        let a = checks.text(&format!("areas[{i}]"), a, limits::NAME);
        if !a.is_empty() && !areas.iter().any(|x| area_key(x) == area_key(&a)) {
            areas.push(a);
        }
    }
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

/// Writes a ticket and, in step, its SLA tracker.
fn put_ticket(scope: &Scope, conn: &Connection, ticket: Ticket, snap: &Snapshot, changes: &mut Changes<'_>) {
    let previous = match changes.current(scope, keys::SLA_TRACKER).or_else(|| snap.get(scope, keys::SLA_TRACKER)) {
        Some(Record::SlaTracker(t)) => Some(t.clone()),
        _ => None,
    };
    let tracker = SlaTracker::follow(&ticket, &conn.advocate_user, previous.as_ref());
    changes.put(scope, keys::TICKET.into(), Record::Ticket(ticket));
    changes.put(scope, keys::SLA_TRACKER.into(), Record::SlaTracker(tracker));
}

/// One history entry, its id derived from the operation and what changed.
fn history(
    ctx: &Context,
    scope: &Scope,
    ticket: &Ticket,
    what: &str,
    change: TicketChange,
    note: Option<String>,
    changes: &mut Changes<'_>,
) {
    let id = TicketEventId(ctx.op.derive(&format!("ticket/{what}")));
    let event = TicketEvent { id, ticket_id: ticket.id, at: ctx.now, by: ctx.actor_ref(), change, note };
    changes.put(scope, keys::ticket_event(id), Record::TicketEvent(event));
}

fn member(ctx: &Context, user: &UserId, scope: &Scope, role: MemberRole, changes: &mut Changes<'_>) {
    let membership = Membership { user: user.clone(), scope: scope.to_string(), role, granted_at: ctx.now };
    changes.put(&Scope::User(user.clone()), keys::membership(scope), Record::Membership(membership));
}

/// Tells `user` about `kind` on `ticket`: one notice per operation, person and kind.
fn notify(ctx: &Context, user: &UserId, kind: NoticeKind, ticket: &Ticket, changes: &mut Changes<'_>) {
    let id = AlertId(ctx.op.derive(&format!("notice/{}/{user}", kind.as_str())));
    notice(
        user,
        Notice { id, kind, ticket_id: ticket.id, connection_id: ticket.connection_id, raised_at: ctx.now },
        changes,
    );
}

/// Writes a notice into its recipient's scope.
pub(crate) fn notice(user: &UserId, notice: Notice, changes: &mut Changes<'_>) {
    let key = keys::notice(crate::dates::london_date(notice.raised_at), notice.id);
    changes.put(&Scope::User(user.clone()), key, Record::Notice(notice));
}
