//! Changes to an advocate's own workspace and to one support ticket. (A family's support
//! request is a [`super::FamilyCommand::RequestSupport`]: the family scope authorises it.)

use serde::{Deserialize, Serialize};

use crate::ids::{AdvocateId, CaseId, ChecklistItemId, ChildId, ConnectionId, MessageId, PrivateNoteId, TicketId};
use crate::vocab::{HandoverReason, OrgRole, TicketPriority, TicketStatus, TicketType};

/// An advocate's public profile as they write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub organisation: Option<String>,
    /// Local authorities they work in (case, spacing and the words naming the kind of
    /// authority, such as "City Council", are ignored when families search).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::area_list))]
    pub areas: Vec<String>,
    /// The kinds of help they offer.
    #[serde(default)]
    pub specialisms: Vec<TicketType>,
    /// Hours to a first answer (4 to 336); 48 if absent.
    #[serde(default, deserialize_with = "crate::wire::option")]
    #[cfg_attr(feature = "openapi", schema(minimum = 4, maximum = 336))]
    pub response_time_hours: Option<u32>,
    pub accepting: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub bio: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AdvocateCommand {
    /// Create or replace the caller's profile (and with it their directory listings).
    SetProfile { profile: ProfileInput },
    /// A note on one of the caller's tickets that only the caller will ever see.
    AddPrivateNote { connection_id: ConnectionId, ticket_id: TicketId, note_id: PrivateNoteId, text: String },
}

impl AdvocateCommand {
    pub fn name(&self) -> &'static str {
        match self {
            AdvocateCommand::SetProfile { .. } => "set_advocate_profile",
            AdvocateCommand::AddPrivateNote { .. } => "add_private_note",
        }
    }
}

/// A change to one ticket (named by the enclosing [`super::Command::Ticket`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TicketCommand {
    /// The advocate takes the request on.
    Accept,
    /// The advocate asks the family for more (a message; the ticket waits on the family).
    RequestInfo { message_id: MessageId, message: String },
    /// The advocate turns the request down (the connection ends).
    Decline { reason: String },
    /// The advocate moves the ticket along.
    Update {
        #[serde(default)]
        status: Option<TicketStatus>,
        #[serde(default)]
        priority: Option<TicketPriority>,
        #[serde(default)]
        kind: Option<TicketType>,
    },
    /// A message from either side.
    PostMessage { message_id: MessageId, text: String },
    AddChecklistItem {
        item_id: ChecklistItemId,
        text: String,
        #[serde(default)]
        position: Option<u32>,
    },
    EditChecklistItem {
        item_id: ChecklistItemId,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        done: Option<bool>,
        #[serde(default)]
        position: Option<u32>,
    },
    /// Link the ticket to a case of the same family (`child_id` holds the case).
    LinkCase { child_id: ChildId, case_id: CaseId },
    /// The advocate hands the family over to another advocate: a new connection is requested
    /// of them; when they accept, this one ends. Vault access never goes with it.
    Handover {
        to_advocate_id: AdvocateId,
        summary: String,
        reason: HandoverReason,
        new_connection_id: ConnectionId,
        new_ticket_id: TicketId,
    },
    /// An organisation's admin gives the ticket to a member advocate (or another one).
    Assign { advocate_id: AdvocateId },
    /// The advocate ends the support from their side because they are leaving (their account
    /// is being deleted): the connection and ticket close, every grant on it is revoked, and
    /// the family is told. The family's records of the support stay theirs.
    Leave,
}

impl TicketCommand {
    pub fn name(&self) -> &'static str {
        match self {
            TicketCommand::Accept => "accept_request",
            TicketCommand::RequestInfo { .. } => "request_info",
            TicketCommand::Decline { .. } => "decline_request",
            TicketCommand::Update { .. } => "update_ticket",
            TicketCommand::PostMessage { .. } => "post_message",
            TicketCommand::AddChecklistItem { .. } => "add_checklist_item",
            TicketCommand::EditChecklistItem { .. } => "edit_checklist_item",
            TicketCommand::LinkCase { .. } => "link_case",
            TicketCommand::Handover { .. } => "hand_over",
            TicketCommand::Assign { .. } => "assign_ticket",
            TicketCommand::Leave => "leave_support",
        }
    }
}

/// An organisation's profile as its admin writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    #[cfg_attr(feature = "openapi", schema(max_length = 200, pattern = r"\S"))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::area_list))]
    pub areas: Vec<String>,
    #[serde(default)]
    pub specialisms: Vec<TicketType>,
    /// Hours to a first answer (4 to 336); 48 if absent.
    #[serde(default, deserialize_with = "crate::wire::option")]
    #[cfg_attr(feature = "openapi", schema(minimum = 4, maximum = 336))]
    pub response_time_hours: Option<u32>,
    pub accepting: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub bio: String,
}

/// A change to an organisation (named by the enclosing [`super::Command::Org`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OrgCommand {
    /// Create or update the organisation (the creator becomes its first admin).
    SetOrganisation {
        organisation: OrganisationInput,
    },
    /// Add an advocate as a member or admin, or change their role.
    SetMember {
        advocate_id: AdvocateId,
        role: OrgRole,
    },
    RemoveMember {
        advocate_id: AdvocateId,
    },
}

impl OrgCommand {
    pub fn name(&self) -> &'static str {
        match self {
            OrgCommand::SetOrganisation { .. } => "set_organisation",
            OrgCommand::SetMember { .. } => "set_org_member",
            OrgCommand::RemoveMember { .. } => "remove_org_member",
        }
    }
}
