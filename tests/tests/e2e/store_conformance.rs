//! The storage conformance suite on the SQLite engine as the server runs it: on disk, with its
//! reader pool, its jobs on the runtime's blocking pool. (The store crate runs the suite itself
//! in memory, inline and on plain threads.)

use std::sync::Arc;

use senvault_functions::setup::sqlite_store;
use senvault_store::conformance;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_as_the_server_runs_it_passes_the_conformance_suite() {
    let dir = std::env::temp_dir().join(format!("senvault-conf-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    conformance::run_all(Arc::new(sqlite_store(&dir.join("db.sqlite")).unwrap())).await;
    let _ = std::fs::remove_dir_all(&dir);
}
