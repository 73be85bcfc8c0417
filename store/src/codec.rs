//! Domain records to stored rows and back, with the index entries each record carries.
//!
//! Bodies are JSON text. A body that does not parse is a storage fault, reported with its
//! location and the kind of fault only — never its content, which is about a child.

use senvault_domain::{Record, Scope, Snapshot, Versioned, Write};

use crate::index::index_keys;
use crate::model::{Put, StoreError, StoredRecord};

/// A domain write as a storage put.
pub fn to_put(w: &Write) -> Result<Put, StoreError> {
    let body = serde_json::to_string(&w.record)
        .map_err(|e| StoreError::Internal(format!("encode {} {}: {}", w.scope, w.key, kind(&e))))?;
    let (g1, g2) = if w.delete { (None, None) } else { index_keys(&w.scope, &w.key, &w.record) };
    Ok(Put { scope: w.scope.to_string(), key: w.key.clone(), body, deleted: w.delete, expect: w.expect, g1, g2 })
}

/// A stored row as a domain record.
pub fn from_stored(r: &StoredRecord) -> Result<(Scope, Versioned), StoreError> {
    let scope: Scope = r.scope.parse().map_err(|_| StoreError::corrupt(&r.scope, &r.key, "not a scope"))?;
    let record: Record = serde_json::from_str(&r.body).map_err(|e| StoreError::corrupt(&r.scope, &r.key, kind(&e)))?;
    Ok((scope, Versioned { version: r.version, deleted: r.deleted, record }))
}

/// A stored row's record, if it is live.
pub fn live_record(r: &StoredRecord) -> Result<Option<Record>, StoreError> {
    if r.deleted { Ok(None) } else { from_stored(r).map(|(_, v)| Some(v.record)) }
}

fn kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "io",
        serde_json::error::Category::Syntax => "syntax",
        serde_json::error::Category::Data => "data",
        serde_json::error::Category::Eof => "eof",
    }
}

/// Adds stored rows to a snapshot.
pub fn add_to_snapshot(snap: &mut Snapshot, rows: &[StoredRecord]) -> Result<(), StoreError> {
    for r in rows {
        let (scope, v) = from_stored(r)?;
        snap.insert(scope, r.key.clone(), v);
    }
    Ok(())
}
