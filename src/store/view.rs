//! Saved views: a named customer-list filter and order the user comes back to.

use rusqlite::params;
use serde::Serialize;

use super::{CustomerFilter, Result, Store, StoreError, clean};
use crate::clock;
use crate::rules::ValueProblem;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SavedView {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub name: String,
    pub filter: CustomerFilter,
}

impl Store {
    /// Saves `filter` (without its window) under `name`, replacing a view of that name.
    pub(crate) fn save_view(&mut self, name: &str, filter: &CustomerFilter) -> Result<i64> {
        let name = clean(Some(name)).ok_or_else(|| StoreError::bad_value("view name", ValueProblem::Empty))?;
        if name.chars().count() > 100 {
            return Err(StoreError::bad_value("view name", ValueProblem::TooLong { max: 100 }));
        }
        let filter = CustomerFilter { offset: 0, limit: None, ..filter.clone() };
        let json = serde_json::to_string(&filter).map_err(|e| StoreError::invalid("view", e.to_string()))?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO saved_view (name, filter, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET filter = excluded.filter",
                params![name, json, clock::to_db(&clock::now())],
            )?;
            Ok(tx.query_row("SELECT id FROM saved_view WHERE name = ?1", [&name], |row| row.get(0))?)
        })
    }

    pub(crate) fn saved_views(&self) -> Result<Vec<SavedView>> {
        let mut stmt = self.conn().prepare_cached("SELECT id, name, filter FROM saved_view ORDER BY name")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, String>(2)?)))?;
        let mut views = Vec::new();
        for row in rows {
            let (id, name, filter) = row?;
            // A view written by a newer kehu may hold criteria this one does not know: skip them.
            let filter = serde_json::from_str(&filter).unwrap_or_default();
            views.push(SavedView { id, name, filter });
        }
        Ok(views)
    }

    pub(crate) fn delete_view(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute("DELETE FROM saved_view WHERE id = ?1", [id])?;
            if n == 0 { Err(StoreError::not_found("view", id)) } else { Ok(()) }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Grade;
    use crate::store::testing;

    #[test]
    fn a_view_keeps_its_filter_and_is_replaced_by_name() {
        let (_dir, mut store) = testing::store();
        let filter = CustomerFilter { grade: Some(Grade::Vip), offset: 40, limit: Some(10), ..Default::default() };
        let id = store.save_view(" 重要客户 ", &filter).unwrap();
        let views = store.saved_views().unwrap();
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].name, "重要客户");
        assert_eq!(views[0].filter, CustomerFilter { grade: Some(Grade::Vip), ..Default::default() });
        let again = store.save_view("重要客户", &CustomerFilter::default()).unwrap();
        assert_eq!(again, id);
        assert_eq!(store.saved_views().unwrap()[0].filter, CustomerFilter::default());
        store.delete_view(id).unwrap();
        assert!(store.saved_views().unwrap().is_empty());
        assert!(matches!(store.delete_view(id), Err(StoreError::NotFound { .. })));
        assert!(matches!(store.save_view("  ", &filter), Err(StoreError::Invalid { .. })));
    }
}
