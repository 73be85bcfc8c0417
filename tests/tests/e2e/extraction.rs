//! Text extraction: PDF, DOCX and plain text, and the failures a family may meet.

use std::time::{Duration, Instant};

use senvault_domain::DocumentType;
use senvault_functions::extraction::{ExtractError, extract, extract_within};
use senvault_tests::fixtures::{self, Block};

#[test]
fn pdf_text_comes_out_line_by_line() {
    let lines = ["Section F: Special educational provision", "F1. Noah will have regular speech therapy (weekly)."];
    let text = extract(fixtures::pdf(&lines), DocumentType::Pdf).expect("text");
    for l in lines {
        assert!(text.contains(l), "{l:?} not in {text:?}");
    }
}

#[test]
fn multi_page_pdf() {
    let lines: Vec<String> = (0..120).map(|i| format!("Line number {i} of the plan")).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let text = extract(fixtures::pdf(&refs), DocumentType::Pdf).expect("text");
    assert!(text.contains("Line number 0 of") && text.contains("Line number 119 of"));
}

#[test]
fn scanned_and_protected_pdfs_have_reasons() {
    assert_eq!(extract(fixtures::pdf_without_text(), DocumentType::Pdf), Err(ExtractError::NoText));
    assert_eq!(extract(fixtures::pdf_with_password(), DocumentType::Pdf), Err(ExtractError::Encrypted));
    let reason = ExtractError::Encrypted.to_string();
    assert!(reason.contains("password"), "{reason}");
}

/// Files a naive PDF reader recurses on forever: refused as damaged, quickly, with the
/// process still standing (a stack overflow would abort it, not just the extraction thread).
#[test]
fn cyclic_pdfs_are_damaged_not_endless() {
    for bytes in [fixtures::pdf_with_parent_cycle(), fixtures::pdf_with_recursive_form()] {
        let started = Instant::now();
        assert_eq!(
            extract_within(bytes, DocumentType::Pdf, Duration::from_secs(20)),
            Err(ExtractError::Corrupt("PDF"))
        );
        assert!(started.elapsed() < Duration::from_secs(20), "refused before the deadline, not by it");
    }
}

#[test]
fn docx_paragraphs_lists_and_tables() {
    let rows: &[&[&str]] =
        &[&["Need", "Outcome", "Provision"], &["Speech sounds", "By July 2027 says 10 sounds", "Direct SALT weekly"]];
    let bytes = fixtures::docx(&[
        Block::Para("Section F: Special educational provision"),
        Block::Bullet("Direct speech & language therapy <weekly>"),
        Block::Table(rows),
    ]);
    let text = extract(bytes, DocumentType::Docx).expect("text");
    assert!(text.contains("Section F: Special educational provision\n"), "{text:?}");
    assert!(text.contains("• Direct speech & language therapy <weekly>\n"), "{text:?}");
    assert!(
        text.contains("Need | Outcome | Provision\nSpeech sounds | By July 2027 says 10 sounds | Direct SALT weekly\n"),
        "{text:?}"
    );
    assert!(text.contains("Direct SALT weekly"), "{text:?}");
}

#[test]
fn bad_files_fail_cleanly_and_quickly() {
    let started = Instant::now();
    // Empty, garbage, truncated and wrong-type files.
    for (bytes, t) in [
        (Vec::new(), DocumentType::Pdf),
        (Vec::new(), DocumentType::Docx),
        (Vec::new(), DocumentType::Text),
        (b"not a pdf at all".to_vec(), DocumentType::Pdf),
        (b"PK\x03\x04 broken zip".to_vec(), DocumentType::Docx),
        (fixtures::pdf(&["Section B"])[..200].to_vec(), DocumentType::Pdf),
        (fixtures::docx(&[Block::Para("x")])[..100].to_vec(), DocumentType::Docx),
        (fixtures::docx_with_xml(b"<w:document><w:body><w:p><w:t>unclosed"), DocumentType::Docx),
        (b"\x89PNG\r\n".to_vec(), DocumentType::Png),
    ] {
        let result = extract(bytes, t);
        assert!(result.is_err(), "{t}: {result:?}");
    }
    // 50 MB of random bytes, as each type.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let random: Vec<u8> = (0..50 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    for t in [DocumentType::Pdf, DocumentType::Docx, DocumentType::Text] {
        assert!(extract(random.clone(), t).is_err(), "{t}");
    }
    let mut over = random;
    over.push(0);
    assert_eq!(extract(over, DocumentType::Text), Err(ExtractError::TooLarge));
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
}

#[test]
fn zip_bomb_stops_at_the_limit() {
    // 80 MB of XML deflates to about 80 KB.
    let bomb = fixtures::docx_bomb(80);
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    assert_eq!(extract(bomb, DocumentType::Docx), Err(ExtractError::TooMuchText));
}

#[test]
fn deeply_nested_pdf_does_not_overflow() {
    let mut body = b"%PDF-1.4\n1 0 obj\n".to_vec();
    body.extend(std::iter::repeat_n(b'[', 200_000));
    body.extend(std::iter::repeat_n(b']', 200_000));
    body.extend_from_slice(b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    assert!(extract(body, DocumentType::Pdf).is_err());
}

#[test]
fn text_encodings() {
    assert_eq!(extract("Section F\nSALT".into(), DocumentType::Text).as_deref(), Ok("Section F\nSALT"));
    // Windows-1252: "£" is 0xA3.
    assert_eq!(extract(b"Top-up \xA3500".to_vec(), DocumentType::Text).as_deref(), Ok("Top-up £500"));
    // UTF-16 LE with a byte-order mark.
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain("Section B".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    assert_eq!(extract(utf16, DocumentType::Text).as_deref(), Ok("Section B"));
    assert_eq!(extract(b"   \n ".to_vec(), DocumentType::Text), Err(ExtractError::NoText));
}

#[test]
fn a_deadline_bounds_extraction() {
    let lines: Vec<String> = (0..5000).map(|i| format!("Line {i}")).collect();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert_eq!(
        extract_within(fixtures::pdf(&refs), DocumentType::Pdf, Duration::from_nanos(1)),
        Err(ExtractError::TimedOut)
    );
}
