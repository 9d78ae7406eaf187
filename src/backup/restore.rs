//! Restoring a backup into a new notebook: verify every byte first, then load the rows into a
//! staging folder beside the target and rename it into place, so a wrong password, a damaged
//! file, a full disk or a killed process leaves no notebook (and no half of one) behind.

use std::path::{Path, PathBuf};

use super::archive::{attachment_id, each_row, part_table, read_package};
use super::manifest::PackageKind;
use super::{BackupError, PackageInfo};
use crate::vault::{HEADER_FILE, KdfParams, VaultError};
use crate::{Error, Notebook, Result};

/// Restores `backup` (opened with `password`) as a new notebook in `target`, locked with
/// `master_password`, which must be as strong as a new notebook's (see
/// [`Notebook::create_for_person`]); a backup that kept no backup password gets the master
/// password as its automatic backups' one, as a new notebook does. `target` must not hold a
/// notebook; merging into one is [`super::plan_import`]'s job.
pub fn restore(
    backup: &Path,
    password: &str,
    target: &Path,
    master_password: &str,
    kdf: KdfParams,
) -> Result<PackageInfo> {
    crate::vault::require_strong_password(master_password)?;
    if target.join(HEADER_FILE).exists() {
        return Err(VaultError::AlreadyExists(target.to_path_buf()).into());
    }
    if target.exists() && std::fs::read_dir(target).map(|mut d| d.next().is_some()).unwrap_or(true) {
        let reason = format!("{} exists and is not empty; restore into a new folder", target.display());
        return Err(Error::refused("folder", reason, crate::store::ValueProblem::FolderNotEmpty));
    }
    let manifest = read_package(backup, password, |_, _| Ok(()))?;
    if manifest.kind != PackageKind::Backup {
        let reason =
            format!("{} is a handover package, not a backup: import it into a notebook instead", backup.display());
        return Err(Error::refused("backup", reason, crate::store::ValueProblem::HandoverNotBackup));
    }
    let staging = staging_dir(target)?;
    remove_stale_staging(target);
    let restored =
        Notebook::create_restored(&staging, master_password.as_bytes(), kdf, manifest.schema_version, |store| {
            let mut loader = store.begin_restore()?;
            read_package(backup, password, |path, data| {
                if let Some(table) = part_table(path) {
                    each_row(backup, path, data, |row| {
                        loader.insert(table, row).map_err(|source| {
                            BackupError::RefusedRow { path: backup.to_path_buf(), source: Box::new(source) }.into()
                        })
                    })?;
                } else if let Some(id) = attachment_id(path) {
                    loader.insert_attachment_data(id, data).map_err(|source| BackupError::RefusedRow {
                        path: backup.to_path_buf(),
                        source: Box::new(source),
                    })?;
                }
                Ok(())
            })?;
            loader.finish(&manifest.sequences)?;
            Ok(())
        })
        .and_then(|mut restored| {
            if !restored.has_backup_password()? {
                restored.set_backup_password(Some(master_password))?;
            }
            restored.close()
        });
    if let Err(e) = restored {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    // The staging folder holds the lock file of a closed notebook; renaming it is the commit.
    std::fs::rename(&staging, target).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staging);
        Error::io(format!("moving the restored notebook to {}", target.display()))(e)
    })?;
    if let Some(parent) = target.parent() {
        let _ = std::fs::File::open(parent).and_then(|d| d.sync_all());
    }
    let size = std::fs::metadata(backup).map(|m| m.len()).unwrap_or(0);
    Ok(manifest.info(size))
}

const STAGING_MARK: &str = ".restoring-";

fn staging_dir(target: &Path) -> Result<PathBuf> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Invalid(format!("{} is not a folder name", target.display())))?;
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(Error::io(format!("creating {}", parent.display())))?;
    if target.exists() {
        // An empty folder the user made for it: it is replaced by the rename.
        std::fs::remove_dir(target).map_err(Error::io(format!("replacing {}", target.display())))?;
    }
    Ok(parent.join(format!(".{name}{STAGING_MARK}{}", std::process::id())))
}

/// Removes what an earlier restore into the same target left when it was killed.
fn remove_stale_staging(target: &Path) {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name().and_then(|n| n.to_str())) else { return };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    let prefix = format!(".{name}{STAGING_MARK}");
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|p| p == std::process::id() || Path::new("/proc").join(p.to_string()).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
