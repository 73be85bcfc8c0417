//! Text on bundle pages: the standard Helvetica fonts every PDF reader has (nothing embedded),
//! their character widths for wrapping, the WinAnsi encoding they use, and the page layout of
//! text documents (Word and plain text files become pages of text).

use lopdf::Object;
use lopdf::content::Operation;

/// A4 in points.
pub const A4_WIDTH: f32 = 595.28;
pub const A4_HEIGHT: f32 = 841.89;
/// The band at the foot of every page that holds the stamp; nothing else is drawn in it.
pub const STAMP_BAND: f32 = 30.0;
/// Side and top margins of generated pages.
pub const MARGIN: f32 = 56.0;
/// Body text of converted documents.
pub const BODY_SIZE: f32 = 11.0;
pub const BODY_LEADING: f32 = 14.5;

/// Helvetica's advance widths (1/1000 em) for ASCII 32..=126, from its Adobe font metrics.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584,
];

/// The fonts generated pages use (resource names `F1`, `F2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    pub fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// Width of `text` at `size` points. Bold is measured 8% wider than regular, which
    /// over-estimates Helvetica-Bold slightly: lines wrap early rather than overflow.
    pub fn width(self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| match c as u32 {
                32..=126 => u32::from(HELVETICA[(c as usize) - 32]),
                _ => 600,
            })
            .sum();
        let factor = if self == Font::Bold { 1.08 } else { 1.0 };
        units as f32 * size / 1000.0 * factor
    }
}

/// `text` in WinAnsi (the standard fonts' encoding): Latin-1 as is, typographic quotes, dashes,
/// bullets, ellipsis and the euro sign at their WinAnsi codes, anything else as `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{2026}' => 0x85,
            '\u{20ac}' => 0x80,
            '\t' => b' ',
            _ => b'?',
        })
        .collect()
}

/// Operations drawing `text` at (x, y) in `font` and `size`, in `grey` (0 black, 1 white).
pub fn show(text: &str, font: Font, size: f32, x: f32, y: f32, grey: f32) -> Vec<Operation> {
    vec![
        Operation::new("BT", vec![]),
        Operation::new("g", vec![grey.into()]),
        Operation::new("Tf", vec![Object::Name(font.resource().as_bytes().to_vec()), size.into()]),
        Operation::new("Td", vec![x.into(), y.into()]),
        Operation::new("Tj", vec![Object::string_literal(win_ansi(text))]),
        Operation::new("ET", vec![]),
    ]
}

/// `text` cut to fit `width`, with an ellipsis when cut.
pub fn fit(text: &str, font: Font, size: f32, width: f32) -> String {
    if font.width(text, size) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if font.width(&out, size) + font.width("...", size) > width {
            out.pop();
            break;
        }
    }
    format!("{}...", out.trim_end())
}

/// Wraps one paragraph to lines no wider than `width`; a word longer than a line is broken.
pub fn wrap(paragraph: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in paragraph.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if font.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the line (a URL, a long reference) is broken across lines.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if font.width(&piece, size) > width {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        line = piece;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The lines of a text document laid out on A4 pages of body text, below a heading line that
/// says it was converted. The same layout counts a document's pages when its upload is confirmed
/// and prints it in a bundle, so the count is the pages printed.
pub fn paginate(text: &str) -> Vec<Vec<String>> {
    let width = A4_WIDTH - 2.0 * MARGIN;
    // The first body line sits below the conversion heading; the last above the stamp band.
    let top = A4_HEIGHT - MARGIN - 2.0 * BODY_LEADING;
    let bottom = STAMP_BAND + MARGIN * 0.5;
    let per_page = ((top - bottom) / BODY_LEADING).floor().max(1.0) as usize;
    let mut lines = Vec::new();
    for paragraph in text.replace("\r\n", "\n").split('\n') {
        if paragraph.trim().is_empty() {
            lines.push(String::new());
        } else {
            lines.extend(wrap(paragraph, Font::Regular, BODY_SIZE, width));
        }
    }
    // Blank lines at a page's top or the document's end are not worth a page.
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut page: Vec<String> = Vec::new();
    for line in lines {
        if page.is_empty() && line.is_empty() {
            continue;
        }
        page.push(line);
        if page.len() == per_page {
            pages.push(std::mem::take(&mut page));
        }
    }
    if !page.is_empty() || pages.is_empty() {
        pages.push(page);
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_within_the_width_and_long_words_break() {
        let text = "The local authority must issue the final plan within twenty weeks of the request.";
        for line in wrap(text, Font::Regular, 11.0, 150.0) {
            assert!(Font::Regular.width(&line, 11.0) <= 150.0, "{line}");
        }
        let url = "https://example.org/".repeat(10);
        let lines = wrap(&url, Font::Regular, 11.0, 100.0);
        assert!(lines.len() > 3 && lines.iter().all(|l| Font::Regular.width(l, 11.0) <= 100.0));
        assert_eq!(lines.concat(), url);
    }

    #[test]
    fn text_documents_fill_pages_in_order() {
        assert_eq!(paginate("").len(), 1, "an empty file is one (blank) page");
        let long: String = (1..=200).map(|n| format!("Paragraph {n}.\n")).collect();
        let pages = paginate(&long);
        assert!(pages.len() >= 4, "{} pages", pages.len());
        assert_eq!(pages.iter().flatten().filter(|l| !l.is_empty()).count(), 200);
        assert_eq!(pages[0][0], "Paragraph 1.");
    }

    #[test]
    fn typographic_characters_have_win_ansi_codes() {
        assert_eq!(win_ansi("‘a’ – “b” … €é"), b"\x91a\x92 \x96 \x93b\x94 \x85 \x80\xe9".to_vec());
        assert_eq!(win_ansi("日本"), b"??".to_vec());
        assert_eq!(fit("A very long title indeed", Font::Regular, 10.0, 60.0).chars().last(), Some('.'));
    }
}
