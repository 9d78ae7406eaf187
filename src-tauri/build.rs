//! Declares the app's own commands in its manifest, so capabilities govern them like plugin
//! commands: a command not granted in `capabilities/` cannot be called from the webview.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(kehu_commands());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)).expect("tauri build script");
}

/// Every `#[tauri::command]` of `src/commands/`; a test checks this list against the handler.
fn kehu_commands() -> &'static [&'static str] {
    &include!("commands.list")
}
