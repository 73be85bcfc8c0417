//! Analyser throughput: a synthetic 100-page plan (~300 KB of text) built from the labelled
//! corpus items, each of the corpus's whole plans, and the comparison of a 40-page professional
//! report with the 100-page plan.
//!
//! ```text
//! cargo bench -p senvault-domain --bench analyser [-- --seconds 2] [--max-ms 30] [--max-compare-ms 100]
//! ```
//! Prints the median and best time per plan and MB/s. The target is under 30 ms for the
//! 100-page plan on one core (at least 10 MB/s); with `--max-ms N` it exits non-zero when the
//! median is N ms or more (`tests/run` passes twice the target, to catch a regression such as
//! an accidental quadratic without failing on a slow shared machine). The comparison's target
//! is under 100 ms; `--max-compare-ms N` fails the same way.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use senvault_domain::analyser::compare::compare;
use senvault_domain::analyser::{AnalyseOptions, analyse};

const TARGET: Duration = Duration::from_millis(30);
const COMPARE_TARGET: Duration = Duration::from_millis(100);
const PAGE_BYTES: usize = 3_000;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

/// The labelled items of one section, in corpus order.
fn items(all: &str, section: &str) -> Vec<String> {
    all.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, '|').map(str::trim);
            let (s, _, text) = (parts.next()?, parts.next()?, parts.next()?);
            (s == section).then(|| text.to_owned())
        })
        .collect()
}

/// A plan of about `bytes`, shaped like a long real one: every section, area sub-headings,
/// numbered items in B, E and F, most of the text in B and F.
fn long_plan(bytes: usize) -> String {
    let all = std::fs::read_to_string(corpus().join("items.txt")).expect("tests/corpus/items.txt");
    let areas = [
        "Communication and interaction",
        "Cognition and learning",
        "Social, emotional and mental health",
        "Sensory and/or physical",
    ];
    let mut plan = String::from("Education, Health and Care Plan\nName: Alex Example    Date of birth: 01/02/2014\n\n");
    let section = |heading: &str, code: &str, share: f64, numbered: bool, plan: &mut String| {
        plan.push_str(heading);
        plan.push('\n');
        let pool = items(&all, code);
        let fallback = vec!["Alex enjoys music and art and likes to talk about football with his friends.".to_owned()];
        let pool = if pool.is_empty() { &fallback } else { &pool };
        let budget = (bytes as f64 * share) as usize;
        let start = plan.len();
        let mut n = 0;
        while plan.len() - start < budget {
            if numbered && n % 12 == 0 {
                plan.push_str(areas[(n / 12) % areas.len()]);
                plan.push('\n');
            }
            let text = &pool[n % pool.len()];
            if numbered {
                plan.push_str(&format!("{code}{}. {text}\n", n + 1));
            } else {
                plan.push_str(text);
                plan.push('\n');
            }
            n += 1;
        }
        plan.push('\n');
    };
    section("Section A: All about me", "A", 0.04, false, &mut plan);
    section("Section B: Special educational needs", "B", 0.22, true, &mut plan);
    section("Section C: Health needs", "C", 0.05, false, &mut plan);
    section("Section D: Social care needs", "D", 0.02, false, &mut plan);
    section("Section E: Outcomes", "E", 0.14, true, &mut plan);
    section("Section F: Special educational provision", "F", 0.38, true, &mut plan);
    section("Section G: Health provision", "G", 0.07, false, &mut plan);
    section("Section H1: Social care provision (s.2 CSDPA)", "H1", 0.02, false, &mut plan);
    section("Section H2: Other social care provision", "H2", 0.02, false, &mut plan);
    plan.push_str("Section I: Placement\nOak Tree Academy (mainstream secondary).\n\n");
    plan.push_str("Section J: Personal budget\nNo personal budget was requested.\n\n");
    section("Section K: Advice and information", "K", 0.02, false, &mut plan);
    plan
}

/// A professional report of about `bytes`, shaped like a long real one: a header with its
/// date, background and assessment (four fifths, written as the corpus's Section B needs), then
/// recommendations (one fifth, the recommendations of the comparison corpus's reports).
fn long_report(bytes: usize) -> String {
    let all = std::fs::read_to_string(corpus().join("items.txt")).expect("tests/corpus/items.txt");
    let needs = items(&all, "B");
    let pairs = std::fs::read_to_string(corpus().join("compare/pairs.txt")).expect("tests/corpus/compare/pairs.txt");
    let mut recs: Vec<&str> = vec![];
    for report in pairs.split("--- report\n").skip(1) {
        let report = report.split("\n--- ").next().unwrap_or_default();
        if let Some((_, after)) = report.split_once("Recommendations\n") {
            recs.extend(after.lines().filter(|l| !l.trim().is_empty()));
        }
    }
    let mut out = String::from(
        "Speech and Language Therapy Report\nDate of report: 2 November 2026\n\nBackground and assessment\n",
    );
    let mut n = 0;
    while out.len() < bytes * 4 / 5 {
        out.push_str(&needs[n % needs.len()]);
        out.push_str(if n % 5 == 4 { "\n\n" } else { " " });
        n += 1;
    }
    out.push_str("\n\nRecommendations\n");
    let mut n = 0;
    while out.len() < bytes {
        out.push_str(recs[n % recs.len()]);
        out.push('\n');
        n += 1;
    }
    out
}

/// Median and best of repeated runs of `run` for about `budget`, after a warm-up; `run` returns
/// how many flags it raised.
fn time(run: impl Fn() -> usize, budget: Duration) -> (Duration, Duration, usize) {
    let mut flags = 0;
    for _ in 0..3 {
        flags = run();
    }
    let mut runs = Vec::new();
    let started = Instant::now();
    while runs.len() < 5 || (started.elapsed() < budget && runs.len() < 10_000) {
        let t = Instant::now();
        std::hint::black_box(run());
        runs.push(t.elapsed());
    }
    runs.sort();
    (runs[runs.len() / 2], runs[0], flags)
}

fn analysed(text: &str, options: &AnalyseOptions) -> usize {
    analyse(text, options).expect("analyse").findings.len()
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)?.parse::<f64>().ok());
    let seconds = value("--seconds").unwrap_or(2.0);
    let max = value("--max-ms").map(|ms| Duration::from_secs_f64(ms / 1e3));
    let budget = Duration::from_secs_f64(seconds);

    let plan = long_plan(100 * PAGE_BYTES);
    let (median, best, flags) = time(|| analysed(&plan, &AnalyseOptions::default()), budget);
    println!(
        "100-page plan: {} bytes (~{} pages), {flags} flags: median {:.2} ms, best {:.2} ms, {:.1} MB/s (target < {} ms, >= 10 MB/s)",
        plan.len(),
        plan.len() / PAGE_BYTES,
        median.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e3,
        mb_per_s(plan.len(), median),
        TARGET.as_millis()
    );

    let mut dir: Vec<PathBuf> = std::fs::read_dir(corpus().join("plans"))
        .expect("tests/corpus/plans")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    dir.sort();
    for path in dir {
        let text = std::fs::read_to_string(&path).expect("plan");
        let (median, best, flags) = time(|| analysed(&text, &AnalyseOptions::default()), budget / 4);
        println!(
            "{}: {} bytes, {flags} flags: median {:.3} ms, best {:.3} ms, {:.1} MB/s",
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            text.len(),
            median.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e3,
            mb_per_s(text.len(), median)
        );
    }

    let report = long_report(40 * PAGE_BYTES);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let recommendations = compare(&plan, &[&report], today).expect("compare").recommendations.len();
    let (compare_median, compare_best, inconsistencies) =
        time(|| compare(&plan, &[&report], today).expect("compare").findings.len(), budget);
    println!(
        "40-page report ({} bytes, {recommendations} recommendations) against the 100-page plan: {inconsistencies} flags: median {:.2} ms, best {:.2} ms (target < {} ms)",
        report.len(),
        compare_median.as_secs_f64() * 1e3,
        compare_best.as_secs_f64() * 1e3,
        COMPARE_TARGET.as_millis()
    );

    let mut failed = false;
    for (what, took, limit) in [
        ("the 100-page plan", median, max),
        ("the comparison", compare_median, value("--max-compare-ms").map(|ms| Duration::from_secs_f64(ms / 1e3))),
    ] {
        if let Some(limit) = limit
            && took >= limit
        {
            let (took, limit) = (took.as_secs_f64() * 1e3, limit.as_secs_f64() * 1e3);
            eprintln!("FAILED: {what} took {took:.2} ms (limit {limit:.0} ms)");
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
}
