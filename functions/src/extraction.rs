//! Text extraction from vault documents: PDF, DOCX and plain text, all in pure Rust so that it
//! runs inside Lambda and the family's own deployment (documents are never sent to a third party; README, "Privacy").
//!
//! Every failure is a typed [`ExtractError`] with a reason a family can understand; nothing a
//! file contains can panic the caller or run without bounds: inputs are size-capped, the PDF
//! parser runs on its own thread behind `catch_unwind` with a deadline, and DOCX parts are read
//! through a size limit so a zip bomb stops at the limit.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

use quick_xml::Reader;
use quick_xml::events::Event;
use senvault_domain::DocumentType;
use senvault_domain::analyser::MAX_TEXT_BYTES;

/// The largest file read (the vault's own upload limit).
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
/// The largest uncompressed `word/document.xml` read from a DOCX.
pub const MAX_DOCX_XML_BYTES: u64 = 64 * 1024 * 1024;
/// How long extraction of one file may take.
pub const DEADLINE: Duration = Duration::from_secs(20);
/// Fewer readable characters than this per page means a scan or a picture.
const MIN_CHARS_PER_PAGE: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("This file is password-protected, so its text cannot be read. Save an unprotected copy and upload that.")]
    Encrypted,
    #[error(
        "This file looks like a scan or a picture: it has no text to read. Upload the original PDF or Word file if you have it."
    )]
    NoText,
    #[error("This file is damaged or is not a valid {0} file.")]
    Corrupt(&'static str),
    #[error("This file has too much text to analyse (more than {MAX_TEXT_BYTES} bytes).")]
    TooMuchText,
    #[error("This file is too large (the limit is 50 MB).")]
    TooLarge,
    #[error("Text cannot be read from {0} files; upload a PDF, Word (.docx) or text file.")]
    Unsupported(&'static str),
    #[error("Reading this file took too long; it may be damaged.")]
    TimedOut,
}

impl ExtractError {
    /// A short stable code for logs and metrics (never the file's content).
    pub fn code(&self) -> &'static str {
        match self {
            ExtractError::Encrypted => "encrypted",
            ExtractError::NoText => "no_text",
            ExtractError::Corrupt(_) => "corrupt",
            ExtractError::TooMuchText => "too_much_text",
            ExtractError::TooLarge => "too_large",
            ExtractError::Unsupported(_) => "unsupported",
            ExtractError::TimedOut => "timed_out",
        }
    }
}

/// Extracts the text of a file of the given type, within [`DEADLINE`].
pub fn extract(bytes: Vec<u8>, content_type: DocumentType) -> Result<String, ExtractError> {
    extract_within(bytes, content_type, DEADLINE)
}

/// As [`extract`], with a chosen deadline. The work runs on its own thread (with a generous
/// stack for deeply nested files); if the deadline passes the caller gets `TimedOut` and the
/// thread is left to finish on its own.
pub fn extract_within(bytes: Vec<u8>, content_type: DocumentType, deadline: Duration) -> Result<String, ExtractError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ExtractError::TooLarge);
    }
    match guarded_within(deadline, move || extract_now(&bytes, content_type)) {
        Guarded::Done(result) => result,
        Guarded::Panicked => Err(ExtractError::Corrupt(kind_name(content_type))),
        Guarded::TimedOut => Err(ExtractError::TimedOut),
    }
}

/// How work on a file ended.
pub enum Guarded<T> {
    Done(T),
    /// A parser panicked on the file (only the location is logged, never the file's content).
    Panicked,
    TimedOut,
}

/// Runs work on a file on its own thread (with a generous stack for deeply nested files),
/// catching a parser's panic; if the deadline passes the caller gets `TimedOut` and the thread is
/// left to finish on its own. Every parser of families' files runs through this.
pub fn guarded_within<T: Send + 'static>(deadline: Duration, work: impl FnOnce() -> T + Send + 'static) -> Guarded<T> {
    quiet_parser_panics();
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new().name(THREAD.into()).stack_size(64 * 1024 * 1024).spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(work)).map_or(Guarded::Panicked, Guarded::Done);
        let _ = tx.send(result);
    });
    if spawned.is_err() {
        return Guarded::TimedOut;
    }
    rx.recv_timeout(deadline).unwrap_or(Guarded::TimedOut)
}

/// The name of extraction threads.
const THREAD: &str = "extract";

/// The PDF parser panics on some malformed files (a missing key, a wrong type); the panic is
/// caught and the file reported as damaged. Its message may quote parts of the file, so on
/// extraction threads only the location is logged; elsewhere panics report as before.
fn quiet_parser_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(THREAD) {
                let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
                tracing::warn!(at, "the document parser failed on a file; reported as damaged");
            } else {
                previous(info);
            }
        }));
    });
}

pub(crate) fn kind_name(t: DocumentType) -> &'static str {
    match t {
        DocumentType::Pdf => "PDF",
        DocumentType::Docx => "Word",
        DocumentType::Text => "text",
        DocumentType::Jpeg => "JPEG",
        DocumentType::Png => "PNG",
        DocumentType::Heic => "HEIC",
    }
}

/// Extraction on the calling thread. Used by the deadline wrapper and by fuzzing.
pub fn extract_now(bytes: &[u8], content_type: DocumentType) -> Result<String, ExtractError> {
    let text = match content_type {
        DocumentType::Pdf => pdf(bytes)?,
        DocumentType::Docx => docx(bytes)?,
        DocumentType::Text => plain(bytes)?,
        other => return Err(ExtractError::Unsupported(kind_name(other))),
    };
    if text.len() > MAX_TEXT_BYTES {
        return Err(ExtractError::TooMuchText);
    }
    if text.trim().is_empty() {
        return Err(ExtractError::NoText);
    }
    Ok(text)
}

fn pdf(bytes: &[u8]) -> Result<String, ExtractError> {
    if !bytes.starts_with(b"%PDF-") && !bytes.get(..1024).is_some_and(|h| h.windows(5).any(|w| w == b"%PDF-")) {
        return Err(ExtractError::Corrupt("PDF"));
    }
    // Parsed once: decrypted (files protected only against editing open with an empty
    // password), checked for structures the parser cannot survive, then read.
    let mut doc = pdf_extract::Document::load_mem(bytes).map_err(|_| ExtractError::Corrupt("PDF"))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(ExtractError::Encrypted);
    }
    check_pdf_structure(&doc)?;
    let pages = doc.get_pages().len().max(1);
    let mut text = String::new();
    pdf_extract::output_doc(&doc, &mut pdf_extract::PlainTextOutput::new(&mut text))
        .map_err(|_| ExtractError::Corrupt("PDF"))?;
    let readable = text.chars().filter(|c| c.is_alphanumeric()).count();
    if readable < MIN_CHARS_PER_PAGE * pages.min(3) {
        return Err(ExtractError::NoText);
    }
    Ok(text)
}

/// The text of a PDF's first `pages` pages (for a bundle's check that an expert report opens
/// with a summary), with the same guards as [`extract_now`].
pub fn pdf_first_pages(bytes: &[u8], pages: u32) -> Result<String, ExtractError> {
    let mut doc = pdf_extract::Document::load_mem(bytes).map_err(|_| ExtractError::Corrupt("PDF"))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(ExtractError::Encrypted);
    }
    check_pdf_structure(&doc)?;
    let mut text = String::new();
    let last = (doc.get_pages().len() as u32).min(pages);
    for page in 1..=last {
        pdf_extract::output_doc_page(&doc, &mut pdf_extract::PlainTextOutput::new(&mut text), page)
            .map_err(|_| ExtractError::Corrupt("PDF"))?;
        text.push('\n');
    }
    Ok(text)
}

/// The PDF parser follows `/Parent` links (for inherited resources) and form XObjects (`Do`)
/// by recursion without a limit: a file with a cycle in either recurses until the stack
/// overflows, which aborts the whole process rather than one thread. Such files — and forms
/// nested deeper than any real plan needs — are refused here, before the parser sees them.
fn check_pdf_structure(doc: &pdf_extract::Document) -> Result<(), ExtractError> {
    use std::collections::HashSet;
    const MAX_DEPTH: usize = 32;
    let corrupt = ExtractError::Corrupt("PDF");
    let mut budget = 100_000usize;
    for page_id in doc.get_pages().into_values() {
        let mut seen = HashSet::new();
        let mut id = page_id;
        let mut resources = None;
        loop {
            if !seen.insert(id) || seen.len() > MAX_DEPTH {
                return Err(corrupt);
            }
            let Ok(dict) = doc.get_dictionary(id) else { break };
            if resources.is_none() {
                resources = dict.get(b"Resources").ok().and_then(|r| pdf_dict(doc, r));
            }
            match dict.get(b"Parent").and_then(|p| p.as_reference()) {
                Ok(parent) => id = parent,
                Err(_) => break,
            }
        }
        let content = doc.get_page_content(page_id).unwrap_or_default();
        check_forms(doc, &content, resources, &mut Vec::new(), &mut budget)?;
    }
    Ok(())
}

fn pdf_dict<'a>(doc: &'a pdf_extract::Document, o: &'a pdf_extract::Object) -> Option<&'a pdf_extract::Dictionary> {
    doc.dereference(o).ok().and_then(|(_, o)| o.as_dict().ok())
}

/// Walks the forms a content stream draws (`/Name Do`), as the parser will, refusing a form
/// that draws itself through any path, nesting past the limit, or too many forms in all.
fn check_forms(
    doc: &pdf_extract::Document,
    content: &[u8],
    resources: Option<&pdf_extract::Dictionary>,
    path: &mut Vec<pdf_extract::ObjectId>,
    budget: &mut usize,
) -> Result<(), ExtractError> {
    let corrupt = ExtractError::Corrupt("PDF");
    let Ok(ops) = pdf_extract::content::Content::decode(content) else { return Ok(()) };
    let xobjects = resources.and_then(|r| r.get(b"XObject").ok()).and_then(|x| pdf_dict(doc, x));
    for op in ops.operations.iter().filter(|op| op.operator == "Do") {
        let Some(name) = op.operands.first().and_then(|n| n.as_name().ok()) else { continue };
        let Some(id) = xobjects.and_then(|x| x.get(name).ok()).and_then(|r| r.as_reference().ok()) else { continue };
        *budget = budget.checked_sub(1).ok_or(ExtractError::Corrupt("PDF"))?;
        if path.contains(&id) || path.len() >= 32 {
            return Err(corrupt);
        }
        let Ok(form) = doc.get_object(id).and_then(|o| o.as_stream()) else { continue };
        if form.dict.get(b"Subtype").and_then(|s| s.as_name()).ok() != Some(b"Form".as_slice()) {
            continue;
        }
        let own = form.dict.get(b"Resources").ok().and_then(|r| pdf_dict(doc, r));
        let inner = form.decompressed_content().unwrap_or_else(|_| form.content.clone());
        path.push(id);
        check_forms(doc, &inner, own.or(resources), path, budget)?;
        path.pop();
    }
    Ok(())
}

/// A DOCX is a zip; its body is `word/document.xml`. Paragraphs become lines, table cells are
/// joined with ` | ` so that "Need | Outcome | Provision" tables keep their columns, and list
/// paragraphs get a bullet so that each list entry is an item.
fn docx(bytes: &[u8]) -> Result<String, ExtractError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| ExtractError::Corrupt("Word"))?;
    if archive.len() > 10_000 {
        return Err(ExtractError::Corrupt("Word"));
    }
    let mut entry = archive.by_name("word/document.xml").map_err(|e| match e {
        zip::result::ZipError::UnsupportedArchive(m) if m.contains("ncrypt") || m.contains("assword") => {
            ExtractError::Encrypted
        }
        _ => ExtractError::Corrupt("Word"),
    })?;
    if entry.encrypted() {
        return Err(ExtractError::Encrypted);
    }
    let mut xml = Vec::new();
    (&mut entry).take(MAX_DOCX_XML_BYTES + 1).read_to_end(&mut xml).map_err(|_| ExtractError::Corrupt("Word"))?;
    if xml.len() as u64 > MAX_DOCX_XML_BYTES {
        return Err(ExtractError::TooMuchText);
    }
    document_xml(&xml)
}

fn document_xml(xml: &[u8]) -> Result<String, ExtractError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut out = String::new();
    let mut buf = Vec::new();
    let mut in_text = false;
    let mut cell_depth = 0usize;
    let mut cells_in_row = 0usize;
    let mut paragraph_is_list = false;
    let mut paragraph_start = 0usize;
    let mut depth = 0usize;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|_| ExtractError::Corrupt("Word"))?;
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            // A document cut short is damaged, even if some text could be read.
            Event::Eof if depth != 0 => return Err(ExtractError::Corrupt("Word")),
            _ => {}
        }
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"numPr" => paragraph_is_list = true,
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => in_text = true,
                b"p" => {
                    paragraph_is_list = false;
                    paragraph_start = out.len();
                }
                b"tc" => {
                    if cells_in_row > 0 {
                        out.truncate(out.trim_end_matches(' ').len());
                        out.push_str(" | ");
                    }
                    cells_in_row += 1;
                    cell_depth += 1;
                }
                b"tr" => cells_in_row = 0,
                b"tab" => out.push('\t'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => out.push(if cell_depth > 0 { ' ' } else { '\t' }),
                b"br" | b"cr" => out.push(if cell_depth > 0 { ' ' } else { '\n' }),
                _ => {}
            },
            Event::Text(t) if in_text => {
                // Since quick-xml 0.38 entity references arrive as their own events.
                let s = t.decode().map_err(|_| ExtractError::Corrupt("Word"))?;
                out.push_str(&s);
            }
            Event::GeneralRef(r) if in_text => {
                let name = r.decode().map_err(|_| ExtractError::Corrupt("Word"))?;
                match quick_xml::escape::resolve_predefined_entity(&name) {
                    Some(s) => out.push_str(s),
                    None => {
                        if let Some(c) = r.resolve_char_ref().ok().flatten() {
                            out.push(c);
                        }
                    }
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    if paragraph_is_list && out.len() > paragraph_start {
                        out.insert_str(paragraph_start, "• ");
                    }
                    out.push(if cell_depth > 0 { ' ' } else { '\n' });
                }
                b"tc" => cell_depth = cell_depth.saturating_sub(1),
                b"tr" => {
                    out.truncate(out.trim_end_matches(' ').len());
                    out.push('\n');
                }
                b"tbl" => out.push('\n'),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        if out.len() > MAX_TEXT_BYTES {
            return Err(ExtractError::TooMuchText);
        }
        buf.clear();
    }
    Ok(out)
}

/// Plain text: UTF-8, UTF-16 with a byte-order mark, else Windows-1252 (what older Windows
/// editors save). Bytes that are mostly control characters are not text.
fn plain(bytes: &[u8]) -> Result<String, ExtractError> {
    let text = if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        enc.decode_without_bom_handling(&bytes[bom..]).0.into_owned()
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
        }
    };
    let control = text.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{0C}')).count();
    if control * 20 > text.chars().count() {
        return Err(ExtractError::Corrupt("text"));
    }
    Ok(text)
}
