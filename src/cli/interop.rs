//! `kehu import`, `kehu export`, `kehu mapping list|show|delete` and `kehu quality`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use kehu::backup::ImportAction;
use kehu::interop::{
    Encoding, EncodingSource, ExportFormat, ExportOptions, Format, ImportOptions, ImportPreview, InteropError,
    InvalidAction, Mapping, export as export_file, import_file, preview_import,
};
use kehu::quality::DuplicateReason;

use super::Ctx;
use super::customer::ListArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    file: PathBuf,
    /// csv | xlsx (also .xls) | vcard | json; detected from the name and content when absent
    #[arg(long)]
    format: Option<Format>,
    /// auto | utf-8 | gbk | big5 | utf-16 | shift_jis | euc-kr (CSV and vCard text a card does not
    /// declare); auto reads a byte-order mark, else UTF-8, else GBK
    #[arg(long, default_value = "auto")]
    encoding: Encoding,
    /// A saved mapping's name, or a JSON file of one, for the columns it names
    #[arg(long, value_name = "M")]
    mapping: Option<String>,
    /// Save the mapping used under this name
    #[arg(long, value_name = "NAME")]
    save_mapping: Option<String>,
    /// For rows that duplicate a customer: skip | merge | add (keep both; also keep-both)
    #[arg(long, default_value = "skip", value_parser = str::parse::<ImportAction>)]
    on_duplicate: ImportAction,
    /// Import nothing if any value is invalid (by default such rows are imported, flagged 待核实)
    #[arg(long)]
    reject_invalid: bool,
    /// Report what would happen, change nothing
    #[arg(long)]
    dry_run: bool,
}

pub(crate) fn import(ctx: &Ctx, a: &ImportArgs) -> Result<()> {
    let mut notebook = ctx.open()?;
    let mapping = match &a.mapping {
        None => None,
        Some(m) if Path::new(m).is_file() => {
            let text = kehu::limits::read_text_file(std::path::Path::new(m), kehu::limits::MAX_TEXT_BYTES)
                .with_context(|| format!("cannot read {m}"))?;
            Some(serde_json::from_str::<Mapping>(&text).map_err(|e| kehu::Error::Invalid(format!("{m}: {e}")))?)
        }
        Some(name) => {
            let json = notebook.import_mapping(name)?.ok_or_else(|| InteropError::UnknownMapping(name.clone()))?;
            Some(serde_json::from_str::<Mapping>(&json).map_err(|e| kehu::Error::Invalid(format!("{name}: {e}")))?)
        }
    };
    let options = ImportOptions {
        format: a.format,
        encoding: a.encoding,
        mapping,
        on_duplicate: a.on_duplicate,
        on_invalid: if a.reject_invalid { InvalidAction::Reject } else { InvalidAction::Flag },
        lang: ctx.out.lang,
    };
    // A preview reads and checks the whole file: only when its mapping is to be saved or it is
    // all that was asked for (the import reads the file itself).
    let preview =
        if a.dry_run || a.save_mapping.is_some() { Some(preview_import(&notebook, &a.file, &options)?) } else { None };
    if let (Some(name), Some(mapping)) = (&a.save_mapping, preview.as_ref().and_then(|p| p.mapping.as_ref())) {
        notebook.set_import_mapping(name, Some(&serde_json::to_string(mapping)?))?;
    }
    if let (true, Some(preview)) = (a.dry_run, &preview) {
        print_preview(ctx, preview);
        if a.reject_invalid && !preview.problems.is_empty() {
            bail!(InteropError::Rejected {
                file: preview.file.clone(),
                count: preview.problems.len(),
                first: preview.problems[0].to_string(),
            });
        }
        return Ok(());
    }
    let report = import_file(&mut notebook, &a.file, &options, &[], &mut |_, _| {})?;
    if ctx.out.json {
        ctx.out.json(&report);
        return Ok(());
    }
    let t = |zh, en| ctx.out.t(zh, en);
    for p in &report.problems {
        eprintln!("{}: {p}", report.file);
    }
    say!(
        "{} {}, {} {}, {} {}, {} {}",
        t("新增", "added"),
        report.added,
        t("合并", "merged"),
        report.merged,
        t("跳过", "skipped"),
        report.skipped,
        t("标记待核实", "flagged"),
        report.flagged
    );
    Ok(())
}

fn print_preview(ctx: &Ctx, p: &ImportPreview) {
    if ctx.out.json {
        ctx.out.json(p);
        return;
    }
    let t = |zh, en| ctx.out.t(zh, en);
    say!("{}: {:?}", p.file, p.format);
    if let (Some(encoding), Some(source)) = (&p.encoding, p.encoding_source) {
        let how = match source {
            EncodingSource::Declared => t("文件声明", "declared by the file"),
            EncodingSource::Chosen => t("所选", "chosen"),
            EncodingSource::Guessed => t("推测；不对时用 --encoding 指定", "guessed; choose another with --encoding"),
        };
        say!("{} {encoding} ({how})", t("编码", "encoding"));
    }
    if let Some(mapping) = &p.mapping {
        for (i, c) in mapping.columns.iter().enumerate() {
            let example = p.examples.get(i).filter(|e| !e.is_empty()).map(|e| format!("  «{e}»")).unwrap_or_default();
            say!("  {} → {}{example}", c.header, serde_json::to_string(&c.target).unwrap_or_default());
        }
    }
    let first: Vec<&str> = p.rows.iter().take(5).map(|r| r.name.as_str()).collect();
    if !first.is_empty() {
        say!("{}: {}", t("前几行的姓名", "names in the first rows"), first.join(t("、", ", ")));
    }
    say!(
        "{} {}: {} {}, {} {}, {} {}, {} {}",
        p.total,
        t("行", "rows"),
        p.new,
        t("新客户", "new"),
        p.duplicates,
        t("重复", "duplicates"),
        p.flagged,
        t("含无效值", "with invalid values"),
        p.unusable,
        t("无法导入", "unusable")
    );
    for problem in &p.problems {
        say!("  {problem}");
    }
    for row in p.rows.iter().filter(|r| r.duplicate.is_some()) {
        let d = row.duplicate.as_ref().expect("filtered");
        let target = match (d.existing_id, d.earlier_row) {
            (Some(id), _) => format!("#{id} {}", d.name),
            (None, Some(r)) => match ctx.out.lang {
                kehu::store::Lang::ZhCn => format!("第 {r} 行"),
                kehu::store::Lang::En => format!("row {r}"),
            },
            _ => d.name.clone(),
        };
        say!("  {} {}: {} ≈ {target} ({})", t("行", "row"), row.row, row.name, reason(&d.reason));
    }
}

pub(crate) fn reason(r: &DuplicateReason) -> String {
    match r {
        DuplicateReason::Phone(p) => format!("phone {p}"),
        DuplicateReason::Email(e) => format!("email {e}"),
        DuplicateReason::NameAndCompany => "name + company".into(),
        DuplicateReason::SimilarName => "similar name".into(),
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// csv | xlsx | vcard (3.0) | vcard4 | json
    #[arg(long)]
    format: ExportFormat,
    #[arg(long, short, value_name = "F")]
    output: PathBuf,
    /// CSV: utf-8 (with a BOM, the default) or gbk
    #[arg(long, default_value = "utf-8")]
    encoding: Encoding,
    /// Only this customer (repeatable): one person's data for an access request
    #[arg(long = "customer", value_name = "ID")]
    customers: Vec<i64>,
    /// JSON: include credentials (left out unless asked)
    #[arg(long)]
    with_secrets: bool,
    /// Replace the output file if it exists
    #[arg(long)]
    force: bool,
    /// CSV, XLSX: write cells beginning with = + - @ as they are, not as text (a spreadsheet
    /// would run them as formulas)
    #[arg(long)]
    raw_cells: bool,
    #[command(flatten)]
    filter: ListArgs,
}

pub(crate) fn export(ctx: &Ctx, a: ExportArgs) -> Result<()> {
    if a.output.exists() && !a.force {
        bail!(kehu::Error::Invalid(format!("{} exists; pass --force to replace it", a.output.display())));
    }
    let mut notebook = ctx.open()?;
    let options = ExportOptions {
        format: a.format,
        encoding: a.encoding,
        lang: ctx.out.lang,
        filter: a.filter.filter(),
        customer_ids: a.customers,
        with_secrets: a.with_secrets,
        raw_cells: a.raw_cells,
    };
    let report = export_file(&mut notebook, &a.output, &options, &mut |_, _| {})?;
    if ctx.out.json {
        ctx.out.json(&report);
    } else {
        say!("{} {} → {}", report.customers, ctx.out.t("位客户已导出", "customers exported"), report.path);
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub(crate) enum MappingCommand {
    /// The saved mappings' names
    List,
    /// A saved mapping as JSON (editable, and usable with --mapping FILE)
    Show { name: String },
    /// Forget a saved mapping
    Delete { name: String },
}

pub(crate) fn mapping(ctx: &Ctx, c: MappingCommand) -> Result<()> {
    let mut notebook = ctx.open()?;
    match c {
        MappingCommand::List => {
            let names = notebook.import_mapping_names()?;
            if ctx.out.json {
                ctx.out.json(&names);
            } else {
                names.iter().for_each(|n| say!("{n}"));
            }
        }
        MappingCommand::Show { name } => {
            let json = notebook.import_mapping(&name)?.ok_or(InteropError::UnknownMapping(name))?;
            let mapping: Mapping = serde_json::from_str(&json)?;
            ctx.out.json(&mapping);
        }
        MappingCommand::Delete { name } => {
            notebook.import_mapping(&name)?.ok_or_else(|| InteropError::UnknownMapping(name.clone()))?;
            notebook.set_import_mapping(&name, None)?;
            ctx.out.done(ctx.out.t("已删除", "deleted"), None);
        }
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct QualityArgs {
    /// Records scoring below this (0–100) are listed as incomplete
    #[arg(long, default_value_t = 60)]
    threshold: u8,
}

pub(crate) fn quality(ctx: &Ctx, a: &QualityArgs) -> Result<()> {
    let notebook = ctx.open()?;
    let report = notebook.quality_report(a.threshold)?;
    if ctx.out.json {
        ctx.out.json(&report);
        return Ok(());
    }
    let t = |zh, en| ctx.out.t(zh, en);
    say!(
        "{} {}, {} {:.0}",
        report.customers,
        t("位客户", "customers"),
        t("平均完整度", "average completeness"),
        report.average_score
    );
    say!("\n{} ({})", t("无效值", "Invalid values"), report.invalid.len());
    for f in &report.invalid {
        let fix = f.suggestion.as_deref().map(|s| format!(" → {s}")).unwrap_or_default();
        say!("  #{} {}\t{}\t{}\t{}{fix}", f.customer_id, f.customer_name, f.path, f.value, f.reason);
    }
    say!("\n{} ({})", t("疑似重复", "Likely duplicates"), report.duplicates.len());
    for cluster in &report.duplicates {
        let ids: Vec<String> = cluster.customer_ids.iter().map(|id| format!("#{id}")).collect();
        let why: Vec<String> = cluster.reasons.iter().map(reason).collect();
        say!("  {}\t{}", ids.join(" "), why.join(", "));
    }
    say!("\n{} ({})", t("资料不全", "Incomplete"), report.incomplete.len());
    for c in &report.incomplete {
        say!("  #{} {}\t{}\t{}", c.customer_id, c.customer_name, c.score, c.missing.join(", "));
    }
    Ok(())
}
