//! The storage conformance suite on the SQLite adapter, in memory and on disk.

use std::sync::Arc;

use senvault_functions::store::conformance;
use senvault_functions::store::sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_in_memory_passes_the_conformance_suite() {
    conformance::run_all(Arc::new(SqliteStore::in_memory().unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_on_disk_passes_the_conformance_suite() {
    let dir = std::env::temp_dir().join(format!("senvault-conf-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    conformance::run_all(Arc::new(SqliteStore::open(&dir.join("db.sqlite")).unwrap())).await;
    let _ = std::fs::remove_dir_all(&dir);
}
