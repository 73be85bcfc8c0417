//! Changes to one vault document that a person makes (family only, `docs/access.md`).

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::vocab::{DocumentCategory, DocumentType, EvidenceKind};

/// A change to what the vault knows about a document; absent fields stay as they are, `null`
/// clears `document_date` and `evidence_kind`, `""` clears `author`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<DocumentCategory>,
    /// The date on the document (YYYY-MM-DD), not the upload date.
    #[serde(default, deserialize_with = "nullable_date", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, format = Date, pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"))]
    pub document_date: Option<Option<NaiveDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub author: Option<String>,
    #[serde(default, deserialize_with = "nullable_kind", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<EvidenceKind>, nullable))]
    pub evidence_kind: Option<Option<EvidenceKind>>,
}

fn nullable_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<NaiveDate>>, D::Error> {
    crate::dates::strict::option(d).map(Some)
}

fn nullable_kind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<EvidenceKind>>, D::Error> {
    Option::<EvidenceKind>::deserialize(d).map(Some)
}

/// A change to one document (named by the enclosing [`super::Command::Document`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DocumentCommand {
    /// Register a document and get ready for its upload.
    CreateDocument { title: String, category: DocumentCategory, content_type: DocumentType, size: u64 },
    /// Correct its title or category, or record the facts a bundle needs: the date on it, its
    /// author, what kind of evidence it is.
    EditDocument { patch: DocumentPatch },
    /// Remove a document (its bytes are deleted by the server first).
    DeleteDocument,
}

impl DocumentCommand {
    pub fn name(&self) -> &'static str {
        match self {
            DocumentCommand::CreateDocument { .. } => "create_document",
            DocumentCommand::EditDocument { .. } => "edit_document",
            DocumentCommand::DeleteDocument => "delete_document",
        }
    }
}
