//! Attachments: files kept inside the encrypted database (contracts, business-card photos), so
//! they share its key, its transactions and its erase; no attachment ever sits in a plain file.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{AccessEvent, FoundOr, Result, Store, StoreError, clean, require_customer, time_at};
use crate::clock;
use crate::rules::ValueProblem;

/// Larger files belong in a document system, not a customer notebook.
pub const MAX_ATTACHMENT_BYTES: usize = (MAX_ATTACHMENT_MIB as usize) << 20;
const MAX_ATTACHMENT_MIB: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Attachment {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub name: String,
    pub mime: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// The media type of a file by its name, for a file added without one.
pub fn guess_mime(name: &str) -> String {
    mime_guess::from_path(name).first_or_octet_stream().to_string()
}

impl Store {
    pub(crate) fn add_attachment(&mut self, customer_id: i64, name: &str, mime: &str, data: &[u8]) -> Result<i64> {
        let now = clock::now();
        self.write(|tx| insert_attachment(tx, customer_id, name, mime, data, &now))
    }

    pub(crate) fn attachments(&self, customer_id: i64) -> Result<Vec<Attachment>> {
        require_customer(self.conn(), customer_id)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, customer_id, name, mime, size, sha256, created_at FROM attachment WHERE customer_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([customer_id], attachment_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// An attachment's bytes, checked against the hash taken when it was added. Taking a file
    /// out of the notebook is an export, so it is logged.
    pub(crate) fn attachment_data(&mut self, id: i64) -> Result<(Attachment, Vec<u8>)> {
        let (attachment, data): (Attachment, Vec<u8>) = self
            .conn()
            .query_row(
                "SELECT a.id, a.customer_id, a.name, a.mime, a.size, a.sha256, a.created_at, d.data
                 FROM attachment a JOIN attachment_data d ON d.attachment_id = a.id WHERE a.id = ?1",
                [id],
                |row| Ok((attachment_from_row(row)?, row.get(7)?)),
            )
            .found_or("attachment", id)?;
        if hex::encode(Sha256::digest(&data)) != attachment.sha256 {
            return Err(StoreError::Corrupt(format!("attachment {id} does not match its checksum")));
        }
        self.log_access(AccessEvent::Export, &format!("attachment {id} of customer {}", attachment.customer_id))?;
        Ok((attachment, data))
    }
}

fn attachment_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: row.get(0)?,
        customer_id: row.get(1)?,
        name: row.get(2)?,
        mime: row.get(3)?,
        size: row.get(4)?,
        sha256: row.get(5)?,
        created_at: time_at(row, 6)?,
    })
}

/// Adds a file to a customer inside the caller's transaction.
pub(crate) fn insert_attachment(
    tx: &rusqlite::Connection,
    customer_id: i64,
    name: &str,
    mime: &str,
    data: &[u8],
    now: &chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    let name = clean(Some(name)).ok_or_else(|| StoreError::bad_value("name", ValueProblem::Empty))?;
    if data.len() > MAX_ATTACHMENT_BYTES {
        let reason = format!("'{name}' is {} MiB; the limit is {} MiB", data.len() >> 20, MAX_ATTACHMENT_BYTES >> 20);
        return Err(StoreError::refused("attachment", reason, ValueProblem::TooLarge { max_mib: MAX_ATTACHMENT_MIB }));
    }
    let sha256 = hex::encode(Sha256::digest(data));
    require_customer(tx, customer_id)?;
    tx.prepare_cached(
        "INSERT INTO attachment (customer_id, name, mime, size, sha256, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![customer_id, name, mime, data.len() as i64, sha256, clock::to_db(now)])?;
    let id = tx.last_insert_rowid();
    tx.prepare_cached("INSERT INTO attachment_data (attachment_id, data) VALUES (?1, ?2)")?
        .execute(params![id, data])?;
    Ok(id)
}
