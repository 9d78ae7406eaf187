//! What only the benchmark (`kehu-bench`) calls, compiled with the `bench` feature: the SQLite
//! FTS5 comparison search is measured against, the brute-force count recall is measured with,
//! and the agenda's reads timed one by one. None of it is part of the product.

use std::time::{Duration, Instant};

use crate::clock::Today;
use crate::{Notebook, Result};

impl Notebook {
    /// Builds the FTS5 trigram table over note bodies (dropped and built again if present).
    pub fn bench_fts5_build(&mut self) -> Result<()> {
        Ok(self.store_mut().bench_fts5_build()?)
    }

    pub fn bench_fts5_exists(&self) -> Result<bool> {
        Ok(self.store().bench_fts5_exists()?)
    }

    /// The notes matching every word, best first when `ranked`, as FTS5 finds them.
    pub fn bench_fts5_search(&self, words: &[&str], limit: usize, ranked: bool) -> Result<Vec<i64>> {
        Ok(self.store().bench_fts5_search(words, limit, ranked)?)
    }

    /// FTS5's MATCH alone, without reading the rows.
    pub fn bench_fts5_match(&self, words: &[&str], limit: usize) -> Result<Vec<i64>> {
        Ok(self.store().bench_fts5_match(words, limit)?)
    }

    pub fn bench_fts5_count(&self, word: &str) -> Result<usize> {
        Ok(self.store().bench_fts5_count(word)?)
    }

    /// How many notes hold `word`, by a scan of every body: the truth recall is measured against.
    pub fn bench_notes_containing(&self, word: &str) -> Result<usize> {
        Ok(self.store().bench_notes_containing(word)?)
    }

    /// Each of the agenda's and the dashboard's reads timed alone: (what, how long, rows).
    pub fn bench_agenda_reads(&self, today: &Today) -> Result<Vec<(String, Duration, usize)>> {
        let store = self.store();
        let mut out = Vec::new();
        let mut time = |name: &str, f: &dyn Fn() -> Result<usize>| -> Result<()> {
            let started = Instant::now();
            let n = f()?;
            out.push((name.to_owned(), started.elapsed(), n));
            Ok(())
        };
        let policy = store.review_policy()?;
        let month_bounds: Vec<_> = (0..13).map(|m| today.now - chrono::Duration::days(30 * (12 - m))).collect();
        let week_bounds: Vec<_> = (0..13).map(|w| today.now - chrono::Duration::weeks(12 - w)).collect();
        for column in ["grade", "stage", "industry", "region", "source"] {
            time(&format!("count by {column}"), &|| Ok(store.count_customers_by(column)?.len()))?;
        }
        time("customers created by month", &|| Ok(store.count_customers_created(&month_bounds)?.len()))?;
        time("interactions by week", &|| Ok(store.count_interactions(&week_bounds)?.len()))?;
        time("overdue by grade", &|| Ok(store.count_overdue_by_grade(today.now, today.floating())?.len()))?;
        time("open tasks in the window", &|| {
            let (end, end_day) = (today.now + chrono::Duration::days(8), today.date() + chrono::Days::new(8));
            Ok(store.open_tasks_due_before(today, end, end_day)?.len())
        })?;
        time("snoozed tasks", &|| Ok(store.snoozed_tasks(today.now)?.len()))?;
        time("occasions", &|| {
            let mut n = 0;
            store.scan_occasion_fields(|id, birthday, custom| {
                n += crate::agenda::occasions::of_customer(id, birthday, custom, today.date(), 7).len();
            })?;
            Ok(n)
        })?;
        time("review queue", &|| Ok(store.review_queue(&policy, today.now, 50)?.0.len()))?;
        time("unresolved complaints", &|| Ok(store.unresolved_complaints()?.len()))?;
        Ok(out)
    }
}
