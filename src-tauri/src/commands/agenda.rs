//! Commands of the Today screen and the dashboard: the agenda, tasks snoozed, customers marked
//! reviewed, the review policy, the report and its charts saved as PNG or CSV.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use kehu::ErrorCode;
use kehu::agenda::Agenda;
use kehu::clock::Today;
use kehu::report::{Chart, Report, chart_csv, save_chart_file};
use kehu::store::{Lang, ReviewPolicy};
use tauri::State;
use tauri::ipc::{InvokeBody, Request};

use crate::error::{IpcError, IpcResult};
use crate::session::Session;

#[tauri::command(async)]
pub fn agenda(session: State<'_, Session>, days: u32) -> IpcResult<Agenda> {
    session.with(|nb| nb.agenda(&Today::local(), days))
}

#[tauri::command(async)]
pub fn snooze_task(session: State<'_, Session>, id: i64, until: DateTime<Utc>) -> IpcResult<()> {
    session.with(|nb| nb.snooze_task(id, until))
}

#[tauri::command(async)]
pub fn mark_reviewed(session: State<'_, Session>, customer_id: i64) -> IpcResult<()> {
    session.with(|nb| nb.mark_reviewed(customer_id))
}

#[tauri::command(async)]
pub fn review_policy(session: State<'_, Session>) -> IpcResult<ReviewPolicy> {
    session.with(|nb| nb.review_policy())
}

#[tauri::command(async)]
pub fn set_review_policy(session: State<'_, Session>, policy: ReviewPolicy) -> IpcResult<()> {
    session.with(|nb| nb.set_review_policy(&policy))
}

#[tauri::command(async)]
pub fn report(session: State<'_, Session>, lang: Lang) -> IpcResult<Report> {
    session.with(|nb| nb.report(&Today::local(), lang))
}

/// Writes one chart's data as CSV where the user chose.
#[tauri::command(async)]
pub fn save_chart_csv(session: State<'_, Session>, chart: Chart, lang: Lang, path: PathBuf) -> IpcResult<()> {
    let report = session.with(|nb| nb.report(&Today::local(), lang))?;
    Ok(save_chart_file(&path, chart_csv(&report, chart).as_bytes())?)
}

/// Writes a chart's picture where the user chose: the body is the PNG the webview drew;
/// header `x-path` (URI-encoded) is the file.
#[tauri::command(async)]
pub fn save_chart_png(request: Request<'_>) -> IpcResult<()> {
    let invalid = |m: &str| IpcError::new(ErrorCode::Invalid, m);
    let InvokeBody::Raw(data) = request.body() else { return Err(invalid("a picture is sent as raw bytes")) };
    if !data.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(invalid("not a PNG picture"));
    }
    let path = request
        .headers()
        .get("x-path")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| percent_encoding::percent_decode_str(v).decode_utf8().ok())
        .ok_or_else(|| invalid("no file to save the picture in"))?;
    Ok(save_chart_file(std::path::Path::new(path.as_ref()), data)?)
}
