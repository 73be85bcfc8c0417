//! Changes to one vault document that a person makes (family only, `docs/access.md`).

use serde::{Deserialize, Serialize};

use crate::vocab::{DocumentCategory, DocumentType};

/// A change to one document (named by the enclosing [`super::Command::Document`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DocumentCommand {
    /// Register a document and get ready for its upload.
    CreateDocument { title: String, category: DocumentCategory, content_type: DocumentType, size: u64 },
    /// Remove a document (its bytes are deleted by the server first).
    DeleteDocument,
}

impl DocumentCommand {
    pub fn name(&self) -> &'static str {
        match self {
            DocumentCommand::CreateDocument { .. } => "create_document",
            DocumentCommand::DeleteDocument => "delete_document",
        }
    }
}
