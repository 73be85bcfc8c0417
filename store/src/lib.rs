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
pub use port::{ChangeLog, Committer, IndexReader, RecordReader, Store};
