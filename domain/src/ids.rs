//! Typed identifiers. Every record id is a UUIDv7 chosen by whoever creates the record
//! (usually the client, so records can be created offline); user ids are the identity
//! provider's `sub` claim, which is an opaque string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a string was refused as an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("`{0}` is not a UUID")]
    NotUuid(String),
    #[error("user ids are 1 to 128 characters of letters, digits and . _ @ | + -")]
    BadUserId,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// A deterministic id derived from `parent` and `name`, for records the rules create
            /// (statutory actions, history entries) so that a retry or a re-run writes the same id.
            pub fn derived(parent: Uuid, name: &str) -> Self {
                Self(Uuid::new_v5(&parent, name.as_bytes()))
            }
            pub fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.as_hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| IdError::NotUuid(s.chars().take(64).collect()))
            }
        }
    };
}

uuid_id!(
    /// A family account: the owner of children and their records.
    FamilyId
);
uuid_id!(
    /// A child; also names the child's scope, the unit of access.
    ChildId
);
uuid_id!(
    /// An EHCP case about one child.
    CaseId
);
uuid_id!(
    /// A case note.
    NoteId
);
uuid_id!(
    /// A next action (manual or statutory).
    ActionId
);
uuid_id!(
    /// An entry of a child's timeline: a contact, an appointment or an event.
    TimelineEntryId
);
uuid_id!(
    /// A promise recorded on a timeline entry.
    CommitmentId
);
uuid_id!(
    /// A past version of a timeline entry, kept when it is edited.
    RevisionId
);
uuid_id!(
    /// An evidence bundle of a child.
    BundleId
);
uuid_id!(
    /// One build (an immutable compiled version) of a bundle.
    BuildId
);
uuid_id!(
    /// A link that lets someone without an account download a bundle.
    ShareLinkId
);
uuid_id!(
    /// An export of a user's data.
    ExportId
);
uuid_id!(
    /// A vault document.
    DocumentId
);
uuid_id!(
    /// A flag on a case: raised by the analyser or by the family.
    FlagId
);
uuid_id!(
    /// A family's annotation on a section of the plan.
    AnnotationId
);
uuid_id!(
    /// A recorded key date.
    KeyDateId
);
uuid_id!(
    /// An entry in a case's status history.
    StatusChangeId
);
uuid_id!(
    /// An entry in the family's audit log.
    AuditId
);
uuid_id!(
    /// A notification about due or overdue work (deterministic: action, kind, due date).
    AlertId
);
uuid_id!(
    /// One request or one synced mutation; the seed of every id the rules derive.
    OpId
);
uuid_id!(
    /// An advocate's profile and private workspace; also names the `advocate:` scope. Derived
    /// from the advocate's user id ([`AdvocateId::for_user`]), so it needs no lookup.
    AdvocateId
);
uuid_id!(
    /// One support relationship between a family and an advocate; names the `conn:` scope.
    ConnectionId
);
uuid_id!(
    /// The ticket a support request opens (one per connection).
    TicketId
);
uuid_id!(
    /// A message between a family and their advocate.
    MessageId
);
uuid_id!(
    /// An item of a ticket's checklist.
    ChecklistItemId
);
uuid_id!(
    /// An entry of a ticket's history.
    TicketEventId
);
uuid_id!(
    /// An advocate's private note on a ticket.
    PrivateNoteId
);
uuid_id!(
    /// An advocacy organisation: its profile, members and queue; names the `org:` scope.
    OrganisationId
);

impl AdvocateId {
    /// The advocate id of a user: the same on every request and device, so a profile is
    /// created once however often `PUT /v1/advocates/me` is retried, and "me" needs no lookup.
    pub fn for_user(user: &UserId) -> AdvocateId {
        const NAMESPACE: Uuid = Uuid::from_u128(0x0a7d_0c47_e5a1_4c2b_8d6e_51f0_9b3a_2c17);
        AdvocateId(Uuid::new_v5(&NAMESPACE, user.as_str().as_bytes()))
    }
}

impl OpId {
    /// The id of the `name`d record this operation creates: distinct for each name, and the
    /// same on every retry of the operation, so a re-decided or replayed command writes the
    /// same records instead of new ones. It keeps the operation's first twelve bytes — for a
    /// fresh (UUIDv7) operation its time, version and monotonic counter — so records made by
    /// later operations sort after earlier ones even when their clocks agree to the nanosecond;
    /// the last four bytes tell the names apart.
    pub fn derive(&self, name: &str) -> Uuid {
        let hashed = Uuid::new_v5(&self.0, name.as_bytes());
        let mut bytes = *self.0.as_bytes();
        bytes[12..].copy_from_slice(&hashed.as_bytes()[12..]);
        Uuid::from_bytes(bytes)
    }

    /// The operation a client names with an idempotency key: the same key from the same user
    /// is the same operation.
    pub fn from_key(user: &UserId, key: &str) -> OpId {
        const NAMESPACE: Uuid = Uuid::from_u128(0x5e9f_a017_7c1d_4b0e_9f33_2a6c_0d5b_e801);
        OpId(Uuid::new_v5(&NAMESPACE, format!("{user}\n{key}").as_bytes()))
    }
}

/// The system's own identities: the record keeper that writes missed-deadline and breach notes.
pub const RESERVED_USERS: &[&str] = &["senvault-scanner", "senvault-shared-link"];

/// The identity provider's subject (`sub` claim).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fixed id for the system's own actors (the role recorded beside it is `system`, which
    /// no token can claim, and a token naming one of these subjects is refused).
    pub(crate) fn system(name: &'static str) -> Self {
        Self(name.to_owned())
    }

    /// Whether this is one of the system's own identities, which no person may sign in as.
    pub fn is_reserved(&self) -> bool {
        RESERVED_USERS.contains(&self.0.as_str())
    }
}

impl TryFrom<String> for UserId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let ok = !s.is_empty()
            && s.len() <= 128
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '|' | '+' | '-'));
        if ok { Ok(Self(s)) } else { Err(IdError::BadUserId) }
    }
}

impl From<UserId> for String {
    fn from(u: UserId) -> String {
        u.0
    }
}

impl FromStr for UserId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::try_from(s.to_owned())
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_garbage() {
        let id = CaseId::new();
        assert_eq!(id.to_string().parse::<CaseId>(), Ok(id));
        assert!("not-a-uuid".parse::<CaseId>().is_err());
        assert_eq!(id.0.get_version_num(), 7);
    }

    #[test]
    fn derived_ids_are_stable() {
        let parent = CaseId::new();
        let a = ActionId::derived(parent.0, "x");
        assert_eq!(a, ActionId::derived(parent.0, "x"));
        assert_ne!(a, ActionId::derived(parent.0, "y"));
    }

    #[test]
    fn operations_derive_distinct_stable_ids() {
        let op = OpId::new();
        assert_eq!(op.derive("status"), op.derive("status"));
        assert_ne!(op.derive("status"), op.derive("audit"));
        assert_ne!(op.derive("status"), op.0);
        assert_eq!(op.derive("status").get_version_num(), 7, "a fresh operation's ids are UUIDv7");
        let later = OpId::new();
        assert!(later.derive("status") > op.derive("status"), "and sort in the order operations began");
        let user: UserId = "mum".parse().unwrap();
        assert_eq!(OpId::from_key(&user, "k1"), OpId::from_key(&user, "k1"));
        assert_ne!(OpId::from_key(&user, "k1"), OpId::from_key(&user, "k2"));
        assert_ne!(OpId::from_key(&user, "k1"), OpId::from_key(&"dad".parse().unwrap(), "k1"));
    }

    #[test]
    fn advocate_ids_follow_the_user() {
        let a: UserId = "adv-1".parse().unwrap();
        assert_eq!(AdvocateId::for_user(&a), AdvocateId::for_user(&a));
        assert_ne!(AdvocateId::for_user(&a), AdvocateId::for_user(&"adv-2".parse().unwrap()));
    }

    #[test]
    fn user_ids_are_checked() {
        assert!("auth0|abc-123".parse::<UserId>().is_ok());
        assert!("".parse::<UserId>().is_err());
        assert!("a/b".parse::<UserId>().is_err());
        assert!("a:b".parse::<UserId>().is_err());
        assert!("x".repeat(129).parse::<UserId>().is_err());
    }
}
