//! Values already in a notebook that its readers cannot read — times written by an older kehu
//! from a hand-edited file, before rows from files were checked ([`super::incoming`]): found for
//! `kehu check`, and replaced by `kehu check --repair`. The readers read such a time as the Unix
//! epoch (or absent), so the notebook stays usable until it is repaired.

use rusqlite::params;

use super::incoming::time_columns;
use super::snapshot::SNAPSHOT_TABLES;
use super::{RefusedValue, Result, Store, ValueProblem};
use crate::clock;

/// The stored form's shape, a cheap first test that lets SQLite skip every sound value.
const CANONICAL: &str = "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]*";

impl Store {
    /// Every stored time that does not read, by table, row and column.
    pub(crate) fn unreadable_values(&self) -> Result<Vec<RefusedValue>> {
        let mut found = Vec::new();
        for table in SNAPSHOT_TABLES {
            for &(column, _) in time_columns(table) {
                let mut stmt = self.conn().prepare(&format!(
                    "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND \
                     (typeof({column}) <> 'text' OR {column} NOT GLOB '{CANONICAL}' OR length({column}) > 40)"
                ))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let value = match row.get_ref(1)? {
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        other => format!("{other:?}"),
                    };
                    if clock::from_db(&value).is_some() {
                        continue;
                    }
                    let value: String = value.chars().take(40).collect();
                    let problem = ValueProblem::NotATime { value };
                    found.push(RefusedValue {
                        table: (*table).to_owned(),
                        row: Some(row.get(0)?),
                        column: column.to_owned(),
                        reason: problem.to_string(),
                        problem: Some(problem),
                    });
                }
            }
        }
        Ok(found)
    }

    /// Replaces every unreadable time, in one transaction: a required one by the row's
    /// `created_at` where that reads (else the time of the repair), an optional one by nothing.
    /// The access log's times are left as they are (its hash chain covers them). Returns what
    /// was replaced.
    pub(crate) fn repair_unreadable(&mut self) -> Result<Vec<RefusedValue>> {
        let found: Vec<RefusedValue> =
            self.unreadable_values()?.into_iter().filter(|v| v.table != "access_log").collect();
        if found.is_empty() {
            return Ok(found);
        }
        let now = clock::to_db(&clock::now());
        self.write(|tx| {
            for value in &found {
                let required = time_columns(&value.table).iter().any(|&(c, required)| c == value.column && required);
                let replacement: Option<String> = if required {
                    let created: Option<String> = if value.column != "created_at"
                        && time_columns(&value.table).iter().any(|&(c, _)| c == "created_at")
                    {
                        tx.query_row(
                            &format!("SELECT created_at FROM {} WHERE id = ?1", value.table),
                            [value.row],
                            |r| r.get(0),
                        )?
                    } else {
                        None
                    };
                    Some(created.filter(|c| clock::from_db(c).is_some()).unwrap_or_else(|| now.clone()))
                } else {
                    None
                };
                tx.execute(
                    &format!("UPDATE {} SET {} = ?1 WHERE id = ?2", value.table, value.column),
                    params![replacement, value.row],
                )?;
            }
            super::access_log::append(tx, super::AccessEvent::Repair, &format!("{} unreadable values", found.len()))
        })?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::testing;
    use crate::store::{NewCustomer, NewNote, NewTask};

    #[test]
    fn unreadable_times_are_found_read_as_the_epoch_and_repaired() {
        let (_dir, mut nb) = testing::store();
        let id = nb.add_customer(&NewCustomer::named("张伟")).unwrap();
        let note =
            nb.add_note(&NewNote { customer_id: id, body: Some("预算确认".into()), ..NewNote::default() }).unwrap();
        let task = nb.add_task(&NewTask { customer_id: Some(id), title: "回访".into(), ..NewTask::default() }).unwrap();
        // What an older kehu let a hand-edited package write.
        nb.conn().execute("UPDATE note SET at = 'not a time' WHERE id = ?1", [note]).unwrap();
        nb.conn().execute("UPDATE task SET due = 'garbage' WHERE id = ?1", [task]).unwrap();
        nb.conn().execute("UPDATE customer SET created_at = '2024-13-45T99:00:00Z' WHERE id = ?1", [id]).unwrap();

        // Every read still answers.
        assert_eq!(nb.notes(id).unwrap()[0].at, chrono::DateTime::UNIX_EPOCH);
        assert!(nb.customer(id).is_ok());
        assert!(nb.tasks(&crate::store::TaskFilter::default()).is_ok());
        let found = nb.unreadable_values().unwrap();
        let places: Vec<String> = found.iter().map(|v| format!("{}.{}", v.table, v.column)).collect();
        assert_eq!(places, ["customer.created_at", "note.at", "task.due"]);

        assert_eq!(nb.repair_unreadable().unwrap().len(), 3);
        assert!(nb.unreadable_values().unwrap().is_empty());
        let repaired = &nb.notes(id).unwrap()[0];
        assert_eq!(repaired.at, repaired.created_at, "a note's time becomes the time it was written");
        assert_eq!(nb.access_log(1).unwrap()[0].event, crate::store::AccessEvent::Repair);
    }
}
