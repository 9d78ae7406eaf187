//! The unlocked session: the open notebook (keys, connection, search index) behind one mutex,
//! when it was last used, and the path to locking it — by hand, after idle time, or when the
//! screen locks. Locking asks the UI for its unsaved edit first, keeps that edit encrypted in the
//! notebook, then drops the notebook, which drops every key and connection.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kehu::Notebook;
use tauri::{AppHandle, Emitter};

use crate::error::{IpcError, IpcResult};
use crate::settings::Settings;

/// Asked of the UI: save what is being edited, then call `lock`.
pub const EVENT_LOCK_REQUESTED: &str = "lock-requested";
/// Told to the UI: the session is locked (the UI was too slow to answer a lock request).
pub const EVENT_LOCKED: &str = "locked";
/// How long the UI has to hand over its draft before the session locks without it.
const LOCK_GRACE: Duration = Duration::from_secs(5);

pub struct Session {
    dir: PathBuf,
    settings_path: PathBuf,
    notebook: Mutex<Option<Notebook>>,
    state: Mutex<SessionState>,
}

struct SessionState {
    settings: Settings,
    last_activity: Instant,
    lock_requested: Option<Instant>,
    /// Overrides `auto_lock_minutes` (tests use seconds).
    idle_override: Option<Duration>,
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
            }),
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
        settings.validate().map_err(|m| IpcError::new(kehu::ErrorCode::Invalid, m))?;
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

    pub fn touch(&self) {
        self.state.lock().expect("session mutex").last_activity = Instant::now();
    }

    /// Keeps `draft` (the UI's unsaved edit) encrypted in the notebook, then closes it.
    pub fn lock(&self, draft: Option<&str>) -> IpcResult<()> {
        let notebook = self.notebook.lock().expect("notebook mutex").take();
        self.state.lock().expect("session mutex").lock_requested = None;
        let Some(mut notebook) = notebook else { return Ok(()) };
        let saved = draft.map(|d| notebook.save_draft(d));
        // Close even when the draft could not be saved: a session that cannot lock is worse.
        let closed = notebook.close();
        if let Some(Err(e)) = saved {
            tracing::error!("the unsaved edit could not be kept: {e}");
            return Err(e.into());
        }
        closed.map_err(Into::into)
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
            if let Err(e) = app.emit(EVENT_LOCK_REQUESTED, why) {
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
                if let Err(e) = self.lock(None) {
                    tracing::error!("lock: {e:?}");
                }
                let _ = app.emit(EVENT_LOCKED, ());
            }
            None if idle >= limit => self.request_lock(app, "idle"),
            _ => {}
        }
    }
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
        session.with(|nb| nb.add_customer(&kehu::store::NewCustomer::named("王芳")).map_err(Into::into)).unwrap();
        session.lock(Some(r#"{"kind":"note","customerId":1,"template":null,"body":"未保存的笔记"}"#)).unwrap();
        assert!(!session.is_unlocked());
        let err = session.with(|nb| Ok(nb.customer(1)?)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Locked);
        // The notebook lock is released: it opens again, with the draft waiting once.
        session.begin(Notebook::open(session.dir(), b"pw").unwrap());
        let draft = session.with(|nb| Ok(nb.take_draft()?)).unwrap().unwrap();
        assert!(draft.payload.contains("未保存的笔记"));
        assert_eq!(session.with(|nb| Ok(nb.take_draft()?)).unwrap(), None);
        session.lock(None).unwrap();
        session.lock(None).unwrap(); // locking twice is harmless
    }

    #[test]
    fn settings_are_validated_and_saved() {
        let (tmp, session) = session();
        let bad = Settings { auto_lock_minutes: 0, ..Settings::default() };
        assert_eq!(session.save_settings(bad).unwrap_err().code, ErrorCode::Invalid);
        let good = Settings { auto_lock_minutes: 3, ..Settings::default() };
        session.save_settings(good.clone()).unwrap();
        assert_eq!(Settings::load(&tmp.path().join("settings.json")), good);
        assert_eq!(session.settings(), good);
    }
}
