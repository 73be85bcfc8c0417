//! Quality of the EHCP analyser on the labelled corpus: precision and recall per flag kind,
//! over single items and whole synthetic plans. Fails below 0.90 precision or 0.85 recall.

use senvault_domain::FlagKind;
use senvault_domain::analyser::{analyse, analyse_item};
use senvault_tests::corpus::{self, Scores};

const MIN_PRECISION: f64 = 0.90;
const MIN_RECALL: f64 = 0.85;

fn report(title: &str, scores: &Scores) -> Vec<String> {
    println!("{title}");
    println!("  {:<28} {:>4} {:>4} {:>4} {:>9} {:>7}", "kind", "tp", "fp", "fn", "precision", "recall");
    let mut failures = Vec::new();
    for (kind, s) in scores {
        println!(
            "  {:<28} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
            kind.as_str(),
            s.tp,
            s.fp,
            s.fn_,
            s.precision(),
            s.recall()
        );
        if s.precision() < MIN_PRECISION || s.recall() < MIN_RECALL {
            failures.push(format!("{title}: {kind}: precision {:.3}, recall {:.3}", s.precision(), s.recall()));
        }
    }
    failures
}

#[test]
fn precision_and_recall_per_kind() {
    let items = corpus::items();
    assert!(items.len() >= 100, "the corpus needs at least 100 items, has {}", items.len());
    let mut scores = Scores::new();
    let mut misses = Vec::new();
    for item in &items {
        let found: Vec<FlagKind> = analyse_item(item.section, &item.text).into_iter().map(|f| f.kind).collect();
        for kind in FlagKind::ALL {
            let (want, got) = (item.expected.contains(kind), found.contains(kind));
            let s = scores.entry(*kind).or_default();
            match (want, got) {
                (true, true) => s.tp += 1,
                (false, true) => s.fp += 1,
                (true, false) => s.fn_ += 1,
                (false, false) => {}
            }
            if want != got {
                misses.push(format!(
                    "line {} [{}] {} {kind}: {}",
                    item.line,
                    item.section,
                    if got { "unexpected" } else { "missed" },
                    item.text
                ));
            }
        }
    }
    scores.retain(|_, s| s.tp + s.fp + s.fn_ > 0);

    let plans = corpus::plans();
    let mut plan_scores = Scores::new();
    for plan in &plans {
        let analysis = analyse(&plan.text, &plan.options).expect("plan analyses");
        let mut matched = vec![false; analysis.findings.len()];
        for e in &plan.expected {
            let hit = analysis.findings.iter().enumerate().find(|(i, f)| !matched[*i] && e.matches(f));
            let s = plan_scores.entry(e.kind).or_default();
            match hit {
                Some((i, _)) => {
                    matched[i] = true;
                    s.tp += 1;
                }
                None => {
                    s.fn_ += 1;
                    misses.push(format!("{}: missed {} {} {:?}", plan.name, e.section, e.kind, e.excerpt_starts));
                }
            }
        }
        for (f, m) in analysis.findings.iter().zip(&matched) {
            if !m {
                plan_scores.entry(f.kind).or_default().fp += 1;
                misses.push(format!("{}: unexpected {:?} {} {} {:?}", plan.name, f.section, f.kind, f.rule, f.excerpt));
            }
        }
    }

    for m in &misses {
        println!("{m}");
    }
    let mut failures = report(&format!("single items ({})", items.len()), &scores);
    failures.extend(report(&format!("whole plans ({})", plans.len()), &plan_scores));
    assert!(plans.len() >= 3, "the corpus needs at least 3 whole plans, has {}", plans.len());
    assert!(failures.is_empty(), "below {MIN_PRECISION} precision or {MIN_RECALL} recall:\n{}", failures.join("\n"));
}
