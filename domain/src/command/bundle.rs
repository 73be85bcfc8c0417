//! Changes to a child's evidence bundles (family only, `docs/access.md`).

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::bundle::{AppealType, BundleItem, BundlePurpose, ItemOrder};
use crate::ids::{BuildId, CaseId, ConnectionId, ShareLinkId};

/// A new bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewBundle {
    /// Chosen by the client (a retry then creates it once); the server chooses one otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<crate::ids::BundleId>,
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub title: String,
    pub purpose: BundlePurpose,
    /// For a tribunal bundle: the kind of appeal, which sets the limit on the family's evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_type: Option<AppealType>,
    /// A case of this child: its chronology and the child's contact record become exhibits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub appeal_reference: Option<String>,
    #[serde(default, deserialize_with = "crate::dates::strict::option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub hearing_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::dates::strict::option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub final_evidence_date: Option<NaiveDate>,
}

/// A change to a bundle's facts; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BundlePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<AppealType>, nullable))]
    pub appeal_type: Option<Option<AppealType>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>, nullable))]
    pub case_id: Option<Option<CaseId>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, max_length = 40))]
    pub appeal_reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_date", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, format = Date, pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"))]
    pub hearing_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable_date", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable, format = Date, pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"))]
    pub final_evidence_date: Option<Option<NaiveDate>>,
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn nullable_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<NaiveDate>>, D::Error> {
    crate::dates::strict::option(d).map(Some)
}

/// A change to one bundle (named by the enclosing [`super::Command::Bundle`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum BundleCommand {
    CreateBundle {
        bundle: Box<NewBundle>,
    },
    EditBundle {
        patch: Box<BundlePatch>,
    },
    /// Set what the bundle holds, in order (sections keep their fixed order; within each, by
    /// date unless `order` is `as_given`).
    SetItems {
        items: Vec<BundleItem>,
        order: ItemOrder,
    },
    DeleteBundle,
    /// Ask for a new build (version) of the bundle as it stands.
    RequestBuild {
        build_id: BuildId,
    },
    /// Let the advocate of an active connection of this family read the bundle and download its
    /// builds.
    Share {
        connection_id: ConnectionId,
    },
    Unshare {
        connection_id: ConnectionId,
    },
    /// A link for someone without an account; the server makes the token and passes its hash.
    CreateLink {
        link_id: ShareLinkId,
        token_sha256: String,
        expires_in_days: u32,
    },
    RevokeLink {
        link_id: ShareLinkId,
    },
}

impl BundleCommand {
    pub fn name(&self) -> &'static str {
        match self {
            BundleCommand::CreateBundle { .. } => "create_bundle",
            BundleCommand::EditBundle { .. } => "edit_bundle",
            BundleCommand::SetItems { .. } => "set_bundle_items",
            BundleCommand::DeleteBundle => "delete_bundle",
            BundleCommand::RequestBuild { .. } => "request_bundle_build",
            BundleCommand::Share { .. } => "share_bundle",
            BundleCommand::Unshare { .. } => "unshare_bundle",
            BundleCommand::CreateLink { .. } => "create_bundle_link",
            BundleCommand::RevokeLink { .. } => "revoke_bundle_link",
        }
    }

    /// The case the command links the bundle to (which must be this child's).
    pub fn linked_case(&self) -> Option<CaseId> {
        match self {
            BundleCommand::CreateBundle { bundle } => bundle.case_id,
            BundleCommand::EditBundle { patch } => patch.case_id.flatten(),
            _ => None,
        }
    }
}
