//! Rules that score one item alone, scoped by its section (DOMAIN §6.1-6.4, 6.6).

use crate::vocab::{FlagSeverity, Section};

use super::patterns as p;
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
    if is_lead_in(s) {
        return Facts::default();
    }
    match section {
        Section::B => need_rules(s, hits),
        Section::E => outcome_rules(s, hits),
        Section::F | Section::G | Section::H1 | Section::H2 => provision_rules(section, s, hits),
        Section::C | Section::D => {
            wrong_section_rules(section, s, hits);
            Facts::default()
        }
        Section::A => {
            if let Some(m) = p::PROVISION_WORDING.find(s) {
                hits.push(Hit::new("WS04", FlagSeverity::Amber, quoted(m)));
            }
            Facts::default()
        }
        Section::I | Section::J | Section::K => Facts::default(),
    }
}

fn need_rules(s: &str, hits: &mut Vec<Hit>) -> Facts {
    if let Some(m) = p::VL13_DIAGNOSIS.find(s)
        && !p::VL13_IMPACT.is_match(s)
        && !p::VL13_DATA.is_match(s)
    {
        hits.push(Hit::new("VL13", FlagSeverity::Amber, quoted(m)));
    }
    if let Some(m) = p::VL14.find(s) {
        hits.push(Hit::new("VL14", FlagSeverity::Amber, quoted(m)));
    }
    if let Some(m) = p::PROVISION_WORDING.find(s) {
        hits.push(Hit::new("WS04", FlagSeverity::Amber, quoted(m)));
    }
    let area =
        [&*p::AREA_CI, &*p::AREA_CL, &*p::AREA_SEMH, &*p::AREA_SP, &*p::AREA_PFA].iter().any(|re| re.is_match(s));
    Facts { need: area || p::NEED_SIGNAL.is_match(s) || p::VL13_DIAGNOSIS.is_match(s), ..Facts::default() }
}

fn outcome_rules(s: &str, hits: &mut Vec<Hit>) -> Facts {
    if let Some(m) = p::OS01.find(s) {
        hits.push(Hit::new("OS01", FlagSeverity::Red, quoted(m)));
    }
    let mut weak = Vec::new();
    if !p::OS02.is_match(s) {
        weak.push(("OS02", None));
    }
    if !p::OS03.is_match(s) {
        weak.push(("OS03", None));
    }
    if let Some(m) = p::OS04.find(s) {
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

fn wrong_section_rules(section: Section, s: &str, hits: &mut Vec<Hit>) {
    if matches!(section, Section::C | Section::G | Section::H1 | Section::H2)
        && let Some(m) = p::THERAPY_TERM.find(s)
        && p::EDUCATE.is_match(s)
        && !p::MEDICAL.is_match(s)
    {
        hits.push(Hit::new("WS01", FlagSeverity::Red, quoted(m)));
    }
    if section != Section::F
        && let Some(m) = p::SALT.find(s)
        && (p::FREQ.is_match(s) || p::DUR.is_match(s) || s.to_ascii_lowercase().contains("will "))
    {
        hits.push(Hit::new("WS02", FlagSeverity::Amber, quoted(m)));
    }
}

/// Vague-language triggers in a provision item: (rule, severity, what matched).
fn triggers(s: &str, class: Class, has_what: bool, has_who: bool, has_ratio: bool) -> Vec<Hit> {
    use FlagSeverity::*;
    let mut out = Vec::new();
    let mut fire = |rule: &'static str, severity: FlagSeverity, m: Option<regex::Match<'_>>| {
        out.push(Hit::new(rule, severity, m.and_then(quoted)));
    };
    if let Some(m) = p::VL01.find(s) {
        fire("VL01", Red, Some(m));
    }
    if let Some(m) = p::VL02.find(s) {
        fire("VL02", Red, Some(m));
    }
    if let Some(m) = p::VL03.find(s) {
        fire("VL03", Red, Some(m));
    }
    let cap = p::VL04_UP_TO.find_iter(s).find(|m| {
        let mut from = m.start().saturating_sub(40);
        while !s.is_char_boundary(from) {
            from += 1;
        }
        let before = &s[from..m.start()];
        !(p::GROUP_CAP_BEFORE.is_match(before) || p::GROUP_CAP_AFTER.is_match(&s[m.end()..]))
    });
    if let Some(m) = cap {
        fire("VL04", Red, Some(m));
    } else if let Some(m) = p::VL04_LEVEL.find(s) {
        fire("VL04", Red, Some(m));
    } else if let Some(m) = p::VL04_SOFT.find(s) {
        fire("VL04", Amber, Some(m));
    }
    if let Some(m) = p::VL05.find(s) {
        fire("VL05", Red, Some(m));
    }
    if let Some(m) = p::VL06.find(s) {
        fire("VL06", Amber, Some(m));
    }
    if !has_who && let Some(m) = p::VL07.find(s) {
        fire("VL07", if class == Class::Therapy { Red } else { Amber }, Some(m));
    }
    if !has_what {
        if let Some(m) = p::VL08.find(s) {
            fire("VL08", Red, Some(m));
        } else if let Some(m) = p::VL10_MONEY.find(s) {
            fire("VL10", Red, Some(m));
        }
    }
    if let Some(m) = p::VL09_NEAR.find(s).or_else(|| p::VL09_SET_BY.find(s)) {
        fire("VL09", Amber, Some(m));
    }
    if let Some(m) = p::VL10.find(s) {
        fire("VL10", Red, Some(m));
    }
    for caps in p::VL11.captures_iter(s) {
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
    if let Some(m) = p::VL12.find(s) {
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

fn provision_rules(section: Section, s: &str, hits: &mut Vec<Hit>) -> Facts {
    wrong_section_rules(section, s, hits);
    if section == Section::F
        && let Some(m) = p::TRANSPORT.find(s)
    {
        hits.push(Hit::new("WS05", FlagSeverity::Info, quoted(m)));
    }
    // Medical treatment in G or H (a prescription, a clinic) is the commissioner's to specify;
    // the quantification duty of s.42(2) and Code 9.69 is about educational provision.
    if section != Section::F && p::MEDICAL.is_match(s) && !p::EDUCATE.is_match(s) {
        return Facts { provision: true, ..Facts::default() };
    }
    let q = quantify(s);
    let class = classify(s);
    let found = triggers(s, class, q.what, q.who, q.ratio);
    let provision_like =
        !found.is_empty() || q.what || q.who || q.freq || q.dur || q.hours || p::PROVISION_LIKE.is_match(s);
    // Statements such as "None identified" or narrative with no provision content are not scored.
    if !provision_like || p::NONE_STATEMENT.is_match(s) && !q.what {
        return Facts::default();
    }
    // Social care provision (H1/H2) is arranged by care services, not scored field by field like
    // educational provision; it still has to say how often or how much.
    let (missing, critical) = if matches!(section, Section::H1 | Section::H2) {
        let gap: Vec<Field> = if q.freq || q.hours { vec![] } else { vec![Field::Freq] };
        (gap.clone(), gap)
    } else {
        missing(class, &q, s)
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
