//! Interop: customers in from the files salespeople have — Excel ledgers (台账), CSV saved by
//! Excel on a Chinese Windows, phone contacts as vCards, Google and Outlook exports, kehu's own
//! JSON — and out to files other programs open (CSV, XLSX, vCard, JSON).

pub mod cells;
mod decode;
mod export;
mod grid;
mod import;
mod json;
mod mapping;
mod values;
mod vcard;
mod workbook;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use decode::{Encoding, EncodingSource, decode};
pub use export::{ExportFormat, ExportOptions, ExportReport, export};
pub use import::{
    DuplicateAction, ImportDuplicate, ImportOptions, ImportOutcome, ImportPreview, ImportProblem, ImportRow,
    InvalidAction, RowDecision, import_file, preview_import,
};
pub use mapping::{ColumnMapping, Mapping, Target, recognise};
pub use vcard::{Card, Version as VcardVersion};

/// The kinds of file kehu reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    /// XLSX or XLS.
    Xlsx,
    Vcard,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "txt" | "tsv" => Ok(Format::Csv),
            "xlsx" | "xls" | "excel" | "xlsm" => Ok(Format::Xlsx),
            "vcard" | "vcf" => Ok(Format::Vcard),
            "json" => Ok(Format::Json),
            _ => Err(format!("unknown format '{s}'; use csv, xlsx, vcard or json")),
        }
    }
}

impl Format {
    /// The format of a file, by its extension or else its first bytes.
    pub fn detect(path: &Path, bytes: &[u8]) -> Format {
        if let Some(format) = path.extension().and_then(|e| e.to_str()).and_then(|e| e.parse().ok()) {
            return format;
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).trim_start_matches('\u{feff}').to_owned();
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            Format::Xlsx
        } else if head.trim_start().to_ascii_uppercase().starts_with("BEGIN:VCARD") {
            Format::Vcard
        } else if head.trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Csv
        }
    }
}

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
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            InteropError::UnknownMapping(_) => crate::ErrorCode::NotFound,
            InteropError::Io { .. } => crate::ErrorCode::Io,
            _ => crate::ErrorCode::Invalid,
        }
    }

    fn io(path: &Path, source: std::io::Error) -> InteropError {
        InteropError::Io { file: path.display().to_string(), source }
    }

    fn unreadable(path: &Path, why: Unreadable) -> InteropError {
        InteropError::Unreadable { file: path.display().to_string(), why }
    }
}
