//! Backups into the backup folder — by hand, or automatically on lock, on quit and daily:
//! written, verified by reading them back, rotated, and their outcome kept in the notebook so
//! the settings screen can show it (a failure included: it is never silent).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rotation::{backup_file_name, list_backups, rotation_plan};
use super::{BackupError, BackupOptions};
use crate::{Notebook, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum BackupState {
    Ok,
    Failed,
}

/// The outcome of the last backup into the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BackupStatus {
    pub at: DateTime<Utc>,
    pub state: BackupState,
    pub automatic: bool,
    /// The file written (full path).
    pub file: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub size: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub customers: Option<u64>,
    /// Why it failed (English), and what a screen says it from.
    pub message: Option<String>,
    #[serde(default)]
    pub detail: Option<crate::ErrorDetail>,
    /// Backups removed by the rotation.
    #[serde(default)]
    pub removed: Vec<String>,
    /// What the notebook looked like when it was written (an automatic backup of an unchanged
    /// notebook is skipped).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub marker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoBackupOutcome {
    Written(Box<BackupStatus>),
    /// Nothing changed since the last automatic backup, which is still there.
    Unchanged,
    /// An automatic backup with no backup password set: nothing to do (the settings screen
    /// says automatic backups need one); a backup asked for by hand fails instead.
    NotConfigured,
}

/// Whether the daily automatic backup is due: none yet, the last one a day old, or the last
/// one failed an hour ago (retried hourly, not every minute).
pub fn automatic_backup_due(notebook: &Notebook, now: DateTime<Utc>) -> Result<bool> {
    Ok(match backup_status(notebook)? {
        None => true,
        Some(s) if s.state == BackupState::Failed => now - s.at >= chrono::Duration::hours(1),
        Some(s) => now - s.at >= chrono::Duration::hours(24),
    })
}

/// The last backup's outcome, if the notebook was ever backed up into a folder.
pub fn backup_status(notebook: &Notebook) -> Result<Option<BackupStatus>> {
    Ok(notebook.store().backup_status()?.and_then(|json| serde_json::from_str(&json).ok()))
}

/// Backs the notebook up into `folder` with its backup password, verifies the file, and
/// removes the backups the rotation no longer keeps. `automatic` backups of an unchanged
/// notebook are skipped. The outcome is stored for [`backup_status`], a failure too.
pub fn auto_backup(
    notebook: &mut Notebook,
    folder: &Path,
    keep_last: usize,
    automatic: bool,
    options: BackupOptions,
) -> Result<AutoBackupOutcome> {
    if automatic && notebook.store().backup_password()?.is_none() {
        return Ok(AutoBackupOutcome::NotConfigured);
    }
    let marker = notebook.store().change_marker()?;
    let last = backup_status(notebook)?;
    if automatic
        && let Some(last) = &last
        && last.state == BackupState::Ok
        && last.marker.as_deref() == Some(marker.as_str())
        && last.file.as_deref().is_some_and(|f| Path::new(f).is_file())
    {
        return Ok(AutoBackupOutcome::Unchanged);
    }
    let now = crate::clock::now();
    let outcome = write_verified(notebook, folder, keep_last, options, now);
    let how = if automatic { "automatic: " } else { "to folder: " };
    super::log_outcome(notebook, outcome.as_ref().map(|(_, _, customers, _)| *customers), how);
    match outcome {
        Ok((file, size, customers, removed)) => {
            let status = BackupStatus {
                at: now,
                state: BackupState::Ok,
                automatic,
                file: Some(file),
                size: Some(size),
                customers: Some(customers),
                message: None,
                detail: None,
                removed,
                marker: Some(marker),
            };
            save(notebook, &status)?;
            Ok(AutoBackupOutcome::Written(Box::new(status)))
        }
        Err(e) => {
            let status = BackupStatus {
                at: now,
                state: BackupState::Failed,
                automatic,
                file: None,
                size: None,
                customers: None,
                message: Some(e.to_string()),
                detail: e.detail(),
                removed: Vec::new(),
                marker: None,
            };
            // The notebook's own disk may be what failed; the error still reaches the caller.
            let _ = save(notebook, &status);
            Err(e)
        }
    }
}

fn save(notebook: &mut Notebook, status: &BackupStatus) -> Result<()> {
    Ok(notebook.store_mut().set_backup_status(&serde_json::to_string(status).expect("a status serialises"))?)
}

fn write_verified(
    notebook: &mut Notebook,
    folder: &Path,
    keep_last: usize,
    options: BackupOptions,
    now: DateTime<Utc>,
) -> Result<(String, u64, u64, Vec<String>)> {
    let password = notebook
        .store()
        .backup_password()?
        .ok_or_else(|| crate::Error::bad_value("backup password", crate::store::ValueProblem::NoBackupPassword))?;
    std::fs::create_dir_all(folder).map_err(BackupError::io(format!("creating {}", folder.display())))?;
    let name = notebook_name(notebook);
    let path = folder.join(backup_file_name(&name, now));
    // Verified as it is written; one that does not verify is removed before the rotation runs.
    let verified = super::write_backup(notebook, &path, &password, options)?;
    let (_, remove) = rotation_plan(&list_backups(folder, &name)?, keep_last.max(1));
    let mut removed = Vec::new();
    for file in remove {
        if file.path != path && std::fs::remove_file(&file.path).is_ok() {
            removed.push(file.name);
        }
    }
    Ok((path.display().to_string(), verified.size, verified.customers(), removed))
}

/// The notebook's folder name: backups of several notebooks can share a folder.
pub(crate) fn notebook_name(notebook: &Notebook) -> String {
    notebook.dir().file_name().map_or_else(|| "notebook".into(), |n| n.to_string_lossy().into_owned())
}
