//! Fault injection: a store that fails chosen commits, to prove that a crash between two writes
//! leaves nothing half-done.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use senvault_store::*;

/// A small seeded generator (xorshift64*), so a failing schedule replays from its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// `true` with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Commits that fail at random, before or after they land (a crash at the commit boundary:
/// the caller cannot tell which).
struct RandomFailures {
    rng: Rng,
    before: u64,
    after: u64,
}

pub struct FailingStore {
    inner: Arc<dyn Store>,
    random: Mutex<Option<RandomFailures>>,
    commits: AtomicUsize,
    fail_on: Mutex<BTreeSet<usize>>,
    /// A record to delete just before the next commit lands (scope, key).
    delete_first: Mutex<Option<(String, String)>>,
    purges: AtomicUsize,
    fail_purge_on: Mutex<BTreeSet<usize>>,
}

impl FailingStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            random: Mutex::new(None),
            commits: AtomicUsize::new(0),
            fail_on: Mutex::new(BTreeSet::new()),
            delete_first: Mutex::new(None),
            purges: AtomicUsize::new(0),
            fail_purge_on: Mutex::new(BTreeSet::new()),
        }
    }

    /// Deletes (tombstones) `key` in `scope` just before the next commit is applied: a change
    /// decided before the deletion (a revoked membership, say) arrives after it.
    pub fn delete_before_next_commit(&self, scope: &str, key: &str) {
        *self.delete_first.lock().expect("lock") = Some((scope.to_owned(), key.to_owned()));
    }

    /// From now on each commit fails with probability `before`‰ without landing, or lands and
    /// then reports a failure with probability `after`‰; `0, 0` stops it.
    pub fn fail_randomly(&self, seed: u64, before: u64, after: u64) {
        *self.random.lock().expect("lock") = Some(RandomFailures { rng: Rng::new(seed), before, after });
    }

    /// Fails the `n`th commit from now (1-based) with a storage error.
    pub fn fail_commit(&self, n: usize) {
        let base = self.commits.load(Ordering::SeqCst);
        self.fail_on.lock().expect("lock").insert(base + n);
    }

    /// Makes the `n`th scope purge from now fail before it removes anything (a crash half-way
    /// through an account's deletion).
    pub fn fail_purge(&self, n: usize) {
        let base = self.purges.load(Ordering::SeqCst);
        self.fail_purge_on.lock().expect("lock").insert(base + n);
    }
}

#[async_trait]
impl RecordReader for FailingStore {
    async fn get(&self, scope: &str, key: &str) -> Result<Option<StoredRecord>, StoreError> {
        self.inner.get(scope, key).await
    }
    async fn list(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        self.inner.list(scope, prefix, after, limit).await
    }
    async fn list_with_tombstones(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        self.inner.list_with_tombstones(scope, prefix, after, limit).await
    }
    async fn list_newest(
        &self,
        scope: &str,
        prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        self.inner.list_newest(scope, prefix, before, limit).await
    }
}

#[async_trait]
impl IndexReader for FailingStore {
    async fn query_index(
        &self,
        index: Index,
        pk: &str,
        after: Option<&str>,
        until: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        self.inner.query_index(index, pk, after, until, limit).await
    }
    async fn resolve(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.inner.resolve(id).await
    }
}

#[async_trait]
impl Committer for FailingStore {
    async fn commit(&self, request: CommitRequest) -> Result<CommitReceipt, StoreError> {
        let pending = self.delete_first.lock().expect("lock").take();
        if let Some((scope, key)) = pending
            && let Some(current) = self.inner.get(&scope, &key).await?
        {
            let tombstone = Put {
                scope,
                key,
                body: current.body,
                deleted: true,
                expect: Expect::Version(current.version),
                g1: None,
                g2: None,
            };
            self.inner.commit(CommitRequest::puts(vec![tombstone])).await?;
        }
        let n = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_on.lock().expect("lock").remove(&n) {
            return Err(StoreError::Unavailable("injected failure".into()));
        }
        let (fail_before, fail_after) = match self.random.lock().expect("lock").as_mut() {
            Some(r) => {
                let (before, after) = (r.before, r.after);
                (r.rng.chance(before), r.rng.chance(after))
            }
            None => (false, false),
        };
        if fail_before {
            return Err(StoreError::Unavailable("injected failure before the commit".into()));
        }
        let receipt = self.inner.commit(request).await?;
        if fail_after {
            return Err(StoreError::Unavailable("injected failure after the commit".into()));
        }
        Ok(receipt)
    }
}

#[async_trait]
impl Eraser for FailingStore {
    async fn purge_scope(&self, scope: &str) -> Result<u64, StoreError> {
        let n = self.purges.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_purge_on.lock().expect("lock").remove(&n) {
            return Err(StoreError::Unavailable("injected failure".into()));
        }
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
impl ChangeLog for FailingStore {
    async fn changes(&self, scope: &str, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.inner.changes(scope, after, limit).await
    }
    async fn meta(&self, scope: &str) -> Result<ScopeMeta, StoreError> {
        self.inner.meta(scope).await
    }
}
