//! Many rows in few statements: customers (with their history and contacts) and notes written
//! by multi-row `INSERT`s, so a 100 000-row import pays for rows, not for statements.
//!
//! Ids come from the tables' AUTOINCREMENT, which gives the rows of one statement consecutive
//! ids ending at `last_insert_rowid()` while this connection holds the (exclusive) write lock.

use rusqlite::{Connection, ToSql, params_from_iter};

use super::Result;

/// Bound parameters per statement, well under SQLite's limit of 32 766.
const MAX_PARAMS: usize = 30_000;

/// Inserts `rows` (each with `columns.len()` values) into `table`; returns their ids in order.
pub(crate) fn insert_rows(
    conn: &Connection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<&dyn ToSql>],
) -> Result<Vec<i64>> {
    let per_row = columns.len();
    let chunk = (MAX_PARAMS / per_row).clamp(1, 500);
    let group = format!("({})", vec!["?"; per_row].join(", "));
    let mut ids = Vec::with_capacity(rows.len());
    for part in rows.chunks(chunk) {
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            vec![group.as_str(); part.len()].join(", ")
        );
        // Whole chunks share one cached statement; a shorter last one is prepared once.
        let mut stmt = conn.prepare_cached(&sql)?;
        stmt.execute(params_from_iter(part.iter().flat_map(|row| row.iter().copied())))?;
        let last = conn.last_insert_rowid();
        ids.extend(last - part.len() as i64 + 1..=last);
    }
    Ok(ids)
}
