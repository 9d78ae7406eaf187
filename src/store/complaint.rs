//! Complaints: opened, handled, resolved, each step dated; each status change is recorded in
//! the history.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::history::record;
use super::{ComplaintField, FieldPath};

const STATUS: FieldPath = FieldPath::Complaint { field: ComplaintField::Status };
use super::{ComplaintStatus, FoundOr, Result, Store, StoreError, clean, opt_time_at, require_customer, time_at};
use crate::clock;
use crate::rules::ValueProblem;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Complaint {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub title: String,
    pub detail: Option<String>,
    pub status: ComplaintStatus,
    pub opened_at: DateTime<Utc>,
    /// When someone began handling it.
    pub handling_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The customer's name, for lists across customers.
    pub customer_name: String,
}

impl Store {
    pub(crate) fn add_complaint(&mut self, customer_id: i64, title: &str, detail: Option<&str>) -> Result<i64> {
        let title = clean(Some(title)).ok_or_else(|| StoreError::bad_value("title", ValueProblem::Empty))?;
        let now = clock::now();
        self.write(|tx| {
            require_customer(tx, customer_id)?;
            tx.prepare_cached(
                "INSERT INTO complaint (customer_id, title, detail, status, opened_at) VALUES (?1, ?2, ?3, 'open', ?4)",
            )?
            .execute(params![customer_id, title, clean(detail), clock::to_db(&now)])?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Moves a complaint to `status`; resolving stamps `closed_at`, reopening clears it.
    pub(crate) fn set_complaint_status(&mut self, id: i64, status: ComplaintStatus) -> Result<()> {
        let now = clock::now();
        self.write(|tx| {
            let (customer_id, old): (i64, ComplaintStatus) = tx
                .query_row("SELECT customer_id, status FROM complaint WHERE id = ?1", [id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .found_or("complaint", id)?;
            if old == status {
                return Ok(());
            }
            let stamp = clock::to_db(&now);
            // Resolving stamps the close; handling stamps its start once; reopening clears both.
            let (handling, closed) = match status {
                ComplaintStatus::Open => (None, None),
                ComplaintStatus::Handling => (Some(stamp.as_str()), None),
                ComplaintStatus::Resolved => (Some(stamp.as_str()), Some(stamp.as_str())),
            };
            tx.execute(
                "UPDATE complaint SET status = ?1, closed_at = ?2,
                 handling_at = CASE WHEN ?3 IS NULL THEN NULL ELSE coalesce(handling_at, ?3) END WHERE id = ?4",
                params![status, closed, handling, id],
            )?;
            record(tx, customer_id, id, &STATUS, Some(old.key()), Some(status.key()), &now)
        })
    }

    /// Complaints of one customer, or of everyone; unresolved ones first.
    pub(crate) fn complaints(&self, customer_id: Option<i64>) -> Result<Vec<Complaint>> {
        self.complaints_where("?1 IS NULL OR p.customer_id = ?1", customer_id)
    }

    /// Every complaint not yet resolved, newest first: the agenda's list.
    pub(crate) fn unresolved_complaints(&self) -> Result<Vec<Complaint>> {
        self.complaints_where("p.status != 'resolved' AND ?1 IS NULL", None)
    }

    fn complaints_where(&self, condition: &str, customer_id: Option<i64>) -> Result<Vec<Complaint>> {
        let sql = format!(
            "SELECT p.id, p.customer_id, p.title, p.detail, p.status, p.opened_at, p.handling_at, p.closed_at, c.name
             FROM complaint p JOIN customer c ON c.id = p.customer_id WHERE {condition}
             ORDER BY p.status = 'resolved', p.opened_at DESC, p.id DESC"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([customer_id], |row| {
            Ok(Complaint {
                id: row.get(0)?,
                customer_id: row.get(1)?,
                title: row.get(2)?,
                detail: row.get(3)?,
                status: row.get(4)?,
                opened_at: time_at(row, 5)?,
                handling_at: opt_time_at(row, 6)?,
                closed_at: opt_time_at(row, 7)?,
                customer_name: row.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
