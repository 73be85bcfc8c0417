//! The worked examples of the labelled corpus, and whole-plan behaviour.

use super::*;
use crate::vocab::{FlagKind::*, FlagSeverity::*, Section};

fn kinds(section: Section, s: &str) -> Vec<(FlagKind, FlagSeverity)> {
    let mut v: Vec<_> = analyse_item(section, s).into_iter().map(|f| (f.kind, f.severity)).collect();
    v.sort();
    v
}

#[track_caller]
fn expect(section: Section, s: &str, mut want: Vec<(FlagKind, FlagSeverity)>) {
    want.sort();
    let got = analyse_item(section, s);
    let got_kinds: Vec<_> = {
        let mut v: Vec<_> = got.iter().map(|f| (f.kind, f.severity)).collect();
        v.sort();
        v
    };
    assert_eq!(got_kinds, want, "{s}\n{got:#?}");
}

#[test]
fn domain_examples_6_9() {
    use Section::*;
    expect(
        F,
        "Noah will be offered speech and language input when staff feel it is needed.",
        vec![(VagueLanguage, Red), (UnquantifiedProvision, Red)],
    );
    expect(
        F,
        "Priya's literacy needs will be met from the school's Band 3 top-up funding.",
        vec![(VagueLanguage, Red), (UnquantifiedProvision, Red)],
    );
    expect(
        F,
        "OT will advise class staff on fine motor activities, to be built into the week where possible.",
        vec![(VagueLanguage, Red), (UnquantifiedProvision, Red)],
    );
    expect(
        G,
        "An HCPC-registered speech and language therapist will give Tom direct 1:1 sessions in school, 40 minutes each fortnight, teaching him to use his communication device in lessons.",
        vec![(WrongSection, Red)],
    );
    expect(E, "Maya will continue to be supported to feel more confident.", vec![(OutcomeNotSmart, Red)]);
    expect(
        F,
        "Small-group phonics with a teaching assistant, twice a week for 20 minutes.",
        vec![(VagueLanguage, Amber), (UnquantifiedProvision, Amber)],
    );
    expect(
        F,
        "Direct 1:1 occupational therapy from an HCPC-registered occupational therapist, 45 minutes every fortnight in term time, on handwriting, with targets reviewed termly by the therapist.",
        vec![],
    );
    expect(F, "A trained ELSA will see Jack 1:1 for 25 minutes every Tuesday and Thursday morning.", vec![]);
    expect(
        F,
        "Access to a quiet workstation in every maths and English lesson, set up each morning by his class teacher.",
        vec![(VagueLanguage, Info)],
    );
    expect(
        B,
        "Sofia may become overwhelmed in noisy corridors and has left lessons on four occasions this term.",
        vec![],
    );
    expect(
        E,
        "By the end of Year 8, Ibrahim will write a five-sentence paragraph with correct capitals and full stops in three consecutive assessed pieces.",
        vec![],
    );
    expect(
        F,
        "Numeracy teaching in a group of no more than four pupils, led by a qualified teacher trained in Numicon, three 30-minute sessions a week.",
        vec![],
    );
}

#[test]
fn issue_negatives_and_group_caps() {
    use Section::*;
    expect(
        F,
        "Access to the sensory room for 10 minutes at the start of each afternoon, supervised by his named TA.",
        vec![(VagueLanguage, Info)],
    );
    assert!(
        !kinds(
            F,
            "Literacy teaching in a group of up to 4 pupils by a qualified teacher, three 30-minute sessions a week."
        )
        .iter()
        .any(|(k, _)| *k == VagueLanguage)
    );
    assert!(kinds(F, "Up to 5 hours of teaching assistant support each week.").contains(&(VagueLanguage, Red)));
}

/// Provision is judged by the measures it states, whatever its activity is called; red is kept
/// for provision that states no amount at all (`docs/analyser.md`, "How provision is judged").
#[test]
fn provision_is_judged_by_the_measures_it_states() {
    use Section::*;
    // Activities no list names, fully measured: no flag.
    expect(F, "A homework club for 5 pupils every Wednesday for 40 minutes after school, run by an HLTA.", vec![]);
    expect(
        F,
        "A gardening group of no more than 6 pupils for 45 minutes every Monday afternoon, led by the ELSA.",
        vec![],
    );
    expect(F, "Large-print worksheets in every lesson, enlarged the day before by the teaching assistant.", vec![]);
    expect(
        G,
        "The class teacher and a teaching assistant will attend the diabetes nurse's 2-hour training before the start of the spring term.",
        vec![],
    );
    // Some measures stated, others missing: amber, never red.
    expect(F, "A weekly gardening group with peers.", vec![(UnquantifiedProvision, Amber)]);
    // No amount at all: red, however the activity is named.
    assert!(kinds(F, "Swimming lessons will be provided as appropriate.").contains(&(UnquantifiedProvision, Red)));
    // Soft words that govern the amount stay flagged beside other measures.
    assert!(
        kinds(F, "A maximum of 6 sessions a year of physiotherapy from a physiotherapist, 45 minutes each, direct.")
            .contains(&(VagueLanguage, Red))
    );
    assert!(
        kinds(F, "A qualified teacher will teach Ava spelling 1:1 for 30 minutes a week, or equivalent provision.")
            .contains(&(VagueLanguage, Amber))
    );
    // Words read in context: staff who are trained, a purpose, an aim.
    let training = "Two hours of autism awareness training for all staff before the start of the spring term, given by the outreach team.";
    assert!(!kinds(F, training).iter().any(|(k, _)| *k == VagueLanguage), "{training}");
    let purpose = "A tablet with symbol software in every lesson to support access to the curriculum, charged each morning by the TA.";
    assert!(!kinds(F, purpose).iter().any(|(k, _)| *k == VagueLanguage), "{purpose}");
    let aim = "Physiotherapists review his standing frame each half term so that he can be as independent as possible.";
    assert!(!analyse_item(F, aim).iter().any(|f| f.rule == "VL02"), "{aim}");
}

#[test]
fn outcomes_with_a_time_and_a_measure_are_not_flagged_for_their_verb() {
    use Section::*;
    expect(
        E,
        "By July 2028, Leo will develop his number skills so that he adds two 2-digit numbers correctly 8 times out of 10.",
        vec![],
    );
    expect(E, "By the end of Y4, Leo will read 60 words a minute aloud from a book at his level.", vec![]);
    assert!(kinds(E, "Leo will develop his number skills.").contains(&(OutcomeNotSmart, Red)));
    // A time alone does not rescue a vague verb with no measure: two weaknesses, red.
    assert!(kinds(E, "By July 2028, Leo will develop his number skills.").contains(&(OutcomeNotSmart, Red)));
    assert!(
        kinds(E, "Leo will develop his number skills to add two 2-digit numbers 8 times out of 10.")
            .contains(&(OutcomeNotSmart, Red))
    );
}

#[test]
fn flags_carry_rule_authority_span_and_suggestion() {
    let f = analyse_item(Section::F, "  Noah will have regular speech therapy.");
    let vague = f.iter().find(|f| f.kind == VagueLanguage).expect("vague flag");
    assert_eq!(vague.rule, "VL03");
    assert!(vague.rationale.contains("\"regular\""), "{}", vague.rationale);
    assert!(!vague.authority.is_empty());
    assert!(vague.suggestion.is_some());
    assert_eq!(vague.span, Span { start: 2, end: 40 });
}

const PLAN: &str = "\
EDUCATION, HEALTH AND CARE PLAN — DRAFT
Section A: All about me
I like trains. My mum says I am kind.

Section B: Special educational needs
Communication and interaction
B1. Noah has a severe speech sound disorder; only 40% of his speech is understood by unfamiliar adults.
B2. Noah finds it hard to join in with group conversations and his social communication is delayed.
Cognition and learning
B3. Noah's working memory is at the 5th percentile and he struggles to decode unfamiliar words.
Sensory and/or physical
B4. Noah struggles with handwriting and fine motor tasks such as cutting.

Section C: Health needs
Noah has asthma, managed by his GP.

Section D: Social care needs
None identified.

Section E: Outcomes
By the end of Year 4, Noah will be understood by unfamiliar adults in 8 out of 10 utterances.
Noah will develop his confidence.

Section F: Special educational provision
Communication and interaction
F1. Direct 1:1 speech and language therapy from an HCPC-registered speech and language therapist, 30 minutes each week, with targets reviewed termly by the therapist.
F2. Noah will have opportunities to join social groups when appropriate.
Cognition and learning
F3. Precision teaching for decoding with a trained teaching assistant, 1:1, 10 minutes every day.
Sensory and/or physical

Section G: Health provision
An occupational therapist will teach Noah handwriting skills in school, 30 minutes weekly.

Section H1: Social care provision (s.2 CSDPA)
None.
Section H2: Other social care provision
None.

Section I: Placement
Oak Tree Primary School (mainstream).

Section J: Personal budget
Not requested.

Section K: Advice and information
Educational advice from Oak Tree Primary School; medical advice from the community paediatrician.
";

#[test]
fn whole_plan() {
    let a = analyse(PLAN, &AnalyseOptions { draft: true, ..AnalyseOptions::default() }).expect("analyses");
    let got: Vec<(Option<Section>, FlagKind, FlagSeverity, &str, &str)> =
        a.findings.iter().map(|f| (f.section, f.kind, f.severity, f.rule.as_str(), f.excerpt.as_str())).collect();
    let has = |section: Section, kind: FlagKind, rule: &str| {
        got.iter().any(|g| g.0 == Some(section) && g.1 == kind && g.3 == rule)
    };
    assert_eq!(a.sections.len(), 12, "{:?}", a.sections);
    assert!(has(Section::F, VagueLanguage, "VL01"), "{got:#?}");
    assert!(has(Section::G, WrongSection, "WS01"), "{got:#?}");
    assert!(has(Section::B, BfDisconnect, "BF01"), "B4 has no F provision: {got:#?}");
    assert!(has(Section::I, MissingStatutoryContent, "MC03"), "{got:#?}");
    assert!(has(Section::K, MissingStatutoryContent, "MC07"), "{got:#?}");
    assert!(
        has(Section::E, OutcomeNotSmart, "OS02")
            || has(Section::E, OutcomeNotSmart, "OS03")
            || has(Section::E, OutcomeNotSmart, "OS04"),
        "{got:#?}"
    );
    assert!(has(Section::G, MissingStatutoryContent, "MC05"), "{got:#?}");
    // B1 is met by F1 (explicit numbering), B3 by F3.
    assert!(!got.iter().any(|g| g.2 == Red && g.1 == BfDisconnect && g.4.starts_with("Noah has a severe")), "{got:#?}");
    assert!(!got.iter().any(|g| g.1 == BfDisconnect && g.4.contains("working memory")), "{got:#?}");
    // Fully specified provision and the met outcome are not flagged.
    assert!(!got.iter().any(|g| g.4.starts_with("Direct 1:1 speech")), "{got:#?}");
    assert!(!got.iter().any(|g| g.4.starts_with("By the end of Year 4")), "{got:#?}");
    // Spans are character offsets of the excerpt in the (normalised) text.
    let text = normalise(PLAN);
    for f in &a.findings {
        let slice: String = text.chars().skip(f.span.start).take(f.span.end - f.span.start).collect();
        assert_eq!(slice, f.excerpt);
    }
}

#[test]
fn plans_without_headings_or_text_give_missing_sections_only() {
    let a = analyse("", &AnalyseOptions::default()).expect("empty text");
    assert!(a.findings.iter().all(|f| f.kind == MissingStatutoryContent));
    assert_eq!(a.items, 0);
    let a =
        analyse("just some words about a child\nwith no headings at all", &AnalyseOptions::default()).expect("text");
    assert_eq!(a.items, 0);
    let big = "a".repeat(MAX_TEXT_BYTES + 1);
    assert!(matches!(analyse(&big, &AnalyseOptions::default()), Err(AnalyseError::TooLong { .. })));
}

#[test]
fn final_plan_with_merged_h_and_empty_i() {
    let text = "Section B\nHe struggles to read.\nSection F\nDaily phonics.\nSection H: Social care provision\nNone.\nSection I\n";
    let a = analyse(text, &AnalyseOptions::default()).expect("analyses");
    assert!(a.h_merged);
    assert!(a.findings.iter().any(|f| f.rule == "MC01" && f.rationale.contains("H1 and H2")));
    assert!(a.findings.iter().any(|f| f.rule == "MC04"));
}

#[test]
fn same_text_same_flags() {
    let options = AnalyseOptions { draft: true, ..AnalyseOptions::default() };
    assert_eq!(analyse(PLAN, &options), analyse(PLAN, &options));
}
