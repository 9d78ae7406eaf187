//! The notebook's own settings (table `setting`): the automatic-backup password, sealed like a
//! credential, and the outcome of the last backup, which the desktop shows until the next one.

use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use super::{Result, Store, StoreError};
use crate::rules::ValueProblem;
use crate::vault::{aead_open, aead_seal};

const BACKUP_PASSWORD: &str = "backup.password";
const BACKUP_STATUS: &str = "backup.last";
pub(crate) const ACCESS_LOG_HEAD: &str = "access_log.head";
const BACKUP_PASSWORD_AAD: &[u8] = b"kehu setting v1 backup.password";

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM setting WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

pub(crate) fn put(conn: &Connection, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(value) => conn
            .prepare_cached(
                "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            )?
            .execute(params![key, value])?,
        None => conn.prepare_cached("DELETE FROM setting WHERE key = ?1")?.execute([key])?,
    };
    Ok(())
}

const IMPORT_MAPPING_PREFIX: &str = "import.mapping.";

impl Store {
    /// Saves (or with `None` forgets) a named import column mapping, as JSON.
    pub(crate) fn set_import_mapping(&mut self, name: &str, mapping: Option<&str>) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::bad_value("mapping", ValueProblem::Empty));
        }
        if name.chars().count() > 100 {
            return Err(StoreError::bad_value("mapping", ValueProblem::TooLong { max: 100 }));
        }
        let key = format!("{IMPORT_MAPPING_PREFIX}{name}");
        self.write(|tx| put(tx, &key, mapping))
    }

    /// A saved import mapping's JSON.
    pub(crate) fn import_mapping(&self, name: &str) -> Result<Option<String>> {
        get(self.conn(), &format!("{IMPORT_MAPPING_PREFIX}{}", name.trim()))
    }

    /// The names of the saved import mappings, sorted.
    pub(crate) fn import_mapping_names(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT substr(key, ?2) FROM setting WHERE substr(key, 1, ?2 - 1) = ?1 ORDER BY key")?;
        let rows =
            stmt.query_map(params![IMPORT_MAPPING_PREFIX, IMPORT_MAPPING_PREFIX.len() as i64 + 1], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets (or with `None` forgets) the password automatic backups are encrypted with.
    pub(crate) fn set_backup_password(&mut self, password: Option<&str>) -> Result<()> {
        let sealed = match password {
            Some("") => return Err(StoreError::bad_value("backup password", ValueProblem::Empty)),
            Some(p) => {
                Some(hex::encode(aead_seal(self.keys().sealed_fields.as_bytes(), BACKUP_PASSWORD_AAD, p.as_bytes())))
            }
            None => None,
        };
        self.write(|tx| put(tx, BACKUP_PASSWORD, sealed.as_deref()))
    }

    /// The automatic-backup password, if one is set.
    pub(crate) fn backup_password(&self) -> Result<Option<Zeroizing<String>>> {
        let Some(sealed) = get(self.conn(), BACKUP_PASSWORD)? else { return Ok(None) };
        let damaged = || StoreError::Corrupt("the stored backup password does not decrypt".into());
        let sealed = hex::decode(sealed).map_err(|_| damaged())?;
        let opened = Zeroizing::new(
            aead_open(self.keys().sealed_fields.as_bytes(), BACKUP_PASSWORD_AAD, &sealed).ok_or_else(damaged)?,
        );
        Ok(Some(Zeroizing::new(String::from_utf8(opened.to_vec()).map_err(|_| damaged())?)))
    }

    /// Stores the last backup's outcome (JSON written by the backup module).
    pub(crate) fn set_backup_status(&mut self, status: &str) -> Result<()> {
        self.write(|tx| put(tx, BACKUP_STATUS, Some(status)))
    }

    pub(crate) fn backup_status(&self) -> Result<Option<String>> {
        get(self.conn(), BACKUP_STATUS)
    }

    /// A digest that changes whenever the notebook's content does (row counts, newest ids, the
    /// newest edit times, the templates' text): an automatic backup of an unchanged notebook
    /// is skipped. Cheap: counts and maxima read from indexes.
    pub(crate) fn change_marker(&self) -> Result<String> {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for table in super::SNAPSHOT_TABLES.iter().filter(|t| !matches!(**t, "access_log" | "draft")) {
            let sql = if *table == "customer_tag" {
                "SELECT count(*), 0 FROM customer_tag".to_owned()
            } else {
                format!("SELECT count(*), coalesce(max(id), 0) FROM {table}")
            };
            let (count, max): (i64, i64) = self.conn().query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            hasher.update(format!("{table}:{count}:{max};"));
        }
        for sql in [
            "SELECT coalesce(max(updated_at), '') FROM customer",
            "SELECT coalesce(max(updated_at), '') FROM note",
            "SELECT coalesce(max(updated_at), '') FROM secret",
            "SELECT coalesce(max(coalesce(done_at, '')), '') FROM task",
            "SELECT coalesce(max(coalesce(closed_at, '')), '') || group_concat(status) FROM complaint",
            "SELECT coalesce(sum(length(body) + length(fields) + length(name)), 0) || '' FROM template",
        ] {
            let value: String = self.conn().query_row(sql, [], |r| r.get(0)).unwrap_or_default();
            hasher.update(value.as_bytes());
            hasher.update(b";");
        }
        Ok(hex::encode(hasher.finalize()))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::testing;

    #[test]
    fn backup_password_is_sealed_and_forgotten() {
        let (_dir, mut nb) = testing::store();
        assert!(nb.backup_password().unwrap().is_none());
        nb.set_backup_password(Some("备份-口令-canary")).unwrap();
        assert_eq!(nb.backup_password().unwrap().unwrap().as_str(), "备份-口令-canary");
        let stored: String = nb.conn().query_row("SELECT value FROM setting", [], |r| r.get(0)).unwrap();
        assert!(!stored.contains("canary"));
        nb.set_backup_password(None).unwrap();
        assert!(nb.backup_password().unwrap().is_none());
        assert!(nb.set_backup_password(Some("")).is_err());
    }
}
