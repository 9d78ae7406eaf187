//! Interop: customers in from the files salespeople have — Excel ledgers (台账), CSV saved by
//! Excel on a Chinese Windows, phone contacts as vCards, Google and Outlook exports, kehu's own
//! JSON — and out to files other programs open (CSV, XLSX, vCard, JSON).

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

pub use crate::error::interop::{InteropError, Unreadable, WhyUnreadable};
pub use decode::{Encoding, EncodingSource, decode};
pub use export::{ExportFormat, ExportOptions, ExportReport, export};
pub use import::{
    ImportDuplicate, ImportOptions, ImportOutcome, ImportPreview, ImportProblem, ImportRow, InvalidAction, RowDecision,
    import_file, preview_import,
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
