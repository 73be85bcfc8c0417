//! The analyser's labelled corpora (`tests/corpus`): the team-written items and synthetic plans
//! (`items.txt`, `plans/`), and real EHCP wording quoted in public sources (`real/items.txt`,
//! `real/plans/`), each with the flags an experienced SEND advocate would raise. Shared by the
//! quality test, the analyser benchmark and the random-input tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use senvault_domain::analyser::{AnalyseOptions, Finding};
use senvault_domain::{FlagKind, FlagSeverity, Section};

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The directory of the real-wording corpus.
pub fn real_dir() -> PathBuf {
    dir().join("real")
}

fn kind(code: &str) -> FlagKind {
    match code {
        "VL" => FlagKind::VagueLanguage,
        "UQ" => FlagKind::UnquantifiedProvision,
        "WS" => FlagKind::WrongSection,
        "OS" => FlagKind::OutcomeNotSmart,
        "BF" => FlagKind::BfDisconnect,
        "MC" => FlagKind::MissingStatutoryContent,
        "EI" => FlagKind::EvidenceInconsistency,
        other => panic!("unknown kind code {other:?} in the corpus"),
    }
}

/// How strongly a label expects its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A defect: the kind at amber or red.
    Defect,
    /// Worth a look only: the kind at info (a trigger the rest of the item cancels, `docs/analyser.md`).
    Info,
}

/// One labelled item.
pub struct LabelledItem {
    pub line: usize,
    pub section: Section,
    pub expected: Vec<(FlagKind, Expect)>,
    pub text: String,
    /// Where the wording was published (real corpus only).
    pub source: Option<String>,
}

impl LabelledItem {
    pub fn expects(&self, kind: FlagKind) -> Option<Expect> {
        self.expected.iter().find(|(k, _)| *k == kind).map(|(_, e)| *e)
    }
}

fn labels(field: &str) -> Vec<(FlagKind, Expect)> {
    match field.trim() {
        "-" => Vec::new(),
        k => k
            .split(',')
            .map(|c| {
                let c = c.trim();
                match c.strip_suffix(".i") {
                    Some(code) => (kind(code), Expect::Info),
                    None => (kind(c), Expect::Defect),
                }
            })
            .collect(),
    }
}

/// Items of one corpus file: `section | labels | text [| source [| why]]`.
fn read_items(path: &Path) -> Vec<LabelledItem> {
    let body = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    body.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(n, l)| {
            let mut parts = l.split(" | ");
            let (Some(section), Some(kinds), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
                panic!("{} line {}: expected `section | kinds | text`", path.display(), n + 1)
            };
            let source = parts.next().map(|s| s.trim().to_string());
            let section = section.trim().parse().unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
            LabelledItem { line: n + 1, section, expected: labels(kinds), text: text.trim().to_string(), source }
        })
        .collect()
}

/// The team-written items.
pub fn items() -> Vec<LabelledItem> {
    read_items(&dir().join("items.txt"))
}

/// The real-wording items; every one names its source.
pub fn real_items() -> Vec<LabelledItem> {
    read_items(&real_dir().join("items.txt"))
}

/// The blind set (`blind/items.txt`): real wording from sources new to the corpus, and marked
/// composites, labelled before the analyser read them.
pub fn blind_items() -> Vec<LabelledItem> {
    read_items(&dir().join("blind").join("items.txt"))
}

/// An expected flag in a whole plan: its section, kind and the start of its excerpt
/// (empty for a flag about an absent section).
#[derive(Debug, Clone)]
pub struct ExpectedFlag {
    pub section: Section,
    pub kind: FlagKind,
    pub excerpt_starts: String,
}

impl ExpectedFlag {
    pub fn matches(&self, f: &Finding) -> bool {
        f.kind == self.kind && f.section == Some(self.section) && f.excerpt.starts_with(&self.excerpt_starts)
    }
}

pub struct Plan {
    pub name: String,
    pub text: String,
    pub options: AnalyseOptions,
    pub expected: Vec<ExpectedFlag>,
}

/// Whole plans in `dir`: `<name>.txt` with `<name>.expected`, whose lines are
/// `<section> | <kind> | <start of the excerpt>` and an optional `options: draft, year=10, budget`.
fn read_plans(dir: &Path) -> Vec<Plan> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("plan text");
            let labels = std::fs::read_to_string(path.with_extension("expected")).expect("plan labels");
            let mut options = AnalyseOptions::default();
            let mut expected = Vec::new();
            for line in labels.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                if let Some(opts) = line.strip_prefix("options:") {
                    for o in opts.split(',').map(str::trim) {
                        match o {
                            "draft" => options.draft = true,
                            "budget" => options.personal_budget_requested = true,
                            y if y.starts_with("year=") => options.year_group = y[5..].parse().ok(),
                            other => panic!("unknown option {other:?}"),
                        }
                    }
                    continue;
                }
                let mut parts = line.splitn(3, '|').map(str::trim);
                let (Some(section), Some(k), excerpt) = (parts.next(), parts.next(), parts.next()) else {
                    panic!("{}: bad label line {line:?}", path.display())
                };
                expected.push(ExpectedFlag {
                    section: section.parse().unwrap_or_else(|e| panic!("{line}: {e}")),
                    kind: kind(k),
                    excerpt_starts: excerpt.unwrap_or("").to_string(),
                });
            }
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Plan { name, text, options, expected }
        })
        .collect()
}

/// The team's synthetic plans.
pub fn plans() -> Vec<Plan> {
    read_plans(&dir().join("plans"))
}

/// Public plans and plan excerpts, laid out as published.
pub fn real_plans() -> Vec<Plan> {
    read_plans(&real_dir().join("plans"))
}

/// A professional report (or several) and the plan drafted from them, with the comparison
/// rules (EI01–EI09) an advocate would raise on them (`compare/pairs.txt`).
pub struct Pair {
    pub id: String,
    pub sources: Vec<String>,
    pub reports: Vec<String>,
    pub plan: String,
    pub expected: std::collections::BTreeSet<String>,
}

/// The report-versus-plan pairs: `=== id`, `source: …` lines, `--- report` (one or more),
/// `--- plan`, then `--- expect` with rule ids or `none`.
pub fn pairs() -> Vec<Pair> {
    let path = dir().join("compare").join("pairs.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.split("\n=== ")
        .skip(1)
        .map(|block| {
            let (id, rest) = block.split_once('\n').unwrap_or((block, ""));
            let mut pair = Pair {
                id: id.trim().to_owned(),
                sources: vec![],
                reports: vec![],
                plan: String::new(),
                expected: Default::default(),
            };
            let mut parts = rest.split("\n--- ");
            let head = parts.next().unwrap_or_default();
            pair.sources =
                head.lines().filter_map(|l| l.strip_prefix("source:")).map(|l| l.trim().to_owned()).collect();
            for part in parts {
                let (name, body) = part.split_once('\n').unwrap_or((part, ""));
                match name.trim() {
                    "report" => pair.reports.push(body.to_owned()),
                    "plan" => pair.plan = body.to_owned(),
                    "expect" => {
                        pair.expected = body
                            .split_whitespace()
                            .filter(|w| *w != "none")
                            .map(|w| {
                                assert!(w.starts_with("EI"), "{}: unknown rule {w:?}", pair.id);
                                w.to_owned()
                            })
                            .collect()
                    }
                    other => panic!("{}: unknown part {other:?}", pair.id),
                }
            }
            assert!(
                !pair.sources.is_empty() && !pair.reports.is_empty() && !pair.plan.is_empty(),
                "{}: incomplete",
                pair.id
            );
            pair
        })
        .collect()
}

/// True and false positives and false negatives for one flag kind.
#[derive(Debug, Default, Clone, Copy)]
pub struct Score {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Score {
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 }
    }
    pub fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 }
    }
    pub fn count(&mut self, want: bool, got: bool) {
        match (want, got) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
    }
}

pub type Scores = BTreeMap<FlagKind, Score>;

/// Item scores two ways: per kind (any severity), and per kind at amber or red, where an item
/// labelled info-only must not be flagged above info.
#[derive(Debug, Default)]
pub struct ItemScores {
    pub any: Scores,
    pub defects: Scores,
    /// Lines where the analyser and the label disagree, for the test output.
    pub misses: Vec<String>,
}

/// Scores `items` with `found`: the kinds and severities the analyser gives an item.
pub fn score_items(items: &[LabelledItem], found: impl Fn(&LabelledItem) -> Vec<Finding>) -> ItemScores {
    let mut scores = ItemScores::default();
    for item in items {
        let findings = found(item);
        for kind in FlagKind::ALL {
            let of_kind: Vec<&Finding> = findings.iter().filter(|f| f.kind == *kind).collect();
            let want = item.expects(*kind);
            let got_any = !of_kind.is_empty();
            let got_defect = of_kind.iter().any(|f| f.severity >= FlagSeverity::Amber);
            scores.any.entry(*kind).or_default().count(want.is_some(), got_any);
            scores.defects.entry(*kind).or_default().count(want == Some(Expect::Defect), got_defect);
            let wrong = want.is_some() != got_any || (want == Some(Expect::Defect)) != got_defect;
            if wrong {
                let got = of_kind.iter().map(|f| format!("{} {}", f.rule, f.severity.as_str())).collect::<Vec<_>>();
                scores.misses.push(format!(
                    "line {} [{}] {kind}: want {}, got {}: {}",
                    item.line,
                    item.section,
                    match want {
                        None => "none",
                        Some(Expect::Info) => "info",
                        Some(Expect::Defect) => "a defect",
                    },
                    if got.is_empty() { "none".to_string() } else { got.join(", ") },
                    item.text
                ));
            }
        }
    }
    scores.any.retain(|_, s| s.tp + s.fp + s.fn_ > 0);
    scores.defects.retain(|_, s| s.tp + s.fp + s.fn_ > 0);
    scores
}
