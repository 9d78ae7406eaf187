//! Tasks: things to do, with an optional due time and customer; done is a time, not a flag.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::history::record;
use super::{FoundOr, Result, Store, StoreError, clean, opt_time_at, require_customer, time_at};
use crate::clock;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Task {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub customer_id: Option<i64>,
    /// The customer's name, for lists.
    pub customer_name: Option<String>,
    pub title: String,
    pub due: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub customer_id: Option<i64>,
    /// Include tasks already done.
    pub include_done: bool,
}

impl Store {
    pub fn add_task(&mut self, customer_id: Option<i64>, title: &str, due: Option<DateTime<Utc>>) -> Result<i64> {
        let title = clean(Some(title)).ok_or_else(|| StoreError::invalid("title", "a task needs a title"))?;
        let now = clock::now();
        self.write(|tx| {
            if let Some(customer_id) = customer_id {
                require_customer(tx, customer_id)?;
            }
            tx.prepare_cached("INSERT INTO task (customer_id, title, due, created_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![customer_id, title, due.as_ref().map(clock::to_db), clock::to_db(&now)])?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Open tasks first by due time (undated last), then done ones if asked.
    pub fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT t.id, t.customer_id, c.name, t.title, t.due, t.done_at, t.created_at
             FROM task t LEFT JOIN customer c ON c.id = t.customer_id
             WHERE (?1 IS NULL OR t.customer_id = ?1) AND (?2 OR t.done_at IS NULL)
             ORDER BY t.done_at IS NOT NULL, t.due IS NULL, t.due, t.id",
        )?;
        let rows = stmt.query_map(params![filter.customer_id, filter.include_done], |row| {
            Ok(Task {
                id: row.get(0)?,
                customer_id: row.get(1)?,
                customer_name: row.get(2)?,
                title: row.get(3)?,
                due: opt_time_at(row, 4)?,
                done_at: opt_time_at(row, 5)?,
                created_at: time_at(row, 6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks a task done now; doing it twice is refused, so a script notices a wrong id.
    pub fn complete_task(&mut self, id: i64) -> Result<()> {
        let now = clock::now();
        self.write(|tx| {
            let found: (Option<i64>, Option<String>) = tx
                .query_row("SELECT customer_id, done_at FROM task WHERE id = ?1", [id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .found_or("task", id)?;
            let (customer_id, done_at) = found;
            if done_at.is_some() {
                return Err(StoreError::invalid("task", format!("task {id} is already done")));
            }
            let stamp = clock::to_db(&now);
            tx.execute("UPDATE task SET done_at = ?1 WHERE id = ?2", params![stamp, id])?;
            if let Some(customer_id) = customer_id {
                record(tx, customer_id, "task", id, "done", None, Some(&stamp), &now)?;
            }
            Ok(())
        })
    }
}
