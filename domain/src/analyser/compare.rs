//! The professionals' advice held against the plan (`docs/analyser.md`, rules EI01–EI09).
//!
//! A plan must take into account the advice gathered for the assessment (SEND Regulations 2014
//! reg 11(a)). An advocate's first check on a draft is that every recommendation in the speech
//! and language, occupational therapy, physiotherapy and educational psychology reports reached
//! Section F (or G, H1, H2) undiminished. This module reads each report for its recommendations
//! and the difficulties it describes, finds the plan item that best answers each one, and says
//! where the plan gives less: nothing at all, less time, a less qualified deliverer, advice in
//! place of direct work, vaguer wording, a need left out of Section B or played down there.
//!
//! Like the rest of the analyser it is pure and deterministic: the same texts always give the
//! same result, on the server and on the phone.

use std::collections::HashSet;
use std::fmt::Write;
use std::sync::LazyLock;

use chrono::{Months, NaiveDate};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::vocab::{FlagKind, FlagSeverity, Section};

use super::patterns::{self as p, N, Screened, compile, compile_set, set_of};
use super::plan::stems;
use super::quantify::{delivered, parse_number};
use super::sections::{self, Item};
use super::text::{self, CharOffsets};
use super::{AnalyseError, Finding, MAX_TEXT_BYTES, Span, catalogue, normalise};

/// Who delivers a provision, by the expertise that matters for EI03.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Deliverer {
    /// A therapist, psychologist or specialist teacher (ToD, QTVI, specialist SpLD teacher).
    Specialist,
    /// A class or subject teacher.
    Teacher,
    /// A teaching assistant, LSA or HLTA.
    Assistant,
    /// "Staff", "an adult", "the school": nobody in particular.
    Unnamed,
}

/// Whether the professional works with the child or through others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Direct,
    /// Advice, a programme for others to carry out, training or monitoring.
    Indirect,
}

/// The measures a recommendation or a plan item states (`docs/analyser.md`, "Report versus plan").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measures {
    /// How often, as written ("three times a week", "every fortnight").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    /// Sessions in a school week (0.5 for fortnightly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions_per_week: Option<f64>,
    /// Minutes in one session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_per_session: Option<f64>,
    /// Minutes a week: sessions × minutes, or a weekly total as written ("2 hours a week").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_per_week: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliverer: Option<Deliverer>,
    /// The qualification or role that carries one, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// The ratio or group size, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<String>,
    /// For how long overall, as written ("for six weeks", "for the next year").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

impl Measures {
    /// States how often or how long.
    fn quantified(&self) -> bool {
        self.sessions_per_week.is_some() || self.minutes_per_session.is_some() || self.minutes_per_week.is_some()
    }

    /// "2 a week × 30 min = 60 min a week", or what of it is known.
    fn arithmetic(&self) -> Option<String> {
        let often = self.sessions_per_week.map(sessions);
        match (often, self.minutes_per_session, self.minutes_per_week) {
            (Some(f), Some(m), Some(w)) => Some(format!("{f} × {} min = {} min a week", num(m), num(w))),
            (_, None, Some(w)) => Some(format!("{} min a week", num(w))),
            (Some(f), _, None) => Some(format!("{f}, length not stated")),
            (None, Some(m), None) => Some(format!("{} min a session, how often not stated", num(m))),
            _ => None,
        }
    }
}

/// Sessions a week as people count them: "3 a week", "1 a fortnight", "1 a half term", "1 a term".
fn sessions(per_week: f64) -> String {
    let whole = |x: f64| (x - x.round()).abs() < 0.01 && x.round() >= 1.0;
    if per_week >= 1.0 || !whole(per_week * 2.0) && !whole(per_week * 6.0) && !whole(per_week * 12.0) {
        format!("{} a week", num(per_week))
    } else if whole(per_week * 2.0) {
        format!("{} a fortnight", num(per_week * 2.0))
    } else if whole(per_week * 6.0) {
        format!("{} a half term", num(per_week * 6.0))
    } else {
        format!("{} a term", num(per_week * 12.0))
    }
}

/// One recommendation read from a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recommendation {
    /// Which report (position in the list given).
    pub report: usize,
    /// What is recommended, by area ("speech and language", "literacy"), or "other".
    pub intervention: String,
    pub excerpt: String,
    /// Character offsets into the report's normalised text.
    pub span: Span,
    pub measures: Measures,
}

/// A passage quoted from one of the reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub report: usize,
    pub excerpt: String,
    pub span: Span,
}

/// One place where the plan gives less than the reports advise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inconsistency {
    /// The flag: `excerpt` and `span` quote the plan, or the report named by `in_report` when
    /// the plan has nothing to quote (a missing recommendation, a need absent from B, an old report).
    pub finding: Finding,
    /// `None`: the finding quotes the plan; `Some(i)`: it quotes report `i`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_report: Option<usize>,
    /// The report's words, shown beside the plan's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_quote: Option<Quote>,
    /// "Report: 3 times a week × 30 min = 90 min a week; plan: once a week × 20 min = 20 min a week."
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arithmetic: Option<String>,
    /// Further rules the same recommendation and plan item break (one flag per pair, the
    /// first rule in the catalogue's order of gravity leading).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

impl Inconsistency {
    /// Every rule this inconsistency stands for.
    pub fn rules(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.finding.rule.as_str()).chain(self.also.iter().map(String::as_str))
    }

    /// The finding as a case flag keeps it: a flag quotes one passage, so the report's words,
    /// the arithmetic and the further rules broken are written into its rationale, beside the
    /// plan's words in its excerpt. `report_names` name the reports for the family.
    pub fn as_flag(&self, report_names: &[&str]) -> Finding {
        let name = |i: usize| report_names.get(i).copied().unwrap_or("the report");
        let mut f = self.finding.clone();
        let mut why = f.rationale.clone();
        if let Some(i) = self.in_report {
            let _ = write!(why, " Quoted from {}.", name(i));
        }
        if let Some(q) = &self.report_quote {
            let _ = write!(why, " {} says: \"{}\"", name(q.report), clipped(&q.excerpt, 1500));
        }
        if let Some(a) = &self.arithmetic {
            let _ = write!(why, " {a}");
        }
        for extra in &self.also {
            let _ = write!(why, " Also ({extra}): {}", catalogue::rule(extra).why);
        }
        f.rationale = clipped(&why, crate::error::limits::FLAG_NOTE);
        f
    }
}

/// `s` in at most `max` characters, whitespace runs made single.
fn clipped(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max { s } else { s.chars().take(max - 1).collect::<String>() + "…" }
}

/// The result of holding one plan against its reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparison {
    pub recommendations: Vec<Recommendation>,
    /// Each report's date, where it states one.
    pub report_dates: Vec<Option<NaiveDate>>,
    pub findings: Vec<Inconsistency>,
}

/// How old a report may be before EI09 asks whether it still describes the child.
const REPORT_MONTHS: u32 = 18;

/// Compares a plan with the professional reports on the child, on `today` (for EI09).
pub fn compare(plan: &str, reports: &[&str], today: NaiveDate) -> Result<Comparison, AnalyseError> {
    if let Some(bytes) =
        std::iter::once(plan).chain(reports.iter().copied()).map(str::len).find(|&b| b > MAX_TEXT_BYTES)
    {
        return Err(AnalyseError::TooLong { bytes });
    }
    let plan_text = normalise(plan);
    let seg = sections::segment(&plan_text);
    let items: Vec<PlanItem> = seg
        .items
        .iter()
        .filter(|i| matches!(i.section, Section::F | Section::G | Section::H1 | Section::H2))
        .map(|i| PlanItem::new(&plan_text, i))
        .collect();
    let index = Index::new(&items);
    let b_items: Vec<&Item> = seg.items_in(Section::B).collect();

    let mut out = Comparison { recommendations: vec![], report_dates: vec![], findings: vec![] };
    // Byte offsets first; each text's are turned into characters at the end.
    for (n, raw) in reports.iter().enumerate() {
        let report = normalise(raw);
        let first = out.recommendations.len();
        let first_finding = out.findings.len();
        let date = report_date(&report);
        out.report_dates.push(date);
        let discipline = discipline(&report);
        for (start, end) in recommendation_spans(&report) {
            let s = &report[start..end];
            let measures = measures(s, discipline.is_some());
            // A recommendation that names no area is taken to be in the report's own (a
            // speech and language therapist's "visual timetable"), but that guess alone does not
            // match it to an item: a shared content word must too.
            let own = topics(s);
            let inferred = own == 0;
            let topic = if inferred { discipline.unwrap_or(0) } else { own };
            let rec = Recommendation {
                report: n,
                intervention: topic_name(topic).to_owned(),
                excerpt: s.to_owned(),
                span: Span { start, end },
                measures,
            };
            let matched = index.best(topic, &stems(s), inferred);
            if let Some(found) = judge(&rec, matched.map(|i| &items[i]), &plan_text) {
                out.findings.push(found);
            }
            out.recommendations.push(rec);
        }
        if !b_items.is_empty() {
            needs_against_b(&report, n, &plan_text, &b_items, &mut out.findings);
        }
        if let Some(date) = date.filter(|d| d.checked_add_months(Months::new(REPORT_MONTHS)).is_some_and(|t| t < today))
        {
            let (start, end) = header_span(&report);
            let mut f = inconsistency("EI09", FlagSeverity::Info, Section::F, &report, start, end);
            f.in_report = Some(n);
            f.finding.rationale = format!("{} The report is dated {}.", f.finding.rationale, date.format("%-d %B %Y"));
            out.findings.push(f);
        }
        // Spans of what quotes this report, in characters.
        let offsets = CharOffsets::new(&report);
        let mut refs: Vec<&mut usize> = out.recommendations[first..]
            .iter_mut()
            .flat_map(|r| [&mut r.span.start, &mut r.span.end])
            .chain(out.findings[first_finding..].iter_mut().flat_map(|f| {
                let own = if f.in_report.is_some() {
                    vec![&mut f.finding.span.start, &mut f.finding.span.end]
                } else {
                    vec![]
                };
                own.into_iter().chain(f.report_quote.iter_mut().flat_map(|q| [&mut q.span.start, &mut q.span.end]))
            }))
            .collect();
        offsets.convert(&report, &mut refs);
    }
    // EI08 needs no report: the plan points away from itself.
    for item in &items {
        if item.cites_elsewhere && !item.measures(&plan_text).0.quantified() {
            out.findings.push(inconsistency("EI08", FlagSeverity::Red, item.section, &plan_text, item.start, item.end));
        }
    }
    let plan_chars = CharOffsets::new(&plan_text);
    let mut refs: Vec<&mut usize> = out
        .findings
        .iter_mut()
        .filter(|f| f.in_report.is_none())
        .flat_map(|f| [&mut f.finding.span.start, &mut f.finding.span.end])
        .collect();
    plan_chars.convert(&plan_text, &mut refs);
    Ok(out)
}

/// A finding of `rule` quoting `text[start..end]`.
fn inconsistency(
    rule: &'static str,
    severity: FlagSeverity,
    section: Section,
    text: &str,
    start: usize,
    end: usize,
) -> Inconsistency {
    let r = catalogue::rule(rule);
    Inconsistency {
        finding: Finding {
            kind: FlagKind::EvidenceInconsistency,
            section: Some(section),
            rule: r.id.to_owned(),
            severity,
            excerpt: text[start..end].to_owned(),
            span: Span { start, end },
            rationale: r.why.to_owned(),
            authority: r.authority.to_owned(),
            suggestion: r.fix.map(str::to_owned),
        },
        in_report: None,
        report_quote: None,
        arithmetic: None,
        also: vec![],
    }
}

// ---- Reading a report ----

/// A heading that opens the recommendations: "Recommendations", "4. Recommended provision",
/// "Advice for school", "What Sam needs", "Summary and recommendations".
static RECS_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^(?:\d+(?:\.\d+)*\.? ?|[a-z]\) )?(?:[\w'&,/()-]+ ){0,6}?(?:recommendations?|recommended (?:provision|support|intervention|targets)|provision (?:required|recommended|needed)|suggested (?:provision|strategies|support|targets)|advice (?:for|to) (?:[\w'-]+ ){0,3}?(?:school|setting|staff|college|parents|the family)|what (?:[\w'-]+ ){0,2}?(?:needs|requires)|intervention plan|therapy plan|treatment plan|next steps|plan of (?:care|support|intervention)|special educational provision)(?: [\w'&,/()-]+){0,6}? ?:?$",
    )
});
/// A heading after which the report is no longer recommending: sign-off, appendices, or the
/// start of another part of the report.
static CLOSING_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^(?:\d+(?:\.\d+)*\.? ?)?(?:signed|signature|yours sincerely|name and (?:role|title)|appendi(?:x|ces)|references|distribution|copies to|copy to|cc:|background|history|assessment results|test results|introduction|reason for (?:referral|assessment)|sources of information|relevant history|observations?\b|assessments? (?:carried out|completed|undertaken|used)|standardised assessments?)\b",
    )
});
/// A sentence that recommends outside a recommendations section.
static REC_VERB: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:i (?:would )?(?:strongly )?recommend|we (?:would )?recommend|(?:it is|is|are) (?:strongly )?recommended|recommend(?:s|ed)? that|should (?:receive|have|be (?:provided|given|offered|taught|supported|seen)|continue to (?:receive|have)|access|attend)|(?:will|would) (?:need|require|benefit from)|requires? (?:a |an |the )?(?:direct |regular |weekly |daily |specialist |individual |1:1 |small[- ]group |access to )|needs? (?:a |an )?(?:direct|weekly|daily|specialist|individual|1:1|small[- ]group|access to)|would benefit from)\b",
    )
});
/// Something that can be provided: a therapy, teaching, a programme, equipment, an adult.
static PROVISION_NOUN: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:therap\w*|sessions?|teach\w*|tuition|programmes?|interventions?|support\w*|groups?|strateg\w*|visuals?|equipment|adults?|assistants?|training|advice|breaks?|sensory|circuits?|access arrangements|extra time|phonics|reading|spelling|handwriting|typing|elsa|counsell\w*|cbt|mentor\w*|check[- ]ins?|key (?:adult|worker)|laptop|ipad|slope|cushion|radio aid|overlays?|exercises?|practi[cs]e|activities|modelling|scaffold\w*|instructions|timetables?|schedules?|seating|environment|supervision|assessment|review|monitor\w*)\b",
    )
});
/// A sentence about the report rather than the child.
static META: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:contact (?:me|us|the service)|telephone|e-?mail|please do not hesitate|this report (?:was|is|has)|the following recommendations|recommendations (?:are|were|have been) (?:made|discussed|shared|based)|(?:i|we) (?:have )?(?:discussed|shared) (?:these|this|my)|re-?refer|discharged? from)\b",
    )
});
/// A sentence that says what the child has, is or did.
static DESCRIBES: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^(?:[\w'-]+ ){1,2}?(?:has|have|is|was|are|were|shows?|showed|presents?|presented|scored|finds|found|struggles|struggled|can|cannot|could|demonstrates?|demonstrated|enjoys|likes|managed|responds?|responded)\b",
    )
});
/// A word that makes a sentence ask for something.
static MODAL: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(?:should|must|will|needs?|requires?|to be|would|ought|recommend\w*|benefit)\b"));
/// A sentence that goes on about the recommendation before it.
static CONTINUES: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^(?:this|these|it|they|sessions?|the sessions?|each session|the programme|the therapy|the intervention|such sessions)\b",
    )
});
/// A bullet or a number that starts a list item (bullets are not ASCII, so this one pattern
/// is compiled with Unicode on).
static BULLET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[-*•▪◦·‣○●] ?|o |\d{1,2}(?:\.\d{1,2})*[.)] |[a-zA-Z][.)] |\([a-z0-9]{1,4}\) )")
        .unwrap_or_else(|e| panic!("the bullet pattern does not compile: {e}"))
});

/// The byte ranges of a report's recommendations, in order.
pub(super) fn recommendation_spans(text: &str) -> Vec<(usize, usize)> {
    // Units: a bullet or numbered line and its wrapped continuation, else a paragraph.
    let mut units: Vec<(usize, usize, bool)> = vec![];
    let mut in_recs = false;
    let mut open: Option<(usize, usize)> = None;
    let flush = |open: &mut Option<(usize, usize)>, units: &mut Vec<(usize, usize, bool)>, in_recs: bool| {
        if let Some((a, b)) = open.take() {
            units.push((a, b, in_recs));
        }
    };
    for line in text::lines(text) {
        let s = &text[line.start..line.end];
        if line.is_blank() {
            flush(&mut open, &mut units, in_recs);
            continue;
        }
        let words = s.split_whitespace().count();
        let heading_like = words <= 12 && !s.ends_with(['.', ',', ';']) && !BULLET.is_match(s);
        if heading_like && RECS_HEADING.is_match(s) {
            flush(&mut open, &mut units, in_recs);
            in_recs = true;
            continue;
        }
        if heading_like && CLOSING_HEADING.is_match(s) {
            flush(&mut open, &mut units, in_recs);
            in_recs = false;
            continue;
        }
        // "Recommendation: Sam should…" opens the section and starts a unit.
        if let Some(colon) = s.find(':').filter(|&c| c < 40 && RECS_HEADING.is_match(&s[..=c])) {
            flush(&mut open, &mut units, in_recs);
            in_recs = true;
            let rest = s[colon + 1..].trim_start();
            if !rest.is_empty() {
                open = Some((line.end - rest.len(), line.end));
            }
            continue;
        }
        // A lead-in that recommends what follows: "I recommend the following:".
        if s.ends_with(':') && REC_VERB.is_match(s) {
            flush(&mut open, &mut units, in_recs);
            in_recs = true;
            continue;
        }
        match open {
            Some((a, _)) if !BULLET.is_match(s) => open = Some((a, line.end)),
            _ => {
                flush(&mut open, &mut units, in_recs);
                open = Some((line.start, line.end));
            }
        }
    }
    flush(&mut open, &mut units, in_recs);

    let mut out: Vec<(usize, usize)> = vec![];
    for (a, b, in_recs) in units {
        let mut last_was_rec = false;
        for (s0, s1) in text::sentences(text, a, b) {
            let s = &text[s0..s1];
            let stripped = BULLET.find(s).map_or(s, |m| &s[m.end()..]);
            if last_was_rec && CONTINUES.is_match(stripped) {
                if let Some(last) = out.last_mut() {
                    last.1 = s1;
                }
                continue;
            }
            // Outside the recommendations only a recommending sentence can be one: asked
            // first, it spares the rest of a long report's background the other questions.
            if !in_recs && !REC_VERB.is_match(s) {
                last_was_rec = false;
                continue;
            }
            let provides = PROVISION_NOUN.is_match(stripped) || Screened::new(s).is_match(&p::WHAT);
            // In a recommendations section a sentence that only describes the child ("X has
            // Down's syndrome…") recommends nothing.
            let describes = DESCRIBES.is_match(stripped) && !REC_VERB.is_match(s) && !MODAL.is_match(s);
            let rec = provides
                && !describes
                && !META.is_match(s)
                && !s.ends_with(':')
                && (in_recs || REC_VERB.is_match(s))
                && s.split_whitespace().count() >= 3;
            if rec {
                let lead = s.len() - stripped.len();
                out.push((s0 + lead, s1));
            }
            last_was_rec = rec;
        }
    }
    out
}

/// The profession that wrote the report, as a topic, from its first lines.
fn discipline(report: &str) -> Option<Topics> {
    static WHO: LazyLock<[(Regex, usize); 4]> = LazyLock::new(|| {
        [
            (compile(r"\b(?:speech and language therap\w*|speech therap\w*|salt|slt)\b"), 0),
            (compile(r"\boccupational therap\w*"), 1),
            (compile(r"\bphysiotherap\w*"), 2),
            (compile(r"\b(?:teachers? of the deaf|hearing support|sensory support)\b"), 7),
        ]
    });
    let head = &report[..floor(report, 1500)];
    WHO.iter().find(|(re, _)| re.is_match(head)).map(|(_, bit)| 1 << bit)
}

/// The largest char boundary at or below `n`.
fn floor(s: &str, n: usize) -> usize {
    let mut n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// The report's first non-blank lines, quoted by EI09.
fn header_span(report: &str) -> (usize, usize) {
    let lines: Vec<_> = text::lines(report).into_iter().filter(|l| !l.is_blank()).take(3).collect();
    match (lines.first(), lines.last()) {
        (Some(a), Some(b)) => (a.start, b.end),
        _ => (0, 0),
    }
}

/// The date a report was written: a labelled date ("Date of report: 3 March 2025") in its
/// first part, else the latest date there that is not a date of birth.
pub fn report_date(report: &str) -> Option<NaiveDate> {
    static LABEL: LazyLock<Regex> = LazyLock::new(|| {
        compile(
            r"\b(?:date of (?:report|assessment|writing|issue|letter|visit|review)|report (?:date|dated|written|completed)|date (?:written|completed|issued|of this report)|assessed on|dated?)\b",
        )
    });
    static BIRTH: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?:birth|dob|d\.o\.b|born)\b"));
    let head = &report[..floor(report, 3000)];
    let mut latest: Option<NaiveDate> = None;
    for line in head.lines() {
        let dates = dates_in(line);
        if dates.is_empty() || BIRTH.is_match(line) {
            continue;
        }
        if LABEL.is_match(line) {
            return dates.into_iter().next();
        }
        latest = latest.max(dates.into_iter().max());
    }
    latest
}

/// Dates written as "3 March 2025", "3rd March 2025", "March 2025", "03/03/2025" (day first)
/// or "2025-03-03".
fn dates_in(s: &str) -> Vec<NaiveDate> {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        compile(
            r"\b(?:(\d{1,2})(?:st|nd|rd|th)? )?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,? (\d{4})\b|\b(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})\b|\b(\d{4})-(\d{2})-(\d{2})\b",
        )
    });
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let int = |m: Option<regex::Match<'_>>| m.and_then(|m| m.as_str().parse::<i32>().ok());
    DATE.captures_iter(s)
        .filter_map(|c| {
            if let Some(month) = c.get(2) {
                let m = MONTHS.iter().position(|x| month.as_str().to_ascii_lowercase().starts_with(x))? as u32 + 1;
                NaiveDate::from_ymd_opt(int(c.get(3))?, m, int(c.get(1)).unwrap_or(1) as u32)
            } else if c.get(4).is_some() {
                let y = int(c.get(6))?;
                let y = if y < 100 { 2000 + y } else { y };
                NaiveDate::from_ymd_opt(y, int(c.get(5))? as u32, int(c.get(4))? as u32)
            } else {
                NaiveDate::from_ymd_opt(int(c.get(7))?, int(c.get(8))? as u32, int(c.get(9))? as u32)
            }
        })
        .collect()
}

// ---- Measures ----

/// Reads the measures a passage states. `from_therapist`: the passage is a therapist's own
/// recommendation, so therapy it names with no other deliverer is theirs to give.
pub fn measures(s: &str, from_therapist: bool) -> Measures {
    static TOTAL: LazyLock<Regex> = LazyLock::new(|| {
        compile(&format!(
            r"\b({N}) ?(hours?|hrs?|minutes?|mins?) (?:of [\w\s:-]{{0,40}}?)?(?:a|per) (week|day|fortnight)\b"
        ))
    });
    static PER_SESSION: LazyLock<Regex> =
        LazyLock::new(|| compile(&format!(r"\b({N})[- ]?(minutes?|mins?|hours?|hrs?)\b")));
    static TIMES_LENGTH: LazyLock<Regex> =
        LazyLock::new(|| compile(&format!(r"\b({N}) ?(?:x|×|times) ?({N})[- ]?(minutes?|mins?|hours?|hrs?)\b")));
    let t = Screened::new(s);
    let mut m = Measures::default();
    // "3 x 20 minutes a week": three sessions of twenty minutes, not a weekly total.
    let times_length = TIMES_LENGTH.captures(s).and_then(|c| {
        let n = parse_number(c.get(1)?.as_str())?;
        let len = parse_number(c.get(2)?.as_str())?;
        Some((c.get(0)?.range(), n, if c[3].to_ascii_lowercase().starts_with('h') { len * 60.0 } else { len }))
    });
    let total = TOTAL
        .captures(s)
        .filter(|c| times_length.as_ref().is_none_or(|(r, _, _)| c.get(0).is_some_and(|g| !r.contains(&g.start()))))
        .and_then(|c| {
            let amount = parse_number(c.get(1)?.as_str())?;
            let minutes = if c[2].to_ascii_lowercase().starts_with('h') { amount * 60.0 } else { amount };
            let per = c[3].to_ascii_lowercase();
            Some((
                c.get(0)?.start(),
                if per == "day" {
                    minutes * 5.0
                } else if per == "fortnight" {
                    minutes / 2.0
                } else {
                    minutes
                },
            ))
        });
    // How often, read without the weekly total ("25 hours a week" says how much, not how often).
    let without_total = match total {
        Some((at, _)) => {
            let end = TOTAL.find_at(s, at).map_or(at, |t| t.end());
            format!("{}{}", &s[..at], &s[end..])
        }
        None => s.to_owned(),
    };
    if let Some((phrase, per_week)) = frequency(&without_total) {
        m.frequency = Some(phrase);
        m.sessions_per_week = Some(per_week);
    }
    if let Some((_, n, len)) = &times_length {
        if m.sessions_per_week.is_some_and(|f| f == 1.0) {
            m.sessions_per_week = Some(*n);
        }
        m.minutes_per_session = Some(*len);
    }
    // A session's length: a duration that is not the weekly total.
    m.minutes_per_session = m.minutes_per_session.or_else(|| {
        PER_SESSION
            .captures_iter(s)
            .filter(|c| total.is_none_or(|(at, _)| c.get(0).is_some_and(|g| g.start() != at)))
            .find_map(|c| {
                let amount = parse_number(c.get(1)?.as_str())?;
                Some(if c[2].to_ascii_lowercase().starts_with('h') { amount * 60.0 } else { amount })
            })
    });
    m.minutes_per_week = match (total, m.sessions_per_week, m.minutes_per_session) {
        (Some((_, w)), _, _) => Some(w),
        (None, Some(f), Some(d)) => Some(f * d),
        _ => None,
    };
    let d = delivered(t);
    let d = d.as_deref().map_or(t, Screened::new);
    m.deliverer = deliverer(d, from_therapist);
    m.qualification = t
        .find(&p::PROTECTED_ROLE)
        .or_else(|| t.find(&p::QUAL))
        .map(|q| q.as_str().split_whitespace().collect::<Vec<_>>().join(" "));
    m.mode = mode(s);
    m.ratio = t.find(&p::RATIO).map(|r| r.as_str().to_owned());
    static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
        compile(&format!(
            r"\b(?:for (?:a (?:block|period|course) of )?{N} (?:weeks|terms|months|half[- ]terms|sessions|years)|(?:a )?block of {N} (?:weeks|sessions)|for (?:the )?(?:next |whole |rest of the |remainder of the )?(?:academic |school )?(?:year|term)|throughout (?:the )?(?:key stage \d|school year|academic year))\b"
        ))
    });
    m.period = PERIOD.find(s).map(|x| x.as_str().to_owned());
    m
}

/// How often, as written, and as sessions a school week.
fn frequency(s: &str) -> Option<(String, f64)> {
    static FORMS: LazyLock<Vec<(Regex, f64)>> = LazyLock::new(|| {
        // (pattern, sessions a week for one; a captured number multiplies it)
        [
            (format!(r"\b({N}) ?(?:times|x|×) (?:a |per |each |every )?(?:school )?day\b"), 5.0),
            (format!(r"\b({N}) ?(?:times|x|×|sessions?) (?:a |per |each |every )?(?:school )?(?:week|weekly)\b"), 1.0),
            (format!(r"\b({N}) (?:[\w-]+ )?(?:sessions?|lessons?|visits?) (?:a|per|each|every) (?:school )?week\b"), 1.0),
            (format!(r"\b({N}) ?(?:x|×) ?(?:[\w-]+ ){{0,3}}?(?:weekly|a week|per week|each week)\b"), 1.0),
            (format!(r"\b({N}) (?:weekly|daily) sessions?\b"), 1.0),
            (format!(r"\b({N}) ?(?:times|x|×|sessions?|visits?) (?:a |per |each |every )?fortnight\b"), 0.5),
            (format!(r"\b({N}) (?:[\w-]+ )?(?:sessions?|lessons?|visits?)\b[\w\s,:/()'-]{{0,60}}?\b(?:a|per|each|every) (?:school )?week\b"), 1.0),
            (format!(r"\b({N}) (?:[\w-]+ )?(?:sessions?|lessons?|visits?)\b[\w\s,:/()'-]{{0,60}}?\b(?:a|per|each|every) half[- ]term\b"), 1.0 / 6.0),
            (format!(r"\b({N}) (?:[\w-]+ )?(?:sessions?|lessons?|visits?)\b[\w\s,:/()'-]{{0,60}}?\b(?:a|per|each|every) term\b"), 1.0 / 12.0),
            (format!(r"\b({N}) ?(?:times|x|×|sessions?|visits?) (?:a |per |each |every )half[- ]term\b"), 1.0 / 6.0),
            (format!(r"\b({N}) ?(?:times|x|×|sessions?|visits?) (?:a |per |each |every )?term\b"), 1.0 / 12.0),
            (r"\btwice (?:a |per |each )?(?:school )?day\b|\btwice daily\b".into(), 10.0),
            (r"\b(?:daily|every day|each day|every (?:school )?day|every morning|each morning|every afternoon|each afternoon)\b".into(), 5.0),
            (r"\btwice (?:a |per |each |every )?(?:week|weekly)\b".into(), 2.0),
            (r"\btwice (?:a |per |each )?(?:fortnight|fortnightly)\b".into(), 1.0),
            (r"\b(?:fortnightly|every fortnight|each fortnight|once a fortnight|every (?:two|2) weeks|every other week|alternate weeks)\b".into(), 0.5),
            (r"\b(?:once (?:a |per |each |every )?(?:week|weekly)|weekly|each week|every week|per week|a week)\b".into(), 1.0),
            (r"\b(?:monthly|once a month|every month|each month)\b".into(), 0.25),
            (r"\b(?:half[- ]termly|every half[- ]term|each half[- ]term|once (?:a|per|each) half[- ]term)\b".into(), 1.0 / 6.0),
            (r"\b(?:termly|once (?:a|per|each) term|each term|every term)\b".into(), 1.0 / 12.0),
        ]
        .into_iter()
        .map(|(p, w)| (compile(&p), w))
        .collect()
    });
    static WEEKDAYS: LazyLock<Regex> =
        LazyLock::new(|| compile(r"\b(?:every|each|on) (?:monday|tuesday|wednesday|thursday|friday)"));
    static DAY: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?:monday|tuesday|wednesday|thursday|friday)"));
    if let Some(m) = WEEKDAYS.find(s) {
        let days: HashSet<String> = DAY.find_iter(&s[m.start()..]).map(|d| d.as_str().to_ascii_lowercase()).collect();
        let end = DAY.find_iter(&s[m.start()..]).last().map_or(m.end(), |d| m.start() + d.end());
        return Some((s[m.start()..end].to_owned(), days.len() as f64));
    }
    // One pass finds which forms occur; the first of them in the list's order is read.
    static FORM_SET: LazyLock<regex::RegexSet> = LazyLock::new(|| set_of(FORMS.iter().map(|(re, _)| re)));
    FORM_SET.matches(s).iter().find_map(|i| {
        let (re, per) = &FORMS[i];
        let c = re.captures(s)?;
        let times = c.get(1).and_then(|n| parse_number(n.as_str())).unwrap_or(1.0);
        Some((c.get(0)?.as_str().split_whitespace().collect::<Vec<_>>().join(" "), times * per))
    })
}

/// Who delivers, from the passage without those who only write or oversee it.
fn deliverer(d: Screened<'_>, from_therapist: bool) -> Option<Deliverer> {
    static SPECIALIST: LazyLock<Regex> = LazyLock::new(|| {
        compile(
            r"\b(?:therapists?|salt|slt|psychologists?|physio|ot|specialist (?:teachers?|practitioners?|nurses?|tutors?|spld \w+|dyslexia \w+)|teachers? of the deaf|tod|qtvi|advisory teachers?|specialist teaching (?:service|team))\b",
        )
    });
    static TEACHER: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?:class|subject|form)? ?teachers?\b|\bsenco\b"));
    static UNNAMED: LazyLock<Regex> = LazyLock::new(|| {
        compile(
            r"\b(?:staff|adults?|the school|school|setting|key ?workers?|familiar adults?|trusted adults?|all those working with)\b",
        )
    });
    // "Therapy" on its own names what, not who.
    let specialist = SPECIALIST.find_iter(d.s).any(|m| {
        let w = m.as_str().to_ascii_lowercase();
        !(w.starts_with("salt") || w.starts_with("slt") || w == "ot" || w == "physio")
            || !d.s[m.end()..].trim_start().to_ascii_lowercase().starts_with("programme")
    });
    if specialist {
        Some(Deliverer::Specialist)
    } else if d.is_match(&p::TA) {
        Some(Deliverer::Assistant)
    } else if TEACHER.is_match(d.s) {
        Some(Deliverer::Teacher)
    } else if UNNAMED.is_match(d.s) {
        Some(Deliverer::Unnamed)
    } else if d.is_match(&p::THERAPY_TERM)
        && !d.is_match(&p::SCHOOL_RUN_THERAPY)
        && (from_therapist || !d.is_match(&p::PROGRAMME))
    {
        // Therapy with nobody else named is the therapist's to give.
        Some(Deliverer::Specialist)
    } else {
        None
    }
}

/// Direct work with the child, or through others.
fn mode(s: &str) -> Option<Mode> {
    static DIRECT: LazyLock<Regex> = LazyLock::new(|| {
        compile(
            r"\b(?:direct(?:ly)?|face[- ]to[- ]face|hands[- ]on|(?:1:1|1-1|one[- ]to[- ]one|individual|small[- ]group) (?:therapy|sessions?|teaching|tuition|intervention)|will see|work(?:s|ing)? (?:directly )?with (?:him|her|them|[A-Z][a-z]+)\b)",
        )
    });
    static INDIRECT: LazyLock<Regex> = LazyLock::new(|| {
        compile(
            r"\b(?:indirect(?:ly)?|consultation|consultative|advice (?:to|for)|advis\w* (?:the )?(?:class |school |teaching |support |classroom )?(?:staff|school|teachers?|tas?|parents|setting)|training (?:for|of|to) (?:[\w']+ ){0,3}(?:staff|teachers?|tas?|parents)|(?:programmes?|targets|activities|strategies|exercises) (?:set|devised|written|designed|provided|recommended|advised|planned) by|(?:set|devised|written|designed|planned) by (?:the |a |an )?(?:[\w-]+ ){0,3}(?:therapist|salt|slt|ot|physio\w*|psychologist|specialist teacher)|following (?:the |a |an |her |his )?(?:[\w-]+ ){0,3}(?:programme|advice|guidance)|monitor(?:ed|ing)? by|under (?:the )?(?:direction|supervision|guidance) of|(?:delivered|carried out|implemented|practised) by (?:school|staff|the ta|a ta|teaching|class|learning support|an? (?:adult|ta|teaching assistant|lsa)))\b",
        )
    });
    let direct = DIRECT.is_match(s) && !s.to_ascii_lowercase().contains("indirect");
    if direct {
        Some(Mode::Direct)
    } else if INDIRECT.is_match(s) {
        Some(Mode::Indirect)
    } else {
        None
    }
}

// ---- Topics and matching ----

/// A set of areas a passage is about, one bit each (`TOPIC_NAMES`).
type Topics = u16;

const TOPIC_NAMES: [&str; 11] = [
    "speech and language",
    "occupational therapy",
    "physiotherapy",
    "literacy",
    "numeracy",
    "memory and attention",
    "emotional wellbeing",
    "hearing",
    "vision",
    "independence",
    "adult support",
];

static TOPIC_PATTERNS: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    compile_set(&[
        r"\b(?:speech|language|communicat\w*|salt|slt|vocabulary|narrative|stammer\w*|aac|pecs|makaton|attention autism|social communication|intensive interaction|colourful semantics|shape coding|blank level\w*|word[- ]finding|expressive|receptive|understanding of (?:spoken )?language)\b",
        r"\b(?:occupational|ot|fine motor|handwriting|sensory|motor skills|motor (?:planning|co-?ordination)|pencil|scissors?|touch[- ]typing|typing|dressing|self[- ]care|writing slope|theraputty|dough disco|proprioceptive|vestibular)\b",
        r"\b(?:physio\w*|gross motor|mobility|stretch\w*|core (?:strength|stability)|walking|standing frame|hydrotherapy|orthotics?|splints?|balance and co-?ordination)\b",
        r"\b(?:phonics|phonolog\w*|reading|spelling|literacy|dyslexi\w*|decoding|precision teaching|comprehension|written work|writing)\b",
        r"\b(?:maths|mathematics|numeracy|number|numicon|dyscalculi\w*|arithmetic|times tables)\b",
        r"\b(?:working memory|memory|attention|processing speed|concentrat\w*|executive function\w*|chunk\w* instructions)\b",
        r"\b(?:elsa|emotion\w*|anxi\w*|regulat\w*|counsell\w*|cbt|mentor\w*|self[- ]esteem|wellbeing|well-being|zones of regulation|social skills|friendship\w*|key adult|check[- ]ins?|calm\w*|worr\w*|safe space)\b",
        r"\b(?:hearing|deaf\w*|tod|teachers? of the deaf|radio aid|bsl|sign language|audiolog\w*)\b",
        r"\b(?:vision|visual impairment|qtvi|braille|large print|enlarged|habilitation|low vision)\b",
        r"\b(?:travel training|independen\w*|life skills|living skills|work experience|money|cooking)\b",
        r"\b(?:(?:1:1|1-1|one[- ]to[- ]one|adult|individual|ta|teaching assistant|lsa|learning support) (?:adult )?(?:support|supervision|assistance)|support from (?:an? |the )?(?:adult|ta|teaching assistant|lsa|learning support assistant)|hours (?:a|per|each) week)\b",
    ])
});

/// The areas `s` is about, found in one pass.
fn topics(s: &str) -> Topics {
    TOPIC_PATTERNS.matches(s).iter().fold(0, |acc, i| acc | 1 << i)
}

fn topic_name(t: Topics) -> &'static str {
    (0..TOPIC_NAMES.len()).find(|i| t & (1 << i) != 0).map_or("other", |i| TOPIC_NAMES[i])
}

/// A provision item of the plan (F, G, H1, H2) with what the comparison needs of it.
struct PlanItem {
    section: Section,
    start: usize,
    end: usize,
    topics: Topics,
    stems: HashSet<String>,
    /// Points to a report or an appendix for what is provided (EI08).
    cites_elsewhere: bool,
    /// Its measures, and whether a soft word governs the amount ("regular", "as required",
    /// "up to"): read only for the items a recommendation is matched to (most of a long plan
    /// answers no recommendation).
    read: std::cell::OnceCell<(Measures, bool)>,
}

impl PlanItem {
    fn new(text: &str, item: &Item) -> Self {
        static CITES_WORD: LazyLock<Regex> = LazyLock::new(|| compile(r"(?:report|appendi|advice|recommendation)"));
        static CITES: LazyLock<Regex> = LazyLock::new(|| {
            compile(
                r"\b(?:as (?:set out|recommended|detailed|outlined|described|specified|advised|stated|identified) (?:in|by) (?:the |her |his |their )?(?:[\w'-]+ ){0,4}?(?:report|advice|assessment|appendi(?:x|ces))|see (?:the )?(?:attached )?(?:[\w'-]+ ){0,3}?(?:report|appendi(?:x|ces)|advice)|(?:in line with|as per|in accordance with|following) (?:the )?(?:[\w'-]+ ){0,4}?(?:report|advice|recommendations)|(?:recommendations|advice|programme) (?:in|from|of) (?:the )?(?:[\w'-]+ ){0,3}?(?:report|appendi(?:x|ces))|appendi(?:x|ces) [a-z0-9]+)\b",
            )
        });
        let s = &text[item.start..item.end];
        PlanItem {
            section: item.section,
            start: item.start,
            end: item.end,
            topics: topics(s),
            stems: stems(s),
            // The full pattern only where one of its words occurs (most items name none).
            cites_elsewhere: CITES_WORD.is_match(s) && CITES.is_match(s),
            read: std::cell::OnceCell::new(),
        }
    }

    fn measures<'a>(&'a self, text: &str) -> &'a (Measures, bool) {
        static UP_TO: LazyLock<Regex> =
            LazyLock::new(|| compile(&format!(r"\b(?:up to|a maximum of|no more than) {N}\b")));
        self.read.get_or_init(|| {
            let s = &text[self.start..self.end];
            let t = Screened::new(s);
            (measures(s, false), t.is_match(&p::VL02) || t.is_match(&p::VL03) || UP_TO.is_match(s))
        })
    }
}

/// The plan's provision items by topic and content stem, so each recommendation is matched
/// against the few items that share something with it, not the whole plan.
struct Index {
    n: usize,
    by_topic: Vec<Vec<usize>>,
    by_stem: std::collections::HashMap<String, Vec<usize>>,
}

impl Index {
    fn new(items: &[PlanItem]) -> Self {
        let mut by_topic = vec![vec![]; TOPIC_NAMES.len()];
        let mut by_stem: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
        for (i, item) in items.iter().enumerate() {
            for (t, list) in by_topic.iter_mut().enumerate() {
                if item.topics & (1 << t) != 0 {
                    list.push(i);
                }
            }
            for s in &item.stems {
                by_stem.entry(s.clone()).or_default().push(i);
            }
        }
        Index { n: items.len(), by_topic, by_stem }
    }

    /// The item that best answers a recommendation: most shared topics, then most shared
    /// content words. An item sharing no topic needs three shared content words, and one
    /// sharing only an `inferred` topic needs one.
    fn best(&self, topics: Topics, stems: &HashSet<String>, inferred: bool) -> Option<usize> {
        let mut score = vec![(0u32, 0u32); self.n];
        for (t, list) in self.by_topic.iter().enumerate() {
            if topics & (1 << t) != 0 {
                for &i in list {
                    score[i].0 += 1;
                }
            }
        }
        for s in stems {
            for &i in self.by_stem.get(s).map(Vec::as_slice).unwrap_or_default() {
                score[i].1 += 1;
            }
        }
        score
            .into_iter()
            .enumerate()
            .filter(|(_, (t, w))| *t > 0 && (!inferred || *w >= 1) || *w >= 3)
            .max_by(|(i, (t1, w1)), (j, (t2, w2))| {
                // Shared topics weigh as four words; the earlier item wins a tie.
                (t1 * 4 + w1).cmp(&(t2 * 4 + w2)).then(j.cmp(i))
            })
            .map(|(i, _)| i)
    }
}

/// The flag for one recommendation and the plan item that best answers it, if the plan gives less.
fn judge(rec: &Recommendation, item: Option<&PlanItem>, plan: &str) -> Option<Inconsistency> {
    let Some(item) = item else {
        let mut f = inconsistency("EI01", FlagSeverity::Red, Section::F, &rec.excerpt, 0, rec.excerpt.len());
        f.finding.span = rec.span;
        f.in_report = Some(rec.report);
        f.finding.suggestion = Some(suggested_wording(rec));
        return Some(f);
    };
    let (m, softened) = item.measures(plan);
    let r = &rec.measures;
    let mut rules: Vec<&'static str> = vec![];
    let mut arithmetic = None;
    // Less time: fewer minutes a week where both say, else fewer sessions.
    let less_time = match (r.minutes_per_week, m.minutes_per_week, r.sessions_per_week, m.sessions_per_week) {
        (Some(rw), Some(mw), _, _) => mw + 0.5 < rw,
        (_, _, Some(rf), Some(mf)) => mf + 0.01 < rf,
        _ => false,
    };
    if less_time {
        rules.push("EI02");
        arithmetic = Some(format!(
            "Report: {}; plan: {}.",
            r.arithmetic().unwrap_or_default(),
            m.arithmetic().unwrap_or_default()
        ));
    }
    // A therapy programme carried out by someone other than a specialist is indirect therapy,
    // however the plan words it.
    static PROGRAMME_WORK: LazyLock<Regex> =
        LazyLock::new(|| compile(r"\b(?:programmes?|exercises|targets|activities|practi[cs]e)\b"));
    const THERAPY_TOPICS: Topics = 0b111;
    static DIRECT_WORD: LazyLock<Regex> = LazyLock::new(|| compile(r"\bdirect(?:ly)?\b"));
    let plan_indirect = m.mode == Some(Mode::Indirect)
        || !DIRECT_WORD.is_match(&plan[item.start..item.end])
            && matches!(m.deliverer, Some(Deliverer::Assistant | Deliverer::Teacher | Deliverer::Unnamed))
            && item.topics & THERAPY_TOPICS != 0
            && PROGRAMME_WORK.is_match(&plan[item.start..item.end]);
    if r.mode == Some(Mode::Direct) && plan_indirect {
        rules.push("EI04");
    }
    if r.deliverer == Some(Deliverer::Specialist)
        && matches!(m.deliverer, Some(Deliverer::Assistant | Deliverer::Unnamed | Deliverer::Teacher))
    {
        rules.push("EI03");
    }
    let vaguer = r.quantified()
        && (r.sessions_per_week.is_some() && m.sessions_per_week.is_none() && m.minutes_per_week.is_none()
            || (r.minutes_per_session.is_some() || r.minutes_per_week.is_some())
                && m.minutes_per_session.is_none()
                && m.minutes_per_week.is_none()
            || *softened);
    if vaguer {
        rules.push("EI05");
    }
    let (&first, rest) = rules.split_first()?;
    let mut f = inconsistency(first, FlagSeverity::Red, item.section, plan, item.start, item.end);
    f.also = rest.iter().map(|r| (*r).to_owned()).collect();
    f.arithmetic = arithmetic;
    f.report_quote = Some(Quote { report: rec.report, excerpt: rec.excerpt.clone(), span: rec.span });
    f.finding.suggestion = Some(suggested_wording(rec));
    Some(f)
}

/// Section F wording taken from the report: the recommendation as provision ("should" and
/// "requires" made "will", "would benefit from" made "will receive").
fn suggested_wording(rec: &Recommendation) -> String {
    static LEAD: LazyLock<Regex> = LazyLock::new(|| {
        compile(
            r"^(?:(?:i|we) (?:would )?(?:strongly )?recommend(?: that)?|it is (?:strongly )?recommended(?: that)?|recommendations?:?|my recommendation is(?: that)?) ?",
        )
    });
    static SHOULD: LazyLock<Regex> = LazyLock::new(|| compile(r"\b(?:should|needs to|must)\b"));
    static NEEDS: LazyLock<Regex> = LazyLock::new(|| {
        compile(&format!(
            r"\b(?:requires|needs|would benefit from) ((?:a |an )?(?:direct|weekly|daily|fortnightly|specialist|1:1|one[- ]to[- ]one|individual|small|intensive|{N}|speech|occupational|physio\w*|access))"
        ))
    });
    let body = LEAD.replace(rec.excerpt.trim(), "");
    let body = SHOULD.replace_all(&body, "will");
    let body = NEEDS.replace_all(&body, "will receive $1");
    let mut body = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(first) = body.get(..1) {
        body = first.to_uppercase() + &body[1..];
    }
    format!("Write into Section F, as the report recommends: \"{body}\"")
}

/// A number for people: "90", "0.5", "12.5".
fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r:.1}") }
}

// ---- Needs: the report's difficulties against Section B (EI06, EI07) ----

/// A difficulty a report can name, and the words by which Section B would show it knows.
struct Difficulty {
    report: Regex,
    plan: Regex,
}

static DIFFICULTIES: LazyLock<Vec<Difficulty>> = LazyLock::new(|| {
    [
        (r"\b(?:dld|developmental language disorder|(?:expressive|receptive) language (?:difficult\w*|disorder|delay|impairment)|language (?:disorder|delay|impairment))\b", r"\b(?:language|dld|speech|communicat\w*|vocabulary|understanding)\b"),
        (r"\b(?:speech sound (?:disorder|difficult\w*|delay)|stammer\w*|stutter\w*|dysfluen\w*|verbal dyspraxia|dysarthria|unintelligible)\b", r"\b(?:speech|stammer\w*|stutter\w*|dysfluen\w*|intelligib\w*|articulat\w*|sounds?)\b"),
        (r"\b(?:autis\w*|asd|asc|social communication (?:difficult\w*|disorder|needs))\b", r"\b(?:autis\w*|asd|asc|social communication|social interaction)\b"),
        (r"\b(?:dyspraxi\w*|dcd|developmental co-?ordination disorder|fine motor (?:difficult\w*|delay|skills are)|(?:poor|weak|immature) (?:pencil|fine motor))\b", r"\b(?:fine motor|motor|dyspraxi\w*|dcd|co-?ordination|handwriting|pencil)\b"),
        (r"\b(?:gross motor (?:difficult\w*|delay|skills are)|hypermobil\w*|low muscle tone|hypotonia|poor (?:core stability|balance))\b", r"\b(?:gross motor|motor|balance|hypermobil\w*|muscle tone|hypotonia|core|mobility|physical)\b"),
        (r"\b(?:sensory processing|sensory (?:seeking|avoiding|sensitivit\w*|difficult\w*|modulation|needs)|(?:over|under|hyper|hypo)[- ]?(?:sensitiv|respons)\w*)\b", r"\b(?:sensory|sensitiv\w*|noise|overwhelm\w*)\b"),
        (r"\b(?:dyslexi\w*|specific learning difficult\w*|spld|phonological (?:awareness|processing) (?:difficult\w*|deficit|weakness|is)|decoding (?:difficult\w*|is))\b", r"\b(?:dyslexi\w*|spld|specific learning|phonolog\w*|decod\w*|reading|literacy|spelling)\b"),
        (r"\b(?:dyscalculi\w*|number sense (?:difficult\w*|is weak)|mathematical (?:learning )?difficult\w*)\b", r"\b(?:dyscalculi\w*|maths|mathemat\w*|number|numeracy)\b"),
        (r"\bworking memory\b", r"\b(?:working memory|memory|remember\w*|recall\w*|forget\w*)\b"),
        (r"\b(?:processing speed|slow(?:er)? (?:speed of )?processing)\b", r"\b(?:process\w*|speed|slow\w*|extra time|(?:takes?|more) (?:longer|time))\b"),
        (r"\b(?:adhd|attention deficit|attention (?:difficult\w*|is (?:fleeting|limited|poor))|inattent\w*|impulsiv\w*|hyperactiv\w*)\b", r"\b(?:adhd|attention|attend\w*|focus\w*|concentrat\w*|impulsiv\w*|hyperactiv\w*|distract\w*)\b"),
        (r"\b(?:anxiety|anxious|panic attacks?|emotionally based school (?:avoidance|non-attendance)|ebsa|school avoidance)\b", r"\b(?:anxi\w*|worr\w*|panic|ebsa|avoid\w*|emotion\w*|distress\w*)\b"),
        (r"\b(?:hearing loss|hearing impairment|deaf(?:ness)?|glue ear|conductive loss|sensorineural)\b", r"\b(?:hearing|deaf\w*|glue ear|audiolog\w*|aids?)\b"),
        (r"\b(?:visual impairment|vision impairment|cerebral visual|cvi|nystagmus|low vision|sight impair\w*)\b", r"\b(?:vision|visual(?:ly)? impair\w*|sight|nystagmus|cvi|see\w*)\b"),
        (r"\b(?:toileting (?:difficult\w*|needs|accidents)|continence|incontinen\w*|wetting|soiling)\b", r"\b(?:toilet\w*|continen\w*|incontinen\w*|wetting|soiling|personal care)\b"),
        (r"\b(?:dysphagia|swallowing (?:difficult\w*|disorder)|feeding difficult\w*|eating difficult\w*|arfid)\b", r"\b(?:dysphagia|swallow\w*|feeding|eating|food|arfid|mealtimes?)\b"),
        (r"\b(?:selective mutism|situational mutism)\b", r"\b(?:mutism|speak\w*|talk\w*|verbal)\b"),
        (r"\bself[- ]harm\w*\b", r"\bself[- ]harm\w*\b"),
    ]
    .into_iter()
    .map(|(r, p)| Difficulty { report: compile(r), plan: compile(p) })
    .collect()
});

/// Words that say the child does not have the difficulty named after them.
static NEGATED: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:no|not|without|unlikely|rule[sd]? out|no evidence of|no concerns? (?:about|regarding|with)|does not have|do not|absence of|excluded|neither|nor)\b[\w\s,'()/-]{0,40}$",
    )
});
static NEGATED_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^[\w\s,'()/-]{0,30}\b(?:(?:was|were|has been|have been|is) (?:ruled out|not (?:indicated|present|identified|found))|within (?:the )?(?:normal|average|typical) (?:limits|range))\b",
    )
});
/// "Severe", or a score below the 2nd percentile.
static SEVERE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"\b(?:severe(?:ly)?|profound(?:ly)?|very (?:significant|low|poor|weak|limited)|extremely (?:low|poor|limited)|exceptionally low|significant(?:ly)? (?:impair\w*|delay\w*|below)|well below)\b",
    )
});
static PERCENTILE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(?:<|below|less than)? ?(\d+(?:\.\d+)?)(?:st|nd|rd|th)? (?:percentile|centile)"));
static MILD: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b(?:mild(?:ly)?|some|slight(?:ly)?|minor|a little|low[- ]level|emerging|occasional(?:ly)?|a few)\b")
});

fn severe(s: &str) -> bool {
    SEVERE.is_match(s)
        || PERCENTILE
            .captures_iter(s)
            .any(|c| c.get(1).and_then(|n| n.as_str().parse::<f64>().ok()).is_some_and(|n| n < 2.0))
}

/// EI06 and EI07 for one report: each difficulty it names, against Section B.
fn needs_against_b(report: &str, n: usize, plan: &str, b: &[&Item], out: &mut Vec<Inconsistency>) {
    let b_sentences: Vec<(usize, usize)> = b.iter().flat_map(|i| text::sentences(plan, i.start, i.end)).collect();
    let all = text::sentences(report, 0, report.len());
    // One pass over the report says which difficulties it names at all; only those are
    // looked for sentence by sentence.
    static NAMED: LazyLock<regex::RegexSet> = LazyLock::new(|| set_of(DIFFICULTIES.iter().map(|d| &d.report)));
    for d in NAMED.matches(report).iter().map(|i| &DIFFICULTIES[i]) {
        // The first sentence that names the difficulty without denying it, and the first that
        // calls it severe.
        let mut named = None;
        let mut severe_at = None;
        for m in d.report.find_iter(report) {
            // The sentence holding the match (sentences are in order and do not overlap).
            let Some(&(a, z)) = all.partition_point(|&(a, _)| a <= m.start()).checked_sub(1).and_then(|i| all.get(i))
            else {
                continue;
            };
            if m.end() > z {
                continue;
            }
            let s = &report[a..z];
            let (before, after) = (&s[..m.start() - a], &s[m.end() - a..]);
            if NEGATED.is_match(before) || NEGATED_AFTER.is_match(after) {
                continue;
            }
            named.get_or_insert((a, z));
            if severe_at.is_none() && severe(s) {
                severe_at = Some((a, z));
            }
            if severe_at.is_some() {
                break;
            }
        }
        let Some((a, z)) = named else { continue };
        let in_b: Vec<&(usize, usize)> = b_sentences.iter().filter(|(x, y)| d.plan.is_match(&plan[*x..*y])).collect();
        if in_b.is_empty() {
            let mut f = inconsistency("EI06", FlagSeverity::Red, Section::B, report, a, z);
            f.in_report = Some(n);
            out.push(f);
            continue;
        }
        let Some((ra, rz)) = severe_at else { continue };
        let played_down = in_b.iter().find(|(x, y)| {
            let s = &plan[*x..*y];
            MILD.is_match(s) && !severe(s)
        });
        if in_b.iter().all(|(x, y)| !severe(&plan[*x..*y]))
            && let Some(&&(x, y)) = played_down
        {
            let mut f = inconsistency("EI07", FlagSeverity::Amber, Section::B, plan, x, y);
            f.report_quote =
                Some(Quote { report: n, excerpt: report[ra..rz].to_owned(), span: Span { start: ra, end: rz } });
            out.push(f);
        }
    }
}

/// The comparison for people: each flag with both passages side by side, the arithmetic, the
/// authority and the suggested wording. `names` are the plan's and reports' names.
pub fn summary(plan_name: &str, report_names: &[&str], c: &Comparison) -> String {
    let mut out = String::new();
    let count = |s: FlagSeverity| c.findings.iter().filter(|f| f.finding.severity == s).count();
    let _ = writeln!(
        out,
        "{plan_name} against {}: {} recommendation{} read; {} flags: {} red, {} amber, {} info",
        report_names.join(", "),
        c.recommendations.len(),
        if c.recommendations.len() == 1 { "" } else { "s" },
        c.findings.len(),
        count(FlagSeverity::Red),
        count(FlagSeverity::Amber),
        count(FlagSeverity::Info)
    );
    let name = |i: usize| report_names.get(i).copied().unwrap_or("report");
    let clip = |s: &str| clipped(s, 240);
    let mut ordered: Vec<&Inconsistency> = c.findings.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.finding.severity));
    for f in ordered {
        let rules: Vec<&str> = f.rules().collect();
        let section = f.finding.section.map_or("-", |s| s.as_str());
        let _ = writeln!(
            out,
            "\n[{}] {} (Section {section})",
            f.finding.severity.as_str().to_uppercase(),
            rules.join(", ")
        );
        match f.in_report {
            Some(i) => {
                let _ = writeln!(out, "  report ({}): \"{}\"", name(i), clip(&f.finding.excerpt));
                let _ = writeln!(out, "  plan:   nothing that provides it");
            }
            None => {
                if let Some(q) = &f.report_quote {
                    let _ = writeln!(out, "  report ({}): \"{}\"", name(q.report), clip(&q.excerpt));
                }
                let _ = writeln!(out, "  plan:   \"{}\"", clip(&f.finding.excerpt));
            }
        }
        if let Some(a) = &f.arithmetic {
            let _ = writeln!(out, "  time:   {a}");
        }
        let _ = writeln!(out, "  why: {}", f.finding.rationale);
        for extra in &f.also {
            let rule = catalogue::rule(extra);
            let _ = writeln!(out, "  also ({extra}): {} ({})", rule.why, rule.authority);
        }
        let _ = writeln!(out, "  authority: {}", f.finding.authority);
        if let Some(s) = &f.finding.suggestion {
            let _ = writeln!(out, "  suggestion: {s}");
        }
    }
    out.push_str(
        "\nThis is an automated reading to help you check the plan against the advice; it is not legal advice.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn rules(c: &Comparison) -> Vec<String> {
        let mut r: Vec<String> = c.findings.iter().flat_map(|f| f.rules().map(str::to_owned)).collect();
        r.sort();
        r
    }

    const PLAN: &str = "Section B: Special educational needs\nSam has a developmental language disorder and finds it hard to follow instructions. He has some difficulties with his working memory.\n\nSection F: Special educational provision\nF1. Small-group phonics with a teaching assistant, twice a week for 20 minutes.\nF2. Sam will have access to speech and language therapy as required.\n";

    #[test]
    fn measures_read_frequency_duration_and_deliverer() {
        let m = measures(
            "Direct 1:1 speech and language therapy from a speech and language therapist, three 30-minute sessions a week.",
            true,
        );
        assert_eq!(m.sessions_per_week, Some(3.0));
        assert_eq!(m.minutes_per_session, Some(30.0));
        assert_eq!(m.minutes_per_week, Some(90.0));
        assert_eq!(m.deliverer, Some(Deliverer::Specialist));
        assert_eq!(m.mode, Some(Mode::Direct));
        let m = measures("A programme set by the OT, carried out by a TA, 3 x 15 minutes weekly.", false);
        assert_eq!((m.sessions_per_week, m.minutes_per_week), (Some(3.0), Some(45.0)));
        assert_eq!(m.deliverer, Some(Deliverer::Assistant));
        assert_eq!(m.mode, Some(Mode::Indirect));
        let m = measures("45 minutes every fortnight in term time", false);
        assert_eq!(m.minutes_per_week, Some(22.5));
        let m = measures("2 hours a week of specialist teaching", false);
        assert_eq!(m.minutes_per_week, Some(120.0));
        assert_eq!(m.minutes_per_session, None);
        let m = measures("every Tuesday and Thursday morning for 25 minutes", false);
        assert_eq!(m.minutes_per_week, Some(50.0));
        let m = measures("daily 10-minute sessions", false);
        assert_eq!(m.minutes_per_week, Some(50.0));
    }

    #[test]
    fn a_recommendation_given_less_time_by_a_less_qualified_person_is_red_with_its_arithmetic() {
        let report = "Report of the specialist teacher\nDate of report: 3 March 2026\n\nRecommendations\nSam should receive daily 30-minute 1:1 phonics teaching from a specialist teacher.\n";
        let c = compare(PLAN, &[report], today()).unwrap();
        assert_eq!(c.recommendations.len(), 1);
        let f = c.findings.iter().find(|f| f.finding.rule == "EI02").expect("EI02");
        assert_eq!(f.finding.severity, FlagSeverity::Red);
        assert!(f.also.contains(&"EI03".to_owned()), "{f:?}");
        assert_eq!(
            f.arithmetic.as_deref(),
            Some("Report: 5 a week × 30 min = 150 min a week; plan: 2 a week × 20 min = 40 min a week.")
        );
        assert!(f.finding.excerpt.starts_with("Small-group phonics"), "{f:?}");
        let s = f.finding.suggestion.as_deref().unwrap();
        assert!(s.contains("\"Sam will receive daily 30-minute 1:1 phonics teaching"), "{s}");
        // The plan's span points at the plan's own words.
        let plan = normalise(PLAN);
        let chars: String =
            plan.chars().skip(f.finding.span.start).take(f.finding.span.end - f.finding.span.start).collect();
        assert_eq!(chars, f.finding.excerpt);
    }

    #[test]
    fn missing_vaguer_and_indirect_recommendations_are_named() {
        let report = "Speech and Language Therapy Report\n\nRecommendations\n1. Sam should have direct speech and language therapy from a speech and language therapist, 3 x 30 minutes weekly.\n2. An occupational therapy assessment of his handwriting is needed this term, with a report to school.\n";
        let c = compare(PLAN, &[report], today()).unwrap();
        let r = rules(&c);
        assert!(r.contains(&"EI05".to_owned()), "{r:?}");
        assert!(r.contains(&"EI01".to_owned()), "{r:?}");
        let plan_indirect = PLAN.replace(
            "Sam will have access to speech and language therapy as required.",
            "A language programme set by the SALT, delivered by a TA, 3 x 30 minutes weekly.",
        );
        let c = compare(&plan_indirect, &[report], today()).unwrap();
        let r = rules(&c);
        assert!(r.contains(&"EI04".to_owned()) && r.contains(&"EI03".to_owned()), "{r:?}");
        assert!(!r.contains(&"EI02".to_owned()), "{r:?}");
    }

    #[test]
    fn needs_absent_from_b_or_played_down_are_flagged() {
        let report = "Educational Psychology Report\n\nSam's working memory is very low (1st percentile). He shows signs of anxiety in class. There is no evidence of dyslexia.\n";
        let c = compare(PLAN, &[report], today()).unwrap();
        let r = rules(&c);
        assert!(r.contains(&"EI07".to_owned()), "{r:?}");
        let ei06: Vec<&Inconsistency> = c.findings.iter().filter(|f| f.finding.rule == "EI06").collect();
        assert_eq!(ei06.len(), 1, "anxiety only, not the dyslexia ruled out: {ei06:?}");
        assert!(ei06[0].finding.excerpt.contains("anxiety"));
    }

    #[test]
    fn old_reports_and_plans_that_point_elsewhere_are_flagged() {
        let report = "Occupational Therapy Report\nDate of birth: 1 May 2015\nDate of report: 14 January 2025\n\nRecommendations\nSam needs a writing slope in all lessons.\n";
        let plan = format!("{PLAN}F3. Occupational therapy as set out in the OT report (Appendix D).\n");
        let c = compare(&plan, &[report], today()).unwrap();
        assert_eq!(c.report_dates, vec![NaiveDate::from_ymd_opt(2025, 1, 14)]);
        let r = rules(&c);
        assert!(r.contains(&"EI09".to_owned()) && r.contains(&"EI08".to_owned()), "{r:?}");
        let fresh = report.replace("2025", "2026");
        assert!(!rules(&compare(&plan, &[&fresh], today()).unwrap()).contains(&"EI09".to_owned()));
    }

    #[test]
    fn a_plan_that_carries_the_advice_over_raises_nothing() {
        let report = "Speech and Language Therapy Report\n\nRecommendations\n- Sam should receive direct 1:1 speech and language therapy from a speech and language therapist, 3 x 30 minutes weekly, for the next year.\n";
        let plan = "Section B\nSam has a developmental language disorder.\n\nSection F\nF1. Direct 1:1 speech and language therapy from an HCPC-registered speech and language therapist, three 30-minute sessions a week.\n";
        let c = compare(plan, &[report], today()).unwrap();
        assert!(c.findings.is_empty(), "{:?}", c.findings);
        assert_eq!(c.recommendations[0].intervention, "speech and language");
    }

    #[test]
    fn report_dates_are_read_in_common_forms() {
        assert_eq!(report_date("Assessed on 03/04/2025\n"), NaiveDate::from_ymd_opt(2025, 4, 3));
        assert_eq!(report_date("Name: Sam\nDOB: 02/02/2016\nJune 2024\n"), NaiveDate::from_ymd_opt(2024, 6, 1));
        assert_eq!(report_date("Report date: 2025-11-30"), NaiveDate::from_ymd_opt(2025, 11, 30));
        assert_eq!(report_date("no date here"), None);
    }

    #[test]
    fn oversized_texts_are_refused() {
        let big = "a".repeat(MAX_TEXT_BYTES + 1);
        assert!(compare(&big, &[], today()).is_err());
        assert!(compare("", &[&big], today()).is_err());
    }
}
