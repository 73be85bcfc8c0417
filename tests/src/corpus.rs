//! The analyser's labelled corpus (`tests/corpus`): single items and whole synthetic plans,
//! with the flags an experienced SEND advocate would raise. Shared by the quality test and the
//! analyser benchmark.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use senvault_domain::analyser::{AnalyseOptions, Finding};
use senvault_domain::{FlagKind, Section};

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
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

/// One labelled item.
pub struct LabelledItem {
    pub line: usize,
    pub section: Section,
    pub expected: Vec<FlagKind>,
    pub text: String,
}

pub fn items() -> Vec<LabelledItem> {
    let path = dir().join("items.txt");
    let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    body.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(n, l)| {
            let mut parts = l.splitn(3, " | ");
            let (Some(section), Some(kinds), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
                panic!("items.txt line {}: expected `section | kinds | text`", n + 1)
            };
            let section = section.trim().parse().unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
            let expected = match kinds.trim() {
                "-" => Vec::new(),
                k => k.split(',').map(|c| kind(c.trim())).collect(),
            };
            LabelledItem { line: n + 1, section, expected, text: text.trim().to_string() }
        })
        .collect()
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

/// Whole plans: `plans/<name>.txt` with `plans/<name>.expected`, whose lines are
/// `<section> | <kind> | <start of the excerpt>` and an optional `options: draft, year=10, budget`.
pub fn plans() -> Vec<Plan> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir().join("plans"))
        .expect("corpus/plans")
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
}

pub type Scores = BTreeMap<FlagKind, Score>;
