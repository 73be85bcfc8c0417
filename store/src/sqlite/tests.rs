use std::sync::Arc;

use futures_executor::block_on;

use super::migrations::{LATEST, MIGRATIONS, migrate_to, version};
use super::*;
use rusqlite::OptionalExtension;

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("senvault-store-{}-{name}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("db.sqlite")
}

fn put(scope: &str, key: &str, n: u64) -> Put {
    Put {
        scope: scope.into(),
        key: key.into(),
        body: format!("{{\"n\":{n}}}"),
        deleted: false,
        expect: Expect::Absent,
        g1: None,
        g2: None,
    }
}

#[test]
fn in_memory_passes_the_conformance_suite() {
    block_on(crate::conformance::run_all(Arc::new(SqliteStore::in_memory().unwrap())));
}

#[test]
fn on_disk_with_a_reader_pool_passes_the_conformance_suite() {
    let path = temp_db("conf");
    let store = SqliteStore::open_with(&path, SqliteOptions { readers: 3 }).unwrap();
    assert_eq!(store.readers(), 3);
    block_on(crate::conformance::run_all(Arc::new(store)));
}

#[test]
fn on_disk_with_threads_for_jobs_passes_the_conformance_suite() {
    // Each job on a thread of its own: concurrent commits really race for the writer.
    let spawn: Offload = Arc::new(|job: Job| {
        std::thread::spawn(job);
    });
    let store = SqliteStore::open_with(&temp_db("threads"), SqliteOptions { readers: 2 }).unwrap().with_offload(spawn);
    block_on(crate::conformance::run_all(Arc::new(store)));
}

/// A database at every earlier schema version, with data in it, opens under this release: it is
/// migrated to the latest version and keeps its records.
#[test]
fn databases_at_every_earlier_version_are_migrated() {
    for start in 0..LATEST {
        let path = temp_db(&format!("v{start}"));
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, start).unwrap();
            assert_eq!(version(&conn).unwrap(), start);
            if start >= 1 {
                conn.execute(
                    "INSERT INTO records (scope, key, v, seq, del, body) VALUES ('s', 'k', 1, 1, 0, '{\"n\":1}')",
                    [],
                )
                .unwrap();
                conn.execute("INSERT INTO meta (scope, seq) VALUES ('s', 1)", []).unwrap();
            }
        }
        let store = SqliteStore::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST, "from version {start}");
        let unused: Option<String> = conn
            .query_row("SELECT name FROM sqlite_master WHERE name = 'clients'", [], |r| r.get(0))
            .optional()
            .unwrap();
        assert_eq!(unused, None, "the never-written clients table is dropped (from version {start})");
        if start >= 1 {
            let got = block_on(store.get("s", "k")).unwrap().expect("kept");
            assert_eq!(got.body, "{\"n\":1}");
            block_on(store.commit(CommitRequest::puts(vec![put("s", "k2", 2)]))).unwrap();
            assert_eq!(block_on(store.meta("s")).unwrap().seq, 2, "from version {start}");
        }
    }
}

/// A database made before the versions were numbered has the version 1 schema.
#[test]
fn an_unnumbered_database_is_version_one() {
    let path = temp_db("legacy");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
    }
    let conn = Connection::open(&path).unwrap();
    assert_eq!(version(&conn).unwrap(), 1);
    drop(conn);
    SqliteStore::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    assert_eq!(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0)).unwrap(), LATEST);
}

#[test]
fn a_database_from_a_newer_release_is_refused() {
    let path = temp_db("newer");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrate_to(&mut conn, LATEST).unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1).unwrap();
    }
    let err = SqliteStore::open(&path).err().expect("refused");
    assert!(err.to_string().contains("newer"), "{err}");
}

/// Readers see every commit that returned before they started, on any pooled connection.
#[test]
fn pooled_readers_see_committed_writes() {
    let store = SqliteStore::open_with(&temp_db("pool"), SqliteOptions { readers: 4 }).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let key = format!("t{t}/{i}");
                    block_on(store.commit(CommitRequest::puts(vec![put("s", &key, i)]))).unwrap();
                    assert!(block_on(store.get("s", &key)).unwrap().is_some(), "read your write");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(block_on(store.meta("s")).unwrap().seq, 200);
    assert_eq!(block_on(store.list("s", "t", None, 1000)).unwrap().items.len(), 200);
}
