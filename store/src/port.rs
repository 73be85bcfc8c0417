//! The storage port, split by what callers need: most code only reads records; the write path
//! commits; sync reads the change log; listings across scopes and the scanner use the indexes.
//! [`Store`] is all four, which every adapter (SQLite here, DynamoDB on the server) implements.
//!
//! The traits are async because the production adapter talks to DynamoDB over the network, but
//! they name no runtime: the SQLite engine completes its futures on whatever thread its
//! [`crate::sqlite::Offload`] gives it, and a phone can drive them with a trivial executor.

use async_trait::async_trait;

use senvault_domain::{Read, Snapshot};

use crate::load::{Tombstones, load_by_parts};
use crate::model::{Change, CommitReceipt, CommitRequest, Index, Page, ScopeMeta, StoreError, StoredRecord};

/// Reading records of one scope.
#[async_trait]
pub trait RecordReader: Send + Sync {
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

    /// Live records of `scope` whose key starts with `prefix`, in reverse key order (newest
    /// first, for time-ordered keys such as the audit log's), with keys before `before`.
    async fn list_newest(
        &self,
        scope: &str,
        prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError>;

    /// Like [`RecordReader::list`], tombstones included: what a decision loads, so that a write
    /// to a deleted key is conditioned on the tombstone's version rather than on absence.
    async fn list_with_tombstones(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError>;

    /// Every record `reads` names, decoded into one snapshot. An adapter may do better than one
    /// call per read: the SQLite engine reads them all in one read transaction (one consistent
    /// view) and decodes them on the thread that read them.
    async fn load(&self, reads: &[Read], tombstones: Tombstones) -> Result<Snapshot, StoreError> {
        load_by_parts(self, reads, tombstones).await
    }
}

/// Lookups across scopes: the secondary indexes and the id aliases.
#[async_trait]
pub trait IndexReader: Send + Sync {
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
}

/// Writing: every put, check and alias of a request, or none of them.
#[async_trait]
pub trait Committer: Send + Sync {
    async fn commit(&self, request: CommitRequest) -> Result<CommitReceipt, StoreError>;
}

/// Each scope's dense change log and its metadata (what sync pulls from).
#[async_trait]
pub trait ChangeLog: Send + Sync {
    /// Change-log entries of `scope` with `seq > after`, in order.
    async fn changes(&self, scope: &str, after: u64, limit: usize) -> Result<Vec<Change>, StoreError>;

    async fn meta(&self, scope: &str) -> Result<ScopeMeta, StoreError>;
}

/// Removing data for good, for an account's deletion (UK GDPR article 17). Unlike a commit's
/// tombstone, nothing is left behind to name what went: no record, no index entry, no
/// change-log entry, no alias.
#[async_trait]
pub trait Eraser: Send + Sync {
    /// Deletes every item of `scope` — its records and tombstones (with their index entries),
    /// its change log, the aliases that lead into it — and its metadata last, so that a purge
    /// cut short is finished by running it again. Answers how many records and tombstones
    /// went (0 for a scope already gone).
    async fn purge_scope(&self, scope: &str) -> Result<u64, StoreError>;

    /// Deletes the records `keys` of `scope` (someone else's scope that names a deleted
    /// account) with their change-log entries, and starts the scope's history afresh (a new
    /// epoch): no tombstone may keep the key, so devices download the scope again instead of
    /// being told what went. Answers how many records went.
    async fn erase_keys(&self, scope: &str, keys: &[String]) -> Result<u64, StoreError>;

    /// After an account's erasure: rewrites storage so that nothing erased survives in its free
    /// space. SQLite's `secure_delete` zeroes a deleted row, but a page it rearranged can keep a
    /// fragment of a deleted key, so the SQLite store rebuilds the file from its live rows
    /// (`VACUUM`) and empties its log; DynamoDB keeps no free space a reader could see.
    async fn compact(&self) -> Result<(), StoreError>;
}

/// A whole storage adapter.
pub trait Store: RecordReader + IndexReader + Committer + ChangeLog + Eraser + 'static {}

impl<T: RecordReader + IndexReader + Committer + ChangeLog + Eraser + 'static> Store for T {}
