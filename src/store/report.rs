//! The dashboard's counts, each one query over an index: customers by a column, customers
//! created and interactions logged between given instants, overdue tasks by grade. Which
//! instants (the user's months and weeks) is [`crate::report`]'s business.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Grade, InteractionKind, Result, Store, StoreError};
use crate::clock;

/// The customer columns the dashboard counts by.
const COUNTED_COLUMNS: &[&str] = &["grade", "stage", "industry", "region", "source"];

impl Store {
    /// How many customers have each value of `column` (`None`: not set), most first.
    pub fn count_customers_by(&self, column: &str) -> Result<Vec<(Option<String>, u64)>> {
        if !COUNTED_COLUMNS.contains(&column) {
            return Err(StoreError::invalid("column", format!("customers are not counted by '{column}'")));
        }
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {column}, count(*) AS n FROM customer GROUP BY {column} ORDER BY n DESC, {column}"
        ))?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)?.unsigned_abs())))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Customers created in each window between consecutive `bounds`.
    pub fn count_customers_created(&self, bounds: &[DateTime<Utc>]) -> Result<Vec<u64>> {
        let mut stmt =
            self.conn().prepare_cached("SELECT count(*) FROM customer WHERE created_at >= ?1 AND created_at < ?2")?;
        bounds
            .windows(2)
            .map(|w| {
                let n: i64 = stmt.query_row(params![clock::to_db(&w[0]), clock::to_db(&w[1])], |row| row.get(0))?;
                Ok(n.unsigned_abs())
            })
            .collect()
    }

    /// Interactions of each kind in each window between consecutive `bounds`.
    pub fn count_interactions(&self, bounds: &[DateTime<Utc>]) -> Result<Vec<Vec<(InteractionKind, u64)>>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT kind, count(*) FROM interaction WHERE at >= ?1 AND at < ?2 GROUP BY kind")?;
        bounds
            .windows(2)
            .map(|w| {
                let rows = stmt.query_map(params![clock::to_db(&w[0]), clock::to_db(&w[1])], |row| {
                    Ok((row.get(0)?, row.get::<_, i64>(1)?.unsigned_abs()))
                })?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .collect()
    }

    /// Open, unsnoozed tasks that are overdue — timed ones due before `now`, whole-day ones
    /// due before `today` (as whole days are stored) — by their customer's grade (`None`: no
    /// customer).
    pub fn count_overdue_by_grade(
        &self,
        now: DateTime<Utc>,
        today: DateTime<Utc>,
    ) -> Result<Vec<(Option<Grade>, u64)>> {
        let mut per_customer: HashMap<Option<i64>, u64> = HashMap::new();
        let mut stmt = self.conn().prepare_cached(
            "SELECT customer_id, count(*) FROM task
             WHERE done_at IS NULL AND (snoozed_until IS NULL OR snoozed_until <= ?1)
               AND ((all_day = 0 AND due < ?1) OR (all_day = 1 AND due < ?2))
             GROUP BY customer_id",
        )?;
        let mut rows = stmt.query(params![clock::to_db(&now), clock::to_db(&today)])?;
        while let Some(row) = rows.next()? {
            per_customer.insert(row.get(0)?, row.get::<_, i64>(1)?.unsigned_abs());
        }
        let mut by_grade: Vec<(Option<Grade>, u64)> = Vec::new();
        let mut add = |grade: Option<Grade>, n: u64| match by_grade.iter_mut().find(|(g, _)| *g == grade) {
            Some((_, count)) => *count += n,
            None => by_grade.push((grade, n)),
        };
        if let Some(n) = per_customer.remove(&None) {
            add(None, n);
        }
        if !per_customer.is_empty() {
            // Each customer's grade from the grade index (grade, rowid) rather than from the
            // table: a scan of small index pages instead of a random read of every customer's row.
            let mut stmt = self.conn().prepare_cached("SELECT id, grade FROM customer INDEXED BY customer_grade")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                if let Some(n) = per_customer.get(&Some(row.get(0)?)) {
                    add(Some(row.get(1)?), *n);
                }
            }
        }
        Ok(by_grade)
    }
}
