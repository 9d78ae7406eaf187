//! Commands of the session: first-run creation, unlock, lock, the draft kept across a lock,
//! the master password, and the app's settings.

use kehu::Notebook;
use kehu::store::{Draft, Vocabulary};
use kehu::vault::{KdfParams, PasswordStrength};
use serde::Serialize;
use tauri::{AppHandle, State};
use zeroize::Zeroizing;

use crate::error::IpcResult;
use crate::session::{self, Session};
use crate::settings::{Settings, os_language};

/// What the UI needs to know before anything is unlocked.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AppState {
    pub notebook_dir: String,
    pub notebook_exists: bool,
    pub unlocked: bool,
    pub settings: Settings,
    pub os_language: kehu::store::Lang,
}

#[tauri::command]
pub fn app_state(session: State<'_, Session>) -> AppState {
    AppState {
        notebook_dir: session.dir().display().to_string(),
        notebook_exists: session.dir().join(kehu::vault::HEADER_FILE).exists(),
        unlocked: session.is_unlocked(),
        settings: session.settings(),
        os_language: os_language(),
    }
}

#[tauri::command]
pub fn password_strength(password: Zeroizing<String>) -> PasswordStrength {
    kehu::vault::password_strength(&password)
}

#[tauri::command(async)]
pub fn create_notebook(session: State<'_, Session>, password: Zeroizing<String>) -> IpcResult<()> {
    let notebook = Notebook::create_for_person(session.dir(), &password, KdfParams::calibrated_default())?;
    session.begin(notebook);
    Ok(())
}

#[tauri::command(async)]
pub fn unlock(app: AppHandle, session: State<'_, Session>, password: Zeroizing<String>) -> IpcResult<()> {
    if session.is_unlocked() {
        return Ok(());
    }
    session.wait_closed();
    let notebook = Notebook::open(session.dir(), password.as_bytes())?;
    session.begin(notebook);
    session::warm_up_search(app);
    Ok(())
}

/// Locks; `draft` is the editor's unsaved work, kept encrypted until the next unlock.
#[tauri::command(async)]
pub fn lock(app: AppHandle, session: State<'_, Session>, draft: Option<String>) -> IpcResult<()> {
    session.lock(draft.as_deref(), Some(&app), false)
}

#[tauri::command]
pub fn session_activity(session: State<'_, Session>) {
    session.touch();
}

#[tauri::command]
pub fn take_draft(session: State<'_, Session>) -> IpcResult<Option<Draft>> {
    session.with(kehu::Notebook::take_draft)
}

#[tauri::command(async)]
pub fn change_password(
    session: State<'_, Session>,
    current: Zeroizing<String>,
    new: Zeroizing<String>,
) -> IpcResult<()> {
    session.with(|nb| {
        nb.verify_password(current.as_bytes())?;
        nb.change_master_password(&new, KdfParams::calibrated_default())
    })
}

#[tauri::command]
pub fn save_settings(session: State<'_, Session>, settings: Settings) -> IpcResult<()> {
    session.save_settings(settings)
}

#[tauri::command]
pub fn vocabulary() -> Vocabulary {
    kehu::store::vocabulary()
}
