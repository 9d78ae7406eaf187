//! Many customers, with their notes and files, added — or merged into customers the notebook
//! already has — in one transaction: an import lands whole or not at all.

use super::attachment::insert_attachment;
use super::bulk::{BULK_LOAD_ROWS, enqueue, insert_rows, set_aside};
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
    /// Applies `targets[i]` to `items[i]` in one transaction: new customers first, then notes,
    /// then merges in order, then files. A large batch is a bulk load (see
    /// [`super::bulk::set_aside`]). `progress` is called with the number of items done, now and
    /// then.
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
            let fresh: Vec<usize> = (0..items.len()).filter(|&i| matches!(targets[i], BatchTarget::New)).collect();
            let set_aside = if fresh.len() >= BULK_LOAD_ROWS {
                let existing: i64 = tx.query_row("SELECT count(*) FROM customer", [], |row| row.get(0))?;
                Some(set_aside(tx, existing as usize <= fresh.len())?)
            } else {
                None
            };
            // New customers first, many per statement.
            let mut added = Vec::with_capacity(fresh.len());
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
                for (&i, &id) in part.iter().zip(&ids) {
                    out.ids[i] = Some(id);
                }
                added.extend(ids);
                out.added += part.len() as u64;
                progress(part.last().map_or(0, |&i| i + 1));
            }
            // Where merging items go: known now, so that their notes join the bulk load too.
            let mut merges = Vec::new();
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
                out.ids[i] = Some(id);
                merges.push((i, id, changes));
            }
            // Notes, many per statement.
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
            let notes = insert_rows(tx, "note", &columns, &note_rows)?;
            if let Some(set_aside) = set_aside {
                enqueue(tx, "customer", &added)?;
                enqueue(tx, "note", &notes)?;
                set_aside.restore(tx)?;
            }
            // Then merges, in order (a row may merge into one added above it), with every
            // trigger in place.
            let mut touched = Vec::new();
            for (i, id, changes) in merges {
                apply_changes(tx, id, changes, &now).map_err(label(i))?;
                out.merged += 1;
                touched.push(id);
            }
            // Files one by one (each is a blob of its own).
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

#[cfg(test)]
mod tests {
    use super::super::bulk::BULK_LOAD_ROWS;
    use super::*;
    use crate::store::{ContactKind, NewContact, SearchKind};

    fn schema(store: &Store) -> Vec<(String, String)> {
        let mut stmt =
            store.conn().prepare("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name").unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
    }

    fn items(count: usize) -> Vec<BatchItem> {
        (0..count)
            .map(|i| {
                let mut customer = NewCustomer::named(format!("客户{i}"));
                customer.company = Some(format!("公司{}", i % 97));
                customer.tags = vec![format!("标签{}", i % 3)];
                customer.contacts = vec![NewContact::new(ContactKind::Phone, format!("138{i:08}"))];
                BatchItem {
                    label: format!("row {}", i + 2),
                    customer,
                    notes: vec![format!("记录{i}")],
                    ..Default::default()
                }
            })
            .collect()
    }

    fn queued(store: &Store, kind: SearchKind) -> Vec<i64> {
        let mut ids: Vec<i64> = store
            .search_queue_after(0)
            .unwrap()
            .into_iter()
            .filter(|(_, k, _)| *k == kind)
            .map(|(_, _, id)| id)
            .collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn a_bulk_load_leaves_the_schema_as_it_was_and_queues_every_customer_and_note_once() {
        let (_dir, mut nb) = crate::notebook::testing::notebook();
        nb.add_customer(&NewCustomer::named("老客户")).unwrap();
        let head = nb.search_queue_head().unwrap();
        nb.search_queue_done(head).unwrap();
        let before = schema(&nb);
        let batch = items(BULK_LOAD_ROWS + 1);
        let mut targets = vec![BatchTarget::New; batch.len()];
        targets[1] = BatchTarget::Into(1, vec![Change::AddTag("合并".into())]);
        let out = nb.add_batch(&batch, &targets, &mut |_| {}).unwrap();
        assert_eq!((out.added, out.merged, out.notes), (BULK_LOAD_ROWS as u64, 1, BULK_LOAD_ROWS as u64 + 1));

        assert_eq!(schema(&nb), before, "every index and trigger is back, as it was");
        assert!(nb.check().unwrap().is_empty(), "the rebuilt indexes hold every row");
        let mut customers: Vec<i64> = out.ids.iter().flatten().copied().collect();
        customers.sort_unstable();
        customers.dedup();
        assert_eq!(queued(&nb, SearchKind::Customer), customers, "new ones once each, the merged one by its triggers");
        let notes: Vec<i64> = nb
            .conn()
            .prepare("SELECT id FROM note ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(queued(&nb, SearchKind::Note), notes);
        // A rebuilt index answers: a customer found by phone.
        let phone: i64 = nb.conn()
            .query_row("SELECT customer_id FROM contact_method INDEXED BY contact_method_normalized WHERE kind = 'phone' AND normalized = '13800000042'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(Some(phone), out.ids[42]);
        assert_eq!(nb.customer(1).unwrap().tags, ["合并"]);
    }

    #[test]
    fn a_bulk_load_that_fails_leaves_nothing_behind() {
        let (_dir, mut nb) = crate::notebook::testing::notebook();
        let before = schema(&nb);
        let mut batch = items(BULK_LOAD_ROWS);
        batch.last_mut().unwrap().notes = vec!["长".repeat(MAX_NOTE_CHARS + 1)];
        let targets = vec![BatchTarget::New; batch.len()];
        let err = nb.add_batch(&batch, &targets, &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains(&format!("row {}", BULK_LOAD_ROWS + 1)), "{err}");
        assert_eq!(schema(&nb), before);
        let customers: i64 = nb.conn().query_row("SELECT count(*) FROM customer", [], |r| r.get(0)).unwrap();
        assert_eq!(customers, 0);
    }
}
