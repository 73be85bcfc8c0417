//! Numbered schema migrations. `PRAGMA user_version` holds the number of the last one applied;
//! each runs in its own transaction. A database from a newer release is refused rather than
//! guessed at, and one made before migrations were numbered (tables present, `user_version` 0)
//! is recognised as version 1, whose schema it has.

use rusqlite::{Connection, OptionalExtension};

use crate::model::StoreError;

/// The migrations in order: `MIGRATIONS[n - 1]` brings a database to version `n`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the single-table model (README, "Storage") in five tables.
    r#"
CREATE TABLE meta (
    scope TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    epoch INTEGER NOT NULL DEFAULT 1,
    purged_before INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE records (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    v INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    del INTEGER NOT NULL,
    body TEXT NOT NULL,
    g1pk TEXT, g1sk TEXT,
    g2pk TEXT, g2sk TEXT,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX records_g1 ON records (g1pk, g1sk) WHERE g1pk IS NOT NULL;
CREATE INDEX records_g2 ON records (g2pk, g2sk) WHERE g2pk IS NOT NULL;
CREATE TABLE changes (
    scope TEXT NOT NULL,
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    v INTEGER NOT NULL,
    del INTEGER NOT NULL,
    PRIMARY KEY (scope, seq)
) WITHOUT ROWID;
CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    lmid INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE aliases (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL
) WITHOUT ROWID;
"#, // 2: when each change was logged, so the log can be trimmed to the retention horizon
    // (entries from before this migration count as old).
    "ALTER TABLE changes ADD COLUMN at INTEGER NOT NULL DEFAULT 0;",
];

/// The schema version this release writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(format!("sqlite migration: {e}"))
}

/// The database's schema version.
pub fn version(conn: &Connection) -> Result<u32, StoreError> {
    let v: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(backend)?;
    if v == 0 {
        let legacy: Option<String> = conn
            .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'records'", [], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        if legacy.is_some() {
            return Ok(1);
        }
    }
    Ok(v)
}

/// Applies every migration the database lacks; returns the version it started at.
pub fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    migrate_to(conn, LATEST)
}

/// Applies migrations up to `target` (tests build databases at every earlier version).
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    let start = version(conn)?;
    if start > LATEST {
        return Err(StoreError::Internal(format!(
            "the database has schema version {start}, newer than this release ({LATEST}); upgrade the software"
        )));
    }
    for n in start..target.min(LATEST) {
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_batch(MIGRATIONS[n as usize]).map_err(backend)?;
        tx.pragma_update(None, "user_version", n + 1).map_err(backend)?;
        tx.commit().map_err(backend)?;
        tracing::info!(version = n + 1, "sqlite schema migrated");
    }
    // A database from before the numbering has its version recorded now.
    let stored: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(backend)?;
    if stored < start {
        conn.pragma_update(None, "user_version", start).map_err(backend)?;
    }
    Ok(start)
}
