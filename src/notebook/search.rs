//! The front door to search: what a salesperson types, answered from the encrypted index,
//! which follows the database; checking, rebuilding and flushing the index.

use super::{INDEX_DIR, Notebook};
use crate::Result;
use crate::search::{IndexReport, SearchHit, SearchQuery};

impl Notebook {
    /// Reads the parts of the search index every query needs (term dictionaries, fast fields,
    /// norms: decrypted once, then cached), so the first search typed after unlock answers as
    /// fast as the rest. Costs ~0.1–0.2 s at a million notes; an app calls it in the background.
    pub fn warm_up_search(&mut self) -> Result<()> {
        for text in ["zh", "张", "的"] {
            self.search(&SearchQuery { text: text.into(), limit: 1, ..SearchQuery::default() })?;
        }
        Ok(())
    }

    /// Searches customers, notes, interactions, complaints and templates. Everything saved
    /// before the call is found. Damage to the index is repaired by a rebuild, then searched again.
    pub fn search(&mut self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        match self.search.search(&mut self.store, query) {
            Err(e) if e.needs_rebuild() => {
                tracing::warn!("rebuilding the search index: {e}");
                self.rebuild_index()?;
                Ok(self.search.search(&mut self.store, query)?)
            }
            other => Ok(other?),
        }
    }

    /// How many records a search matches, unranked.
    pub fn search_count(&mut self, query: &SearchQuery) -> Result<usize> {
        Ok(self.search.count(&mut self.store, query)?)
    }

    /// Compares the search index with the database.
    pub fn check_index(&mut self) -> Result<IndexReport> {
        Ok(self.search.check(&mut self.store)?)
    }

    /// Rebuilds the search index from the database.
    pub fn rebuild_index(&mut self) -> Result<()> {
        let key = self.data_key.subkeys().search;
        Ok(self.search.rebuild(&self.dir.join(INDEX_DIR), key.as_bytes(), &mut self.store)?)
    }

    /// Makes every change so far durable in the search index (otherwise it is applied from the
    /// database's queue at the next open).
    pub fn flush_index(&mut self) -> Result<()> {
        Ok(self.search.flush(&mut self.store)?)
    }
}
