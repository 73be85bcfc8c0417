//! Evidence bundles: the sections and limits of the Practice Direction's Schedule One, the checks
//! BN01–BN08, the page plan, and the commands through `decide`.

use std::collections::HashMap;

use super::*;
use crate::bundle::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 20, 10, 0, 0).unwrap()
}

fn doc(title: &str, pages: u32) -> Document {
    Document {
        id: DocumentId::new(),
        child_id: ChildId::new(),
        family_id: FamilyId::new(),
        title: title.into(),
        category: DocumentCategory::Other,
        content_type: DocumentType::Pdf,
        size: 1000,
        state: DocumentState::Uploaded,
        sha256: Some(format!("{:064x}", title.len() as u64 * 7919 + pages as u64)),
        uploaded_at: Some(now()),
        created_by: ActorRef::scanner(),
        created_at: now(),
        updated_at: now(),
        analysis: None,
        document_date: None,
        author: None,
        evidence_kind: None,
        pages: Some(pages),
        blank_pages: Vec::new(),
        summary_heading: None,
        unusable: None,
    }
}

fn bundle(purpose: BundlePurpose, appeal: Option<AppealType>, items: &[(&Document, BundleSection)]) -> Bundle {
    Bundle {
        id: BundleId::new(),
        child_id: ChildId::new(),
        family_id: FamilyId::new(),
        title: "Tribunal bundle".into(),
        purpose,
        appeal_type: appeal,
        case_id: None,
        appeal_reference: Some("EH123/26/00001".into()),
        hearing_date: Some(ymd(2026, 6, 10)),
        final_evidence_date: None,
        items: items.iter().map(|(d, s)| BundleItem { document_id: d.id, section: *s }).collect(),
        order: ItemOrder::ByDate,
        versions: 0,
        shared_with: Vec::new(),
        created_by: ActorRef::scanner(),
        created_at: now(),
        updated_at: now(),
    }
}

fn run(b: &Bundle, docs: &[&Document]) -> Review {
    let map: HashMap<DocumentId, &Document> = docs.iter().map(|d| (d.id, *d)).collect();
    review(b, &map, ymd(2026, 1, 20))
}

fn rules(r: &Review) -> Vec<(&str, CheckSeverity, Option<&str>)> {
    r.checks.iter().map(|c| (c.rule_id.as_str(), c.severity, c.exhibit.as_deref())).collect()
}

#[test]
fn the_limits_are_schedule_ones_table() {
    use AppealType::*;
    let table = [
        (RefusalToAssess, 75),
        (RefusalToIssue, 100),
        (Contents, 100),
        (SectionIOnly, 75),
        (CeaseToMaintain, 75),
        (Extended, 75),
    ];
    for (appeal, limit) in table {
        assert_eq!(BundleSection::FamilyEvidence.limit(Some(appeal)), Some(limit), "{appeal}");
        assert_eq!(BundleSection::Core.limit(Some(appeal)), Some(100));
        assert_eq!(BundleSection::Plan.limit(Some(appeal)), Some(150));
        assert_eq!(BundleSection::WorkingDocument.limit(Some(appeal)), Some(25));
        assert_eq!(BundleSection::Other.limit(Some(appeal)), None);
    }
    assert_eq!(AppealType::ALL.len(), table.len(), "every appeal type has its row");
    assert_eq!(BundleSection::FamilyEvidence.limit(None), None, "no appeal type, no limit yet");
    assert!(
        !BundlePurpose::Tribunal.sections().contains(&BundleSection::Other),
        "other documents are not for the tribunal"
    );
}

#[test]
fn bn01_a_section_over_its_limit_is_red_and_a_send7_draft_is_offered() {
    let a = doc("Speech and language report", 60);
    let b = doc("Educational psychologist report", 41);
    let plan = doc("Final EHCP", 30);
    let items =
        [(&a, BundleSection::FamilyEvidence), (&b, BundleSection::FamilyEvidence), (&plan, BundleSection::Plan)];
    let r = run(&bundle(BundlePurpose::Tribunal, Some(AppealType::RefusalToIssue), &items), &[&a, &b, &plan]);
    let m = r.meters.iter().find(|m| m.section == BundleSection::FamilyEvidence).unwrap();
    assert_eq!((m.pages, m.limit, m.over_by), (101, Some(100), 1));
    let c = &r.checks[0];
    assert_eq!(
        (c.rule_id.as_str(), c.severity, c.section),
        ("BN01", CheckSeverity::Red, Some(BundleSection::FamilyEvidence))
    );
    assert!(c.message.contains("101 pages") && c.message.contains("limit is 100 (1 over)"), "{}", c.message);
    let draft = r.send7_draft.as_deref().unwrap();
    assert!(
        draft.contains("SEND7") && draft.contains("EH123/26/00001") && draft.contains("over by 1 page."),
        "{draft}"
    );
    assert!(draft.contains("[Explain here"), "the family fills in why");

    // At the limit exactly is within it; the same pages under a contents appeal too.
    let within = run(&bundle(BundlePurpose::Tribunal, Some(AppealType::SectionIOnly), &items[1..]), &[&b, &plan]);
    assert!(within.send7_draft.is_none() && !rules(&within).iter().any(|r| r.0 == "BN01"));
    // A review bundle has no limits.
    let review_bundle = bundle(BundlePurpose::AnnualReview, None, &items);
    let r = run(&review_bundle, &[&a, &b, &plan]);
    assert!(r.meters.iter().all(|m| m.limit.is_none() && m.over_by == 0) && r.send7_draft.is_none());
}

#[test]
fn bn02_the_same_file_twice_is_red() {
    let a = doc("OT report", 5);
    let mut copy = doc("OT report (copy)", 5);
    copy.sha256 = a.sha256.clone();
    let items = [(&a, BundleSection::FamilyEvidence), (&copy, BundleSection::Core)];
    let r = run(&bundle(BundlePurpose::Tribunal, Some(AppealType::Contents), &items), &[&a, &copy]);
    // Core (A) comes first, so the family-evidence copy (D1) is the duplicate of A1.
    let c = r.checks.iter().find(|c| c.rule_id == "BN02").unwrap();
    assert_eq!((c.severity, c.exhibit.as_deref()), (CheckSeverity::Red, Some("D1")));
    assert!(c.message.contains("same file as A1") && c.message.contains("multiple copies of the same document"));
}

#[test]
fn bn03_bn04_bn05_expert_reports_and_witness_statements() {
    let mut long = doc("Independent EP report", 16);
    long.evidence_kind = Some(EvidenceKind::ExpertReport);
    long.summary_heading = Some(true);
    long.document_date = Some(ymd(2025, 9, 1));
    let mut no_summary = doc("SALT report", 12);
    no_summary.evidence_kind = Some(EvidenceKind::ExpertReport);
    no_summary.summary_heading = Some(false);
    no_summary.document_date = Some(ymd(2023, 6, 9));
    let mut fine = doc("OT report", 15);
    fine.evidence_kind = Some(EvidenceKind::ExpertReport);
    fine.summary_heading = Some(true);
    fine.document_date = Some(ymd(2023, 6, 10));
    let mut statement = doc("Mother's statement", 11);
    statement.evidence_kind = Some(EvidenceKind::WitnessStatement);
    let mut short_statement = doc("Teacher's statement", 10);
    short_statement.evidence_kind = Some(EvidenceKind::WitnessStatement);
    let s = BundleSection::FamilyEvidence;
    let items = [(&long, s), (&no_summary, s), (&fine, s), (&statement, s), (&short_statement, s)];
    let docs = [&long, &no_summary, &fine, &statement, &short_statement];
    let r = run(&bundle(BundlePurpose::Tribunal, Some(AppealType::Contents), &items), &docs);
    let exhibit = |d: &Document| {
        r.sections.iter().flat_map(|s| &s.items).find(|i| i.document_id == d.id).unwrap().exhibit.clone()
    };
    let found = |rule: &str, d: &Document| {
        r.checks.iter().filter(|c| c.rule_id == rule && c.exhibit.as_deref() == Some(exhibit(d).as_str())).count()
    };
    assert_eq!(found("BN03", &long), 1, "16 pages is over 15");
    assert_eq!(found("BN03", &no_summary), 1, "no summary heading in the first two pages");
    assert_eq!(found("BN03", &fine), 0, "15 pages with a summary is within the rule");
    // Hearing 10 June 2026: a report dated 9 June 2023 is more than 3 years old, 10 June is not.
    assert_eq!(found("BN05", &no_summary), 1);
    assert_eq!(found("BN05", &fine), 0);
    assert_eq!(found("BN04", &statement), 1, "11 pages is over 10");
    assert_eq!(found("BN04", &short_statement), 0);
    assert!(
        r.checks
            .iter()
            .filter(|c| ["BN03", "BN04", "BN05"].contains(&c.rule_id.as_str()))
            .all(|c| c.severity == CheckSeverity::Amber)
    );

    // Without a hearing date, age is judged today (20 January 2026).
    let mut b = bundle(BundlePurpose::Tribunal, Some(AppealType::Contents), &items);
    b.hearing_date = None;
    let r = run(&b, &docs);
    assert!(!r.checks.iter().any(|c| c.rule_id == "BN05"), "June 2023 is not 3 years before January 2026");
    // The Practice Direction's rules are for tribunal bundles only.
    let r = run(&bundle(BundlePurpose::Complaint, None, &items), &docs);
    assert!(r.checks.is_empty(), "{:?}", rules(&r));
}

#[test]
fn bn06_bn07_bn08_blank_pages_unusable_files_and_correspondence() {
    let mut blank = doc("Scanned letter", 4);
    blank.blank_pages = vec![2, 4];
    let mut awaiting = doc("Not yet uploaded", 3);
    awaiting.state = DocumentState::AwaitingUpload;
    let mut heic = doc("Photo of a letter", 1);
    heic.content_type = DocumentType::Heic;
    let mut locked = doc("Protected PDF", 3);
    locked.unusable = Some(Unusable::Encrypted);
    let mut uncounted = doc("Uploaded long ago", 3);
    uncounted.pages = None;
    let mut email = doc("Emails with the caseworker", 2);
    email.evidence_kind = Some(EvidenceKind::Correspondence);
    let s = BundleSection::FamilyEvidence;
    let deleted = doc("Deleted", 1);
    let items = [(&blank, s), (&awaiting, s), (&heic, s), (&locked, s), (&uncounted, s), (&email, s), (&deleted, s)];
    let r = run(
        &bundle(BundlePurpose::Tribunal, Some(AppealType::Contents), &items),
        &[&blank, &awaiting, &heic, &locked, &uncounted, &email],
    );
    let count = |rule: &str| r.checks.iter().filter(|c| c.rule_id == rule).count();
    assert_eq!(count("BN06"), 1);
    assert!(r.checks.iter().any(|c| c.rule_id == "BN06" && c.message.contains("page 2, 4")));
    assert_eq!(count("BN07"), 5, "awaiting, HEIC, encrypted, uncounted, deleted");
    assert!(r.checks.iter().any(|c| c.rule_id == "BN07" && c.message.contains("HEIC")));
    assert!(r.checks.iter().any(|c| c.rule_id == "BN07" && c.message.contains("password-protected")));
    assert_eq!(count("BN08"), 1);
    assert!(r.checks.iter().filter(|c| c.rule_id == "BN07").all(|c| c.severity == CheckSeverity::Red));
    // Items the build cannot take have no pages in the plan and do not count against limits.
    let fe = r.meters.iter().find(|m| m.section == s).unwrap();
    assert_eq!(fe.pages, 4 + 2);
}

#[test]
fn the_page_plan_orders_by_date_and_counts_the_front_pages() {
    let mut old = doc("Old report", 3);
    old.document_date = Some(ymd(2024, 1, 1));
    let mut new = doc("New report", 2);
    new.document_date = Some(ymd(2025, 1, 1));
    let undated = doc("Undated note", 1);
    let plan = doc("Final plan", 10);
    let s = BundleSection::FamilyEvidence;
    let items = [(&undated, s), (&new, s), (&plan, BundleSection::Plan), (&old, s)];
    let mut b = bundle(BundlePurpose::Tribunal, Some(AppealType::Contents), &items);
    let r = run(&b, &[&old, &new, &undated, &plan]);
    // Cover (1), index (1): the plan section's divider is page 3, the plan pages 4-13; the
    // evidence divider is 14, then oldest first: 15-17, 18-19, 20.
    assert_eq!(r.front_pages, 2);
    let plan_section = &r.sections[0];
    assert_eq!((plan_section.section, plan_section.divider_page), (BundleSection::Plan, 3));
    assert_eq!((plan_section.items[0].start_page, plan_section.items[0].end_page), (Some(4), Some(13)));
    let ev = &r.sections[1];
    assert_eq!(ev.divider_page, 14);
    let got: Vec<_> = ev.items.iter().map(|i| (i.exhibit.as_str(), i.title.as_str(), i.start_page)).collect();
    assert_eq!(got, [("D1", "Old report", Some(15)), ("D2", "New report", Some(18)), ("D3", "Undated note", Some(20))]);
    assert_eq!(r.pages_before_generated, 20);
    assert!(r.generated_exhibits.is_empty());

    // As the family placed them; a case adds the generated exhibits (and their index rows).
    b.order = ItemOrder::AsGiven;
    b.case_id = Some(CaseId::new());
    let r = run(&b, &[&old, &new, &undated, &plan]);
    let got: Vec<_> = r.sections[1].items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(got, ["Undated note", "New report", "Old report"]);
    assert_eq!(r.generated_exhibits.len(), 2);

    // An index of more rows than one page holds takes more pages, and moves every page on.
    assert_eq!(index_pages(INDEX_ROWS_PER_PAGE), 1);
    assert_eq!(index_pages(INDEX_ROWS_PER_PAGE + 1), 2);
    assert_eq!(index_pages(0), 1);
}

#[test]
fn a_summary_heading_is_a_short_line_naming_a_summary() {
    assert!(has_summary_heading("Report\nExecutive Summary\nAda is a lively girl"));
    assert!(has_summary_heading("1. SUMMARY OF NEEDS AND RECOMMENDATIONS"));
    assert!(!has_summary_heading(
        "In this report I do not give a summary of every assessment that the school has carried out this year."
    ));
    assert!(!has_summary_heading("Background\nAssessment results"));
}

fn on_bundle(f: &mut Fixture, who: &Actor, id: BundleId, command: BundleCommand) -> Result<Decision, DomainError> {
    f.w.run(who, Command::Bundle { child_id: f.child, bundle_id: id, command })
}

fn new_bundle(case: Option<CaseId>) -> NewBundle {
    NewBundle {
        id: None,
        title: "Appeal against Sections B and F".into(),
        purpose: BundlePurpose::Tribunal,
        appeal_type: Some(AppealType::Contents),
        case_id: case,
        appeal_reference: Some("EH123/26/00001".into()),
        hearing_date: Some(ymd(2026, 6, 10)),
        final_evidence_date: Some(ymd(2026, 5, 1)),
    }
}

fn uploaded_document(f: &mut Fixture, pages: u32) -> DocumentId {
    let id = DocumentId::new();
    let mum = f.mum.clone();
    let create = DocumentCommand::CreateDocument {
        title: format!("Report of {pages} pages"),
        category: DocumentCategory::Education,
        content_type: DocumentType::Pdf,
        size: 2048,
    };
    f.w.run(&mum, Command::document(f.child, id, create)).unwrap();
    let facts = PageFacts { pages, ..PageFacts::default() };
    let confirm = SystemCommand::ConfirmUpload {
        child_id: f.child,
        document_id: id,
        size: 2048,
        sha256: format!("{:064x}", pages),
        facts: Some(facts),
    };
    f.w.run(&mum, confirm).unwrap();
    id
}

fn stored_bundle(f: &Fixture, id: BundleId) -> Bundle {
    match f.w.snap.get(&Scope::Child(f.child), &keys::bundle(id)) {
        Some(Record::Bundle(b)) => b.clone(),
        other => panic!("no bundle: {other:?}"),
    }
}

#[test]
fn the_family_makes_a_bundle_fills_it_and_asks_for_builds() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let id = BundleId::new();
    let create = || BundleCommand::CreateBundle { bundle: Box::new(new_bundle(None)) };
    on_bundle(&mut f, &mum, id, create()).unwrap();
    assert!(on_bundle(&mut f, &mum, id, create()).unwrap().is_noop(), "a retry creates it once");
    let mut other = new_bundle(None);
    other.title = "Another".into();
    let taken = on_bundle(&mut f, &mum, id, BundleCommand::CreateBundle { bundle: Box::new(other) });
    assert!(matches!(taken, Err(DomainError::Conflict(_))));

    // An empty bundle cannot be built.
    let empty = on_bundle(&mut f, &mum, id, BundleCommand::RequestBuild { build_id: BuildId::new() });
    assert!(matches!(empty, Err(DomainError::Refused(e)) if e[0].field == "items"));

    let a = uploaded_document(&mut f, 12);
    let b = uploaded_document(&mut f, 3);
    let items = vec![
        BundleItem { document_id: a, section: BundleSection::FamilyEvidence },
        BundleItem { document_id: b, section: BundleSection::Core },
    ];
    on_bundle(&mut f, &mum, id, BundleCommand::SetItems { items: items.clone(), order: ItemOrder::ByDate }).unwrap();
    assert_eq!(stored_bundle(&f, id).items, items);

    let first = BuildId::new();
    let d = on_bundle(&mut f, &mum, id, BundleCommand::RequestBuild { build_id: first }).unwrap();
    assert!(d.writes.iter().any(|w| w.key == keys::build(id, first)));
    assert!(on_bundle(&mut f, &mum, id, BundleCommand::RequestBuild { build_id: first }).unwrap().is_noop(), "retry");
    let second = BuildId::new();
    on_bundle(&mut f, &mum, id, BundleCommand::RequestBuild { build_id: second }).unwrap();
    let build = |f: &Fixture, b: BuildId| match f.w.snap.get(&Scope::Child(f.child), &keys::build(id, b)) {
        Some(Record::Build(b)) => b.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!((build(&f, first).version, build(&f, second).version), (1, 2));
    assert_eq!(build(&f, first).state, BuildState::Queued);

    // The builder reports; a late report of failure never overwrites a finished build.
    let report = |b: BuildId, outcome: BuildOutcome| SystemCommand::RecordBuild {
        child_id: f.child,
        bundle_id: id,
        build_id: b,
        outcome,
    };
    f.w.run(&mum, report(first, BuildOutcome::Building)).unwrap();
    assert_eq!(build(&f, first).state, BuildState::Building);
    let ready = BuildOutcome::Ready { pages: 20, sha256: "b".repeat(64), size: 4096 };
    f.w.run(&mum, report(first, ready)).unwrap();
    let late = f.w.run(&mum, report(first, BuildOutcome::Failed { reason: "late".into() })).unwrap();
    assert!(late.is_noop());
    assert_eq!((build(&f, first).state, build(&f, first).pages), (BuildState::Ready, Some(20)));
    f.w.run(&mum, report(second, BuildOutcome::Failed { reason: "storage unavailable".into() })).unwrap();
    assert_eq!(build(&f, second).reason.as_deref(), Some("storage unavailable"));

    // Editing: the case must be this child's; null clears.
    let mut patch = BundlePatch { case_id: Some(Some(CaseId::new())), ..BundlePatch::default() };
    let wrong = on_bundle(&mut f, &mum, id, BundleCommand::EditBundle { patch: Box::new(patch.clone()) });
    assert!(matches!(wrong, Err(DomainError::Refused(e)) if e[0].field == "case_id"));
    patch.case_id = Some(Some(f.case));
    patch.hearing_date = Some(None);
    on_bundle(&mut f, &mum, id, BundleCommand::EditBundle { patch: Box::new(patch) }).unwrap();
    let b = stored_bundle(&f, id);
    assert_eq!((b.case_id, b.hearing_date, b.versions), (Some(f.case), None, 2));

    // Deleting takes its builds with it; a second delete is done already.
    let gone = on_bundle(&mut f, &mum, id, BundleCommand::DeleteBundle).unwrap();
    assert_eq!(gone.writes.iter().filter(|w| w.delete).count(), 3);
    assert!(on_bundle(&mut f, &mum, id, BundleCommand::DeleteBundle).unwrap().is_noop());
}

#[test]
fn bad_items_are_refused_and_change_nothing() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let id = BundleId::new();
    let with_case = new_bundle(Some(f.case));
    on_bundle(&mut f, &mum, id, BundleCommand::CreateBundle { bundle: Box::new(with_case) }).unwrap();
    let mine = uploaded_document(&mut f, 2);
    let item = |document_id, section| BundleItem { document_id, section };
    let set = |items: Vec<BundleItem>| BundleCommand::SetItems { items, order: ItemOrder::ByDate };
    let fields = |r: Result<Decision, DomainError>| match r {
        Err(DomainError::Refused(e)) | Err(DomainError::Invalid(e)) => {
            e.into_iter().map(|e| e.field).collect::<Vec<_>>()
        }
        other => panic!("{other:?}"),
    };
    // Another child's document (or none), a section a tribunal bundle does not have, a twin.
    let r = on_bundle(
        &mut f,
        &mum,
        id,
        set(vec![
            item(DocumentId::new(), BundleSection::Core),
            item(mine, BundleSection::Other),
            item(mine, BundleSection::Core),
        ]),
    );
    assert_eq!(fields(r), ["items[0].document_id", "items[1].section", "items[2].document_id"]);
    let too_many = (0..=MAX_ITEMS).map(|_| item(mine, BundleSection::Core)).collect();
    assert_eq!(fields(on_bundle(&mut f, &mum, id, set(too_many))), ["items"]);
    assert!(stored_bundle(&f, id).items.is_empty(), "nothing changed");

    // An appeal type on a review bundle; evidence due after the hearing.
    let mut review_bundle = new_bundle(None);
    review_bundle.purpose = BundlePurpose::AnnualReview;
    review_bundle.final_evidence_date = Some(ymd(2026, 7, 1));
    let r = on_bundle(&mut f, &mum, BundleId::new(), BundleCommand::CreateBundle { bundle: Box::new(review_bundle) });
    assert_eq!(fields(r), ["appeal_type", "final_evidence_date"]);

    // A document not yet uploaded is named by the checks, and no build is recorded.
    let waiting = DocumentId::new();
    let create = DocumentCommand::CreateDocument {
        title: "Letter".into(),
        category: DocumentCategory::Correspondence,
        content_type: DocumentType::Pdf,
        size: 10,
    };
    f.w.run(&mum, Command::document(f.child, waiting, create)).unwrap();
    on_bundle(&mut f, &mum, id, set(vec![item(mine, BundleSection::Core), item(waiting, BundleSection::Core)]))
        .unwrap();
    let r = on_bundle(&mut f, &mum, id, BundleCommand::RequestBuild { build_id: BuildId::new() });
    assert!(matches!(&r, Err(DomainError::Refused(e)) if e[0].message.contains("not been uploaded")), "{r:?}");
    assert_eq!(stored_bundle(&f, id).versions, 0);
}

#[test]
fn bundles_are_the_familys_and_strangers_see_nothing() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let id = BundleId::new();
    on_bundle(&mut f, &mum, id, BundleCommand::CreateBundle { bundle: Box::new(new_bundle(None)) }).unwrap();
    let collaborator = advocate(&mut f, "adv", MemberRole::Writer);
    let viewer = advocate(&mut f, "viewer", MemberRole::Reader);
    let stranger = family_actor("stranger");
    for who in [&collaborator, &viewer] {
        let r = on_bundle(&mut f, who, id, BundleCommand::DeleteBundle);
        assert!(matches!(r, Err(DomainError::Forbidden { .. })), "{r:?}");
    }
    let r = on_bundle(&mut f, &stranger, id, BundleCommand::DeleteBundle);
    assert!(matches!(r, Err(DomainError::NotFound { .. })));
    let r = f.w.run(
        &collaborator,
        SystemCommand::RecordBuild {
            child_id: f.child,
            bundle_id: id,
            build_id: BuildId::new(),
            outcome: BuildOutcome::Building,
        },
    );
    assert!(matches!(r, Err(DomainError::Forbidden { .. })));
}

fn connection(f: &mut Fixture, state: ConnectionState, family: FamilyId) -> ConnectionId {
    let id = ConnectionId::new();
    let conn = crate::support::Connection {
        id,
        family_id: family,
        child_id: f.child,
        advocate_id: Some(AdvocateId::for_user(&"adv".parse().unwrap())),
        advocate_user: Some("adv".parse().unwrap()),
        org_id: None,
        replaces: None,
        family_users: vec![f.mum.user.clone()],
        state,
        ticket_id: TicketId::new(),
        created_at: f.w.now,
        updated_at: f.w.now,
        ended_at: None,
    };
    f.w.snap.insert(
        Scope::Conn(id),
        keys::CONNECTION.into(),
        Versioned { version: 1, deleted: false, record: Record::Connection(conn) },
    );
    id
}

#[test]
fn a_bundle_is_shared_with_an_active_connection_and_by_links_that_expire() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let id = BundleId::new();
    on_bundle(&mut f, &mum, id, BundleCommand::CreateBundle { bundle: Box::new(new_bundle(None)) }).unwrap();
    let family = f.family;
    let active = connection(&mut f, ConnectionState::Active, family);
    let ended = connection(&mut f, ConnectionState::Ended, family);
    let theirs = connection(&mut f, ConnectionState::Active, FamilyId::new());
    let share = |c| BundleCommand::Share { connection_id: c };
    on_bundle(&mut f, &mum, id, share(active)).unwrap();
    assert!(on_bundle(&mut f, &mum, id, share(active)).unwrap().is_noop(), "sharing twice is done already");
    assert_eq!(stored_bundle(&f, id).shared_with, vec![active]);
    for (c, words) in [(ended, "ended"), (theirs, "no connection"), (ConnectionId::new(), "no connection")] {
        let r = on_bundle(&mut f, &mum, id, share(c));
        assert!(matches!(&r, Err(DomainError::Refused(e)) if e[0].message.contains(words)), "{r:?}");
    }
    on_bundle(&mut f, &mum, id, BundleCommand::Unshare { connection_id: active }).unwrap();
    assert!(stored_bundle(&f, id).shared_with.is_empty());

    // A link keeps only its token's hash, lives 1 to 30 days, and can be revoked.
    let link_id = ShareLinkId::new();
    let link = |days| BundleCommand::CreateLink { link_id, token_sha256: "c".repeat(64), expires_in_days: days };
    for days in [0, 31] {
        assert!(
            matches!(on_bundle(&mut f, &mum, id, link(days)), Err(DomainError::Invalid(e)) if e[0].field == "expires_in_days")
        );
    }
    let d = on_bundle(&mut f, &mum, id, link(7)).unwrap();
    assert!(d.aliases.iter().any(|a| a.id == "c".repeat(64)), "the hash finds the child's scope");
    let stored = match f.w.snap.get(&Scope::Child(f.child), &keys::link(id, link_id)) {
        Some(Record::ShareLink(l)) => l.clone(),
        other => panic!("{other:?}"),
    };
    assert!(stored.is_open(f.w.now) && !stored.is_open(f.w.now + chrono::Duration::days(7)));
    on_bundle(&mut f, &mum, id, BundleCommand::RevokeLink { link_id }).unwrap();
    let revoked = match f.w.snap.get(&Scope::Child(f.child), &keys::link(id, link_id)) {
        Some(Record::ShareLink(l)) => l.clone(),
        other => panic!("{other:?}"),
    };
    assert!(!revoked.is_open(f.w.now));
    let adv = advocate(&mut f, "collab", MemberRole::Writer);
    assert!(matches!(on_bundle(&mut f, &adv, id, link(3)), Err(DomainError::Forbidden { .. })));
}

/// Exports: one at a time, never asked for through sync, finished once.
#[test]
fn an_export_is_asked_for_once_at_a_time_and_finished_once() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let first = ExportId::new();
    let ask = |id| Command::personal(PersonalCommand::RequestExport { export_id: id });
    f.w.run(&mum, ask(first)).unwrap();
    assert!(f.w.run(&mum, ask(first)).unwrap().is_noop(), "a retry");
    let second = f.w.run(&mum, ask(ExportId::new()));
    assert!(matches!(&second, Err(DomainError::Refused(e)) if e[0].message.contains(&first.to_string())), "{second:?}");
    let synced = f.w.run_synced(&mum, ask(ExportId::new()), Origin { client_id: "phone".into(), mid: 1, base: None });
    assert!(matches!(synced, Err(DomainError::Refused(_))), "asked for online only");
    let report = |outcome| SystemCommand::RecordExport { user: mum.user.clone(), export_id: first, outcome };
    let stranger = family_actor("stranger");
    assert!(matches!(f.w.run(&stranger, report(BuildOutcome::Building)), Err(DomainError::NotFound { .. })));
    f.w.run(&mum, report(BuildOutcome::Ready { pages: 12, sha256: "d".repeat(64), size: 99 })).unwrap();
    assert!(f.w.run(&mum, report(BuildOutcome::Failed { reason: "late".into() })).unwrap().is_noop());
    let Some(Record::Export(e)) = f.w.snap.get(&Scope::User(mum.user.clone()), &keys::export(first)) else { panic!() };
    assert_eq!((e.state, e.files), (BuildState::Ready, Some(12)));
    assert!(e.downloadable(f.w.now) && !e.downloadable(f.w.now + chrono::Duration::days(7)));
    // The person is told once it is ready, naming it.
    let told: Vec<_> =
        f.w.snap
            .prefix(&Scope::User(mum.user.clone()), keys::NOTICE_PREFIX)
            .filter_map(|(_, r)| match r {
                Record::Notice(n) => Some((n.kind, n.export_id)),
                _ => None,
            })
            .collect();
    assert_eq!(told, vec![(NoticeKind::ExportReady, Some(first))]);
    // Finished, the next may be asked for.
    f.w.run(&mum, ask(ExportId::new())).unwrap();
}
