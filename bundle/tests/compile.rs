//! Compiling bundles from every kind of source, read back with an independent parser.

use lopdf::Document;
use senvault_bundle::{BundleSpec, Exhibit, Part, Refusal, Source, compile, measure_pdf, measure_png, sample_pdf};

fn png(width: u32, height: u32, ink: bool) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        let mut data = vec![255u8; (width * height * 4) as usize];
        if ink {
            for px in data.chunks_exact_mut(4).skip((width * height / 2) as usize).take(width as usize) {
                px[..3].copy_from_slice(&[0, 0, 0]);
            }
        }
        w.write_image_data(&data).unwrap();
    }
    out
}

fn exhibit(number: &str, title: &str, source: Source) -> Exhibit {
    Exhibit { number: number.into(), title: title.into(), date: Some("3 March 2026".into()), source }
}

fn spec(parts: Vec<Part>) -> BundleSpec {
    BundleSpec {
        title: "Appeal bundle".into(),
        cover: vec![("Child".into(), "Ada Okafor".into()), ("Appeal reference".into(), "EH123/26/00001".into())],
        parts,
        index_rows_per_page: 28,
    }
}

#[test]
fn every_source_becomes_stamped_pages_with_bookmarks() {
    let jpeg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photo-of-a-letter.jpg")).unwrap();
    let parts = vec![
        Part {
            label: "Section A".into(),
            heading: "Core bundle".into(),
            exhibits: vec![exhibit("A1", "Decision letter", Source::Pdf(sample_pdf("Decision", 3)))],
        },
        Part {
            label: "Section D".into(),
            heading: "The family's evidence".into(),
            exhibits: vec![
                exhibit("D1", "Photo of a letter", Source::Jpeg(jpeg)),
                exhibit("D2", "Screenshot", Source::Png(png(40, 30, true))),
                exhibit(
                    "D3",
                    "Parent's statement",
                    Source::Text {
                        text: "My daughter Ada.\n\nShe needs help.".into(),
                        heading: "Converted from Word".into(),
                    },
                ),
            ],
        },
    ];
    let out = compile(&spec(parts)).unwrap();
    if let Ok(dir) = std::env::var("SENVAULT_KEEP_PDF") {
        std::fs::write(format!("{dir}/every-source.pdf"), &out.pdf).unwrap();
    }
    // Cover, index, 2 dividers, 3 + 1 + 1 + 1 pages.
    assert_eq!(out.pages, 10);
    let doc = Document::load_mem(&out.pdf).unwrap();
    assert_eq!(doc.get_pages().len(), 10);
    let text = doc.extract_text(&(1..=10).collect::<Vec<_>>()).unwrap();
    for n in 1..=10 {
        assert!(text.contains(&format!("Page {n} of 10")), "stamp {n} missing");
    }
    // Text inside imported pages is read by pdftotext in tests/run; this parser reads the pages'
    // own text (stamps, generated pages).
    for wanted in ["Exhibit A1", "Exhibit D3", "Parent's statement", "She needs help.", "EH123/26/00001"] {
        assert!(text.contains(wanted), "{wanted} missing");
    }
    let catalog = doc.catalog().unwrap();
    assert!(catalog.get(b"Outlines").is_ok(), "bookmarks");
    // The landscape screenshot gets a landscape page.
    let pages = doc.get_pages();
    let media = doc.get_dictionary(pages[&9]).unwrap().get(b"MediaBox").unwrap().as_array().unwrap().clone();
    assert!(media[2].as_float().unwrap() > media[3].as_float().unwrap());
}

#[test]
fn damaged_and_blank_files_are_named_not_crashed_on() {
    assert_eq!(measure_pdf(b"%PDF-1.7 this is not a pdf"), Err(Refusal::Damaged));
    let mut cut = sample_pdf("Report", 4);
    cut.truncate(cut.len() / 3);
    assert!(measure_pdf(&cut).is_err() || measure_pdf(&cut).is_ok_and(|m| m.pages <= 4));
    assert_eq!(measure_pdf(&sample_pdf("Report", 4)).unwrap().pages, 4);
    assert_eq!(measure_png(&png(50, 50, false)).unwrap().blank_pages, vec![1]);
    assert!(measure_png(&png(50, 50, true)).unwrap().blank_pages.is_empty());
    assert_eq!(measure_png(b"\x89PNG\r\n\x1a\nnot really"), Err(Refusal::Damaged));
    let bad = spec(vec![Part {
        label: "Section D".into(),
        heading: "Evidence".into(),
        exhibits: vec![exhibit("D1", "Broken", Source::Pdf(b"%PDF-1.4 garbage".to_vec()))],
    }]);
    let err = compile(&bad).unwrap_err();
    assert!(err.to_string().starts_with("exhibit D1"), "{err}");
}

#[test]
fn a_long_index_takes_more_pages_and_the_numbers_still_add_up() {
    let exhibits =
        (1..=40).map(|n| exhibit(&format!("D{n}"), &format!("Report {n}"), Source::Pdf(sample_pdf("R", 1)))).collect();
    let out = compile(&spec(vec![Part { label: "Section D".into(), heading: "Evidence".into(), exhibits }])).unwrap();
    // 41 index rows at 28 a page: 2 index pages; cover + 2 + divider + 40.
    assert_eq!(out.pages, 44);
    let doc = Document::load_mem(&out.pdf).unwrap();
    assert_eq!(doc.get_pages().len(), 44);
    let index = doc.extract_text(&[2, 3]).unwrap();
    assert!(index.contains("Report 40") && index.contains("44"), "the index lists the last exhibit's page");
}

#[test]
fn only_what_the_pages_use_is_copied_from_a_file() {
    // A PDF carrying an object no page uses (an old revision's leftovers, say).
    let mut doc = Document::load_mem(&sample_pdf("Letter", 1)).unwrap();
    doc.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), b"UNREFERENCED-MARKER".to_vec()));
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let out = compile(&spec(vec![Part {
        label: "Section D".into(),
        heading: "Evidence".into(),
        exhibits: vec![exhibit("D1", "Letter", Source::Pdf(bytes))],
    }]))
    .unwrap();
    let built = Document::load_mem(&out.pdf).unwrap();
    for object in built.objects.values() {
        if let Ok(stream) = object.as_stream() {
            let content = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
            assert!(!content.windows(19).any(|w| w == b"UNREFERENCED-MARKER"), "an unused object was copied");
        }
    }
}
