//! Many customers, with their notes and files, added — or merged into customers the notebook
//! already has — in one transaction: an import lands whole or not at all.

use super::attachment::insert_attachment;
use super::bulk::insert_rows;
use super::customer::{Change, NewCustomer, apply_changes, insert_customers};
use super::note::MAX_NOTE_CHARS;
use super::{Result, Store, StoreError, require_customer, touch_customer};
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
    /// Applies `targets[i]` to `items[i]` in one transaction: new customers first, then merges
    /// in order, then notes and files. `progress` is called
    /// with the number of items done, now and then.
    pub fn add_batch(
        &mut self,
        items: &[BatchItem],
        targets: &[BatchTarget],
        progress: &mut dyn FnMut(usize),
    ) -> Result<BatchOutcome> {
        assert_eq!(items.len(), targets.len(), "one target per item");
        let now = clock::now();
        let stamp = clock::to_db(&now);
        self.write_bulk(|tx| {
            let label = |i: usize| {
                move |e: StoreError| match e {
                    StoreError::Invalid { field, reason } => {
                        StoreError::Invalid { field: format!("{}: {field}", items[i].label), reason }
                    }
                    other => other,
                }
            };
            let mut out = BatchOutcome { ids: vec![None; items.len()], ..BatchOutcome::default() };
            // New customers first, many per statement.
            let fresh: Vec<usize> = (0..items.len()).filter(|&i| matches!(targets[i], BatchTarget::New)).collect();
            for part in fresh.chunks(1000) {
                let customers: Vec<&NewCustomer> = part.iter().map(|&i| &items[i].customer).collect();
                let ids = match insert_customers(tx, &customers, &now) {
                    Ok(ids) => ids,
                    Err(e) => {
                        // Name the item at fault (the transaction is abandoned either way).
                        for &i in part {
                            insert_customers(tx, &[&items[i].customer], &now).map_err(label(i))?;
                        }
                        return Err(e);
                    }
                };
                for (&i, id) in part.iter().zip(ids) {
                    out.ids[i] = Some(id);
                }
                out.added += part.len() as u64;
                progress(part.last().map_or(0, |&i| i + 1));
            }
            // Then merges, in order: a row may merge into one added above it.
            let mut touched = Vec::new();
            for (i, target) in targets.iter().enumerate() {
                let (id, changes) = match target {
                    BatchTarget::New => continue,
                    BatchTarget::Skip => {
                        out.skipped += 1;
                        continue;
                    }
                    BatchTarget::Into(id, changes) => (*id, changes),
                    BatchTarget::IntoItem(earlier, changes) => {
                        let id = out.ids.get(*earlier).copied().flatten().ok_or_else(|| {
                            StoreError::invalid(&items[i].label, "merges into a row that was not imported")
                        })?;
                        (id, changes)
                    }
                };
                require_customer(tx, id)?;
                apply_changes(tx, id, changes, &now).map_err(label(i))?;
                out.ids[i] = Some(id);
                out.merged += 1;
                touched.push(id);
            }
            // Notes, many per statement; files one by one (each is a blob of its own).
            let template: Option<String> = None;
            let mut note_rows: Vec<Vec<&dyn rusqlite::ToSql>> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let Some(id) = &out.ids[i] else { continue };
                for body in item.notes.iter().filter(|b| !b.trim().is_empty()) {
                    if body.chars().count() > MAX_NOTE_CHARS {
                        let too_long = StoreError::invalid("note", format!("longer than {MAX_NOTE_CHARS} characters"));
                        return Err(label(i)(too_long));
                    }
                    note_rows.push(vec![id, &template, body, &stamp, &stamp, &stamp]);
                }
            }
            out.notes = note_rows.len() as u64;
            let columns = ["customer_id", "template", "body", "at", "created_at", "updated_at"];
            insert_rows(tx, "note", &columns, &note_rows)?;
            for (i, item) in items.iter().enumerate() {
                let Some(id) = out.ids[i] else { continue };
                for file in &item.attachments {
                    insert_attachment(tx, id, &file.name, &file.mime, &file.data, &now).map_err(label(i))?;
                    out.files += 1;
                }
            }
            touched.sort_unstable();
            touched.dedup();
            for id in touched {
                touch_customer(tx, id, &now)?;
            }
            progress(items.len());
            Ok(out)
        })
    }
}
