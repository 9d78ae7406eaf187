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
    pub(crate) fn count_customers_by(&self, column: &str) -> Result<Vec<(Option<String>, u64)>> {
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
    pub(crate) fn count_customers_created(&self, bounds: &[DateTime<Utc>]) -> Result<Vec<u64>> {
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

    /// Interactions of each kind in each window between consecutive `bounds` (ascending).
    /// One scan of the (at, kind) index over the whole span, counted here: a `GROUP BY kind` per
    /// window would sort every window's rows again.
    pub(crate) fn count_interactions(&self, bounds: &[DateTime<Utc>]) -> Result<Vec<Vec<(InteractionKind, u64)>>> {
        let windows = bounds.len().saturating_sub(1);
        if windows == 0 {
            return Ok(Vec::new());
        }
        let mut counts: Vec<HashMap<InteractionKind, u64>> = vec![HashMap::new(); windows];
        let edges: Vec<String> = bounds.iter().map(clock::to_db).collect();
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT at, kind FROM interaction INDEXED BY interaction_at WHERE at >= ?1 AND at < ?2")?;
        let mut rows = stmt.query(params![edges[0], edges[windows]])?;
        while let Some(row) = rows.next()? {
            let at = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            // The window whose start is the last edge at or before `at` (the query keeps `at`
            // inside the first and last edges).
            let window = edges.partition_point(|edge| edge.as_str() <= at) - 1;
            *counts[window].entry(row.get(1)?).or_default() += 1;
        }
        Ok(counts
            .into_iter()
            .map(|window| {
                let mut kinds: Vec<(InteractionKind, u64)> = window.into_iter().collect();
                kinds.sort_by_key(|(kind, _)| kind.key());
                kinds
            })
            .collect())
    }

    /// Open, unsnoozed tasks that are overdue — timed ones due before `now`, whole-day ones
    /// due before `today` (as whole days are stored) — by their customer's grade (`None`: no
    /// customer).
    pub(crate) fn count_overdue_by_grade(
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::{NewCustomer, NewInteraction};

    #[test]
    fn interactions_fall_in_the_window_they_begin_in() {
        let (_dir, mut nb) = crate::store::testing::store();
        let id = nb.add_customer(&NewCustomer::named("张伟")).unwrap();
        let at = |day: u32, hour: u32| Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap();
        for (kind, when) in [
            (InteractionKind::Call, at(1, 0)),   // before the first window
            (InteractionKind::Call, at(2, 0)),   // on the first bound: first window
            (InteractionKind::Visit, at(3, 23)), // last hour of the first window
            (InteractionKind::Call, at(4, 0)),   // on the middle bound: second window
            (InteractionKind::Call, at(5, 12)),
            (InteractionKind::Wechat, at(6, 0)), // on the last bound: after every window
        ] {
            let new = NewInteraction {
                customer_id: id,
                kind,
                summary: "联系".into(),
                outcome: None,
                at: Some(when),
                closes_task: None,
            };
            nb.add_interaction(&new).unwrap();
        }
        let counts = nb.count_interactions(&[at(2, 0), at(4, 0), at(6, 0)]).unwrap();
        assert_eq!(
            counts,
            [vec![(InteractionKind::Call, 1), (InteractionKind::Visit, 1)], vec![(InteractionKind::Call, 2)]]
        );
        assert!(nb.count_interactions(&[at(2, 0)]).unwrap().is_empty());
    }
}
