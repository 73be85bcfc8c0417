//! The sync protocol's wire types (`docs/sync.md`), shared by the server's sync endpoints and the
//! phone's sync client. Serde only: how each side applies them lives with each side.
//!
//! - **Push**: a client's numbered mutations (`mid` rises by one per client), each a command
//!   for one scope. The server applies each exactly once and answers an outcome per mutation
//!   and the last mutation id it has applied (`lmid`); the client trims its outbox only by that.
//! - **Pull**: per scope, the records changed after the client's cursor (collapsed to their
//!   current state), or a reset (download the scope afresh) or a revocation (forget it).

use serde::{Deserialize, Serialize};

pub use senvault_domain::sync::Refusal;
use senvault_domain::{Command, MemberRole, OpId, Record};

/// The version of this protocol. A push or pull naming another is refused, never guessed at.
pub const SCHEMA: u32 = 1;

/// A client's numbered changes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// A UUID the device chose once; bound to the user who first pushed with it.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub client_id: String,
    /// The protocol version ([`SCHEMA`]).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub schema: u32,
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub mutations: Vec<Mutation>,
}

/// One change made on a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    /// Rises by one per client, from 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub mid: u64,
    /// The scope the command writes (the command names it too; they must agree).
    pub scope: String,
    /// The operation's id, a UUIDv7 the device minted when the change was made: the records
    /// the rules derive from it (history entries, statutory actions) get the same ids on the
    /// device and the server, and sort in the order the changes were made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub op: OpId,
    /// A command, as the API's own endpoints take it: e.g. `{"case": {"child_id", "case_id",
    /// "command": {"type": "add_note", ...}}}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub command: Command,
    /// For an edit of text (a case summary, an action's description, a checklist item, a
    /// child's details): the version of the edited record the device last had from the server.
    /// An edit made without seeing another device's is still applied (the later edit wins), and
    /// that device is told its edit was overridden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub base: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// The last mutation id applied for this client (including earlier pushes).
    pub lmid: u64,
    pub outcomes: Vec<MutationOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationOutcome {
    pub mid: u64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What became of one mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// Refused by the rules or by access; nothing of it was written.
    Rejected {
        reason: Refusal,
        /// The record as the server holds it, when the refusal was about its state.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current: Option<WireRecord>,
    },
    /// Applied, but a later change by someone else won (text edits are last writer wins).
    Overridden {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current: Option<WireRecord>,
    },
}

/// A record as sync carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WireRecord {
    pub key: String,
    pub version: u64,
    /// A record, tagged with its `type`, as the API's own endpoints answer it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub record: Record,
}

/// Where a client's copy of each scope stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub client_id: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub schema: u32,
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub scopes: Vec<ScopeCursor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cursor {
    pub epoch: u64,
    /// The last change-log seq the client holds (0: nothing yet).
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScopeCursor {
    pub scope: String,
    #[serde(flatten)]
    pub cursor: Cursor,
    /// While a first download is still listing the scope: the last key received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub lmid: u64,
    pub scopes: Vec<ScopePull>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopePull {
    pub scope: String,
    #[serde(flatten)]
    pub state: PullState,
}

/// One scope's answer to a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PullState {
    /// Records changed after the cursor, collapsed to their current state; `to` is the new
    /// cursor. `has_more`: pull again for the rest.
    ///
    /// A first download (`seq` 0) lists the scope's records rather than its change log (which
    /// keeps only the retention horizon); while it has more, `resume` is the key to send back
    /// with `to`.
    Changes {
        to: Cursor,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
        has_more: bool,
        upserts: Vec<WireRecord>,
        deletes: Vec<String>,
    },
    /// The client's copy cannot be brought forward: download the scope again from seq 0.
    Reset { reason: ResetReason },
    /// The user no longer has access: delete every local row of the scope.
    Revoked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    /// The scope's history was rewritten.
    EpochChanged,
    /// The cursor is older than the retained change log.
    BelowHorizon,
}

/// The scopes a user may sync, with their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopesResponse {
    /// Who the token names, so a device can decide offline as the server will.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user: senvault_domain::UserId,
    pub role: senvault_domain::RoleClaim,
    pub scopes: Vec<ScopeInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeInfo {
    pub scope: String,
    pub role: MemberRole,
    #[serde(flatten)]
    pub cursor: Cursor,
}
