//! The app's preferences — language, auto-lock, lock with the screen — in a small JSON file in
//! the user's config folder. They hold no customer data, and the lock screen needs the language
//! before anything is unlocked, so they live outside the notebook.

use std::path::{Path, PathBuf};

use kehu::store::{Lang, ValueProblem};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct Settings {
    /// The UI language; `None` follows the operating system's locale.
    pub language: Option<Lang>,
    /// Minutes without use before the notebook locks itself.
    pub auto_lock_minutes: u32,
    /// Lock when the desktop's screen locks (logind or the screensaver says so).
    pub lock_on_screen_lock: bool,
    /// Back up automatically on lock, on quit and daily while open.
    pub auto_backup: bool,
    /// Where backups go; `None` is the data folder's `backups`.
    pub backup_folder: Option<String>,
    /// Backups kept besides one per month.
    pub backup_keep: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            language: None,
            auto_lock_minutes: 10,
            lock_on_screen_lock: true,
            auto_backup: true,
            backup_folder: None,
            backup_keep: 10,
        }
    }
}

pub const MAX_BACKUP_KEEP: u32 = 365;

pub const MAX_AUTO_LOCK_MINUTES: u32 = 240;

impl Settings {
    pub fn validate(&self) -> kehu::Result<()> {
        let range = |max| ValueProblem::OutOfRange { min: 1, max };
        if !(1..=MAX_AUTO_LOCK_MINUTES).contains(&self.auto_lock_minutes) {
            return Err(kehu::Error::bad_value("auto-lock minutes", range(MAX_AUTO_LOCK_MINUTES)));
        }
        if !(1..=MAX_BACKUP_KEEP).contains(&self.backup_keep) {
            return Err(kehu::Error::bad_value("backups kept", range(MAX_BACKUP_KEEP)));
        }
        if self.backup_folder.as_deref().is_some_and(|f| !Path::new(f).is_absolute()) {
            return Err(kehu::Error::bad_value("backup folder", ValueProblem::NotAFullPath));
        }
        Ok(())
    }

    /// The backup folder in effect.
    pub fn backup_folder(&self) -> PathBuf {
        match &self.backup_folder {
            Some(folder) => PathBuf::from(folder),
            None => kehu::backup::default_backup_folder().unwrap_or_else(|| PathBuf::from("kehu-backups")),
        }
    }

    /// Reads the settings; a missing or unreadable file gives the defaults (and says why in the log).
    pub fn load(path: &Path) -> Settings {
        match kehu::limits::read_file(path, kehu::limits::MAX_SMALL_FILE_BYTES) {
            Ok(bytes) => {
                serde_json::from_slice::<Settings>(&bytes).ok().filter(|s| s.validate().is_ok()).unwrap_or_else(|| {
                    tracing::warn!("settings file {} is not valid; using defaults", path.display());
                    Settings::default()
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(e) => {
                tracing::warn!("cannot read {}: {e}; using defaults", path.display());
                Settings::default()
            }
        }
    }

    /// Writes the settings atomically (beside the file, fsync, rename: `kehu::files::save`).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        kehu::files::save(path, &json, kehu::files::Existing::Replace)
    }
}

/// `$XDG_CONFIG_HOME/kehu/settings.json`.
pub fn settings_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "kehu")
        .map_or_else(|| PathBuf::from(".kehu-settings.json"), |d| d.config_dir().join("settings.json"))
}

/// The operating system's language, as the app would follow it.
pub fn os_language() -> Lang {
    sys_locale::get_locale().map_or(Lang::ZhCn, |l| Lang::from_locale(&l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_bad_files_give_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kehu").join("settings.json");
        assert_eq!(Settings::load(&path), Settings::default());
        let s = Settings {
            language: Some(Lang::En),
            auto_lock_minutes: 3,
            lock_on_screen_lock: false,
            ..Settings::default()
        };
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path), s);
        std::fs::write(&path, b"{\"auto_lock_minutes\": 0}").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
        assert!(Settings { auto_lock_minutes: 241, ..Settings::default() }.validate().is_err());
    }
}
