//! A document's bytes to the analyser's findings: extract the text, analyse it, and name the
//! text analysed by the SHA-256 of its normalised form (what flag spans point into). Shared by
//! the analyse endpoint and the `analyse` command of the local binary.

use senvault_domain::DocumentType;
use senvault_domain::analyser::{AnalyseError, AnalyseOptions, Analysis, analyse, normalise};
use sha2::{Digest, Sha256};

use crate::blobs::hex;
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
    Ok(AnalysedDocument {
        text_hash: hex(&Sha256::digest(normalised.as_bytes())),
        chars: normalised.chars().count(),
        analysis,
    })
}

/// The type of a file by its name, for files read from disk.
pub fn type_of_file(path: &std::path::Path) -> Option<DocumentType> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => Some(DocumentType::Pdf),
        "docx" => Some(DocumentType::Docx),
        "txt" | "text" | "md" => Some(DocumentType::Text),
        _ => None,
    }
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
    fn file_types_come_from_the_extension() {
        assert_eq!(type_of_file("plan.PDF".as_ref()), Some(DocumentType::Pdf));
        assert_eq!(type_of_file("plan.docx".as_ref()), Some(DocumentType::Docx));
        assert_eq!(type_of_file("notes.txt".as_ref()), Some(DocumentType::Text));
        assert_eq!(type_of_file("photo.jpg".as_ref()), None);
    }
}
