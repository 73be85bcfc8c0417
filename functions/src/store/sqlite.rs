//! The embedded SQLite adapter: the same model as the DynamoDB table in five tables, WAL,
//! `synchronous=NORMAL`, one connection (SQLite has one writer anyway). Calls run on the
//! blocking pool so the async runtime never waits on disk.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::*;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    scope TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    epoch INTEGER NOT NULL DEFAULT 1,
    purged_before INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    v INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    del INTEGER NOT NULL,
    body TEXT NOT NULL,
    g1pk TEXT, g1sk TEXT,
    g2pk TEXT, g2sk TEXT,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_g1 ON records (g1pk, g1sk) WHERE g1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_g2 ON records (g2pk, g2sk) WHERE g2pk IS NOT NULL;
CREATE TABLE IF NOT EXISTS changes (
    scope TEXT NOT NULL,
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    v INTEGER NOT NULL,
    del INTEGER NOT NULL,
    PRIMARY KEY (scope, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    lmid INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// Above every key and sort key the system writes (they are ASCII).
const KEY_MAX: &str = "\u{10FFFF}";

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(backend)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(backend)?;
        Self::init(conn)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Backend("sqlite connection poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(backend)?
    }
}

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, i64, i64, bool, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?))
}

fn to_record(t: (String, String, i64, i64, bool, String)) -> Result<StoredRecord, StoreError> {
    let (scope, key, v, seq, deleted, body) = t;
    Ok(StoredRecord {
        scope,
        key,
        version: v as u64,
        seq: seq as u64,
        deleted,
        body: serde_json::from_str(&body).map_err(backend)?,
    })
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

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, scope: &str, key: &str) -> Result<Option<StoredRecord>, StoreError> {
        let (scope, key) = (scope.to_owned(), key.to_owned());
        self.with(move |c| {
            c.query_row(
                "SELECT scope, key, v, seq, del, body FROM records WHERE scope = ?1 AND key = ?2",
                params![scope, key],
                row_to_record,
            )
            .optional()
            .map_err(backend)?
            .map(to_record)
            .transpose()
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
        let scope = scope.to_owned();
        // Plain range bounds (no `? IS NULL OR` guards) so SQLite walks the primary key range.
        let (lower, inclusive) = match after {
            Some(a) if a >= prefix => (a.to_owned(), false),
            _ => (prefix.to_owned(), true),
        };
        let upper = prefix_end(prefix).unwrap_or_else(|| KEY_MAX.to_owned());
        self.with(move |c| {
            let sql = if inclusive {
                "SELECT scope, key, v, seq, del, body FROM records
                 WHERE scope = ?1 AND key >= ?2 AND key < ?3 AND del = 0 ORDER BY key LIMIT ?4"
            } else {
                "SELECT scope, key, v, seq, del, body FROM records
                 WHERE scope = ?1 AND key > ?2 AND key < ?3 AND del = 0 ORDER BY key LIMIT ?4"
            };
            let mut stmt = c.prepare_cached(sql).map_err(backend)?;
            let rows =
                stmt.query_map(params![scope, lower, upper, limit_of(limit) + 1], row_to_record).map_err(backend)?;
            let items = rows.map(|r| r.map_err(backend).and_then(to_record)).collect::<Result<Vec<_>, _>>()?;
            Ok(page(items, limit, |r| r.key.clone()))
        })
        .await
    }

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
        let (pkc, skc) = match index {
            Index::G1 => ("g1pk", "g1sk"),
            Index::G2 => ("g2pk", "g2sk"),
        };
        self.with(move |c| {
            let sql = format!(
                "SELECT scope, key, v, seq, del, body, {skc} FROM records
                 WHERE {pkc} = ?1 AND {skc} > ?2 AND {skc} <= ?3 AND del = 0
                 ORDER BY {skc} LIMIT ?4"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
            let rows = stmt
                .query_map(params![pk, after, until, limit_of(limit) + 1], |row| {
                    Ok((row_to_record(row)?, row.get::<_, String>(6)?))
                })
                .map_err(backend)?;
            let mut items = Vec::new();
            let mut sks = Vec::new();
            for r in rows {
                let (rec, sk) = r.map_err(backend)?;
                items.push(to_record(rec)?);
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
        self.with(move |c| {
            c.query_row("SELECT scope FROM aliases WHERE id = ?1", params![id], |r| r.get(0))
                .optional()
                .map_err(backend)
        })
        .await
    }

    async fn commit(&self, request: CommitRequest) -> Result<CommitReceipt, StoreError> {
        check_commit(&request)?;
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
            let mut seqs: BTreeMap<String, u64> = BTreeMap::new();
            for p in &request.puts {
                let current: Option<i64> = tx
                    .query_row("SELECT v FROM records WHERE scope = ?1 AND key = ?2", params![p.scope, p.key], |r| r.get(0))
                    .optional()
                    .map_err(backend)?;
                let ok = match (p.expect, current) {
                    (Expect::Absent, None) => true,
                    (Expect::Version(want), Some(have)) => want == have as u64,
                    _ => false,
                };
                if !ok {
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
                let v = current.unwrap_or(0) + 1;
                let body = serde_json::to_string(&p.body).map_err(backend)?;
                let (g1pk, g1sk) = p.g1.as_ref().map(|g| (g.pk.as_str(), g.sk.as_str())).unzip();
                let (g2pk, g2sk) = p.g2.as_ref().map(|g| (g.pk.as_str(), g.sk.as_str())).unzip();
                tx.execute(
                    "INSERT INTO records (scope, key, v, seq, del, body, g1pk, g1sk, g2pk, g2sk)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (scope, key) DO UPDATE SET v = excluded.v, seq = excluded.seq, del = excluded.del,
                       body = excluded.body, g1pk = excluded.g1pk, g1sk = excluded.g1sk,
                       g2pk = excluded.g2pk, g2sk = excluded.g2sk",
                    params![p.scope, p.key, v, seq, p.deleted, body, g1pk, g1sk, g2pk, g2sk],
                )
                .map_err(backend)?;
                tx.execute(
                    "INSERT INTO changes (scope, seq, key, v, del) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![p.scope, seq, p.key, v, p.deleted],
                )
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
                        tx.execute("INSERT INTO aliases (id, scope) VALUES (?1, ?2)", params![id, scope]).map_err(backend)?;
                    }
                }
            }
            tx.commit().map_err(backend)?;
            Ok(CommitReceipt { seqs })
        })
        .await
    }

    async fn changes(&self, scope: &str, after: u64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let scope = scope.to_owned();
        self.with(move |c| {
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
        self.with(move |c| {
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
            Ok(row.unwrap_or(ScopeMeta { seq: 0, epoch: 1, purged_before: 0 }))
        })
        .await
    }
}
