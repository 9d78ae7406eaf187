//! The store owns the SQLCipher database: opening it with a raw key, the pragmas that make a
//! returned commit durable, the schema and its migrations, and one module per record kind.
//! Every write is one transaction; history rows ride in the transaction of their change.

mod access_log;
mod agenda;
mod attachment;
mod batch;
mod bulk;
mod complaint;
mod customer;
mod customer_list;
mod draft;
mod edit;
mod field_path;
#[cfg(feature = "bench")]
mod fts5;
mod history;
mod incoming;
mod interaction;
mod merge;
mod migrations;
mod note;
mod profile;
pub mod repair;
mod report;
mod search_source;
mod secret;
mod setting;
mod snapshot;
mod staged;
mod survey;
mod task;
mod template;
mod transfer;
mod view;
pub mod wal_guard;

pub use crate::rules::ValueProblem;
pub use crate::vocab::{
    AccessEvent, Colour, CompanySize, ComplaintStatus, ContactKind, Grade, InteractionKind, Lang, SearchKind, Stage,
    TemplateKind, VocabEntry, Vocabulary, vocabulary,
};
pub use access_log::AccessLogEntry;
pub use agenda::{ReviewItem, ReviewPolicy};
pub use attachment::{Attachment, MAX_ATTACHMENT_BYTES, guess_mime};
pub use batch::{BatchChunk, BatchFile, BatchItem, BatchOutcome, BatchTarget};
pub use complaint::Complaint;
pub use customer::{Change, ContactMethod, Customer, CustomerSummary, NewContact, NewCustomer};
pub use customer_list::{CustomerFacets, CustomerFilter, CustomerSort, FacetValue};
pub use draft::Draft;
pub use field_path::{
    AttachmentField, ComplaintField, CredentialField, Field, FieldPath, InteractionField, NoteField, TaskField,
};
pub use history::HistoryEntry;
pub use incoming::Row;
pub(crate) use incoming::check_attachment_data;
pub use incoming::check_incoming_row;
pub use interaction::{Interaction, NewInteraction};
pub use merge::MergeOutcome;
pub use migrations::SCHEMA_VERSION;
pub use note::{NewNote, Note};
pub use profile::CustomerProfile;
pub use search_source::{SearchDisplay, SearchSource};
pub use secret::{NewSecret, Secret, SecretSummary};
pub use snapshot::{CUSTOMER_TABLES, RowLoader, RowScope, SNAPSHOT_TABLES};
pub use staged::{CustomerRows, StagedRows};
pub use survey::SurveyedCustomer;
pub use task::{NewTask, Task, TaskFilter};
pub use template::{NewTemplate, Template, TemplateField};
pub use transfer::{TransferCounts, TransferTarget};
pub use view::SavedView;
pub use wal_guard::LostWrites;

use std::path::Path;

use rusqlite::{Connection, OpenFlags, Transaction};

use crate::vault::SubKeys;

/// What can go wrong reading or writing records.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// `problem` says what is wrong where a screen can say it in the user's language.
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String, problem: Option<ValueProblem> },
    /// A row from a file (a backup, a package, kehu JSON) refused before anything was written.
    #[error("{0}")]
    BadRow(Box<RefusedValue>),
    #[error(
        "the database does not open with this notebook's key (the header and the database do not belong together, or the database is damaged)"
    )]
    WrongKey,
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error("the database schema version {found} is newer than this kehu understands ({supported}); update kehu")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{}", describe_sqlite(.0))]
    Sqlite(#[from] rusqlite::Error),
}

/// Says what a failed write means for the user, rather than SQLite's code.
fn describe_sqlite(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => "the disk is full: the change was not saved".into(),
        Some(rusqlite::ErrorCode::SystemIoFailure) => {
            "cannot write the notebook (disk full or I/O error): the change was not saved".into()
        }
        // SQLCipher reports a page whose checksum (HMAC) fails as "out of memory"; an allocation
        // that fails in kehu aborts instead of returning, so this code means a damaged page.
        Some(rusqlite::ErrorCode::OutOfMemory | rusqlite::ErrorCode::DatabaseCorrupt) => {
            "the notebook's database is damaged (a page failed its integrity check): checking the notebook names the damaged records and repairs what it can".into()
        }
        _ => format!("database error: {e}"),
    }
}

impl StoreError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        StoreError::Invalid { field: field.into(), reason: reason.into(), problem: None }
    }

    /// A refused value said in English as `reason`, and as `problem` for a screen to say in
    /// the user's language.
    pub(crate) fn refused(field: impl Into<String>, reason: impl Into<String>, problem: ValueProblem) -> Self {
        StoreError::Invalid { field: field.into(), reason: reason.into(), problem: Some(problem) }
    }

    /// A refused value whose problem a screen can say without knowing the field.
    pub fn bad_value(field: impl Into<String>, problem: ValueProblem) -> Self {
        StoreError::Invalid { field: field.into(), reason: problem.to_string(), problem: Some(problem) }
    }

    pub(crate) fn not_found(kind: &'static str, id: impl std::fmt::Display) -> Self {
        StoreError::NotFound { kind, id: id.to_string() }
    }
}

/// A value of a row from a file that the store's rules refuse: where it is, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RefusedValue {
    /// The table (`note`, `customer`…).
    pub table: String,
    /// The row's id in the file, where it has one.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub row: Option<i64>,
    pub column: String,
    /// Why, in English (what the CLI says).
    pub reason: String,
    /// Why, as a fact a screen says in the user's language, where there is one.
    pub problem: Option<ValueProblem>,
}

impl std::fmt::Display for RefusedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.row {
            Some(row) => write!(f, "{} row {row}, {}: {}", self.table, self.column, self.reason),
            None => write!(f, "{} row ?, {}: {}", self.table, self.column, self.reason),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open, keyed database. Dropping it closes the connection (SQLCipher wipes its key).
pub struct Store {
    conn: Connection,
    keys: SubKeys,
    // After `conn`: dropped once the connection has closed and checkpointed the WAL.
    session: Option<wal_guard::SessionMarker>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// Page cache in KiB (negative `cache_size` means KiB): generous, since notebooks are small
/// next to the memory of a laptop and every page read costs a decryption.
const CACHE_KIB: i64 = 64 * 1024;

/// Page cache while a bulk transaction (an import's `add_batches`) runs: its dirty pages stay in
/// memory until the commit writes each once, instead of spilling to the WAL mid-transaction,
/// where a page touched again is read back, decrypted, and encrypted and written once more.
const BULK_CACHE_KIB: i64 = 512 * 1024;

impl Store {
    /// Opens (creating if needed) the database at `path` with the notebook's keys, verifies the
    /// key, and migrates the schema to the latest version.
    pub(crate) fn open(path: &Path, keys: &SubKeys) -> Result<Store> {
        let mut store = Store::open_unmigrated(path, keys)?;
        migrations::to_latest(&mut store.conn)?;
        Ok(store)
    }

    /// Creates a database at schema `version` for a restore to fill; [`Store::migrate`] then
    /// brings it to the latest.
    pub(crate) fn create_at_version(path: &Path, keys: &SubKeys, version: i64) -> Result<Store> {
        let mut store = Store::open_unmigrated(path, keys)?;
        migrations::to_version(&mut store.conn, version)?;
        Ok(store)
    }

    pub(crate) fn migrate(&mut self) -> Result<()> {
        migrations::to_latest(&mut self.conn)
    }

    fn open_unmigrated(path: &Path, keys: &SubKeys) -> Result<Store> {
        let conn = connect(path, keys)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA temp_store = MEMORY;
             PRAGMA secure_delete = ON;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -{CACHE_KIB};"
        ))?;
        // Room for a bulk load's statements (a few sizes per table, see `bulk::insert_rows`)
        // beside the rest, so a batch does not prepare them again.
        conn.set_prepared_statement_cache_capacity(64);
        let session = wal_guard::SessionMarker::arm(path);
        Ok(Store { conn, keys: keys.clone(), session })
    }

    /// Checks the database file before anything reads its schema: first every page's
    /// authentication code, then (if those hold) SQLite's structural checks. An empty list
    /// means the database is sound.
    pub(crate) fn check_file(path: &Path, keys: &SubKeys) -> Result<Vec<String>> {
        let conn = connect_unverified(path, keys)?;
        // A check reports damage; it does not fail on it. SQLite can refuse a damaged page with
        // "malformed" before the pragma has produced a row, so that refusal is a finding too.
        let problems = match pragma_problems(&conn, "cipher_integrity_check") {
            Err(StoreError::Sqlite(e)) => vec![format!("cipher_integrity_check: {e}")],
            other => other?,
        };
        if !problems.is_empty() {
            return Ok(problems);
        }
        drop(conn);
        match Store::open(path, keys) {
            Err(StoreError::WrongKey) => {
                Ok(vec!["cipher_integrity_check: page 1 does not authenticate (damaged header page)".into()])
            }
            Ok(store) => store.check(),
            Err(StoreError::Sqlite(e)) => Ok(vec![format!("integrity_check: {e}")]),
            Err(e) => Err(e),
        }
    }
    /// Runs `f` in one IMMEDIATE transaction: all of it is committed, or none of it.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`Store::write`] for one large transaction that only adds rows (a batch of customers),
    /// with the larger page cache it needs; the usual cache (and the memory above it) is back
    /// when it returns, and so are foreign-key checks.
    ///
    /// Foreign keys are not checked meanwhile: each of a batch's rows refers to a customer or
    /// tag it has just added, or one it has looked up, in the same transaction, and it deletes
    /// nothing, so the checks cannot fail and no cascade can fire. Left on, they are one parent
    /// lookup per contact method, tag link and note: about 4 % of the writer's work in a
    /// 100 000-row import. (SQLite ignores the pragma inside a transaction, hence out here.)
    ///
    /// The transaction keeps a rollback journal instead of the WAL. Through the WAL, each page
    /// it writes would be written twice, each time made durable: into the WAL at the commit,
    /// then copied into the database file by the checkpoint that follows it (100 MB twice for
    /// 100 000 rows). With the journal, new pages go straight into the database file once, and
    /// the journal holds only the pages that were there before, encrypted as SQLCipher writes
    /// every page; the commit deletes it. A crash midway leaves it behind, and the next open
    /// rolls the transaction back from it before it turns the WAL on again, as it always does.
    pub(crate) fn write_bulk<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        // Whatever of the setup took effect is undone below, even if the rest of it failed.
        self.mark_journal(wal_guard::Journal::Rollback);
        let result = self
            .set_journal_mode("delete")
            .and_then(|()| {
                let bulk = format!("PRAGMA cache_size = -{BULK_CACHE_KIB}; PRAGMA foreign_keys = OFF;");
                Ok(self.conn.execute_batch(&bulk)?)
            })
            .and_then(|()| self.write(f));
        let restored = self
            .conn
            .execute_batch(&format!("PRAGMA foreign_keys = ON; PRAGMA cache_size = -{CACHE_KIB};"))
            .map_err(StoreError::from)
            .and_then(|()| self.set_journal_mode("wal"))
            // A read opens (creates) the WAL before the marker says one must be there.
            .and_then(|()| Ok(self.conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?));
        if restored.is_ok() {
            self.mark_journal(wal_guard::Journal::Wal);
        }
        let value = result?;
        restored?;
        Ok(value)
    }

    fn mark_journal(&self, journal: wal_guard::Journal) {
        if let Some(Err(e)) = self.session.as_ref().map(|m| m.set(journal)) {
            tracing::warn!("the session marker was not updated: {e}");
        }
    }

    /// Sets the journal mode. SQLite declines a change it cannot make (an in-memory database
    /// keeps its own) without an error, and either mode keeps a transaction whole; so the mode
    /// it reports back is not an error either way.
    fn set_journal_mode(&self, mode: &str) -> Result<()> {
        self.conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |_| Ok(()))?;
        Ok(())
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn keys(&self) -> &SubKeys {
        &self.keys
    }

    /// SQLCipher's page authentication check plus SQLite's structural checks; an empty list
    /// means the database is sound.
    pub(crate) fn check(&self) -> Result<Vec<String>> {
        let mut problems = pragma_problems(&self.conn, "cipher_integrity_check")?;
        problems.extend(pragma_problems(&self.conn, "integrity_check")?);
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |row| {
            Ok(format!("foreign_key_check: {} row {}", row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })?;
        for row in rows {
            problems.push(row?);
        }
        Ok(problems)
    }

    /// The schema as SQL, tables and indexes sorted by name: what the snapshot test compares.
    pub(crate) fn schema(&self) -> Result<String> {
        let mut stmt = self.conn.prepare(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name",
        )?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        let mut schema = String::new();
        for sql in rows {
            schema.push_str(&sql?);
            schema.push_str(";\n");
        }
        Ok(schema)
    }

    /// Moves every committed page from the WAL into the database file and empties the WAL, so
    /// that freed (securely zeroed) pages leave no old copy behind.
    pub(crate) fn checkpoint(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// Makes the process's first SQLite connection, once, before any other. SQLite marks itself
/// initialised before SQLCipher's own set-up (`sqlcipher_extra_init`) has run, so a second
/// thread opening its first database meanwhile had its key refused ("An error occurred with
/// PRAGMA key or rekey"): about one run in a hundred of the desktop's unit tests, which open
/// notebooks on two threads. Every opener waits here until that set-up is done.
fn sqlcipher_ready() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        #[allow(clippy::disallowed_methods)] // an empty in-memory database, closed at once
        let first = Connection::open_in_memory();
        drop(first);
    });
}

/// Opens the file and keys it, without reading the schema.
fn connect(path: &Path, keys: &SubKeys) -> Result<Connection> {
    sqlcipher_ready();
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    #[allow(clippy::disallowed_methods)] // the one place that opens SQLite
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher logs a failed key to stderr; the CLI prints one clear line instead.
    let log_level = if std::env::var_os("KEHU_SQLCIPHER_LOG").is_some() { "DEBUG" } else { "NONE" };
    let _ = conn.pragma_update(None, "cipher_log_level", log_level);
    let key = keys.database.sqlcipher_literal();
    conn.execute_batch(&zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\";", key.as_str())))?;
    drop(key);
    // Before the first read: with an exclusive lock SQLite keeps the WAL index in process
    // memory, so no plaintext-structured `-shm` file is ever written beside the database.
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE;")?;
    verify_key(&conn)?;
    Ok(conn)
}

/// A scratch database keyed with a random key that is never stored: what it holds is unreadable
/// once the process ends. No journal (it is thrown away on any failure) and no syncing.
fn connect_scratch(path: &Path) -> Result<Connection> {
    sqlcipher_ready();
    #[allow(clippy::disallowed_methods)] // the one place that opens SQLite
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
    let key = crate::vault::DataKey::generate().subkeys().database.sqlcipher_literal();
    conn.execute_batch(&zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\";", key.as_str())))?;
    drop(key);
    conn.execute_batch(
        "PRAGMA locking_mode = EXCLUSIVE;
         PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16384;",
    )?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}

/// A keyed connection whose key is not yet verified: the page check reads no schema, so it
/// can name a damaged page even when that page is one the verification would stumble on.
fn connect_unverified(path: &Path, keys: &SubKeys) -> Result<Connection> {
    sqlcipher_ready();
    #[allow(clippy::disallowed_methods)] // the one place that opens SQLite
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
    let key = keys.database.sqlcipher_literal();
    conn.execute_batch(&zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\";", key.as_str())))?;
    drop(key);
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE;")?;
    Ok(conn)
}

/// Runs a checking pragma and returns every line that is not "ok".
fn pragma_problems(conn: &Connection, pragma: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA {pragma}"))?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    let mut problems = Vec::new();
    for line in rows {
        let line = line?;
        if line != "ok" {
            problems.push(format!("{pragma}: {line}"));
        }
    }
    Ok(problems)
}

/// A wrong key does not fail at `PRAGMA key`, only at the first read.
fn verify_key(conn: &Connection) -> Result<()> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
            Err(StoreError::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads a stored time column. One that does not read (written by an older kehu from a
/// hand-edited file) is read as the Unix epoch rather than failing the whole read: one bad value
/// must not make every list, search and backup of the notebook fail. `kehu check` reports such
/// values and `kehu check --repair` replaces them ([`repair`]).
pub(crate) fn time_at(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
    Ok(opt_time_at(row, idx)?.unwrap_or(chrono::DateTime::UNIX_EPOCH))
}

/// An optional time column; one that does not read is read as absent (see [`time_at`]).
pub(crate) fn opt_time_at(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
    let Some(text) = row.get_ref(idx)?.as_str_or_null()? else { return Ok(None) };
    let read = crate::clock::from_db(text);
    if read.is_none() {
        tracing::warn!("a stored time does not read (column {idx}); a check reports it");
    }
    Ok(read)
}

/// Trims a free-text value; empty means absent.
pub(crate) fn clean(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Turns "no row" from a lookup by id into [`StoreError::NotFound`].
pub(crate) trait FoundOr<T> {
    fn found_or(self, kind: &'static str, id: impl std::fmt::Display) -> Result<T>;
}

impl<T> FoundOr<T> for rusqlite::Result<T> {
    fn found_or(self, kind: &'static str, id: impl std::fmt::Display) -> Result<T> {
        self.map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::not_found(kind, id),
            e => e.into(),
        })
    }
}

/// Records that a customer's file changed now (the list's order and the review queue use it).
pub(crate) fn touch_customer(conn: &Connection, customer_id: i64, now: &chrono::DateTime<chrono::Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE customer SET updated_at = ?1 WHERE id = ?2")?
        .execute(rusqlite::params![crate::clock::to_db(now), customer_id])?;
    Ok(())
}

/// Checks that a customer exists before a child record is attached to it.
pub(crate) fn require_customer(conn: &Connection, customer_id: i64) -> Result<()> {
    let exists: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM customer WHERE id = ?1)", [customer_id], |row| row.get(0))?;
    if exists { Ok(()) } else { Err(StoreError::not_found("customer", customer_id)) }
}

#[cfg(test)]
pub(crate) mod testing {
    /// A store in a temporary folder (at `nb/notebook.db`, where a notebook keeps it), keyed
    /// with a random data key: for the store's unit tests, which need no notebook around it.
    pub(crate) fn store() -> (tempfile::TempDir, super::Store) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("nb")).unwrap();
        let key = crate::vault::DataKey::generate();
        let store = super::Store::open(&dir.path().join("nb").join(crate::DB_FILE), &key.subkeys()).unwrap();
        (dir, store)
    }
}

#[cfg(test)]
mod tests {
    fn journal_mode(conn: &rusqlite::Connection) -> String {
        conn.query_row("PRAGMA journal_mode", [], |row| row.get(0)).unwrap()
    }

    #[test]
    fn a_bulk_write_keeps_a_rollback_journal_and_the_wal_is_back_after_it_whether_it_lands_or_not() {
        let (dir, mut nb) = crate::store::testing::store();
        assert_eq!(journal_mode(nb.conn()), "wal");
        let wal = dir.path().join("nb/notebook.db-wal");
        nb.add_customer(&super::NewCustomer::named("先写一个")).unwrap();
        assert!(wal.exists(), "the test looks for the WAL where it is");
        let marker = dir.path().join("nb/notebook.db-open");
        nb.write_bulk(|tx| {
            assert_eq!(journal_mode(tx), "delete");
            assert!(!wal.exists(), "the WAL is checkpointed and gone while the journal is in use");
            assert_eq!(std::fs::read(&marker).unwrap(), b"rollback\n", "a crash now loses no WAL");
            tx.execute("INSERT INTO tag (name) VALUES ('批量')", [])?;
            Ok(())
        })
        .unwrap();
        assert_eq!(journal_mode(nb.conn()), "wal");
        assert!(wal.exists(), "the WAL is there again before the marker says it must be");
        assert_eq!(std::fs::read(&marker).unwrap(), b"wal\n");
        assert!(!dir.path().join("nb/notebook.db-journal").exists(), "the commit deleted the journal");
        let failed: super::Result<()> = nb.write_bulk(|tx| {
            tx.execute("INSERT INTO tag (name) VALUES ('撤回')", [])?;
            Err(super::StoreError::invalid("row 2", "refused"))
        });
        assert!(failed.is_err());
        assert_eq!(journal_mode(nb.conn()), "wal");
        let tags: Vec<String> = nb
            .conn()
            .prepare("SELECT name FROM tag ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(tags, ["批量"], "the first landed, the second rolled back whole");
        assert!(nb.check().unwrap().is_empty());
    }
}
