//! Flags and annotations on a case: recording analyses, re-analysis, the family's decisions.

use super::*;
use crate::analyser::{AnalyseOptions, analyse};

const PLAN: &str = "Section B: Special educational needs
B1. Ada has difficulty with expressive language and word finding.
B2. Ada has sensory processing difficulties and becomes overwhelmed in noisy rooms.

Section F: Special educational provision
F1. Ada will have access to speech and language therapy as appropriate.
F2. Ada should receive regular sensory breaks.
F3. Ada will have a weekly 30 minute session with a qualified teacher of the deaf.
";

/// The same plan with F2 fixed and a new vague item F4.
const PLAN_V2: &str = "Section B: Special educational needs
B1. Ada has difficulty with expressive language and word finding.
B2. Ada has sensory processing difficulties and becomes overwhelmed in noisy rooms.

Section F: Special educational provision
F1. Ada will have access to speech and language therapy as appropriate.
F2. Ada will have a 10 minute sensory break, supervised by her named TA, at the start of each afternoon.
F3. Ada will have a weekly 30 minute session with a qualified teacher of the deaf.
F4. Staff will use visual supports where possible.
";

fn hash(text: &str) -> String {
    // Any 64 hex digits stand for the text's SHA-256 here; the service computes the real one.
    format!("{:0>64x}", text.len())
}

/// Uploads a document for the fixture's child and returns its id.
fn uploaded_document(f: &mut Fixture, title: &str) -> DocumentId {
    let mum = f.mum.clone();
    let id = DocumentId::new();
    let create = DocumentCommand::CreateDocument {
        title: title.into(),
        category: DocumentCategory::Ehcp,
        content_type: DocumentType::Pdf,
        size: 100,
    };
    f.w.run(&mum, Command::document(f.child, id, create)).unwrap();
    let confirm = SystemCommand::ConfirmUpload {
        child_id: f.child,
        document_id: id,
        size: 100,
        sha256: "b".repeat(64),
        facts: None,
    };
    f.w.run(&mum, confirm).unwrap();
    id
}

fn record(f: &mut Fixture, actor: &Actor, doc: DocumentId, text: &str) -> Result<Decision, DomainError> {
    let findings = analyse(text, &AnalyseOptions::default()).unwrap().findings;
    let command = SystemCommand::RecordAnalysis {
        child_id: f.child,
        document_id: doc,
        case_id: Some(f.case),
        text_hash: hash(text),
        findings,
    };
    f.w.run(actor, command)
}

fn flag_on<'a>(flags: &'a [Flag], rule: &str, excerpt_start: &str) -> &'a Flag {
    flags
        .iter()
        .find(|f| f.rule_id.as_deref() == Some(rule) && f.excerpt.starts_with(excerpt_start))
        .unwrap_or_else(|| panic!("no {rule} flag on {excerpt_start:?} in {flags:#?}"))
}

fn decide(f: &mut Fixture, flag: FlagId, status: FlagStatus, note: Option<&str>) -> Result<Decision, DomainError> {
    let mum = f.mum.clone();
    on_case(f, &mum, CaseCommand::DecideFlag { flag_id: flag, status, note: note.map(Into::into) })
}

#[test]
fn an_analysis_puts_its_flags_on_the_case_and_the_document() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let doc = uploaded_document(&mut f, "Draft EHCP");
    let expected = analyse(PLAN, &AnalyseOptions::default()).unwrap().findings;
    assert!(expected.len() >= 3, "the plan has defects: {expected:#?}");
    record(&mut f, &mum, doc, PLAN).unwrap();

    let agg = f.w.case(f.child, f.case);
    assert_eq!(agg.flags.len(), expected.len());
    let f1 = flag_on(&agg.flags, "VL01", "Ada will have access to");
    assert_eq!((f1.status, f1.origin, f1.section), (FlagStatus::Open, FlagOrigin::Analyser, Some(Section::F)));
    assert_eq!(f1.document_id, Some(doc));
    assert!(f1.authority.is_some() && !f1.rationale.is_empty());
    let Some(Record::Document(d)) = f.w.snap.get(&Scope::Child(f.child), &keys::document(doc)) else { panic!() };
    let analysis = d.analysis.as_ref().unwrap();
    assert_eq!(
        (analysis.state, analysis.flags, analysis.case_id),
        (AnalysisState::Analysed, expected.len(), Some(f.case))
    );

    // The same text again changes nothing: a retry is safe.
    assert!(record(&mut f, &mum, doc, PLAN).unwrap().is_noop());
}

#[test]
fn reanalysis_replaces_open_flags_and_keeps_the_familys_decisions() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let draft = uploaded_document(&mut f, "Draft EHCP");
    record(&mut f, &mum, draft, PLAN).unwrap();
    let agg = f.w.case(f.child, f.case);
    let access = flag_on(&agg.flags, "VL01", "Ada will have access to").id;
    let regular = flag_on(&agg.flags, "VL03", "Ada should receive regular").id;
    decide(&mut f, access, FlagStatus::Confirmed, Some("The LA refused SALT last year too")).unwrap();
    decide(&mut f, regular, FlagStatus::Dismissed, None).unwrap();
    assert!(decide(&mut f, access, FlagStatus::Confirmed, None).unwrap().is_noop(), "deciding twice is a no-op");

    // A new version of the plan, uploaded as a new document and analysed onto the same case.
    let final_plan = uploaded_document(&mut f, "Final EHCP");
    record(&mut f, &mum, final_plan, PLAN_V2).unwrap();
    let agg = f.w.case(f.child, f.case);
    let kept = flag_on(&agg.flags, "VL01", "Ada will have access to");
    assert_eq!(kept.id, access, "the same passage keeps its flag");
    assert_eq!(kept.status, FlagStatus::Confirmed);
    assert_eq!(kept.family_note.as_deref(), Some("The LA refused SALT last year too"));
    assert_eq!(kept.document_id, Some(final_plan), "the flag now points into the new version");
    // The dismissed flag's passage is gone from the new version: it stays, hidden, never lost.
    let dismissed = agg.flags.iter().find(|x| x.id == regular).unwrap();
    assert_eq!(dismissed.status, FlagStatus::Dismissed);
    // The new vague item is flagged, open.
    let new = flag_on(&agg.flags, "VL02", "Staff will use visual supports");
    assert_eq!(new.status, FlagStatus::Open);
    // Open flags on passages that are gone have been replaced.
    let open_from_draft: Vec<_> =
        agg.flags.iter().filter(|x| x.status == FlagStatus::Open && x.document_id == Some(draft)).collect();
    assert!(open_from_draft.is_empty(), "{open_from_draft:#?}");

    let detail = CaseDetail::new(agg.clone(), ymd(2026, 1, 20));
    assert_eq!(detail.dismissed_flags, 1);
    assert!(detail.flags.iter().all(|x| x.status != FlagStatus::Dismissed));
    assert_eq!(detail.flags.len(), agg.flags.len() - 1);
    // The case page leads with red, then amber, then info; each in reading order.
    let severities: Vec<_> = detail.flags.iter().map(|x| x.severity).collect();
    assert!(severities.windows(2).all(|w| w[0] >= w[1]), "{severities:?}");
    assert!(severities.first() > severities.last(), "{severities:?}");
    for level in [FlagSeverity::Red, FlagSeverity::Amber, FlagSeverity::Info] {
        let positions: Vec<_> =
            detail.flags.iter().filter(|x| x.severity == level).map(|x| (x.section, x.span.map(|s| s.start))).collect();
        assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{level:?} flags out of reading order: {positions:?}");
    }
}

#[test]
fn only_the_family_analyses_and_decides() {
    let mut f = fixture();
    let doc = uploaded_document(&mut f, "Draft EHCP");
    let writer = advocate(&mut f, "writer", MemberRole::Writer);
    let reader = advocate(&mut f, "reader", MemberRole::Reader);
    // `docs/access.md`: running or editing an analysis is the family's, at any grant level.
    assert!(matches!(record(&mut f, &reader, doc, PLAN), Err(DomainError::Forbidden { .. })));
    assert!(matches!(record(&mut f, &writer, doc, PLAN), Err(DomainError::Forbidden { .. })));
    let mum = f.mum.clone();
    record(&mut f, &mum, doc, PLAN).unwrap();
    let flag = f.w.case(f.child, f.case).flags[0].id;
    let confirm = CaseCommand::DecideFlag { flag_id: flag, status: FlagStatus::Confirmed, note: None };
    assert!(matches!(on_case(&mut f, &writer, confirm.clone()), Err(DomainError::Forbidden { .. })));
    let stranger = family_actor("stranger");
    assert!(matches!(on_case(&mut f, &stranger, confirm.clone()), Err(DomainError::NotFound { .. })));
    let note = CaseCommand::AddAnnotation {
        annotation_id: AnnotationId::new(),
        section: Section::F,
        quote: "access to".into(),
        comment: "vague".into(),
        document_ids: vec![],
    };
    // Annotations are notes on the plan: collaborators add them too (`docs/access.md`); viewers may not.
    assert!(matches!(on_case(&mut f, &reader, note.clone()), Err(DomainError::Forbidden { .. })));
    on_case(&mut f, &writer, note).unwrap();
    let unknown = CaseCommand::DecideFlag { flag_id: FlagId::new(), status: FlagStatus::Confirmed, note: None };
    assert_eq!(decide_as_mum(&mut f, unknown).unwrap_err(), DomainError::NotFound { what: "flag" });
    decide_as_mum(&mut f, confirm).unwrap();
}

fn decide_as_mum(f: &mut Fixture, command: CaseCommand) -> Result<Decision, DomainError> {
    let mum = f.mum.clone();
    on_case(f, &mum, command)
}

#[test]
fn analysis_needs_an_uploaded_document_and_failures_are_recorded() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let scope = Scope::Child(f.child);
    let pending = DocumentId::new();
    let create = DocumentCommand::CreateDocument {
        title: "Scan".into(),
        category: DocumentCategory::Ehcp,
        content_type: DocumentType::Pdf,
        size: 10,
    };
    f.w.run(&mum, Command::document(f.child, pending, create)).unwrap();
    assert!(matches!(record(&mut f, &mum, pending, PLAN), Err(DomainError::Conflict(_))));
    assert_eq!(record(&mut f, &mum, DocumentId::new(), PLAN).unwrap_err(), DomainError::NotFound { what: "document" });

    let doc = uploaded_document(&mut f, "Scanned plan");
    let fail = SystemCommand::RecordAnalysisFailure {
        child_id: f.child,
        document_id: doc,
        reason: "This PDF is a scan.".into(),
    };
    f.w.run(&mum, fail).unwrap();
    let Some(Record::Document(d)) = f.w.snap.get(&scope, &keys::document(doc)) else { panic!() };
    let analysis = d.analysis.as_ref().unwrap();
    assert_eq!(
        (analysis.state, analysis.reason.as_deref()),
        (AnalysisState::AnalysisFailed, Some("This PDF is a scan."))
    );

    let bad_hash = SystemCommand::RecordAnalysis {
        child_id: f.child,
        document_id: doc,
        case_id: Some(f.case),
        text_hash: "xyz".into(),
        findings: vec![],
    };
    assert!(matches!(f.w.run(&mum, bad_hash), Err(DomainError::Invalid(e)) if e[0].field == "text_hash"));
    let other_case = SystemCommand::RecordAnalysis {
        child_id: f.child,
        document_id: doc,
        case_id: Some(CaseId::new()),
        text_hash: hash(PLAN),
        findings: vec![],
    };
    assert_eq!(f.w.run(&mum, other_case).unwrap_err(), DomainError::not_this_childs_case("case_id"));
}

#[test]
fn families_add_manual_flags_move_them_and_keep_notes() {
    let mut f = fixture();
    let doc = uploaded_document(&mut f, "OT report");
    let id = FlagId::new();
    let add = |excerpt: &str| CaseCommand::AddFlag {
        flag_id: id,
        kind: FlagKind::EvidenceInconsistency,
        section: Some(Section::F),
        excerpt: excerpt.into(),
        severity: None,
        rationale: Some("The OT recommended weekly sessions".into()),
        document_id: Some(doc),
        note: None,
    };
    decide_as_mum(&mut f, add("OT input termly")).unwrap();
    assert!(decide_as_mum(&mut f, add("OT input termly")).unwrap().is_noop(), "safe retry");
    assert!(matches!(decide_as_mum(&mut f, add("something else")), Err(DomainError::Conflict(_))));
    assert!(matches!(decide_as_mum(&mut f, add("  ")), Err(DomainError::Invalid(_))));
    let other_childs_doc = CaseCommand::AddFlag {
        flag_id: FlagId::new(),
        kind: FlagKind::VagueLanguage,
        section: None,
        excerpt: "x".into(),
        severity: None,
        rationale: None,
        document_id: Some(DocumentId::new()),
        note: None,
    };
    assert!(
        matches!(decide_as_mum(&mut f, other_childs_doc), Err(DomainError::Refused(e)) if e[0].field == "document_id")
    );

    let edit = CaseCommand::EditFlag { flag_id: id, section: Some(Section::G), note: Some("Ask at review".into()) };
    decide_as_mum(&mut f, edit.clone()).unwrap();
    assert!(decide_as_mum(&mut f, edit).unwrap().is_noop());
    let flag = f.w.case(f.child, f.case).flags.into_iter().find(|x| x.id == id).unwrap();
    assert_eq!((flag.origin, flag.rule_id, flag.severity), (FlagOrigin::Manual, None, FlagSeverity::Amber));
    assert_eq!((flag.section, flag.family_note.as_deref()), (Some(Section::G), Some("Ask at review")));

    // Re-analysis never touches manual flags.
    let plan = uploaded_document(&mut f, "Plan");
    let mum = f.mum.clone();
    record(&mut f, &mum, plan, PLAN).unwrap();
    assert!(f.w.case(f.child, f.case).flags.iter().any(|x| x.id == id && x.origin == FlagOrigin::Manual));
}

#[test]
fn annotations_link_this_childs_documents_and_list_per_section() {
    let mut f = fixture();
    let ot = uploaded_document(&mut f, "OT report");
    let annotate = |id: AnnotationId, section: Section, docs: Vec<DocumentId>| CaseCommand::AddAnnotation {
        annotation_id: id,
        section,
        quote: "OT input termly".into(),
        comment: "This doesn't match the OT report".into(),
        document_ids: docs,
    };
    let first = AnnotationId::new();
    decide_as_mum(&mut f, annotate(first, Section::F, vec![ot, ot])).unwrap();
    assert!(decide_as_mum(&mut f, annotate(first, Section::F, vec![ot])).unwrap().is_noop(), "safe retry");
    assert!(matches!(decide_as_mum(&mut f, annotate(first, Section::B, vec![ot])), Err(DomainError::Conflict(_))));
    let stranger_doc = annotate(AnnotationId::new(), Section::F, vec![DocumentId::new()]);
    assert!(
        matches!(decide_as_mum(&mut f, stranger_doc), Err(DomainError::Refused(e)) if e[0].field == "document_ids")
    );
    let too_many = annotate(AnnotationId::new(), Section::F, (0..30).map(|_| DocumentId::new()).collect());
    assert!(
        matches!(decide_as_mum(&mut f, too_many), Err(DomainError::Invalid(e)) if e[0].message.contains("at most"))
    );
    decide_as_mum(&mut f, annotate(AnnotationId::new(), Section::B, vec![])).unwrap();

    let detail = CaseDetail::new(f.w.case(f.child, f.case), ymd(2026, 1, 20));
    assert_eq!(detail.annotations.keys().copied().collect::<Vec<_>>(), vec![Section::B, Section::F]);
    let on_f = &detail.annotations[&Section::F];
    assert_eq!((on_f.len(), on_f[0].document_ids.as_slice()), (1, [ot].as_slice()));
    assert_eq!(on_f[0].author.user, f.mum.user);
}

/// Holds `plan` against `report` and records the result as the case's comparison flags.
fn record_comparison(
    f: &mut Fixture,
    actor: &Actor,
    plan_doc: DocumentId,
    report_doc: DocumentId,
    plan: &str,
    report: &str,
) -> Result<Decision, DomainError> {
    let c = crate::analyser::compare::compare(plan, &[report], ymd(2026, 12, 1)).unwrap();
    let findings = c
        .findings
        .iter()
        .map(|i| {
            let (document_id, text) = match i.in_report {
                Some(_) => (report_doc, report),
                None => (plan_doc, plan),
            };
            DocumentFinding { document_id, text_hash: hash(text), finding: i.as_flag(&["the SALT report"]) }
        })
        .collect();
    let command = SystemCommand::RecordComparison {
        child_id: f.child,
        case_id: f.case,
        plan_document_id: plan_doc,
        report_document_ids: vec![report_doc],
        findings,
    };
    f.w.run(actor, command)
}

const SALT_REPORT: &str = "Speech and Language Therapy Report\nDate of report: 2 November 2026\n\nRecommendations\nAda should receive direct 1:1 speech and language therapy from a speech and language therapist, 2 x 30 minutes a week.\nHydrotherapy with a physiotherapist for 30 minutes each week.\n";

#[test]
fn a_comparison_puts_its_flags_on_the_case_beside_the_plans_own() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let plan_doc = uploaded_document(&mut f, "Draft EHCP");
    let report_doc = uploaded_document(&mut f, "SALT report");
    record(&mut f, &mum, plan_doc, PLAN).unwrap();
    let analysed = f.w.case(f.child, f.case).flags.len();

    record_comparison(&mut f, &mum, plan_doc, report_doc, PLAN, SALT_REPORT).unwrap();
    let agg = f.w.case(f.child, f.case);
    let ei05 = flag_on(&agg.flags, "EI05", "Ada will have access to speech");
    assert_eq!(
        (ei05.kind, ei05.severity, ei05.document_id),
        (FlagKind::EvidenceInconsistency, FlagSeverity::Red, Some(plan_doc))
    );
    assert!(ei05.rationale.contains("the SALT report says: \"Ada should receive direct 1:1"), "{}", ei05.rationale);
    assert!(ei05.suggested_rewrite.as_deref().is_some_and(|s| s.contains("Ada will receive direct 1:1")));
    // No plan item provides hydrotherapy: its flag quotes the report.
    let missing = flag_on(&agg.flags, "EI01", "Hydrotherapy with a physiotherapist");
    assert_eq!(missing.document_id, Some(report_doc));
    let compared = agg.flags.len() - analysed;
    assert!(compared >= 2, "{:#?}", agg.flags);

    // The family dismisses one; analysing the plan again leaves the comparison alone, and a
    // new comparison keeps the decision.
    decide(&mut f, missing.id, FlagStatus::Dismissed, Some("School runs this already")).unwrap();
    record(&mut f, &mum, plan_doc, PLAN).unwrap();
    assert_eq!(f.w.case(f.child, f.case).flags.len(), analysed + compared);
    assert!(record_comparison(&mut f, &mum, plan_doc, report_doc, PLAN, SALT_REPORT).unwrap().is_noop());
    let fixed = PLAN.replace(
        "Ada will have access to speech and language therapy as appropriate.",
        "Ada will receive direct 1:1 speech and language therapy from a speech and language therapist, 2 x 30 minutes a week.",
    );
    record_comparison(&mut f, &mum, plan_doc, report_doc, &fixed, SALT_REPORT).unwrap();
    let agg = f.w.case(f.child, f.case);
    assert!(agg.flags.iter().all(|x| x.rule_id.as_deref() != Some("EI05")), "the fixed item is no longer flagged");
    let kept = agg.flags.iter().find(|x| x.rule_id.as_deref() == Some("EI01")).unwrap();
    assert_eq!((kept.status, kept.family_note.as_deref()), (FlagStatus::Dismissed, Some("School runs this already")));
    // The plan's own analysis flags were not touched by the comparison.
    assert!(agg.flags.iter().any(|x| x.rule_id.as_deref() == Some("VL01")));
}

#[test]
fn a_comparison_is_the_familys_and_quotes_only_the_documents_named() {
    let mut f = fixture();
    let mum = f.mum.clone();
    let plan_doc = uploaded_document(&mut f, "Draft EHCP");
    let report_doc = uploaded_document(&mut f, "SALT report");
    let adv = advocate(&mut f, "writer", MemberRole::Writer);
    let refused = record_comparison(&mut f, &adv, plan_doc, report_doc, PLAN, SALT_REPORT).unwrap_err();
    assert!(matches!(refused, DomainError::Forbidden { .. }), "{refused:?}");
    // A report that is not this child's document is not found.
    let stranger = DocumentId::new();
    let e = record_comparison(&mut f, &mum, plan_doc, stranger, PLAN, SALT_REPORT).unwrap_err();
    assert!(matches!(e, DomainError::NotFound { .. }), "{e:?}");
    // A finding may quote only the plan or a named report, and only comparison rules.
    let bad = SystemCommand::RecordComparison {
        child_id: f.child,
        case_id: f.case,
        plan_document_id: plan_doc,
        report_document_ids: vec![report_doc],
        findings: vec![DocumentFinding {
            document_id: DocumentId::new(),
            text_hash: hash(PLAN),
            finding: analyse(PLAN, &AnalyseOptions::default()).unwrap().findings.remove(0),
        }],
    };
    assert!(matches!(f.w.run(&mum, bad).unwrap_err(), DomainError::Invalid(_)));
    let none = SystemCommand::RecordComparison {
        child_id: f.child,
        case_id: f.case,
        plan_document_id: plan_doc,
        report_document_ids: vec![],
        findings: vec![],
    };
    assert!(f.w.run(&mum, none).is_err());
}
