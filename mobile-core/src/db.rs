//! The phone's database: what the server last said (`mirror`), pending local changes
//! (`overlay`, present only while a record has unacknowledged mutations), the `outbox` written
//! in the same transaction as the overlay, refused changes to show (`outcomes`), each scope's
//! cursor, and settings. Reached through numbered migrations (`PRAGMA user_version`).

use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};

use crate::error::VaultError;
use crate::keys::VaultKeys;

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
    // 8: document files the device keeps (encrypted, in the directory beside the replica): a
    // capture waiting to be uploaded (`pending`), or a copy downloaded to read (`cached`,
    // evicted least recently used first).
    "CREATE TABLE files (
        document_id TEXT PRIMARY KEY, scope TEXT NOT NULL, state TEXT NOT NULL, name TEXT NOT NULL,
        size INTEGER NOT NULL, used_at INTEGER NOT NULL);
     CREATE INDEX files_scope ON files (scope);
     ALTER TABLE outcomes ADD COLUMN document_id TEXT;",
];

pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if absent) and migrates the database at `path`, encrypted under `keys`. A
/// damaged file, one written by a newer release, or one the key does not open is reported and
/// left untouched — never silently recreated, since it may hold changes not yet synced. A plain
/// replica of an earlier release is encrypted in place first.
pub fn open(path: &Path, keys: &VaultKeys) -> Result<Connection, VaultError> {
    if is_plain(path)? {
        encrypt_in_place(path, keys)?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher's own log (to the system log on a phone) stays quiet: a wrong key is answered
    // as `Locked`, not written down.
    conn.execute_batch(&format!("PRAGMA cipher_log_level = NONE; PRAGMA key = {};", keys.database_key()))?;
    // The first read tells whether the key opens the file. An encrypted file read with the
    // wrong key and a damaged one look the same: both are `Locked`, and left as they are.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())).map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => crate::keys::locked(
            "the key does not open this replica (a wrong key, or a damaged file); it was left as it is",
        ),
        _ => e.into(),
    })?;
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
    // the log passes [`LOG_LIMIT`] ([`keep_log_small`]). An 8 MB page cache: a page read
    // from the file is decrypted, so the pages a screen keeps reading stay decrypted in memory.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;
         PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -8000;",
    )?;
    migrate(&conn, VERSION)?;
    scrub_log(&conn)?;
    Ok(conn)
}

/// SQLite's header: a replica written before encryption, or by a test with plain SQLite.
fn is_plain(path: &Path) -> Result<bool, VaultError> {
    use std::io::Read;
    let mut head = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut f) => Ok(f.read_exact(&mut head).is_ok() && &head == b"SQLite format 3\0"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(VaultError::Storage { detail: e.to_string() }),
    }
}

/// Encrypts a plain replica: copied into an encrypted one beside it (`sqlcipher_export`), the
/// plain file overwritten with zeros, and the encrypted one moved into its place. A crash part
/// way leaves the plain replica whole, and the next open starts again.
fn encrypt_in_place(path: &Path, keys: &VaultKeys) -> Result<(), VaultError> {
    let mut sealed = path.as_os_str().to_owned();
    sealed.push(".sealing");
    let sealed = std::path::PathBuf::from(sealed);
    let _ = std::fs::remove_file(&sealed);
    let plain = Connection::open(path)?;
    plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let version: i64 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let target =
        sealed.to_str().ok_or_else(|| VaultError::Storage { detail: "the replica's path is not UTF-8".into() })?;
    plain.execute(&format!("ATTACH DATABASE ?1 AS sealed KEY {}", keys.database_key()), [target])?;
    plain.query_row("SELECT sqlcipher_export('sealed')", [], |_| Ok(()))?;
    plain.execute_batch(&format!("PRAGMA sealed.user_version = {version}; DETACH DATABASE sealed;"))?;
    plain.close().map_err(|(_, e)| e)?;
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let zeros = vec![0u8; len as usize];
    let storage = |e: std::io::Error| VaultError::Storage { detail: e.to_string() };
    std::fs::write(path, &zeros).map_err(storage)?;
    std::fs::rename(&sealed, path).map_err(storage)?;
    remove_side_files(path)
}

fn remove_side_files(path: &Path) -> Result<(), VaultError> {
    for suffix in ["-wal", "-shm", "-journal"] {
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
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(VaultError::Storage { detail: format!("the replica could not be deleted: {e}") }),
    }
    remove_side_files(path)
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

    fn key(b: u8) -> VaultKeys {
        VaultKeys::from_bytes(&[b; 32]).unwrap()
    }

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
            let conn = open(&path, &key(1)).unwrap();
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
        // Encrypted, a damaged file and a wrong key look alike.
        assert!(matches!(open(&path, &key(1)), Err(VaultError::Locked { .. })));
        assert!(std::fs::read(&path).unwrap().starts_with(b"this is not"), "never recreated");

        let newer = temp("newer");
        Connection::open(&newer).unwrap().pragma_update(None, "user_version", VERSION + 1).unwrap();
        assert!(matches!(open(&newer, &key(1)), Err(VaultError::Corrupt { .. })));
    }

    #[test]
    fn the_replica_is_encrypted_and_opens_only_with_its_key() {
        let path = temp("sealed");
        {
            let conn = open(&path, &key(1)).unwrap();
            meta_set(&conn, "note", "Sam's speech therapy was cut to once a term").unwrap();
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"), "no plain header");
        assert!(!bytes.windows(12).any(|w| w == b"speech thera"), "no plain text");
        let before = bytes.clone();
        assert!(matches!(open(&path, &key(2)), Err(VaultError::Locked { .. })), "a wrong key");
        assert_eq!(std::fs::read(&path).unwrap(), before, "left as it was");
        // Plain SQLite sees no database.
        let plain = Connection::open(&path).unwrap();
        assert!(plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());
        drop(plain);
        let conn = open(&path, &key(1)).unwrap();
        assert_eq!(meta_get(&conn, "note").unwrap().as_deref(), Some("Sam's speech therapy was cut to once a term"));
    }

    #[test]
    fn a_plain_replica_of_an_earlier_release_is_encrypted_in_place() {
        let path = temp("plain");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
            migrate(&conn, VERSION).unwrap();
            meta_set(&conn, "note", "the plain note of an earlier release").unwrap();
        }
        let conn = open(&path, &key(3)).unwrap();
        assert_eq!(meta_get(&conn, "note").unwrap().as_deref(), Some("the plain note of an earlier release"));
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            if let Ok(bytes) = std::fs::read(&name) {
                assert!(!bytes.windows(14).any(|w| w == b"the plain note"), "plain text left in {suffix}");
            }
        }
    }
}
