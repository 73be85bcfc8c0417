//! `senvault-local analyse FILE`: the flags of a PDF, DOCX or text plan as JSON (one object
//! per flag) or as a readable summary; unreadable files fail with the family's reason.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use senvault_tests::binary;
use senvault_tests::corpus;
use senvault_tests::fixtures::{self, Block};
use serde_json::Value;

fn run(bin: &Path, args: &[&str]) -> Output {
    Command::new(bin).arg("analyse").args(args).output().expect("run senvault-local analyse")
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("senvault-analyse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn a_plan_in_each_format_prints_its_flags() {
    let Some(bin) = binary("senvault-local") else { return };
    let plan = corpus::plans().into_iter().find(|p| p.name == "noah-draft").expect("the noah-draft plan");
    let lines: Vec<&str> = plan.text.lines().collect();
    let blocks: Vec<Block<'_>> = lines.iter().map(|l| Block::Para(l)).collect();
    let files = [
        temp_file("noah.txt", plan.text.as_bytes()),
        temp_file("noah.docx", &fixtures::docx(&blocks)),
        temp_file("noah.pdf", &fixtures::pdf(&lines)),
    ];
    for file in &files {
        let out = run(&bin, &[file.to_str().unwrap(), "--draft"]);
        assert!(out.status.success(), "{}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
        let flags: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        let flags = flags.as_array().expect("an array of flags");
        for f in flags {
            for field in ["kind", "excerpt", "severity", "rule"] {
                assert!(f[field].is_string(), "{field} in {f}");
            }
            assert!(f.get("section").is_some(), "{f}");
        }
        // Every expected flag of the labelled plan is printed, whatever the format.
        for e in &plan.expected {
            let found = flags.iter().any(|f| {
                f["section"].as_str() == Some(e.section.as_str())
                    && f["kind"].as_str() == Some(e.kind.as_str())
                    && f["excerpt"].as_str().is_some_and(|x| x.starts_with(&e.excerpt_starts))
            });
            assert!(found, "{}: no {:?} flag in {} on {:?}", file.display(), e.kind, e.section, e.excerpt_starts);
        }
    }

    let text = run(&bin, &[files[1].to_str().unwrap(), "--draft", "--format", "text"]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(text.contains("sections found: A B C D E F G H1 H2 I J K"), "{text}");
    assert!(text.contains("[RED] Section I, missing_statutory_content"), "{text}");
    // Red first, then amber, then info.
    let ranks: Vec<u8> = text
        .lines()
        .filter_map(|l| match l.split(']').next() {
            Some("[RED") => Some(3),
            Some("[AMBER") => Some(2),
            Some("[INFO") => Some(1),
            _ => None,
        })
        .collect();
    assert!(ranks.len() > 2 && ranks.windows(2).all(|w| w[0] >= w[1]), "severities out of order:\n{text}");
    assert!(text.contains("not legal advice"));
}

#[test]
fn unreadable_files_fail_with_a_reason() {
    let Some(bin) = binary("senvault-local") else { return };
    let locked = temp_file("locked.pdf", &fixtures::pdf_with_password());
    let out = run(&bin, &[locked.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("password-protected"));
    let random = temp_file("noise.bin", &[0xff, 0xfe, 0x00, 0x80, 0x81]);
    let out = run(&bin, &[random.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a PDF, Word (.docx) or text file"));
    let out = run(&bin, &["/nonexistent/plan.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    let empty = temp_file("empty.txt", b"");
    assert_eq!(run(&bin, &[empty.to_str().unwrap()]).status.code(), Some(1));
}
