//! One import: a file read into rows; each row checked and turned into a customer, its
//! problems listed by row and column; matched against the notebook and the rows above it; and,
//! as the user decides for each duplicate, added, merged or skipped — in one transaction.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::decode::{Encoding, EncodingSource};
use super::mapping::Mapping;
use super::{Format, InteropError, Unreadable};
use crate::backup::{FieldDiff, ImportAction, ImportDecision, apply_import, plan_import};
use crate::quality::{DuplicateReason, IssueCode};
use crate::store::{AccessEvent, BatchChunk, BatchTarget, ContactKind, Lang};
use crate::{Notebook, Result};

mod duplicates;
mod read;
mod rows;

use duplicates::{Duplicate, DuplicateFinder, describe_duplicate};
use read::{PART_ROWS, Parsed, read};
use rows::{Incoming, contact_key};

/// What to do with invalid values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum InvalidAction {
    /// Import the row, the value kept in a custom field named after its column and the
    /// customer tagged 待核实 / "to check".
    #[default]
    Flag,
    /// Import nothing while any value is invalid.
    Reject,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, optional_fields))]
#[serde(default)]
pub struct ImportOptions {
    /// Detected from the name and content when absent.
    pub format: Option<Format>,
    pub encoding: Encoding,
    /// Columns to targets; detected from the headers when absent.
    pub mapping: Option<Mapping>,
    pub on_duplicate: ImportAction,
    pub on_invalid: InvalidAction,
    /// The language of the tag that flags rows with invalid values.
    pub lang: Lang,
}

/// One invalid value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportProblem {
    /// The row (or, for vCards, the line a card begins on) as the file's program numbers it.
    pub row: usize,
    pub sheet: Option<String>,
    pub column: String,
    pub value: String,
    pub code: IssueCode,
    pub reason: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(sheet) = &self.sheet {
            write!(f, "sheet '{sheet}' ")?;
        }
        write!(f, "row {}, column '{}': {}", self.row, self.column, self.reason)
    }
}

/// The customer (or earlier row) a row duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportDuplicate {
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub existing_id: Option<i64>,
    /// The row above in the same file, when that is what it duplicates.
    pub earlier_row: Option<usize>,
    pub name: String,
    pub company: Option<String>,
    pub reason: DuplicateReason,
    /// Values both have and that differ (a merge keeps the notebook's).
    pub differences: Vec<FieldDiff>,
}

/// One incoming row as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportRow {
    /// Position among the file's rows, for decisions.
    pub index: usize,
    pub row: usize,
    pub sheet: Option<String>,
    pub name: String,
    pub company: Option<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub tags: Vec<String>,
    pub problems: usize,
    pub duplicate: Option<ImportDuplicate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportPreview {
    pub file: String,
    pub format: Format,
    /// The encoding a text file was read in (`gb18030`, `big5`, `utf-8` …).
    pub encoding: Option<String>,
    /// Whether that encoding was declared by the file, chosen by the user or guessed.
    pub encoding_source: Option<EncodingSource>,
    pub sheets: Vec<String>,
    /// The mapping used (tabular files only).
    pub mapping: Option<Mapping>,
    /// The first row's value under each of the mapping's columns, as decoded: what the user
    /// looks at to see the encoding and the mapping read the file right.
    pub examples: Vec<String>,
    pub total: usize,
    pub new: usize,
    pub duplicates: usize,
    /// Rows with an invalid value (imported flagged unless rejected).
    pub flagged: usize,
    /// Rows that cannot become a customer (no name and no company).
    pub unusable: usize,
    pub problems: Vec<ImportProblem>,
    /// The first rows, then every row with a duplicate or a problem.
    pub rows: Vec<ImportRow>,
}

/// The user's choice for one duplicate row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RowDecision {
    pub index: usize,
    pub action: ImportAction,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportOutcome {
    pub file: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub added: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub merged: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: u64,
    pub flagged: usize,
    pub unusable: usize,
    /// Notes, interactions and other records that came with the customers.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    pub problems: Vec<ImportProblem>,
}

/// How many leading rows a preview shows besides the ones needing attention.
const SAMPLE_ROWS: usize = 20;

/// The flag an invalid value is marked with, in the user's language.
fn flag(options: &ImportOptions) -> &'static str {
    match options.lang {
        Lang::ZhCn => "待核实",
        Lang::En => "to check",
    }
}

/// Reads `path` and reports what an import would do, changing nothing.
pub fn preview_import(notebook: &Notebook, path: &Path, options: &ImportOptions) -> Result<ImportPreview> {
    let file = path.display().to_string();
    match read(path, options)? {
        Parsed::Package(package) => {
            let plan = plan_import(notebook, &package)?;
            let rows: Vec<ImportRow> = plan
                .customers
                .iter()
                .enumerate()
                .map(|(index, c)| ImportRow {
                    index,
                    row: index + 1,
                    sheet: None,
                    name: c.name.clone(),
                    company: c.company.clone(),
                    phones: Vec::new(),
                    emails: Vec::new(),
                    tags: c.tags.clone(),
                    problems: 0,
                    duplicate: c.duplicate.as_ref().map(|d| ImportDuplicate {
                        existing_id: Some(d.existing_id),
                        earlier_row: None,
                        name: d.existing_name.clone(),
                        company: d.existing_company.clone(),
                        reason: d.reason.clone(),
                        differences: d.fields.clone(),
                    }),
                })
                .collect();
            let duplicates = rows.iter().filter(|r| r.duplicate.is_some()).count();
            Ok(ImportPreview {
                file,
                format: Format::Json,
                encoding: Some("utf-8".into()),
                encoding_source: Some(EncodingSource::Declared),
                sheets: Vec::new(),
                mapping: None,
                examples: Vec::new(),
                total: rows.len(),
                new: rows.len() - duplicates,
                duplicates,
                flagged: 0,
                unusable: 0,
                problems: Vec::new(),
                rows,
            })
        }
        Parsed::Rows { format, encoding, sheets, mapping, table } => {
            let examples = mapping.as_ref().map(|m| table.examples(m)).unwrap_or_default();
            let rows = table.all(flag(options)).map_err(|e| InteropError::unreadable(path, e))?;
            let duplicates = DuplicateFinder::new(notebook)?.next_part(&rows);
            let mut preview = ImportPreview {
                file,
                format,
                encoding: encoding.map(|(name, _)| name.to_owned()),
                encoding_source: encoding.map(|(_, source)| source),
                sheets,
                mapping,
                examples,
                total: rows.len(),
                new: 0,
                duplicates: 0,
                flagged: 0,
                unusable: 0,
                problems: Vec::new(),
                rows: Vec::new(),
            };
            for (index, (incoming, duplicate)) in rows.iter().zip(&duplicates).enumerate() {
                preview.problems.extend(incoming.problems.iter().cloned());
                match (incoming.usable, duplicate) {
                    (false, _) => preview.unusable += 1,
                    (true, Some(_)) => preview.duplicates += 1,
                    (true, None) => preview.new += 1,
                }
                if incoming.usable && !incoming.problems.is_empty() {
                    preview.flagged += 1;
                }
                if index < SAMPLE_ROWS || duplicate.is_some() || !incoming.problems.is_empty() {
                    let duplicate =
                        duplicate.as_ref().map(|d| describe_duplicate(notebook, &rows, incoming, d)).transpose()?;
                    preview.rows.push(row_of(index, incoming, duplicate));
                }
            }
            Ok(preview)
        }
    }
}

/// Imports `path`: every row lands or none does. A duplicate row takes its decision, or the
/// options' default. `progress(done, total)` is called now and then.
pub fn import_file(
    notebook: &mut Notebook,
    path: &Path,
    options: &ImportOptions,
    decisions: &[RowDecision],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportOutcome> {
    let file = path.display().to_string();
    let decided = |index: usize| decisions.iter().find(|d| d.index == index).map_or(options.on_duplicate, |d| d.action);
    let started = std::time::Instant::now();
    let table = match read(path, options)? {
        Parsed::Package(package) => {
            let plan = plan_import(notebook, &package)?;
            let decisions: Vec<ImportDecision> = plan
                .customers
                .iter()
                .enumerate()
                .map(|(index, c)| ImportDecision {
                    key: c.key,
                    action: match (c.duplicate.is_some(), decided(index)) {
                        (false, _) | (true, ImportAction::Add) => ImportAction::Add,
                        (true, ImportAction::Merge) => ImportAction::Merge,
                        (true, ImportAction::Skip) => ImportAction::Skip,
                    },
                    take_theirs: Vec::new(),
                })
                .collect();
            progress(0, plan.customers.len());
            let done = apply_import(notebook, &package, &decisions)?;
            progress(plan.customers.len(), plan.customers.len());
            return Ok(ImportOutcome {
                file,
                added: done.added,
                merged: done.merged,
                skipped: done.skipped,
                records: done.records,
                ..ImportOutcome::default()
            });
        }
        Parsed::Rows { table, .. } => table,
    };
    let read_ms = started.elapsed().as_millis();
    let total = table.len();
    let mut checker = Checker {
        file: file.clone(),
        reject: options.on_invalid == InvalidAction::Reject,
        decided: &decided,
        duplicates: DuplicateFinder::new(notebook)?,
        targets: Vec::with_capacity(total),
        problems: Vec::new(),
        flagged: 0,
        unusable: 0,
        rejected: false,
        unreadable: None,
    };
    progress(0, total);
    // The file is checked on one thread while the notebook writes the parts already checked on
    // this one: both in the one transaction, which a refusal of the file abandons.
    // The checker ends the parts with `None`: parts that stop without it (the checker panicked)
    // abandon the transaction rather than commit what came before.
    let (parts, incoming) = std::sync::mpsc::sync_channel::<Option<crate::store::Result<BatchChunk>>>(1);
    let incoming = until_ended(incoming, file.clone());
    let (written, checker) = std::thread::scope(|scope| {
        let checking = scope.spawn(move || {
            let mut waited = std::time::Duration::ZERO;
            let read = table.each_part(PART_ROWS, flag(options), |rows| {
                if checker.rejected {
                    // The refusal counts every problem of the file.
                    checker.problems.extend(rows.into_iter().flat_map(|r| r.problems));
                    return true;
                }
                let part = checker.check(rows);
                let sending = std::time::Instant::now();
                // The writer stops taking parts only when it has failed, and says why itself.
                let taken = parts.send(Some(part)).is_ok();
                waited += sending.elapsed();
                taken || checker.rejected
            });
            tracing::debug!(waited_ms = waited.as_millis(), "checker waited for the writer");
            if let Err(reason) = read {
                // Abandons the transaction; the caller then says why the file cannot be read.
                let _ = parts.send(Some(Err(crate::store::StoreError::invalid(&checker.file, "unreadable"))));
                checker.unreadable = Some(reason);
            }
            let _ = parts.send(None);
            // Its indexes are freed here, not on the writer's thread.
            drop(std::mem::take(&mut checker.duplicates));
            checker
        });
        let written =
            notebook.store_mut().add_batches(total, incoming, &contact_key, &mut |done| progress(done, total));
        (written, checking.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    if let Some(reason) = checker.unreadable {
        return Err(InteropError::unreadable(path, reason).into());
    }
    if checker.rejected {
        let (count, first) = (checker.problems.len(), checker.problems[0].to_string());
        return Err(InteropError::Rejected { file, count, first }.into());
    }
    let outcome = written?;
    // Where an import's time goes (`KEHU_LOG=debug`): counts and times, never content.
    tracing::debug!(rows = total, read_ms, total_ms = started.elapsed().as_millis(), "import timings");
    let report = ImportOutcome {
        file,
        added: outcome.added,
        merged: outcome.merged,
        skipped: outcome.skipped,
        flagged: checker.flagged,
        unusable: checker.unusable,
        records: outcome.notes + outcome.files,
        problems: checker.problems,
    };
    let kind = path.extension().and_then(|e| e.to_str()).unwrap_or("file").to_lowercase();
    notebook.store_mut().log_access(
        AccessEvent::Import,
        &format!("{kind} file: {} added, {} merged, {} skipped", report.added, report.merged, report.skipped),
    )?;
    Ok(report)
}

/// Parts as a checker sends them, ending at its `None`; a checker gone without it (it panicked)
/// ends them with an error, which abandons the import.
fn until_ended(
    incoming: std::sync::mpsc::Receiver<Option<crate::store::Result<BatchChunk>>>,
    file: String,
) -> impl Iterator<Item = crate::store::Result<BatchChunk>> + Send {
    let mut ended = false;
    std::iter::from_fn(move || {
        if ended {
            return None;
        }
        match incoming.recv() {
            Ok(Some(part)) => Some(part),
            Ok(None) => {
                ended = true;
                None
            }
            Err(_) => {
                ended = true;
                Some(Err(crate::store::StoreError::invalid(&file, "the check of its rows stopped midway")))
            }
        }
    })
}

/// Checks an import's rows part by part and decides where each goes, remembering the problems.
struct Checker<'a> {
    file: String,
    /// Whether any invalid value refuses the whole file.
    reject: bool,
    decided: &'a (dyn Fn(usize) -> ImportAction + Sync),
    duplicates: DuplicateFinder,
    /// Every row's target so far: a row merging into an earlier one goes where that one went.
    targets: Vec<BatchTarget>,
    problems: Vec<ImportProblem>,
    flagged: usize,
    unusable: usize,
    /// Set by the first problem when any refuses the file; the parts after it are not written.
    rejected: bool,
    /// Why the rest of the file could not be read, when it could not.
    unreadable: Option<Unreadable>,
}

impl Checker<'_> {
    fn check(&mut self, rows: Vec<Incoming>) -> crate::store::Result<BatchChunk> {
        let duplicates = self.duplicates.next_part(&rows);
        let first = self.targets.len();
        for (offset, (incoming, duplicate)) in rows.iter().zip(&duplicates).enumerate() {
            self.problems.extend(incoming.problems.iter().cloned());
            self.flagged += usize::from(incoming.usable && !incoming.problems.is_empty());
            self.unusable += usize::from(!incoming.usable);
            let target = match (incoming.usable, duplicate.as_ref().map(|(d, _)| *d)) {
                (false, _) => BatchTarget::Skip,
                (true, None) => BatchTarget::New,
                (true, Some(d)) => match ((self.decided)(first + offset), d) {
                    (ImportAction::Skip, _) => BatchTarget::Skip,
                    (ImportAction::Add, _) => BatchTarget::New,
                    (ImportAction::Merge, Duplicate::Existing(id)) => BatchTarget::Into(id),
                    (ImportAction::Merge, Duplicate::Earlier(earlier)) => match self.targets[earlier] {
                        BatchTarget::New => BatchTarget::IntoItem(earlier),
                        same => same,
                    },
                },
            };
            self.targets.push(target);
        }
        if self.reject && !self.problems.is_empty() {
            self.rejected = true;
            // Abandons the transaction; the caller then says why the file was refused.
            return Err(crate::store::StoreError::invalid(&self.file, "refused for its invalid values"));
        }
        let targets = self.targets[first..].to_vec();
        Ok(BatchChunk { items: rows.into_iter().map(|r| r.item).collect(), targets })
    }
}

fn row_of(index: usize, incoming: &Incoming, duplicate: Option<ImportDuplicate>) -> ImportRow {
    let customer = &incoming.item.customer;
    let of_kind = |kind: ContactKind| -> Vec<String> {
        customer.contacts.iter().filter(|c| c.kind == kind).map(|c| c.value.clone()).collect()
    };
    ImportRow {
        index,
        row: incoming.row,
        sheet: incoming.sheet.clone(),
        name: customer.name.clone(),
        company: customer.company.clone(),
        phones: of_kind(ContactKind::Phone),
        emails: of_kind(ContactKind::Email),
        tags: customer.tags.clone(),
        problems: incoming.problems.len(),
        duplicate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_end_at_the_checkers_word_and_a_checker_gone_without_it_is_an_error() {
        let (send, receive) = std::sync::mpsc::sync_channel(4);
        send.send(Some(Ok(BatchChunk::default()))).unwrap();
        send.send(None).unwrap();
        send.send(Some(Ok(BatchChunk::default()))).unwrap();
        let parts: Vec<_> = until_ended(receive, "a.csv".into()).collect();
        assert_eq!(parts.len(), 1, "nothing after the end");
        assert!(parts[0].is_ok());

        let (send, receive) = std::sync::mpsc::sync_channel(4);
        send.send(Some(Ok(BatchChunk::default()))).unwrap();
        drop(send);
        let parts: Vec<_> = until_ended(receive, "a.csv".into()).collect();
        assert_eq!(parts.len(), 2);
        let err = parts[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("a.csv") && err.contains("stopped midway"), "{err}");
    }
}
