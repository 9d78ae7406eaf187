//! Customer handover (客户交接): a chosen set of customers exported as an encrypted package —
//! optionally redacted — and imported into another notebook, where the customers it already
//! has are found and merged field by field as the user chooses.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::archive::{attachment_id, each_row, part_table, read_package};
use super::content::{package_tables, write_package};
use super::manifest::{Manifest, PackageInfo, PackageKind, Redaction};
use super::{BackupError, BackupOptions};
use crate::quality::{DuplicateIndex, DuplicateReason};
use crate::store::{
    AccessEvent, Change, ContactKind, CustomerFilter, CustomerRows, Field, FieldPath, Grade, NewContact, Row, RowScope,
    StagedRows, TransferTarget,
};
use crate::{Notebook, Result};

/// Which customers to hand over: the union of those listed, tagged, or graded so.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, optional_fields))]
#[serde(default)]
pub struct HandoverSelection {
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub customer_ids: Vec<i64>,
    pub tags: Vec<String>,
    pub grades: Vec<Grade>,
}

/// Writes the selected customers to `output` as a handover package encrypted with `password`.
pub fn export_handover(
    notebook: &mut Notebook,
    selection: &HandoverSelection,
    redaction: &Redaction,
    output: &Path,
    password: &str,
    options: BackupOptions,
) -> Result<PackageInfo> {
    if password.is_empty() {
        return Err(crate::Error::bad_value("package password", crate::store::ValueProblem::Empty));
    }
    crate::vault::require_backup_password(password)?;
    let ids = selected_customers(notebook, selection)?;
    if ids.is_empty() {
        let reason = "no customer matches the selection";
        return Err(crate::Error::refused("selection", reason, crate::store::ValueProblem::NothingMatches));
    }
    let info = write_package(
        notebook,
        output,
        password,
        options,
        PackageKind::Handover,
        RowScope::Customers(&ids),
        Some(redaction),
    )?;
    let info = super::verified(output, password, &info)?;
    let note = if redaction.is_empty() { "" } else { ", redacted" };
    notebook.store_mut().log_access(AccessEvent::Export, &format!("handover of {} customers{note}", ids.len()))?;
    Ok(info)
}

fn selected_customers(notebook: &Notebook, selection: &HandoverSelection) -> Result<BTreeSet<i64>> {
    let mut ids = BTreeSet::new();
    for &id in &selection.customer_ids {
        notebook.customer(id)?;
        ids.insert(id);
    }
    let mut add_all = |filter: CustomerFilter| -> Result<()> {
        let filter = CustomerFilter { limit: Some(usize::MAX >> 1), ..filter };
        ids.extend(notebook.list_customers(&filter)?.into_iter().map(|c| c.id));
        Ok(())
    };
    for tag in &selection.tags {
        add_all(CustomerFilter { tag: Some(tag.clone()), ..CustomerFilter::default() })?;
    }
    for grade in &selection.grades {
        add_all(CustomerFilter { grade: Some(*grade), ..CustomerFilter::default() })?;
    }
    Ok(ids)
}

/// A package read and checked against its manifest, its rows held in an encrypted scratch
/// database (memory stays bounded whatever the package's size).
#[derive(Debug)]
pub struct Package {
    pub path: PathBuf,
    pub manifest: Manifest,
    pub info: PackageInfo,
    rows: StagedRows,
    tag_names: BTreeMap<i64, String>,
}

impl Package {
    /// Reads and verifies a handover package or a backup (a backup's customers can be merged
    /// into a notebook the same way). Every row is checked with the store's rules as it is
    /// read: a bad one refuses the package, naming its table, row and field, before anything
    /// is planned or written.
    pub fn open(path: &Path, password: &str) -> Result<Package> {
        let mut staged = StagedRows::new()?;
        let manifest = read_package(path, password, |name, data| {
            if let Some(table) = part_table(name).filter(|t| package_tables().contains(t)) {
                each_row(path, name, data, |mut row| {
                    crate::store::check_incoming_row(table, &mut row).map_err(|e| in_file(path, e))?;
                    Ok(staged.push(table, &row)?)
                })?;
            } else if let Some(id) = attachment_id(name) {
                staged.push_attachment(id, data)?;
            }
            Ok(())
        })?;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Package::checked(path, manifest, staged, size)
    }

    /// A package already in memory (kehu's JSON export).
    pub(crate) fn from_parts(
        path: &Path,
        manifest: Manifest,
        tables: BTreeMap<String, Vec<Row>>,
        attachments: BTreeMap<i64, Vec<u8>>,
        size: u64,
    ) -> Result<Package> {
        let mut staged = StagedRows::new()?;
        for (table, rows) in tables {
            for mut row in rows {
                crate::store::check_incoming_row(&table, &mut row).map_err(|e| in_file(path, e))?;
                staged.push(&table, &row)?;
            }
        }
        for (id, data) in attachments {
            staged.push_attachment(id, &data)?;
        }
        Package::checked(path, manifest, staged, size)
    }

    /// Checks each attachment's bytes against its row, and indexes the rows.
    fn checked(path: &Path, manifest: Manifest, mut rows: StagedRows, size: u64) -> Result<Package> {
        rows.finish()?;
        rows.for_each("attachment", |row| {
            if let Some(data) =
                row.get("id").and_then(Json::as_i64).map(|id| rows.attachment(id)).transpose()?.flatten()
            {
                crate::store::check_attachment_data(&row, &data)?;
            }
            Ok(())
        })
        .map_err(|e| in_file(path, e))?;
        let mut tag_names = BTreeMap::new();
        rows.for_each("tag", |t| {
            if let (Some(id), Some(name)) = (t.get("id").and_then(Json::as_i64), t.get("name").and_then(Json::as_str)) {
                tag_names.insert(id, name.to_owned());
            }
            Ok::<_, crate::store::StoreError>(())
        })?;
        let info = manifest.info(size);
        Ok(Package { path: path.to_path_buf(), manifest, info, rows, tag_names })
    }

    fn tags_of(&self, own: &CustomerRows) -> Vec<String> {
        own.get("customer_tag")
            .iter()
            .filter_map(|l| self.tag_names.get(&l.get("tag_id")?.as_i64()?).cloned())
            .collect()
    }

    fn contacts_of(own: &CustomerRows) -> Vec<(ContactKind, String, String, Option<String>)> {
        own.get("contact_method")
            .iter()
            .filter_map(|c| {
                let kind = c.get("kind")?.as_str()?.parse().ok()?;
                let text = |k: &str| c.get(k).and_then(Json::as_str).map(str::to_owned);
                Some((kind, text("value")?, text("normalized")?, text("label")))
            })
            .collect()
    }
}

/// One profile value that differs between the notebook's customer and the incoming one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct FieldDiff {
    /// A profile field or a custom field.
    pub path: FieldPath,
    pub mine: Option<String>,
    pub theirs: Option<String>,
}

/// Which existing customer an incoming one duplicates, and how their profiles differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DuplicateMatch {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub existing_id: i64,
    pub existing_name: String,
    pub existing_company: Option<String>,
    pub reason: DuplicateReason,
    pub fields: Vec<FieldDiff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct IncomingCustomer {
    /// The customer's id inside the package; decisions name customers by it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub key: i64,
    pub name: String,
    pub company: Option<String>,
    pub tags: Vec<String>,
    /// Records that come with the customer, by table (`note`, `interaction`…).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub records: BTreeMap<String, u64>,
    pub duplicate: Option<DuplicateMatch>,
}

/// What an import would do, before it does it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportPlan {
    pub info: PackageInfo,
    pub customers: Vec<IncomingCustomer>,
}

/// What becomes of an incoming customer — a row of an imported file or a customer of a
/// package: the one vocabulary of the import and the handover.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    /// Add as a new customer (for a duplicate: keep both).
    #[serde(alias = "keep_both")]
    Add,
    #[default]
    Skip,
    /// Merge into the duplicate: its empty fields filled (in a handover, the fields in
    /// `take_theirs` take the incoming value); tags, contacts and every record are added.
    Merge,
}

impl std::str::FromStr for ImportAction {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "add" | "keep-both" | "keep_both" => Ok(ImportAction::Add),
            "skip" => Ok(ImportAction::Skip),
            "merge" => Ok(ImportAction::Merge),
            _ => Err(format!("'{s}' is not one of skip, merge, add (keep both)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, optional_fields))]
pub struct ImportDecision {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub key: i64,
    pub action: ImportAction,
    #[serde(default)]
    pub take_theirs: Vec<FieldPath>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ImportReport {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub added: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub merged: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub skipped: u64,
    /// Notes, interactions, tasks, complaints, credentials and attachments added.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
}

impl ImportPlan {
    /// New customers are added; duplicates merged, taking only the values the notebook lacks.
    pub fn default_decisions(&self) -> Vec<ImportDecision> {
        self.decisions(ImportAction::Merge, false)
    }

    /// The same choice for every duplicate: `on_duplicate`, and when merging, the incoming
    /// value of every differing field (`prefer_theirs`) or only of the empty ones.
    pub fn decisions(&self, on_duplicate: ImportAction, prefer_theirs: bool) -> Vec<ImportDecision> {
        self.customers
            .iter()
            .map(|c| match &c.duplicate {
                None => ImportDecision { key: c.key, action: ImportAction::Add, take_theirs: Vec::new() },
                Some(dup) => ImportDecision {
                    key: c.key,
                    action: on_duplicate,
                    take_theirs: dup
                        .fields
                        .iter()
                        .filter(|f| prefer_theirs || f.mine.is_none())
                        .map(|f| f.path.clone())
                        .collect(),
                },
            })
            .collect()
    }
}

/// Compares the package's customers with the notebook's: which are new, which duplicates.
pub fn plan_import(notebook: &Notebook, package: &Package) -> Result<ImportPlan> {
    let existing = DuplicateIndex::new(&notebook.store().survey_customers()?);
    let mut customers = Vec::new();
    package.rows.for_each("customer", |row| {
        let key = row.get("id").and_then(Json::as_i64).ok_or_else(|| damaged(package, "a customer without an id"))?;
        let name = text(&row, "name").ok_or_else(|| damaged(package, "a customer without a name"))?;
        let company = text(&row, "company");
        let own = package.rows.of_customer(key)?;
        let contacts = Package::contacts_of(&own);
        let matchable: Vec<(ContactKind, String)> = contacts.iter().map(|(k, _, n, _)| (*k, n.clone())).collect();
        let keys = DuplicateIndex::keys(&name, company.as_deref(), &matchable);
        let duplicate = match existing.find_keys(&keys) {
            None => None,
            Some((existing_id, reason)) => {
                let existing = notebook.customer(existing_id)?;
                Some(DuplicateMatch {
                    existing_id,
                    existing_name: existing.name.clone(),
                    existing_company: existing.company.clone(),
                    reason,
                    fields: field_diffs(&existing, &row),
                })
            }
        };
        let mut records = BTreeMap::new();
        for table in ["note", "interaction", "task", "complaint", "secret", "attachment"] {
            let n = own.get(table).len() as u64;
            if n > 0 {
                records.insert(table.to_owned(), n);
            }
        }
        customers.push(IncomingCustomer { key, name, company, tags: package.tags_of(&own), records, duplicate });
        Ok::<_, crate::Error>(())
    })?;
    Ok(ImportPlan { info: package.info.clone(), customers })
}

/// A refused row, said with the file it came from.
fn in_file(path: &Path, e: crate::store::StoreError) -> crate::Error {
    BackupError::RefusedRow { path: path.to_path_buf(), source: Box::new(e) }.into()
}

fn damaged(package: &Package, reason: &str) -> crate::Error {
    BackupError::Damaged { path: package.path.clone(), reason: reason.into() }.into()
}

fn text(row: &Row, column: &str) -> Option<String> {
    row.get(column).and_then(Json::as_str).map(str::to_owned)
}

fn custom_of(row: &Row) -> BTreeMap<String, String> {
    text(row, "custom")
        .and_then(|c| serde_json::from_str::<BTreeMap<String, Json>>(&c).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect()
}

fn field_diffs(existing: &crate::store::Customer, incoming: &Row) -> Vec<FieldDiff> {
    let mut diffs = Vec::new();
    for field in Field::ALL {
        let theirs = text(incoming, field.key());
        let mine = existing.field(*field);
        if theirs.is_some() && theirs != mine {
            diffs.push(FieldDiff { path: FieldPath::Customer { field: *field }, mine, theirs });
        }
    }
    for (key, theirs) in custom_of(incoming) {
        let mine = existing.custom.get(&key).cloned();
        if mine.as_ref() != Some(&theirs) {
            diffs.push(FieldDiff { path: FieldPath::Custom { key }, mine, theirs: Some(theirs) });
        }
    }
    diffs
}

/// Imports the package's customers as `decisions` say (a customer without a decision gets the
/// default one), in one transaction, and records the import in the access log.
pub fn apply_import(notebook: &mut Notebook, package: &Package, decisions: &[ImportDecision]) -> Result<ImportReport> {
    let plan = plan_import(notebook, package)?;
    let defaults = plan.default_decisions();
    let chosen: HashMap<i64, &ImportDecision> = decisions.iter().map(|d| (d.key, d)).collect();
    let mut targets = BTreeMap::new();
    let mut report = ImportReport::default();
    for (incoming, default) in plan.customers.iter().zip(&defaults) {
        let decision = chosen.get(&incoming.key).copied().unwrap_or(default);
        let target = match (decision.action, &incoming.duplicate) {
            (ImportAction::Skip, _) => {
                report.skipped += 1;
                continue;
            }
            (ImportAction::Add, _) => TransferTarget::New,
            (ImportAction::Merge, None) => {
                let reason = format!("customer {} ({}) has no duplicate to merge into", incoming.key, incoming.name);
                return Err(crate::Error::refused("decision", reason, crate::store::ValueProblem::NoDuplicate));
            }
            (ImportAction::Merge, Some(dup)) => {
                TransferTarget::Into(dup.existing_id, merge_changes(package, incoming.key, dup, &decision.take_theirs)?)
            }
        };
        targets.insert(incoming.key, target);
    }
    let counts = notebook.store_mut().transfer_customers(&package.rows, &targets)?;
    report.added = counts.added;
    report.merged = counts.merged;
    report.records = counts.records;
    notebook.store_mut().log_access(
        AccessEvent::Import,
        &format!(
            "{:?} package: {} added, {} merged, {} skipped",
            package.info.kind, report.added, report.merged, report.skipped
        )
        .to_lowercase(),
    )?;
    Ok(report)
}

fn merge_changes(package: &Package, key: i64, dup: &DuplicateMatch, take_theirs: &[FieldPath]) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    for path in take_theirs {
        let not_differing = || {
            let reason = format!("'{path}' is not a field that differs for customer {key}");
            crate::Error::refused(
                "take_theirs",
                reason,
                crate::store::ValueProblem::NotOneOf { value: path.to_string() },
            )
        };
        let diff = dup.fields.iter().find(|d| &d.path == path).ok_or_else(not_differing)?;
        changes.push(Change::setting(path, diff.theirs.clone()).ok_or_else(not_differing)?);
    }
    let own = package.rows.of_customer(key)?;
    for tag in package.tags_of(&own) {
        changes.push(Change::AddTag(tag));
    }
    let masked = package.manifest.redaction.as_ref().is_some_and(|r| r.mask_contacts);
    for (kind, value, _, label) in Package::contacts_of(&own) {
        if masked && matches!(kind, ContactKind::Phone | ContactKind::Email) {
            continue; // a masked number says nothing the notebook could keep
        }
        changes.push(Change::AddContact(NewContact { kind, value, label }));
    }
    Ok(changes)
}
