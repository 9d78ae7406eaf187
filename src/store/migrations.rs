//! Schema migrations: numbered, append-only SQL files applied by rusqlite_migration, tracked in
//! SQLite's `user_version`. A database from a newer kehu is refused, never downgraded.

use rusqlite::Connection;
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};

use super::{Result, StoreError};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 6;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        // The default templates ride in the first migration, so every database has them from
        // the moment it exists, whatever happened to the process that created it.
        M::up_with_hook(include_str!("migrations/001_initial.sql"), |tx: &rusqlite::Transaction<'_>| {
            super::template::seed_defaults(tx).map_err(hook_error)
        }),
        M::up(include_str!("migrations/002_search_queue.sql")),
        M::up(include_str!("migrations/003_views_and_drafts.sql")),
        M::up(include_str!("migrations/004_settings.sql")),
        M::up(include_str!("migrations/005_agenda.sql")),
        M::up(include_str!("migrations/006_leaner_bulk_loads.sql")),
    ])
}

fn hook_error(e: StoreError) -> rusqlite_migration::HookError {
    match e {
        StoreError::Sqlite(e) => rusqlite_migration::HookError::RusqliteError(e),
        other => rusqlite_migration::HookError::Hook(other.to_string()),
    }
}

pub(super) fn to_latest(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    migrations().to_latest(conn).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::Sqlite(err),
        rusqlite_migration::Error::MigrationDefinition(MigrationDefinitionError::DatabaseTooFarAhead) => {
            StoreError::SchemaTooNew { found, supported: SCHEMA_VERSION }
        }
        other => StoreError::Corrupt(format!("migration failed: {other}")),
    })
}

/// Brings a new database to exactly `version` (a restore loads a backup's rows into the schema
/// they were written from, then migrates them with everything else).
pub(super) fn to_version(conn: &mut Connection, version: i64) -> Result<()> {
    if !(1..=SCHEMA_VERSION).contains(&version) {
        return Err(StoreError::SchemaTooNew { found: version, supported: SCHEMA_VERSION });
    }
    let target = usize::try_from(version).expect("a small positive number");
    migrations().to_version(conn, target).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::Sqlite(err),
        other => StoreError::Corrupt(format!("migration failed: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid_and_counted() {
        assert!(migrations().validate().is_ok());
        #[allow(clippy::disallowed_methods)] // a bare schema, no key: this test checks SQL only
        let mut conn = Connection::open_in_memory().unwrap();
        to_latest(&mut conn).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }
}
