//! A notebook is a folder: the plaintext header, the SQLCipher database, and a lock file that
//! keeps a second process out. `Notebook` is an unlocked one — the store, the search index, the
//! keys and the lock — and the core's one front door: this file opens, checks and closes it; its
//! submodules hold what an adapter calls, one capability each.

mod customers;
mod insight;
mod inspect;
mod records;
mod search;
mod settings;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::search::SearchIndex;
use crate::store::wal_guard;
use crate::store::{AccessEvent, LostWrites, RefusedValue, Store};
use crate::vault::{DataKey, HEADER_FILE, Header, KdfParams, VaultError};
use crate::{Error, Result};

pub const DB_FILE: &str = "notebook.db";
pub const LOCK_FILE: &str = "kehu.lock";
pub const INDEX_DIR: &str = "index";

/// What checking an open notebook found: empty everywhere when it is sound.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NotebookCheck {
    /// Nothing found below: what a screen says first.
    pub sound: bool,
    /// Something below [`Notebook::repair`] mends (unreadable values, losses to acknowledge).
    pub repairable: bool,
    /// The database's own checks: page authentication, structure, references.
    pub database: Vec<String>,
    /// Stored values its readers cannot read (read meanwhile as the Unix epoch, or absent);
    /// [`Notebook::repair`] replaces them.
    pub unreadable: Vec<RefusedValue>,
    /// Committed changes found lost with the write-ahead log after a crash;
    /// [`Notebook::repair`] acknowledges them (only a backup brings them back).
    pub lost: Vec<LostWrites>,
    /// The first access-log entry whose hash does not follow from the one before.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub access_log_broken_at: Option<i64>,
}

/// What [`Notebook::repair`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct NotebookRepair {
    /// The unreadable values replaced (a required time by the record's creation time, an
    /// optional one by none).
    pub repaired: Vec<RefusedValue>,
    /// The losses acknowledged.
    pub acknowledged: Vec<LostWrites>,
}

/// An unlocked notebook. Dropping it closes the database and wipes the keys.
pub struct Notebook {
    dir: PathBuf,
    // Field order matters: the index and the store close before the lock is released.
    search: SearchIndex,
    store: Store,
    data_key: DataKey,
    /// Set only by `simulate_crash`: skip the index flush a normal drop does.
    crashed: bool,
    _lock: File,
}

impl std::fmt::Debug for Notebook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notebook").field("dir", &self.dir).finish_non_exhaustive()
    }
}

/// `$XDG_DATA_HOME/kehu/default` (usually `~/.local/share/kehu/default`).
pub fn default_notebook_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kehu").map(|dirs| dirs.data_dir().join("default"))
}

impl Notebook {
    /// Creates a notebook in `dir` (created if missing, and it must not hold a notebook yet).
    pub fn create(dir: &Path, password: &[u8], kdf: KdfParams) -> Result<Notebook> {
        if dir.join(HEADER_FILE).exists() {
            return Err(VaultError::AlreadyExists(dir.to_path_buf()).into());
        }
        if dir.join(DB_FILE).exists() {
            return Err(Error::Invalid(format!(
                "{} holds {DB_FILE} but no {HEADER_FILE} (an interrupted init, or a lost header without which \
                 it cannot be opened); move it away to create a new notebook there",
                dir.display()
            )));
        }
        create_private_dir(dir)?;
        let lock = lock(dir)?;
        let (header, data_key) = Header::create(password, kdf)?;
        let mut store = Store::open(&dir.join(DB_FILE), &data_key.subkeys())?;
        store.log_access(AccessEvent::Create, "")?;
        let search = SearchIndex::open(&dir.join(INDEX_DIR), data_key.subkeys().search.as_bytes(), &mut store)?;
        // The header comes last: until it is in place the folder is not a notebook, so a crash
        // during creation never leaves a header whose database is missing.
        header.write_atomic(dir)?;
        Ok(Notebook { dir: dir.to_path_buf(), search, store, data_key, crashed: false, _lock: lock })
    }

    /// Creates a notebook for the person who will use it, under the policy every adapter
    /// applies: the master password must pass [`crate::vault::require_strong_password`] (what
    /// the create screen's strength meter shows), and automatic backups open with it until the
    /// user sets another backup password. [`Notebook::create`] is the same without the policy.
    pub fn create_for_person(dir: &Path, password: &str, kdf: KdfParams) -> Result<Notebook> {
        crate::vault::require_strong_password(password)?;
        let mut notebook = Notebook::create(dir, password.as_bytes(), kdf)?;
        notebook.set_backup_password(Some(password))?;
        Ok(notebook)
    }

    /// Creates a notebook in `dir` (which must not exist yet) whose database `load` fills at
    /// schema `version` before it is migrated to the latest and its search index is built: how
    /// a backup is restored. The header is written last, as in [`Notebook::create`].
    pub(crate) fn create_restored(
        dir: &Path,
        password: &[u8],
        kdf: KdfParams,
        version: i64,
        load: impl FnOnce(&mut Store) -> Result<()>,
    ) -> Result<Notebook> {
        create_private_dir(dir)?;
        let lock = lock(dir)?;
        let (header, data_key) = Header::create(password, kdf)?;
        let mut store = Store::create_at_version(&dir.join(DB_FILE), &data_key.subkeys(), version)?;
        load(&mut store)?;
        store.migrate()?;
        store.log_access(AccessEvent::Restore, "")?;
        let search = SearchIndex::open(&dir.join(INDEX_DIR), data_key.subkeys().search.as_bytes(), &mut store)?;
        header.write_atomic(dir)?;
        Ok(Notebook { dir: dir.to_path_buf(), search, store, data_key, crashed: false, _lock: lock })
    }

    /// Unlocks the notebook in `dir`. A wrong password is found before any file is opened for
    /// writing, so it changes nothing on disk.
    pub fn open(dir: &Path, password: &[u8]) -> Result<Notebook> {
        let header = Header::read(dir)?;
        require_database(dir)?;
        let lock = lock(dir)?;
        let data_key = header.unlock(password)?;
        if let Some(lost) = inspect_wal(dir)? {
            tracing::error!("{lost} (a check reports it until it is acknowledged)");
        }
        let mut store = Store::open(&dir.join(DB_FILE), &data_key.subkeys())?;
        if let Err(e) = store.log_access(AccessEvent::Unlock, "") {
            // A full disk must not lock the user out of reading their own customers.
            if e.code() != crate::ErrorCode::Io {
                return Err(e.into());
            }
            tracing::warn!("the unlock could not be logged: {e}");
        }
        let search = SearchIndex::open(&dir.join(INDEX_DIR), data_key.subkeys().search.as_bytes(), &mut store)?;
        Ok(Notebook { dir: dir.to_path_buf(), search, store, data_key, crashed: false, _lock: lock })
    }

    /// Unlocks the notebook in `dir` and checks it before anything is written to it: the
    /// problems found (empty when sound). The unlock is logged only into a sound database.
    pub fn open_and_check(dir: &Path, password: &[u8]) -> Result<Vec<String>> {
        let header = Header::read(dir)?;
        require_database(dir)?;
        let _lock = lock(dir)?;
        let data_key = header.unlock(password)?;
        let keys = data_key.subkeys();
        inspect_wal(dir)?;
        let mut problems = Store::check_file(&dir.join(DB_FILE), &keys)?;
        if problems.is_empty() {
            let mut store = Store::open(&dir.join(DB_FILE), &keys)?;
            problems.extend(store.unreadable_values()?.iter().map(|v| format!("{v} (a repair replaces it)")));
            store.log_access(AccessEvent::Unlock, "check")?;
        }
        let lost = wal_guard::lost(&dir.join(DB_FILE)).map_err(Error::io("reading what was found lost"))?;
        problems.extend(lost.iter().map(|l| format!("{l} (a repair acknowledges it)")));
        Ok(problems)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The store under the front door, for the core's own rooms (backup, import, handover).
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Checks the open notebook: what the desktop's check runs (`kehu check` checks before
    /// opening, see [`Notebook::open_and_check`]).
    pub fn check_all(&self) -> Result<NotebookCheck> {
        let (database, unreadable, lost) = (self.store.check()?, self.store.unreadable_values()?, self.lost_writes()?);
        let access_log_broken_at = self.store.verify_access_log()?;
        Ok(NotebookCheck {
            sound: database.is_empty() && unreadable.is_empty() && lost.is_empty() && access_log_broken_at.is_none(),
            repairable: !unreadable.is_empty() || !lost.is_empty(),
            database,
            unreadable,
            lost,
            access_log_broken_at,
        })
    }

    /// Replaces the stored values that do not read and acknowledges the losses found: after it,
    /// a check finds neither. Damage to the database's pages is not repaired here: a backup is.
    pub fn repair(&mut self) -> Result<NotebookRepair> {
        let repaired = self.store.repair_unreadable()?;
        let acknowledged = self.acknowledge_lost_writes()?;
        Ok(NotebookRepair { repaired, acknowledged })
    }

    /// Committed changes found lost with the write-ahead log when the notebook was opened
    /// (after a crash, the WAL missing or damaged), each with when it was found; kept until
    /// [`Notebook::acknowledge_lost_writes`].
    pub fn lost_writes(&self) -> Result<Vec<LostWrites>> {
        wal_guard::lost(&self.dir.join(DB_FILE)).map_err(Error::io("reading what was found lost"))
    }

    /// Forgets the losses [`Notebook::lost_writes`] reports, returning them: the user has seen
    /// them (`kehu check --repair`), and what was lost is not coming back but from a backup.
    pub fn acknowledge_lost_writes(&mut self) -> Result<Vec<LostWrites>> {
        let lost = self.lost_writes()?;
        wal_guard::acknowledge(&self.dir.join(DB_FILE)).map_err(Error::io("acknowledging what was found lost"))?;
        Ok(lost)
    }

    /// Checks `password` against the header, as unlocking would, without reopening anything:
    /// the desktop asks for the current password before changing it.
    pub fn verify_password(&self, password: &[u8]) -> Result<()> {
        Header::read(&self.dir)?.unlock(password)?;
        Ok(())
    }

    /// Changes the master password to `new` under the rule a new notebook's is held to
    /// ([`Notebook::create_for_person`]); what the CLI's `passwd` and the settings screen call.
    pub fn change_master_password(&mut self, new: &str, kdf: KdfParams) -> Result<()> {
        crate::vault::require_strong_password(new)?;
        self.change_password(new.as_bytes(), kdf)
    }

    /// Rewraps the data key under a new password: a new header is written beside the old one,
    /// fsynced and renamed over it. The database is not touched beyond the access log.
    pub fn change_password(&mut self, new_password: &[u8], kdf: KdfParams) -> Result<()> {
        let header = Header::wrap(&self.data_key, new_password, kdf)?;
        header.write_atomic(&self.dir)?;
        self.store.log_access(AccessEvent::PasswordChange, "")?;
        Ok(())
    }

    /// Locks: flushes the index, checkpoints the database, wipes the keys.
    pub fn close(mut self) -> Result<()> {
        self.flush_index()?;
        self.store.checkpoint()?;
        Ok(())
    }

    /// Drops the notebook as a crash would: nothing is flushed to the index, which the next
    /// open must repair from the database's queue. For tests of exactly that.
    #[doc(hidden)]
    pub fn simulate_crash(mut self) {
        self.crashed = true;
    }
}

impl Drop for Notebook {
    fn drop(&mut self) {
        if !self.crashed
            && let Err(e) = self.search.flush(&mut self.store)
        {
            tracing::warn!("the search index was not flushed; the next open repairs it: {e}");
        }
    }
}

/// Looks for committed changes lost with the WAL, before SQLite reads (and forgets) the
/// evidence; what it finds is kept for `kehu check` and returned.
fn inspect_wal(dir: &Path) -> Result<Option<LostWrites>> {
    wal_guard::inspect(&dir.join(DB_FILE))
        .map_err(Error::io(format!("checking the write-ahead log in {}", dir.display())))
}

/// A header without its database is a notebook that lost its data: never answer it with a
/// new, empty database.
fn require_database(dir: &Path) -> Result<()> {
    if dir.join(DB_FILE).is_file() {
        Ok(())
    } else {
        Err(crate::store::StoreError::Corrupt(format!("{} is missing from {}", DB_FILE, dir.display())).into())
    }
}

/// The notebook's folder, readable by its owner only — also when it existed before (a folder
/// the user made for it keeps no wider mode than the notebook's own).
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .and_then(|()| fs::set_permissions(dir, fs::Permissions::from_mode(0o700)))
        .map_err(Error::io(format!("creating {}", dir.display())))
}

/// Takes the notebook's exclusive advisory lock, held until the returned file is dropped.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(Error::io(format!("opening {}", path.display())))?;
    // A process that forks (to start any program) holds a copy of every open descriptor until
    // the child execs, and with it this lock: a notebook closed and opened again at that moment
    // looks in use. So a lock that is held is tried again for a moment before saying so.
    let mut attempts = 0;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if attempts < LOCK_ATTEMPTS => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => return Err(Error::InUse(dir.to_path_buf())),
            Err(fs::TryLockError::Error(e)) => return Err(Error::io(format!("locking {}", path.display()))(e)),
        }
    }
}

/// How many more times a held lock is tried, 25 ms apart.
const LOCK_ATTEMPTS: u32 = 40;

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    #[test]
    fn a_notebook_in_a_folder_that_existed_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nb");
        fs::create_dir(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        Notebook::create(&path, b"test", KdfParams::INSECURE_FOR_TESTS).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o700);
    }

    #[test]
    fn erase_leaves_no_word_of_the_customer_in_the_index_files() {
        use crate::search::SearchQuery;
        use crate::store::{NewCustomer, NewNote};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nb");
        let mut nb = Notebook::create(&path, b"test", KdfParams::INSECURE_FOR_TESTS).unwrap();
        let kept = nb.add_customer(&NewCustomer::named("李娜 keptword")).unwrap();
        let gone = nb.add_customer(&NewCustomer::named("张伟 zqxcanary")).unwrap();
        nb.add_note(&NewNote { customer_id: gone, body: Some("预算 zqxnotecanary".into()), ..NewNote::default() })
            .unwrap();
        nb.add_note(&NewNote { customer_id: kept, body: Some("续约".into()), ..NewNote::default() }).unwrap();
        nb.close().unwrap();
        let mut nb = Notebook::open(&path, b"test").unwrap();
        assert!(nb.search.disk_holds("zqxcanary") && nb.search.disk_holds("zqxnotecanary"));
        let meta = std::fs::read(path.join(INDEX_DIR).join("meta.json")).unwrap();
        nb.erase_customer(gone).unwrap();
        assert!(!nb.search.disk_holds("zqxcanary") && !nb.search.disk_holds("zqxnotecanary"));
        assert!(nb.search.disk_holds("keptword"), "the other customer stays");
        nb.close().unwrap();
        // The meta.json of before the erase, put back, names segment files that are gone.
        std::fs::write(path.join(INDEX_DIR).join("meta.json"), meta).unwrap();
        let mut nb = Notebook::open(&path, b"test").unwrap();
        assert!(!nb.search.disk_holds("zqxcanary"));
        let hits = nb.search(&SearchQuery { text: "zqxcanary".into(), ..SearchQuery::default() }).unwrap();
        assert!(hits.is_empty());
        let kept_hits = nb.search(&SearchQuery { text: "keptword".into(), ..SearchQuery::default() }).unwrap();
        assert!(!kept_hits.is_empty() && kept_hits.iter().all(|h| h.customer_id == Some(kept)), "{kept_hits:?}");
    }

    #[test]
    fn a_person_s_notebook_needs_a_strong_password_and_backs_up_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let weak = Notebook::create_for_person(&dir.path().join("weak"), "123456", KdfParams::INSECURE_FOR_TESTS);
        assert_eq!(weak.unwrap_err().code(), crate::ErrorCode::Invalid);
        assert!(!dir.path().join("weak").join(HEADER_FILE).exists(), "a refused password creates nothing");
        let strong = "绿茶-青岛-晨跑-1987-风筝";
        let mut nb =
            Notebook::create_for_person(&dir.path().join("nb"), strong, KdfParams::INSECURE_FOR_TESTS).unwrap();
        assert!(nb.has_backup_password().unwrap());
        assert!(nb.change_master_password("password", KdfParams::INSECURE_FOR_TESTS).is_err());
        nb.change_master_password("另一个-很长的-主密码-2027", KdfParams::INSECURE_FOR_TESTS).unwrap();
        nb.verify_password("另一个-很长的-主密码-2027".as_bytes()).unwrap();
    }

    /// A notebook with cheap KDF parameters in a temporary folder, for unit tests.
    pub(crate) fn notebook() -> (tempfile::TempDir, Notebook) {
        let dir = tempfile::tempdir().unwrap();
        let notebook = Notebook::create(&dir.path().join("nb"), b"test", KdfParams::INSECURE_FOR_TESTS).unwrap();
        (dir, notebook)
    }
}
