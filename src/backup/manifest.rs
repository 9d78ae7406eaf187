//! The manifest: the archive's last file, listing every other file with its size, SHA-256 and
//! record count, and the totals per table — what a verification checks the contents against.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The format written in every manifest, and the newest this build reads.
pub const FORMAT: &str = "kehu-backup";
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST_NAME: &str = "manifest.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum PackageKind {
    /// The whole notebook.
    Backup,
    /// A chosen set of customers for another notebook (客户交接).
    Handover,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// Rows in a JSON part; absent for other files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub kind: PackageKind,
    pub created_at: DateTime<Utc>,
    pub kehu_version: String,
    /// The database schema the rows were written from.
    pub schema_version: i64,
    /// Rows per table.
    pub tables: BTreeMap<String, u64>,
    pub attachments: u64,
    /// AUTOINCREMENT high-water marks (a restore never reuses an erased id).
    #[serde(default)]
    pub sequences: BTreeMap<String, i64>,
    /// What a handover's sender left out or masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redaction: Option<Redaction>,
    pub files: Vec<FileEntry>,
}

/// What a caller shows about a package: its kind, age, and counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PackageInfo {
    pub kind: PackageKind,
    pub created_at: DateTime<Utc>,
    pub kehu_version: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub schema_version: i64,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub tables: BTreeMap<String, u64>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub attachments: u64,
    /// The file's size in bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub redacted: bool,
}

impl PackageInfo {
    pub fn customers(&self) -> u64 {
        self.count("customer")
    }

    pub fn count(&self, table: &str) -> u64 {
        self.tables.get(table).copied().unwrap_or(0)
    }
}

impl Manifest {
    pub fn new(kind: PackageKind, schema_version: i64, created_at: DateTime<Utc>) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            kind,
            created_at,
            kehu_version: env!("CARGO_PKG_VERSION").into(),
            schema_version,
            tables: BTreeMap::new(),
            attachments: 0,
            sequences: BTreeMap::new(),
            redaction: None,
            files: Vec::new(),
        }
    }

    pub fn info(&self, size: u64) -> PackageInfo {
        PackageInfo {
            kind: self.kind,
            created_at: self.created_at,
            kehu_version: self.kehu_version.clone(),
            schema_version: self.schema_version,
            tables: self.tables.clone(),
            attachments: self.attachments,
            size,
            redacted: self.redaction.is_some(),
        }
    }
}

/// What the sender leaves out or masks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, optional_fields))]
#[serde(default)]
pub struct Redaction {
    /// Phones as 138****5678, emails as z***@example.com.
    pub mask_contacts: bool,
    /// Leave out every credential.
    pub omit_secrets: bool,
    /// Leave out these notes.
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub omit_note_ids: Vec<i64>,
}

impl Redaction {
    pub(crate) fn is_empty(&self) -> bool {
        *self == Redaction::default()
    }
}
