//! Rules that score one item alone, scoped by its section (DOMAIN §6.1-6.4, 6.6).

use crate::vocab::{FlagSeverity, Section};

use super::patterns::{self as p, Screen, Screened};
use super::quantify::{Class, Field, classify, missing, parse_number, quantify};

/// One rule firing on an item, before flags are merged.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: &'static str,
    pub severity: FlagSeverity,
    /// What exactly fired, for the rationale ("\"when staff feel\"").
    pub detail: Option<String>,
    /// A suggestion specific to this item, replacing the rule's generic one.
    pub suggestion: Option<String>,
}

impl Hit {
    fn new(rule: &'static str, severity: FlagSeverity, detail: Option<String>) -> Self {
        Hit { rule, severity, detail, suggestion: None }
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

fn quoted(m: regex::Match<'_>) -> Option<String> {
    let words: Vec<&str> = m.as_str().split_whitespace().collect();
    Some(format!("\"{}\"", words.join(" ")))
}

/// An item that only introduces what follows ("The following provision will be made:").
fn is_lead_in(s: &str) -> bool {
    s.ends_with(':') || s.split_whitespace().count() < 3
}

/// Scores one item; pushes the rules that fire into `hits`.
pub fn score(section: Section, s: &str, hits: &mut Vec<Hit>) -> Facts {
    let t = Screened::new(s);
    let facts = if is_lead_in(s) { Facts::default() } else { score_screened(section, t, hits) };
    Facts { screen: t.screen(), ..facts }
}

fn score_screened(section: Section, t: Screened<'_>, hits: &mut Vec<Hit>) -> Facts {
    match section {
        Section::B => need_rules(t, hits),
        Section::E => outcome_rules(t, hits),
        Section::F | Section::G | Section::H1 | Section::H2 => provision_rules(section, t, hits),
        Section::C | Section::D => {
            wrong_section_rules(section, t, hits);
            Facts::default()
        }
        Section::A => {
            if let Some(m) = t.find(&p::PROVISION_WORDING) {
                hits.push(Hit::new("WS04", FlagSeverity::Amber, quoted(m)));
            }
            Facts::default()
        }
        Section::I | Section::J | Section::K => Facts::default(),
    }
}

fn need_rules(t: Screened<'_>, hits: &mut Vec<Hit>) -> Facts {
    if let Some(m) = t.find(&p::VL13_DIAGNOSIS)
        && !t.is_match(&p::VL13_IMPACT)
        && !t.is_match(&p::VL13_DATA)
    {
        hits.push(Hit::new("VL13", FlagSeverity::Amber, quoted(m)));
    }
    if let Some(m) = t.find(&p::VL14) {
        hits.push(Hit::new("VL14", FlagSeverity::Amber, quoted(m)));
    }
    if let Some(m) = t.find(&p::PROVISION_WORDING) {
        hits.push(Hit::new("WS04", FlagSeverity::Amber, quoted(m)));
    }
    let area =
        [&*p::AREA_CI, &*p::AREA_CL, &*p::AREA_SEMH, &*p::AREA_SP, &*p::AREA_PFA].iter().any(|re| t.is_match(re));
    Facts { need: area || t.is_match(&p::NEED_SIGNAL) || t.is_match(&p::VL13_DIAGNOSIS), ..Facts::default() }
}

fn outcome_rules(t: Screened<'_>, hits: &mut Vec<Hit>) -> Facts {
    if let Some(m) = t.find(&p::OS01) {
        hits.push(Hit::new("OS01", FlagSeverity::Red, quoted(m)));
    }
    let mut weak = Vec::new();
    if !t.is_match(&p::OS02) {
        weak.push(("OS02", None));
    }
    if !t.is_match(&p::OS03) {
        weak.push(("OS03", None));
    }
    if let Some(m) = t.find(&p::OS04) {
        weak.push(("OS04", quoted(m)));
    }
    // Two or more weaknesses make the outcome red (§6.6).
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
        hits.push(Hit::new("WS01", FlagSeverity::Red, quoted(m)));
    }
    if section != Section::F
        && let Some(m) = t.find(&p::SALT)
        && (t.is_match(&p::FREQ) || t.is_match(&p::DUR) || t.s.to_ascii_lowercase().contains("will "))
    {
        hits.push(Hit::new("WS02", FlagSeverity::Amber, quoted(m)));
    }
}

/// Vague-language triggers in a provision item: (rule, severity, what matched).
fn triggers(t: Screened<'_>, class: Class, has_what: bool, has_who: bool, has_ratio: bool) -> Vec<Hit> {
    use FlagSeverity::*;
    let mut out = Vec::new();
    let mut fire = |rule: &'static str, severity: FlagSeverity, m: Option<regex::Match<'_>>| {
        out.push(Hit::new(rule, severity, m.and_then(quoted)));
    };
    if let Some(m) = t.find(&p::VL01) {
        fire("VL01", Red, Some(m));
    }
    if let Some(m) = t.find(&p::VL02) {
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
    if !has_who && let Some(m) = t.find(&p::VL07) {
        fire("VL07", if class == Class::Therapy { Red } else { Amber }, Some(m));
    }
    if !has_what {
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
        if !small_group || !has_ratio {
            fire("VL12", Amber, Some(m));
        }
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

fn provision_rules(section: Section, t: Screened<'_>, hits: &mut Vec<Hit>) -> Facts {
    wrong_section_rules(section, t, hits);
    if section == Section::F
        && let Some(m) = t.find(&p::TRANSPORT)
    {
        hits.push(Hit::new("WS05", FlagSeverity::Info, quoted(m)));
    }
    // Medical treatment in G or H (a prescription, a clinic) is the commissioner's to specify;
    // the quantification duty of s.42(2) and Code 9.69 is about educational provision.
    if section != Section::F && t.is_match(&p::MEDICAL) && !t.is_match(&p::EDUCATE) {
        return Facts { provision: true, ..Facts::default() };
    }
    let q = quantify(t);
    let class = classify(t);
    let found = triggers(t, class, q.what, q.who, q.ratio);
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
    if !critical.is_empty() {
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
        // A trigger with every required field present is worth a look, not a defect (§6.3).
        if missing.is_empty() {
            hit.severity = FlagSeverity::Info;
        }
        hits.push(hit);
    }
    Facts { provision: true, generic, ..Facts::default() }
}
