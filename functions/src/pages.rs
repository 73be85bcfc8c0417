//! What a document's file measures for bundles, taken when its upload is confirmed: pages (a
//! PDF's, 1 per image, the rendered pages of Word and text files), which look blank, whether an
//! expert report opens with a summary, and whether the file can go into a bundle at all. The
//! rules that use these facts are in `senvault_domain::bundle`.

use std::time::Duration;

use senvault_bundle::{Refusal, text::paginate};
use senvault_domain::DocumentType;
use senvault_domain::bundle::{PageFacts, SUMMARY_WITHIN_PAGES, Unusable, has_summary_heading};

use crate::extraction::{ExtractError, Guarded, extract_now, guarded_within, pdf_first_pages};

/// How long measuring one file may take.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// The heading printed above a Word or text file's pages in a bundle.
pub fn converted_heading(content_type: DocumentType) -> String {
    let from = if content_type == DocumentType::Docx { "Word" } else { "a text file" };
    format!("Converted from {from} by the vault: the text is kept, the original layout is not")
}

/// Measures a file; `None` when it could not be measured in time (the bundle's checks then ask
/// for the upload to be confirmed again).
pub fn measure(bytes: Vec<u8>, content_type: DocumentType) -> Option<PageFacts> {
    match guarded_within(DEADLINE, move || measure_now(&bytes, content_type)) {
        Guarded::Done(facts) => Some(facts),
        Guarded::Panicked => Some(unusable(Unusable::Damaged)),
        Guarded::TimedOut => None,
    }
}

fn unusable(u: Unusable) -> PageFacts {
    PageFacts { pages: 0, blank_pages: Vec::new(), summary_heading: None, unusable: Some(u) }
}

fn refused(r: Refusal) -> PageFacts {
    unusable(match r {
        Refusal::Encrypted => Unusable::Encrypted,
        Refusal::Damaged => Unusable::Damaged,
    })
}

/// The text of a Word or text file as a bundle prints it ("" when it has none).
pub fn document_text(bytes: &[u8], content_type: DocumentType) -> Result<String, Unusable> {
    match extract_now(bytes, content_type) {
        Ok(text) => Ok(text),
        Err(ExtractError::NoText) => Ok(String::new()),
        Err(ExtractError::Encrypted) => Err(Unusable::Encrypted),
        Err(_) => Err(Unusable::Damaged),
    }
}

fn measure_now(bytes: &[u8], content_type: DocumentType) -> PageFacts {
    let measured = match content_type {
        DocumentType::Heic => return PageFacts { pages: 1, ..unusable(Unusable::Heic) },
        DocumentType::Pdf => senvault_bundle::measure_pdf(bytes),
        DocumentType::Jpeg => senvault_bundle::measure_jpeg(bytes),
        DocumentType::Png => senvault_bundle::measure_png(bytes),
        DocumentType::Docx | DocumentType::Text => {
            return match document_text(bytes, content_type) {
                Ok(text) => {
                    let pages = paginate(&text);
                    let first: Vec<&str> =
                        pages.iter().take(SUMMARY_WITHIN_PAGES as usize).flatten().map(String::as_str).collect();
                    let blank = text.trim().is_empty();
                    PageFacts {
                        pages: pages.len() as u32,
                        blank_pages: if blank { vec![1] } else { Vec::new() },
                        summary_heading: (!blank).then(|| has_summary_heading(&first.join("\n"))),
                        unusable: None,
                    }
                }
                Err(u) => unusable(u),
            };
        }
    };
    let m = match measured {
        Ok(m) => m,
        Err(r) => return refused(r),
    };
    let summary_heading = if content_type == DocumentType::Pdf {
        match pdf_first_pages(bytes, SUMMARY_WITHIN_PAGES) {
            Ok(text) if text.chars().any(char::is_alphanumeric) => Some(has_summary_heading(&text)),
            _ => None,
        }
    } else {
        None
    };
    PageFacts { pages: m.pages, blank_pages: m.blank_pages, summary_heading, unusable: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_file_is_measured() {
        let pdf = measure(senvault_bundle::sample_pdf("Report", 3), DocumentType::Pdf).unwrap();
        assert_eq!((pdf.pages, pdf.unusable, pdf.summary_heading), (3, None, Some(false)));
        let text = measure(b"Executive summary\nAda needs help.".to_vec(), DocumentType::Text).unwrap();
        assert_eq!((text.pages, text.summary_heading), (1, Some(true)));
        let heic = measure(b"....ftypheic".to_vec(), DocumentType::Heic).unwrap();
        assert_eq!(heic.unusable, Some(Unusable::Heic));
        let broken = measure(b"%PDF-1.7 garbage".to_vec(), DocumentType::Pdf).unwrap();
        assert_eq!(broken.unusable, Some(Unusable::Damaged));
        let empty = measure(b"   ".to_vec(), DocumentType::Text).unwrap();
        assert_eq!((empty.pages, empty.blank_pages), (1, vec![1]));
    }
}
