//! The front door to customers: adding, reading, listing and editing them (the one edit path,
//! which writes field-level history), merging two, their whole file, and their history.

use super::Notebook;
use crate::Result;
use crate::store::{
    Change, Customer, CustomerFacets, CustomerFilter, CustomerProfile, CustomerSummary, HistoryEntry, MergeOutcome,
    NewCustomer, SavedView,
};

impl Notebook {
    /// Adds a customer with its contacts, tags and custom fields; returns its id.
    pub fn add_customer(&mut self, new: &NewCustomer) -> Result<i64> {
        Ok(self.store.add_customer(new)?)
    }

    /// Adds several customers in one transaction: all of them, or none.
    pub fn add_customers(&mut self, new: &[NewCustomer]) -> Result<Vec<i64>> {
        Ok(self.store.add_customers(new)?)
    }

    pub fn customer(&self, id: i64) -> Result<Customer> {
        Ok(self.store.customer(id)?)
    }

    /// A customer with everything kept about them, read at once: what a customer's page shows.
    pub fn customer_profile(&self, id: i64) -> Result<CustomerProfile> {
        Ok(self.store.customer_profile(id)?)
    }

    /// Applies `changes` in one transaction, each value validated and each change recorded in
    /// the history; returns how many changed something.
    pub fn edit_customer(&mut self, id: i64, changes: &[Change]) -> Result<usize> {
        Ok(self.store.edit_customer(id, changes)?)
    }

    /// Records that the customer was reviewed now: they leave the review queue until their
    /// grade's interval has passed again.
    pub fn mark_reviewed(&mut self, id: i64) -> Result<()> {
        Ok(self.store.mark_reviewed(id)?)
    }

    pub fn list_customers(&self, filter: &CustomerFilter) -> Result<Vec<CustomerSummary>> {
        Ok(self.store.list_customers(filter)?)
    }

    /// How many customers `filter` matches (its limit and offset aside).
    pub fn count_customers(&self, filter: &CustomerFilter) -> Result<usize> {
        Ok(self.store.count_customers(filter)?)
    }

    /// The values the customer list can be filtered by, each with how many customers have it.
    pub fn customer_facets(&self) -> Result<CustomerFacets> {
        Ok(self.store.customer_facets()?)
    }

    /// Every tag with how many customers carry it.
    pub fn tags(&self) -> Result<Vec<(String, i64)>> {
        Ok(self.store.tags()?)
    }

    /// Moves every record and history entry of `other` to `keep`, fills what `keep` lacks from
    /// `other`, and removes `other`.
    pub fn merge_customers(&mut self, keep: i64, other: i64) -> Result<MergeOutcome> {
        Ok(self.store.merge_customers(keep, other)?)
    }

    /// Erases a customer and every trace of them — records, history, attachments, orphaned
    /// tags —, the search index's files included: the segments that held their words are
    /// rewritten before this returns.
    pub fn erase_customer(&mut self, id: i64) -> Result<()> {
        self.store.erase_customer(id)?;
        self.search.purge_deleted(&mut self.store)?;
        Ok(())
    }

    /// Every change to one customer and its records, oldest first.
    pub fn history(&self, customer_id: i64) -> Result<Vec<HistoryEntry>> {
        Ok(self.store.history(customer_id)?)
    }

    /// Puts back the value a history entry replaced, as a new change (itself recorded).
    pub fn restore_history(&mut self, entry_id: i64) -> Result<()> {
        Ok(self.store.restore_history(entry_id)?)
    }

    /// Saves the customer list's filter under a name (replacing one of that name).
    pub fn save_view(&mut self, name: &str, filter: &CustomerFilter) -> Result<i64> {
        Ok(self.store.save_view(name, filter)?)
    }

    pub fn saved_views(&self) -> Result<Vec<SavedView>> {
        Ok(self.store.saved_views()?)
    }

    pub fn delete_view(&mut self, id: i64) -> Result<()> {
        Ok(self.store.delete_view(id)?)
    }
}
