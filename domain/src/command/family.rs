//! Changes to a family account and its children.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::ChildId;

/// A change to a child's details; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChildPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub local_authority: Option<String>,
    /// `""` clears the school.
    #[serde(default)]
    pub school: Option<String>,
}

/// A change to a family account (named by the enclosing [`super::Command::Family`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FamilyCommand {
    CreateFamily {
        name: String,
    },
    AddChild {
        child_id: ChildId,
        name: String,
        date_of_birth: NaiveDate,
        local_authority: String,
        #[serde(default)]
        school: Option<String>,
    },
    EditChild {
        child_id: ChildId,
        patch: ChildPatch,
    },
}

impl FamilyCommand {
    pub fn name(&self) -> &'static str {
        match self {
            FamilyCommand::CreateFamily { .. } => "create_family",
            FamilyCommand::AddChild { .. } => "add_child",
            FamilyCommand::EditChild { .. } => "edit_child",
        }
    }
}
