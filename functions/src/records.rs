//! Translation between domain records and stored rows, including the index keys each record
//! carries (DESIGN §3): cases are listed per child through GSI1; open actions carry the sparse
//! due index GSI2.

use senvault_domain::{Record, Scope, Snapshot, Versioned, Write};

use crate::store::{Expect, IndexKey, Put, StoreError, StoredRecord};

/// Shards of the due index, so no single partition takes every due item.
pub const DUE_SHARDS: u64 = 8;

/// GSI1 partition listing the cases of one child scope.
pub fn cases_partition(scope: &Scope) -> String {
    format!("CASES#{scope}")
}

/// GSI2 partition of a shard of the due index.
pub fn due_partition(shard: u64) -> String {
    format!("DUE#{shard}")
}

/// A stable shard for a key (FNV-1a), the same on every run and platform.
pub fn due_shard(scope: &str, key: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in scope.bytes().chain([b'#']).chain(key.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h % DUE_SHARDS
}

fn index_keys(scope: &Scope, key: &str, record: &Record) -> (Option<IndexKey>, Option<IndexKey>) {
    let g1 = match record {
        Record::Case(c) => Some(IndexKey { pk: cases_partition(scope), sk: c.id.to_string() }),
        _ => None,
    };
    let scope_s = scope.to_string();
    let g2 = record
        .due_index()
        .map(|due| IndexKey { pk: due_partition(due_shard(&scope_s, key)), sk: format!("{due}#{scope_s}#{key}") });
    (g1, g2)
}

/// A domain write as a storage put.
pub fn to_put(w: &Write) -> Result<Put, StoreError> {
    let body = serde_json::to_value(&w.record).map_err(|e| StoreError::Backend(e.to_string()))?;
    let (g1, g2) = if w.delete { (None, None) } else { index_keys(&w.scope, &w.key, &w.record) };
    Ok(Put {
        scope: w.scope.to_string(),
        key: w.key.clone(),
        body,
        deleted: w.delete,
        expect: match w.expect {
            senvault_domain::Expect::Absent => Expect::Absent,
            senvault_domain::Expect::Version(v) => Expect::Version(v),
        },
        g1,
        g2,
    })
}

/// A stored row as a domain record. A body that does not parse is a storage fault, reported
/// with its location only (never its content).
pub fn from_stored(r: &StoredRecord) -> Result<(Scope, Versioned), StoreError> {
    let scope: Scope = r.scope.parse().map_err(|_| StoreError::Backend(format!("bad scope in store: {}", r.scope)))?;
    let record: Record = serde_json::from_value(r.body.clone())
        .map_err(|e| StoreError::Backend(format!("unreadable record {} {}: {}", r.scope, r.key, e.classify_name())))?;
    Ok((scope, Versioned { version: r.version, deleted: r.deleted, record }))
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "eof",
        }
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
