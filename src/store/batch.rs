//! Many customers, with their notes and files, added — or merged into customers the notebook
//! already has — in one transaction: an import lands whole or not at all, and can be written
//! part by part while the rest of its file is still being read and checked.

use super::attachment::insert_attachment;
use super::bulk::{BULK_LOAD_ROWS, enqueue, insert_rows, set_aside};
use super::customer::{NewCustomer, PreparedCustomer, insert_prepared, prepare_customer};
use super::edit::fill_customer;
use super::note::MAX_NOTE_CHARS;
use super::{ContactKind, Result, Store, StoreError, ValueProblem, require_customer, touch_customer};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchTarget {
    New,
    /// Merged into an existing customer (see [`BatchTarget::IntoItem`]).
    Into(i64),
    /// Merged into the customer an earlier item (by its index in the whole batch) became. A
    /// merge fills the customer's empty fields and adds what it lacks, against the customer as
    /// it is when the merge runs: a value already there, or set by an earlier merge, stays.
    IntoItem(usize),
    Skip,
}

/// Consecutive items of a batch with their targets: a batch can arrive in parts while the
/// rest of it is still being read.
#[derive(Debug, Clone, Default)]
pub struct BatchChunk {
    pub items: Vec<BatchItem>,
    pub targets: Vec<BatchTarget>,
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

/// An item's error, saying which item ("row 12: phone: …").
fn label(label: &str) -> impl FnOnce(StoreError) -> StoreError + '_ {
    move |e| match e {
        StoreError::Invalid { field, reason, problem } => {
            StoreError::Invalid { field: format!("{label}: {field}"), reason, problem }
        }
        other => other,
    }
}

/// Work that waits until every new customer of the batch is in.
struct Later {
    label: String,
    id: i64,
    merge: Option<NewCustomer>,
    files: Vec<BatchFile>,
}

/// A part with its new customers prepared (checked and normalised) ahead of the writer.
struct PreparedPart {
    items: Vec<BatchItem>,
    targets: Vec<BatchTarget>,
    /// For each item, its prepared customer if it is a new one.
    prepared: Vec<Option<Result<PreparedCustomer>>>,
}

impl PreparedPart {
    fn of(BatchChunk { items, targets }: BatchChunk) -> PreparedPart {
        assert_eq!(items.len(), targets.len(), "one target per item");
        let prepared = items
            .iter()
            .zip(&targets)
            .map(|(item, target)| matches!(target, BatchTarget::New).then(|| prepare_customer(&item.customer)))
            .collect();
        PreparedPart { items, targets, prepared }
    }
}

impl Store {
    /// Applies a batch that arrives in parts, all in one transaction: each part's new customers
    /// and notes as it comes; merges (in order: an item may merge into one added above it) and
    /// files once every part is in. A part that is an error abandons the whole batch, which is
    /// how a reader that finds a reason to refuse the file stops it. `expected` new customers
    /// (an estimate is enough) make the batch a bulk load from the start (see
    /// [`super::bulk::set_aside`]). A merge leaves out a contact method whose `contact_key`
    /// is one the customer has already (the importer knows `+86 138…` and `138…` are one number).
    /// `progress` is called with the number of items done.
    ///
    /// Only SQLite's work is the writer's (this thread's): the parts are taken and their new
    /// customers prepared on a second thread, one part ahead, and what a written part leaves
    /// is freed on a third.
    pub(crate) fn add_batches<P>(
        &mut self,
        expected: usize,
        parts: P,
        contact_key: &dyn Fn(ContactKind, &str) -> String,
        progress: &mut dyn FnMut(usize),
    ) -> Result<BatchOutcome>
    where
        P: IntoIterator<Item = Result<BatchChunk>>,
        P::IntoIter: Send,
    {
        let now = clock::now();
        let parts = parts.into_iter();
        self.write_bulk(|tx| {
            std::thread::scope(|scope| {
                let (ready, prepared_parts) = std::sync::mpsc::sync_channel::<Result<PreparedPart>>(1);
                scope.spawn(move || {
                    for part in parts {
                        // The writer stops taking parts only when it has failed.
                        if ready.send(part.map(PreparedPart::of)).is_err() {
                            break;
                        }
                    }
                });
                let (spent, to_free) = std::sync::mpsc::channel::<PreparedPart>();
                scope.spawn(move || to_free.into_iter().for_each(drop));
                write_parts(tx, expected, prepared_parts, &spent, contact_key, progress, &now)
            })
        })
    }
}

/// The writer's side of [`Store::add_batches`]; each written part is handed to `spent`.
#[allow(clippy::too_many_arguments)]
fn write_parts(
    tx: &rusqlite::Transaction<'_>,
    expected: usize,
    parts: impl IntoIterator<Item = Result<PreparedPart>>,
    spent: &std::sync::mpsc::Sender<PreparedPart>,
    contact_key: &dyn Fn(ContactKind, &str) -> String,
    progress: &mut dyn FnMut(usize),
    now: &chrono::DateTime<chrono::Utc>,
) -> Result<BatchOutcome> {
    let stamp = clock::to_db(now);
    let mut out = BatchOutcome::default();
    let set_aside = if expected >= BULK_LOAD_ROWS {
        let existing: i64 = tx.query_row("SELECT count(*) FROM customer", [], |row| row.get(0))?;
        Some(set_aside(tx, existing as usize <= expected)?)
    } else {
        None
    };
    let mut later: Vec<Later> = Vec::new();
    let mut parts = parts.into_iter();
    let mut waited = std::time::Duration::ZERO;
    loop {
        let asked = std::time::Instant::now();
        let Some(part) = parts.next() else { break };
        waited += asked.elapsed();
        let mut part = part?;
        let PreparedPart { items, targets, prepared } = &mut part;
        let offset = out.ids.len();
        out.ids.resize(offset + items.len(), None);
        // New customers first, many per statement.
        let fresh: Vec<usize> = (0..items.len()).filter(|&i| matches!(targets[i], BatchTarget::New)).collect();
        let mut added = Vec::with_capacity(fresh.len());
        for run in fresh.chunks(1000) {
            if let Some(&i) = run.iter().find(|&&i| matches!(prepared[i], Some(Err(_)))) {
                let Some(Err(e)) = prepared[i].take() else { unreachable!("an error was found there") };
                return Err(label(&items[i].label)(e));
            }
            let customers: Vec<&PreparedCustomer> =
                run.iter().map(|&i| prepared[i].as_ref().and_then(|p| p.as_ref().ok()).expect("prepared")).collect();
            let ids = match insert_prepared(tx, &customers, now) {
                Ok(ids) => ids,
                Err(e) => {
                    // Name the item at fault (the transaction is abandoned either way).
                    for (&i, customer) in run.iter().zip(&customers) {
                        insert_prepared(tx, &[customer], now).map_err(label(&items[i].label))?;
                    }
                    return Err(e);
                }
            };
            for (&i, &id) in run.iter().zip(&ids) {
                out.ids[offset + i] = Some(id);
            }
            added.extend(ids);
            out.added += run.len() as u64;
        }
        // Where merging items go: known now, so that their notes join the load too.
        for (i, target) in targets.iter().enumerate() {
            let id = match target {
                BatchTarget::New => continue,
                BatchTarget::Skip => {
                    out.skipped += 1;
                    continue;
                }
                BatchTarget::Into(id) => *id,
                BatchTarget::IntoItem(earlier) => {
                    out.ids[..offset + i].get(*earlier).copied().flatten().ok_or_else(|| {
                        StoreError::invalid(&items[i].label, "merges into a row that was not imported")
                    })?
                }
            };
            require_customer(tx, id)?;
            out.ids[offset + i] = Some(id);
        }
        // Notes, many per statement.
        let template: Option<String> = None;
        let mut note_rows: Vec<&dyn rusqlite::ToSql> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(id) = &out.ids[offset + i] else { continue };
            for body in item.notes.iter().filter(|b| !b.trim().is_empty()) {
                if body.chars().count() > MAX_NOTE_CHARS {
                    let too_long = StoreError::bad_value("note", ValueProblem::TooLong { max: MAX_NOTE_CHARS as u32 });
                    return Err(label(&item.label)(too_long));
                }
                note_rows.extend([id as &dyn rusqlite::ToSql, &template, body, &stamp, &stamp, &stamp]);
            }
        }
        let columns = ["customer_id", "template", "body", "at", "created_at", "updated_at"];
        let notes = insert_rows(tx, "note", &columns, &note_rows)?;
        out.notes += notes.len() as u64;
        drop(note_rows);
        if set_aside.is_some() {
            enqueue(tx, "customer", &added)?;
            enqueue(tx, "note", &notes)?;
        }
        for (i, (item, target)) in items.iter_mut().zip(targets.iter()).enumerate() {
            let Some(id) = out.ids[offset + i] else { continue };
            let merge = matches!(target, BatchTarget::Into(_) | BatchTarget::IntoItem(_));
            if merge || !item.attachments.is_empty() {
                let merge = merge.then(|| std::mem::take(&mut item.customer));
                let files = std::mem::take(&mut item.attachments);
                later.push(Later { label: item.label.clone(), id, merge, files });
            }
        }
        progress(out.ids.len());
        // Freeing a part's many small strings is not the writer's work.
        let _ = spent.send(part);
    }
    // Where a bulk load's time goes (`KEHU_LOG=debug`): how long the writer waited for parts.
    tracing::debug!(waited_ms = waited.as_millis(), "writer waited for parts");
    if let Some(set_aside) = set_aside {
        set_aside.restore(tx)?;
    }
    // Then merges, in order, with every trigger in place.
    let mut touched = Vec::new();
    for item in &later {
        if let Some(customer) = &item.merge {
            fill_customer(tx, item.id, customer, contact_key, now).map_err(label(&item.label))?;
            out.merged += 1;
            touched.push(item.id);
        }
    }
    // Files one by one (each is a blob of its own).
    for item in &later {
        for file in &item.files {
            insert_attachment(tx, item.id, &file.name, &file.mime, &file.data, now).map_err(label(&item.label))?;
            out.files += 1;
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for id in touched {
        touch_customer(tx, id, now)?;
    }
    Ok(out)
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

    /// One part, contact values compared as the store normalises them.
    fn add_batch(nb: &mut Store, items: Vec<BatchItem>, targets: Vec<BatchTarget>) -> Result<BatchOutcome> {
        let fresh = targets.iter().filter(|t| matches!(t, BatchTarget::New)).count();
        nb.add_batches(fresh, [Ok(BatchChunk { items, targets })], &plain_key, &mut |_| {})
    }

    fn plain_key(kind: ContactKind, value: &str) -> String {
        super::super::customer::normalize_contact(kind, value).map(|(_, n)| n).unwrap_or_default()
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
        let (_dir, mut nb) = crate::store::testing::store();
        nb.add_customer(&NewCustomer::named("老客户")).unwrap();
        let head = nb.search_queue_head().unwrap();
        nb.search_queue_done(head).unwrap();
        let before = schema(&nb);
        let batch = items(BULK_LOAD_ROWS + 1);
        let mut targets = vec![BatchTarget::New; batch.len()];
        targets[1] = BatchTarget::Into(1);
        let out = add_batch(&mut nb, batch, targets).unwrap();
        assert_eq!((out.added, out.merged, out.notes), (BULK_LOAD_ROWS as u64, 1, BULK_LOAD_ROWS as u64 + 1));

        assert_eq!(schema(&nb), before, "every index and trigger is back, as it was");
        assert!(nb.check().unwrap().is_empty(), "the rebuilt indexes hold every row, and every reference holds");
        assert!(foreign_keys_checked(&nb), "checked again once the load is in");
        let mut added: Vec<i64> = out.ids.iter().flatten().copied().filter(|&id| id != 1).collect();
        added.sort_unstable();
        let (merged, new): (Vec<i64>, Vec<i64>) =
            queued(&nb, SearchKind::Customer).into_iter().partition(|&id| id == 1);
        assert_eq!(new, added, "new ones once each");
        assert!(!merged.is_empty(), "the merged one by its triggers");
        let notes: Vec<i64> = nb
            .conn()
            .prepare("SELECT id FROM note ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(queued(&nb, SearchKind::Note), notes);
        let entries: i64 = nb
            .conn()
            .query_row("SELECT count(*) FROM search_queue WHERE last_record_id IS NOT NULL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(entries, 2, "the new customers, and their notes, queued as one run each");
        // A rebuilt index answers: a customer found by phone.
        let phone: i64 = nb.conn()
            .query_row("SELECT customer_id FROM contact_method INDEXED BY contact_method_normalized WHERE kind = 'phone' AND normalized = '13800000042'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(Some(phone), out.ids[42]);
        let merged = nb.customer(1).unwrap();
        assert_eq!((merged.tags, merged.company.as_deref()), (vec!["标签1".to_owned()], Some("公司1")));
    }

    #[test]
    fn a_bulk_load_that_fails_leaves_nothing_behind() {
        let (_dir, mut nb) = crate::store::testing::store();
        let before = schema(&nb);
        let mut batch = items(BULK_LOAD_ROWS);
        batch.last_mut().unwrap().notes = vec!["长".repeat(MAX_NOTE_CHARS + 1)];
        let targets = vec![BatchTarget::New; batch.len()];
        let err = add_batch(&mut nb, batch, targets).unwrap_err();
        assert!(err.to_string().contains(&format!("row {}", BULK_LOAD_ROWS + 1)), "{err}");
        assert_eq!(schema(&nb), before);
        assert!(foreign_keys_checked(&nb), "checked again after a load that failed");
        let customers: i64 = nb.conn().query_row("SELECT count(*) FROM customer", [], |r| r.get(0)).unwrap();
        assert_eq!(customers, 0);
    }

    fn foreign_keys_checked(store: &Store) -> bool {
        store.conn().query_row("PRAGMA foreign_keys", [], |r| r.get::<_, bool>(0)).unwrap()
    }

    #[test]
    fn merges_fill_what_the_customer_lacks_as_it_is_when_they_run() {
        let (_dir, mut nb) = crate::store::testing::store();
        let mut first = items(3);
        first[0].customer.company = None;
        first[0].customer.title = Some("经理".into());
        first[1].customer.company = Some("先到公司".into());
        first[1].customer.title = Some("总监".into());
        first[2].customer.company = Some("后到公司".into());
        first[2].customer.contacts.push(NewContact::new(ContactKind::Phone, "+86 138 0000 0000"));
        let targets = vec![BatchTarget::New, BatchTarget::IntoItem(0), BatchTarget::IntoItem(0)];
        let national = |kind, value: &str| plain_key(kind, value).trim_start_matches("+86").to_owned();
        let out = nb.add_batches(1, [Ok(BatchChunk { items: first, targets })], &national, &mut |_| {}).unwrap();
        assert_eq!((out.added, out.merged, out.notes), (1, 2, 3));
        let merged = nb.customer(out.ids[0].unwrap()).unwrap();
        assert_eq!(merged.company.as_deref(), Some("先到公司"), "the first merge filled it; the second leaves it");
        assert_eq!(merged.title.as_deref(), Some("经理"), "a value the customer has stays");
        let phones: Vec<&str> = merged.contacts.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(phones.len(), 3, "one phone each, the repeated one once, as the key compares them: {phones:?}");
        assert_eq!(merged.tags.len(), 3);
    }

    #[test]
    fn a_batch_in_parts_is_one_transaction_that_a_failed_part_abandons() {
        let (_dir, mut nb) = crate::store::testing::store();
        let all = items(10);
        let part = |range: std::ops::Range<usize>| {
            Ok(BatchChunk { items: all[range.clone()].to_vec(), targets: vec![BatchTarget::New; range.len()] })
        };
        let mut seen = Vec::new();
        let parts = vec![part(0..4), part(4..8), Err(StoreError::invalid("ledger.csv", "refused")), part(8..10)];
        let err = nb.add_batches(10, parts, &plain_key, &mut |done| seen.push(done)).unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
        assert_eq!(seen, [4, 8], "two parts were written before the refusal");
        let customers: i64 = nb.conn().query_row("SELECT count(*) FROM customer", [], |r| r.get(0)).unwrap();
        assert_eq!(customers, 0, "and rolled back with it");

        let mut targets = vec![BatchTarget::New; 4];
        targets[3] = BatchTarget::IntoItem(1);
        let later = BatchChunk { items: all[4..8].to_vec(), targets };
        let out = nb.add_batches(8, vec![part(0..4), Ok(later)], &plain_key, &mut |_| {}).unwrap();
        assert_eq!((out.added, out.merged), (7, 1));
        assert_eq!(out.ids[7], out.ids[1], "an item merges into one of an earlier part");
        let notes: i64 = nb.conn().query_row("SELECT count(*) FROM note", [], |r| r.get(0)).unwrap();
        assert_eq!(notes, 8);
    }
}
