//! The child's timeline through `decide`: entries of each kind, the promises in them becoming
//! actions on the linked case and back, the history, who may change what, and bad input.

use super::*;
use crate::timeline::{Keeping, TimelineEntry};

fn on_timeline(
    f: &mut Fixture,
    who: &Actor,
    entry: TimelineEntryId,
    command: TimelineCommand,
) -> Result<Decision, DomainError> {
    f.w.run(who, Command::Timeline { child_id: f.child, entry_id: entry, command })
}

/// The phone call in which the caseworker promised the draft by a date.
fn call(case: CaseId, due: NaiveDate) -> NewEntry {
    let mut e = NewEntry::of(TimelineKind::Interaction, ymd(2026, 1, 12));
    e.time = chrono::NaiveTime::from_hms_opt(14, 5, 0);
    e.case_id = Some(case);
    e.channel = Some(Channel::PhoneCall);
    e.direction = Some(Direction::Incoming);
    e.contact_name = Some("Sam Patel".into());
    e.contact_organisation = Some("Leeds SEN team".into());
    e.contact_role = Some("EHC caseworker".into());
    e.summary = Some("Called about the draft plan.".into());
    e.commitments = vec![NewCommitment {
        id: None,
        text: "I will get the draft plan out to you by Friday".into(),
        by: Party::La,
        due: Some(due),
    }];
    e
}

fn entry(f: &Fixture, id: TimelineEntryId) -> TimelineEntry {
    match f.w.snap.get(&Scope::Child(f.child), &keys::timeline_entry(id)) {
        Some(Record::TimelineEntry(e)) => e.clone(),
        other => panic!("no entry: {other:?}"),
    }
}

fn promise_actions(f: &Fixture) -> Vec<Action> {
    f.w.case(f.child, f.case).actions.into_iter().filter(|a| a.origin == ActionOrigin::Commitment).collect()
}

fn refused_fields(e: DomainError) -> Vec<String> {
    match e {
        DomainError::Refused(f) | DomainError::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn a_dated_promise_on_a_case_is_an_open_action_that_is_completed_when_kept() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let id = TimelineEntryId::new();
    {
        let e = call(f.case, ymd(2026, 1, 16));
        on_timeline(&mut f, &mum, id, TimelineCommand::AddEntry { entry: Box::new(e) })
    }
    .unwrap();
    let e = entry(&f, id);
    assert_eq!(e.commitments.len(), 1);
    let actions = promise_actions(&f);
    assert_eq!(actions.len(), 1);
    let a = &actions[0];
    assert_eq!(
        (a.responsible, a.due, a.state, a.priority),
        (Party::La, ymd(2026, 1, 16), ActionState::Open, ActionPriority::Routine)
    );
    assert_eq!(a.source.map(|s| (s.entry_id, s.commitment_id)), Some((id, e.commitments[0].id)));
    assert!(a.timescale.is_none() && a.deadline_kind.is_none(), "a promise is never a statutory deadline");
    assert!(a.is_overdue(f.w.now.date_naive()), "due 16 January, today 20 January");
    assert_eq!(e.commitments[0].keeping(ymd(2026, 1, 20)), Keeping::NotKept { days_overdue: 4 });
    assert!(f.w.snap.get(&Scope::Child(f.child), &keys::tracker(f.case, a.id)).is_some(), "the scanner tracks it");

    // A retry records nothing twice; the same id with other content is a conflict.
    let again = {
        let e = call(f.case, ymd(2026, 1, 16));
        on_timeline(&mut f, &mum, id, TimelineCommand::AddEntry { entry: Box::new(e) })
    };
    assert!(matches!(again, Err(DomainError::Conflict(_))) || again.is_ok_and(|d| d.is_noop()));

    // Kept three days late: the action is done, the entry says so, the history keeps the before.
    let cid = e.commitments[0].id;
    on_timeline(&mut f, &mum, id, TimelineCommand::RecordKept { commitment_id: cid, on: Some(ymd(2026, 1, 19)) })
        .unwrap();
    let a = &promise_actions(&f)[0];
    assert_eq!((a.state, a.completed_on), (ActionState::Done, Some(ymd(2026, 1, 19))));
    let kept = entry(&f, id);
    assert_eq!(kept.commitments[0].keeping_text(ymd(2026, 1, 20)), "kept 3 days late");
    let (scope, prefix) = (Scope::Child(f.child), keys::revisions(id));
    assert_eq!(f.w.snap.prefix(&scope, &prefix).count(), 1);
    // Recording it again on the same day changes nothing.
    let d =
        on_timeline(&mut f, &mum, id, TimelineCommand::RecordKept { commitment_id: cid, on: Some(ymd(2026, 1, 19)) })
            .unwrap();
    assert!(d.is_noop());
}

#[test]
fn editing_moves_the_action_and_deleting_withdraws_open_ones_and_marks_done_ones() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let id = TimelineEntryId::new();
    let mut e = call(f.case, ymd(2026, 2, 6));
    e.commitments.push(NewCommitment {
        id: None,
        text: "We will book the EP".into(),
        by: Party::La,
        due: Some(ymd(2026, 2, 20)),
    });
    e.commitments.push(NewCommitment {
        id: None,
        text: "Mum will send the OT report".into(),
        by: Party::Family,
        due: None,
    });
    on_timeline(&mut f, &mum, id, TimelineCommand::AddEntry { entry: Box::new(e) }).unwrap();
    assert_eq!(promise_actions(&f).len(), 2, "only dated promises become actions");
    let stored = entry(&f, id);
    let (first, second) = (stored.commitments[0].clone(), stored.commitments[1].clone());

    // Moving the first promise's date moves its action; the history names what changed.
    let mut keep: Vec<NewCommitment> = stored
        .commitments
        .iter()
        .map(|c| NewCommitment { id: Some(c.id), text: c.text.clone(), by: c.by, due: c.due })
        .collect();
    keep[0].due = Some(ymd(2026, 2, 13));
    let patch = EntryPatch { commitments: Some(keep), ..EntryPatch::default() };
    on_timeline(&mut f, &mum, id, TimelineCommand::EditEntry { patch: Box::new(patch) }).unwrap();
    let moved = promise_actions(&f).into_iter().find(|a| a.id == first.action_id()).unwrap();
    assert_eq!(moved.due, ymd(2026, 2, 13));

    // Keep the second from the case's side: the entry hears it.
    let done = CaseCommand::CompleteAction { action_id: second.action_id(), completed_on: Some(ymd(2026, 1, 19)) };
    on_case(&mut f, &mum, done).unwrap();
    assert_eq!(entry(&f, id).commitments[1].kept_on, Some(ymd(2026, 1, 19)));

    // Editing the action's date on the case is refused: the entry is where it is corrected.
    let edit = CaseCommand::EditAction {
        action_id: first.action_id(),
        patch: ActionPatch { due: Some(ymd(2026, 3, 1)), ..ActionPatch::default() },
    };
    assert_eq!(refused_fields(on_case(&mut f, &mum, edit).unwrap_err()), vec!["due"]);

    on_timeline(&mut f, &mum, id, TimelineCommand::DeleteEntry).unwrap();
    let left = promise_actions(&f);
    assert_eq!(left.len(), 1, "the open action is withdrawn");
    assert_eq!(left[0].id, second.action_id());
    assert!(left[0].source.is_some_and(|s| s.entry_deleted), "the done one stays, marked");
    assert!(f.w.snap.get(&Scope::Child(f.child), &keys::timeline_entry(id)).is_none());
    assert_eq!(f.w.snap.prefix(&Scope::Child(f.child), &keys::revisions(id)).count(), 0, "its history goes with it");
    // Deleting again is done already.
    assert!(on_timeline(&mut f, &mum, id, TimelineCommand::DeleteEntry).unwrap().is_noop());
}

#[test]
fn unlinking_the_case_withdraws_its_open_promises() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let id = TimelineEntryId::new();
    {
        let e = call(f.case, ymd(2026, 2, 6));
        on_timeline(&mut f, &mum, id, TimelineCommand::AddEntry { entry: Box::new(e) })
    }
    .unwrap();
    let patch = EntryPatch { case_id: Some(None), ..EntryPatch::default() };
    on_timeline(&mut f, &mum, id, TimelineCommand::EditEntry { patch: Box::new(patch) }).unwrap();
    assert!(promise_actions(&f).is_empty());
    assert_eq!(entry(&f, id).commitments.len(), 1, "the promise itself stays on the entry");
}

#[test]
fn an_appointments_expected_report_is_a_promise_owed_by_whoever_the_role_answers_to() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let id = TimelineEntryId::new();
    let mut e = NewEntry::of(TimelineKind::Appointment, ymd(2025, 11, 3));
    e.case_id = Some(f.case);
    e.professional_name = Some("Dr Rivers".into());
    e.professional_role = Some(ProfessionalRole::EducationalPsychologist);
    e.purpose = Some(AppointmentPurpose::Assessment);
    e.report_expected_by = Some(ymd(2025, 12, 1));
    on_timeline(&mut f, &mum, id, TimelineCommand::AddEntry { entry: Box::new(e) }).unwrap();
    let stored = entry(&f, id);
    let report = stored.commitments.iter().find(|c| c.report).unwrap();
    assert_eq!((report.by, report.text.as_str()), (Party::La, "Report from Dr Rivers (educational psychologist)"));
    let a = &promise_actions(&f)[0];
    assert_eq!(a.description, "Report from Dr Rivers (educational psychologist)");
    assert!(a.is_overdue(ymd(2026, 1, 20)));
    // The date moves; clearing it withdraws the action.
    let patch = EntryPatch { report_expected_by: Some(Some(ymd(2026, 2, 2))), ..EntryPatch::default() };
    on_timeline(&mut f, &mum, id, TimelineCommand::EditEntry { patch: Box::new(patch) }).unwrap();
    assert_eq!(promise_actions(&f)[0].due, ymd(2026, 2, 2));
    let patch = EntryPatch { report_expected_by: Some(None), ..EntryPatch::default() };
    on_timeline(&mut f, &mum, id, TimelineCommand::EditEntry { patch: Box::new(patch) }).unwrap();
    assert!(promise_actions(&f).is_empty());
    assert!(entry(&f, id).commitments.is_empty());
}

#[test]
fn a_collaborator_adds_and_edits_their_own_a_viewer_reads_only() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let collab = advocate(&mut f, "adv-collab", MemberRole::Writer);
    let viewer = advocate(&mut f, "adv-view", MemberRole::Reader);
    let theirs = TimelineEntryId::new();
    {
        let e = call(f.case, ymd(2026, 2, 6));
        on_timeline(&mut f, &collab, theirs, TimelineCommand::AddEntry { entry: Box::new(e) })
    }
    .unwrap();
    assert_eq!(entry(&f, theirs).recorded_by.user, collab.user, "attributed to the advocate");
    let family_s = TimelineEntryId::new();
    {
        let e = call(f.case, ymd(2026, 2, 6));
        on_timeline(&mut f, &mum, family_s, TimelineCommand::AddEntry { entry: Box::new(e) })
    }
    .unwrap();

    let patch = || TimelineCommand::EditEntry {
        patch: Box::new(EntryPatch { include_in_timeline: Some(false), ..EntryPatch::default() }),
    };
    on_timeline(&mut f, &collab, theirs, patch()).unwrap();
    assert!(matches!(on_timeline(&mut f, &collab, family_s, patch()), Err(DomainError::Forbidden { .. })));
    assert!(matches!(
        on_timeline(&mut f, &collab, family_s, TimelineCommand::DeleteEntry),
        Err(DomainError::Forbidden { .. })
    ));
    on_timeline(&mut f, &mum, theirs, TimelineCommand::DeleteEntry).unwrap();
    let before = f.w.snap.clone();
    assert!(matches!(
        {
            let e = call(f.case, ymd(2026, 2, 6));
            on_timeline(&mut f, &viewer, TimelineEntryId::new(), TimelineCommand::AddEntry { entry: Box::new(e) })
        },
        Err(DomainError::Forbidden { .. })
    ));
    assert!(matches!(on_timeline(&mut f, &viewer, family_s, patch()), Err(DomainError::Forbidden { .. })));
    let stranger = Actor { user: "stranger".parse().unwrap(), role: RoleClaim::Family };
    assert!(matches!(on_timeline(&mut f, &stranger, family_s, patch()), Err(DomainError::NotFound { .. })));
    assert_eq!(
        format!("{:?}", before.prefix(&Scope::Child(f.child), "").count()),
        format!("{:?}", f.w.snap.prefix(&Scope::Child(f.child), "").count())
    );
}

#[test]
fn bad_entries_are_refused_by_field_and_change_nothing() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let other_case = CaseId::new();
    let cases: Vec<(NewEntry, &str)> = vec![
        (
            {
                let mut e = call(f.case, ymd(2026, 1, 16));
                e.contact_name = None;
                e
            },
            "contact_name",
        ),
        (
            {
                let mut e = call(f.case, ymd(2026, 1, 16));
                e.title = Some("x".into());
                e
            },
            "title",
        ),
        (
            {
                let mut e = call(f.case, ymd(2026, 1, 16));
                e.commitments[0].due = Some(ymd(2026, 1, 2));
                e
            },
            "commitments[0].due",
        ),
        (
            {
                let mut e = call(f.case, ymd(2026, 1, 16));
                e.case_id = Some(other_case);
                e
            },
            "case_id",
        ),
        (
            {
                let mut e = call(f.case, ymd(2026, 1, 16));
                e.document_ids = vec![DocumentId::new()];
                e
            },
            "document_ids[0]",
        ),
        (
            {
                let mut e = call(f.case, ymd(2026, 1, 16));
                e.date = ymd(2026, 3, 1);
                e.commitments.clear();
                e
            },
            "date",
        ),
        (
            {
                let mut e = call(f.case, ymd(2026, 1, 16));
                e.summary = Some("x".repeat(20_001));
                e
            },
            "summary",
        ),
        (
            {
                let mut e = call(f.case, ymd(2026, 1, 16));
                e.commitments = (0..21)
                    .map(|i| NewCommitment { id: None, text: format!("p{i}"), by: Party::School, due: None })
                    .collect();
                e
            },
            "commitments",
        ),
        (
            {
                let mut e = NewEntry::of(TimelineKind::Event, ymd(2026, 1, 5));
                e.title = Some("Excluded".into());
                e.category = Some(EventCategory::Exclusion);
                e.commitments = call(f.case, ymd(2026, 1, 16)).commitments;
                e
            },
            "commitments",
        ),
    ];
    for (e, field) in cases {
        let before = f.w.snap.prefix(&Scope::Child(f.child), "").count();
        let err = on_timeline(&mut f, &mum, TimelineEntryId::new(), TimelineCommand::AddEntry { entry: Box::new(e) })
            .unwrap_err();
        assert!(refused_fields(err).contains(&field.to_owned()), "{field}");
        assert_eq!(f.w.snap.prefix(&Scope::Child(f.child), "").count(), before);
    }
    // Kept before it was promised, or in the future.
    let id = TimelineEntryId::new();
    {
        let e = call(f.case, ymd(2026, 1, 16));
        on_timeline(&mut f, &mum, id, TimelineCommand::AddEntry { entry: Box::new(e) })
    }
    .unwrap();
    let cid = entry(&f, id).commitments[0].id;
    for on in [ymd(2026, 1, 11), ymd(2026, 1, 21)] {
        let err = on_timeline(&mut f, &mum, id, TimelineCommand::RecordKept { commitment_id: cid, on: Some(on) })
            .unwrap_err();
        assert_eq!(refused_fields(err), vec!["on"]);
    }
    let unknown = TimelineCommand::RecordKept { commitment_id: CommitmentId::new(), on: None };
    assert!(matches!(on_timeline(&mut f, &mum, id, unknown), Err(DomainError::NotFound { .. })));
    // A field of another kind is refused on edit too; the kind never changes.
    let patch = EntryPatch { purpose: Some(AppointmentPurpose::Clinical), ..EntryPatch::default() };
    assert_eq!(
        refused_fields(
            on_timeline(&mut f, &mum, id, TimelineCommand::EditEntry { patch: Box::new(patch) }).unwrap_err()
        ),
        vec!["purpose"]
    );
}

#[test]
fn the_chronology_numbers_its_rows_and_says_promised_never_required() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let (kept, broken, hidden) = (TimelineEntryId::new(), TimelineEntryId::new(), TimelineEntryId::new());
    {
        let e = call(f.case, ymd(2026, 1, 16));
        on_timeline(&mut f, &mum, broken, TimelineCommand::AddEntry { entry: Box::new(e) })
    }
    .unwrap();
    let mut e = call(f.case, ymd(2026, 1, 14));
    e.date = ymd(2026, 1, 11);
    e.channel = Some(Channel::Email);
    e.direction = Some(Direction::Outgoing);
    on_timeline(&mut f, &mum, kept, TimelineCommand::AddEntry { entry: Box::new(e) }).unwrap();
    let cid = entry(&f, kept).commitments[0].id;
    on_timeline(&mut f, &mum, kept, TimelineCommand::RecordKept { commitment_id: cid, on: Some(ymd(2026, 1, 14)) })
        .unwrap();
    let mut e = call(f.case, ymd(2026, 1, 16));
    e.include_in_timeline = Some(false);
    on_timeline(&mut f, &mum, hidden, TimelineCommand::AddEntry { entry: Box::new(e) }).unwrap();

    let agg = f.w.case(f.child, f.case);
    let entries: Vec<TimelineEntry> = [kept, broken, hidden].iter().map(|id| entry(&f, *id)).collect();
    let child = match f.w.snap.get(&Scope::Child(f.child), keys::CHILD_PROFILE) {
        Some(Record::Child(c)) => c.clone(),
        _ => panic!("child"),
    };
    let sources = chronology::Sources { child: Some(&child), entries: &entries, ..Default::default() };
    let c = Chronology::build(&agg, &sources, ymd(2026, 1, 20));
    let rows: Vec<_> = c.entries.iter().filter(|e| e.entry_id.is_some()).collect();
    assert_eq!(rows.len(), 2, "the hidden entry stays out");
    assert_eq!(rows[0].title, "Email to Sam Patel (EHC caseworker, Leeds SEN team)");
    assert_eq!(rows[1].title, "Phone call from Sam Patel (EHC caseworker, Leeds SEN team)");
    assert_eq!(rows[1].time.as_deref(), Some("14:05"));
    assert_eq!(rows[0].promises[0].keeping_text, "kept");
    assert_eq!(rows[1].promises[0].keeping_text, "not kept (overdue 4 days)");
    assert_eq!(rows[1].promises[0].by, "the local authority");
    assert_eq!(c.promises, chronology::PromiseCounts { made: 2, kept: 1, kept_late: 0, not_kept: 1 });
    assert_eq!(c.deadlines_missed, 0, "a broken promise is not a missed statutory deadline");
    assert_eq!(c.entries.iter().map(|e| e.row).collect::<Vec<_>>(), (1..=c.entries.len()).collect::<Vec<_>>());
    assert!(c.entries.windows(2).all(|w| w[0].date <= w[1].date), "date order");
    assert_eq!(c.child.as_ref().map(|h| h.name.as_str()), Some("Ada"));
    let json = serde_json::to_string(&c).unwrap();
    assert!(!json.contains("required") && !json.contains("breach"), "promises are promised, never required");

    // Only the parts asked for.
    let only = chronology::Include::parse("timeline").unwrap();
    let sources = chronology::Sources { include: only, ..sources };
    let c = Chronology::build(&agg, &sources, ymd(2026, 1, 20));
    assert!(c.entries.iter().all(|e| e.entry_id.is_some()) && c.entries.len() == 2);
    assert_eq!(chronology::Include::parse("timeline,bogus"), None);
}
