//! Many customers, with their notes and files, added — or merged into customers the notebook
//! already has — in one transaction: an import lands whole or not at all.

use super::attachment::insert_attachment;
use super::customer::{Change, NewCustomer, apply_changes, insert_customer};
use super::note::{PreparedNote, insert_note};
use super::{Result, Store, StoreError};
use crate::clock;

/// One incoming customer, `label` naming where it came from ("row 12") in any error.
#[derive(Debug, Clone, Default)]
pub struct BatchItem {
    pub label: String,
    pub customer: NewCustomer,
    pub notes: Vec<String>,
    pub attachments: Vec<BatchFile>,
}

#[derive(Debug, Clone)]
pub struct BatchFile {
    pub name: String,
    pub mime: String,
    pub data: Vec<u8>,
}

/// Where one item goes.
#[derive(Debug, Clone)]
pub enum BatchTarget {
    New,
    /// Merged into an existing customer after these changes to it.
    Into(i64, Vec<Change>),
    /// Merged into the customer an earlier item (by index) became.
    IntoItem(usize, Vec<Change>),
    Skip,
}

/// What a batch did; `ids[i]` is the customer item `i` became or joined.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    pub ids: Vec<Option<i64>>,
    pub added: u64,
    pub merged: u64,
    pub skipped: u64,
    pub notes: u64,
    pub files: u64,
}

impl Store {
    /// Applies `targets[i]` to `items[i]` in order, in one transaction. `progress` is called
    /// with the number of items done, now and then.
    pub fn add_batch(
        &mut self,
        items: &[BatchItem],
        targets: &[BatchTarget],
        progress: &mut dyn FnMut(usize),
    ) -> Result<BatchOutcome> {
        assert_eq!(items.len(), targets.len(), "one target per item");
        let now = clock::now();
        self.write(|tx| {
            let mut out = BatchOutcome { ids: Vec::with_capacity(items.len()), ..BatchOutcome::default() };
            for (i, (item, target)) in items.iter().zip(targets).enumerate() {
                let at = |e: StoreError| match e {
                    StoreError::Invalid { field, reason } => {
                        StoreError::Invalid { field: format!("{}: {field}", item.label), reason }
                    }
                    other => other,
                };
                let id = match target {
                    BatchTarget::Skip => {
                        out.skipped += 1;
                        out.ids.push(None);
                        continue;
                    }
                    BatchTarget::New => {
                        out.added += 1;
                        insert_customer(tx, &item.customer, &now).map_err(at)?
                    }
                    BatchTarget::Into(id, changes) => {
                        out.merged += 1;
                        apply_changes(tx, *id, changes, &now).map_err(at)?;
                        *id
                    }
                    BatchTarget::IntoItem(earlier, changes) => {
                        let id = out.ids.get(*earlier).copied().flatten().ok_or_else(|| {
                            StoreError::invalid(&item.label, "merges into a row that was not imported")
                        })?;
                        out.merged += 1;
                        apply_changes(tx, id, changes, &now).map_err(at)?;
                        id
                    }
                };
                for body in item.notes.iter().filter(|b| !b.trim().is_empty()) {
                    let note = PreparedNote { template: None, body: body.clone(), at: None };
                    insert_note(tx, id, &note, &now).map_err(at)?;
                    out.notes += 1;
                }
                for file in &item.attachments {
                    insert_attachment(tx, id, &file.name, &file.mime, &file.data, &now).map_err(at)?;
                    out.files += 1;
                }
                out.ids.push(Some(id));
                if i % 1000 == 999 {
                    progress(i + 1);
                }
            }
            progress(items.len());
            Ok(out)
        })
    }
}
