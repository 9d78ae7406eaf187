//! What can go wrong reading or writing another program's file (`crate::interop`): kept in the
//! error room, below the importers, so that [`crate::Error`] can wrap it without a circle.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ErrorCode;

/// Why a file cannot be read, in terms a screen says in the user's language (the English
/// particulars are the error's message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum WhyUnreadable {
    /// Not text in the encoding asked for, or in any the detection knows.
    NotText,
    NotAWorkbook,
    /// A workbook saved with a password to open it (its contents are encrypted).
    PasswordProtected,
    /// A workbook whose insides contradict themselves.
    Damaged,
    /// A sheet whose cells span more than kehu lays out (stray values far from the table).
    TooLarge,
    /// A workbook that unpacks to more than any spreadsheet holds, or with one cell's text longer
    /// than spreadsheets allow: not a spreadsheet program's file (a zip bomb).
    Unpacks,
    BadCsv,
    BadVcard,
    NoVcard,
    NoRows,
    NoTable,
    /// JSON, but not a kehu export.
    NotKehu,
    NewerKehu,
}

/// A reader's refusal of a file: why, on which line of a text file, and the particulars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub why: WhyUnreadable,
    pub line: Option<usize>,
    pub reason: String,
}

impl Unreadable {
    pub(crate) fn new(why: WhyUnreadable, reason: impl Into<String>) -> Unreadable {
        Unreadable { why, line: None, reason: reason.into() }
    }

    pub(crate) fn at_line(why: WhyUnreadable, line: usize, reason: impl std::fmt::Display) -> Unreadable {
        Unreadable { why, line: Some(line), reason: format!("line {line}: {reason}") }
    }
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// What can go wrong reading or writing another program's file.
#[derive(Debug, thiserror::Error)]
pub enum InteropError {
    /// The file is not what it says (not a workbook, not text, a broken vCard …).
    #[error("{file}: {why}")]
    Unreadable { file: String, why: Unreadable },
    /// Invalid values, with `--reject-invalid` (the default imports them flagged).
    #[error("{file}: {count} invalid value(s), nothing imported; first: {first}")]
    Rejected { file: String, count: usize, first: String },
    #[error("no saved column mapping named '{0}'")]
    UnknownMapping(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

impl InteropError {
    pub fn code(&self) -> ErrorCode {
        match self {
            InteropError::UnknownMapping(_) => ErrorCode::NotFound,
            InteropError::Io { .. } => ErrorCode::Io,
            _ => ErrorCode::Invalid,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> InteropError {
        InteropError::Io { file: path.display().to_string(), source }
    }

    pub(crate) fn unreadable(path: &Path, why: Unreadable) -> InteropError {
        InteropError::Unreadable { file: path.display().to_string(), why }
    }
}
