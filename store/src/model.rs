//! The stored form of records (README, "Storage"): rows with hierarchical keys in scopes, a per-scope
//! `seq` with a dense change log, conditional versions, multi-scope atomic commits, two
//! secondary indexes and id aliases. Modelled on one DynamoDB table so that every adapter can
//! keep exactly the same promises.

use std::collections::{BTreeMap, BTreeSet};

/// Most items one commit may touch, as in a DynamoDB `TransactWriteItems`: one `#META` bump per
/// scope, the record and its change-log entry per put, one item per condition check and two
/// per alias.
pub const MAX_COMMIT_ACTIONS: usize = 100;

/// Most records one listing page returns.
pub const MAX_PAGE: usize = 1000;

/// A stored record. The body is the record's JSON text, parsed only by the codec, so a listing
/// costs one parse per record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub scope: String,
    pub key: String,
    pub version: u64,
    pub seq: u64,
    pub deleted: bool,
    pub body: String,
}

/// One page of a listing; `next` is the key (or index sort key) to continue after.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// A secondary index entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexKey {
    pub pk: String,
    pub sk: String,
}

/// The two secondary indexes: GSI1 for lookups across scopes, sparse GSI2 for dated open work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    G1,
    G2,
}

/// The condition a put (or a check) is committed under: the domain's, so the version rule is
/// written once.
pub use senvault_domain::Expect;

#[derive(Debug, Clone, PartialEq)]
pub struct Put {
    pub scope: String,
    pub key: String,
    /// The record's JSON text.
    pub body: String,
    pub deleted: bool,
    pub expect: Expect,
    pub g1: Option<IndexKey>,
    pub g2: Option<IndexKey>,
}

/// A record that is not written but must still be as it was read for the commit to land — the
/// membership that authorised a change, so that a change decided just before a revocation fails
/// instead of landing after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub scope: String,
    pub key: String,
    pub expect: Expect,
}

/// Records to write atomically, across any number of scopes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommitRequest {
    pub puts: Vec<Put>,
    /// Conditions on records the commit does not write.
    pub checks: Vec<Check>,
    /// `(id, scope)`: create-only lookups from a record id to its scope.
    pub aliases: Vec<(String, String)>,
}

impl CommitRequest {
    pub fn puts(puts: Vec<Put>) -> Self {
        Self { puts, ..Self::default() }
    }

    /// Items this commit touches, counted as DynamoDB counts transaction actions (an alias is
    /// two: itself and its scope's note of it, for purging).
    pub fn action_count(&self) -> usize {
        let scopes: BTreeSet<_> = self.puts.iter().map(|p| p.scope.as_str()).collect();
        scopes.len() + 2 * self.puts.len() + self.checks.len() + 2 * self.aliases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.aliases.is_empty()
    }

    /// Splits a commit into ones of at most [`MAX_COMMIT_ACTIONS`] items, keeping the order of
    /// the puts; every batch carries the checks (each must still hold when it lands), and the
    /// aliases go with the last. Only for changes whose every write is conditioned and whose
    /// decision is re-made from what is stored (see `Operation::commits_in_batches`).
    pub fn into_batches(self) -> Vec<CommitRequest> {
        let checks = self.checks;
        let fresh = || CommitRequest { puts: Vec::new(), checks: checks.clone(), aliases: Vec::new() };
        let mut batches = Vec::new();
        let mut current = fresh();
        for put in self.puts {
            current.puts.push(put);
            if current.action_count() > MAX_COMMIT_ACTIONS
                && current.puts.len() > 1
                && let Some(put) = current.puts.pop()
            {
                batches.push(std::mem::replace(&mut current, fresh()));
                current.puts.push(put);
            }
        }
        current.aliases = self.aliases;
        if current.action_count() > MAX_COMMIT_ACTIONS && current.puts.len() > 1 {
            // Make room for the aliases: move puts to a batch of their own.
            let keep = current.puts.split_off(current.puts.len() / 2);
            let moved = std::mem::replace(&mut current.puts, keep);
            batches.push(CommitRequest { puts: moved, checks: current.checks.clone(), aliases: vec![] });
        }
        batches.push(current);
        batches
    }
}

/// What a commit allocated: the last `seq` per scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReceipt {
    pub seqs: BTreeMap<String, u64>,
}

/// One entry of a scope's dense change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: u64,
    pub key: String,
    pub version: u64,
    pub deleted: bool,
}

/// A scope's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeMeta {
    /// The last allocated sequence number (0: nothing written yet).
    pub seq: u64,
    /// Changes when a scope's history is rewritten; devices then download it afresh.
    pub epoch: u64,
    /// Change-log entries below this seq are gone; a device behind it downloads afresh.
    pub purged_before: u64,
}

impl Default for ScopeMeta {
    fn default() -> Self {
        ScopeMeta { seq: 0, epoch: 1, purged_before: 0 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A put's or check's condition failed: someone else wrote first. Re-read and decide again.
    #[error("conflicting write to {scope} {key}")]
    Conflict { scope: String, key: String },
    /// An alias already points at another scope.
    #[error("alias {0} already exists")]
    AliasTaken(String),
    #[error("commit touches {actions} items; at most {MAX_COMMIT_ACTIONS} fit in one transaction")]
    TooLarge { actions: usize },
    /// The storage cannot be reached or is overloaded right now (a timeout, throttling, a busy
    /// database): the same request may pass later, so the API answers 503 with `Retry-After` and
    /// a device retries its push.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A stored record does not decode: retrying cannot help, so the API answers 500 and a
    /// synced mutation that needs it is refused with this reason rather than retried forever.
    /// Names the record by scope and key only (never its body).
    #[error("unreadable record {scope} {key}: {reason}")]
    Corrupt { scope: String, key: String, reason: String },
    /// Anything else the software did not expect (a schema newer than this release, a record
    /// that will not encode): a fault to fix, not to retry.
    #[error("storage failure: {0}")]
    Internal(String),
}

impl StoreError {
    /// A failure of the moment: worth retrying.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// A record that does not decode, named by scope and key.
    pub fn corrupt(scope: impl Into<String>, key: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        StoreError::Corrupt { scope: scope.into(), key: key.into(), reason: reason.to_string() }
    }
}

/// The exclusive upper bound of keys starting with `prefix` (`None`: unbounded).
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Above every key and sort key the system writes (they are ASCII).
pub const KEY_MAX: &str = "\u{10FFFF}";

/// Validates a commit before any adapter touches storage: its size, and that no record is
/// written or checked twice (a transaction may touch an item once).
pub fn check_commit(request: &CommitRequest) -> Result<(), StoreError> {
    let actions = request.action_count();
    if actions > MAX_COMMIT_ACTIONS {
        return Err(StoreError::TooLarge { actions });
    }
    let mut seen = BTreeSet::new();
    let touched = request
        .puts
        .iter()
        .map(|p| (p.scope.as_str(), p.key.as_str()))
        .chain(request.checks.iter().map(|c| (c.scope.as_str(), c.key.as_str())));
    for (scope, key) in touched {
        if !seen.insert((scope, key)) {
            return Err(StoreError::Internal(format!("commit touches {scope} {key} twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(scope: &str, n: usize) -> Put {
        Put {
            scope: scope.into(),
            key: format!("k{n:04}"),
            body: "null".into(),
            deleted: false,
            expect: Expect::Absent,
            g1: None,
            g2: None,
        }
    }

    #[test]
    fn large_commits_split_in_order_within_the_limit() {
        let mut puts: Vec<Put> = (0..130).map(|n| put("child:a", n)).collect();
        puts.push(put("audit:x", 130));
        let check = Check { scope: "user:u".into(), key: "membership/child:a".into(), expect: Expect::Version(3) };
        let request = CommitRequest {
            puts: puts.clone(),
            checks: vec![check.clone()],
            aliases: vec![("id".into(), "child:a".into())],
        };
        let batches = request.into_batches();
        assert_eq!(batches.len(), 3);
        assert!(
            batches.iter().all(|b| b.action_count() <= MAX_COMMIT_ACTIONS),
            "{:?}",
            batches.iter().map(CommitRequest::action_count).collect::<Vec<_>>()
        );
        let rejoined: Vec<Put> = batches.iter().flat_map(|b| b.puts.clone()).collect();
        assert_eq!(rejoined, puts, "nothing lost, order kept");
        assert!(batches.iter().all(|b| b.checks == vec![check.clone()]), "every batch keeps the checks");
        assert!(batches[..2].iter().all(|b| b.aliases.is_empty()));
        assert_eq!(batches[2].aliases.len(), 1);
        let small = CommitRequest::puts(puts[..3].to_vec());
        assert_eq!(small.clone().into_batches(), vec![small]);
    }

    #[test]
    fn a_commit_may_touch_an_item_once() {
        let mut request = CommitRequest::puts(vec![put("s", 1)]);
        request.checks.push(Check { scope: "s".into(), key: "k0001".into(), expect: Expect::Version(1) });
        assert!(matches!(check_commit(&request), Err(StoreError::Internal(_))));
        request.checks[0].key = "other".into();
        assert!(check_commit(&request).is_ok());
    }

    #[test]
    fn prefix_end_is_the_next_string() {
        assert_eq!(prefix_end("case/"), Some("case0".into()));
        assert_eq!(prefix_end(""), None);
    }
}
