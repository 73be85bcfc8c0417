//! The storage port (DESIGN §3): records with hierarchical keys in scopes, a per-scope `seq`,
//! a dense change log, conditional versions, multi-scope atomic commits, prefix listing, two
//! secondary indexes, and id aliases.
//!
//! Adapters: [`sqlite::SqliteStore`] (embedded default) here; DynamoDB alongside it in
//! production. Both must pass [`conformance`].

pub mod conformance;
pub mod counting;
pub mod dynamo;
pub mod sqlite;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::Value;

/// Most items one commit may touch, as in a DynamoDB `TransactWriteItems`: one `#META` bump per
/// scope, the record and its change-log entry per put, and one item per alias.
pub const MAX_COMMIT_ACTIONS: usize = 100;

/// Most records one listing page returns.
pub const MAX_PAGE: usize = 1000;

/// A stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub scope: String,
    pub key: String,
    pub version: u64,
    pub seq: u64,
    pub deleted: bool,
    pub body: Value,
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

/// The condition a put is committed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Absent,
    Version(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Put {
    pub scope: String,
    pub key: String,
    pub body: Value,
    pub deleted: bool,
    pub expect: Expect,
    pub g1: Option<IndexKey>,
    pub g2: Option<IndexKey>,
}

/// Records to write atomically, across any number of scopes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommitRequest {
    pub puts: Vec<Put>,
    /// `(id, scope)`: create-only lookups from a record id to its scope.
    pub aliases: Vec<(String, String)>,
}

impl CommitRequest {
    /// Items this commit touches, counted as DynamoDB counts transaction actions.
    pub fn action_count(&self) -> usize {
        let scopes: std::collections::BTreeSet<_> = self.puts.iter().map(|p| p.scope.as_str()).collect();
        scopes.len() + 2 * self.puts.len() + self.aliases.len()
    }

    /// Splits a commit into ones of at most [`MAX_COMMIT_ACTIONS`] items, keeping the order of
    /// the puts; aliases go with the last. Only for changes whose every write is conditioned and
    /// whose decision is re-made from what is stored (see `Command::commits_in_batches`).
    pub fn into_batches(self) -> Vec<CommitRequest> {
        let mut batches = Vec::new();
        let mut current = CommitRequest::default();
        for put in self.puts {
            current.puts.push(put);
            if current.action_count() > MAX_COMMIT_ACTIONS
                && let Some(put) = current.puts.pop()
            {
                batches.push(std::mem::take(&mut current));
                current.puts.push(put);
            }
        }
        current.aliases = self.aliases;
        if current.action_count() > MAX_COMMIT_ACTIONS && current.puts.len() > 1 {
            // Make room for the aliases: move puts to a batch of their own.
            let keep = current.puts.split_off(current.puts.len() / 2);
            batches.push(CommitRequest { puts: std::mem::replace(&mut current.puts, keep), aliases: vec![] });
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeMeta {
    /// The last allocated sequence number (0: nothing written yet).
    pub seq: u64,
    pub epoch: u64,
    pub purged_before: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A put's condition failed: someone else wrote first. Re-read and decide again.
    #[error("conflicting write to {scope} {key}")]
    Conflict { scope: String, key: String },
    /// An alias already points at another scope.
    #[error("alias {0} already exists")]
    AliasTaken(String),
    #[error("commit touches {actions} items; at most {MAX_COMMIT_ACTIONS} fit in one transaction")]
    TooLarge { actions: usize },
    #[error("storage failure: {0}")]
    Backend(String),
}

/// The storage port.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// One record (tombstones included, flagged `deleted`).
    async fn get(&self, scope: &str, key: &str) -> Result<Option<StoredRecord>, StoreError>;

    /// Live records of `scope` whose key starts with `prefix`, in key order, after `after`.
    async fn list(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError>;

    /// Live records whose index partition is `pk`, in sort-key order, with sort keys after
    /// `after` and up to `until` (inclusive).
    async fn query_index(
        &self,
        index: Index,
        pk: &str,
        after: Option<&str>,
        until: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError>;

    /// The scope an aliased id lives in.
    async fn resolve(&self, id: &str) -> Result<Option<String>, StoreError>;

    /// Writes every put and alias or none.
    async fn commit(&self, request: CommitRequest) -> Result<CommitReceipt, StoreError>;

    /// Change-log entries of `scope` with `seq > after`, in order.
    async fn changes(&self, scope: &str, after: u64, limit: usize) -> Result<Vec<Change>, StoreError>;

    async fn meta(&self, scope: &str) -> Result<ScopeMeta, StoreError>;
}

/// The exclusive upper bound of keys starting with `prefix` (`None`: unbounded).
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Validates a commit before any adapter touches storage.
pub(crate) fn check_commit(request: &CommitRequest) -> Result<(), StoreError> {
    let actions = request.action_count();
    if actions > MAX_COMMIT_ACTIONS {
        return Err(StoreError::TooLarge { actions });
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in &request.puts {
        if !seen.insert((p.scope.as_str(), p.key.as_str())) {
            return Err(StoreError::Backend(format!("commit writes {} {} twice", p.scope, p.key)));
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
            body: Value::Null,
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
        let request = CommitRequest { puts: puts.clone(), aliases: vec![("id".into(), "child:a".into())] };
        let batches = request.into_batches();
        assert_eq!(batches.len(), 3);
        assert!(
            batches.iter().all(|b| b.action_count() <= MAX_COMMIT_ACTIONS),
            "{:?}",
            batches.iter().map(CommitRequest::action_count).collect::<Vec<_>>()
        );
        let rejoined: Vec<Put> = batches.iter().flat_map(|b| b.puts.clone()).collect();
        assert_eq!(rejoined, puts, "nothing lost, order kept");
        assert!(batches[..2].iter().all(|b| b.aliases.is_empty()));
        assert_eq!(batches[2].aliases.len(), 1);
        let small = CommitRequest { puts: puts[..3].to_vec(), aliases: vec![] };
        assert_eq!(small.clone().into_batches(), vec![small]);
    }

    #[test]
    fn prefix_end_is_the_next_string() {
        assert_eq!(prefix_end("case/"), Some("case0".into()));
        assert_eq!(prefix_end(""), None);
    }
}
