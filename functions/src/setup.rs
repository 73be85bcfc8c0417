//! The composition root: how every host — the Lambda functions, `senvault-local`, the tests and
//! the benchmarks — builds the service's state from its parts (the record store, document
//! storage, the clock, the token authenticator). One place, so no host assembles them its own
//! way and no Lambda code depends on the local server.

use std::path::Path;
use std::sync::Arc;

use senvault_store::Store;
use senvault_store::sqlite::SqliteStore;

use crate::api::AppState;
use crate::auth::Authenticator;
use crate::blobs::Blobs;
use crate::blobs::fs::FsBlobs;
use crate::blobs::s3::S3Blobs;
use crate::clock::Clock;
use crate::dynamo::DynamoStore;
use crate::service::Service;

/// The SQLite database's file name under a data directory.
pub const SQLITE_FILE: &str = "senvault.db";

/// The shared state of every router, from its parts.
pub fn state_with(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    auth: Authenticator,
    blobs: Option<Arc<dyn Blobs>>,
) -> AppState {
    AppState {
        service: Arc::new(Service::new(store, clock)),
        auth: Arc::new(auth),
        blobs,
        builds: crate::api::BuildStarter::InBackground,
    }
}

/// Which store the local server runs on.
#[derive(Debug, Clone)]
pub enum StoreChoice {
    /// The embedded SQLite file under the data directory.
    Sqlite,
    /// DynamoDB (and S3 for documents) from the standard AWS environment; `create` makes the
    /// table and bucket if they do not exist.
    Dynamo { table: String, bucket: Option<String>, create: bool },
}

/// The stores a host runs on.
pub struct Stores {
    pub records: Arc<dyn Store>,
    pub documents: Arc<dyn Blobs>,
    /// The SQLite engine, when records are kept in it (its change log is trimmed by the host).
    pub sqlite: Option<Arc<SqliteStore>>,
    /// The filesystem blob adapter, when documents are kept on disk (its signed URLs are served
    /// by the host).
    pub fs_blobs: Option<Arc<FsBlobs>>,
}

/// Opens the chosen record store and document storage. Documents go to S3 when a bucket is
/// named, else to files under `data_dir` whose URLs are signed with `secret`.
pub async fn open(choice: &StoreChoice, data_dir: &Path, secret: &[u8]) -> Result<Stores, OpenError> {
    let mut sqlite = None;
    let records: Arc<dyn Store> = match choice {
        StoreChoice::Sqlite => {
            let store = Arc::new(sqlite_store(&data_dir.join(SQLITE_FILE))?);
            sqlite = Some(store.clone());
            store
        }
        StoreChoice::Dynamo { table, create, .. } => {
            let store = DynamoStore::from_env(table.clone()).await;
            if *create {
                store.create_table().await?;
            }
            Arc::new(store)
        }
    };
    let (documents, fs_blobs): (Arc<dyn Blobs>, Option<Arc<FsBlobs>>) = match choice {
        StoreChoice::Dynamo { bucket: Some(bucket), create, .. } => {
            let s3 = S3Blobs::from_env(bucket.clone(), None).await;
            if *create {
                s3.create_bucket().await?;
            }
            (Arc::new(s3), None)
        }
        _ => {
            let fs = Arc::new(FsBlobs::new(crate::blobs::fs::default_root(data_dir), secret, "http://127.0.0.1"));
            // Documents stored by an earlier release (or copied in) become owner-only.
            let narrowed =
                fs.secure_existing().map_err(|e| OpenError::Blobs(crate::blobs::BlobError::Backend(e.to_string())))?;
            if narrowed > 0 {
                tracing::info!(narrowed, "blob permissions narrowed to the owner");
            }
            (fs.clone(), Some(fs))
        }
    };
    Ok(Stores { records, documents, sqlite, fs_blobs })
}

/// Why the stores could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] senvault_store::StoreError),
    #[error(transparent)]
    Blobs(#[from] crate::blobs::BlobError),
}

/// The embedded SQLite engine, its blocking work on the runtime's blocking pool (so its reader
/// connections run in parallel and the reactor never waits on disk).
pub fn sqlite_store(path: &Path) -> Result<SqliteStore, senvault_store::StoreError> {
    Ok(SqliteStore::open(path)?.with_offload(tokio_offload()))
}

/// Runs the SQLite engine's jobs on tokio's blocking pool.
pub fn tokio_offload() -> senvault_store::sqlite::Offload {
    Arc::new(|job: senvault_store::sqlite::Job| {
        tokio::task::spawn_blocking(job);
    })
}

/// A Lambda container's DynamoDB store, built once during init. A first cheap read opens the
/// TLS connection now, so the first request does not pay for it (`SENVAULT_WARM_UP=0` skips it).
pub async fn dynamo_store(table: String) -> Arc<dyn Store> {
    use senvault_store::ChangeLog;
    let store = DynamoStore::from_env(table).await;
    if std::env::var("SENVAULT_WARM_UP").map(|v| v != "0").unwrap_or(true)
        && let Err(e) = store.meta("warm-up").await
    {
        tracing::warn!(error = %e, "warm-up read failed");
    }
    Arc::new(store)
}

/// A Lambda container's document storage: S3, when the function is given a bucket.
pub async fn s3_blobs(bucket: Option<&str>, kms_key: Option<String>) -> Option<Arc<dyn Blobs>> {
    match bucket {
        Some(bucket) => Some(Arc::new(S3Blobs::from_env(bucket.to_owned(), kms_key).await)),
        None => None,
    }
}
