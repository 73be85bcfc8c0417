//! Scopes: the unit of access, of transactions and of sync (README, "Storage").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{AdvocateId, ChildId, ConnectionId, FamilyId, IdError, OrganisationId, UserId};

/// A partition of the data that one membership grants access to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    /// Family profile, members, children list, audit log.
    Family(FamilyId),
    /// Everything about one child: cases, notes, actions, key dates.
    Child(ChildId),
    /// A user's memberships, notifications and preferences.
    User(UserId),
    /// One support relationship: its ticket, messages, checklist and history.
    Conn(ConnectionId),
    /// An advocate's profile, directory entries, reviews and private ticket notes.
    Advocate(AdvocateId),
    /// An organisation's profile and members.
    Org(OrganisationId),
    /// A deleted account's receipt, under the keyed hash of its user id: no one's to read or
    /// sync, only the deletion's to write and to find again.
    Erased(crate::erasure::ErasureKey),
}

impl Scope {
    /// Scopes that are the caller's by who they are, with no membership record: their own user
    /// scope, and an advocate's own workspace.
    pub fn owned_by(&self, actor: &crate::context::Actor) -> bool {
        match self {
            Scope::User(u) => *u == actor.user,
            Scope::Advocate(a) => {
                actor.role == crate::vocab::RoleClaim::Advocate && *a == AdvocateId::for_user(&actor.user)
            }
            Scope::Family(_) | Scope::Child(_) | Scope::Conn(_) | Scope::Org(_) | Scope::Erased(_) => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("unknown scope kind in `{0}`")]
    Kind(String),
    #[error(transparent)]
    Id(#[from] IdError),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Family(id) => write!(f, "family:{id}"),
            Scope::Child(id) => write!(f, "child:{id}"),
            Scope::User(id) => write!(f, "user:{id}"),
            Scope::Conn(id) => write!(f, "conn:{id}"),
            Scope::Advocate(id) => write!(f, "advocate:{id}"),
            Scope::Org(id) => write!(f, "org:{id}"),
            Scope::Erased(key) => write!(f, "erased:{key}"),
        }
    }
}

impl FromStr for Scope {
    type Err = ScopeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, id) = s.split_once(':').ok_or_else(|| ScopeError::Kind(s.chars().take(64).collect()))?;
        let scope = match kind {
            "family" => Scope::Family(id.parse()?),
            "child" => Scope::Child(id.parse()?),
            "user" => Scope::User(id.parse()?),
            "conn" => Scope::Conn(id.parse()?),
            "advocate" => Scope::Advocate(id.parse()?),
            "org" => Scope::Org(id.parse()?),
            "erased" => Scope::Erased(id.parse().map_err(|_| ScopeError::Kind(s.chars().take(64).collect()))?),
            _ => return Err(ScopeError::Kind(s.chars().take(64).collect())),
        };
        // One spelling per scope (lower-case, hyphenated ids), as the server writes it: the
        // document's pattern says exactly this, and a pull for `CHILD:…` never aliases a scope.
        if scope.to_string() != s {
            return Err(ScopeError::Kind(s.chars().take(64).collect()));
        }
        Ok(scope)
    }
}

impl TryFrom<String> for Scope {
    type Error = ScopeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip() {
        for s in [
            Scope::Family(FamilyId::new()),
            Scope::Child(ChildId::new()),
            Scope::User("u-1".parse().unwrap()),
            Scope::Conn(ConnectionId::new()),
            Scope::Advocate(AdvocateId::new()),
            Scope::Org(OrganisationId::new()),
            Scope::Erased("0f".repeat(32).parse().unwrap()),
        ] {
            assert_eq!(s.to_string().parse::<Scope>().unwrap(), s);
        }
        assert!("case:1".parse::<Scope>().is_err());
        assert!("child:nope".parse::<Scope>().is_err());
        assert!("nothing".parse::<Scope>().is_err());
    }
}
