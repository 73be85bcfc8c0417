//! Normalised text, lines and sentences.
//!
//! Normalisation maps one character to one character, so a character offset into the normalised
//! text is the same offset into the extracted text the family can see (`docs/analyser.md`).

/// Maps dashes, quotes, odd spaces and control characters to one plain form each.
pub fn normalise(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '\u{FF07}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' | '\u{FF02}' => '"',
            '\u{000B}' | '\u{000C}' | '\u{2028}' | '\u{2029}' | '\u{0085}' => '\n',
            // A CR before an LF becomes a space, so CRLF files do not gain blank lines.
            '\r' => ' ',
            '\u{00A0}' | '\u{2000}'..='\u{200B}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}' => ' ',
            c if c.is_control() && c != '\n' && c != '\t' => ' ',
            c => c,
        })
        .collect()
}

/// One line of the text: byte offsets of its content with surrounding whitespace trimmed.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub start: usize,
    pub end: usize,
}

impl Line {
    pub fn is_blank(&self) -> bool {
        self.start == self.end
    }
}

/// The lines of `text`, each trimmed; blank lines are kept (they end paragraphs).
pub fn lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split('\n') {
        let lead = raw.len() - raw.trim_start().len();
        let trimmed = raw.trim();
        let start = offset + lead;
        out.push(Line { start, end: start + trimmed.len() });
        offset += raw.len() + 1;
    }
    out
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "eg", "ie", "dr", "mr", "mrs", "ms", "st", "no", "approx", "incl", "vs", "prof", "cf", "min",
    "mins", "wk",
];

/// Splits `text[start..end]` into sentences, returning byte ranges with whitespace trimmed.
pub fn sentences(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut begin = start;
    let mut i = start;
    while i < end {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?' | b';') && i + 1 < end && bytes[i + 1].is_ascii_whitespace() {
            let mut j = i + 1;
            while j < end && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let next_starts_sentence =
                j < end && (bytes[j].is_ascii_uppercase() || bytes[j].is_ascii_digit() || bytes[j] == b'"');
            if b != b';' && next_starts_sentence && !ends_with_abbreviation(&text[begin..i]) {
                push_trimmed(text, begin, i + 1, &mut out);
                begin = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    push_trimmed(text, begin, end, &mut out);
    out
}

fn ends_with_abbreviation(before: &str) -> bool {
    let word = before.rsplit(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
    let word = word.trim_end_matches('.').to_ascii_lowercase();
    // A single capital ("J. Smith") is an initial, not the end of a sentence.
    ABBREVIATIONS.contains(&word.as_str()) || (word.len() == 1 && word.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Pushes `text[start..end]` without its surrounding whitespace, if anything is left.
pub fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let slice = &text[start..end];
    let lead = slice.len() - slice.trim_start().len();
    let trimmed = slice.trim();
    if !trimmed.is_empty() {
        out.push((start + lead, start + lead + trimmed.len()));
    }
}

/// Converts byte offsets into character offsets in one pass over the text.
pub struct CharOffsets {
    ascii: bool,
}

impl CharOffsets {
    pub fn new(text: &str) -> Self {
        CharOffsets { ascii: text.is_ascii() }
    }

    /// Rewrites every offset in `offsets` (bytes into `text`) as a character offset.
    pub fn convert(&self, text: &str, offsets: &mut [&mut usize]) {
        if self.ascii || offsets.is_empty() {
            return;
        }
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| *offsets[i]);
        let mut chars = 0;
        let mut bytes = 0;
        let mut iter = text.chars();
        for i in order {
            let target = *offsets[i];
            while bytes < target {
                match iter.next() {
                    Some(c) => {
                        bytes += c.len_utf8();
                        chars += 1;
                    }
                    None => break,
                }
            }
            *offsets[i] = chars;
        }
    }
}

/// The first few letters of a word: enough to match "communicate" with "communication".
pub fn stem(word: &str) -> String {
    word.chars().take(5).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_keeps_one_char_per_char() {
        let raw = "Part F \u{2013} \u{201C}provision\u{201D}\r\nnext\u{00A0}line\u{000C}x";
        let n = normalise(raw);
        assert_eq!(n.chars().count(), raw.chars().count());
        assert_eq!(n, "Part F - \"provision\" \nnext line\nx");
    }

    #[test]
    fn sentences_skip_abbreviations_and_initials() {
        let t = "Use visuals, e.g. Widgit symbols. Dr. Patel agreed. J. Smith said so! Next one";
        let s: Vec<&str> = sentences(t, 0, t.len()).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(s, vec!["Use visuals, e.g. Widgit symbols.", "Dr. Patel agreed.", "J. Smith said so!", "Next one"]);
    }

    #[test]
    fn char_offsets_count_characters() {
        let t = "é – b";
        let b = t.find('b').unwrap();
        let mut x = b;
        CharOffsets::new(t).convert(t, &mut [&mut x]);
        assert_eq!(x, 4);
    }
}
