//! The agenda's reads: open tasks in a window, the customers who may have an occasion, the
//! review queue by grade, and the review policy (days allowed per grade, a notebook setting).
//! The calendar arithmetic around them lives in [`crate::agenda`].

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::task::open_tasks_where;
use super::{Grade, Result, Store, StoreError, Task, setting, time_at};
use crate::clock::{self, Today};

const REVIEW_POLICY: &str = "agenda.review_days";

/// How many days each grade may go without contact or update before it is due for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewPolicy {
    pub vip: u32,
    pub normal: u32,
    pub potential: u32,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        ReviewPolicy { vip: 30, normal: 90, potential: 180 }
    }
}

impl ReviewPolicy {
    pub fn days(&self, grade: Grade) -> u32 {
        match grade {
            Grade::Vip => self.vip,
            Grade::Normal => self.normal,
            Grade::Potential => self.potential,
        }
    }

    fn check(&self) -> Result<()> {
        for grade in Grade::ALL {
            if !(1..=3650).contains(&self.days(*grade)) {
                let problem = super::ValueProblem::OutOfRange { min: 1, max: 3650 };
                return Err(StoreError::bad_value(format!("review days of {}", grade.key()), problem));
            }
        }
        Ok(())
    }
}

/// A customer due for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewItem {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub name: String,
    pub company: Option<String>,
    pub grade: Grade,
    /// The last contact, note, edit or "reviewed".
    pub last_touched: DateTime<Utc>,
    pub days_since: u32,
    pub allowed_days: u32,
}

impl Store {
    pub(crate) fn review_policy(&self) -> Result<ReviewPolicy> {
        match setting::get(self.conn(), REVIEW_POLICY)? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::invalid("review policy", format!("the stored policy is unreadable: {e}"))),
            None => Ok(ReviewPolicy::default()),
        }
    }

    pub(crate) fn set_review_policy(&mut self, policy: &ReviewPolicy) -> Result<()> {
        policy.check()?;
        let json = serde_json::to_string(policy).expect("a policy serialises");
        self.write(|tx| setting::put(tx, REVIEW_POLICY, Some(&json)))
    }

    /// Open tasks not snoozed past `today.now`, due before `end` (whole-day tasks: before the
    /// day `end_day`), soonest first.
    pub(crate) fn open_tasks_due_before(
        &self,
        today: &Today,
        end: DateTime<Utc>,
        end_day: NaiveDate,
    ) -> Result<Vec<Task>> {
        let (end, end_day, now) =
            (clock::to_db(&end), clock::to_db(&clock::floating(end_day)), clock::to_db(&today.now));
        open_tasks_where(
            self.conn(),
            "CASE WHEN t.all_day THEN t.due < ?2 ELSE t.due < ?1 END
             AND (t.snoozed_until IS NULL OR t.snoozed_until <= ?3)",
            &[&end, &end_day, &now],
        )
    }

    /// Open tasks snoozed past `now`.
    pub(crate) fn snoozed_tasks(&self, now: DateTime<Utc>) -> Result<Vec<Task>> {
        open_tasks_where(self.conn(), "t.snoozed_until > ?1", &[&clock::to_db(&now)])
    }

    /// Visits every customer with a birthday or custom fields — where occasions may be — with
    /// its id, birthday and custom fields' JSON, borrowed (no copy of rows that hold none).
    pub(crate) fn scan_occasion_fields(&self, mut visit: impl FnMut(i64, Option<&str>, &str)) -> Result<()> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id, birthday, custom FROM customer WHERE birthday IS NOT NULL OR custom != '{}'")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let birthday = row.get_ref(1)?.as_str_or_null().map_err(rusqlite::Error::from)?;
            visit(row.get(0)?, birthday, row.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?);
        }
        Ok(())
    }

    /// The names and companies of these customers.
    pub(crate) fn customer_names(&self, ids: &[i64]) -> Result<HashMap<i64, (String, Option<String>)>> {
        let mut stmt = self.conn().prepare_cached("SELECT name, company FROM customer WHERE id = ?1")?;
        let mut names = HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(found) = stmt.query_row([id], |row| Ok((row.get(0)?, row.get(1)?))).optional()? {
                names.insert(*id, found);
            }
        }
        Ok(names)
    }

    /// Customers (not churned) untouched for longer than `policy` allows at `now`, the most
    /// overdue (in days past their allowance) first, at most `limit`; and how many there are.
    pub(crate) fn review_queue(
        &self,
        policy: &ReviewPolicy,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<(Vec<ReviewItem>, u64)> {
        let cutoff = |grade| clock::to_db(&(now - chrono::Duration::days(i64::from(policy.days(grade)))));
        let (vip, normal, potential) = (cutoff(Grade::Vip), cutoff(Grade::Normal), cutoff(Grade::Potential));
        let stale = "FROM (SELECT id, name, company, grade, max(updated_at, coalesce(reviewed_at, '')) AS touched
                            FROM customer WHERE stage != 'churned')
                      WHERE touched < CASE grade WHEN 'vip' THEN ?1 WHEN 'normal' THEN ?2 ELSE ?3 END";
        let total: i64 = self
            .conn()
            .prepare_cached(&format!("SELECT count(*) {stale}"))?
            .query_row(params![vip, normal, potential], |row| row.get(0))?;
        // Ordered by how far past its cutoff each one is: text times compare as times.
        let sql = format!(
            "SELECT id, name, company, grade, touched {stale}
             ORDER BY julianday(CASE grade WHEN 'vip' THEN ?1 WHEN 'normal' THEN ?2 ELSE ?3 END) - julianday(touched) DESC, id
             LIMIT ?4"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params![vip, normal, potential, limit as i64], |row| {
            let grade: Grade = row.get(3)?;
            let last_touched = time_at(row, 4)?;
            Ok(ReviewItem {
                customer_id: row.get(0)?,
                name: row.get(1)?,
                company: row.get(2)?,
                grade,
                last_touched,
                days_since: u32::try_from((now - last_touched).num_days().max(0)).unwrap_or(u32::MAX),
                allowed_days: policy.days(grade),
            })
        })?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, u64::try_from(total).unwrap_or(0)))
    }
}
