//! Secrets: a customer's portal credentials. The password is sealed a second time with the
//! sealed-fields subkey (bound to its customer), never listed, and every reveal is logged.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;
use zeroize::Zeroizing;

use super::{AccessEvent, FoundOr, Result, Store, StoreError, clean, require_customer, time_at};
use crate::clock;
use crate::rules::ValueProblem;
use crate::vault::{aead_open, aead_seal};

/// A credential without its password, for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SecretSummary {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub label: String,
    pub username: Option<String>,
    /// The username as privacy mode shows it ([`crate::rules::mask_text`]).
    pub username_masked: Option<String>,
    pub url: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A revealed credential; the password is wiped from memory when this is dropped.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Secret {
    #[serde(flatten)]
    pub summary: SecretSummary,
    #[serde(serialize_with = "serialize_zeroizing")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub password: Zeroizing<String>,
}

fn serialize_zeroizing<S: serde::Serializer>(value: &Zeroizing<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value)
}

pub(crate) fn aad(customer_id: i64) -> Vec<u8> {
    format!("kehu secret v1 customer {customer_id}").into_bytes()
}

/// A credential to add: a customer portal's login.
#[derive(Debug, Clone, Copy)]
pub struct NewSecret<'a> {
    pub customer_id: i64,
    pub label: &'a str,
    pub username: Option<&'a str>,
    pub url: Option<&'a str>,
    pub password: &'a str,
}

impl Store {
    pub(crate) fn add_secret(&mut self, new: &NewSecret<'_>) -> Result<i64> {
        let NewSecret { customer_id, label, username, url, password } = *new;
        let label = clean(Some(label)).ok_or_else(|| StoreError::bad_value("label", ValueProblem::Empty))?;
        if password.is_empty() {
            return Err(StoreError::bad_value("password", ValueProblem::Empty));
        }
        let sealed = aead_seal(self.keys().sealed_fields.as_bytes(), &aad(customer_id), password.as_bytes());
        let now = clock::to_db(&clock::now());
        self.write(|tx| {
            require_customer(tx, customer_id)?;
            tx.prepare_cached(
                "INSERT INTO secret (customer_id, label, username, url, password, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?
            .execute(params![customer_id, label, clean(username), clean(url), sealed, now])?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// A customer's credentials, without passwords.
    pub(crate) fn secrets(&self, customer_id: i64) -> Result<Vec<SecretSummary>> {
        require_customer(self.conn(), customer_id)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, customer_id, label, username, url, updated_at FROM secret WHERE customer_id = ?1 ORDER BY label, id",
        )?;
        let rows = stmt.query_map([customer_id], summary_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Opens one credential's password and records the reveal in the access log.
    pub(crate) fn reveal_secret(&mut self, id: i64) -> Result<Secret> {
        let (summary, sealed): (SecretSummary, Vec<u8>) = self
            .conn()
            .query_row(
                "SELECT id, customer_id, label, username, url, updated_at, password FROM secret WHERE id = ?1",
                [id],
                |row| Ok((summary_from_row(row)?, row.get(6)?)),
            )
            .found_or("credential", id)?;
        let opened = aead_open(self.keys().sealed_fields.as_bytes(), &aad(summary.customer_id), &sealed)
            .map(Zeroizing::new)
            .ok_or_else(|| StoreError::Corrupt(format!("credential {id} does not decrypt")))?;
        let password = Zeroizing::new(
            String::from_utf8(opened.to_vec())
                .map_err(|_| StoreError::Corrupt(format!("credential {id} is not text")))?,
        );
        self.log_access(AccessEvent::SecretReveal, &format!("credential {id} of customer {}", summary.customer_id))?;
        Ok(Secret { summary, password })
    }
}

fn summary_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SecretSummary> {
    Ok(SecretSummary {
        id: row.get(0)?,
        customer_id: row.get(1)?,
        label: row.get(2)?,
        username_masked: row.get::<_, Option<String>>(3)?.as_deref().map(crate::rules::mask_text),
        username: row.get(3)?,
        url: row.get(4)?,
        updated_at: time_at(row, 5)?,
    })
}
