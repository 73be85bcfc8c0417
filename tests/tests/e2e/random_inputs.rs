//! Seeded random and mutated inputs through the analyser and the extractor, on every test run:
//! the quick, deterministic companion of the `fuzz/` targets (which explore far more, with
//! coverage guidance, when run by hand). Every input must give a result or a typed error.

use std::time::Duration;

use senvault_domain::DocumentType;
use senvault_domain::Section;
use senvault_domain::analyser::{AnalyseOptions, analyse, analyse_item, normalise};
use senvault_functions::extraction::{ExtractError, extract_within};
use senvault_tests::corpus;
use senvault_tests::fixtures::{self, Block};

/// xorshift64*: a fixed sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random edit: flip bytes, cut, duplicate a run, or splice in noise.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = out.len().max(1);
        match rng.below(4) {
            0 => {
                for _ in 0..=rng.below(16) {
                    let i = rng.below(len);
                    if let Some(b) = out.get_mut(i) {
                        *b ^= 1 << rng.below(8);
                    }
                }
            }
            1 => out.truncate(rng.below(len)),
            2 => {
                let (a, n) = (rng.below(len), rng.below(256));
                let run: Vec<u8> = out.iter().skip(a).take(n).copied().collect();
                let at = rng.below(len).min(out.len());
                out.splice(at..at, run.iter().copied().cycle().take(run.len() * (1 + rng.below(8))));
            }
            _ => {
                let at = rng.below(len).min(out.len());
                let noise: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
                out.splice(at..at, noise);
            }
        }
    }
    out
}

#[test]
fn the_analyser_answers_every_mutated_plan() {
    let mut rng = Rng(0x5e17_a417);
    let plans: Vec<String> = corpus::plans().into_iter().chain(corpus::real_plans()).map(|p| p.text).collect();
    let items: Vec<String> = corpus::items().into_iter().chain(corpus::real_items()).map(|i| i.text).collect();
    for round in 0..400 {
        let seed = if round % 2 == 0 {
            plans[rng.below(plans.len())].as_bytes()
        } else {
            items[rng.below(items.len())].as_bytes()
        };
        let text = String::from_utf8_lossy(&mutate(&mut rng, seed)).into_owned();
        let options = AnalyseOptions {
            draft: round % 3 == 0,
            year_group: Some((round % 14) as u8),
            personal_budget_requested: round % 5 == 0,
        };
        let analysis = analyse(&text, &options).expect("text under the size limit is analysed");
        let chars = normalise(&text).chars().count();
        for f in &analysis.findings {
            assert!(f.span.start <= f.span.end && f.span.end <= chars, "round {round}: span {:?} past {chars}", f.span);
        }
        // Every section's rules, including outcomes, needs and the paragraph-item paths.
        let section = Section::ALL[round % Section::ALL.len()];
        for f in analyse_item(section, &text) {
            assert!(
                f.span.start <= f.span.end && f.span.end <= chars,
                "round {round}: item span {:?} past {chars}",
                f.span
            );
        }
    }
    // Pathological shapes: one huge line, only headings, only punctuation, deep numbering.
    let shapes = [
        "x".repeat(1 << 20),
        "Section F\n".repeat(10_000),
        ".,;:!?()[]{}".repeat(20_000),
        (1..5_000).map(|n| format!("F{n}.{n}.{n} ")).collect::<String>(),
        "\u{0}\u{feff}\u{2028}\r\n".repeat(10_000),
        // Tables whose columns name sections, row labels, outcome labels, lead-ins, long paragraphs.
        "Needs (Section B, C, D) | Outcomes (Section E) | Provision (Sections F, G, H1, H2)\n".repeat(5_000),
        format!("Section E\n{}", "Long term: by July 2030. Short term: 2 a day. ".repeat(20_000)),
        format!("Section F\n{}", "Outcomes by the end of Key Stage 2:\nWhat help do I need?\n".repeat(10_000)),
        format!(
            "Section F\n{}",
            "support from a trained teaching assistant written by the therapist and\n".repeat(10_000)
        ),
        format!("Section B\n{}", "Outcome | x | y | z\n".repeat(10_000)),
    ];
    for text in &shapes {
        analyse(text, &AnalyseOptions::default()).expect("analysed");
    }
}

#[test]
fn the_extractor_answers_every_mutated_file() {
    let mut rng = Rng(0xd0c5_f11e);
    let lines = ["Section F: Special educational provision", "F1. Weekly speech and language therapy, 30 minutes."];
    let blocks = [
        Block::Para(lines[0]),
        Block::Bullet(lines[1]),
        Block::Table(&[&["Need", "Provision"], &["Speech", "SALT weekly"]]),
    ];
    let seeds: [(DocumentType, Vec<u8>); 4] = [
        (DocumentType::Pdf, fixtures::pdf(&lines)),
        (DocumentType::Pdf, fixtures::pdf_with_password()),
        (DocumentType::Docx, fixtures::docx(&blocks)),
        (DocumentType::Text, lines.join("\n").into_bytes()),
    ];
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for round in 0..300 {
        let (kind, seed) = &seeds[round % seeds.len()];
        let bytes = if round % 10 == 9 {
            (0..rng.below(4096)).map(|_| rng.next() as u8).collect()
        } else {
            mutate(&mut rng, seed)
        };
        let code = match extract_within(bytes, *kind, Duration::from_secs(10)) {
            Ok(_) => "text",
            Err(ExtractError::TimedOut) => panic!("round {round}: a {kind:?} of a few KB must not take 10 s"),
            Err(e) => e.code(),
        };
        *outcomes.entry(code).or_default() += 1;
    }
    println!("outcomes over 300 mutated files: {outcomes:?}");
    assert!(outcomes.get("text").is_some_and(|n| *n > 0), "some mutations still read");
    assert!(outcomes.len() > 2, "and others fail in typed ways: {outcomes:?}");
}
