//! The text extractor on arbitrary bytes as each document type: an error or text, never a
//! panic (PDF parsing is also guarded by `catch_unwind` in production; here a panic is a bug
//! to find, so the unguarded entry point is fuzzed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use senvault_domain::DocumentType;
use senvault_functions::extraction::extract_now;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else { return };
    let kind = match kind % 3 {
        0 => DocumentType::Pdf,
        1 => DocumentType::Docx,
        _ => DocumentType::Text,
    };
    let _ = extract_now(bytes, kind);
});
