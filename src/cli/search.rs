//! `kehu search` and `kehu index check|rebuild`.

use std::io::IsTerminal;

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use kehu::search::{SearchHit, SearchQuery};
use kehu::store::{Grade, SearchKind, Stage};

use super::Ctx;
use super::output::local;

#[derive(Debug, clap::Args)]
pub(crate) struct SearchArgs {
    /// Words (all must match), "quoted phrases", pinyin (zhangwei, zw); inline filters such as
    /// tag:重点 grade:vip stage:active kind:note after:2026-01-01 before:2026-06-30
    query: String,
    /// At most this many results
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// customer | note | interaction | complaint | template (or 客户 / 记录 / 互动 / 投诉 / 模板)
    #[arg(long)]
    kind: Option<SearchKind>,
    #[arg(long)]
    tag: Option<String>,
    #[arg(long)]
    grade: Option<Grade>,
    #[arg(long)]
    stage: Option<Stage>,
    /// Only records at or after this date
    #[arg(long, value_parser = super::records::time_arg)]
    after: Option<DateTime<Utc>>,
    /// Only records at or before this date
    #[arg(long, value_parser = super::records::time_arg)]
    before: Option<DateTime<Utc>>,
}

pub(crate) fn search(ctx: &Ctx, a: SearchArgs) -> Result<()> {
    let query = SearchQuery {
        text: a.query,
        kind: a.kind,
        tag: a.tag,
        grade: a.grade,
        stage: a.stage,
        after: a.after,
        before: a.before,
        limit: a.limit,
    };
    let hits = ctx.open()?.search(&query)?;
    if ctx.out.json {
        ctx.out.json(&hits);
        return Ok(());
    }
    let bold = std::io::stdout().is_terminal();
    for hit in &hits {
        say!(
            "{} #{}\t{}\t{}\t{}",
            hit.kind.label(ctx.out.lang),
            hit.record_id,
            hit.title,
            local(&hit.at),
            highlighted(hit, bold)
        );
    }
    Ok(())
}

/// The snippet with its matches in bold on a terminal, in 【】 otherwise.
fn highlighted(hit: &SearchHit, bold: bool) -> String {
    let (open, close) = if bold { ("\x1b[1m", "\x1b[0m") } else { ("【", "】") };
    let mut out = String::new();
    let mut at = 0;
    for &(start, end) in &hit.highlights {
        out.push_str(&hit.snippet[at..start]);
        out.push_str(open);
        out.push_str(&hit.snippet[start..end]);
        out.push_str(close);
        at = end;
    }
    out.push_str(&hit.snippet[at..]);
    out.replace(['\n', '\t'], " ")
}

#[derive(Debug, Subcommand)]
pub(crate) enum IndexCommand {
    /// Compare the search index with the database
    Check,
    /// Rebuild the search index from the database
    Rebuild,
}

pub(crate) fn index(ctx: &Ctx, command: &IndexCommand) -> Result<()> {
    let mut notebook = ctx.open()?;
    match command {
        IndexCommand::Check => {
            let report = notebook.check_index()?;
            if ctx.out.json {
                ctx.out.json(&report);
            } else {
                say!(
                    "{} {} / {} {}",
                    ctx.out.t("已索引", "indexed"),
                    report.indexed,
                    report.expected,
                    ctx.out.t("条记录", "records")
                );
                for key in &report.missing {
                    say!("{}: {key}", ctx.out.t("缺少", "missing"));
                }
                for key in &report.extra {
                    say!("{}: {key}", ctx.out.t("多余", "extra"));
                }
            }
            if !report.is_consistent() {
                bail!(kehu::store::StoreError::Corrupt(format!(
                    "the search index disagrees with the database ({} missing, {} extra): run kehu index rebuild",
                    report.missing_count, report.extra_count
                )));
            }
        }
        IndexCommand::Rebuild => {
            notebook.rebuild_index()?;
            ctx.out.done(ctx.out.t("搜索索引已重建", "search index rebuilt"), None);
        }
    }
    Ok(())
}
