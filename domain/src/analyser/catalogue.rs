//! What each rule says to a family: kind, reason, legal authority and a suggested rewrite.
//! The wording is advisory, not legal advice (`docs/analyser.md`).

use crate::vocab::FlagKind;

pub struct Rule {
    pub id: &'static str,
    pub kind: FlagKind,
    pub why: &'static str,
    pub authority: &'static str,
    pub fix: Option<&'static str>,
}

const CODE_969: &str = "Children and Families Act 2014 s.42(2); SEND Code of Practice 9.69";
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
    },
    Rule {
        id: "VL02",
        kind: VagueLanguage,
        why: "Leaves whether, or how much, provision is made to someone else's judgement.",
        authority: "C v SENT & Greenwich [1999] ELR 5; SEND Code of Practice 9.69",
        fix: Some("Remove the condition and state the provision the child will receive in every case."),
    },
    Rule {
        id: "VL03",
        kind: VagueLanguage,
        why: "A word such as \"regular\" or \"ongoing\" does not say how often.",
        authority: CODE_969,
        fix: Some("Give the frequency: \"twice a week\", \"every morning\", \"three 30-minute sessions a week\"."),
    },
    Rule {
        id: "VL04",
        kind: VagueLanguage,
        why: "A soft amount (\"up to\", \"a level of\", \"additional support\") sets no minimum that must be provided.",
        authority: CODE_969,
        fix: Some(
            "Give the amount that will be provided, e.g. \"25 hours a week of 1:1 support from a trained teaching assistant\".",
        ),
    },
    Rule {
        id: "VL05",
        kind: VagueLanguage,
        why: "Hedging (\"may\", \"should\", \"would benefit\") makes provision optional; the duty to secure what is in Section F is absolute.",
        authority: "Children and Families Act 2014 s.42(2)",
        fix: Some("Replace the hedge with \"will\" and specify the provision."),
    },
    Rule {
        id: "VL06",
        kind: VagueLanguage,
        why: "An open list (\"such as\", \"e.g.\", \"etc\") does not say what will actually be provided.",
        authority: CODE_969,
        fix: Some("Name each programme, strategy or item that will be provided."),
    },
    Rule {
        id: "VL07",
        kind: VagueLanguage,
        why: "Does not say who will deliver it (\"staff\", \"an adult\"), so no particular skill or training is guaranteed.",
        authority: CODE_969,
        fix: Some(
            "Name the role and training: \"a teaching assistant trained in <programme>\", \"an HCPC-registered speech and language therapist\".",
        ),
    },
    Rule {
        id: "VL08",
        kind: VagueLanguage,
        why: "\"Support\", \"input\", \"strategies\" or \"interventions\" alone describe no provision.",
        authority: "Worcestershire CC v SE [2020] UKUT 217 (AAC); SEND Code of Practice 9.69",
        fix: Some(
            "Describe the provision itself: the programme or teaching, who delivers it, how often and for how long.",
        ),
    },
    Rule {
        id: "VL09",
        kind: VagueLanguage,
        why: "A therapist advising, consulting or monitoring is not therapy for the child; the child may never be seen.",
        authority: "SEND Code of Practice 9.69, 9.74",
        fix: Some("Specify direct therapy (who, how often, how long) as well as any programme the therapist sets."),
    },
    Rule {
        id: "VL10",
        kind: VagueLanguage,
        why: "Ties provision to funding, a band or a later decision instead of the child's assessed needs.",
        authority: "R v Cumbria CC ex p P [1994]; E v Rotherham MBC [2001]",
        fix: Some("Replace the funding or deferral wording with the provision itself, quantified."),
    },
    Rule {
        id: "VL11",
        kind: VagueLanguage,
        why: "A wide range lets the lowest figure be delivered.",
        authority: CODE_969,
        fix: Some("Give one amount, or the minimum that will be provided."),
    },
    Rule {
        id: "VL12",
        kind: VagueLanguage,
        why: "Describes a setting, not provision: no group size, staffing or time.",
        authority: CODE_969,
        fix: Some("Say the group size, who runs it and for how much of the week."),
    },
    Rule {
        id: "VL13",
        kind: VagueLanguage,
        why: "Names a diagnosis without saying how it affects the child or giving assessment evidence.",
        authority: "SEND Regulations 2014 reg 12(1)(b); SEND Code of Practice 9.69",
        fix: Some(
            "Describe what the child finds hard because of it, with assessment results (standard scores, percentiles).",
        ),
    },
    Rule {
        id: "VL14",
        kind: VagueLanguage,
        why: "Generic wording (\"some difficulties\", \"general delay\") does not describe this child's needs.",
        authority: "SEND Regulations 2014 reg 12(1)(b); SEND Code of Practice 9.69",
        fix: Some("Describe the specific difficulty and its impact, with evidence."),
    },
    Rule {
        id: "VL15",
        kind: VagueLanguage,
        why: "Describes what every pupil should already get (quality-first teaching, differentiation, reasonable adjustments: the school's ordinarily available provision). Special educational provision is additional to or different from that, so this wording adds nothing the child would not receive anyway.",
        authority: "Children and Families Act 2014 s.21(2); SEND Code of Practice 6.37, 9.69",
        fix: Some(
            "Ask what this child will receive beyond what the school gives every pupil: the programme or teaching, who delivers it, how often and for how long.",
        ),
    },
    Rule {
        id: "UQ01",
        kind: UnquantifiedProvision,
        why: "It states no amount (how often, how long, how many hours, the group size or when), so the provision cannot be enforced.",
        authority: CODE_969,
        fix: None,
    },
    Rule {
        id: "UQ02",
        kind: UnquantifiedProvision,
        why: "The provision is only partly specified.",
        authority: CODE_969,
        fix: None,
    },
    Rule {
        id: "WS01",
        kind: WrongSection,
        why: "Therapy that teaches or trains the child is special educational provision and belongs in Section F, where the duty to provide it is enforceable.",
        authority: "Children and Families Act 2014 s.21(5); SEND Code of Practice 9.74; East Sussex CC v TW [2016] UKUT 528 (AAC)",
        fix: Some("Ask for this provision to be moved to Section F."),
    },
    Rule {
        id: "WS02",
        kind: WrongSection,
        why: "Speech and language therapy is normally special educational provision (Section F).",
        authority: "SEND Code of Practice 9.74",
        fix: Some("Ask for the speech and language therapy to be specified in Section F."),
    },
    Rule {
        id: "WS03",
        kind: WrongSection,
        why: "The same provision appears in Sections F and G with different amounts.",
        authority: CODE_969,
        fix: Some("Ask for one specification, in Section F, with the larger amount the evidence supports."),
    },
    Rule {
        id: "WS04",
        kind: WrongSection,
        why: "Provision written in this section has no legal force; only Section F must be secured.",
        authority: "Children and Families Act 2014 s.42(2)",
        fix: Some("Ask for this provision to be written into Section F."),
    },
    Rule {
        id: "WS05",
        kind: WrongSection,
        why: "Home-to-school transport is not normally special educational provision; it is decided under the transport duties.",
        authority: "Staffordshire CC v JM [2016] UKUT 246 (AAC); Education Act 1996 s.508B",
        fix: None,
    },
    Rule {
        id: "OS01",
        kind: OutcomeNotSmart,
        why: "Describes provision the child will receive, not what the child will achieve.",
        authority: SMART,
        fix: Some(
            "Say what the child will be able to do, by when, and how it will be measured; move the provision to Section F.",
        ),
    },
    Rule {
        id: "OS02",
        kind: OutcomeNotSmart,
        why: "Has no time by which it should be achieved.",
        authority: SMART,
        fix: Some("Add a time: \"by the end of Year 5\", \"by July 2027\"."),
    },
    Rule {
        id: "OS03",
        kind: OutcomeNotSmart,
        why: "Has no measure of success.",
        authority: SMART,
        fix: Some("Add a measure: a number, \"independently\", \"in 4 out of 5 lessons\", a named assessment."),
    },
    Rule {
        id: "OS04",
        kind: OutcomeNotSmart,
        why: "Its main verb (\"develop\", \"improve\", \"continue to\", \"be supported to\") cannot be observed.",
        authority: SMART,
        fix: Some("Use an observable verb: \"will read\", \"will ask for help\", \"will travel\"."),
    },
    Rule {
        id: "OS05",
        kind: OutcomeNotSmart,
        why: "From Year 9 outcomes must include preparing for adulthood: employment, independent living, community participation and health.",
        authority: "SEND Regulations 2014 reg 20(6); SEND Code of Practice 8.9-8.12",
        fix: Some("Add outcomes for employment, independent living, friends and community, and health."),
    },
    Rule {
        id: "OS06",
        kind: OutcomeNotSmart,
        why: "No provision in Section F could achieve this outcome.",
        authority: "SEND Code of Practice 9.66, 9.69",
        fix: Some("Ask for provision in Section F that works towards this outcome."),
    },
    Rule {
        id: "BF01",
        kind: BfDisconnect,
        why: "A need in Section B has no matching provision in Section F.",
        authority: "R v Secretary of State for Education ex p E [1992] 1 FLR 377; Children and Families Act 2014 s.42(2)",
        fix: Some("Ask for provision in Section F for this need, cross-referenced to it."),
    },
    Rule {
        id: "BF02",
        kind: BfDisconnect,
        why: "Provision in Section F does not match any need described in Section B.",
        authority: "SEND Code of Practice 9.69",
        fix: Some("Check the need it meets is described in Section B."),
    },
    Rule {
        id: "BF03",
        kind: BfDisconnect,
        why: "A need in Section B is met only by generic wording in Section F.",
        authority: "R v Secretary of State for Education ex p E [1992] 1 FLR 377; SEND Code of Practice 9.69",
        fix: Some("Ask for specific, quantified provision for this need."),
    },
    Rule {
        id: "MC01",
        kind: MissingStatutoryContent,
        why: "A section the plan must contain is missing or not separately identified.",
        authority: "SEND Regulations 2014 reg 12(1)",
        fix: Some("Ask for each section A-K, with H1 and H2 separate, to be set out and headed."),
    },
    Rule {
        id: "MC02",
        kind: MissingStatutoryContent,
        why: "The section is empty and does not say that none is needed.",
        authority: "SEND Regulations 2014 reg 12(1)",
        fix: Some("Ask for the section to be completed, or to state that no needs or provision were identified."),
    },
    Rule {
        id: "MC03",
        kind: MissingStatutoryContent,
        why: "A draft plan must not name a school or type of school in Section I.",
        authority: "Children and Families Act 2014 s.38(5)",
        fix: Some("Ask for Section I to be left blank in the draft; give your preference of school in your response."),
    },
    Rule {
        id: "MC04",
        kind: MissingStatutoryContent,
        why: "A final plan must name the school or type of school in Section I.",
        authority: "Children and Families Act 2014 s.40; SEND Regulations 2014 reg 12(1)(i)",
        fix: Some("Ask for Section I to be completed; its contents can be appealed."),
    },
    Rule {
        id: "MC05",
        kind: MissingStatutoryContent,
        why: "Health provision must be agreed by, and name, the commissioning body.",
        authority: "SEND Regulations 2014 reg 12(2)",
        fix: Some("Ask for the commissioning body (usually the ICB) to be named for each item of health provision."),
    },
    Rule {
        id: "MC06",
        kind: MissingStatutoryContent,
        why: "A personal budget was requested but Section J is empty.",
        authority: "SEND (Personal Budgets) Regulations 2014",
        fix: Some("Ask for Section J to set out the personal budget."),
    },
    Rule {
        id: "MC07",
        kind: MissingStatutoryContent,
        why: "The advice gathered for the assessment is incomplete.",
        authority: "SEND Regulations 2014 reg 6(1); SEND Code of Practice 9.62",
        fix: Some("Ask for the missing advice to be obtained and attached."),
    },
];

pub fn rule(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).unwrap_or(&RULES[0])
}

#[cfg(test)]
mod tests {
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
        let mut out =
            String::from("| Rule | Kind | Why it is raised | Authority | Suggested fix |\n|---|---|---|---|---|\n");
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        for r in super::RULES {
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} |\n",
                r.id,
                r.kind.as_str(),
                cell(r.why),
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
