//! The error every public entry point returns, the small `ErrorCode` a caller (CLI exit
//! status, desktop UI) branches on — never the message text —, and the `ErrorDetail` a screen
//! says it from in the user's language (the message is English).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub(crate) mod backup;
pub(crate) mod interop;

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
    Backup(#[from] backup::BackupError),
    #[error(transparent)]
    Interop(#[from] interop::InteropError),
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
                crate::search::SearchError::Query { .. } => ErrorCode::Invalid,
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

    /// A value refused for `problem`, which a screen says in the user's language: for an
    /// adapter's own settings, checked as the core checks its values.
    pub fn bad_value(field: impl Into<String>, problem: crate::store::ValueProblem) -> Self {
        Error::Store(StoreError::bad_value(field, problem))
    }

    /// A refusal said in English as `reason` and, for a screen, as `problem`.
    pub(crate) fn refused(
        field: impl Into<String>,
        reason: impl Into<String>,
        problem: crate::store::ValueProblem,
    ) -> Self {
        Error::Store(StoreError::refused(field, reason, problem))
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
            VaultError::BadKdfParams(_)
            | VaultError::EmptyPassword
            | VaultError::WeakPassword
            | VaultError::WeakBackupPassword => ErrorCode::Invalid,
            VaultError::Io { .. } => ErrorCode::Io,
        }
    }
}

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::Invalid { .. } | StoreError::BadRow(_) => ErrorCode::Invalid,
            StoreError::WrongKey | StoreError::Corrupt(_) => ErrorCode::Corrupt,
            StoreError::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            StoreError::Conflict(_) => ErrorCode::AlreadyExists,
            StoreError::Sqlite(e) => sqlite_code(e),
        }
    }
}

/// What went wrong, as facts a screen says in the user's language: the message (English, for
/// the command line and logs) is the sentence, this is what it is made of. `None` from
/// [`Error::detail`] leaves a screen with the code and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorDetail {
    /// A search filter whose value is not one it takes (`等级:金牌`).
    SearchFilter {
        filter: crate::search::FilterKind,
        value: String,
    },
    /// A value the user entered, refused.
    Invalid {
        problem: crate::store::ValueProblem,
    },
    /// A row of a file (a backup, a package, kehu JSON) refused: its table, row id and column,
    /// and what is wrong where the core can say it as a fact.
    RefusedRow {
        file: Option<String>,
        value: Box<crate::store::RefusedValue>,
    },
    /// A new password refused as too easy to guess: the master password, or a backup's.
    WeakPassword {
        backup: bool,
    },
    /// A file that is not what it should be; `line` of a text file where known.
    Unreadable {
        file: String,
        why: interop::WhyUnreadable,
        line: Option<u32>,
    },
    /// An import refused whole for its invalid values (as asked).
    Rejected {
        file: String,
        count: u32,
    },
    /// The disk is full: nothing was saved.
    DiskFull,
    /// A file or folder that cannot be read or written; `file` when the error names one.
    FileAccess {
        file: Option<String>,
        cause: IoCause,
    },
    /// Written by a newer kehu than this one.
    NewerKehu,
    /// The notebook's database is damaged, or not this notebook's.
    NotebookDamaged,
    NotABackup {
        file: String,
    },
    BackupDamaged {
        file: String,
    },
}

/// Why a file could not be read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum IoCause {
    NotFound,
    Denied,
    Other,
}

impl Error {
    /// What a screen needs to say this error in the user's language.
    pub fn detail(&self) -> Option<ErrorDetail> {
        use self::backup::BackupError;
        use self::interop::InteropError;
        match self {
            Error::Interop(InteropError::Unreadable { file, why }) => Some(ErrorDetail::Unreadable {
                file: file.clone(),
                why: why.why,
                line: why.line.and_then(|l| u32::try_from(l).ok()),
            }),
            Error::Interop(InteropError::Rejected { file, count, .. }) => {
                Some(ErrorDetail::Rejected { file: file.clone(), count: u32::try_from(*count).unwrap_or(u32::MAX) })
            }
            Error::Interop(InteropError::Io { file, source }) => Some(ErrorDetail::of_io(Some(file), source)),
            Error::Io { source, .. } | Error::Vault(VaultError::Io { source, .. }) => {
                Some(ErrorDetail::of_io(None, source))
            }
            Error::Backup(BackupError::Io { source, .. }) => Some(ErrorDetail::of_io(None, source)),
            Error::Search(crate::search::SearchError::Io(source)) => Some(ErrorDetail::of_io(None, source)),
            Error::Search(crate::search::SearchError::Query { filter, value, .. }) => {
                Some(ErrorDetail::SearchFilter { filter: *filter, value: value.clone() })
            }
            Error::Vault(VaultError::WeakPassword) => Some(ErrorDetail::WeakPassword { backup: false }),
            Error::Vault(VaultError::WeakBackupPassword) => Some(ErrorDetail::WeakPassword { backup: true }),
            Error::Backup(BackupError::RefusedRow { path, source }) => {
                refused_row(Some(path.display().to_string()), source).or_else(|| store_detail(source))
            }
            Error::Backup(BackupError::NotABackup { path, .. }) => {
                Some(ErrorDetail::NotABackup { file: path.display().to_string() })
            }
            Error::Backup(BackupError::Damaged { path, .. }) => {
                Some(ErrorDetail::BackupDamaged { file: path.display().to_string() })
            }
            Error::Store(e) | Error::Search(crate::search::SearchError::Store(e)) => store_detail(e),
            _ if self.code() == ErrorCode::SchemaTooNew => Some(ErrorDetail::NewerKehu),
            _ => None,
        }
    }
}

impl ErrorDetail {
    /// An I/O error's detail, naming `file` if the caller knows it.
    pub fn of_io(file: Option<&str>, e: &std::io::Error) -> ErrorDetail {
        use std::io::ErrorKind as K;
        let cause = match e.kind() {
            K::StorageFull | K::QuotaExceeded => return ErrorDetail::DiskFull,
            K::NotFound => IoCause::NotFound,
            K::PermissionDenied | K::ReadOnlyFilesystem => IoCause::Denied,
            _ => IoCause::Other,
        };
        ErrorDetail::FileAccess { file: file.map(str::to_owned), cause }
    }
}

fn refused_row(file: Option<String>, e: &StoreError) -> Option<ErrorDetail> {
    match e {
        StoreError::BadRow(value) => Some(ErrorDetail::RefusedRow { file, value: value.clone() }),
        _ => None,
    }
}

fn store_detail(e: &StoreError) -> Option<ErrorDetail> {
    use rusqlite::ErrorCode as C;
    match e {
        StoreError::BadRow(_) => refused_row(None, e),
        StoreError::Invalid { problem: Some(problem), .. } => Some(ErrorDetail::Invalid { problem: problem.clone() }),
        StoreError::WrongKey | StoreError::Corrupt(_) => Some(ErrorDetail::NotebookDamaged),
        StoreError::SchemaTooNew { .. } => Some(ErrorDetail::NewerKehu),
        StoreError::Sqlite(e) => match e.sqlite_error_code() {
            Some(C::DiskFull) => Some(ErrorDetail::DiskFull),
            Some(C::NotADatabase | C::DatabaseCorrupt | C::OutOfMemory) => Some(ErrorDetail::NotebookDamaged),
            Some(C::ReadOnly | C::PermissionDenied) => {
                Some(ErrorDetail::FileAccess { file: None, cause: IoCause::Denied })
            }
            Some(C::SystemIoFailure | C::CannotOpen) => {
                Some(ErrorDetail::FileAccess { file: None, cause: IoCause::Other })
            }
            _ => None,
        },
        _ => None,
    }
}

fn sqlite_code(e: &rusqlite::Error) -> ErrorCode {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        // SQLCipher's failed page checksum arrives as SQLITE_NOMEM (see store::describe_sqlite).
        Some(C::NotADatabase | C::DatabaseCorrupt | C::OutOfMemory) => ErrorCode::Corrupt,
        Some(C::DiskFull | C::SystemIoFailure | C::CannotOpen | C::ReadOnly | C::PermissionDenied) => ErrorCode::Io,
        Some(C::DatabaseBusy | C::DatabaseLocked) => ErrorCode::InUse,
        Some(C::ConstraintViolation) => ErrorCode::Invalid,
        _ => ErrorCode::Internal,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_and_database_errors_say_their_cause_not_only_their_code() {
        let io = |kind| Error::Io { context: "writing x".into(), source: std::io::Error::from(kind) };
        assert_eq!(io(std::io::ErrorKind::StorageFull).detail(), Some(ErrorDetail::DiskFull));
        assert_eq!(
            io(std::io::ErrorKind::PermissionDenied).detail(),
            Some(ErrorDetail::FileAccess { file: None, cause: IoCause::Denied })
        );
        let full = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
        let full = Error::from(StoreError::from(full));
        assert_eq!((full.code(), full.detail()), (ErrorCode::Io, Some(ErrorDetail::DiskFull)));
        assert_eq!(Error::from(StoreError::WrongKey).detail(), Some(ErrorDetail::NotebookDamaged));
        let newer = Error::from(StoreError::SchemaTooNew { found: 9, supported: 6 });
        assert_eq!(newer.detail(), Some(ErrorDetail::NewerKehu));
        // A refused value without a typed problem is said by its code and message.
        assert_eq!(Error::from(StoreError::invalid("view name", "a view needs a name")).detail(), None);
    }

    #[test]
    fn a_mistyped_phone_or_email_is_refused_with_what_was_typed() {
        use crate::store::{ContactKind, NewContact, NewCustomer, ValueProblem};
        let (_dir, mut nb) = crate::notebook::testing::notebook();
        for (kind, typed, problem) in [
            (ContactKind::Phone, "138-abc", ValueProblem::NotAPhone { value: "138-abc".into() }),
            (ContactKind::Phone, " 12 ", ValueProblem::TooShortForAPhone { value: "12".into() }),
            (ContactKind::Email, "zhang@", ValueProblem::NotAnEmail { value: "zhang@".into() }),
        ] {
            let mut customer = NewCustomer::named("张伟");
            customer.contacts = vec![NewContact::new(kind, typed)];
            let err = nb.add_customer(&customer).unwrap_err();
            assert_eq!(err.code(), ErrorCode::Invalid);
            assert_eq!(err.detail(), Some(ErrorDetail::Invalid { problem }), "{err}");
        }
    }

    #[test]
    fn the_refusals_a_screen_meets_are_typed_for_it() {
        use crate::clock;
        use crate::store::{NewCustomer, NewInteraction, NewTask, ValueProblem as P};
        let (_dir, mut nb) = crate::notebook::testing::notebook();
        let id = nb.add_customer(&NewCustomer::named("张伟")).unwrap();
        let other = nb.add_customer(&NewCustomer::named("李娜")).unwrap();
        let task =
            nb.add_task(&NewTask { customer_id: Some(other), title: "回访".into(), ..NewTask::default() }).unwrap();
        let problem = |r: Result<i64>| match r.map_err(|e| e.detail()) {
            Err(Some(ErrorDetail::Invalid { problem })) => problem,
            other => panic!("not a typed refusal: {other:?}"),
        };
        let untitled = NewTask { customer_id: Some(id), title: " ".into(), ..NewTask::default() };
        assert_eq!(problem(nb.add_task(&untitled)), P::Empty);
        assert_eq!(problem(nb.add_complaint(id, "", None)), P::Empty);
        assert_eq!(
            problem(nb.add_secret(&crate::store::NewSecret {
                customer_id: id,
                label: "门户",
                username: None,
                url: None,
                password: ""
            })),
            P::Empty
        );
        assert_eq!(problem(nb.save_view("", &crate::store::CustomerFilter::default())), P::Empty);
        assert_eq!(problem(nb.merge_customers(id, id).map(|_| 0)), P::SameCustomer);
        let past = clock::now() - chrono::Duration::hours(1);
        assert_eq!(problem(nb.snooze_task(task, past).map(|()| 0)), P::NotInTheFuture);
        let call = NewInteraction {
            customer_id: id,
            kind: crate::store::InteractionKind::Call,
            summary: "电话".into(),
            outcome: None,
            at: None,
            closes_task: Some(task),
        };
        assert_eq!(problem(nb.add_interaction(&call)), P::OtherCustomer);
        nb.complete_task(task).unwrap();
        assert_eq!(problem(nb.complete_task(task).map(|()| 0)), P::AlreadyDone);
        let grade = [crate::store::Change::Set(crate::store::Field::Grade, Some("金牌".into()))];
        assert_eq!(problem(nb.edit_customer(id, &grade).map(|n| n as i64)), P::NotOneOf { value: "金牌".into() });
        let birthday = [crate::store::Change::Set(crate::store::Field::Birthday, Some("下周".into()))];
        assert_eq!(problem(nb.edit_customer(id, &birthday).map(|n| n as i64)), P::NotADate { value: "下周".into() });
        assert_eq!(problem(nb.agenda(&clock::Today::local(), 10_000).map(|_| 0)), P::OutOfRange { min: 0, max: 366 });
    }
}
