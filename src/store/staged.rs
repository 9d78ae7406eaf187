//! Rows from a file held while they are planned and applied (a handover package, a backup
//! merged in, kehu JSON): an encrypted scratch database in the temporary folder, so a package of
//! any size is read with bounded memory and a customer's rows are found through an index.
//!
//! The scratch database is SQLCipher with a random key that lives only in this process; it is
//! removed when the rows are dropped, and one left by a killed process is unreadable and
//! removed by the next stage (its process id is in its name).

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value as Json;

use super::incoming::Row;
use super::{Result, StoreError};

const PREFIX: &str = ".kehu-stage-";

/// A package's rows, checked, by table and by customer; attachment bytes by their id.
pub struct StagedRows {
    conn: Connection,
    /// Removed on drop.
    _file: tempfile::NamedTempFile,
    /// Each table's rows lie between these row numbers (tables arrive one after another; the
    /// table column is checked as well, for a package that interleaves them).
    spans: BTreeMap<String, (i64, i64)>,
    indexed: bool,
}

impl std::fmt::Debug for StagedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedRows").field("spans", &self.spans).finish_non_exhaustive()
    }
}

/// One customer's rows in every table, in the package's order.
#[derive(Debug, Default)]
pub struct CustomerRows {
    tables: BTreeMap<String, Vec<Row>>,
}

impl CustomerRows {
    pub fn get(&self, table: &str) -> &[Row] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or_default()
    }
}

impl StagedRows {
    /// An empty stage in the temporary folder.
    pub fn new() -> Result<StagedRows> {
        let folder = std::env::temp_dir();
        // A TMPDIR that names a folder not yet made is made rather than refused.
        let _ = std::fs::create_dir_all(&folder);
        remove_stale(&folder);
        let file = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .suffix(".db")
            .tempfile_in(&folder)
            .map_err(|e| StoreError::Corrupt(format!("cannot create a scratch file in {}: {e}", folder.display())))?;
        let conn = super::connect_scratch(file.path())?;
        conn.execute_batch(
            "CREATE TABLE row (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, customer_id INTEGER, json TEXT NOT NULL);
             CREATE TABLE file (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
             BEGIN;",
        )?;
        Ok(StagedRows { conn, _file: file, spans: BTreeMap::new(), indexed: false })
    }

    /// Keeps a (checked) row of `table`.
    pub fn push(&mut self, table: &str, row: &Row) -> Result<()> {
        let customer_id = row.get("customer_id").and_then(Json::as_i64);
        let json = serde_json::to_string(row).expect("a JSON map serialises");
        self.conn.prepare_cached("INSERT INTO row (tbl, customer_id, json) VALUES (?1, ?2, ?3)")?.execute(params![
            table,
            customer_id,
            json
        ])?;
        let seq = self.conn.last_insert_rowid();
        self.spans.entry(table.to_owned()).and_modify(|span| span.1 = seq).or_insert((seq, seq));
        Ok(())
    }

    /// Keeps the bytes of attachment `id`.
    pub fn push_attachment(&mut self, id: i64, data: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO file (id, data) VALUES (?1, ?2)")?
            .execute(params![id, data])?;
        Ok(())
    }

    /// Ends the loading: commits and builds the index by customer (faster once than per row).
    pub fn finish(&mut self) -> Result<()> {
        if !self.indexed {
            self.conn.execute_batch("COMMIT; CREATE INDEX row_by_customer ON row (customer_id);")?;
            self.indexed = true;
        }
        Ok(())
    }

    /// How many rows `table` has.
    pub fn count(&self, table: &str) -> Result<u64> {
        let Some(&(first, last)) = self.spans.get(table) else { return Ok(0) };
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM row WHERE seq BETWEEN ?1 AND ?2 AND tbl = ?3")?
            .query_row(params![first, last, table], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Calls `visit` with each row of `table`, in the package's order.
    pub fn for_each<E: From<StoreError>>(
        &self,
        table: &str,
        mut visit: impl FnMut(Row) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let Some(&(first, last)) = self.spans.get(table) else { return Ok(()) };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json FROM row WHERE seq BETWEEN ?1 AND ?2 AND tbl = ?3 ORDER BY seq")
            .map_err(StoreError::from)?;
        let mut rows = stmt.query(params![first, last, table]).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            visit(parse(&row.get::<_, String>(0).map_err(StoreError::from)?)?)?;
        }
        Ok(())
    }

    /// Every row that belongs to customer `id` (by its `customer_id`), by table.
    pub fn of_customer(&self, id: i64) -> Result<CustomerRows> {
        let mut stmt = self.conn.prepare_cached("SELECT tbl, json FROM row WHERE customer_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([id])?;
        let mut found = CustomerRows::default();
        while let Some(row) = rows.next()? {
            let table: String = row.get(0)?;
            found.tables.entry(table).or_default().push(parse(&row.get::<_, String>(1)?)?);
        }
        Ok(found)
    }

    /// The bytes of attachment `id`, if the package has them.
    pub fn attachment(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self.conn.prepare_cached("SELECT data FROM file WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?)
    }
}

fn parse(json: &str) -> Result<Row> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("a staged row does not read back: {e}")))
}

/// Removes scratch files whose process is gone (killed while it held a package).
fn remove_stale(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else { continue };
        let Some(Ok(pid)) = rest.split('-').next().map(str::parse::<u32>) else { continue };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(value: Json) -> Row {
        match value {
            Json::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn rows_come_back_by_table_and_by_customer_in_order() {
        let mut staged = StagedRows::new().unwrap();
        staged.push("customer", &row(json!({"id": 1, "name": "王芳"}))).unwrap();
        staged.push("customer", &row(json!({"id": 2, "name": "李雷"}))).unwrap();
        staged.push("note", &row(json!({"id": 7, "customer_id": 2, "body": "b"}))).unwrap();
        staged.push("note", &row(json!({"id": 5, "customer_id": 1, "body": "a"}))).unwrap();
        staged.push("task", &row(json!({"id": 3, "customer_id": 2, "title": "t"}))).unwrap();
        staged.push("note", &row(json!({"id": 9, "customer_id": 2, "body": "c"}))).unwrap();
        staged.push_attachment(4, b"bytes").unwrap();
        staged.finish().unwrap();

        let mut names = Vec::new();
        staged
            .for_each("customer", |r| {
                names.push(r["name"].as_str().unwrap().to_owned());
                Ok::<_, StoreError>(())
            })
            .unwrap();
        assert_eq!(names, ["王芳", "李雷"]);
        assert_eq!(staged.count("note").unwrap(), 3);
        assert_eq!(staged.count("secret").unwrap(), 0);
        let of_two = staged.of_customer(2).unwrap();
        let bodies: Vec<&str> = of_two.get("note").iter().map(|r| r["body"].as_str().unwrap()).collect();
        assert_eq!(bodies, ["b", "c"]);
        assert_eq!(of_two.get("task").len(), 1);
        assert!(of_two.get("secret").is_empty());
        assert_eq!(staged.attachment(4).unwrap().as_deref(), Some(&b"bytes"[..]));
        assert_eq!(staged.attachment(5).unwrap(), None);
    }

    #[test]
    fn the_scratch_file_is_encrypted_and_removed_on_drop() {
        let mut staged = StagedRows::new().unwrap();
        let canary = "CANARY-staged-8d1f";
        for i in 0..200 {
            staged.push("note", &row(json!({"id": i, "customer_id": 1, "body": canary}))).unwrap();
        }
        staged.finish().unwrap();
        let path = staged._file.path().to_path_buf();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 4096);
        assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()));
        drop(staged);
        assert!(!path.exists());
    }
}
