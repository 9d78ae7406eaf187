//! Commands of backups and handover: status and settings of automatic backups, backing up now
//! or to a chosen file, verifying, restoring on first run, the recovery sheet, and handing
//! customers over between notebooks. Each is one or two calls into `kehu::backup`.

use std::path::PathBuf;

use kehu::Notebook;
use kehu::backup::{
    self, BackupFile, BackupOptions, BackupStatus, HandoverSelection, ImportDecision, ImportPlan, ImportReport,
    Package, PackageInfo, Redaction,
};
use kehu::vault::KdfParams;
use serde::Serialize;
use tauri::{AppHandle, State};
use zeroize::Zeroizing;

use crate::error::{IpcError, IpcResult};
use crate::session::{self, Session};

/// What the backup settings show.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BackupOverview {
    pub last: Option<BackupStatus>,
    pub folder: String,
    pub password_set: bool,
    pub files: Vec<BackupFile>,
}

#[tauri::command(async)]
pub fn backup_overview(session: State<'_, Session>) -> IpcResult<BackupOverview> {
    let folder = session.settings().backup_folder();
    session.with(|nb| {
        Ok(BackupOverview {
            last: backup::backup_status(nb)?,
            folder: folder.display().to_string(),
            password_set: nb.has_backup_password()?,
            files: backup::list_backups(&folder, &backup::notebook_name(nb))?,
        })
    })
}

#[tauri::command(async)]
pub fn set_backup_password(session: State<'_, Session>, password: Option<Zeroizing<String>>) -> IpcResult<()> {
    session.with(|nb| nb.set_backup_password(password.as_deref().map(String::as_str)))
}

/// Backs up into the backup folder now (verified, rotated), whatever changed.
#[tauri::command(async)]
pub fn backup_now(app: AppHandle, session: State<'_, Session>) -> IpcResult<Option<BackupStatus>> {
    let settings = session.settings();
    session.with(|nb| {
        session::run_backup(nb, &settings, false, Some(&app))?;
        backup::backup_status(nb)
    })
}

/// Writes a backup to a file the user chose, with a password given for it.
#[tauri::command(async)]
pub fn export_backup(
    session: State<'_, Session>,
    path: PathBuf,
    password: Zeroizing<String>,
) -> IpcResult<PackageInfo> {
    session.with(|nb| backup::create(nb, &path, &password, BackupOptions::default()))
}

/// Decrypts a backup or handover package and checks it completely: what a restore would bring.
#[tauri::command(async)]
pub fn verify_backup(path: PathBuf, password: Zeroizing<String>) -> IpcResult<PackageInfo> {
    Ok(backup::verify(&path, &password)?)
}

/// First run: restores a backup as this app's notebook, and opens it.
#[tauri::command(async)]
pub fn restore_backup(
    app: AppHandle,
    session: State<'_, Session>,
    path: PathBuf,
    password: Zeroizing<String>,
    master_password: Zeroizing<String>,
) -> IpcResult<PackageInfo> {
    let info = backup::restore(&path, &password, session.dir(), &master_password, KdfParams::calibrated_default())?;
    let notebook = Notebook::open(session.dir(), master_password.as_bytes())?;
    session.begin(notebook);
    session::warm_up_search(app);
    Ok(info)
}

/// Writes the printable recovery sheet (HTML) where the user chose.
#[tauri::command(async)]
pub fn save_recovery_sheet(session: State<'_, Session>, path: PathBuf, lang: kehu::store::Lang) -> IpcResult<()> {
    let folder = session.settings().backup_folder();
    let html = session.with(|nb| {
        let last = backup::backup_status(nb)?;
        Ok(backup::recovery_sheet(lang, &backup::notebook_name(nb), &folder, last.as_ref()))
    })?;
    // The save dialog asked before replacing a file.
    kehu::files::save(&path, html.as_bytes(), kehu::files::Existing::Replace)
        .map_err(|e| IpcError::io(&format!("writing {}", path.display()), &e))
}

#[tauri::command(async)]
pub fn handover_export(
    session: State<'_, Session>,
    selection: HandoverSelection,
    redaction: Redaction,
    path: PathBuf,
    password: Zeroizing<String>,
) -> IpcResult<PackageInfo> {
    session.with(|nb| backup::export_handover(nb, &selection, &redaction, &path, &password, BackupOptions::default()))
}

/// Reads a handover package (or a backup) and says what importing it would do.
#[tauri::command(async)]
pub fn handover_plan(session: State<'_, Session>, path: PathBuf, password: Zeroizing<String>) -> IpcResult<ImportPlan> {
    let package = Package::open(&path, &password)?;
    session.with(|nb| backup::plan_import(nb, &package))
}

#[tauri::command(async)]
pub fn handover_import(
    session: State<'_, Session>,
    path: PathBuf,
    password: Zeroizing<String>,
    decisions: Vec<ImportDecision>,
) -> IpcResult<ImportReport> {
    let package = Package::open(&path, &password)?;
    session.with(|nb| backup::apply_import(nb, &package, &decisions))
}
