//! The analyser on arbitrary text: it must return (flags or an error) for every input, never
//! panic, loop or overflow, and every span must point inside the normalised text. The text is
//! also tried as every section's item, as table cells whose columns name sections, and under
//! row labels, so the paragraph, table and row-label paths are explored too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use senvault_domain::Section;
use senvault_domain::analyser::{AnalyseOptions, analyse, analyse_item, normalise};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let options = AnalyseOptions {
        draft: flags & 1 != 0,
        year_group: Some(flags >> 3),
        personal_budget_requested: flags & 2 != 0,
    };
    if let Ok(analysis) = analyse(&text, &options) {
        let chars = normalise(&text).chars().count();
        for f in &analysis.findings {
            assert!(f.span.start <= f.span.end && f.span.end <= chars, "span {:?} outside {chars} chars", f.span);
        }
    }
    // Every section's item rules (outcomes, needs, provision, paragraphs of many sentences).
    let chars = normalise(&text).chars().count();
    for section in Section::ALL {
        for f in analyse_item(*section, &text) {
            assert!(f.span.end <= chars, "item span {:?} outside {chars} chars", f.span);
        }
    }
    // The same text as the cells of a table whose columns name sections, and under row labels.
    let table = format!("Needs (Section B, C, D) | Outcomes (Section E) | Provision (Sections F, G)\n{}", text.replace('\n', " | "));
    let labelled = format!("Section F\nOutcomes by the end of Key Stage 2:\n{text}\nWhat help do I need?\n{text}");
    for shaped in [table, labelled] {
        if let Ok(analysis) = analyse(&shaped, &options) {
            let chars = normalise(&shaped).chars().count();
            for f in &analysis.findings {
                assert!(f.span.start <= f.span.end && f.span.end <= chars, "span {:?} outside {chars} chars", f.span);
            }
        }
    }
});
