//! Tasks: things to do, with an optional due time (or a whole due day) and customer. Done is a
//! time, not a flag; a snoozed task stays out of the agenda until its snooze ends; each due (or
//! snooze) time is reminded once.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::history::record;
use super::{FieldPath, TaskField};
use super::{FoundOr, Result, Store, StoreError, clean, opt_time_at, require_customer, time_at};
use crate::clock::{self, Today};
use crate::rules::ValueProblem;

/// A task to add.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct NewTask {
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    #[serde(default)]
    pub customer_id: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub due: Option<DateTime<Utc>>,
    /// The due is a day, not a time: `due` is that day at midnight UTC ([`clock::floating`]).
    #[serde(default)]
    pub all_day: bool,
}

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
    /// For a whole-day task, the day at midnight UTC: read its date, never convert it.
    pub due: Option<DateTime<Utc>>,
    pub all_day: bool,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    /// The note whose "next follow-up" date created it.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub note_id: Option<i64>,
    /// The interaction that closed it.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub interaction_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl Task {
    /// A timed task is overdue once its time has passed; a whole-day one once its day is over.
    pub fn is_overdue(&self, today: &Today) -> bool {
        match self.due {
            None => false,
            Some(due) if self.all_day => due.date_naive() < today.date(),
            Some(due) => due < today.now,
        }
    }
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub customer_id: Option<i64>,
    /// Include tasks already done.
    pub include_done: bool,
}

const COLUMNS: &str = "t.id, t.customer_id, c.name, t.title, t.due, t.all_day, t.snoozed_until, t.done_at, \
                       t.note_id, t.interaction_id, t.created_at";

pub(crate) fn task_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: row.get(0)?,
        customer_id: row.get(1)?,
        customer_name: row.get(2)?,
        title: row.get(3)?,
        due: opt_time_at(row, 4)?,
        all_day: row.get(5)?,
        snoozed_until: opt_time_at(row, 6)?,
        done_at: opt_time_at(row, 7)?,
        note_id: row.get(8)?,
        interaction_id: row.get(9)?,
        created_at: time_at(row, 10)?,
    })
}

/// Open tasks matching `condition` (an SQL expression over `t`), soonest first.
pub(crate) fn open_tasks_where(conn: &Connection, condition: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Task>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM task t LEFT JOIN customer c ON c.id = t.customer_id
         WHERE t.done_at IS NULL AND ({condition}) ORDER BY t.due IS NULL, t.due, t.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, task_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Inserts a task inside the caller's transaction.
pub(crate) fn insert_task(tx: &Connection, new: &NewTask, note_id: Option<i64>, now: &DateTime<Utc>) -> Result<i64> {
    let title = clean(Some(&new.title)).ok_or_else(|| StoreError::bad_value("title", ValueProblem::Empty))?;
    if title.chars().count() > 500 {
        return Err(StoreError::bad_value("title", ValueProblem::TooLong { max: 500 }));
    }
    if let Some(customer_id) = new.customer_id {
        require_customer(tx, customer_id)?;
    }
    let all_day = new.all_day && new.due.is_some();
    tx.prepare_cached(
        "INSERT INTO task (customer_id, title, due, all_day, note_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        new.customer_id,
        title,
        new.due.as_ref().map(clock::to_db),
        all_day,
        note_id,
        clock::to_db(now)
    ])?;
    Ok(tx.last_insert_rowid())
}

/// An open task's customer and snooze end; a done task is refused, so a script notices a wrong id.
fn open_task(tx: &Connection, id: i64) -> Result<(Option<i64>, Option<String>)> {
    let (customer_id, done_at, snoozed): (Option<i64>, Option<String>, Option<String>) = tx
        .query_row("SELECT customer_id, done_at, snoozed_until FROM task WHERE id = ?1", [id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .found_or("task", id)?;
    if done_at.is_some() {
        return Err(StoreError::bad_value(format!("task {id}"), ValueProblem::AlreadyDone));
    }
    Ok((customer_id, snoozed))
}

/// Marks a task done inside the caller's transaction, optionally closed by an interaction.
pub(crate) fn finish_task(tx: &Connection, id: i64, interaction_id: Option<i64>, now: &DateTime<Utc>) -> Result<()> {
    let (customer_id, _) = open_task(tx, id)?;
    let stamp = clock::to_db(now);
    tx.execute(
        "UPDATE task SET done_at = ?1, interaction_id = ?2, snoozed_until = NULL WHERE id = ?3",
        params![stamp, interaction_id, id],
    )?;
    if let Some(customer_id) = customer_id {
        record(tx, customer_id, id, &FieldPath::Task { field: TaskField::Done }, None, Some(&stamp), now)?;
    }
    Ok(())
}

impl Store {
    pub(crate) fn add_task(&mut self, new: &NewTask) -> Result<i64> {
        let now = clock::now();
        self.write(|tx| insert_task(tx, new, None, &now))
    }

    pub(crate) fn task(&self, id: i64) -> Result<Task> {
        let sql = format!("SELECT {COLUMNS} FROM task t LEFT JOIN customer c ON c.id = t.customer_id WHERE t.id = ?1");
        self.conn().query_row(&sql, [id], task_from_row).found_or("task", id)
    }

    /// Open tasks first by due time (undated last), then done ones if asked.
    pub(crate) fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM task t LEFT JOIN customer c ON c.id = t.customer_id
             WHERE (?1 IS NULL OR t.customer_id = ?1) AND (?2 OR t.done_at IS NULL)
             ORDER BY t.done_at IS NOT NULL, t.due IS NULL, t.due, t.id"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params![filter.customer_id, filter.include_done], task_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks a task done now; doing it twice is refused.
    pub(crate) fn complete_task(&mut self, id: i64) -> Result<()> {
        let now = clock::now();
        self.write(|tx| finish_task(tx, id, None, &now))
    }

    /// Puts an open task out of the agenda until `until` (which must be in the future), when
    /// it is reminded again.
    pub(crate) fn snooze_task(&mut self, id: i64, until: DateTime<Utc>) -> Result<()> {
        let now = clock::now();
        if until <= now {
            return Err(StoreError::bad_value("snooze", ValueProblem::NotInTheFuture));
        }
        self.write(|tx| {
            let (customer_id, old) = open_task(tx, id)?;
            let stamp = clock::to_db(&until);
            tx.execute("UPDATE task SET snoozed_until = ?1 WHERE id = ?2", params![stamp, id])?;
            if let Some(customer_id) = customer_id {
                let path = FieldPath::Task { field: TaskField::SnoozedUntil };
                record(tx, customer_id, id, &path, old.as_deref(), Some(&stamp), &now)?;
            }
            Ok(())
        })
    }

    /// Open tasks whose due (or snooze end) has come by `today` — a whole-day task once its
    /// day has begun in the user's zone — and that have not been reminded of it yet: what the
    /// desktop app notifies about.
    pub(crate) fn due_reminders(&self, today: &Today) -> Result<Vec<Task>> {
        let (now, day) = (clock::to_db(&today.now), clock::to_db(&today.floating()));
        // Reminded of a whole day is reminded since that day began somewhere on Earth (UTC+14
        // begins it 14 hours before UTC midnight); a day's margin covers every zone.
        open_tasks_where(
            self.conn(),
            "CASE WHEN t.snoozed_until IS NOT NULL THEN t.snoozed_until <= ?1
                  WHEN t.all_day THEN t.due <= ?2 ELSE t.due <= ?1 END
             AND (t.reminded_at IS NULL OR t.reminded_at < CASE WHEN t.snoozed_until IS NOT NULL THEN t.snoozed_until
                  WHEN t.all_day THEN strftime('%Y-%m-%dT%H:%M:%SZ', t.due, '-1 day') ELSE t.due END)",
            &[&now, &day],
        )
    }

    /// Records that these tasks were reminded at `at`; not a change of the task, so no history.
    pub(crate) fn mark_reminded(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        let stamp = clock::to_db(&at);
        self.write(|tx| {
            let mut stmt = tx.prepare_cached("UPDATE task SET reminded_at = ?1 WHERE id = ?2")?;
            for id in ids {
                stmt.execute(params![stamp, id])?;
            }
            Ok(())
        })
    }
}
