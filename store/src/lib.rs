//! The SEN Evidence Vault's storage, as both the server and the phone link it: the record model
//! and codec, the storage port, the SQLite engine, the conformance suite every adapter passes
//! and the sync protocol's wire types.
//!
//! No async runtime, web framework or cloud SDK may enter this crate (`tests/run` checks its
//! dependency tree): the phone links it into an app. The DynamoDB adapter lives with the server.

pub mod backoff;
pub mod codec;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod counting;
pub mod index;
pub mod load;
pub mod model;
pub mod port;
pub mod sqlite;
pub mod sync;

pub use model::*;
pub use port::{ChangeLog, Committer, Eraser, IndexReader, RecordReader, Store};

/// How long each scope's change log is kept: DynamoDB expires log items after it (TTL) and
/// the SQLite engine trims to it ([`sqlite::SqliteStore::purge_changes`]). A device whose
/// cursor is older than the log downloads the scope afresh (a `reset`, `below_horizon`); one
/// that syncs at least monthly never needs to.
pub const CHANGE_LOG_HORIZON: std::time::Duration = std::time::Duration::from_secs(35 * 24 * 3600);
