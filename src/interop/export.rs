//! Export: customers written for other programs — CSV (UTF-8 with a BOM so Excel opens it
//! right, or GB18030 for old Excel), XLSX with headers in the user's language, vCard 3.0/4.0,
//! and kehu's lossless JSON. The file is written beside its target and renamed into place.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::decode::Encoding;
use super::vcard::{self, Card, Version};
use super::{InteropError, json};
use crate::files::{AtomicFile, Existing};
use crate::rules::cells;
use crate::store::{AccessEvent, ContactKind, Customer, CustomerFilter, Lang};
use crate::{Notebook, Result};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Csv,
    Xlsx,
    Vcard3,
    Vcard4,
    Json,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "xlsx" | "excel" => Ok(ExportFormat::Xlsx),
            "vcard" | "vcf" | "vcard3" => Ok(ExportFormat::Vcard3),
            "vcard4" => Ok(ExportFormat::Vcard4),
            "json" => Ok(ExportFormat::Json),
            _ => Err(format!("unknown export format '{s}'; use csv, xlsx, vcard, vcard4 or json")),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, optional_fields))]
#[serde(default)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// CSV only: UTF-8 (with a BOM) unless GBK is asked for.
    pub encoding: Encoding,
    /// Header language (CSV, XLSX).
    pub lang: Lang,
    /// Which customers; all when empty and no ids are given.
    pub filter: CustomerFilter,
    /// These customers only (one customer's data for an access request).
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub customer_ids: Vec<i64>,
    /// JSON only: include credentials (left out unless asked).
    pub with_secrets: bool,
    /// CSV and XLSX: write cells that look like formulas as they are, instead of as text
    /// (see [`crate::rules::cells`]).
    pub raw_cells: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ExportReport {
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customers: u64,
}

/// The columns of a flat export, with their headers (which the importer recognises again).
const COLUMNS: &[(&str, &str, &str)] = &[
    ("name", "姓名", "Name"),
    ("company", "公司", "Company"),
    ("title", "职位", "Title"),
    ("phone", "电话", "Phone"),
    ("email", "邮箱", "Email"),
    ("wechat", "微信", "WeChat"),
    ("address", "地址", "Address"),
    ("industry", "行业", "Industry"),
    ("company_size", "公司规模", "Company size"),
    ("region", "地区", "Region"),
    ("source", "来源", "Source"),
    ("grade", "客户等级", "Grade"),
    ("stage", "阶段", "Stage"),
    ("colour", "颜色", "Colour"),
    ("birthday", "生日", "Birthday"),
    ("tags", "标签", "Tags"),
    ("note", "备注", "Notes"),
    ("created", "创建时间", "Created"),
    ("updated", "更新时间", "Updated"),
];

/// Excel's limit on the text of one cell.
const XLSX_CELL_CHARS: usize = 32_767;

/// Writes the chosen customers to `output`. `progress(done, total)` is called now and then.
pub fn export(
    notebook: &mut Notebook,
    output: &Path,
    options: &ExportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ExportReport> {
    let ids = chosen(notebook, options)?;
    if ids.is_empty() {
        let reason = "no customer matches; nothing to export";
        return Err(crate::Error::refused("customers", reason, crate::store::ValueProblem::NothingMatches));
    }
    let total = ids.len();
    let io = |e: std::io::Error| crate::Error::from(InteropError::io(output, e));
    // Written beside the target and renamed over it only when whole; removed if it fails.
    let mut file = AtomicFile::create(output, Existing::Replace).map_err(io)?;
    write_to(notebook, &mut file, &Chosen { path: output, ids: &ids, options }, progress)?;
    file.commit().map_err(io)?;
    progress(total, total);
    let format = format!("{:?}", options.format).to_lowercase();
    notebook.store_mut().log_access(AccessEvent::Export, &format!("{format} export of {total} customers"))?;
    Ok(ExportReport { path: output.display().to_string(), customers: total as u64 })
}

fn chosen(notebook: &Notebook, options: &ExportOptions) -> Result<Vec<i64>> {
    if !options.customer_ids.is_empty() {
        for &id in &options.customer_ids {
            notebook.customer(id)?;
        }
        return Ok(options.customer_ids.clone());
    }
    let filter = CustomerFilter { offset: 0, limit: None, ..options.filter.clone() };
    let mut ids: Vec<i64> = notebook.list_customers(&filter)?.into_iter().map(|c| c.id).collect();
    ids.sort_unstable(); // the order they were added in, as a ledger lists them
    Ok(ids)
}

/// What an export writes: the customers chosen, to which file, how.
#[derive(Clone, Copy)]
struct Chosen<'a> {
    path: &'a Path,
    ids: &'a [i64],
    options: &'a ExportOptions,
}

fn write_to(
    notebook: &mut Notebook,
    file: &mut AtomicFile,
    chosen: &Chosen<'_>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<()> {
    let Chosen { path, ids, options } = *chosen;
    let io = |e: std::io::Error| crate::Error::from(InteropError::io(path, e));
    match options.format {
        ExportFormat::Json => {
            let set: BTreeSet<i64> = ids.iter().copied().collect();
            let mut file = std::io::BufWriter::new(file);
            json::write(notebook, Some(&set), options.with_secrets, &mut file)?;
            file.flush().map_err(io)
        }
        ExportFormat::Vcard3 | ExportFormat::Vcard4 => {
            let version = if options.format == ExportFormat::Vcard3 { Version::V3 } else { Version::V4 };
            let mut file = std::io::BufWriter::new(file);
            let mut text = String::new();
            for (i, &id) in ids.iter().enumerate() {
                text.clear();
                let customer = notebook.customer(id)?;
                vcard::write(&card_of(notebook, &customer)?, version, &mut text);
                file.write_all(text.as_bytes()).map_err(io)?;
                tick(progress, i, ids.len());
            }
            file.flush().map_err(io)
        }
        ExportFormat::Csv => {
            let customers = load(notebook, ids)?;
            let keys = custom_keys(&customers);
            let mut csv = csv::WriterBuilder::new().from_writer(Vec::new());
            let headers = COLUMNS.iter().map(|c| header(c, options.lang)).chain(keys.iter().cloned());
            csv.write_record(headers).map_err(|e| io(e.into()))?;
            for (i, customer) in customers.iter().enumerate() {
                let values = row(notebook, customer, options.lang, usize::MAX, &keys)?;
                let cells = values.iter().map(|v| if options.raw_cells { v.into() } else { cells::neutralize(v) });
                csv.write_record(cells.map(std::borrow::Cow::into_owned)).map_err(|e| io(e.into()))?;
                tick(progress, i, ids.len());
            }
            let text = String::from_utf8(csv.into_inner().map_err(|e| io(e.into_error()))?)
                .map_err(|e| crate::Error::Invalid(e.to_string()))?;
            let bytes = match options.encoding {
                Encoding::Gbk => encoding_rs::GB18030.encode(&text).0.into_owned(),
                Encoding::Auto | Encoding::Utf8 | Encoding::Utf16 => {
                    [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()
                }
                // They cannot hold every character a notebook does: an export in them would lose some.
                other @ (Encoding::Big5 | Encoding::ShiftJis | Encoding::EucKr) => {
                    let encoding = other.decoder_name().to_uppercase();
                    let reason =
                        format!("CSV is exported in UTF-8 or GBK (which hold every character), not {encoding}");
                    let problem = crate::store::ValueProblem::EncodingTooNarrow { encoding };
                    return Err(crate::Error::refused("encoding", reason, problem));
                }
            };
            file.write_all(&bytes).map_err(io)
        }
        ExportFormat::Xlsx => write_xlsx(notebook, file, chosen, progress),
    }
}

fn tick(progress: &mut dyn FnMut(usize, usize), i: usize, total: usize) {
    if i % 500 == 499 {
        progress(i + 1, total);
    }
}

fn header(column: &(&str, &str, &str), lang: Lang) -> String {
    match lang {
        Lang::ZhCn => column.1.to_owned(),
        Lang::En => column.2.to_owned(),
    }
}

fn row(notebook: &Notebook, c: &Customer, lang: Lang, limit: usize, custom_keys: &[String]) -> Result<Vec<String>> {
    let contacts = |kind: ContactKind| -> String {
        c.contacts.iter().filter(|m| m.kind == kind).map(|m| m.value.as_str()).collect::<Vec<_>>().join(" / ")
    };
    let latest_note = notebook.notes(c.id)?.into_iter().next().map(|n| n.body).unwrap_or_default();
    let label =
        |key: Option<String>, f: &dyn Fn(&str) -> Option<String>| key.as_deref().and_then(f).unwrap_or_default();
    let values = COLUMNS.iter().map(|(key, _, _)| match *key {
        "name" => c.name.clone(),
        "company" => c.company.clone().unwrap_or_default(),
        "title" => c.title.clone().unwrap_or_default(),
        "phone" => contacts(ContactKind::Phone),
        "email" => contacts(ContactKind::Email),
        "wechat" => contacts(ContactKind::Wechat),
        "address" => contacts(ContactKind::Address),
        "industry" => c.industry.clone().unwrap_or_default(),
        "company_size" => label(c.company_size.map(|s| s.label(lang).to_owned()), &|s| Some(s.to_owned())),
        "region" => c.region.clone().unwrap_or_default(),
        "source" => c.source.clone().unwrap_or_default(),
        "grade" => c.grade.label(lang).to_owned(),
        "stage" => c.stage.label(lang).to_owned(),
        "colour" => c.colour.map(|v| v.label(lang).to_owned()).unwrap_or_default(),
        "birthday" => c.birthday.clone().unwrap_or_default(),
        "tags" => c.tags.join(", "),
        "note" => latest_note.chars().take(limit).collect(),
        "created" => c.created_at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string(),
        _ => c.updated_at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string(),
    });
    let mut out: Vec<String> = values.collect();
    out.extend(custom_keys.iter().map(|k| c.custom.get(k).cloned().unwrap_or_default()));
    Ok(out)
}

fn load(notebook: &Notebook, ids: &[i64]) -> Result<Vec<Customer>> {
    ids.iter().map(|&id| notebook.customer(id)).collect()
}

/// Every custom field in use, in first-seen order: one column each after the fixed ones.
fn custom_keys(customers: &[Customer]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut keys = Vec::new();
    for c in customers {
        for key in c.custom.keys() {
            if seen.insert(key.clone()) {
                keys.push(key.clone());
            }
        }
    }
    keys
}

fn card_of(notebook: &mut Notebook, c: &Customer) -> Result<Card> {
    let of = |kind: ContactKind| -> Vec<(String, Option<String>)> {
        c.contacts.iter().filter(|m| m.kind == kind).map(|m| (m.value.clone(), m.label.clone())).collect()
    };
    let notes: Vec<String> = notebook.notes(c.id)?.into_iter().map(|n| n.body).collect();
    let photo =
        notebook.attachments(c.id)?.into_iter().find(|a| a.mime.starts_with("image/") && a.name.starts_with("photo"));
    let photo = match photo {
        Some(a) => {
            let (_, data) = notebook.attachment_data(a.id)?;
            Some((a.mime, data))
        }
        None => None,
    };
    Ok(Card {
        index: 0,
        line: 0,
        name: c.name.clone(),
        company: c.company.clone(),
        title: c.title.clone(),
        phones: of(ContactKind::Phone),
        emails: of(ContactKind::Email),
        addresses: of(ContactKind::Address),
        birthday: c.birthday.clone(),
        note: (!notes.is_empty()).then(|| notes.join("\n\n")),
        categories: c.tags.clone(),
        photo,
        url: c.custom.get("URL").cloned(),
        skipped: Vec::new(),
    })
}

fn write_xlsx(
    notebook: &Notebook,
    file: &mut AtomicFile,
    chosen: &Chosen<'_>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<()> {
    let Chosen { path, ids, options } = *chosen;
    use rust_xlsxwriter::{Format, Workbook};
    let lang = options.lang;
    let xlsx =
        |e: rust_xlsxwriter::XlsxError| crate::Error::from(InteropError::Invalid(format!("{}: {e}", path.display())));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(if lang == Lang::ZhCn { "客户" } else { "Customers" }).map_err(xlsx)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let quoted = Format::new().set_quote_prefix();
    let quoted_wrap = Format::new().set_quote_prefix().set_text_wrap();
    for (col, column) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, header(column, lang), &bold).map_err(xlsx)?;
        let width = match column.0 {
            "name" | "phone" | "birthday" | "grade" | "stage" | "region" => 16.0,
            "note" | "address" | "company" => 32.0,
            _ => 14.0,
        };
        sheet.set_column_width(col as u16, width).map_err(xlsx)?;
    }
    let customers = load(notebook, ids)?;
    let keys = custom_keys(&customers);
    for (i, key) in keys.iter().enumerate() {
        let col = (COLUMNS.len() + i) as u16;
        sheet.write_string_with_format(0, col, key, &bold).map_err(xlsx)?;
        sheet.set_column_width(col, 16.0).map_err(xlsx)?;
    }
    let last_col = (COLUMNS.len() + keys.len()).saturating_sub(1) as u16;
    sheet.set_freeze_panes(1, 1).map_err(xlsx)?;
    for (i, customer) in customers.iter().enumerate() {
        let values = row(notebook, customer, lang, XLSX_CELL_CHARS, &keys)?;
        for (col, value) in values.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let (r, c) = (i as u32 + 1, col as u16);
            let format = match (value.contains('\n'), !options.raw_cells && cells::is_formula_like(value)) {
                (true, true) => Some(&quoted_wrap),
                (true, false) => Some(&wrap),
                (false, true) => Some(&quoted),
                (false, false) => None,
            };
            match format {
                Some(format) => sheet.write_string_with_format(r, c, value, format).map_err(xlsx)?,
                None => sheet.write_string(r, c, value).map_err(xlsx)?,
            };
        }
        tick(progress, i, ids.len());
    }
    sheet.autofilter(0, 0, ids.len() as u32, last_col).map_err(xlsx)?;
    book.save_to_writer(file).map_err(xlsx)
}
