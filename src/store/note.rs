//! Notes: timestamped markdown on a customer, optionally written from a note template. A note
//! with a "next follow-up" date creates its task in the same transaction.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::task::{NewTask, insert_task};
use super::{
    FoundOr, Result, Store, StoreError, TemplateKind, ValueProblem, require_customer, time_at, touch_customer,
};
use crate::clock::{self, Today};
use crate::rules::follow_up;

/// A note to add. With a template and no body, the template's body is the starting text.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
pub struct NewNote {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub body: Option<String>,
    pub template: Option<String>,
    /// When it happened; now if absent.
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Note {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub template: Option<String>,
    pub body: String,
    pub at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) struct PreparedNote {
    pub(crate) template: Option<String>,
    pub(crate) body: String,
    pub(crate) at: Option<DateTime<Utc>>,
}

pub(crate) fn insert_note(
    tx: &rusqlite::Connection,
    customer_id: i64,
    note: &PreparedNote,
    now: &DateTime<Utc>,
) -> Result<i64> {
    let customer: String = tx
        .prepare_cached("SELECT name FROM customer WHERE id = ?1")?
        .query_row([customer_id], |row| row.get(0))
        .found_or("customer", customer_id)?;
    tx.prepare_cached(
        "INSERT INTO note (customer_id, template, body, at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![
        customer_id,
        note.template,
        note.body,
        clock::to_db(&note.at.unwrap_or(*now)),
        clock::to_db(now)
    ])?;
    let id = tx.last_insert_rowid();
    touch_customer(tx, customer_id, now)?;
    let written = Today::at(note.at.unwrap_or(*now), clock::local_zone());
    match follow_up::parse(&note.body, &written, &customer) {
        Ok(Some(follow_up)) => {
            let task = NewTask {
                customer_id: Some(customer_id),
                title: follow_up.title,
                due: Some(follow_up.due),
                all_day: follow_up.all_day,
            };
            insert_task(tx, &task, Some(id), now)?;
        }
        Ok(None) => {}
        Err(bad) => {
            let reason = format!("'{}' is not a date (write 2026-12-05, 2026-12-05 10:00 or 12月5日)", bad.value);
            return Err(StoreError::refused(bad.field, reason, ValueProblem::NotADate { value: bad.value }));
        }
    }
    Ok(id)
}

/// Notes can be long, but not unbounded: a megabyte of text is a paste gone wrong.
pub(crate) const MAX_NOTE_CHARS: usize = 1_000_000;

impl Store {
    pub(crate) fn add_note(&mut self, new: &NewNote) -> Result<i64> {
        let prepared = self.prepare_note(new)?;
        let now = clock::now();
        self.write(|tx| insert_note(tx, new.customer_id, &prepared, &now))
    }

    /// Adds many notes in one transaction (all or none), returning their ids in order.
    pub(crate) fn add_notes(&mut self, notes: &[NewNote]) -> Result<Vec<i64>> {
        let prepared = notes.iter().map(|n| self.prepare_note(n)).collect::<Result<Vec<_>>>()?;
        let now = clock::now();
        self.write(|tx| notes.iter().zip(&prepared).map(|(n, p)| insert_note(tx, n.customer_id, p, &now)).collect())
    }

    /// Checks a note and settles its text, template and time.
    fn prepare_note(&self, new: &NewNote) -> Result<PreparedNote> {
        let template = match new.template.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(name) => Some(self.template(TemplateKind::Note, name)?),
            None => None,
        };
        let body = match (new.body.as_deref(), &template) {
            (Some(body), _) if !body.trim().is_empty() => body.to_owned(),
            (_, Some(template)) => template.body.clone(),
            _ => return Err(StoreError::bad_value("note", ValueProblem::Empty)),
        };
        if body.chars().count() > MAX_NOTE_CHARS {
            return Err(StoreError::bad_value("note", ValueProblem::TooLong { max: MAX_NOTE_CHARS as u32 }));
        }
        Ok(PreparedNote { template: template.map(|t| t.name), body, at: new.at })
    }

    /// A customer's notes, newest first.
    pub(crate) fn notes(&self, customer_id: i64) -> Result<Vec<Note>> {
        require_customer(self.conn(), customer_id)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, customer_id, template, body, at, created_at, updated_at
             FROM note WHERE customer_id = ?1 ORDER BY at DESC, id DESC",
        )?;
        let rows = stmt.query_map([customer_id], |row| {
            Ok(Note {
                id: row.get(0)?,
                customer_id: row.get(1)?,
                template: row.get(2)?,
                body: row.get(3)?,
                at: time_at(row, 4)?,
                created_at: time_at(row, 5)?,
                updated_at: time_at(row, 6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
