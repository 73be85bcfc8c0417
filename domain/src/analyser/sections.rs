//! Splitting a plan into sections (SEND Regs 2014 reg 12) and sections into items (`docs/analyser.md`).

use crate::vocab::Section;

use super::text::{Line, lines, push_trimmed};

/// Areas of need (SEND Code of Practice 9.69: provision must meet each need in Section B). Sub-headings set an item's area; keywords infer it otherwise.
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
    /// The lead-in line the item follows ("Outcomes by the end of Key Stage 2:"), byte range:
    /// it can say what every item under it leaves implied, such as when outcomes are due.
    pub lead: Option<(usize, usize)>,
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
    /// Sections named by a table column that also holds another section's cells ("Needs
    /// (Section B, C, D)"): present, and not empty, though their cells are scored as the first.
    pub covered: Vec<Section>,
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

    /// A section that holds content: its own items, or a shared table column.
    pub fn has_content(&self, section: Section) -> bool {
        self.covered.contains(&section) || self.items_in(section).next().is_some()
    }

    fn found(&mut self, section: Section, start: usize, end: usize) {
        if !self.has(section) {
            self.headings.push(HeadingAt { section, start, end });
        }
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
    (Section::E, &["outcomes", "outcomes sought", "my outcomes", "the outcomes sought", "objectives"]),
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
        || ["for ", "of ", "sought", "and ", "continued", "(continued", "- ", "to meet "]
            .iter()
            .any(|p| tail.starts_with(p))
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

/// Recognises a section heading line (SEND Regs 2014 reg 12; `docs/analyser.md`).
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
    let rest = match list_marker(rest) {
        Some(len) if !rest.starts_with(['-', '*', '•']) => rest[len..].trim_start(),
        _ => rest,
    };
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

/// The sections a table cell or a row label names: "Needs (Section B, C, D)" names B, C and D;
/// otherwise its words do ("Provision" is F). The first is where the cell's items are scored.
fn named_sections(cell: &str) -> Vec<Section> {
    // ASCII lowercase keeps byte offsets, so `at` indexes `cell` too.
    let lower = cell.to_ascii_lowercase();
    if let Some(at) = lower.find("section") {
        // Letters after "Section(s)": "B, C, D", "F, G, H1, H2", "E".
        let named: Vec<Section> = cell[at + "section".len()..]
            .trim_start_matches(['s', 'S'])
            .split([',', ' ', '&', '/', ')', '('])
            .map(str::trim)
            .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("and"))
            .map_while(|w| match w {
                "H1" => Some(Section::H1),
                "H2" => Some(Section::H2),
                w if w.len() == 1 => w.chars().next().and_then(section_of_letter).filter(|_| w != "H"),
                _ => None,
            })
            .collect();
        if !named.is_empty() {
            return named;
        }
    }
    let section = if lower.contains("provision") || lower.contains("how will it be delivered") {
        Section::F
    } else if lower.contains("outcome") || lower.contains("objective") {
        Section::E
    } else if lower.contains("need") {
        Section::B
    } else if lower.contains("aspiration") || lower.contains("views") || lower.contains("about me") {
        Section::A
    } else {
        return Vec::new();
    };
    vec![section]
}

/// Table columns mapped to sections ("Need | Outcome | Provision", "Needs (Section B, C, D) | …").
fn table_header(cells: &[(usize, usize)], text: &str) -> Option<Vec<Vec<Section>>> {
    let short = cells.iter().all(|&(s, e)| text[s..e].split_whitespace().count() <= 8);
    let map: Vec<Vec<Section>> = cells.iter().map(|&(s, e)| named_sections(&text[s..e])).collect();
    (short && map.iter().filter(|m| !m.is_empty()).count() >= 2).then_some(map)
}

/// A row label in an education section: a short line, not a sentence, that says what follows
/// ("Outcomes by the end of Key Stage 2:", "What help do I need and how will it be delivered?").
/// Templates that set outcomes and provision out per area of need use them in place of headings.
fn row_label(line: &str, current: Option<Section>) -> Option<Section> {
    if !matches!(current, Some(Section::B | Section::E | Section::F)) {
        return None;
    }
    let ends_as_label = line.ends_with(':') || line.ends_with('?');
    if !ends_as_label || line.chars().count() > 160 || line.split_whitespace().count() > 20 {
        return None;
    }
    let lower = line.to_lowercase();
    // A short label that starts with what it introduces: "Provision:", "Outcomes:", "My needs:".
    let words: Vec<&str> = lower.trim_end_matches([':', '?']).split_whitespace().collect();
    if words.len() <= 5 {
        let first = words.iter().copied().find(|w| !matches!(*w, "my" | "the" | "special" | "educational"));
        match first {
            Some("provision" | "provisions") => return Some(Section::F),
            Some("outcome" | "outcomes") => return Some(Section::E),
            Some("need" | "needs") => return Some(Section::B),
            _ => {}
        }
    }
    if lower.contains("what help")
        || lower.contains("how will it be delivered")
        || lower.contains("how it will be delivered")
    {
        return Some(Section::F);
    }
    if lower.contains("section e")
        || lower.split(|c: char| !c.is_alphanumeric()).any(|w| w == "outcomes" || w == "outcome")
    {
        return Some(Section::E);
    }
    None
}

/// A line that introduces what follows ("Sophie will receive:").
fn is_lead_line(line: &str) -> bool {
    line.ends_with(':') && line.chars().count() <= 200
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

/// An outcome label inside a paragraph ("Long Term:", "Short term outcome:"): what follows is
/// another outcome.
fn outcome_labels(s: &str) -> Vec<usize> {
    let lower = s.to_ascii_lowercase();
    let mut at = Vec::new();
    for label in ["long term", "long-term", "short term", "short-term", "medium term", "medium-term"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(label) {
            let i = from + i;
            let after = lower[i + label.len()..].trim_start_matches(" outcomes").trim_start_matches(" outcome");
            if i > 0 && after.starts_with(':') {
                at.push(i);
            }
            from = i + label.len();
        }
    }
    at.sort_unstable();
    at
}

/// Files `like` (its range and place) as an item; in Section E it is split where a labelled
/// outcome starts ("Long term: … Short term: …"), as those are two outcomes.
fn file(seg: &mut Segmented, text: &str, like: Item) {
    let (start, end) = (like.start, like.end);
    let mut cuts = if like.section == Section::E { outcome_labels(&text[start..end]) } else { Vec::new() };
    cuts.push(end - start);
    let mut parts = Vec::new();
    let mut from = start;
    for cut in cuts {
        push_trimmed(text, from, start + cut, &mut parts);
        from = start + cut;
    }
    for (a, b) in parts {
        seg.items.push(Item { start: a, end: b, ..like.clone() });
    }
}

/// Paragraphs of an unmarked block: a line that ends a sentence ends the paragraph, so a block
/// of one-sentence lines is several items, while a paragraph wrapped over lines stays one.
fn paragraphs(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut begin = start;
    let block = &text[start..end];
    for (i, _) in block.match_indices('\n') {
        let at = start + i;
        let before = text[begin..at].trim_end();
        if before.ends_with(['.', '!', '?', ':', ';']) {
            push_trimmed(text, begin, at, &mut out);
            begin = at + 1;
        }
    }
    push_trimmed(text, begin, end, &mut out);
    out
}

struct Open {
    start: usize,
    end: usize,
    marked: bool,
    number: Option<u16>,
}

/// Where the segmenter is: the section and area items are filed under, and the lead-in above them.
#[derive(Clone, Copy, Default)]
struct Place {
    section: Option<Section>,
    area: Option<Area>,
    lead: Option<(usize, usize)>,
}

/// Splits normalised text into sections and items: a table row's cells, a bullet, a numbered
/// paragraph, else a paragraph (SEND Code of Practice 9.69). Sentences of one item share their fields.
pub fn segment(text: &str) -> Segmented {
    let mut seg = Segmented::default();
    let mut place = Place::default();
    let mut open: Option<Open> = None;
    let mut table: Option<Vec<Vec<Section>>> = None;
    let mut rows = 0usize;

    let flush = |open: &mut Option<Open>, seg: &mut Segmented, place: Place| {
        let (Some(o), Some(section)) = (open.take(), place.section) else { return };
        let parts = if o.marked { vec![(o.start, o.end)] } else { paragraphs(text, o.start, o.end) };
        for (start, end) in parts {
            let like = Item { section, start, end, area: place.area, number: o.number, row: None, lead: place.lead };
            file(seg, text, like);
        }
    };

    for line in lines(text) {
        let s = &text[line.start..line.end];
        if line.is_blank() {
            flush(&mut open, &mut seg, place);
            table = None;
            continue;
        }
        if is_page_furniture(s) {
            continue;
        }
        if let Some(h) = heading(s) {
            flush(&mut open, &mut seg, place);
            table = None;
            let section = match h {
                Heading::Section(sec) => sec,
                Heading::MergedH => {
                    seg.h_merged = true;
                    Section::H1
                }
            };
            if place.section != Some(section) {
                place.area = None;
            }
            place.section = Some(section);
            place.lead = None;
            seg.headings.push(HeadingAt { section, start: line.start, end: line.end });
            continue;
        }
        if let Some(a) = area_heading(s) {
            flush(&mut open, &mut seg, place);
            place.area = Some(a);
            place.lead = None;
            continue;
        }
        if let Some(section) = row_label(s, place.section) {
            flush(&mut open, &mut seg, place);
            seg.found(section, line.start, line.end);
            place.section = Some(section);
            place.lead = Some((line.start, line.end));
            continue;
        }
        if let Some(cells) = cells(text, line) {
            flush(&mut open, &mut seg, place);
            if let Some(map) = table_header(&cells, text) {
                for (named, &(start, end)) in map.iter().zip(&cells) {
                    for &section in named {
                        seg.found(section, start, end);
                    }
                }
                table = Some(map);
                continue;
            }
            rows += 1;
            let push = |section: Section, start: usize, end: usize, seg: &mut Segmented| {
                let like = Item { section, start, end, area: place.area, number: None, row: Some(rows), lead: None };
                file(seg, text, like);
            };
            match &table {
                Some(map) => {
                    for (i, &(start, end)) in cells.iter().enumerate() {
                        let Some(named) = map.get(i).filter(|m| !m.is_empty()) else { continue };
                        for &shared in &named[1..] {
                            if !seg.covered.contains(&shared) {
                                seg.covered.push(shared);
                            }
                        }
                        push(named[0], start, end, &mut seg);
                    }
                }
                None => {
                    // A row whose first cell names a section ("Outcome | By July 2027 …").
                    let (first_start, first_end) = cells[0];
                    let label = &text[first_start..first_end];
                    let named = if label.split_whitespace().count() <= 6 { named_sections(label) } else { Vec::new() };
                    match (named.first(), place.section) {
                        (Some(&section), _) => {
                            seg.found(section, first_start, first_end);
                            for &(start, end) in &cells[1..] {
                                push(section, start, end, &mut seg);
                            }
                        }
                        (None, Some(section)) => {
                            seg.items.push(Item {
                                section,
                                start: line.start,
                                end: line.end,
                                area: place.area,
                                number: None,
                                row: None,
                                lead: place.lead,
                            });
                        }
                        (None, None) => {}
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
                flush(&mut open, &mut seg, place);
                let body = &s[len..];
                let lead = body.len() - body.trim_start().len();
                let start = line.start + len + lead;
                if start < line.end {
                    open = Some(Open { start, end: line.end, marked: true, number: numbered.map(|(n, _)| n) });
                }
            }
            None => match &mut open {
                Some(o) if !o.marked => o.end = line.end,
                // A line after a bullet continues it unless it is a lead-in of its own.
                Some(o) if !is_lead_line(s) => o.end = line.end,
                _ => {
                    flush(&mut open, &mut seg, place);
                    // A new paragraph is out of reach of the lead-in above the list before it.
                    place.lead = None;
                    open = Some(Open { start: line.start, end: line.end, marked: false, number: None });
                }
            },
        }
        if is_lead_line(s) && marker.is_none() {
            flush(&mut open, &mut seg, place);
            place.lead = Some((line.start, line.end));
        }
    }
    flush(&mut open, &mut seg, place);
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
        assert_eq!(h("a) OBJECTIVES"), Some(Section::E));
        assert_eq!(h("b) EDUCATIONAL PROVISION to meet the needs and objectives"), Some(Section::F));
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
    fn items_are_bullets_numbered_paragraphs_and_paragraphs() {
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
                (Section::B, "Noah loves trains. He finds it hard to wait.", ci, None),
                (Section::F, "Direct SALT 1:1,\n  30 minutes weekly", None, None),
                (Section::F, "ELSA weekly", None, None),
            ]
        );
    }

    #[test]
    fn a_line_that_ends_a_sentence_ends_its_paragraph() {
        let text =
            "Section B\nMaya has autism.\nMaya's reading is at the 3rd percentile\nand she cannot infer meaning.\n";
        let seg = segment(text);
        let got: Vec<&str> = seg.items.iter().map(|i| &text[i.start..i.end]).collect();
        assert_eq!(
            got,
            vec!["Maya has autism.", "Maya's reading is at the 3rd percentile\nand she cannot infer meaning."]
        );
    }

    #[test]
    fn columns_naming_sections_make_them_present() {
        let text = "Aspirations (Section A) | Needs (Section B, C, D) | Outcomes (Section E) | Provisions (Sections F, G, H1, H2)\nWants friends. | Finds groups hard. | Long Term: By July 2030 he will join a club. Short Term: he will say hello to 2 peers a day. | Daily 15-minute group led by a trained TA.\n";
        let seg = segment(text);
        for s in [
            Section::A,
            Section::B,
            Section::C,
            Section::D,
            Section::E,
            Section::F,
            Section::G,
            Section::H1,
            Section::H2,
        ] {
            assert!(seg.has(s), "{s} is named by a column");
        }
        assert!(seg.has_content(Section::C) && seg.has_content(Section::H2));
        let got: Vec<(Section, &str)> = seg.items.iter().map(|i| (i.section, &text[i.start..i.end])).collect();
        assert_eq!(
            got,
            vec![
                (Section::A, "Wants friends."),
                (Section::B, "Finds groups hard."),
                (Section::E, "Long Term: By July 2030 he will join a club."),
                (Section::E, "Short Term: he will say hello to 2 peers a day."),
                (Section::F, "Daily 15-minute group led by a trained TA."),
            ]
        );
    }

    #[test]
    fn short_labels_say_what_follows() {
        assert_eq!(row_label("Provision:", Some(Section::E)), Some(Section::F));
        assert_eq!(row_label("My outcomes:", Some(Section::F)), Some(Section::E));
        assert_eq!(row_label("Special educational needs:", Some(Section::F)), Some(Section::B));
        assert_eq!(row_label("To meet his needs the school will provide:", Some(Section::F)), None);
        assert_eq!(row_label("Sophie will receive:", Some(Section::F)), None);
        assert_eq!(row_label("Provision:", Some(Section::G)), None, "only between B, E and F");
    }

    #[test]
    fn named_sections_survive_letters_that_change_length_when_lowercased() {
        assert_eq!(named_sections("İİİ Needs (Section B, C)"), vec![Section::B, Section::C]);
        assert_eq!(named_sections("ẞ Section"), Vec::<Section>::new());
    }

    #[test]
    fn row_labels_switch_between_outcomes_and_provision() {
        let text = "Section F\nCommunication and interaction\nShort term outcomes (from Section E), by the end of Key Stage 2:\n(1) He will ask for help.\n\nWhat help do I need and how will it be delivered?\n• Weekly SALT.\n";
        let seg = segment(text);
        let got: Vec<(Section, &str, bool)> =
            seg.items.iter().map(|i| (i.section, &text[i.start..i.end], i.lead.is_some())).collect();
        assert_eq!(got, vec![(Section::E, "He will ask for help.", true), (Section::F, "Weekly SALT.", true)]);
        let lead = seg.items[0].lead.map(|(a, b)| &text[a..b]);
        assert_eq!(lead, Some("Short term outcomes (from Section E), by the end of Key Stage 2:"));
        assert!(seg.has(Section::E));
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
