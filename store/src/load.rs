//! Loading what the rules read: the records a command or a read names, into a snapshot. The
//! same function serves the server (over DynamoDB or SQLite) and the phone (over its replica).

use senvault_domain::{Read, Record, Scope, Snapshot};

use crate::codec::{add_to_snapshot, from_stored};
use crate::model::{MAX_PAGE, StoreError};
use crate::port::RecordReader;

/// Loads every read into one snapshot. Tombstones are loaded too (the snapshot hides them from
/// the rules) so writes condition on their versions.
pub async fn load(reader: &dyn RecordReader, reads: &[Read]) -> Result<Snapshot, StoreError> {
    reader.load(reads, Tombstones::Include).await
}

/// Loads live records only: what a read shows.
pub async fn load_live(reader: &dyn RecordReader, reads: &[Read]) -> Result<Snapshot, StoreError> {
    reader.load(reads, Tombstones::Skip).await
}

/// Whether a load brings deleted records' tombstones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tombstones {
    Include,
    Skip,
}

/// A load made of the reader's single-record and prefix reads, following pages (what an adapter
/// without a better way does).
pub async fn load_by_parts<R: RecordReader + ?Sized>(
    reader: &R,
    reads: &[Read],
    tombstones: Tombstones,
) -> Result<Snapshot, StoreError> {
    let mut snap = Snapshot::new();
    for read in reads {
        match read {
            Read::Get(scope, key) => {
                if let Some(r) = reader.get(&scope.to_string(), key).await? {
                    add_to_snapshot(&mut snap, std::slice::from_ref(&r))?;
                }
            }
            Read::Prefix(scope, prefix) => {
                let scope_s = scope.to_string();
                let mut after: Option<String> = None;
                loop {
                    let page = if tombstones == Tombstones::Include {
                        reader.list_with_tombstones(&scope_s, prefix, after.as_deref(), MAX_PAGE).await?
                    } else {
                        reader.list(&scope_s, prefix, after.as_deref(), MAX_PAGE).await?
                    };
                    add_to_snapshot(&mut snap, &page.items)?;
                    match page.next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
            }
        }
    }
    Ok(snap)
}

/// Every live record of `scope` under `prefix`, in key order, following pages.
pub async fn list_all(
    reader: &dyn RecordReader,
    scope: &Scope,
    prefix: &str,
) -> Result<Vec<(String, Record)>, StoreError> {
    let scope_s = scope.to_string();
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = reader.list(&scope_s, prefix, after.as_deref(), MAX_PAGE).await?;
        for r in &page.items {
            out.push((r.key.clone(), from_stored(r)?.1.record));
        }
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// One live record.
pub async fn get_record(reader: &dyn RecordReader, scope: &Scope, key: &str) -> Result<Option<Record>, StoreError> {
    match reader.get(&scope.to_string(), key).await? {
        Some(r) => crate::codec::live_record(&r),
        None => Ok(None),
    }
}
