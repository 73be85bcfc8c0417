//! Documents built byte by byte for the extraction tests: PDFs with text, scans (no text) and
//! password protection, and DOCX files with paragraphs, lists, tables and zip bombs.

use std::io::Write;

/// A PDF whose pages hold `lines` (50 lines a page) in Helvetica.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    let pages: Vec<Vec<&str>> = lines.chunks(50).map(<[&str]>::to_vec).collect();
    let contents: Vec<String> = pages
        .iter()
        .map(|page| {
            let mut s = String::from("BT /F1 11 Tf 14 TL 50 760 Td\n");
            for line in page {
                let escaped = line.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
                s.push_str(&format!("({escaped}) Tj T*\n"));
            }
            s.push_str("ET\n");
            s
        })
        .collect();
    build_pdf(&contents, None)
}

/// A one-page PDF with only a filled rectangle: what a scanned page looks like to a text reader.
pub fn pdf_without_text() -> Vec<u8> {
    build_pdf(&["0.5 g 50 50 500 700 re f\n".to_string()], None)
}

/// A PDF protected with a user password (standard security handler, RC4 40-bit).
pub fn pdf_with_password() -> Vec<u8> {
    let encrypt = "<< /Filter /Standard /V 1 /R 2 /O <2055c756c72e1ad702608e8196acad447ad32d17cff583235f6dd15fed7dab67> /U <7ec7a2b5b7e1ac4b6a3a2d9c9e3f5a1b0c7e8d6f4a2b9c1d3e5f7a9b2c4d6e8f> /P -44 >>";
    build_pdf(&["BT /F1 11 Tf 50 760 Td (secret) Tj ET\n".to_string()], Some(encrypt))
}

fn build_pdf(contents: &[String], encrypt: Option<&str>) -> Vec<u8> {
    let n = contents.len();
    // Objects: 1 catalog, 2 pages, 3 font, then (page, content) pairs, then the encryption dict.
    let mut objects: Vec<String> = Vec::new();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into());
    for (i, c) in contents.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!("<< /Length {} >>\nstream\n{c}endstream", c.len()));
    }
    if let Some(e) = encrypt {
        objects.push(e.to_string());
    }
    let encrypt_ref = match encrypt {
        Some(_) => format!(
            " /Encrypt {} 0 R /ID [<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>]",
            objects.len()
        ),
        None => String::new(),
    };
    pdf_of_objects(&objects, &encrypt_ref)
}

/// A one-page PDF whose page names itself as its parent (resources are looked up the parent
/// chain, so a naive reader never stops).
pub fn pdf_with_parent_cycle() -> Vec<u8> {
    let content = "BT /F1 11 Tf 50 760 Td (Section F) Tj ET\n";
    pdf_of_objects(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            "<< /Type /Pages /Kids [4 0 R] /Count 1 >>".into(),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
            "<< /Type /Page /Parent 4 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>".into(),
            format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        ],
        "",
    )
}

/// A one-page PDF whose page draws a form that draws itself (a naive reader recurses until
/// the stack overflows).
pub fn pdf_with_recursive_form() -> Vec<u8> {
    let draw = "/X1 Do\n";
    pdf_of_objects(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            "<< /Type /Pages /Kids [4 0 R] /Count 1 >>".into(),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /X1 6 0 R >> >> /Contents 5 0 R >>".into(),
            format!("<< /Length {} >>\nstream\n{draw}endstream", draw.len()),
            format!(
                "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X1 6 0 R >> >> /Length {} >>\nstream\n{draw}endstream",
                draw.len()
            ),
        ],
        "",
    )
}

/// A PDF of numbered objects (1 is the catalog) with a correct cross-reference table.
fn pdf_of_objects(objects: &[String], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R{trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1)
            .as_bytes(),
    );
    out
}

/// A block of a DOCX body.
pub enum Block<'a> {
    Para(&'a str),
    Bullet(&'a str),
    Table(&'a [&'a [&'a str]]),
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn para(text: &str, list: bool) -> String {
    let ppr = if list { "<w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr>" } else { "" };
    format!("<w:p>{ppr}<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>", esc(text))
}

/// The `word/document.xml` of `blocks`.
pub fn document_xml(blocks: &[Block<'_>]) -> String {
    let mut body = String::new();
    for b in blocks {
        match b {
            Block::Para(t) => body.push_str(&para(t, false)),
            Block::Bullet(t) => body.push_str(&para(t, true)),
            Block::Table(rows) => {
                body.push_str("<w:tbl>");
                for row in *rows {
                    body.push_str("<w:tr>");
                    for cell in *row {
                        body.push_str(&format!("<w:tc>{}</w:tc>", para(cell, false)));
                    }
                    body.push_str("</w:tr>");
                }
                body.push_str("</w:tbl>");
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    )
}

/// A DOCX holding `document_xml` (compressed).
pub fn docx_with_xml(document_xml: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let files: [(&str, &[u8]); 2] = [
        (
            "[Content_Types].xml",
            b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
        ),
        ("word/document.xml", document_xml),
    ];
    for (name, body) in files {
        zip.start_file(name, deflated).expect("zip entry");
        zip.write_all(body).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

pub fn docx(blocks: &[Block<'_>]) -> Vec<u8> {
    docx_with_xml(document_xml(blocks).as_bytes())
}

/// A DOCX whose document.xml inflates to `megabytes` MB of one repeated character: a small file
/// that would take a lot of memory to read in full.
pub fn docx_bomb(megabytes: usize) -> Vec<u8> {
    let mut xml = b"<w:document xmlns:w=\"x\"><w:body><w:p><w:r><w:t>".to_vec();
    xml.resize(xml.len() + megabytes * 1024 * 1024, b'a');
    xml.extend_from_slice(b"</w:t></w:r></w:p></w:body></w:document>");
    docx_with_xml(&xml)
}
