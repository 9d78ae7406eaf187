//! What can go wrong with a backup or a handover package (`crate::backup`): kept in the error
//! room, below the backup, so that [`crate::Error`] can wrap it without a circle.

use std::path::PathBuf;

use super::ErrorCode;

/// What can go wrong with a backup or a handover package.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("wrong backup password for {0}")]
    WrongPassword(PathBuf),
    #[error("{path} is not a kehu backup: {reason}")]
    NotABackup { path: PathBuf, reason: String },
    #[error("{path} is damaged: {reason}")]
    Damaged { path: PathBuf, reason: String },
    #[error("{path} was written by a newer kehu (format {found}, schema {schema}); update kehu to open it")]
    TooNew { path: PathBuf, found: u32, schema: i64 },
    #[error("{0}")]
    Invalid(String),
    /// A row of the file that the store's rules refuse (see `store::check_incoming_row`).
    #[error("{path}: {source}")]
    RefusedRow {
        path: PathBuf,
        #[source]
        source: Box<crate::store::StoreError>,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl BackupError {
    pub fn code(&self) -> ErrorCode {
        match self {
            BackupError::WrongPassword(_) => ErrorCode::WrongPassword,
            BackupError::NotABackup { .. } | BackupError::Invalid(_) | BackupError::RefusedRow { .. } => {
                ErrorCode::Invalid
            }
            BackupError::Damaged { .. } => ErrorCode::Corrupt,
            BackupError::TooNew { .. } => ErrorCode::SchemaTooNew,
            BackupError::Io { .. } => ErrorCode::Io,
        }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| BackupError::Io { context, source }
    }
}
