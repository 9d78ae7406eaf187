//! Snapshots: every row of the notebook's tables as JSON objects (column → value), the form a
//! backup or a handover package carries, and the loader that puts such rows back.
//!
//! The rows are the tables' own columns, so a snapshot is lossless and readable without kehu;
//! two things are translated on the way: a credential's sealed password travels as its text
//! (the package around it is encrypted, and the user must be able to read it without kehu),
//! and other blobs travel as hex. Attachment bytes travel apart from the rows, as files.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::types::{Value, ValueRef};
use rusqlite::{OptionalExtension, Transaction, params_from_iter};
use serde_json::Value as Json;
use zeroize::Zeroizing;

use super::incoming::{Row, check_attachment_data, check_row};
use super::secret::aad as secret_aad;
use super::{Result, Store, StoreError};
use crate::vault::{SubKeys, aead_open, aead_seal};

/// The tables a snapshot carries, parents before children: the order a restore inserts them.
/// Left out: `attachment_data` (carried as files) and `search_queue` (derived, rebuilt).
pub const SNAPSHOT_TABLES: &[&str] = &[
    "template",
    "tag",
    "customer",
    "contact_method",
    "customer_tag",
    "note",
    "interaction",
    "task",
    "complaint",
    "secret",
    "attachment",
    "history",
    "access_log",
    "saved_view",
    "draft",
];

/// The tables that belong to customers, with the column naming the customer: what a handover
/// package (a chosen set of customers) carries.
pub const CUSTOMER_TABLES: &[(&str, &str)] = &[
    ("customer", "id"),
    ("contact_method", "customer_id"),
    ("customer_tag", "customer_id"),
    ("note", "customer_id"),
    ("interaction", "customer_id"),
    ("task", "customer_id"),
    ("complaint", "customer_id"),
    ("secret", "customer_id"),
    ("attachment", "customer_id"),
];

/// Which rows a snapshot takes.
#[derive(Debug, Clone, Copy)]
pub enum RowScope<'a> {
    All,
    /// Only the rows of these customers (and, for `tag`, the tags they carry).
    Customers(&'a BTreeSet<i64>),
}

impl Store {
    /// Writes each row of `table` in `scope` as one JSON object to `emit`, in id order.
    /// Returns how many rows were written.
    pub(crate) fn snapshot_rows(&self, table: &str, scope: RowScope<'_>, mut emit: impl FnMut(&[u8])) -> Result<u64> {
        require_table(table)?;
        let sql = select_sql(table, scope)?;
        let mut stmt = self.conn().prepare(&sql)?;
        let names: Vec<String> = stmt.column_names().iter().map(|n| json_string(n)).collect();
        let customer_col = stmt.column_index("customer_id").ok();
        let mut rows = match scope {
            RowScope::Customers(ids) => stmt.query(params_from_iter(ids.iter()))?,
            RowScope::All => stmt.query([])?,
        };
        let mut line = Vec::with_capacity(4096);
        let mut count = 0;
        while let Some(row) = rows.next()? {
            line.clear();
            line.push(b'{');
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                line.extend_from_slice(name.as_bytes());
                line.push(b':');
                let value = row.get_ref(i)?;
                if table == "secret" && name == "\"password\"" {
                    let customer_id: i64 = row.get(customer_col.unwrap_or(1))?;
                    let password = open_secret(self.keys(), customer_id, value)?;
                    write_json_str(&mut line, &password);
                } else {
                    write_value(&mut line, value)?;
                }
            }
            line.push(b'}');
            emit(&line);
            count += 1;
        }
        Ok(count)
    }

    /// The rows of `table` in `scope` as JSON objects: for packages small enough to hold.
    pub(crate) fn snapshot_values(&self, table: &str, scope: RowScope<'_>) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        let mut failure = None;
        self.snapshot_rows(table, scope, |line| match serde_json::from_slice(line) {
            Ok(row) => out.push(row),
            Err(e) => failure = Some(e.to_string()),
        })?;
        match failure {
            Some(e) => Err(StoreError::Corrupt(format!("a row of {table} is not valid JSON: {e}"))),
            None => Ok(out),
        }
    }

    /// Calls `emit(id, name, bytes)` for each attachment in `scope`, in id order.
    pub(crate) fn snapshot_attachments(
        &self,
        scope: RowScope<'_>,
        mut emit: impl FnMut(i64, &str, &[u8]) -> Result<()>,
    ) -> Result<u64> {
        let filter = match scope {
            RowScope::All => String::new(),
            RowScope::Customers(ids) => format!("WHERE a.customer_id IN ({})", placeholders(ids.len())),
        };
        let mut stmt = self.conn().prepare(&format!(
            "SELECT a.id, a.name, d.data FROM attachment a JOIN attachment_data d ON d.attachment_id = a.id {filter} ORDER BY a.id"
        ))?;
        let mut rows = match scope {
            RowScope::Customers(ids) => stmt.query(params_from_iter(ids.iter()))?,
            RowScope::All => stmt.query([])?,
        };
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let name: String = row.get(1)?;
            let data = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
            emit(id, &name, data)?;
            count += 1;
        }
        Ok(count)
    }

    /// The AUTOINCREMENT high-water marks, so a restored notebook never reuses an erased id.
    pub(crate) fn sequences(&self) -> Result<BTreeMap<String, i64>> {
        let mut stmt = self.conn().prepare("SELECT name, seq FROM sqlite_sequence ORDER BY name")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Starts putting a snapshot back into this (new) database, in one transaction.
    pub(crate) fn begin_restore(&mut self) -> Result<RowLoader<'_>> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // The defaults a new database is seeded with are in the snapshot too, possibly edited.
        tx.execute("DELETE FROM template", [])?;
        Ok(RowLoader { tx, keys: &self.keys, columns: HashMap::new() })
    }
}

/// Inserts snapshot rows as they are (ids included) inside one transaction; dropped without
/// [`RowLoader::finish`], it rolls everything back.
pub struct RowLoader<'a> {
    tx: Transaction<'a>,
    keys: &'a SubKeys,
    columns: ColumnCache,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Integer,
    Real,
    Text,
    Blob,
}

impl RowLoader<'_> {
    /// Checks one row of `table` with the store's rules (see [`super::incoming`]) and inserts it.
    pub fn insert(&mut self, table: &str, mut row: Row) -> Result<()> {
        require_table(table)?;
        check_row(table, &mut row)?;
        let (sql, values) = insert_sql(&self.tx, &mut self.columns, self.keys, table, &row)?;
        self.tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
        Ok(())
    }

    /// Stores an attachment's bytes; its row must be in already, and say their size and checksum.
    pub fn insert_attachment_data(&mut self, attachment_id: i64, data: &[u8]) -> Result<()> {
        let listed: Option<(i64, String)> = self
            .tx
            .prepare_cached("SELECT size, sha256 FROM attachment WHERE id = ?1")?
            .query_row([attachment_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((size, sha256)) = listed else {
            return Err(StoreError::invalid(
                "attachment",
                format!("the file of attachment {attachment_id} has no row"),
            ));
        };
        let mut row = Row::new();
        row.insert("id".into(), attachment_id.into());
        row.insert("size".into(), size.into());
        row.insert("sha256".into(), sha256.into());
        check_attachment_data(&row, data)?;
        self.tx
            .prepare_cached("INSERT INTO attachment_data (attachment_id, data) VALUES (?1, ?2)")?
            .execute(rusqlite::params![attachment_id, data])?;
        Ok(())
    }

    /// Raises the AUTOINCREMENT marks to the snapshot's, then commits. The search queue the
    /// inserts filled is dropped: the restored notebook builds its index from the rows.
    pub fn finish(self, sequences: &BTreeMap<String, i64>) -> Result<()> {
        for (name, seq) in sequences {
            let updated = self.tx.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1",
                rusqlite::params![name, seq],
            )?;
            if updated == 0 {
                self.tx
                    .execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)", rusqlite::params![name, seq])?;
            }
        }
        self.tx.execute("DELETE FROM search_queue", [])?;
        self.tx.commit()?;
        Ok(())
    }
}

/// Inserts a row under new ids: a handover or merge adds another notebook's customers.
/// `remap` gives the new value of each id column named (`customer_id` → the new customer…);
/// the row's own `id` is left to the database. Returns the new row id.
pub(crate) fn insert_remapped(
    tx: &Transaction<'_>,
    keys: &SubKeys,
    columns: &mut ColumnCache,
    table: &str,
    row: &Row,
    remap: &[(&str, Json)],
) -> Result<i64> {
    require_table(table)?;
    let mut row = row.clone();
    if table != "customer_tag" {
        row.remove("id");
    }
    for (column, value) in remap {
        row.insert((*column).to_owned(), value.clone());
    }
    check_row(table, &mut row)?;
    let (sql, values) = insert_sql(tx, columns, keys, table, &row)?;
    tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
    Ok(tx.last_insert_rowid())
}

pub(crate) type ColumnCache = HashMap<String, Vec<(String, ColumnType)>>;

fn insert_sql(
    tx: &Transaction<'_>,
    cache: &mut ColumnCache,
    keys: &SubKeys,
    table: &str,
    row: &Row,
) -> Result<(String, Vec<Value>)> {
    if !cache.contains_key(table) {
        cache.insert(table.to_owned(), table_columns(tx, table)?);
    }
    let columns = &cache[table];
    if let Some(unknown) = row.keys().find(|k| !columns.iter().any(|(name, _)| name == *k)) {
        return Err(StoreError::invalid(format!("{table}.{unknown}"), "no such column"));
    }
    let mut names = Vec::with_capacity(row.len());
    let mut values = Vec::with_capacity(row.len());
    for (name, kind) in columns {
        let Some(json) = row.get(name) else { continue };
        let value = if table == "secret" && name == "password" {
            let customer_id = row.get("customer_id").and_then(Json::as_i64).unwrap_or_default();
            let text = json
                .as_str()
                .ok_or_else(|| StoreError::invalid("secret.password", "a credential's password is text"))?;
            Value::Blob(aead_seal(keys.sealed_fields.as_bytes(), &secret_aad(customer_id), text.as_bytes()))
        } else {
            to_sql(json, *kind).map_err(|reason| StoreError::invalid(format!("{table}.{name}"), reason))?
        };
        names.push(name.as_str());
        values.push(value);
    }
    let sql = format!("INSERT INTO {table} ({}) VALUES ({})", names.join(", "), placeholders(names.len()));
    Ok((sql, values))
}

fn table_columns(tx: &Transaction<'_>, table: &str) -> Result<Vec<(String, ColumnType)>> {
    let mut stmt = tx.prepare(&format!("PRAGMA table_info({table})"))?;
    let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(1)?, row.get::<_, String>(2)?)))?;
    let mut columns = Vec::new();
    for row in rows {
        let (name, declared) = row?;
        let kind = match declared.to_ascii_uppercase().as_str() {
            "INTEGER" => ColumnType::Integer,
            "REAL" => ColumnType::Real,
            "BLOB" => ColumnType::Blob,
            _ => ColumnType::Text,
        };
        columns.push((name, kind));
    }
    Ok(columns)
}

fn to_sql(json: &Json, kind: ColumnType) -> std::result::Result<Value, String> {
    Ok(match (json, kind) {
        (Json::Null, _) => Value::Null,
        (Json::Number(n), ColumnType::Integer) => Value::Integer(n.as_i64().ok_or("not a whole number")?),
        (Json::Number(n), ColumnType::Real) => Value::Real(n.as_f64().ok_or("not a number")?),
        (Json::String(s), ColumnType::Text) => Value::Text(s.clone()),
        (Json::String(s), ColumnType::Blob) => Value::Blob(hex::decode(s).map_err(|_| "not hex-encoded bytes")?),
        (other, kind) => return Err(format!("expected {kind:?} data, found {other}")),
    })
}

fn require_table(table: &str) -> Result<()> {
    if SNAPSHOT_TABLES.contains(&table) {
        Ok(())
    } else {
        Err(StoreError::invalid("table", format!("'{table}' is not a table a snapshot carries")))
    }
}

fn select_sql(table: &str, scope: RowScope<'_>) -> Result<String> {
    // customer_tag has no rowid; its key orders it.
    let order = if table == "customer_tag" { "customer_id, tag_id" } else { "id" };
    Ok(match scope {
        RowScope::All => format!("SELECT * FROM {table} ORDER BY {order}"),
        RowScope::Customers(ids) => {
            let list = placeholders(ids.len());
            if table == "tag" {
                format!(
                    "SELECT * FROM tag WHERE id IN (SELECT tag_id FROM customer_tag WHERE customer_id IN ({list})) ORDER BY id"
                )
            } else {
                let column =
                    CUSTOMER_TABLES.iter().find(|(t, _)| *t == table).map(|(_, c)| *c).ok_or_else(|| {
                        StoreError::invalid("table", format!("'{table}' does not belong to customers"))
                    })?;
                format!("SELECT * FROM {table} WHERE {column} IN ({list}) ORDER BY {order}")
            }
        }
    })
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn open_secret(keys: &SubKeys, customer_id: i64, sealed: ValueRef<'_>) -> Result<Zeroizing<String>> {
    let sealed = sealed.as_blob().map_err(|_| StoreError::Corrupt("a credential's password is not sealed".into()))?;
    let opened = aead_open(keys.sealed_fields.as_bytes(), &secret_aad(customer_id), sealed)
        .map(Zeroizing::new)
        .ok_or_else(|| StoreError::Corrupt(format!("a credential of customer {customer_id} does not decrypt")))?;
    String::from_utf8(opened.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| StoreError::Corrupt(format!("a credential of customer {customer_id} is not text")))
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// Writes `s` as a JSON string. By hand rather than through serde_json because a backup writes
/// every note through here: runs that need no escape (all of Chinese text) are found eight
/// bytes at a time and copied in one piece, which makes this ~4× faster than byte by byte.
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8)
            && !needs_escape(u64::from_le_bytes(chunk.try_into().expect("eight bytes")))
        {
            i += 8;
            continue;
        }
        let b = bytes[i];
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        } else {
            out.extend_from_slice(escape);
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Whether any of eight bytes is a control character, `"` or `\\` (the classic "has byte less
/// than" and "has zero byte" word tricks; a false positive only sends the loop byte by byte).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    below_space || has_zero(word ^ (ONES * u64::from(b'"'))) || has_zero(word ^ (ONES * u64::from(b'\\')))
}

fn write_value(out: &mut Vec<u8>, value: ValueRef<'_>) -> Result<()> {
    match value {
        ValueRef::Null => out.extend_from_slice(b"null"),
        ValueRef::Integer(i) => out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
        ValueRef::Real(f) => serde_json::to_writer(&mut *out, &f).expect("writing to a Vec cannot fail"),
        ValueRef::Text(bytes) => {
            let text =
                std::str::from_utf8(bytes).map_err(|_| StoreError::Corrupt("a text value is not UTF-8".into()))?;
            write_json_str(out, text);
        }
        ValueRef::Blob(bytes) => {
            out.push(b'"');
            out.extend_from_slice(hex::encode(bytes).as_bytes());
            out.push(b'"');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewCustomer;
    use crate::store::testing;

    #[test]
    fn rows_round_trip_through_a_loader_with_passwords_resealed() {
        let (_dir, mut nb) = testing::store();
        let id = nb.add_customer(&NewCustomer { name: "张伟".into(), ..NewCustomer::default() }).unwrap();
        nb.add_secret(&crate::store::NewSecret {
            customer_id: id,
            label: "门户",
            username: Some("zw"),
            url: None,
            password: "口令-1",
        })
        .unwrap();
        let secrets = nb.snapshot_values("secret", RowScope::All).unwrap();
        assert_eq!(secrets[0]["password"], "口令-1");
        let customers = nb.snapshot_values("customer", RowScope::All).unwrap();

        let (_dir2, mut other) = testing::store();
        let mut loader = other.begin_restore().unwrap();
        loader.insert("customer", customers[0].clone()).unwrap();
        loader.insert("secret", secrets[0].clone()).unwrap();
        let bad: Row = serde_json::from_str(
            r#"{"id": 9, "name": "x", "grade": "gold", "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let err = loader.insert("customer", bad).unwrap_err().to_string();
        assert!(err.contains("customer row 9, grade"), "{err}");
        let unknown: Row = serde_json::from_str(
            r#"{"id": 9, "name": "x", "shoe_size": 42, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let err = loader.insert("customer", unknown).unwrap_err().to_string();
        assert!(err.contains("customer.shoe_size"), "{err}");
        loader.finish(&nb.sequences().unwrap()).unwrap();
        assert_eq!(other.snapshot_values("customer", RowScope::All).unwrap(), customers);
        let secret_id = secrets[0]["id"].as_i64().unwrap();
        assert_eq!(other.reveal_secret(secret_id).unwrap().password.as_str(), "口令-1");
    }

    #[test]
    fn json_strings_are_escaped_as_serde_json_does() {
        for text in [
            "",
            "张伟",
            "a\"b\\c\n\r\t\u{1}\u{1f} é 😀",
            "\u{7f}\u{2028}",
            "\u{8}\u{c}x",
            "0123456789abcdef\"0123456789\\abcdefgh\n",
            "长的中文句子，没有需要转义的字符。",
        ] {
            let mut out = Vec::new();
            write_json_str(&mut out, text);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn customer_scope_takes_only_their_rows_and_tags() {
        let (_dir, mut nb) = testing::store();
        let a = nb
            .add_customer(&NewCustomer { name: "甲".into(), tags: vec!["华东".into()], ..NewCustomer::default() })
            .unwrap();
        nb.add_customer(&NewCustomer { name: "乙".into(), tags: vec!["华北".into()], ..NewCustomer::default() })
            .unwrap();
        let ids = BTreeSet::from([a]);
        let tags = nb.snapshot_values("tag", RowScope::Customers(&ids)).unwrap();
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0]["name"], "华东");
        assert_eq!(nb.snapshot_values("customer", RowScope::Customers(&ids)).unwrap().len(), 1);
    }
}
