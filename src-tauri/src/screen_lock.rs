//! Locks the notebook when the desktop locks its screen. Listens on D-Bus for the freedesktop
//! and GNOME screensavers' `ActiveChanged(true)` (session bus) and logind's `Lock` for this
//! session (system bus). Without a bus (a bare X server) there is nothing to listen to, and the
//! idle timer still locks.

use tauri::{AppHandle, Manager};
use zbus::blocking::{Connection, MessageIterator};
use zbus::{MatchRule, message::Type};

use crate::session::Session;

pub fn spawn_watchers(app: &AppHandle) {
    for interface in ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"] {
        let app = app.clone();
        spawn(move || watch_screensaver(&app, interface));
    }
    let app = app.clone();
    spawn(move || watch_logind(&app));
}

fn spawn(f: impl FnOnce() -> zbus::Result<()> + Send + 'static) {
    std::thread::Builder::new()
        .name("kehu-screen-lock".into())
        .spawn(move || {
            if let Err(e) = f() {
                tracing::info!("screen-lock signal unavailable: {e}");
            }
        })
        .expect("spawn screen-lock watcher");
}

fn lock_if_enabled(app: &AppHandle, why: &str) {
    let session = app.state::<Session>();
    if session.settings().lock_on_screen_lock {
        session.request_lock(app, why);
    }
}

fn watch_screensaver(app: &AppHandle, interface: &'static str) -> zbus::Result<()> {
    let bus = Connection::session()?;
    let rule = MatchRule::builder().msg_type(Type::Signal).interface(interface)?.member("ActiveChanged")?.build();
    for message in MessageIterator::for_match_rule(rule, &bus, None)? {
        if message?.body().deserialize::<bool>()? {
            lock_if_enabled(app, "screen locked");
        }
    }
    Ok(())
}

fn watch_logind(app: &AppHandle) -> zbus::Result<()> {
    let bus = Connection::system()?;
    let reply = bus.call_method(
        Some("org.freedesktop.login1"),
        "/org/freedesktop/login1",
        Some("org.freedesktop.login1.Manager"),
        "GetSessionByPID",
        &(std::process::id()),
    )?;
    let path: zbus::zvariant::OwnedObjectPath = reply.body().deserialize()?;
    let rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .interface("org.freedesktop.login1.Session")?
        .member("Lock")?
        .path(path)?
        .build();
    for message in MessageIterator::for_match_rule(rule, &bus, None)? {
        message?;
        lock_if_enabled(app, "session locked");
    }
    Ok(())
}
