//! The interop phase: a 100 000-row ledger written as GBK CSV (as Excel on a Chinese Windows
//! saves it) and as XLSX, each imported into a new notebook (parse, check, duplicates, one
//! transaction); then the notebook exported to CSV and XLSX, and its data-quality report.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use kehu::Notebook;
use kehu::backup::ImportAction;
use kehu::interop::{ExportFormat, ExportOptions, ImportOptions, export, import_file};
use kehu::store::{ContactKind, NewCustomer};
use kehu::vault::KdfParams;

use crate::generate::Generator;
use crate::{Report, ms};

const HEADER: [&str; 12] =
    ["客户名称", "联系人", "职务", "手机", "邮箱", "行业", "地区", "来源", "客户等级", "标签", "客户编号", "备注"];

fn cells(c: &NewCustomer, note: &str) -> [String; 12] {
    let contact = |kind| c.contacts.iter().find(|m| m.kind == kind).map(|m| m.value.clone()).unwrap_or_default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        text(&c.company),
        c.name.clone(),
        text(&c.title),
        contact(ContactKind::Phone),
        contact(ContactKind::Email),
        text(&c.industry),
        text(&c.region),
        text(&c.source),
        c.grade.map(|g| g.label(kehu::store::Lang::ZhCn).to_owned()).unwrap_or_default(),
        c.tags.join("，"),
        c.custom.values().next().cloned().unwrap_or_default(),
        note.to_owned(),
    ]
}

pub fn interop_phase(dir: &Path, generator: &mut Generator, rows: usize, report: &mut Report) -> Result<()> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(HEADER)?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.merge_range(0, 0, 0, HEADER.len() as u16 - 1, "客户台账（基准测试）", &rust_xlsxwriter::Format::new())?;
    for (col, header) in HEADER.iter().enumerate() {
        sheet.write_string(1, col as u16, *header)?;
    }
    for i in 0..rows {
        let row = cells(&generator.customer(i), &generator.note());
        csv.write_record(&row)?;
        for (col, value) in row.iter().enumerate() {
            sheet.write_string(i as u32 + 2, col as u16, value)?;
        }
    }
    let text = String::from_utf8(csv.into_inner()?)?;
    let csv_path = dir.join("ledger.csv");
    std::fs::write(&csv_path, encoding_rs::GB18030.encode(&text).0)?;
    let xlsx_path = dir.join("ledger.xlsx");
    book.save(&xlsx_path)?;
    report.import_rows = rows;

    for (path, field) in [(&csv_path, &mut report.import_csv_ms), (&xlsx_path, &mut report.import_xlsx_ms)] {
        let target = dir.join(format!("import-{}", path.extension().unwrap().to_string_lossy()));
        let mut nb = Notebook::create(&target, b"bench password", KdfParams::INSECURE_FOR_TESTS)?;
        let started = Instant::now();
        // The generated ledger repeats some name + company pairs: keep both, so every row lands
        // (duplicate detection still runs on every row).
        let options = ImportOptions { on_duplicate: ImportAction::Add, ..ImportOptions::default() };
        let done = import_file(&mut nb, path, &options, &[], &mut |_, _| {})?;
        *field = ms(started.elapsed());
        anyhow::ensure!(done.added as usize == rows, "imported {} of {rows} rows", done.added);
    }

    let mut nb = Notebook::open(&dir.join("import-csv"), b"bench password")?;
    for (format, field) in
        [(ExportFormat::Csv, &mut report.export_csv_ms), (ExportFormat::Xlsx, &mut report.export_xlsx_ms)]
    {
        let out = dir.join(format!("export.{format:?}"));
        let started = Instant::now();
        export(&mut nb, &out, &ExportOptions { format, ..ExportOptions::default() }, &mut |_, _| {})?;
        *field = ms(started.elapsed());
    }
    let started = Instant::now();
    nb.quality_report(60)?;
    report.quality_ms = ms(started.elapsed());
    Ok(())
}
