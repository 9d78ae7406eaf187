//! Backup files in a folder: their names (`kehu-<notebook>-<UTC time>.age`), listing them, and
//! which to keep — the newest N plus the newest of every calendar month. Only files with that
//! name are ever listed or removed; anything else in the folder is the user's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use serde::Serialize;

use crate::{Error, Result};

const TIME_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// One backup file found in a folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct BackupFile {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub path: PathBuf,
    pub name: String,
    pub at: DateTime<Utc>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

/// The file name of a backup of `notebook` taken at `at`.
pub fn backup_file_name(notebook: &str, at: DateTime<Utc>) -> String {
    format!("kehu-{}-{}.age", safe_name(notebook), at.format(TIME_FORMAT))
}

fn safe_name(notebook: &str) -> String {
    notebook.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

fn parse_name(notebook: &str, name: &str) -> Option<DateTime<Utc>> {
    let stem = name.strip_prefix(&format!("kehu-{}-", safe_name(notebook)))?.strip_suffix(".age")?;
    NaiveDateTime::parse_from_str(stem, TIME_FORMAT).ok().map(|t| t.and_utc())
}

/// The backups of `notebook` in `folder`, newest first. A missing folder has none.
pub fn list_backups(folder: &Path, notebook: &str) -> Result<Vec<BackupFile>> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("reading {}", folder.display()))(e)),
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(at) = parse_name(notebook, &name) else { continue };
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_file() {
            files.push(BackupFile { path: entry.path(), name, at, size: meta.len() });
        }
    }
    files.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.name.cmp(&a.name)));
    Ok(files)
}

/// Splits `files` (any order) into those to keep and those to remove: the newest `keep_last`,
/// and the newest of each calendar month (UTC).
pub fn rotation_plan(files: &[BackupFile], keep_last: usize) -> (Vec<BackupFile>, Vec<BackupFile>) {
    let mut sorted = files.to_vec();
    sorted.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.name.cmp(&a.name)));
    let mut months = BTreeSet::new();
    let (mut keep, mut remove) = (Vec::new(), Vec::new());
    for (i, file) in sorted.into_iter().enumerate() {
        let newest_of_month = months.insert((file.at.year(), file.at.month()));
        if i < keep_last || newest_of_month {
            keep.push(file);
        } else {
            remove.push(file);
        }
    }
    (keep, remove)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(at: &str) -> BackupFile {
        let at = DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&Utc);
        let name = backup_file_name("default", at);
        BackupFile { path: PathBuf::from(&name), name, at, size: 1 }
    }

    #[test]
    fn names_round_trip_and_foreign_files_are_not_backups() {
        let at = DateTime::parse_from_rfc3339("2026-02-28T23:59:59Z").unwrap().with_timezone(&Utc);
        let name = backup_file_name("我的 本子", at);
        assert_eq!(name, "kehu-我的_本子-20260228T235959Z.age");
        assert_eq!(parse_name("我的 本子", &name), Some(at));
        assert_eq!(parse_name("default", &name), None);
        assert_eq!(parse_name("default", "kehu-default-notatime.age"), None);
        assert_eq!(parse_name("default", "notes.txt"), None);
    }

    #[test]
    fn keeps_the_newest_n_and_the_newest_of_each_month() {
        let files = vec![
            file("2026-01-05T10:00:00Z"),
            file("2026-01-20T10:00:00Z"), // newest of January
            file("2026-02-01T00:00:00Z"),
            file("2026-02-28T23:59:59Z"), // newest of February
            file("2026-03-01T00:00:00Z"),
            file("2026-03-02T00:00:00Z"),
            file("2026-03-03T00:00:00Z"),
        ];
        let (keep, remove) = rotation_plan(&files, 2);
        let names = |v: &[BackupFile]| v.iter().map(|f| f.at.format("%m-%d").to_string()).collect::<Vec<_>>();
        assert_eq!(names(&keep), ["03-03", "03-02", "02-28", "01-20"]);
        assert_eq!(names(&remove), ["03-01", "02-01", "01-05"]);
        let (keep, remove) = rotation_plan(&files, 10);
        assert_eq!((keep.len(), remove.len()), (7, 0));
        let (keep, _) = rotation_plan(&files, 0);
        assert_eq!(names(&keep), ["03-03", "02-28", "01-20"]);
    }
}
