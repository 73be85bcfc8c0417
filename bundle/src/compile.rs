//! Compiling a bundle: cover, index, a divider per part, every exhibit's pages, each page
//! stamped "Page N of M" with its exhibit number in a band at the foot that the original content
//! never enters (pages are scaled into the space above it), and a bookmark for every part and
//! exhibit.
//!
//! A PDF exhibit's pages go in as form XObjects holding their original content streams and
//! resources, so their text stays searchable and their fonts and images are copied, not
//! re-rendered. Images go in as image XObjects; text documents as pages of text.

use lopdf::content::{Content, Operation};
use lopdf::{Bookmark, Dictionary, Document, Object, ObjectId, Stream, dictionary};

use crate::inspect::{Refusal, decode_png, guarded, inherited, jpeg_header, open_pdf};
use crate::text::{A4_HEIGHT, A4_WIDTH, BODY_LEADING, BODY_SIZE, Font, MARGIN, STAMP_BAND, fit, paginate, show, wrap};

/// What an exhibit is made from.
#[derive(Debug, Clone)]
pub enum Source {
    Pdf(Vec<u8>),
    Jpeg(Vec<u8>),
    Png(Vec<u8>),
    /// Text laid out as pages under a heading line saying where it came from (`"Converted from
    /// Word by the vault: the original layout is not kept"`).
    Text {
        text: String,
        heading: String,
    },
}

/// One exhibit.
#[derive(Debug, Clone)]
pub struct Exhibit {
    /// `D3`.
    pub number: String,
    pub title: String,
    /// As printed in the index (`12 March 2026`), if known.
    pub date: Option<String>,
    pub source: Source,
}

/// A part of the bundle (a section, or the generated exhibits), with its divider.
#[derive(Debug, Clone)]
pub struct Part {
    /// `Section D`.
    pub label: String,
    pub heading: String,
    pub exhibits: Vec<Exhibit>,
}

/// Everything a bundle is compiled from.
#[derive(Debug, Clone)]
pub struct BundleSpec {
    pub title: String,
    /// Cover lines, label and value (child, appeal reference, hearing date, version, compiled
    /// on); the total pages line is added by the compiler.
    pub cover: Vec<(String, String)>,
    pub parts: Vec<Part>,
    /// Index rows (part headings and exhibits) per index page.
    pub index_rows_per_page: u32,
}

/// The compiled PDF.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub pdf: Vec<u8>,
    pub pages: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("exhibit {number}: {refusal}")]
    Exhibit { number: String, refusal: Refusal },
    #[error("the bundle has no exhibits")]
    Empty,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// One page of an exhibit, ready to place.
enum PageSource {
    /// A form XObject of a PDF page: its box and rotation.
    Form {
        id: ObjectId,
        bbox: [f32; 4],
        rotate: i64,
    },
    Image {
        id: ObjectId,
        width: f32,
        height: f32,
    },
    Text {
        heading: String,
        lines: Vec<String>,
    },
}

impl PageSource {
    /// The size the page is seen at (after its rotation).
    fn seen(&self) -> (f32, f32) {
        match self {
            PageSource::Form { bbox, rotate, .. } => {
                let (w, h) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
                if rotate % 180 == 0 { (w, h) } else { (h, w) }
            }
            PageSource::Image { width, height, .. } => (*width, *height),
            PageSource::Text { .. } => (A4_WIDTH, A4_HEIGHT),
        }
    }
}

/// An exhibit and its imported pages.
type Imported<'a> = (&'a Exhibit, Vec<PageSource>);
/// A part's bookmark (title, divider page) and its exhibits' (title, first page).
type Mark = (String, ObjectId, Vec<(String, ObjectId)>);

/// Compiles the bundle. Fails only on an exhibit whose file cannot be read (which the checks
/// name before a build is asked for) or on a write error.
pub fn compile(spec: &BundleSpec) -> Result<Compiled, CompileError> {
    let mut out = Document::with_version("1.7");
    let fonts = fonts(&mut out);
    let pages_id = out.new_object_id();

    // Every exhibit's pages, imported.
    let mut parts: Vec<(&Part, Vec<Imported>)> = Vec::new();
    for part in &spec.parts {
        let mut exhibits = Vec::new();
        for exhibit in &part.exhibits {
            let pages = import(&mut out, &exhibit.source)
                .map_err(|refusal| CompileError::Exhibit { number: exhibit.number.clone(), refusal })?;
            exhibits.push((exhibit, pages));
        }
        parts.push((part, exhibits));
    }
    if parts.iter().all(|(_, e)| e.is_empty()) {
        return Err(CompileError::Empty);
    }

    // Page numbers: cover, index, then each part's divider and its exhibits.
    let rows: u32 = parts.iter().map(|(_, e)| 1 + e.len() as u32).sum();
    let per_page = spec.index_rows_per_page.max(1);
    let index_pages = rows.div_ceil(per_page).max(1);
    let mut next = 1 + index_pages;
    let mut placed: Vec<(u32, Vec<(u32, u32)>)> = Vec::new();
    for (_, exhibits) in &parts {
        next += 1;
        let divider = next;
        let mut ranges = Vec::new();
        for (_, pages) in exhibits {
            let first = next + 1;
            next += pages.len() as u32;
            ranges.push((first, next));
        }
        placed.push((divider, ranges));
    }
    let total = next;

    let mut kids: Vec<ObjectId> = Vec::new();
    let mut add_page = |out: &mut Document, size: (f32, f32), ops: Vec<Operation>, resources: Dictionary| {
        let content = Content { operations: ops }.encode().map_err(|e| CompileError::Write(e.to_string()))?;
        let mut stream = Stream::new(Dictionary::new(), content);
        let _ = stream.compress();
        let content_id = out.add_object(stream);
        let page = out.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), size.0.into(), size.1.into()],
            "Contents" => content_id,
            "Resources" => resources,
        });
        kids.push(page);
        Ok::<ObjectId, CompileError>(page)
    };
    let text_resources = || dictionary! { "Font" => fonts.clone() };
    let a4 = (A4_WIDTH, A4_HEIGHT);

    // Cover.
    let mut ops = Vec::new();
    let mut y = A4_HEIGHT - MARGIN - 80.0;
    for line in wrap(&spec.title, Font::Bold, 24.0, A4_WIDTH - 2.0 * MARGIN) {
        ops.extend(show(&line, Font::Bold, 24.0, MARGIN, y, 0.0));
        y -= 30.0;
    }
    y -= 24.0;
    let mut cover = spec.cover.clone();
    cover.push(("Total pages".into(), total.to_string()));
    for (label, value) in &cover {
        ops.extend(show(label, Font::Regular, 11.0, MARGIN, y, 0.35));
        for line in wrap(value, Font::Bold, 13.0, A4_WIDTH - 2.0 * MARGIN - 150.0) {
            ops.extend(show(&line, Font::Bold, 13.0, MARGIN + 150.0, y, 0.0));
            y -= 18.0;
        }
        y -= 8.0;
    }
    ops.extend(stamp("Cover", 1, total, a4));
    add_page(&mut out, a4, ops, text_resources())?;

    // Index.
    let mut rows_left: Vec<IndexRow> = Vec::new();
    for ((part, exhibits), (divider, ranges)) in parts.iter().zip(&placed) {
        rows_left.push(IndexRow::Part { label: part.label.clone(), heading: part.heading.clone(), page: *divider });
        for ((exhibit, _), range) in exhibits.iter().zip(ranges) {
            rows_left.push(IndexRow::Exhibit {
                number: exhibit.number.clone(),
                title: exhibit.title.clone(),
                date: exhibit.date.clone().unwrap_or_default(),
                pages: *range,
            });
        }
    }
    let mut index_first = None;
    for (n, chunk) in rows_left.chunks(per_page as usize).enumerate() {
        let page_no = 2 + n as u32;
        let ops = index_page(chunk, n == 0, page_no, total);
        let id = add_page(&mut out, a4, ops, text_resources())?;
        index_first.get_or_insert(id);
    }
    if rows_left.is_empty() {
        add_page(&mut out, a4, index_page(&[], true, 2, total), text_resources())?;
    }

    // Parts.
    let mut marks: Vec<Mark> = Vec::new();
    for ((part, exhibits), (divider, ranges)) in parts.into_iter().zip(&placed) {
        let mut ops = Vec::new();
        ops.extend(show(&part.label, Font::Regular, 16.0, MARGIN, A4_HEIGHT / 2.0 + 40.0, 0.35));
        let mut y = A4_HEIGHT / 2.0;
        for line in wrap(&part.heading, Font::Bold, 26.0, A4_WIDTH - 2.0 * MARGIN) {
            ops.extend(show(&line, Font::Bold, 26.0, MARGIN, y, 0.0));
            y -= 32.0;
        }
        if let (Some(first), Some(last)) = (ranges.first(), ranges.last()) {
            let (a, z) = (&exhibits[0].0.number, &exhibits[exhibits.len() - 1].0.number);
            let span = if a == z {
                format!("Exhibit {a}, pages {} to {}", first.0, last.1)
            } else {
                format!("Exhibits {a} to {z}, pages {} to {}", first.0, last.1)
            };
            ops.extend(show(&span, Font::Regular, 12.0, MARGIN, y - 10.0, 0.2));
        }
        ops.extend(stamp(&part.label, *divider, total, a4));
        let divider_id = add_page(&mut out, a4, ops, text_resources())?;
        let mut exhibit_marks = Vec::new();
        for ((exhibit, pages), (first, _)) in exhibits.into_iter().zip(ranges) {
            let mut first_id = None;
            for (k, source) in pages.into_iter().enumerate() {
                let n = first + k as u32;
                let label = format!("Exhibit {}", exhibit.number);
                let (size, ops, resources) = place(&source, &label, n, total, &fonts);
                let id = add_page(&mut out, size, ops, resources)?;
                first_id.get_or_insert(id);
            }
            if let Some(id) = first_id {
                exhibit_marks.push((format!("{} {}", exhibit.number, exhibit.title), id));
            }
        }
        marks.push((format!("{}: {}", part.label, part.heading), divider_id, exhibit_marks));
    }

    // The page tree, bookmarks and catalogue.
    let count = kids.len() as u32;
    out.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids.iter().map(|k| Object::Reference(*k)).collect::<Vec<_>>(),
            "Count" => count,
        }),
    );
    if let Some(index) = index_first {
        out.add_bookmark(Bookmark::new("Index".into(), [0.0, 0.0, 0.0], 0, index), None);
    }
    for (title, page, exhibits) in marks {
        let parent = out.add_bookmark(Bookmark::new(title, [0.0, 0.0, 0.0], 2, page), None);
        for (title, page) in exhibits {
            out.add_bookmark(Bookmark::new(title, [0.0, 0.0, 0.0], 0, page), Some(parent));
        }
    }
    let outline = out.build_outline();
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id, "PageMode" => "UseOutlines" };
    if let Some(o) = outline {
        catalog.set("Outlines", o);
    }
    let catalog_id = out.add_object(catalog);
    out.trailer.set("Root", catalog_id);
    let info = out.add_object(dictionary! {
        "Title" => Object::string_literal(crate::text::win_ansi(&spec.title)),
        "Producer" => Object::string_literal("SEN Evidence Vault"),
    });
    out.trailer.set("Info", info);
    out.compress();
    let mut pdf = Vec::new();
    out.save_to(&mut pdf).map_err(|e| CompileError::Write(e.to_string()))?;
    if count != total {
        return Err(CompileError::Write(format!("{count} pages written, {total} planned")));
    }
    Ok(Compiled { pdf, pages: total })
}

enum IndexRow {
    Part { label: String, heading: String, page: u32 },
    Exhibit { number: String, title: String, date: String, pages: (u32, u32) },
}

/// Column positions of the index.
const COL_TITLE: f32 = MARGIN + 44.0;
const COL_DATE: f32 = A4_WIDTH - MARGIN - 175.0;
const COL_PAGES: f32 = A4_WIDTH - MARGIN - 60.0;
const INDEX_ROW: f32 = 22.0;

fn index_page(rows: &[IndexRow], first: bool, page: u32, total: u32) -> Vec<Operation> {
    let mut ops = Vec::new();
    let mut y = A4_HEIGHT - MARGIN;
    ops.extend(show(if first { "Index" } else { "Index (continued)" }, Font::Bold, 18.0, MARGIN, y, 0.0));
    y -= 30.0;
    for (text, x) in [("Exhibit", MARGIN), ("Title", COL_TITLE), ("Document date", COL_DATE), ("Pages", COL_PAGES)] {
        ops.extend(show(text, Font::Bold, 9.0, x, y, 0.35));
    }
    y -= INDEX_ROW;
    for row in rows {
        match row {
            IndexRow::Part { label, heading, page } => {
                let text = fit(&format!("{label}: {heading}"), Font::Bold, 11.0, COL_PAGES - MARGIN - 8.0);
                ops.extend(show(&text, Font::Bold, 11.0, MARGIN, y, 0.0));
                ops.extend(show(&page.to_string(), Font::Bold, 11.0, COL_PAGES, y, 0.0));
            }
            IndexRow::Exhibit { number, title, date, pages } => {
                ops.extend(show(number, Font::Regular, 10.0, MARGIN, y, 0.0));
                ops.extend(show(
                    &fit(title, Font::Regular, 10.0, COL_DATE - COL_TITLE - 8.0),
                    Font::Regular,
                    10.0,
                    COL_TITLE,
                    y,
                    0.0,
                ));
                ops.extend(show(date, Font::Regular, 10.0, COL_DATE, y, 0.0));
                let range = if pages.0 == pages.1 { pages.0.to_string() } else { format!("{}-{}", pages.0, pages.1) };
                ops.extend(show(&range, Font::Regular, 10.0, COL_PAGES, y, 0.0));
            }
        }
        y -= INDEX_ROW;
    }
    ops.extend(stamp("Index", page, total, (A4_WIDTH, A4_HEIGHT)));
    ops
}

/// The stamp in the band at the foot of a page: what it is on the left, "Page N of M" on the
/// right, above a hairline that marks the band.
fn stamp(label: &str, page: u32, total: u32, size: (f32, f32)) -> Vec<Operation> {
    let mut ops = vec![
        Operation::new("q", vec![]),
        Operation::new("G", vec![0.6.into()]),
        Operation::new("w", vec![0.5.into()]),
        Operation::new("m", vec![24.0.into(), (STAMP_BAND - 4.0).into()]),
        Operation::new("l", vec![(size.0 - 24.0).into(), (STAMP_BAND - 4.0).into()]),
        Operation::new("S", vec![]),
        Operation::new("Q", vec![]),
    ];
    let right = format!("Page {page} of {total}");
    ops.extend(show(label, Font::Bold, 9.0, 28.0, 11.0, 0.1));
    ops.extend(show(&right, Font::Bold, 9.0, size.0 - 28.0 - Font::Bold.width(&right, 9.0), 11.0, 0.1));
    ops
}

/// A page placed on its bundle page: scaled (never enlarged, for PDF pages) into the space above
/// the stamp band, centred, with the stamp below.
fn place(
    source: &PageSource,
    label: &str,
    n: u32,
    total: u32,
    fonts: &Dictionary,
) -> ((f32, f32), Vec<Operation>, Dictionary) {
    let (w, h) = source.seen();
    let size = if w > h { (A4_HEIGHT, A4_WIDTH) } else { (A4_WIDTH, A4_HEIGHT) };
    let mut ops = Vec::new();
    let mut resources = dictionary! { "Font" => fonts.clone() };
    match source {
        PageSource::Form { id, bbox, rotate } => {
            let scale = (size.0 / w).min((size.1 - STAMP_BAND) / h).min(1.0);
            let x = (size.0 - w * scale) / 2.0;
            let y = STAMP_BAND + (size.1 - STAMP_BAND - h * scale) / 2.0;
            let (bw, bh) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
            // Points of the form are moved to the origin, turned as the page's /Rotate says,
            // scaled and placed (the last `cm` applies first).
            let turn: [f32; 6] = match rotate {
                90 => [0.0, -1.0, 1.0, 0.0, 0.0, bw],
                180 => [-1.0, 0.0, 0.0, -1.0, bw, bh],
                270 => [0.0, 1.0, -1.0, 0.0, bh, 0.0],
                _ => [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            };
            ops.push(Operation::new("q", vec![]));
            ops.push(cm([scale, 0.0, 0.0, scale, x, y]));
            ops.push(cm(turn));
            ops.push(cm([1.0, 0.0, 0.0, 1.0, -bbox[0], -bbox[1]]));
            ops.push(Operation::new("Do", vec![Object::Name(b"P0".to_vec())]));
            ops.push(Operation::new("Q", vec![]));
            resources.set("XObject", dictionary! { "P0" => *id });
        }
        PageSource::Image { id, width, height } => {
            let margin = 18.0;
            let (aw, ah) = (size.0 - 2.0 * margin, size.1 - STAMP_BAND - 2.0 * margin);
            let scale = (aw / width).min(ah / height);
            let (dw, dh) = (width * scale, height * scale);
            let x = (size.0 - dw) / 2.0;
            let y = STAMP_BAND + margin + (ah - dh) / 2.0;
            ops.push(Operation::new("q", vec![]));
            ops.push(cm([dw, 0.0, 0.0, dh, x, y]));
            ops.push(Operation::new("Do", vec![Object::Name(b"I0".to_vec())]));
            ops.push(Operation::new("Q", vec![]));
            resources.set("XObject", dictionary! { "I0" => *id });
        }
        PageSource::Text { heading, lines } => {
            let top = A4_HEIGHT - MARGIN;
            ops.extend(show(heading, Font::Regular, 9.0, MARGIN, top, 0.4));
            let mut y = top - 2.0 * BODY_LEADING;
            for line in lines {
                if !line.is_empty() {
                    ops.extend(show(line, Font::Regular, BODY_SIZE, MARGIN, y, 0.0));
                }
                y -= BODY_LEADING;
            }
        }
    }
    ops.extend(stamp(label, n, total, size));
    (size, ops, resources)
}

fn cm(m: [f32; 6]) -> Operation {
    Operation::new("cm", m.iter().map(|v| (*v).into()).collect())
}

/// The two standard fonts, in WinAnsi.
fn fonts(out: &mut Document) -> Dictionary {
    let mut fonts = Dictionary::new();
    for (name, base) in [("F1", "Helvetica"), ("F2", "Helvetica-Bold")] {
        let id = out.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => base,
            "Encoding" => "WinAnsiEncoding",
        });
        fonts.set(name, id);
    }
    fonts
}

/// Brings an exhibit's pages into the bundle.
fn import(out: &mut Document, source: &Source) -> Result<Vec<PageSource>, Refusal> {
    match source {
        Source::Pdf(bytes) => guarded(|| import_pdf(out, bytes)),
        Source::Jpeg(bytes) => {
            let (width, height, components) = jpeg_header(bytes)?;
            let colour_space = match components {
                1 => "DeviceGray",
                4 => "DeviceCMYK",
                _ => "DeviceRGB",
            };
            let mut stream = Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image", "Width" => width, "Height" => height,
                    "ColorSpace" => colour_space, "BitsPerComponent" => 8, "Filter" => "DCTDecode",
                },
                bytes.clone(),
            );
            stream.allows_compression = false;
            let id = out.add_object(stream);
            Ok(vec![PageSource::Image { id, width: width as f32, height: height as f32 }])
        }
        Source::Png(bytes) => {
            let px = decode_png(bytes)?;
            let mut stream = Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Image", "Width" => px.width, "Height" => px.height,
                    "ColorSpace" => if px.colour { "DeviceRGB" } else { "DeviceGray" }, "BitsPerComponent" => 8,
                },
                px.data,
            );
            let _ = stream.compress();
            let id = out.add_object(stream);
            Ok(vec![PageSource::Image { id, width: px.width as f32, height: px.height as f32 }])
        }
        Source::Text { text, heading } => {
            Ok(paginate(text).into_iter().map(|lines| PageSource::Text { heading: heading.clone(), lines }).collect())
        }
    }
}

/// A PDF's pages as form XObjects in `out`, with every object they use.
fn import_pdf(out: &mut Document, bytes: &[u8]) -> Result<Vec<PageSource>, Refusal> {
    let mut src = open_pdf(bytes)?;
    src.renumber_objects_with(out.max_id + 1);
    let mut forms = Vec::new();
    for page in src.get_pages().into_values() {
        let content = src.get_page_content(page).map_err(|_| Refusal::Damaged)?;
        let resources = inherited(&src, page, b"Resources").unwrap_or_else(|| Object::Dictionary(Dictionary::new()));
        let media = inherited(&src, page, b"MediaBox").and_then(|o| rect(&src, &o)).unwrap_or([0.0, 0.0, 612.0, 792.0]);
        let bbox = inherited(&src, page, b"CropBox").and_then(|o| rect(&src, &o)).unwrap_or(media);
        if bbox[2] - bbox[0] < 1.0 || bbox[3] - bbox[1] < 1.0 {
            return Err(Refusal::Damaged);
        }
        let rotate = inherited(&src, page, b"Rotate").and_then(|o| o.as_i64().ok()).unwrap_or(0).rem_euclid(360);
        let rotate = rotate - rotate % 90;
        let mut form = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Form",
                "BBox" => bbox.iter().map(|v| Object::Real(*v)).collect::<Vec<_>>(),
                "Resources" => resources,
            },
            content,
        );
        let _ = form.compress();
        forms.push((form, bbox, rotate));
    }
    // Only what the pages' resources reach is copied: not the file's own catalogue, page tree,
    // annotations or anything left unreferenced in it.
    let mut reached = std::collections::HashSet::new();
    let mut pending: Vec<ObjectId> = Vec::new();
    for (form, _, _) in &forms {
        references(&Object::Dictionary(form.dict.clone()), &mut pending);
    }
    while let Some(id) = pending.pop() {
        if reached.insert(id)
            && let Some(o) = src.objects.get(&id)
        {
            references(o, &mut pending);
        }
    }
    out.max_id = out.max_id.max(src.max_id);
    for id in reached {
        if let Some(o) = src.objects.remove(&id) {
            out.objects.insert(id, o);
        }
    }
    Ok(forms
        .into_iter()
        .map(|(form, bbox, rotate)| PageSource::Form { id: out.add_object(form), bbox, rotate })
        .collect())
}

/// The objects `o` refers to, walked without recursion (a file can nest arrays deeply).
fn references(o: &Object, found: &mut Vec<ObjectId>) {
    let mut stack = vec![o];
    while let Some(o) = stack.pop() {
        match o {
            Object::Reference(id) => found.push(*id),
            Object::Array(a) => stack.extend(a.iter()),
            Object::Dictionary(d) => stack.extend(d.iter().map(|(_, v)| v)),
            Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// A rectangle `[x0 y0 x1 y1]`, normalised so x0 < x1 and y0 < y1.
fn rect(doc: &Document, o: &Object) -> Option<[f32; 4]> {
    let o = match o {
        Object::Reference(id) => doc.get_object(*id).ok()?,
        other => other,
    };
    let a = o.as_array().ok()?;
    if a.len() != 4 {
        return None;
    }
    let mut v = [0.0f32; 4];
    for (i, item) in a.iter().enumerate() {
        v[i] = match item {
            Object::Integer(n) => *n as f32,
            Object::Real(r) => *r,
            Object::Reference(id) => doc.get_object(*id).ok()?.as_float().ok()?,
            _ => return None,
        };
    }
    Some([v[0].min(v[2]), v[1].min(v[3]), v[0].max(v[2]), v[1].max(v[3])])
}
