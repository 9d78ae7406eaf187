//! Many rows in few statements: customers (with their tags and contacts) and notes written
//! by multi-row `INSERT`s, so a 100 000-row import pays for rows, not for statements.
//!
//! A large batch is a bulk load: see [`set_aside`].
//!
//! Ids come from the tables' AUTOINCREMENT, which gives the rows of one statement consecutive
//! ids ending at `last_insert_rowid()` while this connection holds the (exclusive) write lock.

use rusqlite::{Connection, ToSql, params_from_iter};

use super::Result;

/// Bound parameters per statement, well under SQLite's limit of 32 766.
const MAX_PARAMS: usize = 30_000;

/// Inserts rows into `table`, `values` holding `columns.len()` values per row, row after
/// row; returns the rows' ids in order.
pub(crate) fn insert_rows(conn: &Connection, table: &str, columns: &[&str], values: &[&dyn ToSql]) -> Result<Vec<i64>> {
    let per_row = columns.len();
    debug_assert_eq!(values.len() % per_row, 0, "whole rows");
    let chunk = (MAX_PARAMS / per_row).clamp(1, 500);
    let group = format!("({})", vec!["?"; per_row].join(", "));
    let mut ids = Vec::with_capacity(values.len() / per_row);
    let mut rest = values;
    while !rest.is_empty() {
        let count = statement_rows(rest.len() / per_row, chunk);
        let (part, after) = rest.split_at(count * per_row);
        rest = after;
        let sql =
            format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), vec![group.as_str(); count].join(", "));
        let mut stmt = conn.prepare_cached(&sql)?;
        stmt.execute(params_from_iter(part.iter().copied()))?;
        let last = conn.last_insert_rowid();
        ids.extend(last - count as i64 + 1..=last);
    }
    Ok(ids)
}

/// Rows for the next statement of an insert with `left` rows to go: a whole `chunk`, or the
/// largest power of two that fits. Statements of a few sizes only are prepared once and then
/// found in the cache, where a last statement of any size (a part's 96 contact methods, the
/// next part's 131) was prepared anew each time: its SQL is thousands of parameters long.
fn statement_rows(left: usize, chunk: usize) -> usize {
    if left >= chunk { chunk } else { 1 << left.ilog2() }
}

/// New customers from which a batch is a bulk load: the search-queue triggers of the tables it
/// fills are set aside for its duration, and (if the notebook is no larger than the load) their
/// indexes too, then built again in one pass.
pub(crate) const BULK_LOAD_ROWS: usize = 5_000;

/// The tables a batch fills with new rows.
const LOADED_TABLES: [&str; 4] = ["customer", "contact_method", "customer_tag", "note"];

/// The triggers that queue a new row of those tables for the search index (migration 002).
/// While any trigger fires on a table, SQLite first copies every row of a multi-row `INSERT`
/// into a temporary table; and they queue a customer once per contact method and tag.
const QUEUE_TRIGGERS: [&str; 4] =
    ["search_customer_insert", "search_contact_insert", "search_tag_insert", "search_note_insert"];

/// Schema objects dropped for a bulk load, as the SQL that creates them again.
#[must_use = "what was set aside must be restored before the transaction commits"]
pub(crate) struct SetAside {
    sql: Vec<String>,
}

/// Drops the queue triggers and, with `indexes`, the indexes of the loaded tables, inside the
/// caller's transaction: if it rolls back, they were never gone. The caller queues what it adds
/// itself ([`enqueue`]) and calls [`SetAside::restore`] before anything else writes.
///
/// Building an index once over every row (SQLite sorts, then writes full pages in order) costs
/// about a third of keeping it up to date row by row through random inserts, which is what
/// makes the rebuild worth it only when the load is at least the size of what is there.
pub(crate) fn set_aside(conn: &Connection, indexes: bool) -> Result<SetAside> {
    let tables = LOADED_TABLES.map(|t| format!("'{t}'")).join(", ");
    let triggers = QUEUE_TRIGGERS.map(|t| format!("'{t}'")).join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT type, name, sql FROM sqlite_schema
         WHERE (type = 'trigger' AND name IN ({triggers}))
            OR (?1 AND type = 'index' AND tbl_name IN ({tables}) AND sql IS NOT NULL)
         ORDER BY type, name"
    ))?;
    let objects: Vec<(String, String, String)> = stmt
        .query_map([indexes], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name, _) in &objects {
        conn.execute_batch(&format!("DROP {} \"{name}\"", kind.to_uppercase()))?;
    }
    Ok(SetAside { sql: objects.into_iter().map(|(_, _, sql)| sql).collect() })
}

impl SetAside {
    /// Creates again what [`set_aside`] dropped, exactly as the schema had it.
    pub(crate) fn restore(self, conn: &Connection) -> Result<()> {
        for sql in &self.sql {
            let started = std::time::Instant::now();
            conn.execute_batch(sql)?;
            // Where a bulk load's time goes (`KEHU_LOG=debug`): the schema's own SQL, no content.
            tracing::debug!(
                sql = sql.lines().next().unwrap_or_default(),
                ms = started.elapsed().as_millis(),
                "restored"
            );
        }
        Ok(())
    }
}

/// Queues rows of `table` (`customer`, `note`: the queue's kind of record is its table) for the
/// search index, as the triggers set aside would have: one entry per run of consecutive ids.
pub(crate) fn enqueue(conn: &Connection, table: &str, ids: &[i64]) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("INSERT INTO search_queue (kind, record_id, last_record_id) VALUES (?1, ?2, ?3)")?;
    for (first, last) in runs(ids) {
        stmt.execute(rusqlite::params![table, first, last])?;
    }
    Ok(())
}

/// `ids` as runs of consecutive ids, `(first, last)` each.
fn runs(ids: &[i64]) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &id in ids {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == id => *last = id,
            _ => runs.push((id, id)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_come_in_a_few_sizes() {
        let sizes = |mut left: usize| {
            let mut sizes = Vec::new();
            while left > 0 {
                let rows = statement_rows(left, 500);
                sizes.push(rows);
                left -= rows;
            }
            sizes
        };
        assert_eq!(sizes(1096), [500, 500, 64, 32]);
        assert_eq!(sizes(7), [4, 2, 1]);
        assert_eq!(sizes(500), [500]);
        let distinct: std::collections::BTreeSet<usize> = (1..3000).flat_map(sizes).collect();
        assert!(distinct.len() <= 10, "{distinct:?}");
    }

    #[test]
    fn inserted_rows_are_numbered_in_order_across_statements() {
        #[allow(clippy::disallowed_methods)] // a scratch table, not a notebook
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, b INTEGER)").unwrap();
        let rows: Vec<(String, i64)> = (0..1237).map(|i| (format!("值{i}"), i)).collect();
        let values: Vec<&dyn ToSql> = rows.iter().flat_map(|(a, b)| [a as &dyn ToSql, b]).collect();
        let ids = insert_rows(&conn, "t", &["a", "b"], &values).unwrap();
        assert_eq!(ids, (1..=1237).collect::<Vec<i64>>());
        let mut stmt = conn.prepare("SELECT id, a, b FROM t ORDER BY id").unwrap();
        let stored: Vec<(i64, String, i64)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
        assert!(stored.iter().all(|(id, a, b)| *a == format!("值{b}") && *id == b + 1));
    }
}
