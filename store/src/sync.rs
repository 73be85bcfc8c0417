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

pub use senvault_domain::sync::MAX_COUNTER;

/// A mutation's command as it arrived. It is read on arrival, field by field, so that a command
/// the server cannot read (a newer app's, or a damaged one) is refused as that one mutation —
/// naming the field — instead of failing the whole push: a device must never be stuck retrying
/// one change forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentCommand {
    Read(Command),
    Unreadable {
        /// As sent, so the exact bytes go back out if this is ever forwarded.
        raw: serde_json::Value,
        /// The path inside the command that could not be read (`case.command.text`), or `""`.
        field: String,
        reason: String,
    },
}

/// The areas a command names, with the ids each carries beside its `command`: the document's
/// schema of a command and the check on arrival are both built from this table.
const AREAS: &[(&str, &[&str])] = &[
    ("family", &["family_id"]),
    ("case", &["child_id", "case_id"]),
    ("document", &["child_id", "document_id"]),
    ("personal", &[]),
    ("ticket", &["connection_id", "ticket_id"]),
    ("advocate", &[]),
    ("org", &["org_id"]),
];

impl SentCommand {
    /// The command's wire name (`unreadable` for one that could not be read).
    pub fn name(&self) -> &'static str {
        match self {
            SentCommand::Read(c) => c.name(),
            SentCommand::Unreadable { .. } => "unreadable",
        }
    }

    /// Where the command breaks the shape the document gives every command — one area key
    /// holding that area's ids (UUIDs) and a `command` object with a `type` — as
    /// `(field, message)`; `None` when it has that shape. A command of that shape that still
    /// cannot be read (an unknown `type`, a missing field) is the one mutation's refusal; one
    /// without it breaks the document, and the whole push is refused.
    pub fn shape_error(&self) -> Option<(String, String)> {
        let SentCommand::Unreadable { raw, .. } = self else { return None };
        let fail = |field: &str, message: &str| Some((field.to_owned(), message.to_owned()));
        let Some(outer) = raw.as_object() else { return fail("", "must be an object") };
        let mut keys = outer.keys();
        let (Some(area), None) = (keys.next(), keys.next()) else { return fail("", "must name exactly one area") };
        let Some((_, ids)) = AREAS.iter().find(|(a, _)| a == area) else {
            return fail(area, "not an area: family, case, document, personal, ticket, advocate or org");
        };
        let Some(inner) = outer[area].as_object() else { return fail(area, "must be an object") };
        for (key, value) in inner {
            if key == "command" {
                let has_type = value.as_object().and_then(|c| c.get("type")).and_then(|t| t.as_str());
                if has_type.is_none_or(str::is_empty) {
                    return fail(&format!("{area}.command"), "must be an object with a `type`");
                }
            } else if ids.contains(&key.as_str()) {
                if !value.as_str().is_some_and(|s| {
                    uuid::Uuid::try_parse(s).is_ok_and(|u| u.hyphenated().to_string() == s.to_ascii_lowercase())
                }) {
                    return fail(&format!("{area}.{key}"), "must be a UUID");
                }
            } else {
                return fail(&format!("{area}.{key}"), "not a field of this area");
            }
        }
        if !inner.contains_key("command") {
            return fail(&format!("{area}.command"), "required");
        }
        if let Some(missing) = ids.iter().find(|id| !inner.contains_key(**id)) {
            return fail(&format!("{area}.{missing}"), "required");
        }
        None
    }
}

impl From<Command> for SentCommand {
    fn from(c: Command) -> Self {
        SentCommand::Read(c)
    }
}

impl Serialize for SentCommand {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SentCommand::Read(c) => c.serialize(s),
            SentCommand::Unreadable { raw, .. } => raw.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for SentCommand {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = serde_json::Value::deserialize(d)?;
        match serde_path_to_error::deserialize::<_, Command>(&raw) {
            Ok(c) => Ok(SentCommand::Read(c)),
            Err(e) => {
                let field = e.path().to_string();
                let field = if field == "." { String::new() } else { field };
                // serde's message names what was expected; no value of the command is quoted
                // beyond the unknown name itself.
                let reason = e.into_inner().to_string();
                Ok(SentCommand::Unreadable { raw, field, reason })
            }
        }
    }
}

/// The document's schema of a command: exactly one area key, each holding that area's command
/// (the same bodies the REST endpoints take, tagged by `type`).
#[cfg(feature = "openapi")]
fn sent_command_schema() -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
    let command = || {
        ObjectBuilder::new()
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .description(Some("The command's name")),
            )
            .required("type")
    };
    let mut one_of = OneOfBuilder::new();
    for (area, id_fields) in AREAS {
        let mut inner = ObjectBuilder::new().property("command", command()).required("command");
        for f in *id_fields {
            inner = inner
                .property(
                    *f,
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Uuid))),
                )
                .required(*f);
        }
        let inner = inner.additional_properties(Some(AdditionalProperties::FreeForm(false)));
        one_of = one_of.item(
            ObjectBuilder::new()
                .property(*area, inner)
                .required(*area)
                .additional_properties(Some(AdditionalProperties::FreeForm(false))),
        );
    }
    one_of.into()
}

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
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_f64))]
    pub mid: u64,
    /// The scope the command writes (the command names it too; they must agree).
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^(?:(?:family|child|conn|advocate|org):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|user:[A-Za-z0-9._@|+-]{1,128}|withdrawn)$"
        )
    )]
    pub scope: String,
    /// The operation's id, a UUIDv7 the device minted when the change was made: the records
    /// the rules derive from it (history entries, statutory actions) get the same ids on the
    /// device and the server, and sort in the order the changes were made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub op: OpId,
    /// A command, as the API's own endpoints take it: one key naming the area, e.g.
    /// `{"case": {"child_id", "case_id", "command": {"type": "add_note", ...}}}`. One the server
    /// cannot read is refused on its own, naming the field, and the push goes on.
    #[cfg_attr(feature = "openapi", schema(schema_with = sent_command_schema))]
    pub command: SentCommand,
    /// For an edit of text (a case summary, an action's description, a checklist item, a
    /// child's details): the version of the edited record the device last had from the server.
    /// An edit made without seeing another device's is still applied (the later edit wins), and
    /// that device is told its edit was overridden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9007199254740991_f64))]
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
    #[cfg_attr(feature = "openapi", schema(maximum = 9007199254740991_f64))]
    pub epoch: u64,
    /// The last change-log seq the client holds (0: nothing yet).
    #[cfg_attr(feature = "openapi", schema(maximum = 9007199254740991_f64))]
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScopeCursor {
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^(?:(?:family|child|conn|advocate|org):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|user:[A-Za-z0-9._@|+-]{1,128})$"
        )
    )]
    pub scope: String,
    /// The cursor's fields, written out rather than flattened so the document describes one
    /// complete object (see [`Cursor`]).
    #[cfg_attr(feature = "openapi", schema(maximum = 9007199254740991_f64))]
    pub epoch: u64,
    /// The last change-log seq the client holds (0: nothing yet).
    #[cfg_attr(feature = "openapi", schema(maximum = 9007199254740991_f64))]
    pub seq: u64,
    /// While a first download is still listing the scope: the last key received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
}

impl ScopeCursor {
    pub fn cursor(&self) -> Cursor {
        Cursor { epoch: self.epoch, seq: self.seq }
    }
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
    /// Until when the device may show this scope without hearing from the server again (72
    /// hours for an advocate's view of a family's child, 30 days otherwise); after that it
    /// deletes what it holds of it, online or not.
    pub valid_until: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sent(v: serde_json::Value) -> SentCommand {
        serde_json::from_value(v).expect("any JSON value is a sent command")
    }

    #[test]
    fn a_command_is_read_or_kept_with_the_field_that_failed() {
        let child = "0193a1b2-0000-7000-8000-00000000c411";
        let case = "0193a1b2-0000-7000-8000-0000000ca5e1";
        let note = json!({"case": {"child_id": child, "case_id": case, "command": {"type": "add_note", "note_id": case, "text": "x"}}});
        let read = sent(note.clone());
        assert_eq!(read.name(), "add_note");
        assert_eq!(serde_json::to_value(&read).unwrap()["case"]["command"]["text"], "x");

        // The document's shape, but a command this server does not know: refused on its own.
        let newer = sent(json!({"case": {"child_id": child, "case_id": case, "command": {"type": "from_the_future"}}}));
        let SentCommand::Unreadable { field, .. } = &newer else { panic!("read an unknown command") };
        assert_eq!(field, "case.command.type");
        assert_eq!(newer.shape_error(), None);
        assert_eq!(serde_json::to_value(&newer).unwrap()["case"]["command"]["type"], "from_the_future");

        // Not the document's shape: the whole push is refused, naming the field.
        let cases = [
            (json!([1]), ""),
            (json!({"case": {}, "org": {}}), ""),
            (json!({"weather": {}}), "weather"),
            (json!({"case": {"child_id": "nope", "case_id": case, "command": {"type": "x"}}}), "case.child_id"),
            (json!({"case": {"child_id": child, "case_id": case, "command": {}}}), "case.command"),
            (json!({"case": {"child_id": child, "command": {"type": "x"}}}), "case.case_id"),
            (json!({"personal": {"command": {"type": "x"}, "extra": 1}}), "personal.extra"),
        ];
        for (value, want) in cases {
            let got = sent(value.clone()).shape_error().map(|(f, _)| f);
            assert_eq!(got.as_deref(), Some(want), "{value}");
        }
    }
}
