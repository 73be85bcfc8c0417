//! Rules that score one item alone, scoped by its section (`docs/analyser.md`).

use crate::vocab::{FlagSeverity, Section};

use super::patterns::{self as p, Screen, Screened};
use super::quantify::{Class, Field, classify, concrete_what, delivered, missing, parse_number, quantify};

/// One rule firing on an item, before flags are merged.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: &'static str,
    pub severity: FlagSeverity,
    /// Where in the item the wording that fired starts (bytes): the flag points at its sentence.
    pub at: Option<usize>,
    /// What exactly fired, for the rationale ("\"when staff feel\"").
    pub detail: Option<String>,
    /// A suggestion specific to this item, replacing the rule's generic one.
    pub suggestion: Option<String>,
}

impl Hit {
    fn new(rule: &'static str, severity: FlagSeverity, detail: Option<String>) -> Self {
        Hit { rule, severity, at: None, detail, suggestion: None }
    }

    /// A hit on the wording `m` found.
    fn on(rule: &'static str, severity: FlagSeverity, m: regex::Match<'_>) -> Self {
        Hit { rule, severity, at: Some(m.start()), detail: quoted(m), suggestion: None }
    }

    /// A plan-level hit on a whole item.
    pub fn plan(rule: &'static str, severity: FlagSeverity, detail: Option<String>) -> Self {
        Hit::new(rule, severity, detail)
    }
}

/// What the plan-level rules need to know about an item.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// An F/G/H item that describes provision.
    pub provision: bool,
    /// Provision scored as critically unquantified or as sole generic content.
    pub generic: bool,
    /// A B item that states a need.
    pub need: bool,
    /// An E item that states an outcome.
    pub outcome: bool,
    /// The patterns that occur in the item, for the plan rules to reuse.
    pub screen: Screen,
}

/// Up to `n` bytes of `s` before `at`, cut at a character boundary.
fn preceding(s: &str, at: usize, n: usize) -> &str {
    let mut from = at.saturating_sub(n);
    while !s.is_char_boundary(from) {
        from += 1;
    }
    &s[from..at]
}

/// "access to …" that states what the provision is for ("to support access to the
/// curriculum"), not that the child may have something.
fn states_a_purpose(s: &str, m: regex::Match<'_>) -> bool {
    m.as_str().to_ascii_lowercase().starts_with("access")
        && p::ACCESS_PURPOSE_BEFORE.is_match(preceding(s, m.start(), 40))
}

fn quoted(m: regex::Match<'_>) -> Option<String> {
    let words: Vec<&str> = m.as_str().split_whitespace().collect();
    Some(format!("\"{}\"", words.join(" ")))
}

/// An item that only introduces what follows ("The following provision will be made:", "What
/// help do I need?").
fn is_lead_in(s: &str) -> bool {
    s.ends_with(':') || s.ends_with('?') || s.split_whitespace().count() < 3
}

/// Scores one item; pushes the rules that fire into `hits`. `lead` is the lead-in line the item
/// follows, if any ("Outcomes by the end of Key Stage 2:"): an outcome takes its time from it.
pub fn score(section: Section, s: &str, lead: Option<&str>, hits: &mut Vec<Hit>) -> Facts {
    let t = Screened::new(s);
    let facts = if is_lead_in(s) { Facts::default() } else { score_screened(section, t, lead, hits) };
    Facts { screen: t.screen(), ..facts }
}

fn score_screened(section: Section, t: Screened<'_>, lead: Option<&str>, hits: &mut Vec<Hit>) -> Facts {
    match section {
        Section::B => need_rules(t, hits),
        Section::E => outcome_rules(t, lead, hits),
        Section::F | Section::G | Section::H1 | Section::H2 => provision_units(section, t, hits),
        Section::C | Section::D => {
            wrong_section_rules(section, t, hits);
            Facts::default()
        }
        Section::A => {
            if let Some(m) = t.find(&p::PROVISION_WORDING) {
                hits.push(Hit::on("WS04", FlagSeverity::Amber, m));
            }
            Facts::default()
        }
        Section::I | Section::J | Section::K => Facts::default(),
    }
}

/// A need described only in general terms: a general difficulty or delay in an area, in one
/// short sentence, with no evidence and no number (how often, how far behind).
fn generic_need(t: Screened<'_>) -> Option<regex::Match<'_>> {
    let m = t.find(&p::GENERIC_NEED)?;
    let one_sentence = !t.s.trim_end_matches(['.', ' ']).contains(". ");
    let short = t.s.split_whitespace().count() <= 22;
    let numbered = t.s.bytes().any(|b| b.is_ascii_digit()) || t.is_match(&p::NUMBER_WORD);
    (one_sentence && short && !numbered && !t.is_match(&p::VL13_DATA)).then_some(m)
}

fn need_rules(t: Screened<'_>, hits: &mut Vec<Hit>) -> Facts {
    if let Some(m) = t.find(&p::VL13_DIAGNOSIS)
        && !t.is_match(&p::VL13_IMPACT)
        && !t.is_match(&p::VL13_DATA)
    {
        hits.push(Hit::on("VL13", FlagSeverity::Amber, m));
    }
    if let Some(m) = t.find(&p::VL14).or_else(|| generic_need(t)) {
        hits.push(Hit::on("VL14", FlagSeverity::Amber, m));
    }
    if let Some(m) = t.find(&p::PROVISION_WORDING) {
        hits.push(Hit::on("WS04", FlagSeverity::Amber, m));
    }
    let area =
        [&*p::AREA_CI, &*p::AREA_CL, &*p::AREA_SEMH, &*p::AREA_SP, &*p::AREA_PFA].iter().any(|re| t.is_match(re));
    Facts { need: area || t.is_match(&p::NEED_SIGNAL) || t.is_match(&p::VL13_DIAGNOSIS), ..Facts::default() }
}

fn outcome_rules(t: Screened<'_>, lead: Option<&str>, hits: &mut Vec<Hit>) -> Facts {
    if let Some(m) = t.find(&p::OS01) {
        hits.push(Hit::on("OS01", FlagSeverity::Red, m));
    }
    let mut weak = Vec::new();
    let time = t.find(&p::OS02);
    if time.is_none() && !lead.is_some_and(|l| p::OS02.is_match(l)) {
        weak.push(("OS02", None));
    }
    // A number inside the time ("by July 2027", "by the end of Year 6") is not a measure.
    let measured = match time {
        Some(m) => p::OS03.is_match(&t.s[..m.start()]) || p::OS03.is_match(&t.s[m.end()..]),
        None => t.is_match(&p::OS03),
    };
    if !measured {
        weak.push(("OS03", None));
    }
    if let Some(m) = t.find(&p::OS04) {
        weak.push(("OS04", quoted(m)));
    }
    // A vague verb beside a time and a measure ("By July 2027, Ibrahim will develop his reading
    // to 40 words a minute") is made specific by them: no flag.
    if let [("OS04", _)] = weak.as_slice() {
        weak.clear();
    }
    // Two or more weaknesses make the outcome red (`docs/analyser.md`).
    let severity = if weak.len() >= 2 { FlagSeverity::Red } else { FlagSeverity::Amber };
    let labels: Vec<&str> = weak
        .iter()
        .map(|(r, _)| match *r {
            "OS02" => "no time by which it is achieved",
            "OS03" => "no measure",
            _ => "a vague main verb",
        })
        .collect();
    for (rule, detail) in weak {
        let detail = detail.map(|d| format!("{d}; {}", labels.join(", "))).or_else(|| Some(labels.join(", ")));
        hits.push(Hit::new(rule, severity, detail));
    }
    Facts { outcome: true, ..Facts::default() }
}

fn wrong_section_rules(section: Section, t: Screened<'_>, hits: &mut Vec<Hit>) {
    if matches!(section, Section::C | Section::G | Section::H1 | Section::H2)
        && let Some(m) = t.find(&p::THERAPY_TERM)
        && t.is_match(&p::EDUCATE)
        && !t.is_match(&p::MEDICAL)
    {
        hits.push(Hit::on("WS01", FlagSeverity::Red, m));
    }
    if section != Section::F
        && let Some(m) = t.find(&p::SALT)
        && (t.is_match(&p::FREQ) || t.is_match(&p::DUR) || t.s.to_ascii_lowercase().contains("will "))
    {
        hits.push(Hit::on("WS02", FlagSeverity::Amber, m));
    }
}

/// What the vague-language triggers need to know about the item's fields.
struct Known {
    class: Class,
    /// Something concrete is delivered (not only "support" for an area).
    concrete: bool,
    who: bool,
    /// The size of a group is stated.
    group_size: bool,
    /// A named adult with a ratio, hours or times: "support" is then adult support, described.
    adult_support: bool,
}

/// Vague-language triggers in a provision item: (rule, severity, what matched).
fn triggers(t: Screened<'_>, k: &Known) -> Vec<Hit> {
    use FlagSeverity::*;
    let mut out = Vec::new();
    let mut fire = |rule: &'static str, severity: FlagSeverity, m: Option<regex::Match<'_>>| {
        out.push(match m {
            Some(m) => Hit::on(rule, severity, m),
            None => Hit::new(rule, severity, None),
        });
    };
    // "access to" that states what the provision is for ("to support access to the
    // curriculum") says nothing about whether the child gets it.
    if let Some(m) = t.find_iter(&p::VL01).find(|m| !states_a_purpose(t.s, *m)) {
        fire("VL01", Red, Some(m));
    }
    // "as independent as possible" is an aim, not a condition on the provision.
    if let Some(m) = t.find_iter(&p::VL02).find(|m| {
        !(m.as_str().to_ascii_lowercase().starts_with("as possible")
            && p::AS_WORD_BEFORE.is_match(preceding(t.s, m.start(), 40)))
    }) {
        fire("VL02", Red, Some(m));
    }
    if let Some(m) = t.find(&p::VL03) {
        fire("VL03", Red, Some(m));
    }
    let cap = t.find_iter(&p::VL04_UP_TO).find(|m| {
        let mut from = m.start().saturating_sub(40);
        while !t.s.is_char_boundary(from) {
            from += 1;
        }
        let before = &t.s[from..m.start()];
        !(p::GROUP_CAP_BEFORE.is_match(before) || p::GROUP_CAP_AFTER.is_match(&t.s[m.end()..]))
    });
    if let Some(m) = cap {
        fire("VL04", Red, Some(m));
    } else if let Some(m) = t.find(&p::VL04_LEVEL) {
        fire("VL04", Red, Some(m));
    } else if let Some(m) = t.find(&p::VL04_SOFT) {
        fire("VL04", Amber, Some(m));
    }
    if let Some(m) = t.find(&p::VL05) {
        fire("VL05", Red, Some(m));
    }
    if let Some(m) = t.find(&p::VL06) {
        fire("VL06", Amber, Some(m));
    }
    // Staff who receive training or advice are not the deliverer left unnamed.
    if !k.who
        && let Some(m) =
            t.find_iter(&p::VL07).find(|m| !p::STAFF_RECIPIENT_BEFORE.is_match(preceding(t.s, m.start(), 60)))
    {
        fire("VL07", if k.class == Class::Therapy { Red } else { Amber }, Some(m));
    }
    if !k.concrete && !k.adult_support {
        if let Some(m) = t.find(&p::VL08) {
            fire("VL08", Red, Some(m));
        } else if let Some(m) = t.find(&p::VL10_MONEY) {
            fire("VL10", Red, Some(m));
        }
    }
    if let Some(m) = t.find(&p::VL09_NEAR).or_else(|| t.find(&p::VL09_SET_BY)) {
        fire("VL09", Amber, Some(m));
    }
    if let Some(m) = t.find(&p::VL10) {
        fire("VL10", Red, Some(m));
    }
    for caps in t.captures_iter(&p::VL11) {
        let (Some(lo), Some(hi)) =
            (caps.get(1).and_then(|m| parse_number(m.as_str())), caps.get(2).and_then(|m| parse_number(m.as_str())))
        else {
            continue;
        };
        if lo > 0.0 && hi / lo > 1.5 {
            fire("VL11", Amber, caps.get(0));
            break;
        }
    }
    if let Some(m) = t.find(&p::VL12) {
        let small_group = m.as_str().to_ascii_lowercase().starts_with("small");
        if !small_group || !k.group_size {
            fire("VL12", Amber, Some(m));
        }
    }
    if let Some(m) = t.find_iter(&p::VL15).find(|m| !states_a_purpose(t.s, *m)) {
        fire("VL15", Amber, Some(m));
    }
    out
}

fn list(fields: &[Field]) -> String {
    let labels: Vec<&str> = fields.iter().map(|f| f.label()).collect();
    match labels.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The provisions a paragraph describes: sentences that share their fields (`docs/analyser.md`: "Greg will
/// have short and frequent touch-typing sessions. He will receive 3 × 10-minute sessions…"),
/// split where a sentence names something new to be provided without referring back to what
/// came before ("… He will also have access to a quiet space when needed."). Byte ranges in `s`.
fn units(t: Screened<'_>) -> Vec<(usize, usize)> {
    let s = t.s;
    let whole = vec![(0, s.len())];
    // An item that names nothing to provide is one unit, whatever its sentences.
    if !(t.is_match(&p::WHAT) || t.is_match(&p::EQUIPMENT) || t.is_match(&p::THERAPY_TERM)) {
        return whole;
    }
    let sentences = super::text::sentences(s, 0, s.len());
    if sentences.len() < 2 {
        return whole;
    }
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (a, b) in sentences {
        let sentence = &s[a..b];
        let names_provision =
            p::WHAT.is_match(sentence) || p::EQUIPMENT.is_match(sentence) || p::THERAPY_TERM.is_match(sentence);
        match out.last_mut() {
            Some(last) if !names_provision || p::REFERS_BACK.is_match(sentence) && !p::ADDS_MORE.is_match(sentence) => {
                last.1 = b
            }
            _ => out.push((a, b)),
        }
    }
    out
}

/// Scores each provision of an item; the item is generic only if every provision in it is.
fn provision_units(section: Section, t: Screened<'_>, hits: &mut Vec<Hit>) -> Facts {
    let units = units(t);
    if units.len() == 1 {
        return provision_rules(section, t, hits);
    }
    let mut facts = Facts::default();
    let mut all_generic = true;
    for (a, b) in units {
        let before = hits.len();
        let f = provision_rules(section, Screened::new(&t.s[a..b]), hits);
        for hit in &mut hits[before..] {
            hit.at = Some(hit.at.unwrap_or(0) + a);
        }
        facts.provision |= f.provision;
        all_generic &= !f.provision || f.generic;
    }
    facts.generic = facts.provision && all_generic;
    facts
}

fn provision_rules(section: Section, t: Screened<'_>, hits: &mut Vec<Hit>) -> Facts {
    wrong_section_rules(section, t, hits);
    if section == Section::F
        && let Some(m) = t.find(&p::TRANSPORT)
    {
        hits.push(Hit::on("WS05", FlagSeverity::Info, m));
    }
    // Medical treatment in G or H (a prescription, a clinic) is the commissioner's to specify;
    // the quantification duty of s.42(2) and Code 9.69 is about educational provision.
    // Training the adults who give it (to administer rescue medication, say) is scored like
    // any other training.
    if section != Section::F && t.is_match(&p::MEDICAL) && !t.is_match(&p::EDUCATE) && !t.is_match(&p::STAFF_TRAINING) {
        return Facts { provision: true, ..Facts::default() };
    }
    let delivered = delivered(t);
    let d = delivered.as_deref().map_or(t, Screened::new);
    let q = quantify(t, d);
    let class = classify(d);
    // The plan describing itself ("These must include all the needs specified in Section B").
    if t.is_match(&p::PLAN_META) && !(q.freq || q.dur || q.hours) {
        return Facts::default();
    }
    let known = Known {
        class,
        concrete: concrete_what(d),
        who: q.who,
        group_size: q.group_size,
        adult_support: class == Class::AllDay || q.who && (q.one_to_one || q.hours || q.when),
    };
    let found = triggers(t, &known);
    // "Up to N hours" and "a level of 1:1" set no minimum, and a wide range lets its lowest
    // figure be delivered: the amount is not fixed (`docs/analyser.md`).
    let mut q = q;
    if found.iter().any(|h| h.rule == "VL04" && h.severity == FlagSeverity::Red || h.rule == "VL11") {
        q.dur = false;
        q.hours = false;
    }
    // An item that states how much of something is given names what it gives, whatever the
    // activity is called ("a lunch club for 6 pupils every Tuesday"); only "support",
    // "strategies" or money as the whole content leaves it unnamed (VL08, VL10).
    let vague_content = found.iter().any(|h| matches!(h.rule, "VL08" | "VL10"));
    if !q.what && q.states_an_amount() && !vague_content {
        q.what = true;
    }
    let provision_like =
        !found.is_empty() || q.what || q.who || q.freq || q.dur || q.hours || t.is_match(&p::PROVISION_LIKE);
    // Statements such as "None identified" or narrative with no provision content are not scored.
    if !provision_like || t.is_match(&p::NONE_STATEMENT) && !q.what {
        return Facts::default();
    }
    // Social care provision (H1/H2) is arranged by care services, not scored field by field like
    // educational provision; it still has to say how often or how much.
    let (missing, critical) = if matches!(section, Section::H1 | Section::H2) {
        let gap: Vec<Field> = if q.freq || q.hours { vec![] } else { vec![Field::Freq] };
        (gap.clone(), gap)
    } else {
        missing(class, &q, t)
    };
    let mut generic = false;
    // Red is kept for provision that states no amount at all; an item that gives some of its
    // measures and leaves others out is amber, naming what is missing (`docs/analyser.md`).
    if !critical.is_empty() && !q.states_an_amount() {
        generic = true;
        let mut hit = Hit::new("UQ01", FlagSeverity::Red, Some(format!("missing {}", list(&missing))));
        hit.suggestion = Some(format!("Add {}.", list(&missing)));
        hits.push(hit);
    } else if !missing.is_empty() {
        let mut hit = Hit::new("UQ02", FlagSeverity::Amber, Some(format!("missing {}", list(&missing))));
        hit.suggestion = Some(format!("Add {}.", list(&missing)));
        hits.push(hit);
    }
    if q.conditional
        && let Some(h) = hits.iter_mut().rev().find(|h| h.rule.starts_with("UQ"))
    {
        h.detail =
            Some(format!("{}; an override clause makes the amounts conditional", h.detail.clone().unwrap_or_default()));
    }
    generic |= found.iter().any(|h| matches!(h.rule, "VL08" | "VL10"));
    for mut hit in found {
        if missing.is_empty() {
            // A trigger beside every measure the item's class needs is worth a look, not a
            // defect (`docs/analyser.md`): "access to a workstation in every maths lesson, set
            // up each morning by the class teacher" is info, as the worked examples require.
            // Soft words that govern the amount itself are not made specific by the rest:
            // "up to three sessions", "a maximum of 4 a year", "or equivalent provision".
            let governs_amount = hit.rule == "VL04"
                || hit.rule == "VL06"
                    && hit.detail.as_deref().is_some_and(|d| {
                        let d = d.to_ascii_lowercase();
                        d.contains("or equivalent") || d.contains("or similar")
                    });
            if !governs_amount {
                hit.severity = FlagSeverity::Info;
            }
        }
        hits.push(hit);
    }
    Facts { provision: true, generic, ..Facts::default() }
}
