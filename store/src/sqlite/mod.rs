//! The embedded SQLite engine: the same model as the DynamoDB table in five tables (see
//! [`migrations`]), WAL, `synchronous=NORMAL`, one writer connection and a small pool of
//! read-only connections, so reads use every core while SQLite's single writer takes the
//! commits. An in-memory database (tests) has no pool: its one connection does everything.
//!
//! The engine names no async runtime. Each call is a blocking job handed to an [`Offload`]:
//! inline by default (the future is ready when first polled — what a phone or a command-line
//! tool wants), or a runtime's blocking pool on the server, so the reactor never waits on disk.

pub mod migrations;
mod pool;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use senvault_domain::{Read, Snapshot};

use crate::codec::add_to_snapshot;
use crate::load::Tombstones;
use crate::model::*;
use crate::port::{ChangeLog, Committer, Eraser, IndexReader, RecordReader};
use pool::Pool;

/// A blocking job.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// Where blocking jobs run.
pub type Offload = Arc<dyn Fn(Job) + Send + Sync>;

/// Runs each job on the calling thread.
pub fn inline() -> Offload {
    Arc::new(|job: Job| job())
}

/// How the engine is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Read-only connections beside the writer (0: the writer serves reads too).
    pub readers: usize,
}

impl Default for SqliteOptions {
    /// Two readers per core (at least two, at most eight): a reader waiting on the disk or on a
    /// hand-off between threads leaves its core to another.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        SqliteOptions { readers: (2 * cores).clamp(2, 8) }
    }
}

struct Inner {
    writer: Mutex<Connection>,
    readers: Option<Pool>,
    path: Option<PathBuf>,
}

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
    offload: Offload,
}

/// A SQLite failure: busy, locked, out of space or an I/O error are of the moment
/// (unavailable); anything else is a fault.
fn backend(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked | C::SystemIoFailure | C::DiskFull | C::CannotOpen) => {
            StoreError::Unavailable(format!("sqlite: {e}"))
        }
        _ => StoreError::Internal(format!("sqlite: {e}")),
    }
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while a connection was held leaves it usable: SQLite rolls back the open
    // transaction when rusqlite's guard is dropped.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(backend)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(backend)?;
    // What is deleted is overwritten with zeros, not left in free pages: after an account's
    // deletion the file holds nothing of it.
    conn.pragma_update(None, "secure_delete", "ON").map_err(backend)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(backend)?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default())
    }

    pub fn open_with(path: &Path, options: SqliteOptions) -> Result<Self, StoreError> {
        let mut writer = Connection::open(path).map_err(backend)?;
        writer.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        configure(&writer)?;
        migrations::migrate(&mut writer)?;
        let readers = if options.readers == 0 {
            None
        } else {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
            let mut conns = Vec::with_capacity(options.readers);
            for _ in 0..options.readers {
                let c = Connection::open_with_flags(path, flags).map_err(backend)?;
                c.busy_timeout(std::time::Duration::from_secs(5)).map_err(backend)?;
                conns.push(c);
            }
            Some(Pool::new(conns))
        };
        Ok(Self::from_inner(Inner { writer: Mutex::new(writer), readers, path: Some(path.to_owned()) }))
    }

    /// A private in-memory database (tests): one connection for reads and writes.
    pub fn in_memory() -> Result<Self, StoreError> {
        let mut conn = Connection::open_in_memory().map_err(backend)?;
        configure(&conn)?;
        migrations::migrate(&mut conn)?;
        Ok(Self::from_inner(Inner { writer: Mutex::new(conn), readers: None, path: None }))
    }

    fn from_inner(inner: Inner) -> Self {
        SqliteStore { inner: Arc::new(inner), offload: inline() }
    }

    /// Runs the engine's blocking work through `offload` (e.g. a runtime's blocking pool).
    pub fn with_offload(mut self, offload: Offload) -> Self {
        self.offload = offload;
        self
    }

    /// The database file, if on disk.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Read-only connections in the pool (0: reads use the writer).
    pub fn readers(&self) -> usize {
        self.inner.readers.as_ref().map_or(0, Pool::size)
    }

    async fn run<T: Send + 'static>(
        &self,
        write: bool,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = futures_channel::oneshot::channel();
        let inner = self.inner.clone();
        (self.offload)(Box::new(move || {
            let result = match (&inner.readers, write) {
                (Some(pool), false) => pool.with(f),
                _ => f(&mut lock(&inner.writer)),
            };
            let _ = tx.send(result);
        }));
        rx.await.map_err(|_| StoreError::Unavailable("sqlite: the job stopped before answering".into()))?
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(false, f).await
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(true, f).await
    }

    /// Trims every scope's change log to the retention horizon ([`crate::CHANGE_LOG_HORIZON`],
    /// the same as DynamoDB's TTL on log items): entries logged before `cutoff` (seconds since
    /// the epoch) go, and each scope's `purged_before` records where its log now starts, so a
    /// device whose cursor is older downloads the scope afresh. Answers the entries removed.
    pub async fn purge_changes(&self, cutoff: i64) -> Result<usize, StoreError> {
        self.write(move |conn| {
            let tx = conn.transaction().map_err(backend)?;
            tx.execute(
                "UPDATE meta SET purged_before = MAX(purged_before, (
                    SELECT MAX(seq) + 1 FROM changes WHERE changes.scope = meta.scope AND changes.at < ?1))
                 WHERE EXISTS (SELECT 1 FROM changes WHERE changes.scope = meta.scope AND changes.at < ?1)",
                params![cutoff],
            )
            .map_err(backend)?;
            let removed = tx.execute("DELETE FROM changes WHERE at < ?1", params![cutoff]).map_err(backend)?;
            tx.commit().map_err(backend)?;
            Ok(removed)
        })
        .await
    }
}

type Row = (String, String, i64, i64, bool, String);

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
}

fn to_record(t: Row) -> StoredRecord {
    let (scope, key, v, seq, deleted, body) = t;
    StoredRecord { scope, key, version: v as u64, seq: seq as u64, deleted, body }
}

fn limit_of(limit: usize) -> i64 {
    limit.clamp(1, MAX_PAGE) as i64
}

/// Pages: fetch one more than asked to know whether there is a next page.
fn page(mut items: Vec<StoredRecord>, limit: usize, cursor: impl Fn(&StoredRecord) -> String) -> Page<StoredRecord> {
    let limit = limit.clamp(1, MAX_PAGE);
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(cursor)
    } else {
        None
    };
    Page { items, next }
}

fn current_version(tx: &rusqlite::Transaction<'_>, scope: &str, key: &str) -> Result<Option<i64>, StoreError> {
    tx.query_row("SELECT v FROM records WHERE scope = ?1 AND key = ?2", params![scope, key], |r| r.get(0))
        .optional()
        .map_err(backend)
}

fn holds(expect: Expect, current: Option<i64>) -> bool {
    expect.holds(current.map(|v| v as u64))
}

#[async_trait]
impl RecordReader for SqliteStore {
    async fn get(&self, scope: &str, key: &str) -> Result<Option<StoredRecord>, StoreError> {
        let (scope, key) = (scope.to_owned(), key.to_owned());
        self.read(move |c| {
            let mut stmt = c.prepare_cached(GET_SQL).map_err(backend)?;
            Ok(stmt.query_row(params![scope, key], row_to_record).optional().map_err(backend)?.map(to_record))
        })
        .await
    }

    async fn list(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        self.list_range(scope, prefix, after, limit, true).await
    }

    async fn list_with_tombstones(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        self.list_range(scope, prefix, after, limit, false).await
    }

    async fn list_newest(
        &self,
        scope: &str,
        prefix: &str,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        let scope = scope.to_owned();
        let lower = prefix.to_owned();
        let upper = match before {
            Some(b) if b.starts_with(prefix) => b.to_owned(),
            _ => prefix_end(prefix).unwrap_or_else(|| KEY_MAX.to_owned()),
        };
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT scope, key, v, seq, del, body FROM records
                     WHERE scope = ?1 AND key >= ?2 AND key < ?3 AND del = 0 ORDER BY key DESC LIMIT ?4",
                )
                .map_err(backend)?;
            let rows =
                stmt.query_map(params![scope, lower, upper, limit_of(limit) + 1], row_to_record).map_err(backend)?;
            let items = rows.map(|r| r.map(to_record).map_err(backend)).collect::<Result<Vec<_>, _>>()?;
            Ok(page(items, limit, |r| r.key.clone()))
        })
        .await
    }

    async fn load(&self, reads: &[Read], tombstones: Tombstones) -> Result<Snapshot, StoreError> {
        let reads = reads.to_vec();
        self.read(move |c| load_on(c, &reads, tombstones)).await
    }
}

/// The range query of a prefix listing: from the prefix (inclusive) or after a key (exclusive),
/// live records only or tombstones too. Plain range bounds (no `? IS NULL OR` guards) so SQLite
/// walks the primary key range.
fn list_sql(inclusive: bool, live_only: bool) -> &'static str {
    match (inclusive, live_only) {
        (true, true) => {
            "SELECT scope, key, v, seq, del, body FROM records
             WHERE scope = ?1 AND key >= ?2 AND key < ?3 AND del = 0 ORDER BY key LIMIT ?4"
        }
        (false, true) => {
            "SELECT scope, key, v, seq, del, body FROM records
             WHERE scope = ?1 AND key > ?2 AND key < ?3 AND del = 0 ORDER BY key LIMIT ?4"
        }
        (true, false) => {
            "SELECT scope, key, v, seq, del, body FROM records
             WHERE scope = ?1 AND key >= ?2 AND key < ?3 ORDER BY key LIMIT ?4"
        }
        (false, false) => {
            "SELECT scope, key, v, seq, del, body FROM records
             WHERE scope = ?1 AND key > ?2 AND key < ?3 ORDER BY key LIMIT ?4"
        }
    }
}

const GET_SQL: &str = "SELECT scope, key, v, seq, del, body FROM records WHERE scope = ?1 AND key = ?2";

/// Reads and decodes every record `reads` names, in one read transaction on `c`.
fn load_on(c: &mut Connection, reads: &[Read], tombstones: Tombstones) -> Result<Snapshot, StoreError> {
    let tx = c.transaction().map_err(backend)?;
    let mut snap = Snapshot::new();
    for read in reads {
        match read {
            Read::Get(scope, key) => {
                let mut stmt = tx.prepare_cached(GET_SQL).map_err(backend)?;
                let row = stmt.query_row(params![scope.to_string(), key], row_to_record).optional().map_err(backend)?;
                if let Some(row) = row {
                    add_to_snapshot(&mut snap, &[to_record(row)])?;
                }
            }
            Read::Prefix(scope, prefix) => {
                let upper = prefix_end(prefix).unwrap_or_else(|| KEY_MAX.to_owned());
                let mut stmt = tx.prepare_cached(list_sql(true, tombstones == Tombstones::Skip)).map_err(backend)?;
                // A negative limit is no limit: the whole prefix, in one pass.
                let rows =
                    stmt.query_map(params![scope.to_string(), prefix, upper, -1i64], row_to_record).map_err(backend)?;
                for row in rows {
                    add_to_snapshot(&mut snap, &[to_record(row.map_err(backend)?)])?;
                }
            }
        }
    }
    tx.commit().map_err(backend)?;
    Ok(snap)
}

impl SqliteStore {
    async fn list_range(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
        live_only: bool,
    ) -> Result<Page<StoredRecord>, StoreError> {
        let scope = scope.to_owned();
        // Plain range bounds (no `? IS NULL OR` guards) so SQLite walks the primary key range.
        let (lower, inclusive) = match after {
            Some(a) if a >= prefix => (a.to_owned(), false),
            _ => (prefix.to_owned(), true),
        };
        let upper = prefix_end(prefix).unwrap_or_else(|| KEY_MAX.to_owned());
        let sql = list_sql(inclusive, live_only);
        self.read(move |c| {
            let mut stmt = c.prepare_cached(sql).map_err(backend)?;
            let rows =
                stmt.query_map(params![scope, lower, upper, limit_of(limit) + 1], row_to_record).map_err(backend)?;
            let items = rows.map(|r| r.map(to_record).map_err(backend)).collect::<Result<Vec<_>, _>>()?;
            Ok(page(items, limit, |r| r.key.clone()))
        })
        .await
    }
}

#[async_trait]
impl IndexReader for SqliteStore {
    async fn query_index(
        &self,
        index: Index,
        pk: &str,
        after: Option<&str>,
        until: Option<&str>,
        limit: usize,
    ) -> Result<Page<StoredRecord>, StoreError> {
        let pk = pk.to_owned();
        let after = after.unwrap_or("").to_owned();
        let until = until.unwrap_or(KEY_MAX).to_owned();
        let sql = match index {
            Index::G1 => {
                "SELECT scope, key, v, seq, del, body, g1sk FROM records
                 WHERE g1pk = ?1 AND g1sk > ?2 AND g1sk <= ?3 AND del = 0 ORDER BY g1sk LIMIT ?4"
            }
            Index::G2 => {
                "SELECT scope, key, v, seq, del, body, g2sk FROM records
                 WHERE g2pk = ?1 AND g2sk > ?2 AND g2sk <= ?3 AND del = 0 ORDER BY g2sk LIMIT ?4"
            }
        };
        self.read(move |c| {
            let mut stmt = c.prepare_cached(sql).map_err(backend)?;
            let rows = stmt
                .query_map(params![pk, after, until, limit_of(limit) + 1], |row| {
                    Ok((row_to_record(row)?, row.get::<_, String>(6)?))
                })
                .map_err(backend)?;
            let mut items = Vec::new();
            let mut sks = Vec::new();
            for r in rows {
                let (rec, sk) = r.map_err(backend)?;
                items.push(to_record(rec));
                sks.push(sk);
            }
            let limit = limit.clamp(1, MAX_PAGE);
            let next = (items.len() > limit).then(|| sks[limit - 1].clone());
            items.truncate(limit);
            Ok(Page { items, next })
        })
        .await
    }

    async fn resolve(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached("SELECT scope FROM aliases WHERE id = ?1").map_err(backend)?;
            stmt.query_row(params![id], |r| r.get(0)).optional().map_err(backend)
        })
        .await
    }
}

#[async_trait]
impl Committer for SqliteStore {
    async fn commit(&self, request: CommitRequest) -> Result<CommitReceipt, StoreError> {
        check_commit(&request)?;
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
            let now = chrono::Utc::now().timestamp();
            for check in &request.checks {
                if !holds(check.expect, current_version(&tx, &check.scope, &check.key)?) {
                    return Err(StoreError::Conflict { scope: check.scope.clone(), key: check.key.clone() });
                }
            }
            let mut seqs: BTreeMap<String, u64> = BTreeMap::new();
            for p in &request.puts {
                let current = current_version(&tx, &p.scope, &p.key)?;
                if !holds(p.expect, current) {
                    return Err(StoreError::Conflict { scope: p.scope.clone(), key: p.key.clone() });
                }
                if !seqs.contains_key(&p.scope) {
                    let seq: Option<i64> = tx
                        .query_row("SELECT seq FROM meta WHERE scope = ?1", params![p.scope], |r| r.get(0))
                        .optional()
                        .map_err(backend)?;
                    seqs.insert(p.scope.clone(), seq.unwrap_or(0) as u64);
                }
                let seq = seqs.get_mut(&p.scope).map(|s| {
                    *s += 1;
                    *s
                });
                let seq = seq.unwrap_or(1) as i64;
                let v = p.expect.next_version() as i64;
                let (g1pk, g1sk) = p.g1.as_ref().map(|g| (g.pk.as_str(), g.sk.as_str())).unzip();
                let (g2pk, g2sk) = p.g2.as_ref().map(|g| (g.pk.as_str(), g.sk.as_str())).unzip();
                tx.prepare_cached(
                    "INSERT INTO records (scope, key, v, seq, del, body, g1pk, g1sk, g2pk, g2sk)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (scope, key) DO UPDATE SET v = excluded.v, seq = excluded.seq, del = excluded.del,
                       body = excluded.body, g1pk = excluded.g1pk, g1sk = excluded.g1sk,
                       g2pk = excluded.g2pk, g2sk = excluded.g2sk",
                )
                .and_then(|mut s| s.execute(params![p.scope, p.key, v, seq, p.deleted, p.body, g1pk, g1sk, g2pk, g2sk]))
                .map_err(backend)?;
                tx.prepare_cached("INSERT INTO changes (scope, seq, key, v, del, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                    .and_then(|mut s| s.execute(params![p.scope, seq, p.key, v, p.deleted, now]))
                    .map_err(backend)?;
            }
            for (scope, seq) in &seqs {
                tx.execute(
                    "INSERT INTO meta (scope, seq) VALUES (?1, ?2) ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq",
                    params![scope, *seq as i64],
                )
                .map_err(backend)?;
            }
            for (id, scope) in &request.aliases {
                let existing: Option<String> = tx
                    .query_row("SELECT scope FROM aliases WHERE id = ?1", params![id], |r| r.get(0))
                    .optional()
                    .map_err(backend)?;
                match existing {
                    Some(s) if &s == scope => {}
                    Some(_) => return Err(StoreError::AliasTaken(id.clone())),
                    None => {
                        tx.execute("INSERT INTO aliases (id, scope) VALUES (?1, ?2)", params![id, scope])
                            .map_err(backend)?;
                    }
                }
            }
            tx.commit().map_err(backend)?;
            Ok(CommitReceipt { seqs })
        })
        .await
    }
}

#[async_trait]
impl ChangeLog for SqliteStore {
    async fn changes(&self, scope: &str, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let scope = scope.to_owned();
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT seq, key, v, del FROM changes WHERE scope = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![scope, after as i64, limit_of(limit)], |r| {
                    Ok(Change {
                        seq: r.get::<_, i64>(0)? as u64,
                        key: r.get(1)?,
                        version: r.get::<_, i64>(2)? as u64,
                        deleted: r.get(3)?,
                    })
                })
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
    }

    async fn meta(&self, scope: &str) -> Result<ScopeMeta, StoreError> {
        let scope = scope.to_owned();
        self.read(move |c| {
            let row = c
                .query_row("SELECT seq, epoch, purged_before FROM meta WHERE scope = ?1", params![scope], |r| {
                    Ok(ScopeMeta {
                        seq: r.get::<_, i64>(0)? as u64,
                        epoch: r.get::<_, i64>(1)? as u64,
                        purged_before: r.get::<_, i64>(2)? as u64,
                    })
                })
                .optional()
                .map_err(backend)?;
            Ok(row.unwrap_or_default())
        })
        .await
    }
}

#[async_trait]
impl Eraser for SqliteStore {
    async fn purge_scope(&self, scope: &str) -> Result<u64, StoreError> {
        let scope = scope.to_owned();
        let file = self.inner.path.is_some();
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
            let removed = tx.execute("DELETE FROM records WHERE scope = ?1", params![scope]).map_err(backend)?;
            tx.execute("DELETE FROM changes WHERE scope = ?1", params![scope]).map_err(backend)?;
            tx.execute("DELETE FROM aliases WHERE scope = ?1", params![scope]).map_err(backend)?;
            tx.execute("DELETE FROM meta WHERE scope = ?1", params![scope]).map_err(backend)?;
            tx.commit().map_err(backend)?;
            if file {
                scrub_wal(c)?;
            }
            Ok(removed as u64)
        })
        .await
    }

    async fn erase_keys(&self, scope: &str, keys: &[String]) -> Result<u64, StoreError> {
        if keys.is_empty() {
            return Ok(0);
        }
        let (scope, keys) = (scope.to_owned(), keys.to_vec());
        let file = self.inner.path.is_some();
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
            let mut removed = 0;
            for key in &keys {
                removed += tx
                    .execute("DELETE FROM records WHERE scope = ?1 AND key = ?2", params![scope, key])
                    .map_err(backend)?;
                tx.execute("DELETE FROM changes WHERE scope = ?1 AND key = ?2", params![scope, key])
                    .map_err(backend)?;
            }
            tx.execute("UPDATE meta SET epoch = epoch + 1 WHERE scope = ?1", params![scope]).map_err(backend)?;
            tx.commit().map_err(backend)?;
            if file {
                scrub_wal(c)?;
            }
            Ok(removed as u64)
        })
        .await
    }

    async fn compact(&self) -> Result<(), StoreError> {
        if self.inner.path.is_none() {
            return Ok(());
        }
        self.write(|c| vacuum(c)).await
    }
}

/// Rebuilds the database from its live rows (every page written anew, the file cut to its new
/// size), then empties the log: no fragment of a deleted row stays in a page SQLite rearranged.
fn vacuum(c: &Connection) -> Result<(), StoreError> {
    c.execute_batch("VACUUM").map_err(backend)?;
    scrub_wal(c)
}

/// Copies the write-ahead log into the database and empties it: the deleted rows are zeroed in
/// the pages the log holds (`secure_delete`), and only once those pages are copied back does the
/// database file stop holding the rows as they were. A reader in the middle of a read holds the
/// log back, so this waits for reads to finish (they are short), trying for up to ten seconds;
/// if one still holds on, the next erasure or SQLite's own checkpoint finishes the job.
fn scrub_wal(c: &Connection) -> Result<(), StoreError> {
    for _ in 0..500 {
        let busy: i64 = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)).map_err(backend)?;
        if busy == 0 {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    tracing::warn!("the write-ahead log could not be emptied yet: a read was in progress");
    Ok(())
}

#[cfg(test)]
mod tests;
