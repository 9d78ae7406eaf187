//! Field-level change history: one row per changed field, written by the same transaction as
//! the change. A record's history starts after it is created: the values it was created with
//! are its first state (and each is the `old` of the first change to it), so replaying the
//! history over that state always gives the current one. Creation writes no rows: an import of
//! 100 000 customers would otherwise write over a million, doubling the database.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

use super::{FieldPath, FoundOr, Result, Store, time_at};
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
    /// The record changed: the customer, one of its contact methods, a task…
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub record_id: i64,
    /// Which of its values changed.
    pub path: FieldPath,
    pub old: Option<String>,
    pub new: Option<String>,
    pub at: DateTime<Utc>,
    /// Whether the value it replaced can be put back ([`Store::restore_history`]).
    pub restorable: bool,
}

/// Records one change in the caller's transaction (nothing when the value did not change).
#[allow(clippy::too_many_arguments)] // one argument per column of the row it writes
pub(crate) fn record(
    conn: &Connection,
    customer_id: i64,
    record_id: i64,
    path: &FieldPath,
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
    .execute(params![
        customer_id,
        path.record_kind(),
        record_id,
        path.stored_field(),
        old,
        new,
        clock::to_db(at)
    ])?;
    Ok(())
}

/// One history entry, as [`Store::history`] reads it.
pub(crate) fn entry(conn: &Connection, entry_id: i64) -> Result<HistoryEntry> {
    conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([entry_id], read_entry)
        .found_or("history entry", entry_id)
}

const SELECT: &str = "SELECT id, customer_id, record_kind, record_id, field, old, new, at FROM history";

fn read_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let path = FieldPath::from_stored(&row.get::<_, String>(2)?, &row.get::<_, String>(4)?);
    let old: Option<String> = row.get(5)?;
    Ok(HistoryEntry {
        id: row.get(0)?,
        customer_id: row.get(1)?,
        restorable: old.is_some() && path.undoable(),
        path,
        record_id: row.get(3)?,
        old,
        new: row.get(6)?,
        at: time_at(row, 7)?,
    })
}

impl Store {
    /// Every change to one customer and its records, oldest first.
    pub(crate) fn history(&self, customer_id: i64) -> Result<Vec<HistoryEntry>> {
        super::require_customer(self.conn(), customer_id)?;
        let mut stmt = self.conn().prepare_cached(&format!("{SELECT} WHERE customer_id = ?1 ORDER BY id"))?;
        let rows = stmt.query_map([customer_id], read_entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
