//! The PDF engine of evidence bundles: measuring a document's file when it is uploaded
//! ([`inspect`]) and compiling a bundle's exhibits into one stamped, indexed, bookmarked PDF
//! ([`compile`]). Pure Rust and synchronous: the server runs it on a blocking thread, and the
//! rules about what goes in a bundle live in the domain crate, not here.

pub mod compile;
pub mod inspect;
pub mod text;

pub use compile::{BundleSpec, CompileError, Compiled, Exhibit, Part, Source, compile};
pub use inspect::{Measured, Refusal, measure_jpeg, measure_pdf, measure_png};

/// A small PDF of `pages` pages of text, each saying `"<label> page N"`, for tests, benchmarks and
/// the demo (built with the same writer as bundles).
pub fn sample_pdf(label: &str, pages: u32) -> Vec<u8> {
    use lopdf::content::Content;
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for n in 1..=pages {
        let mut ops = text::show(&format!("{label} page {n}"), text::Font::Regular, 14.0, 72.0, 720.0, 0.0);
        for line in 0..30 {
            ops.extend(text::show(
                &format!("Paragraph {line}: the evidence of {label} continues on this page."),
                text::Font::Regular,
                10.0,
                72.0,
                690.0 - 18.0 * line as f32,
                0.0,
            ));
        }
        let content = Content { operations: ops }.encode().unwrap_or_default();
        let content_id = doc.add_object(Stream::new(lopdf::Dictionary::new(), content));
        kids.push(Object::Reference(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        })));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => pages,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.compress();
    let mut out = Vec::new();
    let _ = doc.save_to(&mut out);
    out
}
