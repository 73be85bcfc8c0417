//! A document's bytes to the analyser's findings: extract the text, analyse it, and name the
//! text analysed by the SHA-256 of its normalised form (what flag spans point into). Shared by
//! the analyse endpoint and the `analyse` command of the local binary.

use senvault_domain::DocumentType;
use senvault_domain::analyser::{AnalyseError, AnalyseOptions, Analysis, analyse, normalise};

use crate::blobs::sha256_hex;
use crate::extraction::{ExtractError, extract};

/// What the analyser made of a document.
#[derive(Debug, Clone)]
pub struct AnalysedDocument {
    /// Hex SHA-256 of the normalised text.
    pub text_hash: String,
    /// Characters of normalised text read.
    pub chars: usize,
    pub analysis: Analysis,
}

/// Extracts and analyses a file. Blocking (extraction runs under its own deadline): call it
/// from a blocking thread in async code.
pub fn analyse_document(
    bytes: Vec<u8>,
    content_type: DocumentType,
    options: &AnalyseOptions,
) -> Result<AnalysedDocument, ExtractError> {
    let text = extract(bytes, content_type)?;
    let analysis = analyse(&text, options).map_err(|e| match e {
        AnalyseError::TooLong { .. } => ExtractError::TooMuchText,
    })?;
    let normalised = normalise(&text);
    Ok(AnalysedDocument { text_hash: sha256_hex(normalised.as_bytes()), chars: normalised.chars().count(), analysis })
}

/// The type of a file read from disk: by its extension, else by its first bytes.
pub fn type_of_file(path: &std::path::Path, bytes: &[u8]) -> Option<DocumentType> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("pdf") => Some(DocumentType::Pdf),
        Some("docx") => Some(DocumentType::Docx),
        Some("txt" | "text" | "md") => Some(DocumentType::Text),
        Some("jpg" | "jpeg") => Some(DocumentType::Jpeg),
        Some("png") => Some(DocumentType::Png),
        Some("heic") => Some(DocumentType::Heic),
        _ if bytes.starts_with(b"%PDF") => Some(DocumentType::Pdf),
        _ if bytes.starts_with(b"PK\x03\x04") => Some(DocumentType::Docx),
        _ if std::str::from_utf8(bytes).is_ok() => Some(DocumentType::Text),
        _ => None,
    }
}

/// A plain-text report of an analysis, for people: what was read, counts by severity, then
/// each flag with its reason, authority and suggested rewrite.
pub fn summary(name: &str, doc: &AnalysedDocument) -> String {
    use senvault_domain::FlagSeverity;
    use std::fmt::Write;
    let findings = &doc.analysis.findings;
    let count = |s: FlagSeverity| findings.iter().filter(|f| f.severity == s).count();
    let sections: Vec<String> = doc.analysis.sections.iter().map(|s| s.as_str().to_owned()).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{name}: {} characters; sections found: {}",
        doc.chars,
        if sections.is_empty() { "none".into() } else { sections.join(" ") }
    );
    let _ = writeln!(
        out,
        "{} flags: {} red, {} amber, {} info",
        findings.len(),
        count(FlagSeverity::Red),
        count(FlagSeverity::Amber),
        count(FlagSeverity::Info)
    );
    // Red first, then amber, then info; each in the plan's order.
    let mut ordered: Vec<_> = findings.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in ordered {
        let section = f.section.map_or("-".to_owned(), |s| s.as_str().to_owned());
        let excerpt: String = f.excerpt.chars().take(160).collect();
        let more = if f.excerpt.chars().count() > 160 { "…" } else { "" };
        let _ = writeln!(
            out,
            "\n[{}] Section {section}, {} ({}): \"{excerpt}{more}\"",
            f.severity.as_str().to_uppercase(),
            f.kind.as_str(),
            f.rule
        );
        let _ = writeln!(out, "  why: {}", f.rationale);
        let _ = writeln!(out, "  authority: {}", f.authority);
        if let Some(s) = &f.suggestion {
            let _ = writeln!(out, "  suggestion: {s}");
        }
    }
    out.push_str("\nThis is an automated reading of the plan to help you check it; it is not legal advice.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_analysed_and_named_by_its_normalised_hash() {
        let plan =
            "Section F: Special educational provision\nF1. Ada will have access to speech therapy as appropriate.\n";
        let a = analyse_document(plan.as_bytes().to_vec(), DocumentType::Text, &AnalyseOptions::default()).unwrap();
        assert!(a.analysis.findings.iter().any(|f| f.rule == "VL01"));
        assert_eq!(a.text_hash.len(), 64);
        let again = analyse_document(plan.as_bytes().to_vec(), DocumentType::Text, &AnalyseOptions::default()).unwrap();
        assert_eq!(again.text_hash, a.text_hash);
        let other = plan.replace("Ada", "Sam");
        let b = analyse_document(other.into_bytes(), DocumentType::Text, &AnalyseOptions::default()).unwrap();
        assert_ne!(a.text_hash, b.text_hash);
        assert_eq!(
            analyse_document(vec![], DocumentType::Text, &AnalyseOptions::default()).unwrap_err(),
            ExtractError::NoText
        );
    }

    #[test]
    fn file_types_come_from_the_extension_or_the_content() {
        assert_eq!(type_of_file("plan.PDF".as_ref(), b""), Some(DocumentType::Pdf));
        assert_eq!(type_of_file("plan.docx".as_ref(), b""), Some(DocumentType::Docx));
        assert_eq!(type_of_file("notes.txt".as_ref(), b"\xff"), Some(DocumentType::Text));
        assert_eq!(type_of_file("photo.jpg".as_ref(), b""), Some(DocumentType::Jpeg));
        assert_eq!(type_of_file("plan".as_ref(), b"%PDF-1.7"), Some(DocumentType::Pdf));
        assert_eq!(type_of_file("plan".as_ref(), b"PK\x03\x04rest"), Some(DocumentType::Docx));
        assert_eq!(type_of_file("plan".as_ref(), b"Section F"), Some(DocumentType::Text));
        assert_eq!(type_of_file("blob".as_ref(), &[0xff, 0xfe, 0x00, 0x80]), None);
    }

    #[test]
    fn the_summary_names_each_flag_and_its_reason() {
        let plan =
            "Section F: Special educational provision\nF1. Ada will have access to speech therapy as appropriate.\n";
        let doc = analyse_document(plan.as_bytes().to_vec(), DocumentType::Text, &AnalyseOptions::default()).unwrap();
        let text = summary("plan.txt", &doc);
        assert!(text.starts_with("plan.txt: "), "{text}");
        assert!(text.contains("sections found: F"), "{text}");
        assert!(text.contains(&format!("{} flags:", doc.analysis.findings.len())), "{text}");
        assert!(text.contains("[RED] Section F, vague_language (VL01)"), "{text}");
        assert!(text.contains("  why: ") && text.contains("  authority: "), "{text}");
    }
}
