//! What each rule says to a family: kind, reason, legal authority and a suggested rewrite.
//! The wording is advisory, not legal advice (`docs/analyser.md`).

use crate::vocab::FlagKind;

pub struct Rule {
    pub id: &'static str,
    pub kind: FlagKind,
    pub why: &'static str,
    pub authority: &'static str,
    pub fix: Option<&'static str>,
    /// A passage that breaks the rule. `"F | …"` is an item the analyser, reading it alone in
    /// that section, flags with this rule (a test holds it to that); plain text describes a
    /// plan-level case.
    pub example: &'static str,
}

const CODE_969: &str = "Children and Families Act 2014 s.42(2); SEND Code of Practice 9.69";
/// Why the professional advice gathered for the assessment must reach the plan.
const ADVICE: &str = "SEND Regulations 2014 reg 11(a) (the plan must take the assessment's advice into account); SEND Code of Practice 9.69 (provision detailed, specific and quantified)";
const SMART: &str =
    "SEND Code of Practice 9.64-9.66 (outcomes must be specific, measurable, achievable, relevant and time-bound)";

use FlagKind::*;

pub const RULES: &[Rule] = &[
    Rule {
        id: "VL01",
        kind: VagueLanguage,
        why: "Says provision is available, offered or an opportunity, not that it will be made, so nobody is obliged to deliver it.",
        authority: CODE_969,
        fix: Some("State what will be delivered: \"<who> will provide <what> for <how long>, <how often>\"."),
        example: "F | Noah will be offered speech and language input.",
    },
    Rule {
        id: "VL02",
        kind: VagueLanguage,
        why: "Leaves whether, or how much, provision is made to someone else's judgement.",
        authority: "C v SENT & Greenwich [1999] ELR 5; SEND Code of Practice 9.69",
        fix: Some("Remove the condition and state the provision the child will receive in every case."),
        example: "F | Speech and language therapy will be provided as appropriate.",
    },
    Rule {
        id: "VL03",
        kind: VagueLanguage,
        why: "A word such as \"regular\" or \"ongoing\" does not say how often.",
        authority: CODE_969,
        fix: Some("Give the frequency: \"twice a week\", \"every morning\", \"three 30-minute sessions a week\"."),
        example: "F | Ada will receive regular sensory breaks, supervised by her teaching assistant.",
    },
    Rule {
        id: "VL04",
        kind: VagueLanguage,
        why: "A soft amount (\"up to\", \"a level of\", \"additional support\") sets no minimum that must be provided.",
        authority: CODE_969,
        fix: Some(
            "Give the amount that will be provided, e.g. \"25 hours a week of 1:1 support from a trained teaching assistant\".",
        ),
        example: "F | Up to 15 hours a week of support from a teaching assistant.",
    },
    Rule {
        id: "VL05",
        kind: VagueLanguage,
        why: "Hedging (\"may\", \"should\", \"would benefit\") makes provision optional; the duty to secure what is in Section F is absolute.",
        authority: "Children and Families Act 2014 s.42(2)",
        fix: Some("Replace the hedge with \"will\" and specify the provision."),
        example: "F | Sam would benefit from a daily reading intervention.",
    },
    Rule {
        id: "VL06",
        kind: VagueLanguage,
        why: "An open list (\"such as\", \"e.g.\", \"etc\") does not say what will actually be provided.",
        authority: CODE_969,
        fix: Some("Name each programme, strategy or item that will be provided."),
        example: "F | Sensory equipment such as ear defenders, fidget toys etc.",
    },
    Rule {
        id: "VL07",
        kind: VagueLanguage,
        why: "Does not say who will deliver it (\"staff\", \"an adult\"), so no particular skill or training is guaranteed.",
        authority: CODE_969,
        fix: Some(
            "Name the role and training: \"a teaching assistant trained in <programme>\", \"an HCPC-registered speech and language therapist\".",
        ),
        example: "F | Staff will check Mia's understanding after each instruction.",
    },
    Rule {
        id: "VL08",
        kind: VagueLanguage,
        why: "\"Support\", \"input\", \"strategies\" or \"interventions\" alone describe no provision.",
        authority: "Worcestershire CC v SE [2020] UKUT 217 (AAC); SEND Code of Practice 9.69",
        fix: Some(
            "Describe the provision itself: the programme or teaching, who delivers it, how often and for how long.",
        ),
        example: "F | Literacy support will be put in place.",
    },
    Rule {
        id: "VL09",
        kind: VagueLanguage,
        why: "A therapist advising, consulting or monitoring is not therapy for the child; the child may never be seen.",
        authority: "SEND Code of Practice 9.69, 9.74",
        fix: Some("Specify direct therapy (who, how often, how long) as well as any programme the therapist sets."),
        example: "F | The speech and language therapist will advise staff on strategies to use in class.",
    },
    Rule {
        id: "VL10",
        kind: VagueLanguage,
        why: "Ties provision to funding, a band or a later decision instead of the child's assessed needs.",
        authority: "R v Cumbria CC ex p P [1994]; E v Rotherham MBC [2001]",
        fix: Some("Replace the funding or deferral wording with the provision itself, quantified."),
        example: "F | Priya's literacy needs will be met from the school's Band 3 top-up funding.",
    },
    Rule {
        id: "VL11",
        kind: VagueLanguage,
        why: "A wide range lets the lowest figure be delivered.",
        authority: CODE_969,
        fix: Some("Give one amount, or the minimum that will be provided."),
        example: "F | Between 10 and 25 hours a week of 1:1 support from a teaching assistant.",
    },
    Rule {
        id: "VL12",
        kind: VagueLanguage,
        why: "Describes a setting, not provision: no group size, staffing or time.",
        authority: CODE_969,
        fix: Some("Say the group size, who runs it and for how much of the week."),
        example: "F | Ali will be taught in a calm, structured learning environment.",
    },
    Rule {
        id: "VL13",
        kind: VagueLanguage,
        why: "Names a diagnosis without saying how it affects the child or giving assessment evidence.",
        authority: "SEND Regulations 2014 reg 12(1)(b); SEND Code of Practice 9.69",
        fix: Some(
            "Describe what the child finds hard because of it, with assessment results (standard scores, percentiles).",
        ),
        example: "B | Jack has autism.",
    },
    Rule {
        id: "VL14",
        kind: VagueLanguage,
        why: "Generic wording (\"some difficulties\", \"general delay\") does not describe this child's needs.",
        authority: "SEND Regulations 2014 reg 12(1)(b); SEND Code of Practice 9.69",
        fix: Some("Describe the specific difficulty and its impact, with evidence."),
        example: "B | Priya has some difficulties with her learning.",
    },
    Rule {
        id: "VL15",
        kind: VagueLanguage,
        why: "Describes what every pupil should already get (quality-first teaching, differentiation, reasonable adjustments: the school's ordinarily available provision). Special educational provision is additional to or different from that, so this wording adds nothing the child would not receive anyway.",
        authority: "Children and Families Act 2014 s.21(2); SEND Code of Practice 6.37, 9.69",
        fix: Some(
            "Ask what this child will receive beyond what the school gives every pupil: the programme or teaching, who delivers it, how often and for how long.",
        ),
        example: "F | Quality first teaching with a differentiated curriculum.",
    },
    Rule {
        id: "UQ01",
        kind: UnquantifiedProvision,
        why: "It states no amount (how often, how long, how many hours, the group size or when), so the provision cannot be enforced.",
        authority: CODE_969,
        fix: None,
        example: "F | Occupational therapy input.",
    },
    Rule {
        id: "UQ02",
        kind: UnquantifiedProvision,
        why: "The provision is only partly specified.",
        authority: CODE_969,
        fix: None,
        example: "F | A teaching assistant will run a phonics group three times a week.",
    },
    Rule {
        id: "WS01",
        kind: WrongSection,
        why: "Therapy that teaches or trains the child is special educational provision and belongs in Section F, where the duty to provide it is enforceable.",
        authority: "Children and Families Act 2014 s.21(5); SEND Code of Practice 9.74; East Sussex CC v TW [2016] UKUT 528 (AAC)",
        fix: Some("Ask for this provision to be moved to Section F."),
        example: "G | An HCPC-registered speech and language therapist will give Tom direct 1:1 sessions in school, 40 minutes each fortnight, teaching him to use his communication device in lessons.",
    },
    Rule {
        id: "WS02",
        kind: WrongSection,
        why: "Speech and language therapy is normally special educational provision (Section F).",
        authority: "SEND Code of Practice 9.74",
        fix: Some("Ask for the speech and language therapy to be specified in Section F."),
        example: "G | Speech and language therapy: 30 minutes a week from an NHS speech and language therapist.",
    },
    Rule {
        id: "WS03",
        kind: WrongSection,
        why: "The same provision appears in Sections F and G with different amounts.",
        authority: CODE_969,
        fix: Some("Ask for one specification, in Section F, with the larger amount the evidence supports."),
        example: "Section F gives weekly 30-minute speech and language therapy; Section G gives the same therapy for 30 minutes each half term.",
    },
    Rule {
        id: "WS04",
        kind: WrongSection,
        why: "Provision written in this section has no legal force; only Section F must be secured.",
        authority: "Children and Families Act 2014 s.42(2)",
        fix: Some("Ask for this provision to be written into Section F."),
        example: "B | Sam will receive 1:1 support for 10 hours a week.",
    },
    Rule {
        id: "WS05",
        kind: WrongSection,
        why: "Home-to-school transport is not normally special educational provision; it is decided under the transport duties.",
        authority: "Staffordshire CC v JM [2016] UKUT 246 (AAC); Education Act 1996 s.508B",
        fix: None,
        example: "F | Home-to-school transport by taxi with an escort.",
    },
    Rule {
        id: "OS01",
        kind: OutcomeNotSmart,
        why: "Describes provision the child will receive, not what the child will achieve.",
        authority: SMART,
        fix: Some(
            "Say what the child will be able to do, by when, and how it will be measured; move the provision to Section F.",
        ),
        example: "E | Sam will receive 1:1 reading support.",
    },
    Rule {
        id: "OS02",
        kind: OutcomeNotSmart,
        why: "Has no time by which it should be achieved.",
        authority: SMART,
        fix: Some("Add a time: \"by the end of Year 5\", \"by July 2027\"."),
        example: "E | Sam will read 50 high-frequency words accurately.",
    },
    Rule {
        id: "OS03",
        kind: OutcomeNotSmart,
        why: "Has no measure of success.",
        authority: SMART,
        fix: Some("Add a measure: a number, \"independently\", \"in 4 out of 5 lessons\", a named assessment."),
        example: "E | By the end of Year 6, Sam will read with more confidence.",
    },
    Rule {
        id: "OS04",
        kind: OutcomeNotSmart,
        why: "Its main verb (\"develop\", \"improve\", \"continue to\", \"be supported to\") cannot be observed.",
        authority: SMART,
        fix: Some("Use an observable verb: \"will read\", \"will ask for help\", \"will travel\"."),
        example: "E | Maya will continue to be supported to feel more confident.",
    },
    Rule {
        id: "OS05",
        kind: OutcomeNotSmart,
        why: "From Year 9 outcomes must include preparing for adulthood: employment, independent living, community participation and health.",
        authority: "SEND Regulations 2014 reg 20(6); SEND Code of Practice 8.9-8.12",
        fix: Some("Add outcomes for employment, independent living, friends and community, and health."),
        example: "A Year 10 plan whose outcomes say nothing of work, independent living, friendships and community, or health.",
    },
    Rule {
        id: "OS06",
        kind: OutcomeNotSmart,
        why: "No provision in Section F could achieve this outcome.",
        authority: "SEND Code of Practice 9.66, 9.69",
        fix: Some("Ask for provision in Section F that works towards this outcome."),
        example: "An outcome about travelling to school independently, with no travel training or other provision for it in Section F.",
    },
    Rule {
        id: "BF01",
        kind: BfDisconnect,
        why: "A need in Section B has no matching provision in Section F.",
        authority: "R v Secretary of State for Education ex p E [1992] 1 FLR 377; Children and Families Act 2014 s.42(2)",
        fix: Some("Ask for provision in Section F for this need, cross-referenced to it."),
        example: "Section B says the child has a hearing loss; nothing in Section F is about hearing.",
    },
    Rule {
        id: "BF02",
        kind: BfDisconnect,
        why: "Provision in Section F does not match any need described in Section B.",
        authority: "SEND Code of Practice 9.69",
        fix: Some("Check the need it meets is described in Section B."),
        example: "Section F provides weekly physiotherapy; Section B describes no physical need.",
    },
    Rule {
        id: "BF03",
        kind: BfDisconnect,
        why: "A need in Section B is met only by generic wording in Section F.",
        authority: "R v Secretary of State for Education ex p E [1992] 1 FLR 377; SEND Code of Practice 9.69",
        fix: Some("Ask for specific, quantified provision for this need."),
        example: "Section B describes working-memory difficulties; Section F meets them only with \"quality first teaching\".",
    },
    Rule {
        id: "MC01",
        kind: MissingStatutoryContent,
        why: "A section the plan must contain is missing or not separately identified.",
        authority: "SEND Regulations 2014 reg 12(1)",
        fix: Some("Ask for each section A-K, with H1 and H2 separate, to be set out and headed."),
        example: "The plan has no Section F, or one \"Section H\" where H1 and H2 must be separate.",
    },
    Rule {
        id: "MC02",
        kind: MissingStatutoryContent,
        why: "The section is empty and does not say that none is needed.",
        authority: "SEND Regulations 2014 reg 12(1)",
        fix: Some("Ask for the section to be completed, or to state that no needs or provision were identified."),
        example: "Section D is empty and does not say that no social care needs were identified.",
    },
    Rule {
        id: "MC03",
        kind: MissingStatutoryContent,
        why: "A draft plan must not name a school or type of school in Section I.",
        authority: "Children and Families Act 2014 s.38(5)",
        fix: Some("Ask for Section I to be left blank in the draft; give your preference of school in your response."),
        example: "A draft plan whose Section I names Oak Tree Academy.",
    },
    Rule {
        id: "MC04",
        kind: MissingStatutoryContent,
        why: "A final plan must name the school or type of school in Section I.",
        authority: "Children and Families Act 2014 s.40; SEND Regulations 2014 reg 12(1)(i)",
        fix: Some("Ask for Section I to be completed; its contents can be appealed."),
        example: "A final plan with an empty Section I.",
    },
    Rule {
        id: "MC05",
        kind: MissingStatutoryContent,
        why: "Health provision must be agreed by, and name, the commissioning body.",
        authority: "SEND Regulations 2014 reg 12(2)",
        fix: Some("Ask for the commissioning body (usually the ICB) to be named for each item of health provision."),
        example: "Section G provides physiotherapy without naming who commissions it (the ICB).",
    },
    Rule {
        id: "MC06",
        kind: MissingStatutoryContent,
        why: "A personal budget was requested but Section J is empty.",
        authority: "SEND (Personal Budgets) Regulations 2014",
        fix: Some("Ask for Section J to set out the personal budget."),
        example: "The family asked for a personal budget and Section J is empty.",
    },
    Rule {
        id: "MC07",
        kind: MissingStatutoryContent,
        why: "The advice gathered for the assessment is incomplete.",
        authority: "SEND Regulations 2014 reg 6(1); SEND Code of Practice 9.62",
        fix: Some("Ask for the missing advice to be obtained and attached."),
        example: "Section K lists advice from the school and a paediatrician but no psychological advice.",
    },
    // ---- Report versus plan: the professionals' advice held against the plan ----
    Rule {
        id: "EI01",
        kind: EvidenceInconsistency,
        why: "A professional report recommends this provision and no item of Section F (or G, H1, H2) provides it.",
        authority: ADVICE,
        fix: Some("Ask for the recommendation to be written into Section F as provision, in the report's terms."),
        example: "The OT report recommends a daily 10-minute sensory circuit; no item of Section F mentions it.",
    },
    Rule {
        id: "EI02",
        kind: EvidenceInconsistency,
        why: "The plan gives less time than the report recommends (sessions a week × minutes a session).",
        authority: ADVICE,
        fix: Some("Ask for the frequency and duration the report recommends, or for the evidence that justifies less."),
        example: "Report: daily 30-minute 1:1 phonics teaching (150 min a week); plan: twice a week for 20 minutes (40 min a week).",
    },
    Rule {
        id: "EI03",
        kind: EvidenceInconsistency,
        why: "The report says a specialist (a therapist or a specialist teacher) should deliver this; the plan gives it to a teaching assistant or unnamed staff.",
        authority: "SEND Regulations 2014 reg 11(a); SEND Code of Practice 9.69 (who will deliver the provision, with what expertise)",
        fix: Some(
            "Ask for the provision to be delivered by the professional the report names, with their qualification.",
        ),
        example: "Report: 1:1 tuition from a specialist dyslexia teacher; plan: 1:1 literacy support from a teaching assistant.",
    },
    Rule {
        id: "EI04",
        kind: EvidenceInconsistency,
        why: "The report recommends direct work with the child; the plan turns it into advice, a programme or monitoring carried out by others.",
        authority: ADVICE,
        fix: Some(
            "Ask for direct sessions with the child, by the professional the report names, as the report recommends.",
        ),
        example: "Report: weekly direct speech and language therapy; plan: the therapist visits once a term to review targets and advise staff.",
    },
    Rule {
        id: "EI05",
        kind: EvidenceInconsistency,
        why: "The report says how often or for how long; the plan leaves it out or softens it (\"regular\", \"as required\", \"up to\").",
        authority: ADVICE,
        fix: Some("Ask for the report's frequency and duration to be written into the plan."),
        example: "Report: Language for Thinking three times a week for 20 minutes; plan: \"regular Language for Thinking sessions\".",
    },
    Rule {
        id: "EI06",
        kind: EvidenceInconsistency,
        why: "A report identifies a difficulty that Section B does not mention, so no provision is tied to it.",
        authority: "SEND Regulations 2014 reg 12(1)(b); SEND Code of Practice 9.69 (all needs identified through the assessment must be specified)",
        fix: Some(
            "Ask for Section B to describe the difficulty as the report does, and for provision in Section F to meet it.",
        ),
        example: "The speech and language therapist reports selective mutism; Section B says only that the child is anxious.",
    },
    Rule {
        id: "EI07",
        kind: EvidenceInconsistency,
        why: "A report describes the difficulty as severe (or below the 2nd percentile); Section B plays it down as mild or \"some\".",
        authority: "SEND Regulations 2014 reg 11(a); SEND Code of Practice 9.69 (needs must be specified in full)",
        fix: Some("Ask for Section B to use the report's description of the difficulty and its scores."),
        example: "Report: working memory at the 0.4th percentile, very low; Section B: \"some difficulties with memory\".",
    },
    Rule {
        id: "EI08",
        kind: EvidenceInconsistency,
        why: "The plan refers to a report or an appendix instead of stating the provision, so what must be delivered is not in the plan itself.",
        authority: "L v Clarke and Somerset CC [1998] ELR 129; SEND Code of Practice 9.69",
        fix: Some(
            "Ask for the provision the report sets out to be written into Section F: what, who, how often and for how long.",
        ),
        example: "Section F: \"Speech and language therapy as set out in the SALT report (Appendix C).\"",
    },
    Rule {
        id: "EI09",
        kind: EvidenceInconsistency,
        why: "The report is more than 18 months old; the child's needs may have changed since it was written.",
        authority: "SEND Regulations 2014 reg 6(4); SEND Code of Practice 9.47 (earlier advice is used only if everyone agrees it is still sufficient)",
        fix: Some(
            "Ask for up-to-date advice from the professional, or confirm in writing that the report still describes the child.",
        ),
        example: "An occupational therapy report dated March 2024 in a plan drafted in December 2026.",
    },
];

/// A rule's example as an item: its section and text, when the example is one.
#[cfg(test)]
fn item_example(r: &Rule) -> Option<(crate::vocab::Section, &'static str)> {
    let (section, text) = r.example.split_once(" | ")?;
    Some((section.parse().ok()?, text))
}

pub fn rule(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).unwrap_or(&RULES[0])
}

#[cfg(test)]
mod tests {
    /// Each item example breaks its rule when read alone in its section: the
    /// reference page's examples cannot drift from what the analyser does.
    #[test]
    fn every_item_example_breaks_its_rule() {
        let mut wrong = vec![];
        for r in super::RULES {
            if let Some((section, text)) = super::item_example(r) {
                // Every hit, before one flag per kind is kept.
                let mut hits = vec![];
                crate::analyser::rules::score(section, text, None, &mut hits);
                let rules: Vec<&str> = hits.iter().map(|h| h.rule).collect();
                if !rules.contains(&r.id) {
                    wrong.push(format!("{}: {text:?} gives {rules:?}", r.id));
                }
            }
        }
        assert!(wrong.is_empty(), "examples that do not break their rule:\n{}", wrong.join("\n"));
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = super::RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), super::RULES.len());
    }
}

#[cfg(test)]
mod docs {
    /// `docs/analyser.md`'s rule table, from [`super::RULES`], so the reference page cannot drift from
    /// what the analyser says.
    fn reference_table() -> String {
        let mut out = String::from(
            "| Rule | Kind | Why it is raised | Example | Authority | Suggested fix |\n|---|---|---|---|---|---|\n",
        );
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        for r in super::RULES {
            let example = match super::item_example(r) {
                Some((section, text)) => format!("Section {}: \"{}\"", section.as_str(), cell(text)),
                None => cell(r.example),
            };
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} | {} |\n",
                r.id,
                r.kind.as_str(),
                cell(r.why),
                example,
                cell(r.authority),
                r.fix.map(cell).unwrap_or_else(|| "—".into()),
            ));
        }
        out
    }

    /// The table in `docs/analyser.md` is the catalogue's; `SENVAULT_UPDATE_DOCS=1` rewrites it.
    #[test]
    fn docs_analyser_table_matches_the_catalogue() {
        const BEGIN: &str = "<!-- rules:begin -->\n";
        const END: &str = "<!-- rules:end -->";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/analyser.md");
        let page = std::fs::read_to_string(&path).expect("docs/analyser.md");
        let (Some(b), Some(e)) = (page.find(BEGIN), page.find(END)) else { panic!("markers missing in {path:?}") };
        let want = format!("{}{}{}{}", &page[..b], BEGIN, reference_table(), &page[e..]);
        if std::env::var_os("SENVAULT_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).expect("write docs/analyser.md");
        } else {
            assert!(page == want, "docs/analyser.md is out of date: run with SENVAULT_UPDATE_DOCS=1");
        }
    }
}
