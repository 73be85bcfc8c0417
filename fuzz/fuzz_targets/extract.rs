//! The text extractor on arbitrary bytes (the first byte picks the type). DOCX and text are
//! this project's own parsers: any panic is a bug, so they are fuzzed unguarded. PDF goes
//! through the production entry point, where the third-party parser's panics on malformed
//! files are caught and reported as a damaged file; what must not happen there is a hang, a
//! stack overflow or unbounded memory.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use senvault_domain::DocumentType;
use senvault_functions::extraction::{extract_now, extract_within};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else { return };
    let _ = match kind % 3 {
        0 => extract_within(bytes.to_vec(), DocumentType::Pdf, Duration::from_secs(60)),
        1 => extract_now(bytes, DocumentType::Docx),
        _ => extract_now(bytes, DocumentType::Text),
    };
});
