//! Analyser throughput: a synthetic 100-page plan (~300 KB of text) built from the labelled
//! corpus items, and each of the corpus's whole plans.
//!
//! ```text
//! cargo bench -p senvault-domain --bench analyser [-- --seconds 2] [--max-ms 30]
//! ```
//! Prints the median and best time per plan and MB/s. The target is under 30 ms for the
//! 100-page plan on one core (at least 10 MB/s); with `--max-ms N` it exits non-zero when the
//! median is N ms or more (`tests/run` passes twice the target, to catch a regression such as
//! an accidental quadratic without failing on a slow shared machine).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use senvault_domain::analyser::{AnalyseOptions, analyse};

const TARGET: Duration = Duration::from_millis(30);
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

/// Median and best of repeated runs for about `budget`, after a warm-up.
fn time(text: &str, options: &AnalyseOptions, budget: Duration) -> (Duration, Duration, usize) {
    let mut flags = 0;
    for _ in 0..3 {
        flags = analyse(text, options).expect("analyse").findings.len();
    }
    let mut runs = Vec::new();
    let started = Instant::now();
    while runs.len() < 5 || (started.elapsed() < budget && runs.len() < 10_000) {
        let t = Instant::now();
        let analysis = analyse(text, options).expect("analyse");
        runs.push(t.elapsed());
        std::hint::black_box(analysis);
    }
    runs.sort();
    (runs[runs.len() / 2], runs[0], flags)
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
    let (median, best, flags) = time(&plan, &AnalyseOptions::default(), budget);
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
        let (median, best, flags) = time(&text, &AnalyseOptions::default(), budget / 4);
        println!(
            "{}: {} bytes, {flags} flags: median {:.3} ms, best {:.3} ms, {:.1} MB/s",
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            text.len(),
            median.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e3,
            mb_per_s(text.len(), median)
        );
    }
    if let Some(max) = max
        && median >= max
    {
        let (took, limit) = (median.as_secs_f64() * 1e3, max.as_secs_f64() * 1e3);
        eprintln!("FAILED: the 100-page plan took {took:.2} ms (limit {limit:.0} ms)");
        std::process::exit(1);
    }
}
