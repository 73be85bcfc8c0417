//! Splitting a plan into sections (DOMAIN §2.1) and sections into items (§6 pipeline).

use crate::vocab::Section;

use super::text::{Line, lines, sentences};

/// Areas of need (DOMAIN §6.5). Sub-headings set an item's area; keywords infer it otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    CommunicationInteraction,
    CognitionLearning,
    Semh,
    SensoryPhysical,
    Adulthood,
}

/// One unit the rules score: a table cell, a bullet, a numbered item or a sentence.
#[derive(Debug, Clone)]
pub struct Item {
    pub section: Section,
    /// Byte range in the normalised text.
    pub start: usize,
    pub end: usize,
    /// Area from the nearest area-of-need sub-heading.
    pub area: Option<Area>,
    /// The number of a cross-referenced item: `F3.2` → 3.
    pub number: Option<u16>,
    /// Row of a "Need | Outcome | Provision" table: cells of one row are linked.
    pub row: Option<usize>,
}

/// Where a section's heading was found.
#[derive(Debug, Clone, Copy)]
pub struct HeadingAt {
    pub section: Section,
    pub start: usize,
    pub end: usize,
}

/// A plan split into sections and items.
#[derive(Debug, Default)]
pub struct Segmented {
    pub headings: Vec<HeadingAt>,
    /// A plain "Section H" heading: H1 and H2 are not separately identified.
    pub h_merged: bool,
    pub items: Vec<Item>,
}

impl Segmented {
    pub fn has(&self, section: Section) -> bool {
        self.headings.iter().any(|h| h.section == section)
    }

    pub fn items_in(&self, section: Section) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |i| i.section == section)
    }

    pub fn heading(&self, section: Section) -> Option<&HeadingAt> {
        self.headings.iter().find(|h| h.section == section)
    }
}

const TITLES: &[(Section, &[&str])] = &[
    (
        Section::A,
        &[
            "all about me",
            "views, interests and aspirations",
            "views interests and aspirations",
            "the views, interests and aspirations",
            "my views",
            "about me",
        ],
    ),
    (
        Section::B,
        &["special educational needs", "my special educational needs", "my needs", "educational needs", "sen"],
    ),
    (Section::C, &["health needs", "health care needs", "healthcare needs", "my health needs", "health"]),
    (Section::D, &["social care needs", "my social care needs", "social care"]),
    (Section::E, &["outcomes", "outcomes sought", "my outcomes", "the outcomes sought"]),
    (
        Section::F,
        &[
            "special educational provision",
            "educational provision",
            "provision to meet my needs",
            "provision to meet my special educational needs",
            "my special educational provision",
            "provision",
        ],
    ),
    (Section::G, &["health provision", "health care provision", "healthcare provision", "my health provision"]),
    (Section::H2, &["other social care provision", "any other social care provision"]),
    (
        Section::H1,
        &[
            "social care provision (s.2",
            "social care provision under s",
            "social care provision which must be made",
            "social care provision under the chronically",
            "chronically sick",
            "csdpa",
        ],
    ),
    (
        Section::I,
        &[
            "placement",
            "name and type of school",
            "name and type of",
            "school or other institution",
            "name of school",
            "educational placement",
            "type of school",
            "school",
        ],
    ),
    (Section::J, &["personal budget", "personal budgets", "direct payments"]),
    (Section::K, &["advice and information", "appendices", "advice and information gathered", "appendix"]),
];

/// Titles too generic to be a heading alone on a line; they count only after a letter form.
const GENERIC_TITLES: &[&str] = &[
    "provision",
    "school",
    "health",
    "sen",
    "social care",
    "appendix",
    "about me",
    "my views",
    "placement",
    "outcomes",
];

/// A plain "social care provision" title: H without H1/H2.
const MERGED_H_TITLE: &str = "social care provision";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Heading {
    Section(Section),
    MergedH,
}

/// Whether `rest` starts with `title` followed by nothing, punctuation or a short qualifier.
fn title_then_tail(rest: &str, title: &str) -> bool {
    let Some(tail) = rest.strip_prefix(title) else { return false };
    let tail = tail.trim_start();
    tail.is_empty()
        || tail.starts_with(['(', ':', '-', ',', '/', '&'])
        || ["for ", "of ", "sought", "and ", "continued", "(continued", "- "].iter().any(|p| tail.starts_with(p))
}

/// `title_only`: the line has no letter form, so generic titles do not count.
fn title_section(rest_lower: &str, title_only: bool) -> Option<Heading> {
    for (section, titles) in TITLES {
        if titles.iter().any(|t| !(title_only && GENERIC_TITLES.contains(t)) && title_then_tail(rest_lower, t)) {
            return Some(Heading::Section(*section));
        }
    }
    if title_then_tail(rest_lower, MERGED_H_TITLE) {
        return Some(Heading::MergedH);
    }
    None
}

/// Recognises a section heading line (DOMAIN §2.1).
fn heading(line: &str) -> Option<Heading> {
    if line.chars().count() > 120 || line.is_empty() {
        return None;
    }
    let lower = line.to_lowercase();
    let (prefixed, after_prefix) = ["section", "part"]
        .iter()
        .find_map(|p| {
            lower.strip_prefix(p).filter(|r| r.starts_with([' ', '\t', ':', '-'])).map(|r| (true, r.trim_start()))
        })
        .unwrap_or((false, lower.as_str()));
    let offset = lower.len() - after_prefix.len();
    let original = &line[offset..];
    if let Some((letter, rest)) = letter_form(original, prefixed) {
        let rest = rest.trim();
        if rest.ends_with('.') && rest.len() > 1 {
            return None;
        }
        let rest_lower = rest.to_lowercase();
        let rest_lower = rest_lower.trim_start_matches([':', '.', ')', '-', ' ']);
        let titled = title_section(rest_lower, false);
        return match letter {
            Heading::Section(Section::A) if !prefixed && titled != Some(Heading::Section(Section::A)) => None,
            _ if prefixed || rest_lower.is_empty() || titled.is_some() => Some(letter),
            _ => None,
        };
    }
    if line.ends_with('.') || line.split_whitespace().count() > 12 {
        return None;
    }
    let rest = after_prefix.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ');
    title_section(rest, true)
}

/// `H1`, `H (2)`, `F` followed by `:`, `.`, `)`, `-`, end of line, or (after "Section") a space.
fn letter_form(s: &str, prefixed: bool) -> Option<(Heading, &str)> {
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    let first = if prefixed { first.to_ascii_uppercase() } else { first };
    if !('A'..='K').contains(&first) {
        return None;
    }
    let mut end = first.len_utf8();
    let mut heading = Heading::Section(section_of_letter(first)?);
    if first == 'H' {
        let tail = &s[end..];
        let t = tail.trim_start();
        let t2 = t.strip_prefix('(').unwrap_or(t);
        match t2.chars().next() {
            Some(d @ ('1' | '2')) => {
                let consumed = tail.len() - t2.len() + 1;
                let mut e = end + consumed;
                if s[e..].starts_with(')') && t.starts_with('(') {
                    e += 1;
                }
                end = e;
                heading = Heading::Section(if d == '1' { Section::H1 } else { Section::H2 });
            }
            _ => heading = Heading::MergedH,
        }
    }
    let rest = &s[end..];
    let next = rest.chars().next();
    let ok = match next {
        None => true,
        Some(c) if c.is_alphanumeric() => false,
        Some(':' | ')' | '-') => true,
        Some('.') => {
            !rest[1..].trim_start().to_ascii_lowercase().starts_with(['g', 'e']) || rest.len() == 1 || prefixed
        }
        // "H (1) Social care provision": a bare letter then a title; `heading` checks the title.
        Some(c) if c.is_whitespace() => true,
        _ => false,
    };
    // "E.g." and "I.e." are not headings.
    if next == Some('.') && rest.len() >= 3 && rest.as_bytes()[2] == b'.' {
        return None;
    }
    ok.then_some((heading, rest))
}

fn section_of_letter(c: char) -> Option<Section> {
    Some(match c {
        'A' => Section::A,
        'B' => Section::B,
        'C' => Section::C,
        'D' => Section::D,
        'E' => Section::E,
        'F' => Section::F,
        'G' => Section::G,
        'H' => Section::H1,
        'I' => Section::I,
        'J' => Section::J,
        'K' => Section::K,
        _ => return None,
    })
}

const AREA_HEADINGS: &[(&str, Area)] = &[
    ("communication and interaction", Area::CommunicationInteraction),
    ("communication & interaction", Area::CommunicationInteraction),
    ("speech, language and communication", Area::CommunicationInteraction),
    ("cognition and learning", Area::CognitionLearning),
    ("cognition & learning", Area::CognitionLearning),
    ("social, emotional and mental health", Area::Semh),
    ("social emotional and mental health", Area::Semh),
    ("social, emotional & mental health", Area::Semh),
    ("semh", Area::Semh),
    ("sensory and/or physical", Area::SensoryPhysical),
    ("sensory and / or physical", Area::SensoryPhysical),
    ("sensory and physical", Area::SensoryPhysical),
    ("physical and sensory", Area::SensoryPhysical),
    ("physical and/or sensory", Area::SensoryPhysical),
    ("preparing for adulthood", Area::Adulthood),
    ("preparation for adulthood", Area::Adulthood),
];

/// An area-of-need sub-heading such as "Communication and interaction needs".
fn area_heading(line: &str) -> Option<Area> {
    if line.len() > 80 || line.ends_with('.') || line.split_whitespace().count() > 8 {
        return None;
    }
    let lower = line.to_lowercase();
    let lower = lower.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | ' ' | '-' | '•'));
    AREA_HEADINGS
        .iter()
        .find(|(t, _)| {
            title_then_tail(lower, t) || lower.strip_prefix(t).is_some_and(|r| r.trim_start().starts_with("need"))
        })
        .map(|(_, a)| *a)
}

/// A bullet or list marker at the start of a line; returns the marker's length in bytes.
fn list_marker(line: &str) -> Option<usize> {
    let mut chars = line.char_indices();
    let (_, c) = chars.next()?;
    if matches!(
        c,
        '•' | '●' | '▪' | '■' | '◦' | '‣' | '∙' | '·' | '-' | '*' | '–' | '\u{F0B7}' | '\u{F0A7}' | '➢' | '✓'
    ) {
        return Some(c.len_utf8());
    }
    if c == 'o' && line[1..].starts_with(' ') {
        return Some(1);
    }
    // "1.", "12)", "(a)", "a)", "(iv)"
    let body = line.strip_prefix('(').unwrap_or(line);
    let open = line.len() - body.len();
    let token: String = body.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let close = body[token.len()..].chars().next();
    let numeric = !token.is_empty() && token.len() <= 2 && token.chars().all(|c| c.is_ascii_digit());
    let lettered = !token.is_empty() && token.len() <= 4 && token.chars().all(|c| c.is_ascii_lowercase());
    let after = body[token.len()..].chars().nth(1);
    match close {
        Some('.' | ')')
            if (numeric || (lettered && (open == 1 || close == Some(')'))))
                && after.is_none_or(char::is_whitespace) =>
        {
            Some(open + token.len() + 1)
        }
        _ => None,
    }
}

/// A cross-referenced item number at the start of a line: `B3`, `F3.2:`, `H1.2`.
fn item_number(line: &str) -> Option<(u16, usize)> {
    let bytes = line.as_bytes();
    let first = *bytes.first()?;
    if !(b'A'..=b'K').contains(&first) {
        return None;
    }
    let mut i = 1;
    if first == b'H' && bytes.get(1).is_some_and(|b| matches!(b, b'1' | b'2')) && bytes.get(2) == Some(&b'.') {
        i = 3;
    }
    let digits_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() && i - digits_start < 3 {
        i += 1;
    }
    if i == digits_start {
        return None;
    }
    let number: u16 = line[digits_start..i].parse().ok()?;
    while i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < bytes.len() && matches!(bytes[i], b'.' | b':' | b')' | b'-') {
        i += 1;
    }
    if i < bytes.len() && !bytes[i].is_ascii_whitespace() {
        return None;
    }
    Some((number, i))
}

/// Lines that repeat on every page ("Page 3 of 20") and carry nothing.
fn is_page_furniture(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    (lower.starts_with("page ") && lower.len() < 20 && lower[5..].chars().next().is_some_and(|c| c.is_ascii_digit()))
        || (lower.chars().all(|c| c.is_ascii_digit()) && lower.len() < 5)
}

/// Table columns mapped to sections ("Need | Outcome | Provision").
fn table_header(cells: &[(usize, usize)], text: &str) -> Option<Vec<Option<Section>>> {
    let map: Vec<Option<Section>> = cells
        .iter()
        .map(|&(s, e)| {
            let c = text[s..e].to_lowercase();
            if c.contains("provision") {
                Some(Section::F)
            } else if c.contains("outcome") {
                Some(Section::E)
            } else if c.contains("need") {
                Some(Section::B)
            } else {
                None
            }
        })
        .collect();
    (map.iter().filter(|m| m.is_some()).count() >= 2).then_some(map)
}

/// Cells of a text-table row split on `|` or tabs; `None` if the line is not a row.
fn cells(text: &str, line: Line) -> Option<Vec<(usize, usize)>> {
    let s = &text[line.start..line.end];
    if !s.contains(['|', '\t']) {
        return None;
    }
    let mut out = Vec::new();
    let mut offset = line.start;
    for part in s.split(['|', '\t']) {
        let lead = part.len() - part.trim_start().len();
        let t = part.trim();
        if !t.is_empty() {
            out.push((offset + lead, offset + lead + t.len()));
        }
        offset += part.len() + 1;
    }
    (out.len() >= 2).then_some(out)
}

struct Open {
    start: usize,
    end: usize,
    marked: bool,
    number: Option<u16>,
}

/// Splits normalised text into sections and items.
pub fn segment(text: &str) -> Segmented {
    let mut seg = Segmented::default();
    let mut current: Option<Section> = None;
    let mut area: Option<Area> = None;
    let mut open: Option<Open> = None;
    let mut table: Option<Vec<Option<Section>>> = None;
    let mut rows = 0usize;

    let flush = |open: &mut Option<Open>, seg: &mut Segmented, section: Option<Section>, area: Option<Area>| {
        if let (Some(o), Some(section)) = (open.take(), section) {
            let parts = if o.marked { vec![(o.start, o.end)] } else { sentences(text, o.start, o.end) };
            for (start, end) in parts {
                seg.items.push(Item { section, start, end, area, number: o.number, row: None });
            }
        }
    };

    for line in lines(text) {
        let s = &text[line.start..line.end];
        if line.is_blank() {
            flush(&mut open, &mut seg, current, area);
            table = None;
            continue;
        }
        if is_page_furniture(s) {
            continue;
        }
        if let Some(h) = heading(s) {
            flush(&mut open, &mut seg, current, area);
            table = None;
            let section = match h {
                Heading::Section(sec) => sec,
                Heading::MergedH => {
                    seg.h_merged = true;
                    Section::H1
                }
            };
            if current != Some(section) {
                area = None;
            }
            current = Some(section);
            seg.headings.push(HeadingAt { section, start: line.start, end: line.end });
            continue;
        }
        if let Some(a) = area_heading(s) {
            flush(&mut open, &mut seg, current, area);
            area = Some(a);
            continue;
        }
        if let Some(cells) = cells(text, line) {
            flush(&mut open, &mut seg, current, area);
            if let Some(map) = table_header(&cells, text) {
                table = Some(map);
                continue;
            }
            rows += 1;
            match &table {
                Some(map) => {
                    for (i, &(start, end)) in cells.iter().enumerate() {
                        if let Some(Some(section)) = map.get(i) {
                            seg.items.push(Item { section: *section, start, end, area, number: None, row: Some(rows) });
                        }
                    }
                }
                None => {
                    if let Some(section) = current {
                        seg.items.push(Item {
                            section,
                            start: line.start,
                            end: line.end,
                            area,
                            number: None,
                            row: None,
                        });
                    }
                }
            }
            continue;
        }
        table = None;
        let numbered = item_number(s);
        let marker = numbered.map(|(_, len)| len).or_else(|| list_marker(s));
        match marker {
            Some(len) => {
                flush(&mut open, &mut seg, current, area);
                let body = &s[len..];
                let lead = body.len() - body.trim_start().len();
                let start = line.start + len + lead;
                if start < line.end {
                    open = Some(Open { start, end: line.end, marked: true, number: numbered.map(|(n, _)| n) });
                }
            }
            None => match &mut open {
                Some(o) => o.end = line.end,
                None => open = Some(Open { start: line.start, end: line.end, marked: false, number: None }),
            },
        }
    }
    flush(&mut open, &mut seg, current, area);
    seg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(line: &str) -> Option<Section> {
        match heading(line) {
            Some(Heading::Section(s)) => Some(s),
            Some(Heading::MergedH) => Some(Section::H1),
            None => None,
        }
    }

    #[test]
    fn heading_styles() {
        assert_eq!(h("Section F: Special educational provision"), Some(Section::F));
        assert_eq!(h("PART F - Special Educational Provision"), Some(Section::F));
        assert_eq!(h("F. Special educational provision"), Some(Section::F));
        assert_eq!(h("F:"), Some(Section::F));
        assert_eq!(h("Special Educational Provision"), Some(Section::F));
        assert_eq!(h("Special educational provision (continued)"), Some(Section::F));
        assert_eq!(h("Section B"), Some(Section::B));
        assert_eq!(h("B) Special educational needs"), Some(Section::B));
        assert_eq!(h("H1: Social care provision (s.2 CSDPA)"), Some(Section::H1));
        assert_eq!(h("H (2) Other social care provision"), Some(Section::H2));
        assert_eq!(h("Section H2 - Other social care provision"), Some(Section::H2));
        assert_eq!(h("Section A: All about me"), Some(Section::A));
        assert_eq!(h("A. All about me"), Some(Section::A));
        assert_eq!(h("Outcomes sought for Noah"), Some(Section::E));
        assert_eq!(heading("Section H: Social care provision"), Some(Heading::MergedH));
        // Not headings.
        assert_eq!(h("A) Noah will see the therapist"), None);
        assert_eq!(h("B3. Noah struggles with speech sounds"), None);
        assert_eq!(h("E.g. visual timetables"), None);
        assert_eq!(h("F3.2 Direct speech and language therapy"), None);
        assert_eq!(h("Special educational provision will be reviewed at the annual review."), None);
        assert_eq!(h("Special educational provision will be reviewed at"), None);
        assert_eq!(h("I like football and trains"), None);
        assert_eq!(h("B) He will receive 1:1 support"), None);
    }

    #[test]
    fn items_bullets_numbers_sentences_and_areas() {
        let text = "Section B: Special educational needs\nCommunication and interaction\nB1. Noah struggles with speech sounds. He is hard to understand.\nHe has a stammer.\n\nNoah loves trains. He finds it hard to wait.\n\nSection F\n• Direct SALT 1:1,\n  30 minutes weekly\n- ELSA weekly\n";
        let seg = segment(text);
        let items: Vec<(Section, &str, Option<Area>, Option<u16>)> =
            seg.items.iter().map(|i| (i.section, &text[i.start..i.end], i.area, i.number)).collect();
        let ci = Some(Area::CommunicationInteraction);
        assert_eq!(
            items,
            vec![
                (
                    Section::B,
                    "Noah struggles with speech sounds. He is hard to understand.\nHe has a stammer.",
                    ci,
                    Some(1)
                ),
                (Section::B, "Noah loves trains.", ci, None),
                (Section::B, "He finds it hard to wait.", ci, None),
                (Section::F, "Direct SALT 1:1,\n  30 minutes weekly", None, None),
                (Section::F, "ELSA weekly", None, None),
            ]
        );
    }

    #[test]
    fn need_outcome_provision_tables_map_columns() {
        let text = "Section B\nNeed | Outcome | Provision\nSpeech sounds unclear | By July 2027 says 10 target sounds | Direct SALT weekly\n";
        let seg = segment(text);
        let got: Vec<(Section, &str, Option<usize>)> =
            seg.items.iter().map(|i| (i.section, &text[i.start..i.end], i.row)).collect();
        assert_eq!(
            got,
            vec![
                (Section::B, "Speech sounds unclear", Some(1)),
                (Section::E, "By July 2027 says 10 target sounds", Some(1)),
                (Section::F, "Direct SALT weekly", Some(1)),
            ]
        );
    }
}
