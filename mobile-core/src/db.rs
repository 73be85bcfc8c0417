//! The phone's database: what the server last said (`mirror`), pending local changes
//! (`overlay`, present only while a record has unacknowledged mutations), the `outbox` written
//! in the same transaction as the overlay, refused changes to show (`outcomes`), each scope's
//! cursor, and settings. Reached through numbered migrations (`PRAGMA user_version`).

use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};

use crate::error::VaultError;

/// Each migration takes the schema from version `n` to `n + 1`. Never edit one that shipped:
/// add the next.
pub const MIGRATIONS: &[&str] = &[
    // 1: the replica.
    "CREATE TABLE mirror (
        scope TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (scope, key)) WITHOUT ROWID;
     CREATE TABLE overlay (
        scope TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL,
        body TEXT NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID;
     CREATE TABLE outbox (
        mid INTEGER PRIMARY KEY, scope TEXT NOT NULL, op TEXT NOT NULL, command TEXT NOT NULL,
        made_at TEXT NOT NULL);
     CREATE TABLE cursors (
        scope TEXT PRIMARY KEY, role TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
        resume TEXT);
     CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);",
    // 2: refused changes, kept until the app has shown them.
    "CREATE TABLE outcomes (
        mid INTEGER PRIMARY KEY, status INTEGER NOT NULL, code TEXT NOT NULL, detail TEXT NOT NULL,
        command TEXT NOT NULL);",
    // 3: listing a scope's pending changes (revocation) without a scan.
    "CREATE INDEX outbox_scope ON outbox (scope);",
    // 4: changes withdrawn when access to their scope ended (still sent, so mids stay
    // contiguous, and refused by the server without being run).
    "ALTER TABLE outbox ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0;",
    // 5: an edit of text carries the version of the record the device last had (so the server
    // can tell an edit that crossed another device's), and an outcome may be an edit of this
    // device's overridden by a later one (naming the record and field; the value that won is
    // read from the replica when shown).
    "ALTER TABLE outbox ADD COLUMN base INTEGER;
     ALTER TABLE outcomes ADD COLUMN kind TEXT NOT NULL DEFAULT 'rejected';
     ALTER TABLE outcomes ADD COLUMN scope TEXT;
     ALTER TABLE outcomes ADD COLUMN record_key TEXT;
     ALTER TABLE outcomes ADD COLUMN field TEXT;",
    // 6: each scope's lease — until when it may be shown without hearing from the server
    // (seconds since the epoch; none until the server first gives one).
    "ALTER TABLE cursors ADD COLUMN valid_until INTEGER;",
    // 7: finding the scope a record id lives in (a case's child) without reading every row.
    "CREATE INDEX mirror_key ON mirror (key);
     CREATE INDEX overlay_key ON overlay (key);",
];

pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if absent) and migrates the database at `path`. A damaged file, or one
/// written by a newer release, is reported and left untouched — never silently recreated,
/// since it may hold changes not yet synced.
pub fn open(path: &Path) -> Result<Connection, VaultError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| VaultError::Corrupt { detail: e.to_string() })?;
    if check != "ok" {
        return Err(VaultError::Corrupt { detail: check });
    }
    // `secure_delete`: what is deleted (a revoked scope, a signed-out replica) is overwritten
    // with zeros in the file, not left in free pages. No automatic checkpoints: copying the log
    // into the database (and syncing it to disk) would land on whichever command happened to
    // fill it — a 10 ms stall on a tap — so the core does it at open, after each sync, and when
    // the log passes [`LOG_LIMIT`] ([`keep_log_small`]).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;
         PRAGMA wal_autocheckpoint = 0;",
    )?;
    migrate(&conn, VERSION)?;
    scrub_log(&conn)?;
    Ok(conn)
}

/// Removes the replica at `path` for good: its contents are overwritten first (every table
/// emptied with `secure_delete`, the file rebuilt, the write-ahead log emptied), then the
/// database and its side files are deleted. `conn` is the open connection to it, closed here.
pub fn destroy(conn: Connection, path: &Path) -> Result<(), VaultError> {
    let tables: Vec<String> = {
        let mut stmt =
            conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    for table in &tables {
        conn.execute(&format!("DELETE FROM \"{}\"", table.replace('"', "\"\"")), [])?;
    }
    conn.execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
    conn.close().map_err(|(_, e)| e)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(VaultError::Storage { detail: format!("the replica could not be deleted: {e}") }),
        }
    }
    Ok(())
}

/// Copies the write-ahead log into the database and empties it, so pages as they were before a
/// deletion do not live on in it. A read in progress elsewhere can hold it back; the next scrub
/// (or SQLite's own checkpoint) finishes the job.
pub fn scrub_log(conn: &Connection) -> Result<(), VaultError> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// The largest the write-ahead log grows between syncs before a command copies it back.
pub const LOG_LIMIT: u64 = 8 * 1024 * 1024;

/// Copies the log back once it has grown past [`LOG_LIMIT`] (a long time offline): one command
/// in hundreds pays for it, instead of one in every few dozen.
pub fn keep_log_small(conn: &Connection, db_path: &Path) -> Result<(), VaultError> {
    let mut wal = db_path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > LOG_LIMIT {
        scrub_log(conn)?;
    }
    Ok(())
}

/// The replica's migrations, run by the store's one migration runner.
pub const SCHEMA: senvault_store::sqlite::migrations::Schema = senvault_store::sqlite::migrations::Schema {
    name: "the phone's replica",
    migrations: MIGRATIONS,
    unnumbered_v1_table: None,
};

/// Brings the schema up to `target` (tests stop at earlier versions).
pub fn migrate(conn: &Connection, target: i64) -> Result<(), VaultError> {
    use senvault_store::sqlite::migrations::MigrationError;
    match SCHEMA.migrate_to(conn, target.max(0) as u32) {
        Ok(_) => Ok(()),
        Err(MigrationError::Newer { found, latest, .. }) => Err(VaultError::Corrupt {
            detail: format!("written by a newer release (schema {found}, this one knows {latest})"),
        }),
        Err(MigrationError::Sqlite(e)) => Err(e.into()),
    }
}

pub fn meta_get(conn: &Connection, k: &str) -> Result<Option<String>, VaultError> {
    let mut stmt = conn.prepare_cached("SELECT v FROM meta WHERE k = ?1")?;
    let mut rows = stmt.query(params![k])?;
    Ok(match rows.next()? {
        Some(r) => Some(r.get(0)?),
        None => None,
    })
}

pub fn meta_set(conn: &Connection, k: &str, v: &str) -> Result<(), VaultError> {
    conn.prepare_cached("INSERT INTO meta (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v")?
        .execute(params![k, v])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("senvault-mobile-{name}-{}.db", uuid::Uuid::now_v7().simple()))
    }

    #[test]
    fn every_earlier_version_upgrades() {
        for version in 0..=VERSION {
            let path = temp("migrate");
            {
                let conn = Connection::open(&path).unwrap();
                migrate(&conn, version).unwrap();
                if version >= 1 {
                    conn.execute("INSERT INTO meta (k, v) VALUES ('client_id', 'kept')", []).unwrap();
                }
            }
            let conn = open(&path).unwrap();
            let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
            assert_eq!(v, VERSION, "from {version}");
            if version >= 1 {
                assert_eq!(meta_get(&conn, "client_id").unwrap().as_deref(), Some("kept"), "data survives");
            }
            conn.execute(
                "INSERT INTO outcomes (mid, status, code, detail, command) VALUES (1, 403, 'f', 'd', 'c')",
                [],
            )
            .unwrap();
        }
    }

    #[test]
    fn a_damaged_or_newer_database_is_reported_and_left_alone() {
        let path = temp("corrupt");
        std::fs::write(&path, b"this is not a database, but it could be someone's unsynced notes").unwrap();
        assert!(matches!(open(&path), Err(VaultError::Corrupt { .. })));
        assert!(std::fs::read(&path).unwrap().starts_with(b"this is not"), "never recreated");

        let newer = temp("newer");
        Connection::open(&newer).unwrap().pragma_update(None, "user_version", VERSION + 1).unwrap();
        assert!(matches!(open(&newer), Err(VaultError::Corrupt { .. })));
    }
}
