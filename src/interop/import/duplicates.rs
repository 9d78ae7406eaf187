//! Duplicates: which existing customer, or which row above it, each incoming row is the same
//! customer as (by phone, email, or name and company folded), and how their values differ.

use std::collections::BTreeMap;

use super::ImportDuplicate;
use super::rows::{Incoming, in_parallel};
use crate::backup::FieldDiff;
use crate::quality::{DuplicateIndex, DuplicateReason};
use crate::store::{Field, FieldPath, NewCustomer};
use crate::{Notebook, Result};

/// Where a duplicate row points.
#[derive(Clone, Copy)]
pub(super) enum Duplicate {
    Existing(i64),
    Earlier(usize),
}

pub(super) fn describe_duplicate(
    notebook: &Notebook,
    rows: &[Incoming],
    incoming: &Incoming,
    (d, reason): &(Duplicate, DuplicateReason),
) -> Result<ImportDuplicate> {
    let reason = reason.clone();
    Ok(match *d {
        Duplicate::Existing(id) => {
            let existing = notebook.customer(id)?;
            ImportDuplicate {
                existing_id: Some(id),
                earlier_row: None,
                name: existing.name.clone(),
                company: existing.company.clone(),
                reason,
                differences: differences(&Base::of_customer(&existing), &incoming.item.customer),
            }
        }
        Duplicate::Earlier(earlier) => {
            let other = &rows[earlier].item.customer;
            ImportDuplicate {
                existing_id: None,
                earlier_row: Some(rows[earlier].row),
                name: other.name.clone(),
                company: other.company.clone(),
                reason,
                differences: differences(&Base::of_new(other), &incoming.item.customer),
            }
        }
    })
}

/// Finds the customer or earlier row each row duplicates, and why, a part of the file at a time.
#[derive(Default)]
pub(super) struct DuplicateFinder {
    existing: DuplicateIndex,
    earlier: DuplicateIndex,
    /// Rows seen in earlier parts.
    seen: usize,
}

impl DuplicateFinder {
    pub(super) fn new(notebook: &Notebook) -> Result<DuplicateFinder> {
        let existing = DuplicateIndex::new(&notebook.store().survey_customers()?);
        Ok(DuplicateFinder { existing, earlier: DuplicateIndex::default(), seen: 0 })
    }

    /// For each row of the next part, what it duplicates; rows are numbered across parts.
    pub(super) fn next_part(&mut self, rows: &[Incoming]) -> Vec<Option<(Duplicate, DuplicateReason)>> {
        // Computing the keys (script, width and suffix folding) costs more than the lookups: on every core.
        let keys = in_parallel(rows, |incoming| {
            let customer = &incoming.item.customer;
            DuplicateIndex::keys(&customer.name, customer.company.as_deref(), &incoming.contacts())
        });
        let mut out = Vec::with_capacity(rows.len());
        for (incoming, keys) in rows.iter().zip(&keys) {
            let index = self.seen;
            self.seen += 1;
            if !incoming.usable {
                out.push(None);
                continue;
            }
            let found = self
                .existing
                .find_keys(keys)
                .map(|(id, why)| (Duplicate::Existing(id), why))
                .or_else(|| self.earlier.find_keys(keys).map(|(row, why)| (Duplicate::Earlier(row as usize), why)));
            self.earlier.add_keys(index as i64, keys);
            out.push(found);
        }
        out
    }
}

/// The values a preview compares a duplicate row with: an existing customer's, or an earlier row's.
pub(super) struct Base {
    fields: std::collections::HashMap<Field, String>,
    custom: BTreeMap<String, String>,
}

impl Base {
    pub(super) fn of_customer(c: &crate::store::Customer) -> Base {
        Base { fields: Field::ALL.iter().filter_map(|&f| Some((f, c.field(f)?))).collect(), custom: c.custom.clone() }
    }

    pub(super) fn of_new(c: &NewCustomer) -> Base {
        Base { fields: Field::ALL.iter().filter_map(|&f| Some((f, c.value(f)?))).collect(), custom: c.custom.clone() }
    }
}

pub(super) fn differences(base: &Base, incoming: &NewCustomer) -> Vec<FieldDiff> {
    let mut diffs = Vec::new();
    for &field in Field::ALL {
        if let (Some(mine), Some(theirs)) = (base.fields.get(&field), incoming.value(field))
            && *mine != theirs
        {
            diffs.push(FieldDiff {
                path: FieldPath::Customer { field },
                mine: Some(mine.clone()),
                theirs: Some(theirs),
            });
        }
    }
    for (key, theirs) in &incoming.custom {
        if let Some(mine) = base.custom.get(key)
            && mine != theirs
        {
            diffs.push(FieldDiff {
                path: FieldPath::Custom { key: key.clone() },
                mine: Some(mine.clone()),
                theirs: Some(theirs.clone()),
            });
        }
    }
    diffs
}
