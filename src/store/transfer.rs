//! Customers from another notebook (a handover package, or a backup merged in): finding the
//! ones this notebook already has, and adding or merging them with everything they carry —
//! contacts, tags, notes, interactions, tasks, complaints, credentials, attachments — in one
//! transaction under new ids.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};
use serde_json::{Value as Json, json};

use super::customer::Change;
use super::edit::apply_changes;
use super::incoming::{Row, check_attachment_data};
use super::snapshot::{ColumnCache, insert_remapped};
use super::staged::StagedRows;
use super::{Result, Store, StoreError};
use crate::clock;

/// Where an incoming customer goes.
#[derive(Debug, Clone)]
pub enum TransferTarget {
    /// A new customer.
    New,
    /// Into an existing customer, after applying these changes to it.
    Into(i64, Vec<Change>),
}

/// Child tables moved with their customer, in insertion order.
const CHILD_TABLES: &[&str] = &["note", "interaction", "task", "complaint", "secret", "attachment"];

/// What a transfer added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferCounts {
    pub added: u64,
    pub merged: u64,
    pub records: u64,
}

impl Store {
    /// Adds or merges the package's customers as `targets` says (package id → target; a
    /// customer not in `targets` is skipped), all in one transaction.
    pub(crate) fn transfer_customers(
        &mut self,
        rows: &StagedRows,
        targets: &BTreeMap<i64, TransferTarget>,
    ) -> Result<TransferCounts> {
        let keys = self.keys().clone();
        let now = clock::now();
        self.write(|tx| {
            let mut cache = ColumnCache::new();
            let mut counts = TransferCounts::default();
            let mut tag_names: BTreeMap<i64, String> = BTreeMap::new();
            rows.for_each("tag", |t| {
                if let (Some(id), Some(name)) =
                    (t.get("id").and_then(Json::as_i64), t.get("name").and_then(Json::as_str))
                {
                    tag_names.insert(id, name.to_owned());
                }
                Ok::<_, StoreError>(())
            })?;
            rows.for_each("customer", |customer| -> Result<()> {
                let package_id = row_id(&customer, "id")?;
                let Some(target) = targets.get(&package_id) else { return Ok(()) };
                // A customer's rows are found once, through the stage's index: looking them up
                // by scanning every row made a package of n customers cost n² (10 000: 105 s).
                let own = rows.of_customer(package_id)?;
                let customer_id = match target {
                    TransferTarget::New => {
                        let id = insert_remapped(tx, &keys, &mut cache, "customer", &customer, &[])?;
                        for contact in own.get("contact_method") {
                            insert_remapped(
                                tx,
                                &keys,
                                &mut cache,
                                "contact_method",
                                contact,
                                &[("customer_id", json!(id))],
                            )?;
                        }
                        for link in own.get("customer_tag") {
                            if let Some(name) =
                                link.get("tag_id").and_then(Json::as_i64).and_then(|t| tag_names.get(&t))
                            {
                                link_tag(tx, id, name)?;
                            }
                        }
                        counts.added += 1;
                        id
                    }
                    TransferTarget::Into(existing, changes) => {
                        apply_changes(tx, *existing, changes, &now)?;
                        counts.merged += 1;
                        *existing
                    }
                };
                let merging = matches!(target, TransferTarget::Into(..));
                // A task's note and interaction get their new ids (none if left out).
                let mut moved: BTreeMap<(&str, i64), i64> = BTreeMap::new();
                for child in CHILD_TABLES {
                    for row in own.get(child) {
                        // Merging a customer both notebooks got from the same source must not
                        // double their notes: a record the customer already has is left out.
                        if merging && has_same(tx, child, customer_id, row)? {
                            continue;
                        }
                        let mut overrides = vec![("customer_id", json!(customer_id))];
                        if *child == "task" {
                            for (column, parent) in [("note_id", "note"), ("interaction_id", "interaction")] {
                                let old = row.get(column).and_then(Json::as_i64);
                                overrides.push((column, json!(old.and_then(|old| moved.get(&(parent, old))))));
                            }
                        }
                        let new_id = insert_remapped(tx, &keys, &mut cache, child, row, &overrides)?;
                        moved.insert((child, row_id(row, "id")?), new_id);
                        if *child == "attachment" {
                            let old_id = row_id(row, "id")?;
                            let data = rows.attachment(old_id)?.ok_or_else(|| {
                                StoreError::invalid("attachment", format!("the file of attachment {old_id} is missing"))
                            })?;
                            check_attachment_data(row, &data)?;
                            tx.prepare_cached("INSERT INTO attachment_data (attachment_id, data) VALUES (?1, ?2)")?
                                .execute(params![new_id, data])?;
                        }
                        counts.records += 1;
                    }
                }
                Ok(())
            })?;
            Ok(counts)
        })
    }
}

/// The columns that make two of a customer's records the same record.
fn identity_columns(table: &str) -> &'static [&'static str] {
    match table {
        "note" => &["body", "at"],
        "interaction" => &["kind", "at", "summary"],
        "task" => &["title", "due"],
        "complaint" => &["title", "opened_at"],
        "secret" => &["label", "username", "url"],
        "attachment" => &["name", "sha256"],
        _ => &[],
    }
}

fn has_same(conn: &Connection, table: &str, customer_id: i64, row: &Row) -> Result<bool> {
    let columns = identity_columns(table);
    if columns.is_empty() {
        return Ok(false);
    }
    let conditions: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} IS ?{}", i + 2)).collect();
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE customer_id = ?1 AND {})", conditions.join(" AND "));
    let mut values: Vec<rusqlite::types::Value> = vec![customer_id.into()];
    for column in columns {
        values.push(match row.get(*column) {
            Some(Json::String(s)) => s.clone().into(),
            Some(Json::Number(n)) => n.as_i64().map_or(rusqlite::types::Value::Null, Into::into),
            _ => rusqlite::types::Value::Null,
        });
    }
    Ok(conn.prepare_cached(&sql)?.query_row(rusqlite::params_from_iter(values), |r| r.get(0))?)
}

fn row_id(row: &Row, column: &str) -> Result<i64> {
    row.get(column).and_then(Json::as_i64).ok_or_else(|| StoreError::invalid(column, "a row without its id"))
}

/// Gives a new customer a tag, without a history entry (the customer arrives with it).
fn link_tag(conn: &Connection, customer_id: i64, tag: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO tag (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")?.execute([tag])?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO customer_tag (customer_id, tag_id) SELECT ?1, id FROM tag WHERE name = ?2",
    )?
    .execute(params![customer_id, tag])?;
    Ok(())
}
