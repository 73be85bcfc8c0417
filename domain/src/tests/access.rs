//! Who may see which child (`docs/access.md`) through `decide`: grants, revocation, ending support,
//! handovers, organisations and reviews.

use super::*;
use crate::support::{Connection, GrantedChildren, Ticket};

fn adv(user: &str) -> Actor {
    Actor { user: user.parse().unwrap(), role: RoleClaim::Advocate }
}

fn profile(w: &mut World, who: &Actor) -> AdvocateId {
    let profile = ProfileInput {
        name: format!("Advocate {}", who.user),
        organisation: None,
        areas: vec!["Leeds".into()],
        specialisms: vec![],
        response_time_hours: None,
        accepting: true,
        bio: String::new(),
    };
    w.run(who, Command::Advocate { command: AdvocateCommand::SetProfile { profile } }).unwrap();
    AdvocateId::for_user(&who.user)
}

struct Setup {
    f: Fixture,
    second_child: ChildId,
    adv: Actor,
    conn: ConnectionId,
    ticket: TicketId,
}

fn add_child(f: &mut Fixture, name: &str) -> ChildId {
    let child = ChildId::new();
    let mum = f.mum.clone();
    let add = FamilyCommand::AddChild {
        child_id: child,
        name: name.into(),
        date_of_birth: ymd(2019, 1, 5),
        local_authority: "Leeds".into(),
        school: None,
    };
    f.w.run(&mum, Command::family(f.family, add)).unwrap();
    child
}

fn request(f: &mut Fixture, to: SupportTarget, replaces: Option<ConnectionId>) -> (ConnectionId, TicketId) {
    let (conn, ticket) = (ConnectionId::new(), TicketId::new());
    let mum = f.mum.clone();
    let command = FamilyCommand::RequestSupport {
        connection_id: conn,
        ticket_id: ticket,
        message_id: MessageId::new(),
        to,
        child_id: f.child,
        kind: TicketType::Ehcp,
        message: "Help with the draft plan".into(),
        replaces,
    };
    f.w.run(&mum, Command::family(f.family, command)).unwrap();
    (conn, ticket)
}

fn on_ticket(
    f: &mut Fixture,
    who: &Actor,
    conn: ConnectionId,
    ticket: TicketId,
    command: TicketCommand,
) -> Result<Decision, DomainError> {
    f.w.run(who, Command::Ticket { connection_id: conn, ticket_id: ticket, command })
}

fn setup() -> Setup {
    let mut f = fixture();
    let second_child = add_child(&mut f, "Ben");
    let adv = adv("adv-1");
    let id = profile(&mut f.w, &adv);
    let (conn, ticket) = request(&mut f, SupportTarget::Advocate(id), None);
    on_ticket(&mut f, &adv, conn, ticket, TicketCommand::Accept).unwrap();
    Setup { f, second_child, adv, conn, ticket }
}

impl Setup {
    fn family(&mut self, command: FamilyCommand) -> Result<Decision, DomainError> {
        let mum = self.f.mum.clone();
        self.f.w.run(&mum, Command::family(self.f.family, command))
    }

    fn grant(&mut self, children: GrantedChildren, level: GrantLevel) -> Result<Decision, DomainError> {
        self.family(FamilyCommand::Grant { connection_id: self.conn, children, level })
    }

    fn role(&self, who: &Actor, child: ChildId) -> Option<MemberRole> {
        self.f.w.membership(who, &Scope::Child(child))
    }
}

fn all() -> GrantedChildren {
    GrantedChildren::All
}

#[test]
fn grants_open_exactly_the_children_and_level_granted() {
    let mut s = setup();
    let adv = s.adv.clone();
    assert_eq!(s.role(&adv, s.f.child), None, "nothing before a grant");
    s.grant(GrantedChildren::Listed { children: vec![s.f.child] }, GrantLevel::View).unwrap();
    assert_eq!((s.role(&adv, s.f.child), s.role(&adv, s.second_child)), (Some(MemberRole::Reader), None));
    assert!(s.grant(GrantedChildren::Listed { children: vec![s.f.child] }, GrantLevel::View).unwrap().is_noop());
    s.grant(GrantedChildren::Listed { children: vec![s.f.child] }, GrantLevel::Collaborate).unwrap();
    assert_eq!(s.role(&adv, s.f.child), Some(MemberRole::Writer));
    // "all" covers every child, and children added later.
    s.grant(all(), GrantLevel::View).unwrap();
    assert_eq!(s.role(&adv, s.second_child), Some(MemberRole::Reader));
    let third = add_child(&mut s.f, "Cleo");
    assert_eq!(s.role(&adv, third), Some(MemberRole::Reader), "a child added later is covered");
    // Revoking one child leaves the others; revoking the rest leaves nothing.
    s.family(FamilyCommand::Revoke { connection_id: s.conn, children: Some(vec![s.f.child]) }).unwrap();
    assert_eq!((s.role(&adv, s.f.child), s.role(&adv, third)), (None, Some(MemberRole::Reader)));
    let fourth = add_child(&mut s.f, "Dev");
    assert_eq!(s.role(&adv, fourth), None, "no longer all once a child was taken out");
    s.family(FamilyCommand::Revoke { connection_id: s.conn, children: None }).unwrap();
    assert_eq!((s.role(&adv, s.second_child), s.role(&adv, third)), (None, None));
    assert!(s.family(FamilyCommand::Revoke { connection_id: s.conn, children: None }).unwrap().is_noop());
}

#[test]
fn grants_are_the_familys_own_and_only_on_active_connections() {
    let mut s = setup();
    let adv = s.adv.clone();
    let (conn, family) = (s.conn, s.f.family);
    let err = s.f.w.run(
        &adv,
        Command::family(family, FamilyCommand::Grant { connection_id: conn, children: all(), level: GrantLevel::View }),
    );
    assert!(matches!(err, Err(DomainError::NotFound { .. })), "{err:?}");
    let other = fixture();
    let err = s.grant(GrantedChildren::Listed { children: vec![other.child] }, GrantLevel::View).unwrap_err();
    assert_eq!(err, DomainError::NotFound { what: "child" });
    // A request not yet accepted takes no grant.
    let adv2 = adv_actor_with_profile(&mut s, "adv-2");
    let (pending, _) = request(&mut s.f, SupportTarget::Advocate(AdvocateId::for_user(&adv2.user)), None);
    let err = s
        .family(FamilyCommand::Grant { connection_id: pending, children: all(), level: GrantLevel::View })
        .unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "{err:?}");
}

fn adv_actor_with_profile(s: &mut Setup, user: &str) -> Actor {
    let a = adv(user);
    profile(&mut s.f.w, &a);
    a
}

#[test]
fn ending_support_revokes_everything_in_one_decision() {
    let mut s = setup();
    let adv = s.adv.clone();
    s.grant(all(), GrantLevel::Collaborate).unwrap();
    let ended = s.family(FamilyCommand::EndSupport { connection_id: s.conn, note: Some("Thank you".into()) }).unwrap();
    assert!(ended.writes.iter().any(|w| w.scope == Scope::Conn(s.conn)));
    assert!(
        ended.writes.iter().any(|w| w.delete && w.key.starts_with(keys::MEMBERSHIP_PREFIX)),
        "memberships go in the same commit"
    );
    assert_eq!((s.role(&adv, s.f.child), s.role(&adv, s.second_child)), (None, None));
    let Some(Record::Connection(c)) = s.f.w.snap.get(&Scope::Conn(s.conn), keys::CONNECTION) else { panic!() };
    assert_eq!(c.state, ConnectionState::Ended);
    let Some(Record::Ticket(t)) = s.f.w.snap.get(&Scope::Conn(s.conn), keys::TICKET) else { panic!() };
    assert_eq!(t.status, TicketStatus::Closed);
    let (conn, ticket) = (s.conn, s.ticket);
    let err = on_ticket(
        &mut s.f,
        &adv,
        conn,
        ticket,
        TicketCommand::PostMessage { message_id: MessageId::new(), text: "Hi".into() },
    );
    assert!(matches!(err, Err(DomainError::Conflict(_))), "read-only");
    assert!(matches!(s.grant(all(), GrantLevel::View), Err(DomainError::Conflict(_))), "no grants on ended support");
    assert!(s.family(FamilyCommand::EndSupport { connection_id: conn, note: None }).unwrap().is_noop());
}

#[test]
fn a_handover_never_carries_vault_access() {
    let mut s = setup();
    let (adv, conn, ticket) = (s.adv.clone(), s.conn, s.ticket);
    s.grant(all(), GrantLevel::Collaborate).unwrap();
    let incoming = adv_actor_with_profile(&mut s, "adv-new");
    let incoming_id = AdvocateId::for_user(&incoming.user);
    let (new_conn, new_ticket) = (ConnectionId::new(), TicketId::new());
    let before_child: Vec<_> =
        s.f.w.snap.entries(&Scope::Child(s.f.child), "").map(|(k, v)| (k.to_owned(), v.version)).collect();
    let handover = TicketCommand::Handover {
        to_advocate_id: incoming_id,
        summary: "Appeal lodged; hearing in March; family prefers email.".into(),
        reason: HandoverReason::Leaving,
        new_connection_id: new_conn,
        new_ticket_id: new_ticket,
    };
    let mum = s.f.mum.clone();
    assert!(matches!(on_ticket(&mut s.f, &mum, conn, ticket, handover.clone()), Err(DomainError::Forbidden { .. })));
    on_ticket(&mut s.f, &adv, conn, ticket, handover.clone()).unwrap();
    assert!(on_ticket(&mut s.f, &adv, conn, ticket, handover).unwrap().is_noop(), "a retry");
    assert_eq!(
        s.role(&adv, s.f.child),
        Some(MemberRole::Writer),
        "the outgoing advocate works on until the handover completes"
    );
    on_ticket(&mut s.f, &incoming, new_conn, new_ticket, TicketCommand::Accept).unwrap();
    assert_eq!(s.role(&adv, s.f.child), None, "the outgoing advocate's access went");
    assert_eq!(s.role(&incoming, s.f.child), None, "and never transferred");
    assert_eq!(
        s.f.w.membership(&incoming, &Scope::Conn(conn)),
        Some(MemberRole::Reader),
        "history and summary readable"
    );
    let Some(Record::Connection(old)) = s.f.w.snap.get(&Scope::Conn(conn), keys::CONNECTION) else { panic!() };
    assert_eq!(old.state, ConnectionState::Ended);
    let after_child: Vec<_> =
        s.f.w.snap.entries(&Scope::Child(s.f.child), "").map(|(k, v)| (k.to_owned(), v.version)).collect();
    assert_eq!(before_child, after_child, "the child's records never change during a handover");
    let notices: Vec<NoticeKind> =
        s.f.w
            .snap
            .prefix(&Scope::User(mum.user.clone()), keys::NOTICE_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::Notice(n) => Some(n.kind),
                _ => None,
            })
            .collect();
    assert!(
        notices.contains(&NoticeKind::HandoverRequested) && notices.contains(&NoticeKind::HandoverCompleted),
        "{notices:?}"
    );
    // The family grants the new advocate explicitly.
    s.conn = new_conn;
    s.grant(GrantedChildren::Listed { children: vec![s.f.child] }, GrantLevel::View).unwrap();
    assert_eq!(s.role(&incoming, s.f.child), Some(MemberRole::Reader));
}

#[test]
fn a_family_changing_advocate_replaces_the_old_connection() {
    let mut s = setup();
    let old_adv = s.adv.clone();
    s.grant(all(), GrantLevel::View).unwrap();
    let other = adv_actor_with_profile(&mut s, "adv-other");
    let (new_conn, new_ticket) =
        request(&mut s.f, SupportTarget::Advocate(AdvocateId::for_user(&other.user)), Some(s.conn));
    on_ticket(&mut s.f, &other, new_conn, new_ticket, TicketCommand::Accept).unwrap();
    assert_eq!(s.role(&old_adv, s.f.child), None);
    assert_eq!(s.role(&other, s.f.child), None);
}

#[test]
fn organisations_assign_and_reassign_without_seeing_the_vault() {
    let mut s = setup();
    let admin = Actor { user: "org-admin".parse().unwrap(), role: RoleClaim::OrgAdmin };
    let org = OrganisationId::new();
    let input = OrganisationInput {
        name: "SEND Advice Leeds".into(),
        areas: vec!["Leeds".into()],
        specialisms: vec![],
        response_time_hours: Some(24),
        accepting: true,
        bio: String::new(),
    };
    let set = Command::Org { org_id: org, command: OrgCommand::SetOrganisation { organisation: input } };
    let err = s.f.w.run(&s.adv.clone(), set.clone()).unwrap_err();
    assert!(matches!(err, DomainError::Forbidden { .. }), "advocate accounts do not create organisations");
    s.f.w.run(&admin, set).unwrap();
    let (a1, a2) = (adv_actor_with_profile(&mut s, "member-1"), adv_actor_with_profile(&mut s, "member-2"));
    for a in [&a1, &a2] {
        let add = OrgCommand::SetMember { advocate_id: AdvocateId::for_user(&a.user), role: OrgRole::Advocate };
        s.f.w.run(&admin, Command::Org { org_id: org, command: add }).unwrap();
    }
    let add_self = OrgCommand::SetMember { advocate_id: AdvocateId::for_user(&a2.user), role: OrgRole::Admin };
    assert!(matches!(
        s.f.w.run(&a1, Command::Org { org_id: org, command: add_self }),
        Err(DomainError::Forbidden { .. })
    ));

    let (conn, ticket) = request(&mut s.f, SupportTarget::Organisation(org), None);
    assert_eq!(s.f.w.membership(&admin, &Scope::Conn(conn)), Some(MemberRole::Reader), "admins see the request");
    let assign = |a: &Actor| TicketCommand::Assign { advocate_id: AdvocateId::for_user(&a.user) };
    assert!(matches!(
        on_ticket(&mut s.f, &a1, conn, ticket, assign(&a1)),
        Err(DomainError::NotFound { .. } | DomainError::Forbidden { .. })
    ));
    on_ticket(&mut s.f, &admin, conn, ticket, assign(&a1)).unwrap();
    on_ticket(&mut s.f, &a1, conn, ticket, TicketCommand::Accept).unwrap();
    let mut s2 = Setup { conn, ..s };
    s2.grant(all(), GrantLevel::View).unwrap();
    assert_eq!(s2.role(&a1, s2.f.child), Some(MemberRole::Reader));
    assert_eq!(s2.role(&admin, s2.f.child), None, "admins never get the vault without a grant");
    // Reassigning: the outgoing advocate keeps the messages, read-only, and loses the vault.
    on_ticket(&mut s2.f, &admin, conn, ticket, assign(&a2)).unwrap();
    assert_eq!(s2.role(&a1, s2.f.child), None);
    assert_eq!(s2.role(&a2, s2.f.child), None, "access never transfers");
    assert_eq!(s2.f.w.membership(&a1, &Scope::Conn(conn)), Some(MemberRole::Reader));
    assert_eq!(s2.f.w.membership(&a2, &Scope::Conn(conn)), Some(MemberRole::Writer));
    let msg = TicketCommand::PostMessage { message_id: MessageId::new(), text: "Picking this up".into() };
    on_ticket(&mut s2.f, &a2, conn, ticket, msg).unwrap();
    let msg = TicketCommand::PostMessage { message_id: MessageId::new(), text: "Still here?".into() };
    assert!(matches!(on_ticket(&mut s2.f, &a1, conn, ticket, msg), Err(DomainError::Forbidden { .. })));
    let Some(Record::Ticket(t)) = s2.f.w.snap.get(&Scope::Conn(conn), keys::TICKET) else { panic!() };
    let t: &Ticket = t;
    assert_eq!(t.advocate_id, Some(AdvocateId::for_user(&a2.user)));
    let Some(Record::Connection(c)) = s2.f.w.snap.get(&Scope::Conn(conn), keys::CONNECTION) else { panic!() };
    let c: &Connection = c;
    assert_eq!(c.org_id, Some(org));
}

#[test]
fn reviews_come_from_families_who_worked_with_the_advocate() {
    let mut s = setup();
    let id = AdvocateId::for_user(&s.adv.user);
    let review = |rating, text: &str, conn| FamilyCommand::Review {
        advocate_id: id,
        connection_id: conn,
        rating,
        text: text.into(),
    };
    let conn = s.conn;
    assert!(matches!(s.family(review(6, "Great", conn)), Err(DomainError::Invalid(_))));
    s.family(review(4, "Clear and quick", conn)).unwrap();
    s.family(review(5, "Won at tribunal", conn)).unwrap();
    let Some(Record::AdvocateProfile(p)) = s.f.w.snap.get(&Scope::Advocate(id), keys::ADVOCATE_PROFILE) else {
        panic!()
    };
    assert_eq!((p.reviews.count, p.reviews.mean()), (1, Some(5.0)), "one review per family, edited");
    // A family that never worked with them cannot.
    let mut other = fixture();
    profile(&mut other.w, &s.adv.clone());
    let (oc, _) = request(&mut other, SupportTarget::Advocate(id), None);
    let mum = other.mum.clone();
    let err = other.w.run(
        &mum,
        Command::family(
            other.family,
            FamilyCommand::Review { advocate_id: id, connection_id: oc, rating: 5, text: String::new() },
        ),
    );
    assert!(matches!(err, Err(DomainError::Forbidden { .. })), "a request not yet accepted: {err:?}");
}

/// An advocate leaving (their account is being deleted) ends each support from their side: the
/// connection and ticket close, the grant and every membership it gave go, and the family is
/// told; only the ticket's advocate may, and a second time changes nothing.
#[test]
fn an_advocate_leaving_ends_the_support_and_its_access() {
    let mut s = setup();
    let adv = s.adv.clone();
    s.grant(all(), GrantLevel::Collaborate).unwrap();
    assert_eq!(s.role(&adv, s.second_child), Some(MemberRole::Writer));
    let (conn, ticket, mum) = (s.conn, s.ticket, s.f.mum.clone());
    let family_leaves = on_ticket(&mut s.f, &mum, conn, ticket, TicketCommand::Leave);
    assert!(matches!(family_leaves, Err(DomainError::Forbidden { .. })), "{family_leaves:?}");
    on_ticket(&mut s.f, &adv, conn, ticket, TicketCommand::Leave).unwrap();
    assert_eq!((s.role(&adv, s.f.child), s.role(&adv, s.second_child)), (None, None), "access went with it");
    let Some(Record::Connection(c)) = s.f.w.snap.get(&Scope::Conn(conn), keys::CONNECTION) else { panic!() };
    assert_eq!(c.state, ConnectionState::Ended);
    assert!(s.f.w.snap.get(&Scope::Family(s.f.family), &keys::grant(conn)).is_none(), "the grant is revoked");
    let told = s.f.w.snap.prefix(&Scope::User(mum.user.clone()), keys::NOTICE_PREFIX).any(
        |(_, r)| matches!(r, Record::Notice(n) if n.kind == NoticeKind::AdvocateLeft && n.ticket_id == Some(ticket)),
    );
    assert!(told, "the family is told which support ended");
    assert!(on_ticket(&mut s.f, &adv, conn, ticket, TicketCommand::Leave).unwrap().is_noop());
}

/// A deletion receipt moves forward; completing it tells the advocates it noted — with a notice
/// naming nothing of the family — exactly once, and keeps no one's id.
#[test]
fn a_completed_deletion_tells_the_advocates_once_and_keeps_counts_only() {
    use crate::erasure::{Erasure, ErasureKey};
    let mut f = fixture();
    let mum = f.mum.clone();
    let key: ErasureKey = "ab".repeat(32).parse().unwrap();
    let scope = Scope::Erased(key.clone());
    let mut receipt = Erasure::start(ActorRole::Family, f.w.now);
    receipt.notify = vec!["adv-1".parse().unwrap()];
    let record = |receipt: &Erasure| SystemCommand::RecordErasure { key: key.clone(), receipt: receipt.clone() };
    f.w.run(&mum, record(&receipt)).unwrap();
    assert!(f.w.run(&mum, record(&receipt)).unwrap().is_noop(), "a retried step");
    receipt.records = 40;
    f.w.run(&mum, record(&receipt)).unwrap();
    let done = receipt.clone().completed(f.w.now);
    f.w.run(&mum, record(&done)).unwrap();
    assert!(f.w.run(&mum, record(&done)).unwrap().is_noop());
    let adv_scope = Scope::User("adv-1".parse().unwrap());
    let notices: Vec<_> =
        f.w.snap
            .prefix(&adv_scope, keys::NOTICE_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::Notice(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
    assert_eq!(notices.len(), 1, "told once: {notices:?}");
    assert_eq!((notices[0].kind, notices[0].ticket_id, notices[0].connection_id), (NoticeKind::FamilyLeft, None, None));
    let Some(Record::Erasure(kept)) = f.w.snap.get(&scope, keys::ERASURE_RECEIPT) else { panic!() };
    assert_eq!((kept.records, kept.notify.len()), (40, 0));
    let body = serde_json::to_string(kept).unwrap();
    assert!(!body.contains("adv-1") && !body.contains(mum.user.as_str()), "{body}");
}
