//! The EHCP analyser: reads a plan the way an experienced SEND advocate would and explains
//! what it finds (`docs/analyser.md`). Pure and deterministic: the same text always gives the same
//! flags, on the server and on the phone, and no text ever leaves the family's deployment.
//!
//! Pipeline: normalise (one char for one char, so spans are offsets into the extracted text)
//! → sections (SEND Regs 2014 reg 12) → items → quantifiers → rules scoped by section → plan-level links and
//! missing content → one flag per kind per item, the most severe.

mod catalogue;
pub mod compare;
mod patterns;
mod plan;
mod quantify;
mod rules;
mod sections;
mod text;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::vocab::{CaseStatus, FlagKind, FlagSeverity, Section};

pub use catalogue::{RULES, Rule};
pub use text::normalise;

/// The largest text analysed, in bytes. A 100-page plan is about 300 KB; this bound keeps
/// time and memory small for any input.
pub const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// What the analyser needs to know about the plan beyond its text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyseOptions {
    /// A draft plan: Section I must be blank (s.38(5)).
    #[serde(default)]
    pub draft: bool,
    /// The child's national curriculum year, for preparing-for-adulthood outcomes (Year 9+).
    #[serde(default)]
    pub year_group: Option<u8>,
    /// The family asked for a personal budget, so Section J must not be empty.
    #[serde(default)]
    pub personal_budget_requested: bool,
}

impl AnalyseOptions {
    /// What the case already says: a plan analysed while the case is at `draft_ehcp_issued` is
    /// a draft, and the child's year group comes from their date of birth.
    pub fn for_case(status: CaseStatus, date_of_birth: NaiveDate, today: NaiveDate) -> Self {
        AnalyseOptions {
            draft: status == CaseStatus::DraftEhcpIssued,
            year_group: crate::dates::year_group(date_of_birth, today),
            personal_budget_requested: false,
        }
    }

    /// The person's choices over the defaults: each one given replaces what was assumed.
    pub fn with_choices(self, draft: Option<bool>, year_group: Option<u8>, personal_budget_requested: bool) -> Self {
        AnalyseOptions {
            draft: draft.unwrap_or(self.draft),
            year_group: year_group.or(self.year_group),
            personal_budget_requested,
        }
    }
}

/// Character offsets (Unicode scalar values) into the normalised text, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One flag raised by the analyser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub kind: FlagKind,
    pub section: Option<Section>,
    pub rule: String,
    pub severity: FlagSeverity,
    /// The exact passage; empty when the flag is about an absent section.
    pub excerpt: String,
    pub span: Span,
    pub rationale: String,
    pub authority: String,
    pub suggestion: Option<String>,
}

/// The analyser's result for one text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    /// Sections found, in the order they were found (repeats collapsed).
    pub sections: Vec<Section>,
    /// "Section H" with no H1/H2.
    pub h_merged: bool,
    /// Items scored.
    pub items: usize,
    pub findings: Vec<Finding>,
}

/// Why a text could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalyseError {
    #[error("the text is {bytes} bytes; the analyser reads at most {MAX_TEXT_BYTES}")]
    TooLong { bytes: usize },
}

/// Flags merge per (position, item, kind): one flag per kind per item (`docs/analyser.md`).
type MergeKey = (usize, usize, FlagKind);
/// A hit with its section and byte range.
type Placed = (Section, usize, usize, rules::Hit);

/// Analyses one plan.
pub fn analyse(raw: &str, options: &AnalyseOptions) -> Result<Analysis, AnalyseError> {
    if raw.len() > MAX_TEXT_BYTES {
        return Err(AnalyseError::TooLong { bytes: raw.len() });
    }
    let text = normalise(raw);
    let seg = sections::segment(&text);

    // (item, kind) → the most severe hit; plan hits without an item are keyed by section.
    let mut merged: BTreeMap<MergeKey, Placed> = BTreeMap::new();
    let mut keep =
        |key: (usize, usize, FlagKind), section: Section, start: usize, end: usize, hit: rules::Hit| match merged
            .get(&key)
        {
            Some((_, _, _, old)) if old.severity >= hit.severity => {}
            _ => {
                merged.insert(key, (section, start, end, hit));
            }
        };

    let mut facts = Vec::with_capacity(seg.items.len());
    let mut hits = Vec::new();
    for (index, item) in seg.items.iter().enumerate() {
        hits.clear();
        let lead = item.lead.map(|(a, b)| &text[a..b]);
        facts.push(rules::score(item.section, &text[item.start..item.end], lead, &mut hits));
        for hit in hits.drain(..) {
            let kind = catalogue::rule(hit.rule).kind;
            let (start, end) = pointed(&text, item.start, item.end, hit.at);
            keep((item.start, index, kind), item.section, start, end, hit);
        }
    }
    let mut plan_hits = Vec::new();
    plan::plan_rules(&seg, &text, &facts, options, &mut plan_hits);
    for ph in plan_hits {
        let kind = catalogue::rule(ph.hit.rule).kind;
        match ph.item {
            Some(index) => {
                let item = &seg.items[index];
                keep((item.start, index, kind), item.section, item.start, item.end, ph.hit);
            }
            None => {
                let (start, end) = seg.heading(ph.section).map(|h| (h.start, h.end)).unwrap_or((0, 0));
                keep((start, usize::MAX - ph.section as usize, kind), ph.section, start, end, ph.hit);
            }
        }
    }

    let mut findings: Vec<Finding> = merged
        .into_values()
        .map(|(section, start, end, hit)| finding(hit, section, text[start..end].to_string(), Span { start, end }))
        .collect();
    let offsets = text::CharOffsets::new(&text);
    let mut refs: Vec<&mut usize> = findings.iter_mut().flat_map(|f| [&mut f.span.start, &mut f.span.end]).collect();
    offsets.convert(&text, &mut refs);

    let mut found = Vec::new();
    for h in &seg.headings {
        if !found.contains(&h.section) {
            found.push(h.section);
        }
    }
    Ok(Analysis { sections: found, h_merged: seg.h_merged, items: seg.items.len(), findings })
}

/// The part of an item a hit points at: the sentence holding the wording that fired, else the
/// whole item. Items are paragraphs (`docs/analyser.md`), but a family should see the sentence at fault.
fn pointed(text: &str, start: usize, end: usize, at: Option<usize>) -> (usize, usize) {
    let Some(at) = at.map(|a| start + a) else { return (start, end) };
    text::sentences(text, start, end).into_iter().find(|&(a, b)| a <= at && at < b).unwrap_or((start, end))
}

/// Scores one item as if it stood alone in `section`, without plan-level rules. This is what
/// the labelled corpus measures (items are scored alone).
pub fn analyse_item(section: Section, raw: &str) -> Vec<Finding> {
    let text = normalise(raw);
    let lead = text.len() - text.trim_start().len();
    let (start, end) = (lead, lead + text.trim().len());
    let mut hits = Vec::new();
    rules::score(section, &text[start..end], None, &mut hits);
    let mut best: BTreeMap<FlagKind, rules::Hit> = BTreeMap::new();
    for hit in hits {
        let kind = catalogue::rule(hit.rule).kind;
        if best.get(&kind).is_none_or(|old| hit.severity > old.severity) {
            best.insert(kind, hit);
        }
    }
    let offsets = text::CharOffsets::new(&text);
    best.into_values()
        .map(|hit| {
            let (mut a, mut b) = pointed(&text, start, end, hit.at);
            offsets.convert(&text, &mut [&mut a, &mut b]);
            let excerpt = text.chars().skip(a).take(b - a).collect();
            finding(hit, section, excerpt, Span { start: a, end: b })
        })
        .collect()
}

fn finding(hit: rules::Hit, section: Section, excerpt: String, span: Span) -> Finding {
    let rule = catalogue::rule(hit.rule);
    let rationale = match &hit.detail {
        Some(d) => format!("{} Found: {d}.", rule.why),
        None => rule.why.to_string(),
    };
    Finding {
        kind: rule.kind,
        section: Some(section),
        rule: rule.id.to_string(),
        severity: hit.severity,
        excerpt,
        span,
        rationale,
        authority: rule.authority.to_string(),
        suggestion: hit.suggestion.or(rule.fix.map(str::to_string)),
    }
}

#[cfg(test)]
mod tests;
