//! kehu's own JSON: customers with every record they carry — the rows of each customer table
//! as the backup writes them, and attachments in base64 — so reading it back gives the same
//! customers, merged into a notebook the way a handover package is.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::{InteropError, Unreadable, WhyUnreadable};
use crate::backup::{Manifest, Package, PackageKind, Redaction};
use crate::store::{Row, RowScope, SCHEMA_VERSION};
use crate::{Notebook, Result};

pub const FORMAT: &str = "kehu-json";
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Document {
    format: String,
    format_version: u32,
    manifest: Manifest,
    tables: BTreeMap<String, Vec<Row>>,
    /// Attachment id → its bytes in base64.
    attachments: BTreeMap<i64, String>,
}

/// Writes the customers `ids` (all when `None`) with their records. Credentials are left out
/// unless `with_secrets`. Returns how many customers were written.
pub fn write(notebook: &Notebook, ids: Option<&BTreeSet<i64>>, with_secrets: bool, out: &mut dyn Write) -> Result<u64> {
    let scope = ids.map_or(RowScope::All, RowScope::Customers);
    let redaction = Redaction { omit_secrets: !with_secrets, ..Redaction::default() };
    let mut manifest = Manifest::new(PackageKind::Handover, SCHEMA_VERSION, crate::clock::now());
    let mut tables = BTreeMap::new();
    for table in crate::backup::package_tables() {
        let rows = crate::backup::redacted_rows(notebook, table, scope, &redaction)?;
        manifest.tables.insert(table.to_owned(), rows.len() as u64);
        tables.insert(table.to_owned(), rows);
    }
    let mut attachments = BTreeMap::new();
    notebook.store().snapshot_attachments(scope, |id, _, data| {
        attachments.insert(id, BASE64.encode(data));
        Ok(())
    })?;
    manifest.attachments = attachments.len() as u64;
    if !with_secrets {
        manifest.redaction = Some(redaction);
    }
    let customers = manifest.tables.get("customer").copied().unwrap_or(0);
    let document = Document { format: FORMAT.into(), format_version: FORMAT_VERSION, manifest, tables, attachments };
    serde_json::to_writer_pretty(&mut *out, &document).map_err(|e| crate::Error::Invalid(e.to_string()))?;
    Ok(customers)
}

/// A JSON file that is not, or no longer, what kehu writes.
fn not_kehu(reason: String) -> Unreadable {
    Unreadable::new(WhyUnreadable::NotKehu, reason)
}

/// Reads a kehu JSON file into a package for the handover import.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Package> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let document: Document = serde_json::from_slice(bytes).map_err(|e| {
        let reason = if e.is_data() || e.is_syntax() {
            format!("not a kehu JSON export (line {}, column {}: {e})", e.line(), e.column())
        } else {
            e.to_string()
        };
        InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NotKehu, reason))
    })?;
    if document.format != FORMAT {
        return Err(
            InteropError::unreadable(path, not_kehu(format!("format '{}' is not {FORMAT}", document.format))).into()
        );
    }
    if document.format_version > FORMAT_VERSION || document.manifest.schema_version > SCHEMA_VERSION {
        return Err(InteropError::unreadable(
            path,
            Unreadable::new(WhyUnreadable::NewerKehu, "written by a newer kehu; update kehu to read it"),
        )
        .into());
    }
    let mut attachments = BTreeMap::new();
    for (id, data) in document.attachments {
        let bytes = BASE64.decode(data).map_err(|e| {
            InteropError::unreadable(path, not_kehu(format!("attachment {id}: its data is not base64 ({e})")))
        })?;
        attachments.insert(id, bytes);
    }
    for (table, rows) in &document.tables {
        if !crate::backup::package_tables().contains(&table.as_str()) {
            return Err(InteropError::unreadable(path, not_kehu(format!("unknown table '{table}'"))).into());
        }
        if rows.iter().any(|r| !r.get("id").is_some_and(serde_json::Value::is_i64) && table != "customer_tag") {
            return Err(InteropError::unreadable(path, not_kehu(format!("a row of '{table}' without an id"))).into());
        }
    }
    Package::from_parts(path, document.manifest, document.tables, attachments, bytes.len() as u64)
}
