//! Field-level change history: one row per changed field, written by the same transaction as
//! the change. A record's history starts after it is created: the values it was created with
//! are its first state (and each is the `old` of the first change to it), so replaying the
//! history over that state always gives the current one. Creation writes no rows: an import of
//! 100 000 customers would otherwise write over a million, doubling the database.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

use super::customer::{Change, Field, NewContact};
use super::{ContactKind, FoundOr, Result, Store, StoreError, time_at};
use crate::clock;

/// One recorded change. `old` is absent for a value that was set for the first time, `new`
/// for a value that was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct HistoryEntry {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    /// `customer`, `contact`, `task` or `complaint`.
    pub record_kind: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub record_id: i64,
    /// A customer column (`name`, `grade`…), `custom.<key>`, `tag`, `contact.<kind>`,
    /// `status` or `done`.
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub at: DateTime<Utc>,
}

#[allow(clippy::too_many_arguments)] // one argument per column of the row it writes
pub(crate) fn record(
    conn: &Connection,
    customer_id: i64,
    record_kind: &str,
    record_id: i64,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    at: &DateTime<Utc>,
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO history (customer_id, record_kind, record_id, field, old, new, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![customer_id, record_kind, record_id, field, old, new, clock::to_db(at)])?;
    Ok(())
}

impl Store {
    /// Every change to one customer and its records, oldest first.
    pub fn history(&self, customer_id: i64) -> Result<Vec<HistoryEntry>> {
        super::require_customer(self.conn(), customer_id)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, customer_id, record_kind, record_id, field, old, new, at
             FROM history WHERE customer_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([customer_id], |row| {
            Ok(HistoryEntry {
                id: row.get(0)?,
                customer_id: row.get(1)?,
                record_kind: row.get(2)?,
                record_id: row.get(3)?,
                field: row.get(4)?,
                old: row.get(5)?,
                new: row.get(6)?,
                at: time_at(row, 7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Puts back the value a history entry replaced, as a new change (itself recorded).
    pub fn restore_history(&mut self, entry_id: i64) -> Result<()> {
        let entry = self
            .conn()
            .query_row(
                "SELECT customer_id, record_kind, field, old, new FROM history WHERE id = ?1",
                [entry_id],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .found_or("history entry", entry_id)?;
        let (customer_id, _kind, field, old, new): (i64, String, String, Option<String>, Option<String>) = entry;
        let change = restoring_change(&field, old, new).ok_or_else(|| {
            StoreError::invalid("history entry", format!("entry {entry_id} ({field}) cannot be restored"))
        })?;
        self.edit_customer(customer_id, &[change]).map(|_| ())
    }
}

/// The change that undoes one recorded change of a customer field, custom field, tag or contact.
fn restoring_change(field: &str, old: Option<String>, new: Option<String>) -> Option<Change> {
    if let Some(key) = field.strip_prefix("custom.") {
        return Some(Change::SetCustom(key.to_owned(), old));
    }
    if field == "tag" {
        return Some(match (old, new) {
            (Some(tag), _) => Change::AddTag(tag),
            (None, Some(tag)) => Change::RemoveTag(tag),
            (None, None) => return None,
        });
    }
    if let Some(kind) = field.strip_prefix("contact.") {
        let kind: ContactKind = kind.parse().ok()?;
        return Some(match (old, new) {
            (Some(value), _) => Change::AddContact(NewContact { kind, value, label: None }),
            (None, Some(value)) => Change::RemoveContactValue(kind, value),
            (None, None) => return None,
        });
    }
    let field: Field = field.parse().ok()?;
    Some(Change::Set(field, old))
}
