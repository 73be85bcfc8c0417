//! Rules that need the whole plan: B/F links, E/F links, same provision in F and G, and
//! missing statutory content (DOMAIN §6.4-6.7).

use std::collections::{HashMap, HashSet};

use crate::vocab::{FlagSeverity, Section};

use super::AnalyseOptions;
use super::patterns as p;
use super::quantify::weekly_minutes;
use super::rules::{Facts, Hit};
use super::sections::{Area, Item, Segmented};
use super::text::stem;

/// A plan-level hit: on an item, or on a section (a heading or an absent section).
pub struct PlanHit {
    pub item: Option<usize>,
    pub section: Section,
    pub hit: Hit,
}

const STOPWORDS: &[&str] = &[
    "will",
    "with",
    "have",
    "that",
    "this",
    "from",
    "they",
    "their",
    "them",
    "when",
    "which",
    "each",
    "week",
    "weekly",
    "minutes",
    "session",
    "sessions",
    "support",
    "supported",
    "school",
    "staff",
    "adult",
    "needs",
    "need",
    "provision",
    "lesson",
    "lessons",
    "class",
    "able",
    "help",
    "group",
    "time",
    "times",
    "daily",
    "every",
    "into",
    "also",
    "other",
    "than",
    "more",
    "some",
    "very",
    "year",
    "term",
    "using",
    "used",
    "work",
    "make",
    "being",
    "been",
    "were",
    "what",
    "where",
    "there",
    "about",
    "across",
    "should",
    "would",
    "could",
    "including",
    "such",
    "following",
    "his",
    "her",
    "hers",
    "him",
    "she",
    "does",
    "doesn't",
    "finds",
    "find",
    "hard",
    "difficult",
    "difficulty",
    "difficulties",
    "struggles",
    "days",
    "skills",
    "provide",
    "provided",
    "receive",
    "given",
    "through",
    "within",
    "over",
    "after",
    "before",
    "during",
    "only",
    "much",
    "many",
    "well",
    "good",
    "like",
    "likes",
    "loves",
    "enjoys",
    "teaching",
    "assistant",
    "teacher",
    "trained",
    "qualified",
    "direct",
    "minute",
    "hour",
    "hours",
    "access",
    "will be",
];

/// Content-word stems of `s`.
fn stems(s: &str) -> HashSet<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.len() >= 4 && w.chars().all(|c| c.is_alphabetic() || c == '\''))
        .map(|w| w.to_lowercase())
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect()
}

fn areas(item: &Item, s: &str) -> HashSet<Area> {
    let mut out = HashSet::new();
    if let Some(a) = item.area {
        out.insert(a);
        return out;
    }
    for (re, area) in [
        (&*p::AREA_CI, Area::CommunicationInteraction),
        (&*p::AREA_CL, Area::CognitionLearning),
        (&*p::AREA_SEMH, Area::Semh),
        (&*p::AREA_SP, Area::SensoryPhysical),
        (&*p::AREA_PFA, Area::Adulthood),
    ] {
        if re.is_match(s) {
            out.insert(area);
        }
    }
    out
}

struct Linkable {
    index: usize,
    areas: HashSet<Area>,
    stems: HashSet<String>,
    /// For provision: the areas whose expected provision it is.
    expected: HashSet<Area>,
}

/// Whether a B need and an F provision (or an E outcome and an F provision) are linked:
/// same table row, same explicit number, or a shared area and a shared content stem (§6.5).
fn linked(a: &Linkable, b: &Linkable, items: &[Item], common: &HashSet<String>) -> bool {
    let (ia, ib) = (&items[a.index], &items[b.index]);
    if ia.row.is_some() && ia.row == ib.row {
        return true;
    }
    if ia.number.is_some() && ia.number == ib.number {
        return true;
    }
    let areas_agree = a.areas.is_empty() || b.areas.is_empty() || !a.areas.is_disjoint(&b.areas);
    let shared_stem = a.stems.iter().any(|s| b.stems.contains(s) && !common.contains(s));
    // Under area sub-headings the spec's link is exact: same area and a shared stem. Without
    // them, provision of the kind §6.5 expects for the need's area also counts ("DLD" → "SALT").
    let both_headed = ia.area.is_some() && ib.area.is_some();
    let expected = !both_headed && (!a.expected.is_disjoint(&b.areas) || !b.expected.is_disjoint(&a.areas));
    areas_agree && (shared_stem || expected)
}

/// Areas whose expected provision (§6.5) the item describes: "direct SALT" meets C&I.
fn expected_areas(s: &str) -> HashSet<Area> {
    [
        (&*p::EXPECT_CI, Area::CommunicationInteraction),
        (&*p::EXPECT_CL, Area::CognitionLearning),
        (&*p::EXPECT_SEMH, Area::Semh),
        (&*p::EXPECT_SP, Area::SensoryPhysical),
        (&*p::EXPECT_PFA, Area::Adulthood),
    ]
    .into_iter()
    .filter(|(re, _)| re.is_match(s))
    .map(|(_, a)| a)
    .collect()
}

pub fn plan_rules(seg: &Segmented, text: &str, facts: &[Facts], options: &AnalyseOptions, out: &mut Vec<PlanHit>) {
    missing_content(seg, text, options, out);
    let slice = |i: usize| &text[seg.items[i].start..seg.items[i].end];
    let mk = |i: usize| Linkable {
        index: i,
        areas: areas(&seg.items[i], slice(i)),
        stems: stems(slice(i)),
        expected: HashSet::new(),
    };
    let needs: Vec<Linkable> = (0..seg.items.len()).filter(|&i| facts[i].need).map(mk).collect();
    let provisions: Vec<Linkable> = (0..seg.items.len())
        .filter(|&i| facts[i].provision && seg.items[i].section == Section::F)
        .map(|i| Linkable { expected: expected_areas(slice(i)), ..mk(i) })
        .collect();
    let outcomes: Vec<Linkable> = (0..seg.items.len()).filter(|&i| facts[i].outcome).map(mk).collect();

    // Stems in most items (the child's name, the school's) link nothing.
    let mut frequency: HashMap<&str, usize> = HashMap::new();
    let all = needs.iter().chain(&provisions).chain(&outcomes);
    let total = needs.len() + provisions.len() + outcomes.len();
    for l in all {
        for s in &l.stems {
            *frequency.entry(s.as_str()).or_default() += 1;
        }
    }
    let common: HashSet<String> =
        frequency.into_iter().filter(|(_, n)| total >= 6 && *n * 10 > total * 4).map(|(s, _)| s.to_string()).collect();

    if !provisions.is_empty() {
        for need in &needs {
            let links: Vec<&Linkable> = provisions.iter().filter(|f| linked(need, f, &seg.items, &common)).collect();
            let hit = if links.is_empty() {
                Some(Hit { rule: "BF01", severity: FlagSeverity::Red, detail: None, suggestion: None })
            } else if links.iter().all(|f| facts[f.index].generic) {
                Some(Hit { rule: "BF03", severity: FlagSeverity::Amber, detail: None, suggestion: None })
            } else {
                None
            };
            if let Some(hit) = hit {
                out.push(PlanHit { item: Some(need.index), section: Section::B, hit });
            }
        }
        // An outcome whose area of need cannot be told is not flagged: the rule must not guess.
        for outcome in outcomes.iter().filter(|o| !o.areas.is_empty()) {
            let achievable = provisions
                .iter()
                .any(|f| !outcome.areas.is_disjoint(&f.areas) || linked(outcome, f, &seg.items, &common));
            if !achievable {
                let hit = Hit { rule: "OS06", severity: FlagSeverity::Amber, detail: None, suggestion: None };
                out.push(PlanHit { item: Some(outcome.index), section: Section::E, hit });
            }
        }
    }
    if !needs.is_empty() {
        for f in &provisions {
            if !needs.iter().any(|b| linked(b, f, &seg.items, &common)) {
                let hit = Hit { rule: "BF02", severity: FlagSeverity::Info, detail: None, suggestion: None };
                out.push(PlanHit { item: Some(f.index), section: Section::F, hit });
            }
        }
    }
    same_provision_in_f_and_g(seg, text, out);
    if let Some(year) = options.year_group
        && year >= 9
        && seg.has(Section::E)
        && !seg.items_in(Section::E).any(|i| p::PFA_OUTCOME.is_match(&text[i.start..i.end]))
    {
        let hit =
            Hit { rule: "OS05", severity: FlagSeverity::Amber, detail: Some(format!("Year {year}")), suggestion: None };
        out.push(PlanHit { item: None, section: Section::E, hit });
    }
}

/// WS03: the same therapy in F and G with different weekly amounts.
fn same_provision_in_f_and_g(seg: &Segmented, text: &str, out: &mut Vec<PlanHit>) {
    let kind = |s: &str| -> Option<&'static str> {
        let l = s.to_ascii_lowercase();
        if p::SALT.is_match(s) {
            Some("speech and language therapy")
        } else if l.contains("occupational") || p::AREA_SP.is_match(s) && l.contains(" ot ") {
            Some("occupational therapy")
        } else if l.contains("physio") {
            Some("physiotherapy")
        } else {
            None
        }
    };
    let f: Vec<(&'static str, f64)> = seg
        .items_in(Section::F)
        .filter_map(|i| {
            let s = &text[i.start..i.end];
            Some((kind(s)?, weekly_minutes(s)?))
        })
        .collect();
    for (index, item) in seg.items.iter().enumerate().filter(|(_, i)| i.section == Section::G) {
        let s = &text[item.start..item.end];
        let (Some(k), Some(g)) = (kind(s), weekly_minutes(s)) else { continue };
        if let Some((_, fm)) = f.iter().find(|(fk, fm)| *fk == k && (fm - g).abs() > 0.5) {
            let detail = Some(format!("{k}: {g:.0} minutes a week in G, {fm:.0} in F"));
            out.push(PlanHit {
                item: Some(index),
                section: Section::G,
                hit: Hit { rule: "WS03", severity: FlagSeverity::Amber, detail, suggestion: None },
            });
        }
    }
}

fn missing_content(seg: &Segmented, text: &str, options: &AnalyseOptions, out: &mut Vec<PlanHit>) {
    let mut push =
        |item: Option<usize>, section: Section, rule: &'static str, severity: FlagSeverity, detail: String| {
            out.push(PlanHit { item, section, hit: Hit { rule, severity, detail: Some(detail), suggestion: None } });
        };
    // MC01: absent sections; H1 and H2 must be separately identified.
    for &section in Section::ALL {
        if matches!(section, Section::H1 | Section::H2) && seg.h_merged {
            continue;
        }
        if !seg.has(section) {
            let severity = match section {
                Section::B | Section::F => FlagSeverity::Red,
                Section::I if !options.draft => FlagSeverity::Red,
                _ => FlagSeverity::Amber,
            };
            push(None, section, "MC01", severity, format!("no Section {section} was found"));
        }
    }
    if seg.h_merged {
        push(None, Section::H1, "MC01", FlagSeverity::Amber, "Section H is not split into H1 and H2".to_string());
    }
    let item_text = |i: &Item| &text[i.start..i.end];
    // MC02: C, D, G, H1, H2 present but empty.
    for section in [Section::C, Section::D, Section::G, Section::H1, Section::H2] {
        if seg.has(section) && seg.items_in(section).next().is_none() && !(seg.h_merged && section == Section::H2) {
            push(None, section, "MC02", FlagSeverity::Amber, format!("Section {section} is empty"));
        }
    }
    // MC03/MC04: Section I in a draft and a final plan.
    if seg.has(Section::I) {
        let naming: Vec<usize> = seg
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.section == Section::I && !p::DRAFT_BLANK.is_match(item_text(i)))
            .map(|(n, _)| n)
            .collect();
        match (options.draft, naming.first()) {
            (true, Some(&first)) => push(
                Some(first),
                Section::I,
                "MC03",
                FlagSeverity::Red,
                "the draft names a school or type of school".to_string(),
            ),
            (false, None) => push(
                None,
                Section::I,
                "MC04",
                FlagSeverity::Red,
                "Section I names no school or type of school".to_string(),
            ),
            _ => {}
        }
    }
    // MC05: health provision with no commissioning body.
    let g_items: Vec<usize> = seg
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.section == Section::G && !p::NONE_STATEMENT.is_match(item_text(i)))
        .map(|(n, _)| n)
        .collect();
    if let Some(&first) = g_items.first()
        && !g_items.iter().any(|&n| p::COMMISSIONER.is_match(item_text(&seg.items[n])))
    {
        push(Some(first), Section::G, "MC05", FlagSeverity::Amber, "no commissioning body is named".to_string());
    }
    // MC06: personal budget requested, J empty.
    if options.personal_budget_requested && seg.has(Section::J) && seg.items_in(Section::J).next().is_none() {
        push(None, Section::J, "MC06", FlagSeverity::Amber, "Section J is empty".to_string());
    }
    // MC07: advice listed in K.
    if seg.has(Section::K) {
        let k: String = seg.items_in(Section::K).map(item_text).collect::<Vec<_>>().join("\n");
        let mut lacking = Vec::new();
        let mut severity = FlagSeverity::Amber;
        if !p::PSYCHOLOGY.is_match(&k) {
            lacking.push("psychological");
            severity = FlagSeverity::Red;
        }
        for (re, what) in [
            (&*p::EDUCATION_ADVICE, "educational"),
            (&*p::MEDICAL_ADVICE, "medical"),
            (&*p::SOCIAL_CARE_ADVICE, "social care"),
        ] {
            if !re.is_match(&k) {
                lacking.push(what);
            }
        }
        if !lacking.is_empty() {
            push(None, Section::K, "MC07", severity, format!("no {} advice is listed", lacking.join(", ")));
        }
    }
}
