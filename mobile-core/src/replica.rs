//! Reading and writing the replica: the view prefers the overlay (pending local changes) to
//! the mirror (what the server last said), so a change shows at once and is replaced by the
//! server's record once synced.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use senvault_domain::{Read, Record, Scope, Snapshot, Versioned, Write};

use crate::error::VaultError;

/// One record as the view shows it.
pub struct Row {
    pub key: String,
    pub version: u64,
    pub deleted: bool,
    pub record: Record,
}

/// The exclusive upper bound of keys starting with `prefix`.
fn upper(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

fn decode(body: &str) -> Result<Record, VaultError> {
    Ok(serde_json::from_str(body)?)
}

/// The view's rows of `scope` under `prefix`, in key order (deleted overlay rows included,
/// flagged, so a decision sees a tombstone as the server would).
pub fn prefix(conn: &Connection, scope: &str, prefix: &str) -> Result<Vec<Row>, VaultError> {
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT key, version, body FROM mirror WHERE scope = ?1 AND key >= ?2 AND key < ?3")?;
    let mut q = stmt.query(params![scope, prefix, upper(prefix)])?;
    while let Some(r) = q.next()? {
        let key: String = r.get(0)?;
        let body: String = r.get(2)?;
        rows.insert(
            key.clone(),
            Row { key, version: r.get::<_, i64>(1)? as u64, deleted: false, record: decode(&body)? },
        );
    }
    let mut stmt = conn.prepare_cached(
        "SELECT key, version, deleted, body FROM overlay WHERE scope = ?1 AND key >= ?2 AND key < ?3",
    )?;
    let mut q = stmt.query(params![scope, prefix, upper(prefix)])?;
    while let Some(r) = q.next()? {
        let key: String = r.get(0)?;
        let body: String = r.get(3)?;
        let row =
            Row { key: key.clone(), version: r.get::<_, i64>(1)? as u64, deleted: r.get(2)?, record: decode(&body)? };
        rows.insert(key, row);
    }
    Ok(rows.into_values().collect())
}

/// Live rows only.
pub fn live(conn: &Connection, scope: &str, p: &str) -> Result<Vec<Row>, VaultError> {
    Ok(prefix(conn, scope, p)?.into_iter().filter(|r| !r.deleted).collect())
}

pub fn get(conn: &Connection, scope: &str, key: &str) -> Result<Option<Row>, VaultError> {
    let mut stmt = conn.prepare_cached("SELECT version, deleted, body FROM overlay WHERE scope = ?1 AND key = ?2")?;
    let mut q = stmt.query(params![scope, key])?;
    if let Some(r) = q.next()? {
        let body: String = r.get(2)?;
        return Ok(Some(Row {
            key: key.to_owned(),
            version: r.get::<_, i64>(0)? as u64,
            deleted: r.get(1)?,
            record: decode(&body)?,
        }));
    }
    let mut stmt = conn.prepare_cached("SELECT version, body FROM mirror WHERE scope = ?1 AND key = ?2")?;
    let mut q = stmt.query(params![scope, key])?;
    if let Some(r) = q.next()? {
        let body: String = r.get(1)?;
        return Ok(Some(Row {
            key: key.to_owned(),
            version: r.get::<_, i64>(0)? as u64,
            deleted: false,
            record: decode(&body)?,
        }));
    }
    Ok(None)
}

/// The snapshot a decision needs, read from the view.
pub fn load(conn: &Connection, reads: &[Read]) -> Result<Snapshot, VaultError> {
    let mut snap = Snapshot::new();
    for read in reads {
        let (scope, rows) = match read {
            Read::Get(scope, key) => (scope, get(conn, &scope.to_string(), key)?.into_iter().collect::<Vec<_>>()),
            Read::Prefix(scope, p) => (scope, prefix(conn, &scope.to_string(), p)?),
        };
        for row in rows {
            snap.insert(
                scope.clone(),
                row.key,
                Versioned { version: row.version, deleted: row.deleted, record: row.record },
            );
        }
    }
    Ok(snap)
}

/// Writes a decision's records into the overlay (the server's versions follow the same rule:
/// a create is version 1, an update the version read plus one).
pub fn put_overlay(conn: &Connection, writes: &[Write]) -> Result<(), VaultError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO overlay (scope, key, version, deleted, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (scope, key) DO UPDATE SET version = excluded.version, deleted = excluded.deleted, body = excluded.body",
    )?;
    for w in writes {
        let version = w.expect.next_version();
        let body = serde_json::to_string(&w.record)?;
        stmt.execute(params![w.scope.to_string(), w.key, version as i64, w.delete, body])?;
    }
    Ok(())
}

/// The child scope holding case `case_id`, from the view (a phone cannot ask the server).
pub fn scope_of_case(conn: &Connection, case_id: &str) -> Result<Option<Scope>, VaultError> {
    let key =
        senvault_domain::keys::case(case_id.parse().map_err(|_| VaultError::Invalid { detail: "case id".into() })?);
    scope_of_key(conn, &key)
}

/// The scope holding a record whose key names it alone (a case, a document), from the view.
pub fn scope_of_key(conn: &Connection, key: &str) -> Result<Option<Scope>, VaultError> {
    let found: Option<String> = conn
        .query_row(
            "SELECT scope FROM overlay WHERE key = ?1 UNION SELECT scope FROM mirror WHERE key = ?1 LIMIT 1",
            params![key],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
    Ok(found.and_then(|s| s.parse().ok()))
}

/// Every scope of a kind (`child:`, `conn:`) the replica holds.
pub fn scopes(conn: &Connection, kind: &str) -> Result<Vec<String>, VaultError> {
    let mut stmt = conn.prepare_cached(
        "SELECT scope FROM mirror WHERE scope >= ?1 AND scope < ?2
         UNION SELECT scope FROM overlay WHERE scope >= ?1 AND scope < ?2",
    )?;
    let rows = stmt.query_map(params![kind, upper(kind)], |r| r.get(0))?;
    Ok(rows.collect::<Result<Vec<String>, _>>()?)
}
