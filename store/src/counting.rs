//! A store wrapper that counts calls, so benchmarks and tests can state exactly how many
//! storage round trips an operation costs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::model::*;
use crate::port::{ChangeLog, Committer, IndexReader, RecordReader, Store};

/// Calls made through a [`CountingStore`].
#[derive(Debug, Default)]
pub struct Counts {
    pub gets: AtomicU64,
    pub lists: AtomicU64,
    pub index_queries: AtomicU64,
    pub resolves: AtomicU64,
    pub commits: AtomicU64,
    pub change_reads: AtomicU64,
    pub meta_reads: AtomicU64,
    /// Records returned by lists and index queries.
    pub records_read: AtomicU64,
}

/// A snapshot of [`Counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountSnapshot {
    pub gets: u64,
    pub lists: u64,
    pub index_queries: u64,
    pub resolves: u64,
    pub commits: u64,
    pub change_reads: u64,
    pub meta_reads: u64,
    pub records_read: u64,
}

impl CountSnapshot {
    /// Multi-record reads (prefix listings and index queries).
    pub fn queries(&self) -> u64 {
        self.lists + self.index_queries
    }
    /// Single-item reads (records and aliases).
    pub fn point_reads(&self) -> u64 {
        self.gets + self.resolves
    }
    pub fn since(&self, earlier: &CountSnapshot) -> CountSnapshot {
        CountSnapshot {
            gets: self.gets - earlier.gets,
            lists: self.lists - earlier.lists,
            index_queries: self.index_queries - earlier.index_queries,
            resolves: self.resolves - earlier.resolves,
            commits: self.commits - earlier.commits,
            change_reads: self.change_reads - earlier.change_reads,
            meta_reads: self.meta_reads - earlier.meta_reads,
            records_read: self.records_read - earlier.records_read,
        }
    }
}

impl Counts {
    pub fn snapshot(&self) -> CountSnapshot {
        CountSnapshot {
            gets: self.gets.load(Ordering::Relaxed),
            lists: self.lists.load(Ordering::Relaxed),
            index_queries: self.index_queries.load(Ordering::Relaxed),
            resolves: self.resolves.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
            change_reads: self.change_reads.load(Ordering::Relaxed),
            meta_reads: self.meta_reads.load(Ordering::Relaxed),
            records_read: self.records_read.load(Ordering::Relaxed),
        }
    }
}

pub struct CountingStore {
    inner: Arc<dyn Store>,
    pub counts: Arc<Counts>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self { inner, counts: Arc::new(Counts::default()) }
    }
}

fn bump(c: &AtomicU64, n: usize) {
    c.fetch_add(n as u64, Ordering::Relaxed);
}

#[async_trait]
impl RecordReader for CountingStore {
    async fn get(&self, scope: &str, key: &str) -> Result<Option<StoredRecord>, StoreError> {
        bump(&self.counts.gets, 1);
        self.inner.get(scope, key).await
    }

    async fn list(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        bump(&self.counts.lists, 1);
        let page = self.inner.list(scope, prefix, after, limit).await?;
        bump(&self.counts.records_read, page.items.len());
        Ok(page)
    }

    async fn list_with_tombstones(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        bump(&self.counts.lists, 1);
        let page = self.inner.list_with_tombstones(scope, prefix, after, limit).await?;
        bump(&self.counts.records_read, page.items.len());
        Ok(page)
    }

    async fn list_newest(
        &self,
        scope: &str,
        prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        bump(&self.counts.lists, 1);
        let page = self.inner.list_newest(scope, prefix, before, limit).await?;
        bump(&self.counts.records_read, page.items.len());
        Ok(page)
    }
}

#[async_trait]
impl IndexReader for CountingStore {
    async fn query_index(
        &self,
        index: Index,
        pk: &str,
        after: Option<&str>,
        until: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        bump(&self.counts.index_queries, 1);
        let page = self.inner.query_index(index, pk, after, until, limit).await?;
        bump(&self.counts.records_read, page.items.len());
        Ok(page)
    }

    async fn resolve(&self, id: &str) -> Result<Option<String>, StoreError> {
        bump(&self.counts.resolves, 1);
        self.inner.resolve(id).await
    }
}

#[async_trait]
impl Committer for CountingStore {
    async fn commit(&self, request: CommitRequest) -> Result<CommitReceipt, StoreError> {
        bump(&self.counts.commits, 1);
        self.inner.commit(request).await
    }
}

#[async_trait]
impl crate::port::Eraser for CountingStore {
    async fn purge_scope(&self, scope: &str) -> Result<u64, StoreError> {
        self.inner.purge_scope(scope).await
    }
    async fn erase_keys(&self, scope: &str, keys: &[String]) -> Result<u64, StoreError> {
        self.inner.erase_keys(scope, keys).await
    }
    async fn compact(&self) -> Result<(), StoreError> {
        self.inner.compact().await
    }
}

#[async_trait]
impl ChangeLog for CountingStore {
    async fn changes(&self, scope: &str, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        bump(&self.counts.change_reads, 1);
        self.inner.changes(scope, after, limit).await
    }

    async fn meta(&self, scope: &str) -> Result<ScopeMeta, StoreError> {
        bump(&self.counts.meta_reads, 1);
        self.inner.meta(scope).await
    }
}
