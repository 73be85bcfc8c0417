//! Scenario tests of `decide`, run against an in-memory world that plays the service's part:
//! read the caller's membership, load the command's reads, decide, apply the writes.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::dates::ymd;
use crate::*;

struct World {
    snap: Snapshot,
    now: DateTime<Utc>,
    origin: Option<Origin>,
}

fn family_actor(u: &str) -> Actor {
    Actor { user: u.parse().unwrap(), role: RoleClaim::Family }
}

impl World {
    fn new() -> Self {
        World { snap: Snapshot::new(), now: Utc.with_ymd_and_hms(2026, 1, 20, 10, 0, 0).unwrap(), origin: None }
    }

    fn membership(&self, actor: &Actor, scope: &Scope) -> Option<MemberRole> {
        crate::execution::role_in(actor, scope, &self.snap)
    }

    /// [`World::run`] for a change that came by sync from `origin`.
    fn run_synced(&mut self, actor: &Actor, op: impl Into<Operation>, origin: Origin) -> Result<Decision, DomainError> {
        self.origin = Some(origin);
        let result = self.run(actor, op);
        self.origin = None;
        result
    }

    /// Runs `op` through the execution kernel, as the server and the phone do: only the records
    /// it asks for are visible to decide (tombstones included), and each write's condition is
    /// checked against the world before it lands.
    fn run(&mut self, actor: &Actor, op: impl Into<Operation>) -> Result<Decision, DomainError> {
        self.now += chrono::Duration::seconds(1);
        let mut execution = Execution::new(actor, op.into(), self.now, OpId::new());
        if let Some(origin) = self.origin.clone() {
            execution = execution.with_origin(origin);
        }
        let executed = execution.load_with(|reads| Ok::<_, DomainError>(self.load(reads)))?.decide()?;
        let decision = executed.decision;
        for w in &decision.writes {
            let stored = self.snap.entry(&w.scope, &w.key).map(|v| v.version);
            assert!(w.expect.holds(stored), "write condition failed for {}: {:?} vs {stored:?}", w.key, w.expect);
        }
        self.snap.apply(&decision.writes);
        Ok(decision)
    }

    fn load(&self, reads: &[Read]) -> Snapshot {
        let mut visible = Snapshot::new();
        for read in reads {
            let (s, p, exact) = match read {
                Read::Get(s, k) => (s, k, true),
                Read::Prefix(s, p) => (s, p, false),
            };
            for (k, v) in self.snap.entries(s, p) {
                if !exact || k == p {
                    visible.insert(s.clone(), k.to_owned(), v.clone());
                }
            }
        }
        visible
    }

    fn case(&self, child: ChildId, case: CaseId) -> CaseAggregate {
        let scope = Scope::Child(child);
        CaseAggregate::from_records(self.snap.prefix(&scope, &keys::case(case)).map(|(_, r)| r)).unwrap()
    }

    fn action(&self, child: ChildId, case: CaseId, t: TimescaleId) -> Action {
        let agg = self.case(child, case);
        let mut found: Vec<_> = agg.actions.into_iter().filter(|a| a.timescale == Some(t)).collect();
        assert_eq!(found.len(), 1, "expected one {t} action");
        found.remove(0)
    }
}

struct Fixture {
    w: World,
    mum: Actor,
    family: FamilyId,
    child: ChildId,
    case: CaseId,
}

fn fixture() -> Fixture {
    let mut w = World::new();
    let mum = family_actor("mum");
    let family = FamilyId::new();
    let child = ChildId::new();
    let case = CaseId::new();
    w.run(&mum, Command::family(family, FamilyCommand::CreateFamily { name: "The Okafors".into() })).unwrap();
    w.run(
        &mum,
        Command::family(
            family,
            FamilyCommand::AddChild {
                child_id: child,
                name: "Ada".into(),
                date_of_birth: ymd(2016, 4, 2),
                local_authority: "Leeds".into(),
                school: None,
            },
        ),
    )
    .unwrap();
    w.run(
        &mum,
        Command::case(
            child,
            case,
            CaseCommand::CreateCase {
                status: CaseStatus::AssessmentRequested,
                summary: "EHC needs assessment request".into(),
                next_action: Some(NewAction {
                    id: None,
                    description: "Chase the LA for an acknowledgement".into(),
                    responsible: Party::Family,
                    due: Some(ymd(2026, 2, 1)),
                    priority: None,
                    timescale: None,
                    start: None,
                }),
            },
        ),
    )
    .unwrap();
    Fixture { w, mum, family, child, case }
}

/// An advocate with `role` on the fixture's child; the membership is written directly (grants
/// have their own tests).
fn advocate(f: &mut Fixture, user: &str, role: MemberRole) -> Actor {
    let actor = Actor { user: user.parse().unwrap(), role: RoleClaim::Advocate };
    let scope = Scope::Child(f.child);
    let m = Membership { user: actor.user.clone(), scope: scope.to_string(), role, granted_at: f.w.now };
    f.w.snap.insert(
        Scope::User(actor.user.clone()),
        keys::membership(&scope),
        Versioned { version: 1, deleted: false, record: Record::Membership(m) },
    );
    actor
}

fn key_date(f: &mut Fixture, kind: KeyDateKind, date: NaiveDate) -> Decision {
    let mum = f.mum.clone();
    f.w.run(
        &mum,
        Command::case(
            f.child,
            f.case,
            CaseCommand::RecordKeyDate { key_date_id: None, kind, date, decision: None, section_i_only: false },
        ),
    )
    .unwrap()
}

/// A case command on the fixture's case, as `who`.
fn on_case(f: &mut Fixture, who: &Actor, command: CaseCommand) -> Result<Decision, DomainError> {
    let op = Command::case(f.child, f.case, command);
    f.w.run(who, op)
}

/// A decision notice recording `decision`.
fn decision_notice(f: &mut Fixture, date: NaiveDate, decision: AppealableDecision, section_i_only: bool) {
    let mum = f.mum.clone();
    let notice = CaseCommand::RecordKeyDate {
        key_date_id: None,
        kind: KeyDateKind::DecisionNotice,
        date,
        decision: Some(decision),
        section_i_only,
    };
    on_case(f, &mum, notice).unwrap();
}

#[test]
fn creating_a_case_records_history_and_first_action() {
    let f = fixture();
    let agg = f.w.case(f.child, f.case);
    assert_eq!(agg.case.status, CaseStatus::AssessmentRequested);
    assert_eq!(agg.history.len(), 1);
    assert_eq!(agg.history[0].from, None);
    assert_eq!(agg.actions.len(), 1);
    assert_eq!(agg.actions[0].priority, ActionPriority::Urgent, "family actions default to urgent");
    // The owner membership of the child scope was written with the child.
    assert_eq!(f.w.membership(&f.mum, &Scope::Child(f.child)), Some(MemberRole::Owner));
}

#[test]
fn status_moves_any_way_and_history_is_kept() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let change = |s, note: Option<&str>| CaseCommand::ChangeStatus { status: s, note: note.map(Into::into) };
    on_case(&mut f, &mum, change(CaseStatus::FinalEhcpIssued, Some("skipped ahead"))).unwrap();
    on_case(&mut f, &mum, change(CaseStatus::InAssessment, None)).unwrap();
    let noop = on_case(&mut f, &mum, change(CaseStatus::InAssessment, None)).unwrap();
    assert!(noop.is_noop(), "re-setting the current status is a no-op");
    let agg = f.w.case(f.child, f.case);
    let path: Vec<_> = agg.history.iter().map(|h| (h.from, h.to)).collect();
    assert_eq!(
        path,
        vec![
            (None, CaseStatus::AssessmentRequested),
            (Some(CaseStatus::AssessmentRequested), CaseStatus::FinalEhcpIssued),
            (Some(CaseStatus::FinalEhcpIssued), CaseStatus::InAssessment),
        ]
    );
    assert_eq!(agg.history[1].note.as_deref(), Some("skipped ahead"));
    assert_eq!(agg.history[1].by.user.as_str(), "mum");
}

#[test]
fn request_received_starts_the_statutory_clocks_and_corrections_move_them() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::RequestReceived, ymd(2026, 1, 15));
    let a = f.w.action(f.child, f.case, TimescaleId::AssessmentDecision);
    assert_eq!(a.due, ymd(2026, 2, 26));
    assert_eq!(a.origin, ActionOrigin::Statutory);
    assert_eq!(a.responsible, Party::La);
    assert!(a.legal_basis.as_deref().unwrap().contains("reg 5(1)"));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::FinalPlan).due, ymd(2026, 6, 4));
    let draft = f.w.action(f.child, f.case, TimescaleId::DraftPlanExpected);
    assert_eq!(draft.deadline_kind, Some(DeadlineKind::Guidance));
    assert_eq!(draft.priority, ActionPriority::Routine);
    assert_eq!(f.w.case(f.child, f.case).actions.len(), 5);

    // A corrected date moves the same four actions rather than adding four more.
    let before = f.w.action(f.child, f.case, TimescaleId::FinalPlan).id;
    key_date(&mut f, KeyDateKind::RequestReceived, ymd(2026, 1, 22));
    let agg = f.w.case(f.child, f.case);
    assert_eq!(agg.actions.len(), 5);
    assert_eq!(agg.key_dates.len(), 1);
    let moved = f.w.action(f.child, f.case, TimescaleId::FinalPlan);
    assert_eq!((moved.id, moved.due), (before, ymd(2026, 6, 11)));
    // Re-recording the same date is a no-op.
    assert!(key_date(&mut f, KeyDateKind::RequestReceived, ymd(2026, 1, 22)).is_noop());
}

#[test]
fn later_key_dates_complete_and_cancel_clocks() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::RequestReceived, ymd(2026, 1, 15));
    key_date(&mut f, KeyDateKind::DecisionToAssess, ymd(2026, 3, 5));
    let decided = f.w.action(f.child, f.case, TimescaleId::AssessmentDecision);
    assert_eq!(decided.state, ActionState::Done);
    assert_eq!(decided.timeliness(ymd(2026, 3, 6)), Timeliness::Late { days: 7 });

    key_date(&mut f, KeyDateKind::DraftIssued, ymd(2026, 5, 12));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::DraftResponse).due, ymd(2026, 5, 26));
    assert_eq!(
        f.w.action(f.child, f.case, TimescaleId::DraftPlanExpected).timeliness(ymd(2026, 6, 1)),
        Timeliness::Late { days: 5 }
    );

    key_date(&mut f, KeyDateKind::FinalIssued, ymd(2026, 6, 1));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::FinalPlan).timeliness(ymd(2026, 6, 2)), Timeliness::Met);
    assert_eq!(
        f.w.action(f.child, f.case, TimescaleId::NoPlanDecision).timeliness(ymd(2026, 6, 2)),
        Timeliness::Cancelled
    );
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::AnnualReview).due, ymd(2027, 5, 31));
    let appeal = f.w.action(f.child, f.case, TimescaleId::AppealDeadline);
    assert_eq!((appeal.due, appeal.accepted_until), (ymd(2026, 8, 1), Some(ymd(2026, 9, 1))));
    // Key dates never change status.
    assert_eq!(f.w.case(f.child, f.case).case.status, CaseStatus::AssessmentRequested);
}

#[test]
fn annual_review_cycle_and_amendments() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::FinalIssued, ymd(2025, 3, 31));
    // Recorded on 20 Jan 2026 for a meeting on 9 Mar: invitation and advice are still possible.
    key_date(&mut f, KeyDateKind::AnnualReviewMeeting, ymd(2026, 3, 9));
    let agg = f.w.case(f.child, f.case);
    let reviews: Vec<_> = agg.actions.iter().filter(|a| a.timescale == Some(TimescaleId::AnnualReview)).collect();
    assert_eq!(reviews.len(), 2);
    assert!(reviews.iter().any(|a| a.state == ActionState::Done && a.completed_on == Some(ymd(2026, 3, 9))));
    assert!(reviews.iter().any(|a| a.is_open() && a.due == ymd(2027, 3, 8)));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::ReviewAdvice).due, ymd(2026, 2, 23));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::ReviewDecision).due, ymd(2026, 4, 6));

    key_date(&mut f, KeyDateKind::AmendmentNotice, ymd(2026, 4, 1));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::AmendmentResponse).due, ymd(2026, 4, 15));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::AmendedFinal).due, ymd(2026, 5, 27));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::AmendedFinalCap).due, ymd(2026, 6, 1));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::ReviewDecision).timeliness(ymd(2026, 5, 1)), Timeliness::Met);
}

#[test]
fn an_earlier_meeting_recorded_late_does_not_complete_a_later_cycle() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::FinalIssued, ymd(2025, 3, 31));
    key_date(&mut f, KeyDateKind::AnnualReviewMeeting, ymd(2027, 3, 1));
    // Recorded afterwards, but a year earlier: it completes the review the final plan started,
    // not the one the 2027 meeting started.
    key_date(&mut f, KeyDateKind::AnnualReviewMeeting, ymd(2026, 3, 9));
    let agg = f.w.case(f.child, f.case);
    let review_from = |date: NaiveDate| {
        let kd = agg.key_dates.iter().find(|k| k.date == date).unwrap().id;
        agg.actions
            .iter()
            .find(|a| a.timescale == Some(TimescaleId::AnnualReview) && a.key_date_id == Some(kd))
            .unwrap()
            .clone()
    };
    assert!(review_from(ymd(2027, 3, 1)).is_open(), "the 2027 cycle's review is still to come");
    assert_eq!(
        review_from(ymd(2025, 3, 31)).completed_on,
        Some(ymd(2026, 3, 9)),
        "{:?}",
        review_from(ymd(2025, 3, 31))
    );
}

#[test]
fn the_order_key_dates_are_recorded_in_does_not_matter() {
    let history = [
        (KeyDateKind::RequestReceived, ymd(2025, 1, 10)),
        (KeyDateKind::DecisionToAssess, ymd(2025, 2, 20)),
        (KeyDateKind::DraftIssued, ymd(2025, 5, 1)),
        (KeyDateKind::FinalIssued, ymd(2025, 6, 1)),
        (KeyDateKind::AnnualReviewMeeting, ymd(2026, 5, 20)),
        (KeyDateKind::AmendmentNotice, ymd(2026, 6, 10)),
        (KeyDateKind::AnnualReviewMeeting, ymd(2027, 5, 18)),
        (KeyDateKind::MediationCertificate, ymd(2025, 7, 20)),
    ];
    let orders: [[usize; 8]; 4] =
        [[0, 1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1, 0], [3, 6, 0, 5, 1, 7, 4, 2], [4, 2, 6, 0, 7, 3, 5, 1]];
    let mut outcomes = Vec::new();
    for order in orders {
        let mut f = fixture();
        for i in order {
            key_date(&mut f, history[i].0, history[i].1);
        }
        let agg = f.w.case(f.child, f.case);
        let origin = |a: &Action| {
            a.key_date_id.and_then(|id| agg.key_dates.iter().find(|k| k.id == id)).map(|k| (k.kind, k.date))
        };
        let mut summary: Vec<_> = agg
            .actions
            .iter()
            .filter(|a| a.origin == ActionOrigin::Statutory)
            .map(|a| (a.timescale, origin(a), a.due, a.state, a.completed_on, a.cancelled, a.accepted_until))
            .collect();
        summary.sort();
        outcomes.push(summary);
    }
    assert!(outcomes[0].len() > 15, "{:?}", outcomes[0]);
    for o in &outcomes[1..] {
        assert_eq!(o, &outcomes[0]);
    }
    // The appeal deadline of the final plan moved with the certificate (1 month from 20 Jul).
    assert!(
        outcomes[0].iter().any(|(t, _, due, ..)| *t == Some(TimescaleId::AppealDeadline) && *due == ymd(2025, 8, 20))
    );
}

#[test]
fn late_recorded_meeting_skips_the_notice_clocks() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::AnnualReviewMeeting, ymd(2026, 1, 26));
    let agg = f.w.case(f.child, f.case);
    assert!(!agg.actions.iter().any(|a| a.timescale == Some(TimescaleId::ReviewInvitation)));
    assert!(agg.actions.iter().any(|a| a.timescale == Some(TimescaleId::ReviewReport)));
}

#[test]
fn mediation_certificate_moves_the_appeal_deadline() {
    let mut f = fixture();
    decision_notice(&mut f, ymd(2026, 11, 2), AppealableDecision::PlanContents, false);
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::AppealDeadline).due, ymd(2027, 1, 2));
    key_date(&mut f, KeyDateKind::MediationCertificate, ymd(2026, 12, 31));
    let appeal = f.w.action(f.child, f.case, TimescaleId::AppealDeadline);
    assert_eq!((appeal.due, appeal.accepted_until), (ymd(2027, 1, 31), Some(ymd(2027, 2, 1))));
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::MediationContact).state, ActionState::Done);
}

#[test]
fn section_i_only_appeals_need_no_mediation() {
    let mut f = fixture();
    decision_notice(&mut f, ymd(2025, 12, 31), AppealableDecision::PlanContents, true);
    let agg = f.w.case(f.child, f.case);
    assert!(!agg.actions.iter().any(|a| a.timescale == Some(TimescaleId::MediationContact)));
    let appeal = f.w.action(f.child, f.case, TimescaleId::AppealDeadline);
    assert_eq!((appeal.due, appeal.accepted_until), (ymd(2026, 2, 28), Some(ymd(2026, 3, 2))));
}

#[test]
fn refusal_to_assess_stops_the_assessment_clocks() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::RequestReceived, ymd(2026, 1, 15));
    decision_notice(&mut f, ymd(2026, 2, 20), AppealableDecision::RefuseAssess, false);
    let today = ymd(2026, 7, 1);
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::AssessmentDecision).timeliness(today), Timeliness::Met);
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::FinalPlan).timeliness(today), Timeliness::Cancelled);
}

#[test]
fn actions_complete_idempotently_and_overdue_is_derived() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let action = f.w.case(f.child, f.case).actions[0].clone();
    assert!(action.is_overdue(ymd(2026, 2, 2)));
    assert!(!action.is_overdue(ymd(2026, 2, 1)), "due today is not overdue");
    let complete = CaseCommand::CompleteAction { action_id: action.id, completed_on: Some(ymd(2026, 1, 19)) };
    on_case(&mut f, &mum, complete.clone()).unwrap();
    assert!(on_case(&mut f, &mum, complete).unwrap().is_noop());
    let done = &f.w.case(f.child, f.case).actions[0];
    assert_eq!((done.state, done.completed_on), (ActionState::Done, Some(ymd(2026, 1, 19))));
    let future = CaseCommand::CompleteAction { action_id: action.id, completed_on: Some(ymd(2027, 1, 1)) };
    on_case(&mut f, &mum, CaseCommand::ReopenAction { action_id: action.id }).unwrap();
    assert!(matches!(on_case(&mut f, &mum, future), Err(DomainError::Refused(_))));
    assert!(f.w.case(f.child, f.case).actions[0].is_open());
}

#[test]
fn statutory_dates_cannot_be_edited_but_priority_can() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::RequestReceived, ymd(2026, 1, 15));
    let a = f.w.action(f.child, f.case, TimescaleId::FinalPlan);
    let mum = f.mum.clone();
    let edit = |patch| CaseCommand::EditAction { action_id: a.id, patch };
    let err =
        on_case(&mut f, &mum, edit(ActionPatch { due: Some(ymd(2026, 9, 1)), ..Default::default() })).unwrap_err();
    assert!(matches!(&err, DomainError::Refused(e) if e[0].field == "due"));
    on_case(&mut f, &mum, edit(ActionPatch { priority: Some(ActionPriority::Urgent), ..Default::default() })).unwrap();
    assert_eq!(f.w.action(f.child, f.case, TimescaleId::FinalPlan).priority, ActionPriority::Urgent);
}

#[test]
fn retries_are_safe_and_different_content_conflicts() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let first = NewAction {
        id: None,
        description: "Chase the LA for an acknowledgement".into(),
        responsible: Party::Family,
        due: Some(ymd(2026, 2, 1)),
        priority: None,
        timescale: None,
        start: None,
    };
    let create = |summary: &str, status, next_action: Option<NewAction>| CaseCommand::CreateCase {
        status,
        summary: summary.into(),
        next_action,
    };
    let same = create("EHC needs assessment request", CaseStatus::AssessmentRequested, Some(first.clone()));
    assert!(on_case(&mut f, &mum, same).unwrap().is_noop(), "a retry of the creation");
    // Anything else reusing the case's id is a conflict, whatever differs.
    let differs = [
        create("something else", CaseStatus::AssessmentRequested, Some(first.clone())),
        create("EHC needs assessment request", CaseStatus::InAssessment, Some(first.clone())),
        create("EHC needs assessment request", CaseStatus::AssessmentRequested, None),
        create(
            "EHC needs assessment request",
            CaseStatus::AssessmentRequested,
            Some(NewAction { due: Some(ymd(2026, 3, 1)), ..first.clone() }),
        ),
    ];
    for command in differs {
        assert!(matches!(on_case(&mut f, &mum, command.clone()), Err(DomainError::Conflict(_))), "{command:?}");
    }
    let note = NoteId::new();
    let add = |text: &str| CaseCommand::AddNote {
        note_id: note,
        text: text.into(),
        topic: None,
        section: None,
        document_id: None,
    };
    on_case(&mut f, &mum, add("Called the LA")).unwrap();
    assert!(on_case(&mut f, &mum, add("Called the LA")).unwrap().is_noop());
    assert!(matches!(on_case(&mut f, &mum, add("edited")), Err(DomainError::Conflict(_))));
}

#[test]
fn strangers_see_nothing_and_readers_cannot_write() {
    let mut f = fixture();
    let stranger = family_actor("stranger");
    let note =
        |id| CaseCommand::AddNote { note_id: id, text: "x".into(), topic: None, section: None, document_id: None };
    assert_eq!(on_case(&mut f, &stranger, note(NoteId::new())).unwrap_err(), DomainError::NotFound { what: "case" });
    let reader = advocate(&mut f, "adv", MemberRole::Reader);
    assert!(matches!(on_case(&mut f, &reader, note(NoteId::new())), Err(DomainError::Forbidden { .. })));
    // Only the family owns the child list.
    let add_child = FamilyCommand::AddChild {
        child_id: ChildId::new(),
        name: "Eve".into(),
        date_of_birth: ymd(2018, 1, 1),
        local_authority: "Leeds".into(),
        school: None,
    };
    assert!(matches!(f.w.run(&stranger, Command::family(f.family, add_child)), Err(DomainError::NotFound { .. })));
}

#[test]
fn validation_reports_every_bad_field() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let err =
        f.w.run(
            &mum,
            Command::family(
                f.family,
                FamilyCommand::AddChild {
                    child_id: ChildId::new(),
                    name: "  ".into(),
                    date_of_birth: ymd(2030, 1, 1),
                    local_authority: "".into(),
                    school: None,
                },
            ),
        )
        .unwrap_err();
    // What the document states comes first; a birth date after today is a rule beyond it.
    let DomainError::Invalid(fields) = err else { panic!("expected invalid") };
    let names: Vec<_> = fields.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(names, vec!["name", "local_authority"]);
    let unborn = FamilyCommand::AddChild {
        child_id: ChildId::new(),
        name: "Not yet".into(),
        date_of_birth: f.w.now.date_naive() + chrono::Days::new(1),
        local_authority: "Leeds".into(),
        school: None,
    };
    let err = f.w.run(&mum, Command::family(f.family, unborn)).unwrap_err();
    assert!(matches!(&err, DomainError::Refused(e) if e[0].field == "date_of_birth"), "{err:?}");
}

#[test]
fn every_change_is_audited_with_ids_only() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::RequestReceived, ymd(2026, 1, 15));
    let family_scope = Scope::Family(f.family);
    let entries: Vec<_> = f.w.snap.prefix(&family_scope, keys::AUDIT_PREFIX).collect();
    let actions: Vec<_> = entries
        .iter()
        .map(|(_, r)| match r {
            Record::Audit(a) => a.action.as_str(),
            _ => "",
        })
        .collect();
    assert_eq!(actions, vec!["create_family", "add_child", "create_case", "record_key_date"]);
    let json = serde_json::to_string(&entries.last().unwrap().1).unwrap();
    assert!(!json.contains("EHC needs"), "audit lines carry no content");
}

#[test]
fn commands_name_their_scope() {
    let f = fixture();
    let mum = f.mum.clone();
    let note = CaseCommand::AddNote {
        note_id: NoteId::new(),
        text: "x".into(),
        topic: None,
        section: None,
        document_id: None,
    };
    assert_eq!(Command::case(f.child, f.case, note).scope(&mum), Scope::Child(f.child));
    let child = FamilyCommand::AddChild {
        child_id: ChildId::new(),
        name: "x".into(),
        date_of_birth: ymd(2018, 1, 1),
        local_authority: "x".into(),
        school: None,
    };
    assert_eq!(Command::family(f.family, child).scope(&mum), Scope::Family(f.family));
    let prefs = Command::personal(PersonalCommand::SetPreferences { reminder_lead_days: vec![] });
    assert_eq!(prefs.scope(&mum), Scope::User(mum.user.clone()));
}

#[test]
fn one_operation_gives_each_record_it_creates_its_own_id() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let case = CaseId::new();
    let next_action = NewAction {
        id: None,
        description: "Send the report".into(),
        responsible: Party::Family,
        due: Some(ymd(2026, 3, 1)),
        priority: None,
        timescale: None,
        start: None,
    };
    let create = CaseCommand::CreateCase {
        status: CaseStatus::AssessmentRequested,
        summary: "x".into(),
        next_action: Some(next_action),
    };
    let decision = f.w.run(&mum, Command::case(f.child, case, create)).unwrap();
    let ids: Vec<uuid::Uuid> = decision
        .writes
        .iter()
        .filter_map(|w| match &w.record {
            Record::StatusChange(s) => Some(s.id.0),
            Record::Action(a) => Some(a.id.0),
            Record::Audit(a) => Some(a.id.0),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 3, "{:?}", decision.writes);
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 3, "{ids:?}");
}

#[test]
fn a_note_may_only_point_at_this_childs_documents() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let note = |document_id| CaseCommand::AddNote {
        note_id: NoteId::new(),
        text: "About the EP report".into(),
        topic: None,
        section: None,
        document_id: Some(document_id),
    };
    let err = on_case(&mut f, &mum, note(DocumentId::new())).unwrap_err();
    assert!(matches!(&err, DomainError::Refused(e) if e[0].field == "document_id"), "{err:?}");
    let doc = DocumentId::new();
    let create = DocumentCommand::CreateDocument {
        title: "EP report".into(),
        category: DocumentCategory::Education,
        content_type: DocumentType::Pdf,
        size: 10,
    };
    f.w.run(&mum, Command::document(f.child, doc, create)).unwrap();
    on_case(&mut f, &mum, note(doc)).unwrap();
}

/// Plans are for children and young people up to 25 (CFA 2014 ss.46, 83(2)); a young person's
/// own record is kept and stays editable at any age.
#[test]
fn cases_are_opened_up_to_25_and_records_kept_at_any_age() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let today = f.w.now.date_naive();
    let (older, younger) = (ChildId::new(), ChildId::new());
    let add = |child_id: ChildId, born: NaiveDate| FamilyCommand::AddChild {
        child_id,
        name: "Young person".into(),
        date_of_birth: born,
        local_authority: "Leeds".into(),
        school: None,
    };
    let turned_26 = today.checked_sub_months(chrono::Months::new(12 * 26)).unwrap();
    let still_25 = turned_26 + chrono::Days::new(2);
    f.w.run(&mum, Command::family(f.family, add(older, turned_26))).unwrap();
    f.w.run(&mum, Command::family(f.family, add(younger, still_25))).unwrap();
    let edit = FamilyCommand::EditChild {
        child_id: older,
        patch: ChildPatch { school: Some("City College".into()), ..Default::default() },
    };
    assert!(!f.w.run(&mum, Command::family(f.family, edit)).unwrap().is_noop(), "still editable at 26");
    let open = || CaseCommand::CreateCase {
        status: CaseStatus::AssessmentRequested,
        summary: "Request".into(),
        next_action: None,
    };
    let err = f.w.run(&mum, Command::case(older, CaseId::new(), open())).unwrap_err();
    assert!(
        matches!(&err, DomainError::Refused(e) if e[0].field == "child_id" && e[0].message.contains("25 or under")),
        "{err:?}"
    );
    f.w.run(&mum, Command::case(younger, CaseId::new(), open())).unwrap();
}

#[test]
fn a_family_user_has_one_family() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let second = FamilyId::new();
    let err = f.w.run(&mum, Command::family(second, FamilyCommand::CreateFamily { name: "Again".into() })).unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)));
    let adv = Actor { user: "adv".parse().unwrap(), role: RoleClaim::Advocate };
    let err = f.w.run(&adv, Command::family(second, FamilyCommand::CreateFamily { name: "No".into() })).unwrap_err();
    assert!(matches!(err, DomainError::Forbidden { .. }));
}

mod scanning {
    use super::*;
    use crate::overdue::decide_scan;

    /// A snapshot holding an open action's due tracker; returns its scope and key.
    fn open_action(due: NaiveDate, responsible: Party, statutory: bool) -> (Scope, String, Snapshot, Action) {
        let child = ChildId::new();
        let case = CaseId::new();
        let scope = Scope::Child(child);
        let origin = if statutory { ActionOrigin::Statutory } else { ActionOrigin::Manual };
        let action = Action {
            timescale: statutory.then_some(TimescaleId::FinalPlan),
            legal_basis: statutory.then(|| "SEND Regs 2014 reg 13(2); reg 14".into()),
            deadline_kind: statutory.then_some(DeadlineKind::Statutory),
            ..Action::open(
                ActionId::new(),
                case,
                "LA issues the final plan with appeal notice".into(),
                responsible,
                due,
                ActionPriority::Important,
                origin,
                Utc::now(),
            )
        };
        let key = keys::tracker(case, action.id);
        let tracker = DueTracker::for_action(&action, None).unwrap();
        let mut snap = Snapshot::new();
        snap.insert(
            scope.clone(),
            key.clone(),
            Versioned { version: 1, deleted: false, record: Record::DueTracker(tracker) },
        );
        (scope, key, snap, action)
    }

    fn noon(d: NaiveDate) -> DateTime<Utc> {
        Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap())
    }

    /// Runs the scanner on `days` in order, applying its writes; returns every alert and note written.
    fn run_days(scope: &Scope, key: &str, snap: &mut Snapshot, days: &[NaiveDate]) -> Vec<Record> {
        let mut written = Vec::new();
        for d in days {
            let decision = decide_scan(noon(*d), scope, key, snap);
            written.extend(decision.writes.iter().filter(|w| w.key != key).map(|w| w.record.clone()));
            snap.apply(&decision.writes);
        }
        written
    }

    #[test]
    fn reminders_at_each_lead_time_then_overdue_with_a_dated_legal_note() {
        let due = ymd(2026, 6, 4);
        let (scope, key, mut snap, _) = open_action(due, Party::La, true);
        let tracker = |snap: &Snapshot| match snap.get(&scope, &key) {
            Some(Record::DueTracker(t)) => t.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(tracker(&snap).next_check(), Some(ymd(2026, 5, 28)), "first check: 7 days before");
        // Every day from 10 days before to 3 days after, twice a day.
        let days: Vec<_> = (0..14)
            .flat_map(|i| {
                let d = ymd(2026, 5, 25) + chrono::Days::new(i);
                [d, d]
            })
            .collect();
        let written = run_days(&scope, &key, &mut snap, &days);
        let alerts: Vec<_> = written
            .iter()
            .filter_map(|r| match r {
                Record::Alert(a) => Some((a.kind, a.lead_days)),
                _ => None,
            })
            .collect();
        assert_eq!(
            alerts,
            vec![
                (AlertKind::Reminder, Some(7)),
                (AlertKind::Reminder, Some(3)),
                (AlertKind::Reminder, Some(1)),
                (AlertKind::Overdue, None)
            ]
        );
        let notes: Vec<_> = written
            .iter()
            .filter_map(|r| match r {
                Record::Note(n) => Some(n),
                _ => None,
            })
            .collect();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].topic, Some(NoteTopic::Legal));
        assert_eq!(notes[0].author.role, ActorRole::System);
        assert!(
            notes[0].text.contains("4 June 2026")
                && notes[0].text.contains("reg 13(2)")
                && notes[0].text.contains("1 day late")
        );
        let done = tracker(&snap);
        assert_eq!(done.overdue_on, Some(ymd(2026, 6, 5)));
        assert_eq!(done.next_check(), None, "found overdue: it leaves the due index");
        assert!(
            written.iter().all(|r| !matches!(r, Record::Action(_))),
            "the scanner never writes the action people edit"
        );
    }

    #[test]
    fn a_late_start_raises_only_the_nearest_reminder() {
        let due = ymd(2026, 6, 4);
        let (scope, key, mut snap, _) = open_action(due, Party::Family, false);
        let written = run_days(&scope, &key, &mut snap, &[ymd(2026, 6, 2), ymd(2026, 6, 3), ymd(2026, 6, 4)]);
        let leads: Vec<_> = written
            .iter()
            .filter_map(|r| match r {
                Record::Alert(a) => a.lead_days,
                _ => None,
            })
            .collect();
        assert_eq!(leads, vec![3, 1], "7 is passed over, not raised late");
    }

    #[test]
    fn only_others_missed_statutory_deadlines_become_notes() {
        for (party, statutory, notes) in [(Party::La, true, 1), (Party::Family, true, 0), (Party::La, false, 0)] {
            let (scope, key, mut snap, _) = open_action(ymd(2026, 6, 4), party, statutory);
            let written = run_days(&scope, &key, &mut snap, &[ymd(2026, 6, 10)]);
            assert_eq!(written.iter().filter(|r| matches!(r, Record::Note(_))).count(), notes, "{party:?} {statutory}");
            assert_eq!(written.iter().filter(|r| matches!(r, Record::Alert(_))).count(), 1);
        }
    }

    #[test]
    fn redating_restarts_the_reminders_and_done_actions_leave_the_index() {
        let (scope, key, mut snap, _) = open_action(ymd(2026, 6, 4), Party::La, true);
        run_days(&scope, &key, &mut snap, &[ymd(2026, 6, 10)]);
        let Some(Record::DueTracker(t)) = snap.get(&scope, &key).cloned() else { panic!() };
        assert_eq!(t.next_check(), None);
        let mut a = t.action.clone();
        a.due = ymd(2026, 7, 1);
        let redated = DueTracker::for_action(&a, Some(&t)).unwrap();
        assert_eq!((redated.next_check(), redated.overdue_on), (Some(ymd(2026, 6, 24)), None));
        a.state = ActionState::Done;
        assert_eq!(DueTracker::for_action(&a, Some(&t)), None, "a done action has no tracker");
        assert_eq!(Record::Action(a).due_index(), None, "actions themselves are never indexed");
    }

    #[test]
    fn changing_an_action_keeps_its_tracker_in_step() {
        let mut f = fixture();
        let mum = f.mum.clone();
        let agg = f.w.case(f.child, f.case);
        let action = agg.actions[0].clone();
        let scope = Scope::Child(f.child);
        let tracker = |f: &Fixture| match f.w.snap.get(&scope, &keys::tracker(f.case, action.id)) {
            Some(Record::DueTracker(t)) => Some(t.clone()),
            _ => None,
        };
        assert_eq!(tracker(&f).map(|t| t.action), Some(action.clone()), "created with the action");
        let patch = ActionPatch { due: Some(ymd(2026, 3, 1)), ..Default::default() };
        on_case(&mut f, &mum, CaseCommand::EditAction { action_id: action.id, patch }).unwrap();
        assert_eq!(tracker(&f).unwrap().action.due, ymd(2026, 3, 1), "follows an edit");
        on_case(&mut f, &mum, CaseCommand::CompleteAction { action_id: action.id, completed_on: None }).unwrap();
        assert_eq!(tracker(&f), None, "gone once the action is done");
        on_case(&mut f, &mum, CaseCommand::ReopenAction { action_id: action.id }).unwrap();
        assert!(tracker(&f).is_some(), "back when it is reopened (over its tombstone)");
    }

    #[test]
    fn scan_ids_are_deterministic() {
        let (scope, key, snap, _) = open_action(ymd(2026, 6, 4), Party::La, true);
        let a = decide_scan(noon(ymd(2026, 6, 9)), &scope, &key, &snap);
        let b = decide_scan(noon(ymd(2026, 6, 9)), &scope, &key, &snap);
        let keys = |d: &Decision| d.writes.iter().map(|w| w.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&a), keys(&b));
        assert!(a.writes.iter().any(|w| w.expect == Expect::Absent && w.key.starts_with("alert/")));
    }
}

#[test]
fn chronology_shows_met_missed_and_guidance_dates() {
    let mut f = fixture();
    key_date(&mut f, KeyDateKind::RequestReceived, ymd(2025, 9, 1));
    key_date(&mut f, KeyDateKind::DecisionToAssess, ymd(2025, 10, 20));
    key_date(&mut f, KeyDateKind::DraftIssued, ymd(2025, 12, 29));
    let agg = f.w.case(f.child, f.case);
    let c = Chronology::new(&agg, ymd(2026, 1, 20));
    let line = |t: &str| c.entries.iter().find(|e| e.title.contains(t)).unwrap().clone();
    let decision = line("LA says whether it will assess");
    assert_eq!(decision.date, ymd(2025, 10, 13));
    assert_eq!(decision.outcome_text.as_deref(), Some("missed: done 7 days late"));
    assert_eq!(decision.legal_basis.as_deref(), Some("SEND Regs 2014 reg 5(1)"));
    let draft = line("LA sends the draft plan");
    assert!(draft.outcome_text.unwrap().contains("guidance, not a breach"));
    let final_plan = line("final plan");
    assert_eq!(final_plan.date, ymd(2026, 1, 19));
    assert_eq!(final_plan.outcome_text.as_deref(), Some("missed: 1 day overdue and not yet done"));
    let response = line("Comment on the draft");
    assert_eq!(
        (response.date, response.outcome_text.as_deref()),
        (ymd(2026, 1, 12), Some("the family's window closed on 12 January 2026 (a right, not a missed deadline)"))
    );
    assert_eq!(response.outcome, Some(Timeliness::WindowClosed));
    // Missed: the assessment decision (late) and the final plan (overdue). The family's window
    // is a right, never a missed deadline; the guidance date is never a breach; and the draft
    // cancelled the no-plan clock.
    assert_eq!((c.deadlines_missed, c.la_deadlines_missed), (2, 2));
    assert_eq!(line("will not issue a plan").outcome_text.as_deref(), Some("no longer applies"));
    assert!(c.entries.windows(2).all(|w| w[0].date <= w[1].date), "in date order");
    assert!(c.entries.iter().any(|e| e.title.starts_with("Case opened")));
}

#[test]
fn preferences_and_read_markers_are_personal() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let own = Scope::User(mum.user.clone());
    let prefs = |leads: Vec<u32>| Command::personal(PersonalCommand::SetPreferences { reminder_lead_days: leads });
    f.w.run(&mum, prefs(vec![1, 7])).unwrap();
    let Some(Record::Preferences(p)) = f.w.snap.get(&own, keys::PREFERENCES) else { panic!() };
    assert_eq!(p.reminder_lead_days, vec![7, 1]);
    assert!(matches!(f.w.run(&mum, prefs(vec![1, 7, 7])), Err(DomainError::Invalid(_))), "each lead time once");
    assert!(matches!(f.w.run(&mum, prefs(vec![2])), Err(DomainError::Invalid(_))));
    let id = AlertId::new();
    let read = || Command::personal(PersonalCommand::MarkNotificationRead { notification_id: id });
    let first = f.w.run(&mum, read()).unwrap();
    assert!(first.writes.iter().all(|w| w.scope == own), "personal: only the caller's own scope, never audited");
    assert!(f.w.run(&mum, read()).unwrap().is_noop());
}

#[test]
fn documents_are_the_familys_to_upload_and_delete() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let scope = Scope::Child(f.child);
    let id = DocumentId::new();
    let (child, family) = (f.child, f.family);
    let create = |size: u64, title: &str| {
        Command::document(
            child,
            id,
            DocumentCommand::CreateDocument {
                title: title.into(),
                category: DocumentCategory::Ehcp,
                content_type: DocumentType::Pdf,
                size,
            },
        )
    };
    assert!(matches!(f.w.run(&mum, create(0, "Plan")), Err(DomainError::Invalid(_))));
    assert!(matches!(f.w.run(&mum, create(MAX_DOCUMENT_BYTES + 1, "Plan")), Err(DomainError::Invalid(_))));
    f.w.run(&mum, create(1234, "Final EHCP 2026")).unwrap();
    assert!(f.w.run(&mum, create(1234, "Final EHCP 2026")).unwrap().is_noop(), "safe retry");
    assert!(matches!(f.w.run(&mum, create(99, "Other")), Err(DomainError::Conflict(_))));

    let hash = "a".repeat(64);
    let confirm = |size: u64, sha256: &str| SystemCommand::ConfirmUpload {
        child_id: child,
        document_id: id,
        size,
        sha256: sha256.into(),
        facts: None,
    };
    assert!(matches!(f.w.run(&mum, confirm(1000, &hash)), Err(DomainError::Refused(e)) if e[0].field == "size"));
    assert!(matches!(f.w.run(&mum, confirm(1234, "xyz")), Err(DomainError::Invalid(e)) if e[0].field == "sha256"));
    f.w.run(&mum, confirm(1234, &hash)).unwrap();
    assert!(f.w.run(&mum, confirm(1234, &hash)).unwrap().is_noop());
    let Some(Record::Document(doc)) = f.w.snap.get(&scope, &keys::document(id)) else { panic!() };
    assert_eq!((doc.state, doc.sha256.as_deref()), (DocumentState::Uploaded, Some(hash.as_str())));
    assert_eq!(doc.blob_key(), format!("documents/{family}/{child}/{id}"));

    // A collaborator may write case records but not documents.
    let adv = advocate(&mut f, "adv", MemberRole::Writer);
    let delete = || Command::document(child, id, DocumentCommand::DeleteDocument);
    assert!(matches!(f.w.run(&adv, delete()), Err(DomainError::Forbidden { .. })));

    let deleted = f.w.run(&mum, delete()).unwrap();
    assert!(deleted.writes.iter().any(|w| w.delete && w.key == keys::document(id)));
    assert!(f.w.snap.get(&scope, &keys::document(id)).is_none(), "deleted documents are not read");
    assert!(matches!(f.w.run(&mum, delete()), Err(DomainError::NotFound { .. })));
}

mod access;
mod bundles;
mod deadlines;
mod flags;
mod tickets;
mod timeline;

/// Text edits that cross: the later wins, and the device whose edit it replaced unseen is told,
/// in its user's scope, by ids only; an edit made after seeing the other's tells nobody, and a
/// request to the API (no origin) keeps no ledger.
#[test]
fn a_crossing_text_edit_tells_the_device_it_replaced() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let scope = Scope::Child(f.child);
    let version = |f: &Fixture| f.w.snap.entry(&scope, &keys::case(f.case)).map(|v| v.version).unwrap();
    let edit = |summary: &str| Command::case(f.child, f.case, CaseCommand::EditCase { summary: summary.into() });
    let seen = version(&f);
    let origin = |client: &str, mid: u64, base: u64| Origin { client_id: client.into(), mid, base: Some(base) };
    let notices = |f: &Fixture| -> Vec<crate::sync::Overridden> {
        f.w.snap
            .prefix(&Scope::User(mum.user.clone()), keys::OVERRIDDEN_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::Overridden(o) => Some(o.clone()),
                _ => None,
            })
            .collect()
    };

    f.w.run_synced(&mum, edit("From the phone"), origin("phone", 7, seen)).unwrap();
    assert!(notices(&f).is_empty(), "the first edit replaces nobody's");
    f.w.run_synced(&mum, edit("From the tablet"), origin("tablet", 3, seen)).unwrap();
    let told = notices(&f);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!((told[0].client_id.as_str(), told[0].mid, told[0].field.as_str()), ("phone", 7, "summary"));
    assert_eq!(told[0].key, keys::case(f.case));

    // The phone has now seen the tablet's edit: its next edit is an ordinary one.
    let now_seen = version(&f);
    f.w.run_synced(&mum, edit("Seen, and changed again"), origin("phone", 8, now_seen)).unwrap();
    assert_eq!(notices(&f).len(), 1, "nobody is told about an edit made after seeing the other");
    // Re-setting the same text changes nothing, and tells nobody.
    f.w.run_synced(&mum, edit("Seen, and changed again"), origin("tablet", 4, seen)).unwrap();
    assert_eq!(notices(&f).len(), 1);
    // Through the API: applied, no ledger written.
    let before = f.w.snap.entry(&scope, &keys::text_edit(&keys::case(f.case), "summary")).cloned();
    f.w.run(&mum, edit("From the web")).unwrap();
    assert_eq!(f.w.snap.entry(&scope, &keys::text_edit(&keys::case(f.case), "summary")).cloned(), before);
}
