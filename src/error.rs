//! The error every public entry point returns, and the small `ErrorCode` a caller (CLI exit
//! status, desktop UI) branches on — never the message text.

use std::path::PathBuf;

use serde::Serialize;

use crate::store::StoreError;
use crate::vault::VaultError;

/// What a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    WrongPassword,
    /// The notebook is locked: unlock it first.
    Locked,
    NoNotebook,
    AlreadyExists,
    InUse,
    NotFound,
    Invalid,
    SchemaTooNew,
    Corrupt,
    Io,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::WrongPassword => "wrong_password",
            ErrorCode::Locked => "locked",
            ErrorCode::NoNotebook => "no_notebook",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::InUse => "in_use",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Invalid => "invalid",
            ErrorCode::SchemaTooNew => "schema_too_new",
            ErrorCode::Corrupt => "corrupt",
            ErrorCode::Io => "io",
            ErrorCode::Internal => "internal",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    #[error(transparent)]
    Interop(#[from] crate::interop::InteropError),
    #[error("notebook {0} is open in another kehu process; close it there first")]
    InUse(PathBuf),
    #[error("{0}")]
    Invalid(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Vault(e) => e.code(),
            Error::Store(e) => e.code(),
            Error::Search(e) => match e {
                crate::search::SearchError::Query(_) => ErrorCode::Invalid,
                crate::search::SearchError::Store(e) => e.code(),
                crate::search::SearchError::Io(_) => ErrorCode::Io,
                _ => ErrorCode::Corrupt,
            },
            Error::Backup(e) => e.code(),
            Error::Interop(e) => e.code(),
            Error::InUse(_) => ErrorCode::InUse,
            Error::Invalid(_) => ErrorCode::Invalid,
            Error::Io { .. } => ErrorCode::Io,
        }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}

impl VaultError {
    pub fn code(&self) -> ErrorCode {
        match self {
            VaultError::WrongPassword => ErrorCode::WrongPassword,
            VaultError::NoNotebook(_) => ErrorCode::NoNotebook,
            VaultError::AlreadyExists(_) => ErrorCode::AlreadyExists,
            VaultError::CorruptHeader { .. } => ErrorCode::Corrupt,
            VaultError::FormatTooNew { .. } => ErrorCode::SchemaTooNew,
            VaultError::BadKdfParams(_) | VaultError::EmptyPassword | VaultError::WeakPassword => ErrorCode::Invalid,
            VaultError::Io { .. } => ErrorCode::Io,
        }
    }
}

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::Invalid { .. } => ErrorCode::Invalid,
            StoreError::WrongKey | StoreError::Corrupt(_) => ErrorCode::Corrupt,
            StoreError::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            StoreError::Conflict(_) => ErrorCode::AlreadyExists,
            StoreError::Sqlite(e) => sqlite_code(e),
        }
    }
}

fn sqlite_code(e: &rusqlite::Error) -> ErrorCode {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::NotADatabase | C::DatabaseCorrupt) => ErrorCode::Corrupt,
        Some(C::DiskFull | C::SystemIoFailure | C::CannotOpen | C::ReadOnly | C::PermissionDenied) => ErrorCode::Io,
        Some(C::DatabaseBusy | C::DatabaseLocked) => ErrorCode::InUse,
        Some(C::ConstraintViolation) => ErrorCode::Invalid,
        _ => ErrorCode::Internal,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
