//! The unlocked session: the open notebook (keys, connection, search index) behind one mutex,
//! when it was last used, and the path to locking it — by hand, after idle time, or when the
//! screen locks. Locking asks the UI for its unsaved edit first, keeps that edit encrypted in the
//! notebook, then drops the notebook, which drops every key and connection. Automatic backups
//! ride on the same path: on lock and quit (the notebook is taken out of the session at once,
//! backed up and closed on a thread of its own, so the lock screen never waits) and daily.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kehu::Notebook;
use tauri::{AppHandle, Emitter};

use crate::error::{IpcError, IpcResult};
use crate::events::HostEvent;
use crate::settings::Settings;

/// How often the daily automatic backup is looked at.
const BACKUP_CHECK_EVERY: Duration = Duration::from_secs(60);
/// How long the UI has to hand over its draft before the session locks without it.
const LOCK_GRACE: Duration = Duration::from_secs(5);

pub struct Session {
    dir: PathBuf,
    settings_path: PathBuf,
    notebook: Mutex<Option<Notebook>>,
    state: Mutex<SessionState>,
    /// A locked notebook still being backed up and closed; unlocking waits for it.
    closing: Mutex<Option<JoinHandle<()>>>,
}

struct SessionState {
    settings: Settings,
    last_activity: Instant,
    lock_requested: Option<Instant>,
    /// Overrides `auto_lock_minutes` (tests use seconds).
    idle_override: Option<Duration>,
    last_backup_check: Instant,
}

impl Session {
    pub fn new(dir: PathBuf, settings_path: PathBuf, idle_override: Option<Duration>) -> Session {
        let settings = Settings::load(&settings_path);
        Session {
            dir,
            settings_path,
            notebook: Mutex::new(None),
            state: Mutex::new(SessionState {
                settings,
                last_activity: Instant::now(),
                lock_requested: None,
                idle_override,
                last_backup_check: Instant::now(),
            }),
            closing: Mutex::new(None),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn is_unlocked(&self) -> bool {
        self.notebook.lock().expect("notebook mutex").is_some()
    }

    pub fn settings(&self) -> Settings {
        self.state.lock().expect("session mutex").settings.clone()
    }

    pub fn save_settings(&self, settings: Settings) -> IpcResult<()> {
        settings.validate()?;
        settings.save(&self.settings_path).map_err(|e| IpcError::io("saving settings", &e))?;
        self.state.lock().expect("session mutex").settings = settings;
        Ok(())
    }

    /// Puts an opened notebook in the session.
    pub fn begin(&self, notebook: Notebook) {
        *self.notebook.lock().expect("notebook mutex") = Some(notebook);
        let mut state = self.state.lock().expect("session mutex");
        state.last_activity = Instant::now();
        state.lock_requested = None;
    }

    /// Runs `f` on the open notebook; counts as use of the app.
    pub fn with<T>(&self, f: impl FnOnce(&mut Notebook) -> kehu::Result<T>) -> IpcResult<T> {
        let mut guard = self.notebook.lock().expect("notebook mutex");
        let notebook = guard.as_mut().ok_or_else(IpcError::locked)?;
        let value = f(notebook)?;
        drop(guard);
        self.touch();
        Ok(value)
    }

    /// Runs `f` on the open notebook, if one is open, without counting as use (background
    /// work must not keep the notebook from locking itself).
    pub fn quietly<T>(&self, f: impl FnOnce(&mut Notebook) -> kehu::Result<T>) -> Option<kehu::Result<T>> {
        let mut guard = self.notebook.lock().expect("notebook mutex");
        guard.as_mut().map(f)
    }

    pub fn touch(&self) {
        self.state.lock().expect("session mutex").last_activity = Instant::now();
    }

    /// Waits until a notebook locked a moment ago is backed up and closed (it holds the
    /// notebook's file lock until then).
    pub fn wait_closed(&self) {
        if let Some(closing) = self.closing.lock().expect("closing mutex").take() {
            let _ = closing.join();
        }
    }

    /// Keeps `draft` (the UI's unsaved edit) encrypted in the notebook, then backs it up (when
    /// automatic backups are on) and closes it — on a thread of its own with an `app` to tell
    /// about the backup, inline without one or when `wait`ing (quitting).
    pub fn lock(&self, draft: Option<&str>, app: Option<&AppHandle>, wait: bool) -> IpcResult<()> {
        let notebook = self.notebook.lock().expect("notebook mutex").take();
        self.state.lock().expect("session mutex").lock_requested = None;
        let Some(mut notebook) = notebook else {
            if wait {
                self.wait_closed();
            }
            return Ok(());
        };
        let saved = draft.map(|d| notebook.save_draft(d));
        let settings = self.settings();
        // Without an app (tests) there is no one to tell, and nothing to keep responsive.
        let inline = wait || app.is_none();
        let app = app.cloned();
        let close = move || {
            if settings.auto_backup {
                let _ = run_backup(&mut notebook, &settings, true, app.as_ref());
            }
            // Close even when the draft could not be saved: a session that cannot lock is worse.
            if let Err(e) = notebook.close() {
                tracing::error!("closing the notebook: {e}");
            }
        };
        self.wait_closed();
        if inline {
            close();
        } else {
            let handle = std::thread::Builder::new()
                .name("kehu-close".into())
                .spawn(close)
                .map_err(|e| IpcError::io("closing the notebook", &e))?;
            *self.closing.lock().expect("closing mutex") = Some(handle);
        }
        if let Some(Err(e)) = saved {
            tracing::error!("the unsaved edit could not be kept: {e}");
            return Err(e.into());
        }
        Ok(())
    }

    /// Asks the UI to hand over its draft and lock; the watcher locks anyway after a grace period.
    pub fn request_lock(&self, app: &AppHandle, why: &str) {
        if !self.is_unlocked() {
            return;
        }
        let mut state = self.state.lock().expect("session mutex");
        if state.lock_requested.is_none() {
            tracing::info!("locking: {why}");
            state.lock_requested = Some(Instant::now());
            drop(state);
            if let Err(e) = app.emit(&HostEvent::LockRequested.name(), why) {
                tracing::warn!("cannot ask the UI to lock: {e}");
            }
        }
    }

    /// One tick of the idle watcher: asks for a lock after idle time, forces it after the grace.
    pub fn tick(&self, app: &AppHandle) {
        if !self.is_unlocked() {
            return;
        }
        let (idle, limit, requested) = {
            let state = self.state.lock().expect("session mutex");
            let limit = state
                .idle_override
                .unwrap_or_else(|| Duration::from_secs(u64::from(state.settings.auto_lock_minutes) * 60));
            (state.last_activity.elapsed(), limit, state.lock_requested)
        };
        match requested {
            Some(at) if at.elapsed() > LOCK_GRACE => {
                tracing::warn!("the UI did not answer the lock request; locking without its draft");
                if let Err(e) = self.lock(None, Some(app), false) {
                    tracing::error!("lock: {e:?}");
                }
                let _ = app.emit(&HostEvent::Locked.name(), ());
            }
            None if idle >= limit => self.request_lock(app, "idle"),
            _ => self.daily_backup(app),
        }
    }

    /// Writes the daily automatic backup when it is due (looked at once a minute).
    fn daily_backup(&self, app: &AppHandle) {
        let settings = {
            let mut state = self.state.lock().expect("session mutex");
            if state.last_backup_check.elapsed() < BACKUP_CHECK_EVERY {
                return;
            }
            state.last_backup_check = Instant::now();
            state.settings.clone()
        };
        if !settings.auto_backup {
            return;
        }
        let mut guard = self.notebook.lock().expect("notebook mutex");
        if let Some(notebook) = guard.as_mut()
            && kehu::backup::automatic_backup_due(notebook, kehu::clock::now()).unwrap_or(false)
        {
            let _ = run_backup(notebook, &settings, true, Some(app));
        }
    }
}

/// Backs the notebook up into the settings' folder, and tells the UI how it went.
pub fn run_backup(
    notebook: &mut Notebook,
    settings: &Settings,
    automatic: bool,
    app: Option<&AppHandle>,
) -> kehu::Result<kehu::backup::AutoBackupOutcome> {
    let outcome = kehu::backup::auto_backup(
        notebook,
        &settings.backup_folder(),
        settings.backup_keep as usize,
        automatic,
        kehu::backup::BackupOptions::default(),
    );
    match &outcome {
        Err(e) => tracing::error!("backup failed: {e}"),
        Ok(kehu::backup::AutoBackupOutcome::Written(status)) => {
            tracing::info!("backed up to {}", status.file.as_deref().unwrap_or_default());
        }
        Ok(_) => return outcome,
    }
    if let Some(app) = app
        && let Ok(Some(status)) = kehu::backup::backup_status(notebook)
    {
        let _ = app.emit(&HostEvent::Backup.name(), status);
    }
    outcome
}

/// Warms the search index in the background once the first screen has had its data, so the
/// first keystroke in the palette does not pay for decrypting the index's dictionaries.
pub fn warm_up_search(app: AppHandle) {
    std::thread::Builder::new()
        .name("kehu-warm-up".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let session = tauri::Manager::state::<Session>(&app);
            let mut guard = session.notebook.lock().expect("notebook mutex");
            // Not `with`: warming is not the user's activity and must not hold off auto-lock.
            if let Some(notebook) = guard.as_mut()
                && let Err(e) = notebook.warm_up_search()
            {
                tracing::warn!("warming the search index: {e}");
            }
        })
        .expect("spawn warm-up");
}

/// Checks idle time once a second for the life of the app.
pub fn spawn_idle_watcher(app: AppHandle) {
    std::thread::Builder::new()
        .name("kehu-idle".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let session = tauri::Manager::state::<Session>(&app);
                session.tick(&app);
            }
        })
        .expect("spawn idle watcher");
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu::ErrorCode;
    use kehu::vault::KdfParams;

    fn session() -> (tempfile::TempDir, Session) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nb");
        let session = Session::new(dir.clone(), tmp.path().join("settings.json"), None);
        session.begin(Notebook::create(&dir, b"pw", KdfParams::INSECURE_FOR_TESTS).unwrap());
        (tmp, session)
    }

    #[test]
    fn locking_drops_the_notebook_and_keeps_the_draft_for_the_next_unlock() {
        let (_tmp, session) = session();
        assert!(session.is_unlocked());
        session.with(|nb| nb.add_customer(&kehu::store::NewCustomer::named("王芳"))).unwrap();
        session
            .lock(Some(r#"{"kind":"note","customerId":1,"template":null,"body":"未保存的笔记"}"#), None, false)
            .unwrap();
        assert!(!session.is_unlocked());
        let err = session.with(|nb| nb.customer(1)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Locked);
        // The notebook lock is released: it opens again, with the draft waiting once.
        session.begin(Notebook::open(session.dir(), b"pw").unwrap());
        let draft = session.with(kehu::Notebook::take_draft).unwrap().unwrap();
        assert!(draft.payload.contains("未保存的笔记"));
        assert_eq!(session.with(kehu::Notebook::take_draft).unwrap(), None);
        session.lock(None, None, false).unwrap();
        session.lock(None, None, true).unwrap(); // locking twice is harmless
    }

    #[test]
    fn settings_are_validated_and_saved() {
        let (tmp, session) = session();
        let bad = Settings { auto_lock_minutes: 0, ..Settings::default() };
        let err = session.save_settings(bad).unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid);
        let problem = kehu::store::ValueProblem::OutOfRange { min: 1, max: crate::settings::MAX_AUTO_LOCK_MINUTES };
        assert_eq!(err.detail, Some(kehu::ErrorDetail::Invalid { problem }), "said in the UI's language");
        let good = Settings { auto_lock_minutes: 3, ..Settings::default() };
        session.save_settings(good.clone()).unwrap();
        assert_eq!(Settings::load(&tmp.path().join("settings.json")), good);
        assert_eq!(session.settings(), good);
    }
}
