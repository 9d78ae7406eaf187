//! What a package holds, apart from the container that carries it: a set of customers with
//! their records (or the whole notebook), as rows per table and attachments, with a handover's
//! redaction applied. The backup and the handover package write it into an age-encrypted tar
//! (`archive`); kehu's JSON export writes the same rows and attachments as one JSON document.

use std::path::Path;

use serde_json::Value as Json;

use super::archive::PackageWriter;
use super::manifest::{Manifest, PackageInfo, PackageKind, Redaction};
use super::{BackupError, BackupOptions};
use crate::store::{CUSTOMER_TABLES, ContactKind, Row, RowScope, SCHEMA_VERSION, SNAPSHOT_TABLES};
use crate::{Notebook, Result};

/// What a handover package carries: the tags, then the customers' own tables (the store's
/// list, parents first) — never the sender's history, access log, templates or views.
pub(crate) fn package_tables() -> Vec<&'static str> {
    std::iter::once("tag").chain(CUSTOMER_TABLES.iter().map(|(table, _)| *table)).collect()
}

/// The rows of `table` for the package, with the redaction applied.
pub(crate) fn redacted_rows(
    notebook: &Notebook,
    table: &str,
    scope: RowScope<'_>,
    redaction: &Redaction,
) -> Result<Vec<Row>> {
    if table == "secret" && redaction.omit_secrets {
        return Ok(Vec::new());
    }
    let mut rows = notebook.store().snapshot_values(table, scope)?;
    match table {
        "note" => {
            rows.retain(|r| {
                !r.get("id").and_then(Json::as_i64).is_some_and(|id| redaction.omit_note_ids.contains(&id))
            });
        }
        "contact_method" if redaction.mask_contacts => {
            for row in &mut rows {
                let kind = row.get("kind").and_then(Json::as_str).unwrap_or_default().to_owned();
                for column in ["value", "normalized"] {
                    if let Some(Json::String(value)) = row.get_mut(column) {
                        match kind.as_str() {
                            "phone" => *value = crate::rules::mask_contact(ContactKind::Phone, value),
                            "email" => *value = crate::rules::mask_contact(ContactKind::Email, value),
                            _ => {}
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Ok(rows)
}

/// Writes the whole notebook (`RowScope::All`) or a set of customers as a package.
pub(super) fn write_package(
    notebook: &mut Notebook,
    output: &Path,
    password: &str,
    options: BackupOptions,
    kind: PackageKind,
    scope: RowScope<'_>,
    redaction: Option<&Redaction>,
) -> Result<PackageInfo> {
    let mut manifest = Manifest::new(kind, SCHEMA_VERSION, crate::clock::now());
    manifest.redaction = redaction.cloned();
    let mut writer = PackageWriter::create(output, password, options, manifest)?;
    writer.add_file("README.txt", super::sheet::archive_readme(kind).into_bytes(), None)?;
    let tables: Vec<&str> = match kind {
        PackageKind::Backup => SNAPSHOT_TABLES.to_vec(),
        PackageKind::Handover => package_tables(),
    };
    for table in tables {
        match redaction {
            Some(redaction) => {
                let rows = redacted_rows(notebook, table, scope, redaction)?;
                writer.add_table(table, |emit| {
                    for row in &rows {
                        emit(serde_json::to_string(row).expect("a JSON map serialises").as_bytes());
                    }
                    Ok(rows.len() as u64)
                })?;
            }
            None => writer.add_table(table, |emit| Ok(notebook.store().snapshot_rows(table, scope, emit)?))?,
        }
    }
    notebook.store().snapshot_attachments(scope, |id, name, data| {
        writer.add_attachment(id, name, data).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))
    })?;
    if kind == PackageKind::Backup {
        writer.manifest.sequences = notebook.store().sequences()?;
    }
    let manifest = writer.finish()?;
    let size = std::fs::metadata(output).map_err(BackupError::io(format!("reading {}", output.display())))?.len();
    Ok(manifest.info(size))
}
