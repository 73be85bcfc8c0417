//! Deleting an account (UK GDPR article 17): what is kept afterwards — a receipt with counts and
//! times, found again only through a keyed hash of the user id — and how records of other
//! people that name the deleted family are recognised.
//!
//! The order of the work is the service's (`senvault-functions`' `service::erasure`): end the
//! connections, delete the documents' bytes, then the records of someone else that name the
//! family, then the family's own scopes — children and support relationships first, the family
//! and the user's own scope last, because those list the rest and a deletion cut short must be
//! able to find what is left by running again.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::context::Actor;
use crate::error::DomainError;
use crate::ids::UserId;
use crate::vocab::{ActorRole, vocab};

/// Where a deleted account's receipt is kept: the hex HMAC-SHA-256 of its user id under a key
/// only the deployment holds. Whoever reads the table cannot tell whose receipt it is; the same
/// user asking again finds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ErasureKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an erasure key is 64 lower-case hex digits")]
pub struct BadErasureKey;

impl FromStr for ErasureKey {
    type Err = BadErasureKey;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            Ok(ErasureKey(s.to_owned()))
        } else {
            Err(BadErasureKey)
        }
    }
}

impl TryFrom<String> for ErasureKey {
    type Error = BadErasureKey;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ErasureKey> for String {
    fn from(k: ErasureKey) -> String {
        k.0
    }
}

impl fmt::Display for ErasureKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

vocab!(
    /// Where a deletion stands: `in_progress` (started and not finished; asking again carries
    /// on from where it stopped) or `complete`.
    ErasureState {
        InProgress = "in_progress",
        Complete = "complete",
    }
);

/// A deletion receipt (key [`crate::keys::ERASURE_RECEIPT`] in its [`crate::Scope::Erased`]
/// scope): counts and times, no names and no ids of the family. While the deletion runs it also
/// holds whom to tell when it is done (advocates, never the family), emptied at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub state: ErasureState,
    /// The kind of account deleted.
    pub role: ActorRole,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Records removed (tombstones and other people's records that named the account included).
    pub records: u64,
    /// Documents removed (the records of the family's documents).
    pub documents: u64,
    /// Stored files removed: documents, upload slots, built bundles and exports.
    pub files: u64,
    /// Bytes of those files, every stored version counted.
    pub bytes: u64,
    /// Support relationships ended by the deletion.
    pub connections_ended: u64,
    /// Advocates to tell once the deletion is complete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<UserId>,
}

impl Erasure {
    /// A deletion starting now.
    pub fn start(role: ActorRole, now: DateTime<Utc>) -> Self {
        Erasure {
            state: ErasureState::InProgress,
            role,
            started_at: now,
            finished_at: None,
            records: 0,
            documents: 0,
            files: 0,
            bytes: 0,
            connections_ended: 0,
            notify: Vec::new(),
        }
    }

    /// The receipt as kept once the deletion is done: the list of whom to tell goes.
    pub fn completed(mut self, now: DateTime<Utc>) -> Self {
        self.state = ErasureState::Complete;
        self.finished_at.get_or_insert(now);
        self.notify.clear();
        self
    }
}

/// The account's own user id, typed back: a deletion happens only when the caller states which
/// account they are deleting. Anything else is refused (409: what the id must be depends on
/// who asks, which no schema can say) and deletes nothing.
pub fn check_confirmation(actor: &Actor, confirm: &str) -> Result<(), DomainError> {
    if confirm.trim() == actor.user.as_str() {
        Ok(())
    } else {
        Err(DomainError::refused("confirm", "type your account's user id (GET /v1/family shows it) to delete it"))
    }
}

/// The ids of a deleted account — its user, family, children, cases, documents, support
/// relationships and everything else keyed by an id — and the test of whether a record names
/// any of them. A record of someone else (an advocate's private note about the family's ticket,
/// the family's review of the advocate, a notification naming the child) that does is deleted
/// with the account.
#[derive(Debug, Clone, Default)]
pub struct Named {
    uuids: BTreeSet<String>,
    others: BTreeSet<String>,
}

const UUID_LEN: usize = 36;

/// Whether `s` (36 bytes) is a hyphenated UUID in any case.
fn is_uuid(s: &[u8]) -> bool {
    s.len() == UUID_LEN
        && s.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Characters a user id may hold: a match must not continue into one of them.
fn id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'|' | b'+' | b'-')
}

impl Named {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an id (a UUID in any case, or a user id).
    pub fn add(&mut self, id: &str) {
        if is_uuid(id.as_bytes()) {
            self.uuids.insert(id.to_ascii_lowercase());
        } else if !id.is_empty() {
            self.others.insert(id.to_owned());
        }
    }

    /// Adds every UUID a record key holds (`case/<id>/note/<id>`, `membership/child:<id>`).
    pub fn add_key_ids(&mut self, key: &str) {
        for id in uuids_in(key) {
            self.uuids.insert(id);
        }
    }

    pub fn len(&self) -> usize {
        self.uuids.len() + self.others.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `text` (a key or a record's JSON) names one of the ids: a UUID anywhere, a user
    /// id standing on its own (not inside a longer id).
    pub fn in_text(&self, text: &str) -> bool {
        if uuids_in(text).any(|id| self.uuids.contains(&id)) {
            return true;
        }
        let bytes = text.as_bytes();
        self.others.iter().any(|id| {
            text.match_indices(id.as_str()).any(|(at, _)| {
                let before = at.checked_sub(1).map(|i| bytes[i]);
                let after = bytes.get(at + id.len()).copied();
                !before.is_some_and(id_char) && !after.is_some_and(id_char)
            })
        })
    }
}

/// Every hyphenated UUID in `text`, lower-cased.
fn uuids_in(text: &str) -> impl Iterator<Item = String> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at + UUID_LEN <= bytes.len() {
            let window = &bytes[at..at + UUID_LEN];
            if is_uuid(window) {
                at += UUID_LEN;
                return Some(String::from_utf8_lossy(window).to_ascii_lowercase());
            }
            at += 1;
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::RoleClaim;

    #[test]
    fn only_the_account_s_own_id_confirms() {
        let actor = Actor { user: "parent-1".parse().unwrap(), role: RoleClaim::Family };
        assert!(check_confirmation(&actor, "parent-1").is_ok());
        assert!(check_confirmation(&actor, " parent-1 ").is_ok(), "a pasted id's spaces do not matter");
        for wrong in ["", "parent-2", "PARENT-1", "parent-1x", "yes"] {
            assert!(matches!(check_confirmation(&actor, wrong), Err(DomainError::Refused(_))), "{wrong}");
        }
    }

    #[test]
    fn records_naming_an_id_are_found_and_others_are_not() {
        let child = "0193A1B2-0000-7000-8000-00000000C41D";
        let mut named = Named::new();
        named.add(child);
        named.add("u-1");
        named.add_key_ids("case/0193a1b2-0000-7000-8000-0000000ca5e0/note/0193a1b2-0000-7000-8000-0000000001e5");
        assert_eq!(named.len(), 4);
        assert!(named.in_text(r#"{"child_id":"0193a1b2-0000-7000-8000-00000000c41d"}"#), "case does not matter");
        assert!(named.in_text("membership/child:0193a1b2-0000-7000-8000-00000000c41d"));
        assert!(named.in_text(r#"{"case":"0193a1b2-0000-7000-8000-0000000ca5e0"}"#));
        assert!(named.in_text(r#"{"user":"u-1"}"#));
        assert!(!named.in_text(r#"{"user":"u-10"}"#), "a longer id is someone else");
        assert!(!named.in_text(r#"{"user":"au-1"}"#));
        assert!(!named.in_text(r#"{"child_id":"0193a1b2-0000-7000-8000-00000000c41e"}"#));
        assert!(!named.in_text("0193a1b2-0000-7000-8000-00000000c41"), "a cut-off id is not one");
    }

    #[test]
    fn a_receipt_keeps_counts_and_times_only() {
        let now = chrono::Utc::now();
        let mut e = Erasure::start(ActorRole::Family, now);
        e.notify.push("adv-1".parse().unwrap());
        e.records = 12;
        let done = e.completed(now);
        assert_eq!(done.state, ErasureState::Complete);
        assert_eq!(done.finished_at, Some(now));
        assert!(done.notify.is_empty());
        let json = serde_json::to_string(&done).unwrap();
        assert!(!json.contains("adv-1"), "{json}");
        assert!("ab".repeat(32).parse::<ErasureKey>().is_ok());
        assert!("AB".repeat(32).parse::<ErasureKey>().is_err());
        assert!("ab".parse::<ErasureKey>().is_err());
    }
}
