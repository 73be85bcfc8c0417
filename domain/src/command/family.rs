//! Changes to a family account and its children.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{AdvocateId, ChildId, ConnectionId, MessageId, OrganisationId, TicketId};
use crate::support::GrantedChildren;
use crate::vocab::{GrantLevel, TicketType};

/// Who a support request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportTarget {
    Advocate(AdvocateId),
    /// An organisation, whose admins assign it to a member.
    Organisation(OrganisationId),
}

/// A change to a child's details; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChildPatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::dates::strict::option")]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$")
    )]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub local_authority: Option<String>,
    /// `""` clears the school.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
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
        #[serde(deserialize_with = "crate::dates::strict::date")]
        date_of_birth: NaiveDate,
        local_authority: String,
        #[serde(default)]
        school: Option<String>,
    },
    EditChild {
        child_id: ChildId,
        patch: ChildPatch,
    },
    /// Ask an advocate for help about one child: opens a connection holding a ticket whose
    /// first message is `message`.
    RequestSupport {
        connection_id: ConnectionId,
        ticket_id: TicketId,
        message_id: MessageId,
        to: SupportTarget,
        child_id: ChildId,
        kind: TicketType,
        message: String,
        /// A connection this one replaces (the family changing advocate): once the new advocate
        /// accepts, the old connection ends.
        #[serde(default)]
        replaces: Option<ConnectionId>,
    },
    /// Give the advocate of an active connection access to children's records.
    Grant {
        connection_id: ConnectionId,
        children: GrantedChildren,
        level: GrantLevel,
    },
    /// Take access back: from the listed children, or (`None`) all of it.
    Revoke {
        connection_id: ConnectionId,
        #[serde(default)]
        children: Option<Vec<ChildId>>,
    },
    /// End the support: the connection ends and every grant on it is revoked, in one commit.
    EndSupport {
        connection_id: ConnectionId,
        #[serde(default)]
        note: Option<String>,
    },
    /// Review an advocate the family has (or had) a connection with.
    Review {
        advocate_id: AdvocateId,
        connection_id: ConnectionId,
        rating: u8,
        text: String,
    },
}

impl FamilyCommand {
    pub fn name(&self) -> &'static str {
        match self {
            FamilyCommand::CreateFamily { .. } => "create_family",
            FamilyCommand::AddChild { .. } => "add_child",
            FamilyCommand::EditChild { .. } => "edit_child",
            FamilyCommand::RequestSupport { .. } => "request_support",
            FamilyCommand::Grant { .. } => "grant_access",
            FamilyCommand::Revoke { .. } => "revoke_access",
            FamilyCommand::EndSupport { .. } => "end_support",
            FamilyCommand::Review { .. } => "review_advocate",
        }
    }
}
