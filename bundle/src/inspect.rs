//! Measuring a document's file for a bundle: how many pages it takes and which look blank, and
//! whether it can be used at all (a password-protected or damaged PDF cannot).
//!
//! Files come from families' phones and scanners, so every entry point here survives anything:
//! a parser panic is caught and reported as a damaged file.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

/// Why a file cannot become bundle pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the PDF is password-protected")]
    Encrypted,
    #[error("the file is damaged or is not the type it claims to be")]
    Damaged,
}

/// What a file measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    pub pages: u32,
    /// 1-based numbers of pages with no text and nothing drawn.
    pub blank_pages: Vec<u32>,
}

/// Runs `f`, turning a panic inside a parser into [`Refusal::Damaged`].
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, Refusal>) -> Result<T, Refusal> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(Err(Refusal::Damaged))
}

/// Opens a PDF as the bundle will: refusing one still encrypted after opening (a PDF with only
/// an owner password opens and is used).
pub(crate) fn open_pdf(bytes: &[u8]) -> Result<Document, Refusal> {
    let doc = Document::load_mem(bytes).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => Refusal::Encrypted,
        _ => Refusal::Damaged,
    })?;
    if doc.is_encrypted() {
        return Err(Refusal::Encrypted);
    }
    if doc.get_pages().is_empty() {
        return Err(Refusal::Damaged);
    }
    Ok(doc)
}

/// Counts a PDF's pages and finds the blank ones.
pub fn measure_pdf(bytes: &[u8]) -> Result<Measured, Refusal> {
    guarded(|| {
        let doc = open_pdf(bytes)?;
        let pages = doc.get_pages();
        let mut blank_pages = Vec::new();
        for (n, id) in &pages {
            let content = doc.get_page_content(*id).map_err(|_| Refusal::Damaged)?;
            if is_blank(&content) {
                blank_pages.push(*n);
            }
        }
        Ok(Measured { pages: pages.len() as u32, blank_pages })
    })
}

/// A page whose content shows no text, paints no path and draws no image or form. Content that
/// cannot be decoded is not called blank (the family would be told to remove a page that may
/// carry something).
fn is_blank(content: &[u8]) -> bool {
    const INK: [&str; 16] = ["Tj", "TJ", "'", "\"", "Do", "BI", "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh"];
    match Content::decode(content) {
        Ok(c) => !c.operations.iter().any(|op| INK.contains(&op.operator.as_str())),
        Err(_) => false,
    }
}

/// A page attribute the page may inherit from its ancestors in the page tree (Resources,
/// MediaBox, CropBox, Rotate).
pub(crate) fn inherited(doc: &Document, page: ObjectId, key: &[u8]) -> Option<Object> {
    let mut dict: &Dictionary = doc.get_dictionary(page).ok()?;
    for _ in 0..64 {
        if let Ok(v) = dict.get(key) {
            return Some(v.clone());
        }
        let parent = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

/// A pixel image decoded for a page: 8-bit grey or RGB, alpha flattened onto white.
pub(crate) struct Pixels {
    pub width: u32,
    pub height: u32,
    pub colour: bool,
    pub data: Vec<u8>,
}

/// Decodes a PNG.
pub(crate) fn decode_png(bytes: &[u8]) -> Result<Pixels, Refusal> {
    guarded(|| {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(|_| Refusal::Damaged)?;
        let size = reader.output_buffer_size().ok_or(Refusal::Damaged)?;
        // A 50 MB file can claim billions of pixels: refuse what cannot be a page.
        if size > 400 * 1024 * 1024 {
            return Err(Refusal::Damaged);
        }
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(|_| Refusal::Damaged)?;
        buf.truncate(info.buffer_size());
        let (colour, channels, alpha) = match info.color_type {
            png::ColorType::Grayscale => (false, 1, false),
            png::ColorType::GrayscaleAlpha => (false, 2, true),
            png::ColorType::Rgb => (true, 3, false),
            png::ColorType::Rgba => (true, 4, true),
            png::ColorType::Indexed => return Err(Refusal::Damaged),
        };
        let data = if alpha {
            let out_channels = channels - 1;
            let mut out = Vec::with_capacity(buf.len() / channels * out_channels);
            for px in buf.chunks_exact(channels) {
                let a = u16::from(px[channels - 1]);
                for c in &px[..out_channels] {
                    out.push(((u16::from(*c) * a + 255 * (255 - a)) / 255) as u8);
                }
            }
            out
        } else {
            buf
        };
        Ok(Pixels { width: info.width, height: info.height, colour, data })
    })
}

/// A JPEG's size and colour components, from its frame header.
pub(crate) fn jpeg_header(bytes: &[u8]) -> Result<(u32, u32, u8), Refusal> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err(Refusal::Damaged);
    }
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return Err(Refusal::Damaged);
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let height = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
            let width = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
            let components = bytes[i + 9];
            if width == 0 || height == 0 || !matches!(components, 1 | 3 | 4) {
                return Err(Refusal::Damaged);
            }
            return Ok((width, height, components));
        }
        i += 2 + len;
    }
    Err(Refusal::Damaged)
}

/// An image is one page; a PNG whose pixels inside a 5% margin are all near-white is blank.
/// (JPEG pixels are not decoded here, so a JPEG is never called blank.)
pub fn measure_png(bytes: &[u8]) -> Result<Measured, Refusal> {
    let px = decode_png(bytes)?;
    let blank = png_is_blank(&px);
    Ok(Measured { pages: 1, blank_pages: if blank { vec![1] } else { Vec::new() } })
}

pub fn measure_jpeg(bytes: &[u8]) -> Result<Measured, Refusal> {
    jpeg_header(bytes)?;
    Ok(Measured { pages: 1, blank_pages: Vec::new() })
}

fn png_is_blank(px: &Pixels) -> bool {
    let channels = if px.colour { 3 } else { 1 };
    let (w, h) = (px.width as usize, px.height as usize);
    let (mx, my) = (w / 20, h / 20);
    let row = w * channels;
    (my..h.saturating_sub(my)).all(|y| {
        let start = y * row + mx * channels;
        let end = y * row + (w - mx) * channels;
        px.data.get(start..end).is_none_or(|s| s.iter().all(|v| *v >= 235))
    })
}
