//! Who is asking, with what access, and when: everything a decision depends on besides the
//! records it reads.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::dates::london_date;
use crate::error::DomainError;
use crate::ids::{OpId, UserId};
use crate::vocab::{ActorRole, MemberRole, RoleClaim};

/// Who did something, as recorded in history (never taken from the request body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorRef {
    pub user: UserId,
    pub role: ActorRole,
}

impl ActorRef {
    /// The person who made an earlier request, acting again: a background job (a bundle build,
    /// an export) finishes it as them, so every read it does is checked as theirs. The system's
    /// own identities act as nobody's role but a family's, which opens nothing they do not own.
    pub fn acting(&self) -> Actor {
        let role = match self.role {
            ActorRole::Advocate => RoleClaim::Advocate,
            ActorRole::OrgAdmin => RoleClaim::OrgAdmin,
            ActorRole::Family | ActorRole::System => RoleClaim::Family,
        };
        Actor { user: self.user.clone(), role }
    }

    /// The scheduled scanner, author of missed-deadline notes.
    pub fn scanner() -> Self {
        ActorRef { user: UserId::system(crate::ids::RESERVED_USERS[0]), role: ActorRole::System }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub role: RoleClaim,
}

impl Actor {
    pub fn as_ref(&self) -> ActorRef {
        ActorRef { user: self.user.clone(), role: self.role.into() }
    }
}

/// Everything a decision depends on besides the records.
#[derive(Debug, Clone)]
pub struct Context {
    pub actor: Actor,
    /// The caller's membership of the command's scope, read from the membership record
    /// (never from the request). `None`: not a member.
    pub membership: Option<MemberRole>,
    pub now: DateTime<Utc>,
    /// The operation: the seed of every id the rules derive (history, audit, default ids), so
    /// a retried request or a replayed mutation decides exactly the same writes.
    pub op: OpId,
    /// The device change this operation replays, when it came by sync (`None`: a request to the
    /// API, or a decision on the phone itself).
    pub origin: Option<Origin>,
}

/// Where a synced change came from: the device, its mutation, and the version of the record it
/// edited as the device last saw it, so an edit made without seeing another writer's can be
/// told apart from one made after it (`docs/sync.md`, "Conflicts").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub client_id: String,
    pub mid: u64,
    pub base: Option<u64>,
}

/// Why a view-only member is refused a change.
pub const READ_ONLY: &str =
    "view access is read-only: only the family and advocates granted collaborate access can change this case";

impl Context {
    /// Today in England, the day deadlines are judged by.
    pub fn today(&self) -> NaiveDate {
        london_date(self.now)
    }

    pub(crate) fn actor_ref(&self) -> ActorRef {
        self.actor.as_ref()
    }

    /// The caller must own the scope (the family).
    pub(crate) fn require_owner(&self, what: &'static str, rule: &'static str) -> Result<(), DomainError> {
        require_owner(self.membership, what, rule)
    }

    /// The caller must be allowed to change records in the scope (owner or collaborator).
    pub(crate) fn require_writer(&self, what: &'static str) -> Result<(), DomainError> {
        require_writer(self.membership, what)
    }
}

/// Non-members are told the record does not exist (404); members without the right are told
/// which rule stops them (403).
pub fn require_owner(role: Option<MemberRole>, what: &'static str, rule: &'static str) -> Result<(), DomainError> {
    match role {
        None => Err(DomainError::NotFound { what }),
        Some(MemberRole::Owner) => Ok(()),
        Some(_) => Err(DomainError::Forbidden { rule }),
    }
}

/// Owners and collaborators may change a scope's case records; viewers may not.
pub fn require_writer(role: Option<MemberRole>, what: &'static str) -> Result<(), DomainError> {
    match role {
        None => Err(DomainError::NotFound { what }),
        Some(role) if role.may_write() => Ok(()),
        Some(_) => Err(DomainError::Forbidden { rule: READ_ONLY }),
    }
}

/// Any member may read.
pub fn require_member(role: Option<MemberRole>, what: &'static str) -> Result<MemberRole, DomainError> {
    role.ok_or(DomainError::NotFound { what })
}
