//! Interactions: each contact with a customer — a call, a meeting, a visit — with its outcome;
//! one can close the follow-up task it settles.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::task::finish_task;
use super::{FoundOr, InteractionKind, Result, Store, StoreError, clean, require_customer, time_at, touch_customer};
use crate::clock;
use crate::rules::ValueProblem;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct NewInteraction {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub kind: InteractionKind,
    pub summary: String,
    pub outcome: Option<String>,
    /// When it happened; now if absent.
    pub at: Option<DateTime<Utc>>,
    /// An open task of the same customer this contact settles: it is marked done with it.
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    #[serde(default)]
    pub closes_task: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Interaction {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub kind: InteractionKind,
    pub at: DateTime<Utc>,
    pub summary: String,
    pub outcome: Option<String>,
}

impl Store {
    pub(crate) fn add_interaction(&mut self, new: &NewInteraction) -> Result<i64> {
        let now = clock::now();
        self.write(|tx| insert_interaction(tx, new, &now))
    }

    /// Adds many interactions in one transaction (all or none), returning their ids in order.
    pub(crate) fn add_interactions(&mut self, all: &[NewInteraction]) -> Result<Vec<i64>> {
        let now = clock::now();
        self.write(|tx| all.iter().map(|new| insert_interaction(tx, new, &now)).collect())
    }

    /// A customer's interactions, newest first.
    pub(crate) fn interactions(&self, customer_id: i64) -> Result<Vec<Interaction>> {
        require_customer(self.conn(), customer_id)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, customer_id, kind, at, summary, outcome FROM interaction
             WHERE customer_id = ?1 ORDER BY at DESC, id DESC",
        )?;
        let rows = stmt.query_map([customer_id], |row| {
            Ok(Interaction {
                id: row.get(0)?,
                customer_id: row.get(1)?,
                kind: row.get(2)?,
                at: time_at(row, 3)?,
                summary: row.get(4)?,
                outcome: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn insert_interaction(tx: &rusqlite::Connection, new: &NewInteraction, now: &DateTime<Utc>) -> Result<i64> {
    let summary = clean(Some(&new.summary)).ok_or_else(|| StoreError::bad_value("summary", ValueProblem::Empty))?;
    require_customer(tx, new.customer_id)?;
    tx.prepare_cached(
        "INSERT INTO interaction (customer_id, kind, at, summary, outcome, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        new.customer_id,
        new.kind,
        clock::to_db(&new.at.unwrap_or(*now)),
        summary,
        clean(new.outcome.as_deref()),
        clock::to_db(now)
    ])?;
    let id = tx.last_insert_rowid();
    touch_customer(tx, new.customer_id, now)?;
    if let Some(task) = new.closes_task {
        let owner: Option<i64> = tx
            .query_row("SELECT customer_id FROM task WHERE id = ?1", [task], |row| row.get(0))
            .found_or("task", task)?;
        if owner != Some(new.customer_id) {
            let reason = format!("task {task} is not a task of customer {}", new.customer_id);
            return Err(StoreError::refused("closes_task", reason, ValueProblem::OtherCustomer));
        }
        finish_task(tx, task, Some(id), now)?;
    }
    Ok(id)
}
