//! One import: a file read into rows; each row checked and turned into a customer, its
//! problems listed by row and column; matched against the notebook and the rows above it; and,
//! as the user decides for each duplicate, added, merged or skipped — in one transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::decode::{Encoding, EncodingSource, decode};
use super::grid::{CsvRows, Grid, GridRow, HEADER_WINDOW, locate_header};
use super::mapping::{Mapping, Target};
use super::values::{interpret, split_contacts, split_tags};
use super::vcard::{self, Card};
use super::workbook::read_workbook;
use super::{Format, InteropError, Unreadable, WhyUnreadable, json};
use crate::backup::{FieldDiff, ImportAction, ImportDecision, Package, apply_import, plan_import};
use crate::quality::{DuplicateIndex, DuplicateReason, PhoneCheck, check_credit_code, check_email, check_phone};
use crate::quality::{IssueCode, is_credit_code_field, phone_key};
use crate::store::{
    AccessEvent, BatchChunk, BatchFile, BatchItem, BatchTarget, ContactKind, Field, Lang, NewContact, NewCustomer,
};
use crate::{Notebook, Result};

/// What to do with a row that duplicates a customer (or an earlier row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum DuplicateAction {
    #[default]
    Skip,
    /// Fill the customer's empty fields and add the row's contacts, tags and notes.
    Merge,
    KeepBoth,
}

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
    pub on_duplicate: DuplicateAction,
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
    pub action: DuplicateAction,
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

/// One row on its way to becoming a customer.
struct Incoming {
    row: usize,
    sheet: Option<String>,
    item: BatchItem,
    problems: Vec<ImportProblem>,
    usable: bool,
}

impl Incoming {
    fn contacts(&self) -> Vec<(ContactKind, String)> {
        self.item.customer.contacts.iter().map(|c| (c.kind, c.value.clone())).collect()
    }
}

/// A file read: its rows, or a kehu package.
enum Parsed {
    Rows {
        format: Format,
        encoding: Option<(&'static str, EncodingSource)>,
        sheets: Vec<String>,
        mapping: Option<Mapping>,
        table: Table,
    },
    Package(Box<Package>),
}

/// A file's rows as read, turned into customers part by part: checking a row costs more than
/// reading it, so an import checks the next part while the one before is being written.
enum Table {
    Cards(Vec<Card>),
    /// Each sheet's rows with the mapping of its columns.
    Grids(Vec<(Grid, Mapping)>),
    /// A CSV file: the rows read while finding its header, and the rest parsed as they are
    /// checked; `count` rows below the header in all.
    Csv {
        grid: Grid,
        mapping: Mapping,
        rest: Box<CsvRows>,
        count: usize,
    },
}

/// Rows per part of an import: enough for the checks to run on every core, few enough that
/// writing starts soon and little waits at the end.
const PART_ROWS: usize = 4_096;

impl Table {
    fn len(&self) -> usize {
        match self {
            Table::Cards(cards) => cards.len(),
            Table::Grids(grids) => grids.iter().map(|(g, _)| g.rows.len()).sum(),
            Table::Csv { count, .. } => *count,
        }
    }

    /// Hands the rows to `part`, checked, `size` at a time in file order, until it returns
    /// false. An error says why the rest of the file cannot be read.
    fn each_part(self, size: usize, flag: &str, mut part: impl FnMut(Vec<Incoming>) -> bool) -> Result<(), Unreadable> {
        match self {
            Table::Cards(mut cards) => {
                while !cards.is_empty() {
                    let rest = cards.split_off(size.min(cards.len()));
                    if !part(cards.into_iter().map(|card| from_card(card, flag)).collect()) {
                        break;
                    }
                    cards = rest;
                }
            }
            Table::Grids(grids) => {
                'sheets: for (grid, mapping) in &grids {
                    for rows in grid.rows.chunks(size) {
                        if !part(grid_rows(grid, mapping, rows, flag)) {
                            break 'sheets;
                        }
                    }
                }
            }
            Table::Csv { mut grid, mapping, mut rest, .. } => loop {
                while grid.rows.len() < size {
                    let Some(row) = rest.next().transpose()? else { break };
                    grid.rows.extend(grid.row(row));
                }
                if grid.rows.is_empty() {
                    break;
                }
                let rows = std::mem::take(&mut grid.rows);
                if !part(grid_rows(&grid, &mapping, &rows, flag)) {
                    break;
                }
            },
        }
        Ok(())
    }

    /// The first row's value under each of `mapping`'s columns (in the first sheet that has it).
    fn examples(&self, mapping: &Mapping) -> Vec<String> {
        let grids: Vec<&Grid> = match self {
            Table::Cards(_) => return Vec::new(),
            Table::Grids(grids) => grids.iter().map(|(g, _)| g).collect(),
            Table::Csv { grid, .. } => vec![grid],
        };
        let example = |header: &str| {
            grids.iter().find_map(|g| {
                let at = g.headers.iter().position(|h| h == header)?;
                g.rows.first().and_then(|r| r.cells.get(at)).cloned()
            })
        };
        mapping.columns.iter().map(|c| example(&c.header).unwrap_or_default()).collect()
    }

    /// Every row, checked.
    fn all(self, flag: &str) -> Result<Vec<Incoming>, Unreadable> {
        let mut all = Vec::with_capacity(self.len());
        self.each_part(usize::MAX, flag, |part| {
            all.extend(part);
            true
        })?;
        Ok(all)
    }
}

/// The flag an invalid value is marked with, in the user's language.
fn flag(options: &ImportOptions) -> &'static str {
    match options.lang {
        Lang::ZhCn => "待核实",
        Lang::En => "to check",
    }
}

/// Where a duplicate row points.
#[derive(Clone, Copy)]
enum Duplicate {
    Existing(i64),
    Earlier(usize),
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
                        (false, _) | (true, DuplicateAction::KeepBoth) => ImportAction::Add,
                        (true, DuplicateAction::Merge) => ImportAction::Merge,
                        (true, DuplicateAction::Skip) => ImportAction::Skip,
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
        let written = notebook.add_batches(total, incoming, &contact_key, &mut |done| progress(done, total));
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
    notebook.log_access(
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
    decided: &'a (dyn Fn(usize) -> DuplicateAction + Sync),
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
                    (DuplicateAction::Skip, _) => BatchTarget::Skip,
                    (DuplicateAction::KeepBoth, _) => BatchTarget::New,
                    (DuplicateAction::Merge, Duplicate::Existing(id)) => BatchTarget::Into(id),
                    (DuplicateAction::Merge, Duplicate::Earlier(earlier)) => match self.targets[earlier] {
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

fn describe_duplicate(
    notebook: &Notebook,
    rows: &[Incoming],
    incoming: &Incoming,
    (d, reason): &(Duplicate, DuplicateReason),
) -> Result<ImportDuplicate> {
    let reason = reason.clone();
    Ok(match *d {
        Duplicate::Existing(id) => {
            let existing = notebook.customer(id)?;
            ImportDuplicate {
                existing_id: Some(id),
                earlier_row: None,
                name: existing.name.clone(),
                company: existing.company.clone(),
                reason,
                differences: differences(&Base::of_customer(&existing), &incoming.item.customer),
            }
        }
        Duplicate::Earlier(earlier) => {
            let other = &rows[earlier].item.customer;
            ImportDuplicate {
                existing_id: None,
                earlier_row: Some(rows[earlier].row),
                name: other.name.clone(),
                company: other.company.clone(),
                reason,
                differences: differences(&Base::of_new(other), &incoming.item.customer),
            }
        }
    })
}

/// Finds the customer or earlier row each row duplicates, and why, a part of the file at a time.
#[derive(Default)]
struct DuplicateFinder {
    existing: DuplicateIndex,
    earlier: DuplicateIndex,
    /// Rows seen in earlier parts.
    seen: usize,
}

impl DuplicateFinder {
    fn new(notebook: &Notebook) -> Result<DuplicateFinder> {
        let existing = DuplicateIndex::new(&notebook.survey_customers()?);
        Ok(DuplicateFinder { existing, earlier: DuplicateIndex::default(), seen: 0 })
    }

    /// For each row of the next part, what it duplicates; rows are numbered across parts.
    fn next_part(&mut self, rows: &[Incoming]) -> Vec<Option<(Duplicate, DuplicateReason)>> {
        // Computing the keys (script, width and suffix folding) costs more than the lookups: on every core.
        let keys = in_parallel(rows, |incoming| {
            let customer = &incoming.item.customer;
            DuplicateIndex::keys(&customer.name, customer.company.as_deref(), &incoming.contacts())
        });
        let mut out = Vec::with_capacity(rows.len());
        for (incoming, keys) in rows.iter().zip(&keys) {
            let index = self.seen;
            self.seen += 1;
            if !incoming.usable {
                out.push(None);
                continue;
            }
            let found = self
                .existing
                .find_keys(keys)
                .map(|(id, why)| (Duplicate::Existing(id), why))
                .or_else(|| self.earlier.find_keys(keys).map(|(row, why)| (Duplicate::Earlier(row as usize), why)));
            self.earlier.add_keys(index as i64, keys);
            out.push(found);
        }
        out
    }
}

/// The values a preview compares a duplicate row with: an existing customer's, or an earlier row's.
struct Base {
    fields: std::collections::HashMap<Field, String>,
    custom: BTreeMap<String, String>,
}

impl Base {
    fn of_customer(c: &crate::store::Customer) -> Base {
        Base { fields: Field::ALL.iter().filter_map(|&f| Some((f, c.field(f)?))).collect(), custom: c.custom.clone() }
    }

    fn of_new(c: &NewCustomer) -> Base {
        Base { fields: Field::ALL.iter().filter_map(|&f| Some((f, c.value(f)?))).collect(), custom: c.custom.clone() }
    }
}

/// How an import compares contact values: phones by their number, others as written.
fn contact_key(kind: ContactKind, value: &str) -> String {
    match kind {
        ContactKind::Phone => phone_key(value),
        _ => value.trim().to_lowercase(),
    }
}

fn differences(base: &Base, incoming: &NewCustomer) -> Vec<FieldDiff> {
    let mut diffs = Vec::new();
    for &field in Field::ALL {
        if let (Some(mine), Some(theirs)) = (base.fields.get(&field), incoming.value(field))
            && *mine != theirs
        {
            diffs.push(FieldDiff { field: field.key().into(), mine: Some(mine.clone()), theirs: Some(theirs) });
        }
    }
    for (key, theirs) in &incoming.custom {
        if let Some(mine) = base.custom.get(key)
            && mine != theirs
        {
            diffs.push(FieldDiff {
                field: format!("custom.{key}"),
                mine: Some(mine.clone()),
                theirs: Some(theirs.clone()),
            });
        }
    }
    diffs
}

enum CardsError {
    NotText(String),
    Unreadable(Unreadable),
}

/// A vCard file's cards, and the encoding its undeclared text was read in: each property in the
/// `CHARSET=` it declares, the rest in the encoding asked for, else UTF-8 where the whole file
/// is UTF-8 and GB18030 where it is not (what Chinese phones write without saying). UTF-16 files
/// are decoded whole first.
fn read_cards(bytes: &[u8], asked: Encoding) -> Result<(Vec<Card>, (&'static str, EncodingSource)), CardsError> {
    let source = EncodingSource::of(bytes, asked);
    let utf16 = asked == Encoding::Utf16
        || (asked == Encoding::Auto
            && matches!(decode(bytes, Encoding::Auto), Ok((_, name)) if name.starts_with("utf-16")));
    let (file, name) = if utf16 {
        let (text, name) = decode(bytes, Encoding::Utf16).map_err(CardsError::NotText)?;
        (vcard::parse_bytes(text.as_bytes(), encoding_rs::UTF_8), name)
    } else {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let fallback = match asked {
            Encoding::Auto | Encoding::Utf16 if std::str::from_utf8(body).is_ok() => Encoding::Utf8,
            Encoding::Auto | Encoding::Utf16 => Encoding::Gbk,
            chosen => chosen,
        };
        (vcard::parse_bytes(bytes, fallback.decoder()), fallback.decoder_name())
    };
    let file = file.map_err(CardsError::Unreadable)?;
    // Lines outside any card: counted by line in the log, never with their text (user data).
    for skipped in &file.skipped {
        tracing::warn!("vCard line {} is outside any card or unreadable; left out", skipped.line);
    }
    Ok((file.cards, (name, source)))
}

/// Reads and parses the file.
/// A file that is not text in the encoding asked for (or any detected).
fn not_text(path: &Path, reason: String) -> InteropError {
    InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NotText, reason))
}

fn read(path: &Path, options: &ImportOptions) -> Result<Parsed> {
    let bytes =
        crate::limits::read_file(path, crate::limits::MAX_IMPORT_BYTES).map_err(|e| InteropError::io(path, e))?;
    let format = options.format.unwrap_or_else(|| Format::detect(path, &bytes));
    match format {
        Format::Json => Ok(Parsed::Package(Box::new(json::read(path, &bytes)?))),
        Format::Vcard => {
            let (cards, encoding) = read_cards(&bytes, options.encoding).map_err(|e| match e {
                CardsError::NotText(reason) => not_text(path, reason),
                CardsError::Unreadable(e) => InteropError::unreadable(path, e),
            })?;
            if cards.is_empty() {
                return Err(
                    InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NoVcard, "holds no vCard")).into()
                );
            }
            let table = Table::Cards(cards);
            Ok(Parsed::Rows { format, encoding: Some(encoding), sheets: Vec::new(), mapping: None, table })
        }
        Format::Csv => {
            let (text, name) = decode(&bytes, options.encoding).map_err(|e| not_text(path, e))?;
            let encoding = (name, EncodingSource::of(&bytes, options.encoding));
            // The header is found among the first rows; the others are parsed as they are checked.
            let mut rest = Box::new(CsvRows::new(text));
            let head = rest.by_ref().take(HEADER_WINDOW).collect::<Result<Vec<_>, Unreadable>>();
            let head = head.map_err(|e| InteropError::unreadable(path, e))?;
            let grid = locate_header(None, head).ok_or_else(|| {
                InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NoRows, "holds no rows"))
            })?;
            let mapping =
                options.mapping.as_ref().map_or_else(|| Mapping::detect(&grid.headers), |m| m.over(&grid.headers));
            let count = grid.rows.len() + rest.count_filled_rest();
            let table = Table::Csv { grid, mapping: mapping.clone(), rest, count };
            Ok(Parsed::Rows { format, encoding: Some(encoding), sheets: Vec::new(), mapping: Some(mapping), table })
        }
        Format::Xlsx => {
            let sheets = read_workbook(&bytes).map_err(|e| InteropError::unreadable(path, e))?;
            let many = sheets.len() > 1;
            let grids: Vec<Grid> = sheets
                .into_iter()
                .filter_map(|(name, rows)| locate_header(many.then_some(name), rows))
                .filter(|g| !g.rows.is_empty())
                .collect();
            // Sheets laid out like the first (by their headers) are read; a summary or a
            // lookup-list sheet beside the ledger is not customers.
            let first = grids.first().ok_or_else(|| {
                InteropError::unreadable(path, Unreadable::new(WhyUnreadable::NoTable, "no sheet holds a table"))
            })?;
            let mapping =
                options.mapping.as_ref().map_or_else(|| Mapping::detect(&first.headers), |m| m.over(&first.headers));
            let first_headers = first.headers.clone();
            let recognised = |g: &Grid| Mapping::detect(&g.headers).recognised() >= 2 || g.headers == first_headers;
            let mut names = Vec::new();
            let mut tables: Vec<(Grid, Mapping)> = Vec::new();
            for grid in grids.into_iter().filter(|g| recognised(g)) {
                let sheet_mapping = options.mapping.as_ref().unwrap_or(&mapping).over(&grid.headers);
                names.extend(grid.sheet.clone());
                tables.push((grid, sheet_mapping));
            }
            let mut union = mapping;
            for (_, m) in tables.iter().skip(1) {
                for column in &m.columns {
                    if !union.columns.iter().any(|c| c.header == column.header) {
                        union.columns.push(column.clone());
                    }
                }
            }
            Ok(Parsed::Rows {
                format,
                encoding: None,
                sheets: names,
                mapping: Some(union),
                table: Table::Grids(tables),
            })
        }
    }
}

/// `f` over `items`, the work split across the machine's cores, results in order.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    if threads == 1 || items.len() < 2_000 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let parts: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())).collect();
        parts.into_iter().flat_map(|p| p.join().expect("a worker does not panic")).collect()
    })
}

fn grid_rows(grid: &Grid, mapping: &Mapping, rows: &[GridRow], flag: &str) -> Vec<Incoming> {
    let mut per_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
    for c in &mapping.columns {
        let kind = match c.target {
            Target::Phone => "phone",
            Target::Email => "email",
            Target::Address => "address",
            _ => continue,
        };
        *per_kind.entry(kind).or_default() += 1;
    }
    let labelled = |kind: &str| per_kind.get(kind).copied().unwrap_or(0) > 1;
    in_parallel(rows, |row| from_row(grid, mapping, row, flag, &labelled))
}

/// Collects a row's values into a customer, recording each value that fails its check.
struct Builder {
    incoming: Incoming,
    flag: String,
}

impl Builder {
    fn new(row: usize, sheet: Option<String>, label: String, flag: &str) -> Builder {
        Builder {
            incoming: Incoming {
                row,
                sheet,
                item: BatchItem { label, ..BatchItem::default() },
                problems: Vec::new(),
                usable: true,
            },
            flag: flag.to_owned(),
        }
    }

    fn customer(&mut self) -> &mut NewCustomer {
        &mut self.incoming.item.customer
    }

    /// Records the problem and keeps the value in a custom field named after the column.
    fn invalid(&mut self, column: &str, value: &str, code: IssueCode, reason: String) {
        self.incoming.problems.push(ImportProblem {
            row: self.incoming.row,
            sheet: self.incoming.sheet.clone(),
            column: column.to_owned(),
            value: value.to_owned(),
            code,
            reason,
        });
        let custom = &mut self.incoming.item.customer.custom;
        let key = (1..)
            .map(|n| if n == 1 { column.trim().to_owned() } else { format!("{} ({n})", column.trim()) })
            .find(|k| custom.get(k).is_none_or(|v| v == value))
            .expect("some key is free");
        custom.insert(key, value.to_owned());
    }

    fn field(&mut self, column: &str, field: Field, value: &str) {
        if field == Field::Template {
            self.customer().custom.insert(column.trim().to_owned(), value.to_owned());
            return;
        }
        let Some(mut value) = interpret(field, value) else { return };
        if matches!(field, Field::Name | Field::Company) {
            value = crate::quality::tidy(&value); // full-width letters, stray spaces
        }
        let code = match field {
            Field::Birthday => IssueCode::Date,
            Field::Grade | Field::Stage | Field::Colour | Field::CompanySize => IssueCode::Choice,
            _ => IssueCode::TooLong,
        };
        match field.normalize(Some(&value)) {
            Ok(Some(normal)) => {
                if let Err(reason) = self.customer().set(field, normal) {
                    self.invalid(column, &value, code, reason);
                }
            }
            Ok(None) => {}
            Err(crate::store::StoreError::Invalid { reason, .. }) => self.invalid(column, &value, code, reason),
            Err(other) => self.invalid(column, &value, code, other.to_string()),
        }
    }

    fn phone(&mut self, column: &str, value: &str, label: Option<&String>) {
        for number in split_contacts(value) {
            match check_phone(&number) {
                PhoneCheck::Valid(e164) => {
                    let typed_ok = number.chars().all(|c| c.is_ascii_digit() || " +-().（）－".contains(c));
                    let value = if typed_ok { number } else { e164 };
                    self.customer().contacts.push(NewContact {
                        kind: ContactKind::Phone,
                        value,
                        label: label.cloned(),
                    });
                }
                PhoneCheck::Invalid(reason) => self.invalid(column, &number, IssueCode::Phone, reason),
            }
        }
    }

    fn email(&mut self, column: &str, value: &str, label: Option<&String>) {
        for address in split_contacts(value) {
            match check_email(&address) {
                Ok(_) => self.customer().contacts.push(NewContact {
                    kind: ContactKind::Email,
                    value: address.trim().to_owned(),
                    label: label.cloned(),
                }),
                Err(reason) => self.invalid(column, &address, IssueCode::Email, reason),
            }
        }
    }

    fn tags(&mut self, column: &str, tags: Vec<String>) {
        for tag in tags {
            if tag.chars().count() > 64 {
                self.invalid(column, &tag, IssueCode::TooLong, "a tag is at most 64 characters".into());
            } else {
                self.customer().tags.push(tag);
            }
        }
    }

    fn contact(&mut self, kind: ContactKind, value: &str, label: Option<String>) {
        if value.chars().count() > 500 {
            let column = kind.label(Lang::En).to_owned();
            return self.invalid(&column, value, IssueCode::TooLong, "longer than 500 characters".into());
        }
        self.customer().contacts.push(NewContact { kind, value: value.trim().to_owned(), label });
    }

    fn custom(&mut self, key: &str, value: &str) {
        if is_credit_code_field(key)
            && let Err(reason) = check_credit_code(value)
        {
            self.invalid(key, value, IssueCode::CreditCode, reason);
            return;
        }
        self.customer().custom.insert(key.trim().to_owned(), value.to_owned());
    }

    /// Settles the name (given + family names, else the company) and the flag tag.
    fn finish(mut self, given: &str, family: &str) -> Incoming {
        let customer = &mut self.incoming.item.customer;
        if customer.name.trim().is_empty() {
            let cjk = |s: &str| s.chars().any(crate::search::is_cjk);
            customer.name = if cjk(family) || cjk(given) {
                format!("{family}{given}")
            } else {
                format!("{given} {family}").trim().to_owned()
            };
        }
        if customer.name.trim().is_empty() {
            match customer.company.clone() {
                Some(company) => customer.name = company,
                None => {
                    self.incoming.usable = false;
                    self.incoming.problems.push(ImportProblem {
                        row: self.incoming.row,
                        sheet: self.incoming.sheet.clone(),
                        column: String::new(),
                        value: String::new(),
                        code: IssueCode::NoName,
                        reason: "no name and no company: the row cannot become a customer".into(),
                    });
                }
            }
        }
        let customer = &mut self.incoming.item.customer;
        let mut seen = BTreeSet::new();
        customer.contacts.retain(|c| seen.insert((c.kind, contact_key(c.kind, &c.value))));
        let mut seen = BTreeSet::new();
        customer.tags.retain(|t| seen.insert(t.clone()));
        if self.incoming.usable && !self.incoming.problems.is_empty() && !customer.tags.contains(&self.flag) {
            customer.tags.push(self.flag.clone());
        }
        self.incoming
    }
}

fn from_row(grid: &Grid, mapping: &Mapping, row: &GridRow, flag: &str, labelled: &dyn Fn(&str) -> bool) -> Incoming {
    let label = match &grid.sheet {
        Some(sheet) => format!("sheet '{sheet}' row {}", row.line),
        None => format!("row {}", row.line),
    };
    let mut b = Builder::new(row.line, grid.sheet.clone(), label, flag);
    let (mut given, mut family, mut address) = (String::new(), String::new(), Vec::new());
    for (column, value) in mapping.columns.iter().zip(&row.cells) {
        let value = super::cells::unquote(value.trim());
        if value.is_empty() {
            continue;
        }
        let header = column.header.as_str();
        let label_for = |kind: &str| labelled(kind).then(|| header.trim().to_owned());
        match &column.target {
            Target::Field(field) => b.field(header, *field, value),
            Target::GivenName => given = value.to_owned(),
            Target::FamilyName => family = value.to_owned(),
            Target::Phone => b.phone(header, value, label_for("phone").as_ref()),
            Target::Email => b.email(header, value, label_for("email").as_ref()),
            Target::Wechat => b.contact(ContactKind::Wechat, value, None),
            Target::Address => b.contact(ContactKind::Address, value, label_for("address")),
            Target::AddressPart => address.push(value.to_owned()),
            Target::Tags => b.tags(header, split_tags(value)),
            Target::Note => b.incoming.item.notes.push(value.to_owned()),
            Target::Custom(key) => b.custom(key, value),
            Target::Ignore => {}
        }
    }
    if !address.is_empty() {
        b.contact(ContactKind::Address, &address.join(" "), None);
    }
    b.finish(&given, &family)
}

fn from_card(card: Card, flag: &str) -> Incoming {
    let label = format!("card {} (line {})", card.index, card.line);
    let mut b = Builder::new(card.line, None, label, flag);
    b.customer().name = crate::quality::tidy(&card.name);
    if let Some(company) = &card.company {
        b.field("ORG", Field::Company, company);
    }
    if let Some(title) = &card.title {
        b.field("TITLE", Field::Title, title);
    }
    for (phone, kind) in &card.phones {
        b.phone("TEL", phone, kind.as_ref());
    }
    for (email, kind) in &card.emails {
        b.email("EMAIL", email, kind.as_ref());
    }
    for (address, kind) in &card.addresses {
        b.contact(ContactKind::Address, address, kind.clone());
    }
    if let Some(birthday) = &card.birthday {
        b.field("BDAY", Field::Birthday, birthday);
    }
    if let Some(url) = &card.url {
        b.custom("URL", url);
    }
    b.tags("CATEGORIES", card.categories.clone());
    if let Some(note) = card.note {
        b.incoming.item.notes.push(note);
    }
    if let Some((mime, data)) = card.photo {
        let ext = mime.strip_prefix("image/").unwrap_or("jpg").replace("jpeg", "jpg");
        b.incoming.item.attachments.push(BatchFile { name: format!("photo.{ext}"), mime, data });
    }
    // The lines of the card that could not be read are said on its row, by line.
    for skipped in card.skipped {
        b.incoming.problems.push(ImportProblem {
            row: card.line,
            sheet: None,
            column: format!("line {}", skipped.line),
            value: String::new(),
            code: IssueCode::Unreadable,
            reason: skipped.reason,
        });
    }
    b.finish("", "")
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
