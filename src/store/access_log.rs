//! The access log: unlocks and every sensitive act (reveal, export, backup, erase), each row
//! chained to the one before by SHA-256 so a removed or altered row is detected.
//! Details name records by id only — never a customer's name or any content.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::setting::{ACCESS_LOG_HEAD, get as get_setting, put as put_setting};
use super::{AccessEvent, Result, Store, time_at};
use crate::clock;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccessLogEntry {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    pub at: DateTime<Utc>,
    pub event: AccessEvent,
    pub detail: String,
}

fn chain_hash(previous: &[u8], at: &str, event: &str, detail: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for part in [previous, at.as_bytes(), event.as_bytes(), detail.as_bytes()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().to_vec()
}

pub(crate) fn append(conn: &Connection, event: AccessEvent, detail: &str) -> Result<()> {
    let previous: Vec<u8> = conn
        .prepare_cached("SELECT hash FROM access_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |row| row.get(0))
        .optional()?
        .unwrap_or_default();
    let at = clock::to_db(&clock::now());
    let hash = chain_hash(&previous, &at, event.key(), detail);
    conn.prepare_cached("INSERT INTO access_log (at, event, detail, hash) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![at, event, detail, hash])?;
    record_head(conn)
}

/// Remembers the newest entry's id and hash, so removing entries from the end is detected.
pub(crate) fn record_head(conn: &Connection) -> Result<()> {
    let head: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT id, hash FROM access_log ORDER BY id DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let value = head.map(|(id, hash)| format!("{id}:{}", hex::encode(hash)));
    put_setting(conn, ACCESS_LOG_HEAD, value.as_deref())
}

impl Store {
    /// Records one access event in its own transaction.
    pub(crate) fn log_access(&mut self, event: AccessEvent, detail: &str) -> Result<()> {
        self.write(|tx| append(tx, event, detail))
    }

    /// The newest `limit` entries, newest first.
    pub(crate) fn access_log(&self, limit: usize) -> Result<Vec<AccessLogEntry>> {
        let mut stmt =
            self.conn().prepare_cached("SELECT id, at, event, detail FROM access_log ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
            Ok(AccessLogEntry { id: row.get(0)?, at: time_at(row, 1)?, event: row.get(2)?, detail: row.get(3)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Recomputes the chain; returns the id of the first entry that does not follow from the
    /// one before (altered, or its predecessor removed) — or of the last entry, when entries
    /// after it were removed — or `None` when the log is intact.
    pub(crate) fn verify_access_log(&self) -> Result<Option<i64>> {
        let mut stmt = self.conn().prepare("SELECT id, at, event, detail, hash FROM access_log ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut previous = Vec::new();
        let mut last_id = 0;
        while let Some(row) = rows.next()? {
            let (id, at, event, detail, hash): (i64, String, String, String, Vec<u8>) =
                (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
            if chain_hash(&previous, &at, &event, &detail) != hash {
                return Ok(Some(id));
            }
            previous = hash;
            last_id = id;
        }
        let head = get_setting(self.conn(), ACCESS_LOG_HEAD)?;
        // A log from before the head was kept has none until its next entry.
        match head {
            Some(head) if head != format!("{last_id}:{}", hex::encode(&previous)) => Ok(Some(last_id)),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::AccessEvent;
    use crate::store::testing;

    #[test]
    fn chain_detects_alteration_and_removal() {
        let (_dir, mut nb) = testing::store();
        nb.log_access(AccessEvent::Create, "").unwrap();
        nb.log_access(AccessEvent::Export, "customer 1").unwrap();
        nb.log_access(AccessEvent::Backup, "").unwrap();
        assert_eq!(nb.verify_access_log().unwrap(), None);
        let entries = nb.access_log(10).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].event, AccessEvent::Backup);

        nb.conn().execute("UPDATE access_log SET detail = 'customer 2' WHERE event = 'export'", []).unwrap();
        let altered = entries[1].id;
        assert_eq!(nb.verify_access_log().unwrap(), Some(altered));
        nb.conn().execute("DELETE FROM access_log WHERE id = ?1", [altered]).unwrap();
        assert_eq!(nb.verify_access_log().unwrap(), Some(entries[0].id));
    }

    #[test]
    fn removing_the_newest_entries_is_detected() {
        let (_dir, mut nb) = testing::store();
        nb.log_access(AccessEvent::Backup, "a").unwrap();
        nb.log_access(AccessEvent::Restore, "b").unwrap();
        assert_eq!(nb.verify_access_log().unwrap(), None);
        let entries = nb.access_log(10).unwrap();
        nb.conn().execute("DELETE FROM access_log WHERE id = ?1", [entries[0].id]).unwrap();
        assert_eq!(nb.verify_access_log().unwrap(), Some(entries[1].id));
    }
}
