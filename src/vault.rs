//! The vault owns the notebook's keys: master password → Argon2id → key-encryption key → the
//! wrapped data key in the plaintext header → HKDF subkeys for SQLCipher and for sealed fields.
//!
//! Nothing here touches the database; `notebook` puts the vault and the store together.

mod aead;
mod header;
mod kdf;
mod keys;
mod process;
mod strength;

pub use aead::{open as aead_open, seal as aead_seal};
pub use header::{HEADER_FILE, Header};
pub use kdf::{KdfParams, MIN_ITERATIONS, MIN_MEMORY_KIB, MIN_PARALLELISM};
pub use keys::{DataKey, SubKey, SubKeys};
pub use process::harden_process;
pub use strength::{MIN_SCORE, PasswordStrength, password_strength, require_backup_password, require_strong_password};

use std::path::PathBuf;

/// What can go wrong between a password and a data key.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("wrong password")]
    WrongPassword,
    #[error("no notebook at {0} (no {HEADER_FILE}); create one with `kehu init`")]
    NoNotebook(PathBuf),
    #[error("a notebook already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("notebook header {path} is damaged: {reason}")]
    CorruptHeader { path: PathBuf, reason: String },
    #[error("notebook format {found} is newer than this kehu understands (up to {supported}); update kehu")]
    FormatTooNew { found: u32, supported: u32 },
    #[error("key derivation parameters rejected: {0}")]
    BadKdfParams(String),
    #[error("the password is empty")]
    EmptyPassword,
    #[error("the master password is too easy to guess")]
    WeakPassword,
    #[error("the backup password is too easy to guess: a backup holds every credential; use a longer one")]
    WeakBackupPassword,
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl VaultError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| VaultError::Io { context, source }
    }
}
