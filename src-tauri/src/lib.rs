//! kehu's desktop shell: a Tauri 2 app whose commands adapt the core API (`kehu`) for the web
//! front end in `ui/`, and which holds the unlocked session. No customer logic lives here.

mod clipboard;
pub mod commands;
mod error;
mod events;
mod reminders;
mod screen_lock;
mod session;
mod settings;

use std::path::PathBuf;
use std::time::Duration;

use tauri::Manager;

pub use error::IpcError;
pub use session::Session;
pub use settings::Settings;

/// The notebook the app opens: `KEHU_NOTEBOOK`, else the default one in the user's data folder.
fn notebook_dir() -> PathBuf {
    std::env::var_os("KEHU_NOTEBOOK")
        .map(PathBuf::from)
        .or_else(kehu::default_notebook_dir)
        .unwrap_or_else(|| PathBuf::from("kehu-notebook"))
}

/// `KEHU_AUTO_LOCK_SECONDS` overrides the settings' minutes (the end-to-end tests use seconds).
fn idle_override() -> Option<Duration> {
    std::env::var("KEHU_AUTO_LOCK_SECONDS").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs)
}

/// The one window. Incognito, so WebKit keeps nothing on disk (no cache, storage or cookies).
/// wry cannot put an incognito (ephemeral) WebKit context under WebDriver automation, so only
/// when a test driver starts the app (`TAURI_WEBVIEW_AUTOMATION=true`) is it a normal one; the
/// end-to-end canary test checks that even then nothing typed reaches the disk.
fn main_window(app: &tauri::App) -> tauri::Result<()> {
    let automated = std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true");
    let window = tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::default())
        .title("客户本 kehu")
        .inner_size(1280.0, 800.0)
        .min_inner_size(900.0, 600.0)
        .incognito(!automated)
        .disable_drag_drop_handler()
        .on_navigation(is_app_page)
        .on_new_window(|url, _| {
            tracing::warn!("refused to open a window at {}", url.scheme());
            tauri::webview::NewWindowResponse::Deny
        })
        .build()?;
    // Under WebDriver, WebKitWebDriver's clicks stall in this mode, so the end-to-end tests keep
    // WebKit's default; the benchmark asks for the users' mode with KEHU_GPU=0.
    #[cfg(target_os = "linux")]
    match std::env::var("KEHU_GPU").as_deref() {
        Ok("1") => {}
        Ok("0") => window.with_webview(paint_without_gpu_compositing)?,
        _ if automated => {}
        _ => window.with_webview(paint_without_gpu_compositing)?,
    }
    Ok(())
}

/// The navigation guard: the one window only ever shows kehu's own pages. A link in a note opens
/// in the user's browser after they confirm it (`open_link`); anything else that would replace
/// the window — a remote page that could imitate the lock screen — is refused.
fn is_app_page(url: &tauri::Url) -> bool {
    let allowed = match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    };
    if !allowed {
        tracing::warn!("refused to navigate the window away from kehu ({} link)", url.scheme());
    }
    allowed
}

/// kehu's pages are flat 2D documents; WebKitGTK's GPU compositing buys them nothing, and where
/// OpenGL is rendered in software (virtual machines, remote desktops, Xvfb) it costs ~60 ms per
/// repaint — every scrolled frame of the customer list. Painting directly keeps frames at the
/// display's rate there (measured under Xvfb: 63 ms → 16 ms). `KEHU_GPU=1` turns compositing back on.
#[cfg(target_os = "linux")]
#[allow(clippy::needless_pass_by_value)] // the shape `with_webview` calls
fn paint_without_gpu_compositing(webview: tauri::webview::PlatformWebview) {
    use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
    if let Some(settings) = webview.inner().settings() {
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
    }
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("KEHU_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = kehu::vault::harden_process() {
        tracing::warn!("cannot refuse core dumps: {e}");
    }
    let session = Session::new(notebook_dir(), settings::settings_path(), idle_override());
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(session)
        .manage(clipboard::SecretClipboard::default())
        .invoke_handler(commands::handler())
        .setup(|app| {
            main_window(app)?;
            session::spawn_idle_watcher(app.handle().clone());
            screen_lock::spawn_watchers(app.handle());
            reminders::spawn(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the desktop app starts")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                // Quitting locks: the index is flushed and every key dropped before exit.
                if let Err(e) = app.state::<Session>().lock(None, Some(app), true) {
                    tracing::error!("closing the notebook on exit: {e:?}");
                }
            }
        });
}
