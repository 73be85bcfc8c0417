//! The analyser on arbitrary text: it must return (flags or an error) for every input, never
//! panic, loop or overflow, and every span must point inside the normalised text.
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
    let _ = analyse_item(Section::F, &text);
});
