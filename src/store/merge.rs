//! Two customers that are one person become one: the kept customer takes the other's missing
//! fields, contacts, tags and custom fields, and every note, interaction, task, complaint,
//! credential, file and history entry; the other is then removed. One transaction.

use std::collections::BTreeSet;

use super::Field;
use super::FieldPath;
use super::customer::{Change, NewContact, load_customer};
use super::edit::apply_changes_to;
use super::history::record;
use super::{Result, Store, StoreError};
use crate::clock;
use crate::rules::ValueProblem;

/// Tables whose rows move to the kept customer.
const MOVED_TABLES: &[&str] = &["note", "interaction", "task", "complaint", "secret", "attachment", "history"];

/// What a merge moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MergeOutcome {
    /// Profile values, contacts, tags and custom fields the kept customer gained.
    pub values: u32,
    /// Notes, interactions, tasks, complaints, credentials, files and history entries moved.
    pub records: u32,
}

impl Store {
    /// Merges customer `other` into `keep` and removes `other`. A value both have and that
    /// differs stays as `keep` has it; a differing custom field is kept under `<key> (2)`.
    pub(crate) fn merge_customers(&mut self, keep: i64, other: i64) -> Result<MergeOutcome> {
        if keep == other {
            return Err(StoreError::bad_value("merge", ValueProblem::SameCustomer));
        }
        let now = clock::now();
        self.write(|tx| {
            let kept = load_customer(tx, keep)?.ok_or_else(|| StoreError::not_found("customer", keep))?;
            let gone = load_customer(tx, other)?.ok_or_else(|| StoreError::not_found("customer", other))?;
            let mut changes = Vec::new();
            for &field in Field::ALL {
                if kept.field(field).is_none()
                    && let Some(value) = gone.field(field)
                {
                    changes.push(Change::Set(field, Some(value)));
                }
            }
            for (key, value) in &gone.custom {
                match kept.custom.get(key) {
                    None => changes.push(Change::SetCustom(key.clone(), Some(value.clone()))),
                    Some(mine) if mine != value => {
                        let free = (2..).map(|n| format!("{key} ({n})")).find(|k| !kept.custom.contains_key(k));
                        changes.push(Change::SetCustom(free.expect("some suffix is free"), Some(value.clone())));
                    }
                    Some(_) => {}
                }
            }
            for tag in gone.tags.iter().filter(|t| !kept.tags.contains(t)) {
                changes.push(Change::AddTag(tag.clone()));
            }
            let known: BTreeSet<_> = kept.contacts.iter().map(|c| (c.kind, c.normalized.clone())).collect();
            for contact in gone.contacts.iter().filter(|c| !known.contains(&(c.kind, c.normalized.clone()))) {
                changes.push(Change::AddContact(NewContact {
                    kind: contact.kind,
                    value: contact.value.clone(),
                    label: contact.label.clone(),
                }));
            }
            let values = apply_changes_to(tx, kept, &changes, &now)? as u32;
            let mut records = 0;
            for table in MOVED_TABLES {
                let sql = format!("UPDATE {table} SET customer_id = ?1 WHERE customer_id = ?2");
                records += tx.execute(&sql, [keep, other])? as u32;
            }
            let merged = format!("{} (#{other})", gone.name);
            record(tx, keep, keep, &FieldPath::MergedFrom, None, Some(&merged), &now)?;
            tx.execute("DELETE FROM customer WHERE id = ?1", [other])?;
            super::touch_customer(tx, keep, &now)?;
            Ok(MergeOutcome { values, records })
        })
    }
}
