//! Backups the user owns. A backup is an age file (passphrase recipient, scrypt) around a tar
//! archive: a README, every record kind as JSON (`data/<table>/part-NNNN.json`), attachments as
//! files, and a manifest with counts and SHA-256 checksums, last. So
//! `age -d F | tar -x` gives the user their data without kehu.
//!
//! Written streaming (rows → JSON parts → tar → age → file, the encryption on a thread of its
//! own), never plaintext on disk, fsynced and renamed into place; verified by reading every
//! byte back; restored only after a complete verification, into a staging folder renamed into
//! place at the end, so a failed or killed restore leaves no notebook behind.
//! A handover package (客户交接) is the same format holding a chosen set of customers.

mod archive;
mod auto;
mod content;
mod crypt;
mod handover;
mod manifest;
mod restore;
mod rotation;
mod sheet;

pub use crate::error::backup::BackupError;
pub use auto::{AutoBackupOutcome, BackupState, BackupStatus, auto_backup, automatic_backup_due, backup_status};
pub(crate) use content::{package_tables, redacted_rows};
pub use crypt::DEFAULT_WORK_FACTOR;
pub use handover::{
    DuplicateMatch, FieldDiff, HandoverSelection, ImportAction, ImportDecision, ImportPlan, ImportReport,
    IncomingCustomer, Package, apply_import, export_handover, plan_import,
};
pub use manifest::{FileEntry, Manifest, PackageInfo, PackageKind, Redaction};
pub use restore::restore;
pub use rotation::{BackupFile, backup_file_name, list_backups, rotation_plan};
pub use sheet::recovery_sheet;

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::store::{AccessEvent, RowScope};
use crate::{Notebook, Result};

/// `$XDG_DATA_HOME/kehu/backups`: where backups go unless the user picks another folder.
pub fn default_backup_folder() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kehu").map(|dirs| dirs.data_dir().join("backups"))
}

/// The name backups of this notebook carry (its folder's name).
pub fn notebook_name(notebook: &Notebook) -> String {
    auto::notebook_name(notebook)
}

/// Options a caller may set; tests lower the scrypt cost, nothing else should.
#[derive(Debug, Clone, Copy)]
pub struct BackupOptions {
    /// scrypt work factor (log2 N) of the age passphrase stanza.
    pub work_factor: u8,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions { work_factor: DEFAULT_WORK_FACTOR }
    }
}

impl BackupOptions {
    #[doc(hidden)]
    pub const INSECURE_FOR_TESTS: BackupOptions = BackupOptions { work_factor: 10 };
}

/// Writes a backup of the whole notebook to `output` (created or replaced atomically),
/// encrypted with `password`, and records it — or its failure — in the access log.
pub fn create(notebook: &mut Notebook, output: &Path, password: &str, options: BackupOptions) -> Result<PackageInfo> {
    let written = write_backup(notebook, output, password, options);
    log_outcome(notebook, written.as_ref().map(PackageInfo::customers), "");
    written
}

fn write_backup(notebook: &mut Notebook, output: &Path, password: &str, options: BackupOptions) -> Result<PackageInfo> {
    if password.is_empty() {
        return Err(crate::Error::bad_value("backup password", crate::store::ValueProblem::Empty));
    }
    crate::vault::require_backup_password(password)?;
    let password = Zeroizing::new(password.to_owned());
    let written =
        content::write_package(notebook, output, &password, options, PackageKind::Backup, RowScope::All, None)?;
    verified(output, &password, &written)
}

/// Reads a package just written back in full: it says done only if it restores. One that does
/// not is removed, so it never stands in a folder's rotation as a backup.
pub(crate) fn verified(output: &Path, password: &str, written: &PackageInfo) -> Result<PackageInfo> {
    let checked = verify(output, password).and_then(|read| {
        if read.tables == written.tables && read.attachments == written.attachments {
            Ok(read)
        } else {
            Err(BackupError::Invalid(format!("{} does not read back as it was written", output.display())).into())
        }
    });
    match checked {
        Ok(read) => Ok(read),
        Err(e) => {
            let _ = std::fs::remove_file(output);
            Err(BackupError::Invalid(format!(
                "{} was written but does not verify, and was removed: {e}",
                output.display()
            ))
            .into())
        }
    }
}

/// Logs a backup (customers written) or its failure (by error code: no paths, no content).
fn log_outcome(notebook: &mut Notebook, outcome: std::result::Result<u64, &crate::Error>, how: &str) {
    let logged = match outcome {
        Ok(customers) => notebook.store_mut().log_access(AccessEvent::Backup, &format!("{how}{customers} customers")),
        Err(e) => notebook.store_mut().log_access(AccessEvent::BackupFailed, &format!("{how}{}", e.code().as_str())),
    };
    if let Err(e) = logged {
        tracing::warn!("the backup could not be logged: {e}");
    }
}

/// Decrypts `path` and checks every file against the manifest and every row with the store's
/// rules: a flipped byte, a truncated file, a row a restore would refuse or a wrong password is
/// reported, never half-read.
pub fn verify(path: &Path, password: &str) -> Result<PackageInfo> {
    // Every row is checked as a restore checks it: a backup that verifies restores.
    let manifest = archive::read_package(path, password, |name, data| {
        let Some(table) = archive::part_table(name) else { return Ok(()) };
        let rows: Vec<crate::store::Row> = serde_json::from_slice(data)
            .map_err(|e| BackupError::Damaged { path: path.to_path_buf(), reason: format!("{name}: {e}") })?;
        for mut row in rows {
            crate::store::check_incoming_row(table, &mut row)
                .map_err(|e| BackupError::RefusedRow { path: path.to_path_buf(), source: Box::new(e) })?;
        }
        Ok(())
    })?;
    Ok(manifest.info(file_size(path)?))
}

fn file_size(path: &Path) -> Result<u64, BackupError> {
    Ok(std::fs::metadata(path).map_err(BackupError::io(format!("reading {}", path.display())))?.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::testing;
    use crate::store::NewCustomer;

    const PASSWORD: &str = "备份-口令-海风-2026";

    #[test]
    fn a_backup_that_does_not_read_back_is_removed_and_said_so() {
        let (dir, mut nb) = testing::notebook();
        nb.add_customer(&NewCustomer::named("张伟")).unwrap();
        let file = dir.path().join("b.age");
        let written = create(&mut nb, &file, PASSWORD, BackupOptions::INSECURE_FOR_TESTS).unwrap();
        let mut bytes = std::fs::read(&file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        let err = verified(&file, PASSWORD, &written).unwrap_err().to_string();
        assert!(err.contains("does not verify, and was removed"), "{err}");
        assert!(!file.exists());
    }

    #[test]
    fn a_record_larger_than_the_reader_takes_fails_the_backup_before_it_is_written() {
        let (dir, mut nb) = testing::notebook();
        let id = nb.add_customer(&NewCustomer::named("张伟")).unwrap();
        // A notebook from before custom values had a limit may hold one this large.
        let huge = "x".repeat(archive::MAX_ENTRY_BYTES as usize + 1);
        nb.store()
            .conn()
            .execute("UPDATE customer SET custom = json_object('备注', ?1) WHERE id = ?2", rusqlite::params![huge, id])
            .unwrap();
        drop(huge);
        let file = dir.path().join("b.age");
        let err = create(&mut nb, &file, PASSWORD, BackupOptions::INSECURE_FOR_TESTS).unwrap_err().to_string();
        assert!(err.contains("a record is too large to back up"), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(!left.iter().any(|n| n.to_string_lossy().contains("b.age")), "{left:?}");
    }

    #[test]
    fn partial_files_of_a_killed_backup_are_removed_by_the_next() {
        let (dir, mut nb) = testing::notebook();
        nb.add_customer(&NewCustomer::named("张伟")).unwrap();
        // No process has pid 4 194 304 (above Linux's pid_max).
        let stale = dir.path().join(".b.age.4194304.Ab12Cd.partial");
        std::fs::write(&stale, b"half a backup").unwrap();
        create(&mut nb, &dir.path().join("b.age"), PASSWORD, BackupOptions::INSECURE_FOR_TESTS).unwrap();
        assert!(!stale.exists());
    }
}
