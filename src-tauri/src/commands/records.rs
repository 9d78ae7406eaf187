//! Commands over a customer's records: notes (and their safe rendering), interactions, tasks,
//! complaints, credentials (revealed or copied, never listed with passwords), attachments
//! (bytes travel as raw IPC bodies, not JSON), and the access log.

use std::path::PathBuf;
use std::time::Duration;

use kehu::ErrorCode;
use kehu::store::{AccessLogEntry, ComplaintStatus, NewInteraction, NewNote, NewTask, Secret};
use tauri::State;
use tauri::ipc::{InvokeBody, Request, Response};
use zeroize::Zeroizing;

use crate::clipboard::SecretClipboard;
use crate::error::{IpcError, IpcResult};
use crate::session::Session;

#[tauri::command(async)]
pub fn add_note(session: State<'_, Session>, note: NewNote) -> IpcResult<i64> {
    session.with(|nb| nb.add_note(&note))
}

/// Note markdown as sanitised HTML (see `kehu::markdown`).
#[tauri::command]
pub fn render_markdown(markdown: String) -> String {
    kehu::markdown::render(&markdown)
}

/// Opens a link from a note in the user's browser (or mail or phone app), once they confirmed it.
#[tauri::command]
pub fn open_link(app: tauri::AppHandle, url: String) -> IpcResult<()> {
    use tauri_plugin_opener::OpenerExt;
    let url = kehu::markdown::external_link(&url)?;
    app.opener().open_url(url, None::<&str>).map_err(|e| kehu::Error::Invalid(format!("cannot open the link: {e}")))?;
    Ok(())
}

#[tauri::command(async)]
pub fn add_interaction(session: State<'_, Session>, interaction: NewInteraction) -> IpcResult<i64> {
    session.with(|nb| nb.add_interaction(&interaction))
}

#[tauri::command(async)]
pub fn add_task(session: State<'_, Session>, task: NewTask) -> IpcResult<i64> {
    session.with(|nb| nb.add_task(&task))
}

#[tauri::command(async)]
pub fn complete_task(session: State<'_, Session>, id: i64) -> IpcResult<()> {
    session.with(|nb| nb.complete_task(id))
}

#[tauri::command(async)]
pub fn add_complaint(
    session: State<'_, Session>,
    customer_id: i64,
    title: String,
    detail: Option<String>,
) -> IpcResult<i64> {
    session.with(|nb| nb.add_complaint(customer_id, &title, detail.as_deref()))
}

#[tauri::command(async)]
pub fn set_complaint_status(session: State<'_, Session>, id: i64, status: ComplaintStatus) -> IpcResult<()> {
    session.with(|nb| nb.set_complaint_status(id, status))
}

#[tauri::command(async)]
pub fn add_secret(
    session: State<'_, Session>,
    customer_id: i64,
    label: String,
    username: Option<String>,
    url: Option<String>,
    password: Zeroizing<String>,
) -> IpcResult<i64> {
    session.with(|nb| {
        nb.add_secret(&kehu::store::NewSecret {
            customer_id,
            label: &label,
            username: username.as_deref(),
            url: url.as_deref(),
            password: &password,
        })
    })
}

/// Shows a credential's password (logged in the access log).
#[tauri::command(async)]
pub fn reveal_secret(session: State<'_, Session>, id: i64) -> IpcResult<Secret> {
    session.with(|nb| nb.reveal_secret(id))
}

/// Puts a credential's password on the clipboard without it passing through the page.
#[tauri::command(async)]
pub fn copy_secret(session: State<'_, Session>, clipboard: State<'_, SecretClipboard>, id: i64) -> IpcResult<u64> {
    let secret = session.with(|nb| nb.reveal_secret(id))?;
    let clear_after = clipboard_clear_delay();
    clipboard
        .copy(secret.password, clear_after)
        .map_err(|e| IpcError::new(ErrorCode::Io, format!("the clipboard is not available: {e}")))?;
    Ok(clear_after.as_secs())
}

/// 20 s; `KEHU_CLIPBOARD_CLEAR_SECONDS` shortens it for the end-to-end tests.
fn clipboard_clear_delay() -> Duration {
    let seconds = std::env::var("KEHU_CLIPBOARD_CLEAR_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    Duration::from_secs(seconds)
}

/// Adds a file: the body is its bytes; headers `x-customer-id` and `x-file-name` (URI-encoded).
#[tauri::command(async)]
pub fn add_attachment(session: State<'_, Session>, request: Request<'_>) -> IpcResult<i64> {
    let invalid = |m: &str| IpcError::new(ErrorCode::Invalid, m);
    let InvokeBody::Raw(data) = request.body() else { return Err(invalid("an attachment is sent as raw bytes")) };
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    let customer_id: i64 =
        header("x-customer-id").and_then(|v| v.parse().ok()).ok_or_else(|| invalid("no customer for the file"))?;
    let name = header("x-file-name")
        .and_then(|v| percent_encoding::percent_decode_str(v).decode_utf8().ok())
        .ok_or_else(|| invalid("the file has no name"))?;
    let mime = kehu::store::guess_mime(&name);
    session.with(|nb| nb.add_attachment(customer_id, &name, &mime, data))
}

/// An attachment's bytes, as a raw IPC response, to show in the app.
#[tauri::command(async)]
pub fn attachment_data(session: State<'_, Session>, id: i64) -> IpcResult<Response> {
    let (_, data) = session.with(|nb| nb.attachment_data(id))?;
    Ok(Response::new(data))
}

/// Writes an attachment where the user chose in the save dialog: a plaintext copy they asked for.
#[tauri::command(async)]
pub fn save_attachment(session: State<'_, Session>, id: i64, path: PathBuf) -> IpcResult<()> {
    let (_, data) = session.with(|nb| nb.attachment_data(id))?;
    // The save dialog asked before replacing a file.
    kehu::files::save(&path, &data, kehu::files::Existing::Replace)
        .map_err(|e| IpcError::io(&format!("writing {}", path.display()), &e))
}

#[tauri::command(async)]
pub fn access_log(session: State<'_, Session>, limit: usize) -> IpcResult<Vec<AccessLogEntry>> {
    session.with(|nb| nb.access_log(limit))
}

/// Checks the open notebook: its database, the values it cannot read, changes lost after a
/// crash, and the access log's chain.
#[tauri::command(async)]
pub fn check_notebook(session: State<'_, Session>) -> IpcResult<kehu::NotebookCheck> {
    session.with(|nb| nb.check_all())
}

/// Replaces the values that do not read and acknowledges the losses found.
#[tauri::command(async)]
pub fn repair_notebook(session: State<'_, Session>) -> IpcResult<kehu::NotebookRepair> {
    session.with(kehu::Notebook::repair)
}
