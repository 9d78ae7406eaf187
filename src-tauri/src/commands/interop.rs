//! Commands of importing, exporting and data quality: a file's import preview and the import
//! itself, exports, saved column mappings, the quality report and merging two customers. Long
//! imports and exports report progress as `progress` events. Each is a call into `kehu::interop`
//! or `kehu::quality`.

use std::path::PathBuf;

use kehu::interop::{
    self, ExportOptions, ExportReport, ImportOptions, ImportOutcome, ImportPreview, Mapping, RowDecision,
};
use kehu::quality::QualityReport;
use kehu::store::MergeOutcome;
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

use crate::error::{IpcError, IpcResult};
use crate::events::HostEvent;
use crate::session::Session;

/// How far a long import or export is.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Progress {
    /// `import` or `export`.
    pub task: String,
    pub done: usize,
    pub total: usize,
}

/// Emits progress at most every 1 % (and at the end), so a 100 000-row import sends ~100.
fn reporter(app: &AppHandle, task: &'static str) -> impl FnMut(usize, usize) + use<> {
    let app = app.clone();
    let mut last = usize::MAX;
    move |done, total| {
        let step = (total / 100).max(1);
        if done / step != last || done == total {
            last = done / step;
            let _ = app.emit(&HostEvent::Progress.name(), Progress { task: task.into(), done, total });
        }
    }
}

#[tauri::command(async)]
pub fn import_preview(session: State<'_, Session>, path: PathBuf, options: ImportOptions) -> IpcResult<ImportPreview> {
    session.with(|nb| interop::preview_import(nb, &path, &options))
}

#[tauri::command(async)]
pub fn import_run(
    app: AppHandle,
    session: State<'_, Session>,
    path: PathBuf,
    options: ImportOptions,
    decisions: Vec<RowDecision>,
) -> IpcResult<ImportOutcome> {
    let mut progress = reporter(&app, "import");
    session.with(|nb| interop::import_file(nb, &path, &options, &decisions, &mut progress))
}

#[tauri::command(async)]
pub fn export_customers(
    app: AppHandle,
    session: State<'_, Session>,
    path: PathBuf,
    options: ExportOptions,
) -> IpcResult<ExportReport> {
    let mut progress = reporter(&app, "export");
    session.with(|nb| interop::export(nb, &path, &options, &mut progress))
}

/// The names of the saved import mappings.
#[tauri::command(async)]
pub fn import_mappings(session: State<'_, Session>) -> IpcResult<Vec<String>> {
    session.with(|nb| nb.import_mapping_names())
}

#[tauri::command(async)]
pub fn import_mapping(session: State<'_, Session>, name: String) -> IpcResult<Mapping> {
    let json = session.with(|nb| nb.import_mapping(&name))?;
    let json = json.ok_or_else(|| IpcError::from(kehu::Error::from(interop::InteropError::UnknownMapping(name))))?;
    serde_json::from_str(&json).map_err(|e| IpcError::new(kehu::ErrorCode::Corrupt, e.to_string()))
}

#[tauri::command(async)]
pub fn save_import_mapping(session: State<'_, Session>, name: String, mapping: Mapping) -> IpcResult<()> {
    let json = serde_json::to_string(&mapping).map_err(|e| IpcError::new(kehu::ErrorCode::Internal, e.to_string()))?;
    session.with(|nb| nb.set_import_mapping(&name, Some(&json)))
}

#[tauri::command(async)]
pub fn quality_report(session: State<'_, Session>, threshold: u8) -> IpcResult<QualityReport> {
    session.with(|nb| nb.quality_report(threshold))
}

#[tauri::command(async)]
pub fn merge_customers(session: State<'_, Session>, keep: i64, other: i64) -> IpcResult<MergeOutcome> {
    session.with(|nb| nb.merge_customers(keep, other))
}
