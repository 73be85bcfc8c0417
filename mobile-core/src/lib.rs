//! The SEN Evidence Vault's phone core (`docs/sync.md`): an offline SQLite replica of the records a
//! user may see, changes decided on the device by the same rules as the server and kept in an
//! outbox, and sync with the server when the network returns. Exposed to Kotlin and Swift
//! through UniFFI (proc-macros, no UDL).
//!
//! No async runtime: the apps call `sync()` on a background thread, and everything else
//! returns at once from the local database.

uniffi::setup_scaffolding!();

mod changes;
mod client;
mod db;
mod error;
mod files;
mod keys;
mod methods;
mod replica;
mod timeline;
pub mod transport;
mod vocab;

pub use changes::{ChangeEvent, ChangeListener, ChangeOrigin, ChangedRecord, SyncProgress, SyncStage};
pub use client::{AuthProvider, Clock, OutcomeKind, RejectedChange, SyncReport, SyncStatus, VaultClient};
pub use error::VaultError;
pub use files::*;
pub use keys::{KeyProvider, VaultKeys};
pub use methods::*;
pub use timeline::*;
