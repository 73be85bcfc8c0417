//! Numbered schema migrations, and the one runner both SQLite databases use — the server's
//! record store here and the phone's replica (`senvault-mobile`'s `db`). `PRAGMA user_version`
//! holds the number of the last migration applied; each runs in its own transaction. A database
//! from a newer release is refused rather than guessed at, and the server's database from before
//! migrations were numbered (tables present, `user_version` 0) is recognised as version 1, whose
//! schema it has.

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
    // 3: a device's sync state is a record in its user's scope (with the change it acknowledges,
    // in one commit); the table first planned for it was never written.
    "DROP TABLE clients;",
    // 4: the aliases that lead into a scope, found without reading them all when the scope is
    // purged (an account's deletion).
    "CREATE INDEX aliases_scope ON aliases (scope);",
];

/// A database's numbered migrations.
pub struct Schema {
    /// What the database is, for messages ("the record store", "the phone's replica").
    pub name: &'static str,
    /// `migrations[n - 1]` brings the database to version `n`. Never edit one that shipped.
    pub migrations: &'static [&'static str],
    /// A table whose presence at `user_version` 0 means version 1 (a database made before the
    /// migrations were numbered).
    pub unnumbered_v1_table: Option<&'static str>,
}

/// Why a database could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("{name} has schema version {found}, newer than this release ({latest}); upgrade the software")]
    Newer { name: &'static str, found: u32, latest: u32 },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl Schema {
    /// The version this release writes.
    pub const fn latest(&self) -> u32 {
        self.migrations.len() as u32
    }

    /// The database's schema version.
    pub fn version(&self, conn: &Connection) -> Result<u32, rusqlite::Error> {
        let v: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if v == 0
            && let Some(table) = self.unnumbered_v1_table
        {
            let found: Option<String> = conn
                .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |r| r.get(0))
                .optional()?;
            if found.is_some() {
                return Ok(1);
            }
        }
        Ok(v)
    }

    /// Applies the migrations the database lacks, up to `target` (tests build databases at
    /// every earlier version); returns the version it started at.
    pub fn migrate_to(&self, conn: &Connection, target: u32) -> Result<u32, MigrationError> {
        let start = self.version(conn)?;
        if start > self.latest() {
            return Err(MigrationError::Newer { name: self.name, found: start, latest: self.latest() });
        }
        for n in start..target.min(self.latest()) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(self.migrations[n as usize])?;
            tx.pragma_update(None, "user_version", n + 1)?;
            tx.commit()?;
            tracing::info!(database = self.name, version = n + 1, "sqlite schema migrated");
        }
        // A database from before the numbering has its version recorded now.
        let stored: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if stored < start {
            conn.pragma_update(None, "user_version", start)?;
        }
        Ok(start)
    }

    /// Applies every migration the database lacks.
    pub fn migrate(&self, conn: &Connection) -> Result<u32, MigrationError> {
        self.migrate_to(conn, self.latest())
    }
}

/// The server's record store.
pub const SERVER: Schema =
    Schema { name: "the record store", migrations: MIGRATIONS, unnumbered_v1_table: Some("records") };

/// The schema version this release writes.
pub const LATEST: u32 = SERVER.latest();

impl From<MigrationError> for StoreError {
    fn from(e: MigrationError) -> Self {
        StoreError::Internal(format!("sqlite migration: {e}"))
    }
}

/// The database's schema version.
pub fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(SERVER.version(conn).map_err(MigrationError::from)?)
}

/// Applies every migration the database lacks; returns the version it started at.
pub fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    Ok(SERVER.migrate(conn)?)
}

/// Applies migrations up to `target`.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    Ok(SERVER.migrate_to(conn, target)?)
}
