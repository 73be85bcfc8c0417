//! Exports of a user's data (UK GDPR articles 15 and 20): the record of one export (key
//! `export/<id>` in the user's scope) and how an export's archive names what it holds, so a
//! family can find each document without the product.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::bundle::BuildState;
use crate::ids::{ExportId, UserId};
use crate::vocab::ActorRole;
use crate::vocab::DocumentType;

/// Days an export's archive is kept once ready.
pub const EXPORT_DAYS: i64 = 7;
/// The version of the JSON files' layout, written into each.
pub const SCHEMA: u32 = 1;

/// One export: asked for, made in the background, downloadable for 7 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Export {
    pub id: ExportId,
    pub user: UserId,
    /// The role the user asked with (what an export holds depends on it).
    pub role: ActorRole,
    pub state: BuildState,
    pub requested_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// When the archive is deleted (7 days after it was made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Hex SHA-256 of the archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// How many files the archive holds (documents, records, pages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Export {
    /// The archive's blob key.
    pub fn blob_key(&self) -> String {
        format!("exports/{}", self.id)
    }

    /// Whether it is being made (so another must wait).
    pub fn running(&self) -> bool {
        matches!(self.state, BuildState::Queued | BuildState::Building)
    }

    /// Whether its archive can still be downloaded at `now`.
    pub fn downloadable(&self, now: DateTime<Utc>) -> bool {
        self.state == BuildState::Ready && self.expires_at.is_some_and(|e| now < e)
    }
}

/// A name made safe for a file in any archive tool and file system: letters, digits, spaces,
/// `-`, `_`, `(`, `)` and `,` kept, anything else a `-`, at most 80 characters, never empty.
pub fn file_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '(' | ')' | ',') { c } else { '-' })
        .take(80)
        .collect();
    let trimmed = cleaned.trim().trim_matches('-').trim();
    if trimmed.is_empty() { "untitled".into() } else { trimmed.to_owned() }
}

/// The file extension of a document type.
pub fn extension(t: DocumentType) -> &'static str {
    match t {
        DocumentType::Pdf => "pdf",
        DocumentType::Docx => "docx",
        DocumentType::Jpeg => "jpg",
        DocumentType::Png => "png",
        DocumentType::Heic => "heic",
        DocumentType::Text => "txt",
    }
}

/// Where a document goes in an export: `documents/<child>/<category>/<date>-<title>.<ext>`,
/// dated by the date on it (else the upload date); `n` tells apart two of the same name.
pub fn document_path(
    child: &str,
    category: &str,
    date: Option<NaiveDate>,
    title: &str,
    t: DocumentType,
    n: usize,
) -> String {
    let date = date.map(|d| d.to_string()).unwrap_or_else(|| "undated".into());
    let twin = if n > 0 { format!(" ({})", n + 1) } else { String::new() };
    format!("documents/{}/{}/{date}-{}{twin}.{}", file_name(child), file_name(category), file_name(title), extension(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_readable() {
        assert_eq!(file_name("EP report: 2026/03 (final)"), "EP report- 2026-03 (final)");
        assert_eq!(file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_name("///"), "untitled");
        let d = NaiveDate::from_ymd_opt(2026, 3, 2);
        assert_eq!(
            document_path("Ada", "therapy", d, "SALT report", DocumentType::Pdf, 0),
            "documents/Ada/therapy/2026-03-02-SALT report.pdf"
        );
        assert_eq!(
            document_path("Ada", "ehcp", None, "Plan", DocumentType::Docx, 1),
            "documents/Ada/ehcp/undated-Plan (2).docx"
        );
    }
}
