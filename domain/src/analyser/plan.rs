//! Rules that need the whole plan: B/F links, E/F links, same provision in F and G, and
//! missing statutory content (`docs/analyser.md`; SEND Regs 2014 reg 12).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::vocab::{FlagSeverity, Section};

use super::AnalyseOptions;
use super::patterns::{self as p, Pattern, Screened};
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
pub(super) fn stems(s: &str) -> HashSet<String> {
    static STOP: LazyLock<HashSet<&'static str>> = LazyLock::new(|| STOPWORDS.iter().copied().collect());
    let mut lower = String::new();
    s.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.len() >= 4 && w.chars().all(|c| c.is_alphabetic() || c == '\''))
        .filter_map(|w| {
            lower.clear();
            lower.extend(w.chars().flat_map(char::to_lowercase));
            (!STOP.contains(lower.as_str())).then(|| stem(&lower))
        })
        .collect()
}

/// A set of areas of need, one bit each.
type Areas = u8;

fn bit(a: Area) -> Areas {
    1 << (a as u8)
}

const ALL_AREAS: [Area; 5] =
    [Area::CommunicationInteraction, Area::CognitionLearning, Area::Semh, Area::SensoryPhysical, Area::Adulthood];

/// The areas whose pattern in `table` occurs in `t`.
fn matching(t: Screened<'_>, table: [(&Pattern, Area); 5]) -> Areas {
    table.into_iter().filter(|(re, _)| t.is_match(re)).fold(0, |acc, (_, a)| acc | bit(a))
}

/// An item's areas of need: its sub-heading's, else those its words point to.
fn areas(item: &Item, t: Screened<'_>) -> Areas {
    match item.area {
        Some(a) => bit(a),
        None => matching(
            t,
            [
                (&p::AREA_CI, Area::CommunicationInteraction),
                (&p::AREA_CL, Area::CognitionLearning),
                (&p::AREA_SEMH, Area::Semh),
                (&p::AREA_SP, Area::SensoryPhysical),
                (&p::AREA_PFA, Area::Adulthood),
            ],
        ),
    }
}

/// An item that takes part in links: a need, an outcome or a provision.
struct Linkable {
    index: usize,
    areas: Areas,
    /// Content stems, less those common to most items (the child's name, the school's).
    stems: Vec<String>,
}

/// A set of provisions (positions in the provision list), one bit each: links are computed as
/// unions and intersections of these, so a plan with a thousand needs and a thousand provisions
/// is linked in well under a millisecond rather than pair by pair.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn none(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn all(n: usize) -> Self {
        let mut b = Bits::none(n);
        (0..n).for_each(|i| b.set(i));
        b
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn or(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }
    fn and(&mut self, other: &Bits) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }
    fn any(&self) -> bool {
        self.0.iter().any(|w| *w != 0)
    }
    fn intersects(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
}

/// The plan's F provision, indexed by everything a link can go through (`docs/analyser.md`).
struct Provisions {
    n: usize,
    by_stem: HashMap<String, Bits>,
    by_area: [Bits; 5],
    without_area: Bits,
    /// Provision of the kind `docs/analyser.md` expects for an area ("direct SALT" for C&I).
    expecting: [Bits; 5],
    /// Provision not under an area sub-heading.
    unheaded: Bits,
    by_row: HashMap<usize, Bits>,
    by_number: HashMap<u16, Bits>,
    specific: Bits,
}

impl Provisions {
    fn new(list: &[Linkable], expected: &[Areas], items: &[Item], facts: &[Facts]) -> Self {
        let n = list.len();
        let mut p = Provisions {
            n,
            by_stem: HashMap::new(),
            by_area: std::array::from_fn(|_| Bits::none(n)),
            without_area: Bits::none(n),
            expecting: std::array::from_fn(|_| Bits::none(n)),
            unheaded: Bits::none(n),
            by_row: HashMap::new(),
            by_number: HashMap::new(),
            specific: Bits::none(n),
        };
        for (i, f) in list.iter().enumerate() {
            for s in &f.stems {
                p.by_stem.entry(s.clone()).or_insert_with(|| Bits::none(n)).set(i);
            }
            for (k, a) in ALL_AREAS.iter().enumerate() {
                if f.areas & bit(*a) != 0 {
                    p.by_area[k].set(i);
                }
                if expected[i] & bit(*a) != 0 {
                    p.expecting[k].set(i);
                }
            }
            if f.areas == 0 {
                p.without_area.set(i);
            }
            let item = &items[f.index];
            if item.area.is_none() {
                p.unheaded.set(i);
            }
            if let Some(r) = item.row {
                p.by_row.entry(r).or_insert_with(|| Bits::none(n)).set(i);
            }
            if let Some(num) = item.number {
                p.by_number.entry(num).or_insert_with(|| Bits::none(n)).set(i);
            }
            if !facts[f.index].generic {
                p.specific.set(i);
            }
        }
        p
    }

    /// Provision whose areas include one of `areas`.
    fn in_areas(&self, areas: Areas) -> Bits {
        let mut out = Bits::none(self.n);
        for (k, a) in ALL_AREAS.iter().enumerate() {
            if areas & bit(*a) != 0 {
                out.or(&self.by_area[k]);
            }
        }
        out
    }

    /// The provision linked to a need (or an outcome): same table row, same explicit number,
    /// or agreeing areas and either a shared content stem or, unless both sit under area
    /// sub-headings (where the spec's link is exact), provision of the kind `docs/analyser.md` expects for
    /// the need's area ("DLD" → "SALT").
    fn links(&self, a: &Linkable, item: &Item) -> Bits {
        let mut links = Bits::none(self.n);
        if let Some(b) = item.row.and_then(|r| self.by_row.get(&r)) {
            links.or(b);
        }
        if let Some(b) = item.number.and_then(|num| self.by_number.get(&num)) {
            links.or(b);
        }
        let agree = if a.areas == 0 {
            Bits::all(self.n)
        } else {
            let mut agree = self.in_areas(a.areas);
            agree.or(&self.without_area);
            agree
        };
        let mut content = Bits::none(self.n);
        for s in &a.stems {
            if let Some(b) = self.by_stem.get(s) {
                content.or(b);
            }
        }
        let mut expected = Bits::none(self.n);
        for (k, area) in ALL_AREAS.iter().enumerate() {
            if a.areas & bit(*area) != 0 {
                expected.or(&self.expecting[k]);
            }
        }
        if item.area.is_some() {
            expected.and(&self.unheaded);
        }
        content.or(&expected);
        content.and(&agree);
        links.or(&content);
        links
    }
}

/// Areas whose expected provision (`docs/analyser.md`) the item describes: "direct SALT" meets C&I.
fn expected_areas(t: Screened<'_>) -> Areas {
    matching(
        t,
        [
            (&p::EXPECT_CI, Area::CommunicationInteraction),
            (&p::EXPECT_CL, Area::CognitionLearning),
            (&p::EXPECT_SEMH, Area::Semh),
            (&p::EXPECT_SP, Area::SensoryPhysical),
            (&p::EXPECT_PFA, Area::Adulthood),
        ],
    )
}

pub fn plan_rules(seg: &Segmented, text: &str, facts: &[Facts], options: &AnalyseOptions, out: &mut Vec<PlanHit>) {
    missing_content(seg, text, options, out);
    let slice = |i: usize| &text[seg.items[i].start..seg.items[i].end];
    let screened = |i: usize| Screened::known(slice(i), facts[i].screen);
    let needs: Vec<usize> = (0..seg.items.len()).filter(|&i| facts[i].need).collect();
    let provisions: Vec<usize> =
        (0..seg.items.len()).filter(|&i| facts[i].provision && seg.items[i].section == Section::F).collect();
    let outcomes: Vec<usize> = (0..seg.items.len()).filter(|&i| facts[i].outcome).collect();

    // Stems in most items (the child's name, the school's) link nothing.
    let mut all_stems: Vec<HashSet<String>> = vec![HashSet::new(); seg.items.len()];
    for &i in needs.iter().chain(&provisions).chain(&outcomes) {
        all_stems[i] = stems(slice(i));
    }
    let mut frequency: HashMap<&str, usize> = HashMap::new();
    let total = needs.len() + provisions.len() + outcomes.len();
    for s in all_stems.iter().flatten() {
        *frequency.entry(s.as_str()).or_default() += 1;
    }
    let common: HashSet<&str> =
        frequency.into_iter().filter(|(_, n)| total >= 6 && *n * 10 > total * 4).map(|(s, _)| s).collect();
    let linkable = |i: usize| Linkable {
        index: i,
        areas: areas(&seg.items[i], screened(i)),
        stems: all_stems[i].iter().filter(|s| !common.contains(s.as_str())).cloned().collect(),
    };
    let needs: Vec<Linkable> = needs.into_iter().map(linkable).collect();
    let outcomes: Vec<Linkable> = outcomes.into_iter().map(linkable).collect();
    let expected: Vec<Areas> = provisions.iter().map(|&i| expected_areas(screened(i))).collect();
    let provisions: Vec<Linkable> = provisions.into_iter().map(linkable).collect();
    let index = Provisions::new(&provisions, &expected, &seg.items, facts);

    if !provisions.is_empty() {
        let mut met = Bits::none(provisions.len());
        for need in &needs {
            let links = index.links(need, &seg.items[need.index]);
            met.or(&links);
            let hit = if !links.any() {
                Some(Hit::plan("BF01", FlagSeverity::Red, None))
            } else if !links.intersects(&index.specific) {
                Some(Hit::plan("BF03", FlagSeverity::Amber, None))
            } else {
                None
            };
            if let Some(hit) = hit {
                out.push(PlanHit { item: Some(need.index), section: Section::B, hit });
            }
        }
        // An outcome whose area of need cannot be told is not flagged: the rule must not guess.
        for outcome in outcomes.iter().filter(|o| o.areas != 0) {
            let achievable =
                index.in_areas(outcome.areas).any() || index.links(outcome, &seg.items[outcome.index]).any();
            if !achievable {
                let hit = Hit::plan("OS06", FlagSeverity::Amber, None);
                out.push(PlanHit { item: Some(outcome.index), section: Section::E, hit });
            }
        }
        if !needs.is_empty() {
            for (k, f) in provisions.iter().enumerate() {
                if !met.get(k) {
                    let hit = Hit::plan("BF02", FlagSeverity::Info, None);
                    out.push(PlanHit { item: Some(f.index), section: Section::F, hit });
                }
            }
        }
    }
    same_provision_in_f_and_g(seg, text, out);
    if let Some(year) = options.year_group
        && year >= 9
        && seg.has(Section::E)
        && !seg.items_in(Section::E).any(|i| p::PFA_OUTCOME.is_match(&text[i.start..i.end]))
    {
        let hit = Hit::plan("OS05", FlagSeverity::Amber, Some(format!("Year {year}")));
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
                hit: Hit::plan("WS03", FlagSeverity::Amber, detail),
            });
        }
    }
}

fn missing_content(seg: &Segmented, text: &str, options: &AnalyseOptions, out: &mut Vec<PlanHit>) {
    let mut push =
        |item: Option<usize>, section: Section, rule: &'static str, severity: FlagSeverity, detail: String| {
            out.push(PlanHit { item, section, hit: Hit::plan(rule, severity, Some(detail)) });
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
        if seg.has(section) && !seg.has_content(section) && !(seg.h_merged && section == Section::H2) {
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
