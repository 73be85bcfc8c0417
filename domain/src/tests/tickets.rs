//! Advocates, support requests and tickets (`docs/support.md`) through `decide`.

use super::*;
use crate::error::limits;
use crate::overdue::decide_sla_scan;
use crate::support::{AdvocateProfile, Connection, SlaTracker, Ticket, TicketChange};

struct Desk {
    f: Fixture,
    adv: Actor,
    advocate_id: AdvocateId,
    conn: ConnectionId,
    ticket: TicketId,
}

fn adv_actor(user: &str) -> Actor {
    Actor { user: user.parse().unwrap(), role: RoleClaim::Advocate }
}

fn profile(accepting: bool) -> ProfileInput {
    ProfileInput {
        name: "Sam Advocate".into(),
        organisation: Some("SEND Advice Leeds".into()),
        areas: vec!["Leeds City Council".into(), "leeds city".into(), "Bradford".into()],
        specialisms: vec![TicketType::Ehcp, TicketType::Tribunal, TicketType::Ehcp],
        response_time_hours: None,
        accepting,
        bio: "Ten years supporting families at tribunal.".into(),
    }
}

fn set_profile(w: &mut World, adv: &Actor, accepting: bool) -> Result<Decision, DomainError> {
    w.run(adv, Command::Advocate { command: AdvocateCommand::SetProfile { profile: profile(accepting) } })
}

fn request(
    f: &mut Fixture,
    advocate_id: AdvocateId,
    conn: ConnectionId,
    ticket: TicketId,
) -> Result<Decision, DomainError> {
    let mum = f.mum.clone();
    let command = FamilyCommand::RequestSupport {
        connection_id: conn,
        ticket_id: ticket,
        message_id: MessageId::derived(conn.0, "first"),
        to: SupportTarget::Advocate(advocate_id),
        replaces: None,
        child_id: f.child,
        kind: TicketType::Ehcp,
        message: "The LA refused to assess Ada. Can you help us appeal?".into(),
    };
    f.w.run(&mum, Command::family(f.family, command))
}

fn desk() -> Desk {
    let mut f = fixture();
    let adv = adv_actor("adv-sam");
    set_profile(&mut f.w, &adv, true).unwrap();
    let advocate_id = AdvocateId::for_user(&adv.user);
    let (conn, ticket) = (ConnectionId::new(), TicketId::new());
    request(&mut f, advocate_id, conn, ticket).unwrap();
    Desk { f, adv, advocate_id, conn, ticket }
}

impl Desk {
    fn on(&mut self, who: &Actor, command: TicketCommand) -> Result<Decision, DomainError> {
        let op = Command::Ticket { connection_id: self.conn, ticket_id: self.ticket, command };
        self.f.w.run(who, op)
    }

    fn ticket(&self) -> Ticket {
        match self.f.w.snap.get(&Scope::Conn(self.conn), keys::TICKET) {
            Some(Record::Ticket(t)) => t.clone(),
            other => panic!("no ticket: {other:?}"),
        }
    }

    fn connection(&self) -> Connection {
        match self.f.w.snap.get(&Scope::Conn(self.conn), keys::CONNECTION) {
            Some(Record::Connection(c)) => c.clone(),
            other => panic!("no connection: {other:?}"),
        }
    }

    fn tracker(&self) -> SlaTracker {
        match self.f.w.snap.get(&Scope::Conn(self.conn), keys::SLA_TRACKER) {
            Some(Record::SlaTracker(t)) => t.clone(),
            other => panic!("no tracker: {other:?}"),
        }
    }

    fn notices(&self, user: &Actor) -> Vec<NoticeKind> {
        self.f
            .w
            .snap
            .prefix(&Scope::User(user.user.clone()), keys::NOTICE_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::Notice(n) => Some(n.kind),
                _ => None,
            })
            .collect()
    }

    fn message(&mut self, who: &Actor, text: &str) -> Result<Decision, DomainError> {
        self.on(who, TicketCommand::PostMessage { message_id: MessageId::new(), text: text.into() })
    }
}

#[test]
fn a_profile_lists_the_advocate_under_each_area_only_while_accepting() {
    let mut w = World::new();
    let adv = adv_actor("adv-1");
    set_profile(&mut w, &adv, true).unwrap();
    let scope = Scope::Advocate(AdvocateId::for_user(&adv.user));
    let listings: Vec<String> = w
        .snap
        .prefix(&scope, keys::DIRECTORY_PREFIX)
        .filter_map(|(_, r)| match r {
            Record::DirectoryEntry(e) => Some(e.listing.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(listings, vec!["*", "bradford", "leeds"], "duplicates by area key are one area");
    let Some(Record::AdvocateProfile(p)) = w.snap.get(&scope, keys::ADVOCATE_PROFILE) else { panic!() };
    let p: &AdvocateProfile = p;
    assert_eq!((p.response_time_hours, p.specialisms.len(), p.areas.len()), (48, 2, 2));
    assert!(set_profile(&mut w, &adv, true).unwrap().is_noop(), "the same profile again changes nothing");

    set_profile(&mut w, &adv, false).unwrap();
    assert_eq!(w.snap.prefix(&scope, keys::DIRECTORY_PREFIX).count(), 0, "not accepting: not listed");

    let mum = family_actor("mum");
    let err = set_profile(&mut w, &mum, true).unwrap_err();
    assert!(matches!(err, DomainError::Forbidden { .. }), "{err:?}");
    let mut bad = profile(true);
    bad.response_time_hours = Some(2);
    bad.name = " ".into();
    let err = w.run(&adv, Command::Advocate { command: AdvocateCommand::SetProfile { profile: bad } }).unwrap_err();
    assert!(matches!(err, DomainError::Invalid(ref e) if e.len() == 2), "{err:?}");
}

#[test]
fn a_support_request_opens_a_connection_with_a_ticket_members_and_a_notice() {
    let mut d = desk();
    let conn = d.connection();
    assert_eq!((conn.state, conn.family_users.len()), (ConnectionState::Requested, 1));
    let t = d.ticket();
    assert_eq!(
        (t.status, t.priority, t.kind, t.response_time_hours),
        (TicketStatus::New, TicketPriority::Normal, TicketType::Ehcp, 48)
    );
    assert_eq!(t.sla(d.f.w.now).map(|s| s.chip), Some(SlaChip::Green), "the window opens with the request");
    assert_eq!(d.notices(&d.adv.clone()), vec![NoticeKind::SupportRequested]);
    let scope = Scope::Conn(d.conn);
    assert_eq!(d.f.w.membership(&d.adv.clone(), &scope), Some(MemberRole::Writer));
    assert_eq!(d.f.w.membership(&d.f.mum.clone(), &scope), Some(MemberRole::Owner));
    // A retry is the same request; the same id for something else is a conflict.
    let (advocate_id, c, tk) = (d.advocate_id, d.conn, d.ticket);
    assert!(request(&mut d.f, advocate_id, c, tk).unwrap().is_noop());
    assert!(matches!(request(&mut d.f, advocate_id, c, TicketId::new()), Err(DomainError::Conflict(_))));
}

#[test]
fn requests_to_advocates_not_accepting_or_for_other_children_are_refused() {
    let mut f = fixture();
    let adv = adv_actor("adv-busy");
    set_profile(&mut f.w, &adv, false).unwrap();
    let busy = AdvocateId::for_user(&adv.user);
    let err = request(&mut f, busy, ConnectionId::new(), TicketId::new()).unwrap_err();
    assert!(matches!(err, DomainError::Conflict(crate::error::Conflict::NotTakingFamilies)), "{err:?}");
    let err = request(&mut f, AdvocateId::new(), ConnectionId::new(), TicketId::new()).unwrap_err();
    assert_eq!(err, DomainError::NotFound { what: "advocate" });
    // Another family's child: not found.
    let mut other = fixture();
    set_profile(&mut other.w, &adv, true).unwrap();
    other.child = ChildId::new();
    let err = request(&mut other, busy, ConnectionId::new(), TicketId::new()).unwrap_err();
    assert_eq!(err, DomainError::NotFound { what: "child" });
}

#[test]
fn accepting_declining_and_asking_for_information() {
    let mut d = desk();
    let (mum, adv) = (d.f.mum.clone(), d.adv.clone());
    assert!(matches!(d.on(&mum, TicketCommand::Accept), Err(DomainError::Forbidden { .. })));
    d.on(&adv, TicketCommand::Accept).unwrap();
    assert_eq!((d.connection().state, d.ticket().status), (ConnectionState::Active, TicketStatus::InProgress));
    assert!(d.on(&adv, TicketCommand::Accept).unwrap().is_noop(), "accepting twice changes nothing");
    assert_eq!(d.notices(&mum), vec![NoticeKind::RequestAccepted]);
    let err = d.on(&adv, TicketCommand::Decline { reason: "Too busy".into() }).unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "an accepted request cannot be declined");

    d.on(
        &adv,
        TicketCommand::RequestInfo { message_id: MessageId::new(), message: "Please send the refusal letter.".into() },
    )
    .unwrap();
    assert_eq!(d.ticket().status, TicketStatus::PendingFamily);
    assert_eq!(d.ticket().sla(d.f.w.now), None, "the advocate answered: no window");
    d.message(&mum, "Attached to the vault now.").unwrap();
    let t = d.ticket();
    assert_eq!(t.status, TicketStatus::InProgress, "the family answering moves it back");
    assert_eq!(t.clock.opened_at, Some(d.f.w.now), "and opens a window");
    d.message(&adv, "Thanks, drafting the appeal.").unwrap();
    assert_eq!(d.ticket().sla(d.f.w.now), None);

    // Declining a fresh request ends it: no more messages.
    let mut d = desk();
    let adv = d.adv.clone();
    d.on(&adv, TicketCommand::Decline { reason: "Outside my area".into() }).unwrap();
    assert_eq!((d.connection().state, d.ticket().status), (ConnectionState::Ended, TicketStatus::Closed));
    assert!(d.on(&adv, TicketCommand::Decline { reason: "Outside my area".into() }).unwrap().is_noop());
    let mum = d.f.mum.clone();
    assert!(matches!(d.message(&mum, "Please reconsider"), Err(DomainError::Conflict(_))));
    assert_eq!(d.notices(&mum), vec![NoticeKind::RequestDeclined]);
    assert!(matches!(d.on(&adv, TicketCommand::Accept), Err(DomainError::Conflict(_))));
}

#[test]
fn updates_are_the_advocates_and_kept_in_history() {
    let mut d = desk();
    let (mum, adv) = (d.f.mum.clone(), d.adv.clone());
    let update = |s: Option<TicketStatus>, p: Option<TicketPriority>| TicketCommand::Update {
        status: s,
        priority: p,
        kind: None,
    };
    assert!(
        matches!(d.on(&adv, update(None, Some(TicketPriority::High))), Err(DomainError::Conflict(_))),
        "accept first"
    );
    d.on(&adv, TicketCommand::Accept).unwrap();
    assert!(matches!(d.on(&mum, update(Some(TicketStatus::Resolved), None)), Err(DomainError::Forbidden { .. })));
    assert!(matches!(d.on(&adv, update(Some(TicketStatus::New), None)), Err(DomainError::Refused(_))));
    d.on(
        &adv,
        TicketCommand::Update {
            status: Some(TicketStatus::PendingLa),
            priority: Some(TicketPriority::Urgent),
            kind: Some(TicketType::Tribunal),
        },
    )
    .unwrap();
    let t = d.ticket();
    assert_eq!((t.status, t.priority, t.kind), (TicketStatus::PendingLa, TicketPriority::Urgent, TicketType::Tribunal));
    assert!(t.sla(d.f.w.now).unwrap().paused);
    let history: Vec<TicketChange> =
        d.f.w
            .snap
            .prefix(&Scope::Conn(d.conn), keys::TICKET_HISTORY_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::TicketEvent(e) => Some(e.change.clone()),
                _ => None,
            })
            .collect();
    assert_eq!(history.len(), 5, "created, accepted (status), status, priority, type: {history:?}");
    d.on(&adv, update(Some(TicketStatus::Closed), None)).unwrap();
    assert!(matches!(d.on(&adv, update(Some(TicketStatus::InProgress), None)), Err(DomainError::Conflict(_))));
    assert!(matches!(d.message(&mum, "Hello?"), Err(DomainError::Conflict(_))), "closed takes no messages");
}

#[test]
fn private_notes_are_the_authors_own() {
    let mut d = desk();
    let (adv, conn, ticket) = (d.adv.clone(), d.conn, d.ticket);
    let note = |id| Command::Advocate {
        command: AdvocateCommand::AddPrivateNote {
            connection_id: conn,
            ticket_id: ticket,
            note_id: id,
            text: "Mum seems overwhelmed".into(),
        },
    };
    let id = PrivateNoteId::new();
    let done = d.f.w.run(&adv, note(id)).unwrap();
    assert_eq!(done.writes.len(), 1);
    assert_eq!(done.writes[0].scope, Scope::Advocate(d.advocate_id), "kept in the advocate's own scope");
    assert!(d.f.w.run(&adv, note(id)).unwrap().is_noop());
    let other = adv_actor("adv-other");
    assert_eq!(d.f.w.run(&other, note(PrivateNoteId::new())).unwrap_err(), DomainError::NotFound { what: "ticket" });
    let mum = d.f.mum.clone();
    assert_eq!(
        d.f.w.run(&mum, note(PrivateNoteId::new())).unwrap_err(),
        DomainError::NotFound { what: "ticket" },
        "a family hears what an unknown ticket gets"
    );
}

#[test]
fn checklist_positions_stay_within_the_documented_bound() {
    let mut d = desk();
    let adv = d.adv.clone();
    let add = |id, position| TicketCommand::AddChecklistItem { item_id: id, text: "Call the LA".into(), position };
    let too_far = d.on(&adv, add(ChecklistItemId::new(), Some(limits::CHECKLIST_POSITION + 1))).unwrap_err();
    assert!(matches!(too_far, DomainError::Invalid(ref e) if e[0].field == "position"), "{too_far:?}");
    let item = ChecklistItemId::new();
    d.on(&adv, add(item, Some(limits::CHECKLIST_POSITION))).unwrap();
    let edit = TicketCommand::EditChecklistItem {
        item_id: item,
        text: None,
        done: None,
        position: Some(limits::CHECKLIST_POSITION + 1),
    };
    assert!(matches!(d.on(&adv, edit), Err(DomainError::Invalid(_))), "an edit is held to the same bound");
}

#[test]
fn closing_the_linked_case_resolves_the_ticket_once() {
    let mut d = desk();
    let (mum, adv) = (d.f.mum.clone(), d.adv.clone());
    d.on(&adv, TicketCommand::Accept).unwrap();
    let (child, case) = (d.f.child, d.f.case);
    assert_eq!(
        d.on(&adv, TicketCommand::LinkCase { child_id: child, case_id: CaseId::new() }).unwrap_err(),
        DomainError::not_this_childs_case("case_id")
    );
    d.on(&mum, TicketCommand::LinkCase { child_id: child, case_id: case }).unwrap();
    assert_eq!(d.ticket().case_id, Some(case));
    assert!(d.f.w.case(child, case).case.id == case);
    let close = CaseCommand::CloseCase { outcome: CloseOutcome::Resolved, note: None };
    on_case(&mut d.f, &mum, close).unwrap();
    assert_eq!(d.ticket().status, TicketStatus::Resolved, "resolved in the same decision");
    assert!(d.notices(&mum).contains(&NoticeKind::SupportCompleted));
    on_case(&mut d.f, &mum, CaseCommand::ChangeStatus { status: CaseStatus::AppealLodged, note: None }).unwrap();
    assert_eq!(d.ticket().status, TicketStatus::Resolved, "reopening the case leaves the ticket");
    // A family message on a resolved ticket brings it back to the advocate.
    d.message(&mum, "The LA has written again").unwrap();
    assert_eq!(d.ticket().status, TicketStatus::InProgress);
}

#[test]
fn the_scanner_announces_orange_and_red_once_per_window() {
    let mut d = desk();
    let adv = d.adv.clone();
    let tracker = d.tracker();
    let opened = tracker.opened_at.unwrap();
    assert_eq!(tracker.next_check(), Some(opened + chrono::Duration::hours(36)), "orange with 12 of 48 hours left");
    let scope = Scope::Conn(d.conn);
    let scan = |w: &mut World, at: DateTime<Utc>| {
        let decision = decide_sla_scan(at, &scope, keys::SLA_TRACKER, &w.snap);
        w.snap.apply(&decision.writes);
        decision
    };
    assert!(scan(&mut d.f.w, opened + chrono::Duration::hours(35)).is_noop());
    assert_eq!(scan(&mut d.f.w, opened + chrono::Duration::hours(37)).writes.len(), 2);
    assert!(scan(&mut d.f.w, opened + chrono::Duration::hours(38)).is_noop(), "orange once");
    assert_eq!(d.tracker().next_check(), Some(opened + chrono::Duration::hours(48) + chrono::Duration::seconds(1)));
    assert_eq!(scan(&mut d.f.w, opened + chrono::Duration::hours(49)).writes.len(), 2);
    assert_eq!(d.tracker().next_check(), None, "nothing more to announce in this window");
    assert_eq!(d.notices(&adv), vec![NoticeKind::SupportRequested, NoticeKind::SlaOrange, NoticeKind::SlaRed]);
    // A priority change keeps what this window announced.
    d.on(&adv, TicketCommand::Accept).unwrap();
    d.on(&adv, TicketCommand::Update { status: None, priority: Some(TicketPriority::Low), kind: None }).unwrap();
    assert_eq!(d.tracker().announced.len(), 2);
    // An answer closes the window; the family's next message opens a new one, announced afresh.
    d.message(&adv, "On it").unwrap();
    assert_eq!(d.tracker().next_check(), None);
    let mum = d.f.mum.clone();
    d.message(&mum, "Any news?").unwrap();
    assert!(d.tracker().announced.is_empty());
    assert!(d.tracker().next_check().is_some());
    // A scan that comes after the due time announces red only.
    let late = d.tracker().red_at.unwrap() + chrono::Duration::hours(1);
    scan(&mut d.f.w, late);
    assert_eq!(d.notices(&adv).iter().filter(|k| **k == NoticeKind::SlaOrange).count(), 1);
    assert_eq!(d.notices(&adv).iter().filter(|k| **k == NoticeKind::SlaRed).count(), 2);
}
