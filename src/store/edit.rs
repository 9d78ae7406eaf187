//! The one validated edit path: a list of [`Change`]s applied to a customer in one
//! transaction, each value checked by the same rules as when it was added and each change
//! recorded in the history by its [`FieldPath`]; restoring an old value is itself a change.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::customer::{
    Change, ContactMethod, Customer, NewContact, NewCustomer, load_customer, normalize_contact, normalize_custom_key,
    normalize_custom_value, normalize_tag, require_customer_template,
};
use super::field_path::{Field, FieldPath};
use super::history::{self, record};
use super::{ContactKind, Result, Store, StoreError, clean, touch_customer};
use crate::clock;
use crate::rules::ValueProblem;

impl Store {
    /// Applies `changes` in one transaction, recording each changed value in the history.
    /// Returns how many values actually changed.
    pub(crate) fn edit_customer(&mut self, id: i64, changes: &[Change]) -> Result<usize> {
        self.write(|tx| apply_changes(tx, id, changes, &clock::now()))
    }

    /// Puts back the value a history entry replaced, as a new change (itself recorded).
    pub(crate) fn restore_history(&mut self, entry_id: i64) -> Result<()> {
        let entry = history::entry(self.conn(), entry_id)?;
        let change = Change::undoing(&entry.path, entry.old, entry.new).ok_or_else(|| {
            let reason = format!("entry {entry_id} ({}) cannot be restored", entry.path);
            StoreError::refused("history entry", reason, ValueProblem::NotRestorable)
        })?;
        self.edit_customer(entry.customer_id, &[change]).map(|_| ())
    }

    /// Marks a customer as reviewed now (the review queue counts from here).
    pub(crate) fn mark_reviewed(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            let now = clock::to_db(&clock::now());
            let n = tx.execute("UPDATE customer SET reviewed_at = ?1 WHERE id = ?2", params![now, id])?;
            if n == 0 { Err(StoreError::not_found("customer", id)) } else { Ok(()) }
        })
    }
}

pub(crate) fn apply_changes(conn: &Connection, id: i64, changes: &[Change], now: &DateTime<Utc>) -> Result<usize> {
    let current = load_customer(conn, id)?.ok_or_else(|| StoreError::not_found("customer", id))?;
    apply_changes_to(conn, current, changes, now)
}

/// [`apply_changes`] to a customer the caller has just loaded in this transaction.
pub(crate) fn apply_changes_to(
    conn: &Connection,
    mut current: Customer,
    changes: &[Change],
    now: &DateTime<Utc>,
) -> Result<usize> {
    let id = current.id;
    let mut changed = 0;
    for change in changes {
        changed += usize::from(apply_change(conn, &mut current, change, now)?);
    }
    if changed > 0 {
        touch_customer(conn, id, now)?;
    }
    Ok(changed)
}

/// Applies one change; `true` when something actually changed.
fn apply_change(conn: &Connection, current: &mut Customer, change: &Change, now: &DateTime<Utc>) -> Result<bool> {
    let id = current.id;
    match change {
        Change::Set(field, value) => {
            let new = field.normalize(value.as_deref())?;
            let old = current.field(*field);
            if new == old {
                return Ok(false);
            }
            if let (Field::Template, Some(name)) = (field, &new) {
                require_customer_template(conn, name)?;
            }
            conn.execute(&format!("UPDATE customer SET {} = ?1 WHERE id = ?2", field.key()), params![new, id])?;
            record(conn, id, id, &FieldPath::Customer { field: *field }, old.as_deref(), new.as_deref(), now)?;
            *current = load_customer(conn, id)?.expect("customer exists inside its own transaction");
            Ok(true)
        }
        Change::SetCustom(key, value) => {
            let key = normalize_custom_key(key)?;
            let new = normalize_custom_value(&key, value.as_deref())?;
            let old = current.custom.get(&key).cloned();
            if new == old {
                return Ok(false);
            }
            match &new {
                Some(v) => current.custom.insert(key.clone(), v.clone()),
                None => current.custom.remove(&key),
            };
            conn.execute(
                "UPDATE customer SET custom = ?1 WHERE id = ?2",
                params![serde_json::to_string(&current.custom).expect("a string map serialises"), id],
            )?;
            record(conn, id, id, &FieldPath::Custom { key: key.clone() }, old.as_deref(), new.as_deref(), now)?;
            Ok(true)
        }
        Change::AddTag(tag) => {
            let tag = normalize_tag(tag)?;
            if current.tags.contains(&tag) {
                return Ok(false);
            }
            add_tag(conn, id, &tag, now)?;
            current.tags.push(tag);
            Ok(true)
        }
        Change::RemoveTag(tag) => {
            let tag = normalize_tag(tag)?;
            if !current.tags.contains(&tag) {
                return Ok(false);
            }
            conn.execute(
                "DELETE FROM customer_tag WHERE customer_id = ?1 AND tag_id = (SELECT id FROM tag WHERE name = ?2)",
                params![id, tag],
            )?;
            record(conn, id, id, &FieldPath::Tag, Some(&tag), None, now)?;
            current.tags.retain(|t| *t != tag);
            Ok(true)
        }
        Change::AddContact(contact) => {
            let (_, normalized) = normalize_contact(contact.kind, &contact.value)?;
            if current.contacts.iter().any(|c| c.kind == contact.kind && c.normalized == normalized) {
                return Ok(false);
            }
            let added = add_contact(conn, id, contact, now)?;
            current.contacts.push(added);
            Ok(true)
        }
        Change::RemoveContact(contact_id) => {
            let Some(pos) = current.contacts.iter().position(|c| c.id == *contact_id) else {
                return Err(StoreError::not_found("contact method", contact_id));
            };
            remove_contact(conn, id, &current.contacts.remove(pos), now)?;
            Ok(true)
        }
        Change::RemoveContactValue(kind, value) => {
            let normalized = normalize_contact(*kind, value).map(|(_, n)| n).unwrap_or_default();
            let Some(pos) = current
                .contacts
                .iter()
                .position(|c| c.kind == *kind && (c.value == value.trim() || c.normalized == normalized))
            else {
                return Err(StoreError::not_found("contact method", format!("{kind} '{}'", value.trim())));
            };
            remove_contact(conn, id, &current.contacts.remove(pos), now)?;
            Ok(true)
        }
    }
}

fn add_tag(conn: &Connection, customer_id: i64, tag: &str, now: &DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("INSERT INTO tag (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")?.execute([tag])?;
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO customer_tag (customer_id, tag_id) SELECT ?1, id FROM tag WHERE name = ?2",
        )?
        .execute(params![customer_id, tag])?;
    if inserted > 0 {
        record(conn, customer_id, customer_id, &FieldPath::Tag, None, Some(tag), now)?;
    }
    Ok(())
}

fn add_contact(
    conn: &Connection,
    customer_id: i64,
    contact: &NewContact,
    now: &DateTime<Utc>,
) -> Result<ContactMethod> {
    let (value, normalized) = normalize_contact(contact.kind, &contact.value)?;
    let label = clean(contact.label.as_deref());
    conn.prepare_cached(
        "INSERT INTO contact_method (customer_id, kind, label, value, normalized, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![customer_id, contact.kind, label, value, normalized, clock::to_db(now)])?;
    let id = conn.last_insert_rowid();
    record(conn, customer_id, id, &FieldPath::Contact { contact: contact.kind }, None, Some(&value), now)?;
    let masked = crate::rules::mask_contact(contact.kind, &value);
    Ok(ContactMethod { id, kind: contact.kind, label, value, normalized, masked })
}

fn remove_contact(conn: &Connection, customer_id: i64, contact: &ContactMethod, now: &DateTime<Utc>) -> Result<()> {
    conn.execute("DELETE FROM contact_method WHERE id = ?1", [contact.id])?;
    let path = FieldPath::Contact { contact: contact.kind };
    record(conn, customer_id, contact.id, &path, Some(&contact.value), None, now)
}

/// Merges `incoming` into customer `id` as it is now: its empty fields filled, the custom fields,
/// tags and contact methods it lacks added (a contact method by its `contact_key`); a value both
/// have stays as the customer has it.
pub(crate) fn fill_customer(
    conn: &Connection,
    id: i64,
    incoming: &NewCustomer,
    contact_key: &dyn Fn(ContactKind, &str) -> String,
    now: &DateTime<Utc>,
) -> Result<usize> {
    let current = load_customer(conn, id)?.ok_or_else(|| StoreError::not_found("customer", id))?;
    let mut changes: Vec<Change> = Field::ALL
        .iter()
        .filter(|&&field| current.field(field).is_none())
        .filter_map(|&field| Some(Change::Set(field, Some(incoming.value(field)?))))
        .collect();
    for (key, value) in &incoming.custom {
        // A key that does not normalise is let through, for its change to say why.
        if normalize_custom_key(key).map_or(true, |key| !current.custom.contains_key(&key)) {
            changes.push(Change::SetCustom(key.clone(), Some(value.clone())));
        }
    }
    // Tags the customer has already are left out by `apply_change`.
    changes.extend(incoming.tags.iter().map(|tag| Change::AddTag(tag.clone())));
    let mut known: std::collections::HashSet<(ContactKind, String)> =
        current.contacts.iter().map(|c| (c.kind, contact_key(c.kind, &c.value))).collect();
    for contact in &incoming.contacts {
        if known.insert((contact.kind, contact_key(contact.kind, &contact.value))) {
            changes.push(Change::AddContact(contact.clone()));
        }
    }
    apply_changes_to(conn, current, &changes, now)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn customers_start_with_no_history_and_their_first_change_records_the_created_value() {
        let (_dir, mut nb) = crate::store::testing::store();
        let mut first = NewCustomer::named("王芳");
        first.tags = vec!["重点".into()];
        let mut second = NewCustomer::named("张伟");
        second.company = Some("华为技术有限公司".into());
        second.custom = BTreeMap::from([("合同号".into(), "HT-1".into())]);
        second.contacts = vec![NewContact { kind: ContactKind::Phone, value: "138 0013 8000".into(), label: None }];
        let ids = nb.add_customers(&[first, second]).unwrap();
        assert!(nb.history(ids[0]).unwrap().is_empty());
        assert!(nb.history(ids[1]).unwrap().is_empty());

        let phone = nb.customer(ids[1]).unwrap().contacts[0].id;
        let changes = [
            Change::Set(Field::Company, Some("华为".into())),
            Change::SetCustom("合同号".into(), None),
            Change::RemoveContact(phone),
        ];
        nb.edit_customer(ids[1], &changes).unwrap();
        nb.edit_customer(ids[0], &[Change::RemoveTag("重点".into())]).unwrap();
        let recorded = |id| -> Vec<(String, Option<String>, Option<String>)> {
            nb.history(id).unwrap().into_iter().map(|h| (h.path.to_string(), h.old, h.new)).collect()
        };
        let some = |v: &str| Some(v.to_owned());
        assert_eq!(
            recorded(ids[1]),
            [
                ("company".into(), some("华为技术有限公司"), some("华为")),
                ("custom.合同号".into(), some("HT-1"), None),
                ("contact.phone".into(), some("138 0013 8000"), None),
            ]
        );
        assert_eq!(recorded(ids[0]), [("tag".into(), some("重点"), None)]);
    }
}
