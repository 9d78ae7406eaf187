//! `kehu agenda|report|review`: today's follow-ups, occasions, review queue and complaints; the
//! dashboard's figures (or one chart as CSV); the review policy by grade.

use std::path::PathBuf;

use anyhow::{Context, Result};
use kehu::clock::Today;
use kehu::report::{Chart, chart_csv};
use kehu::store::{Grade, ReviewPolicy};

use super::Ctx;
use super::output::local;
use super::records::task_line;

#[derive(Debug, clap::Args)]
pub(crate) struct AgendaArgs {
    /// How many days ahead to look for follow-ups, birthdays and anniversaries
    #[arg(long, default_value_t = 7)]
    days: u32,
}

pub(crate) fn agenda(ctx: &Ctx, args: &AgendaArgs) -> Result<()> {
    let agenda = ctx.open()?.agenda(&Today::local(), args.days)?;
    if ctx.out.json {
        ctx.out.json(&agenda);
        return Ok(());
    }
    let out = &ctx.out;
    let heading = |zh: &str, en: &str, n: usize| say!("\n{} ({n})", out.t(zh, en));
    say!("{} {}", out.t("今天", "Today"), agenda.today);
    for (zh, en, tasks) in [
        ("逾期", "Overdue", &agenda.overdue),
        ("今天到期", "Due today", &agenda.due_today),
        ("即将到期", "Coming up", &agenda.upcoming),
    ] {
        heading(zh, en, tasks.len());
        for task in tasks {
            say!("{}", task_line(ctx, task));
        }
    }
    heading("生日与纪念日", "Birthdays and anniversaries", agenda.occasions.len());
    for o in &agenda.occasions {
        let what = o.field.clone().unwrap_or_else(|| out.t("生日", "birthday").to_owned());
        let years = o.years.map(|n| format!(" ({n})")).unwrap_or_default();
        say!("{}\t{}\t{what}{years}\t#{}", o.date, o.name, o.customer_id);
    }
    heading("待回访", "Due for review", agenda.review.len());
    for r in &agenda.review {
        say!(
            "#{}\t{}\t{}\t{} {} / {}",
            r.customer_id,
            r.name,
            r.grade.label(out.lang),
            r.days_since,
            out.t("天未联系", "days since contact"),
            r.allowed_days
        );
    }
    if agenda.review_total > agenda.review.len() as u64 {
        say!("… {} {}", agenda.review_total, out.t("位客户待回访", "customers due for review in all"));
    }
    heading("未解决投诉", "Unresolved complaints", agenda.complaints.len());
    for c in &agenda.complaints {
        say!("#{}\t{}\t{}\t{}\t{}", c.id, c.status.label(out.lang), local(&c.opened_at), c.customer_name, c.title);
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// Print one chart's data as CSV instead: grade, stage, industry, region, source,
    /// new_customers, interactions, funnel or overdue
    #[arg(long, value_name = "CHART")]
    csv: Option<Chart>,
    /// Write the CSV to this file instead of standard output
    #[arg(long, requires = "csv")]
    output: Option<PathBuf>,
}

pub(crate) fn report(ctx: &Ctx, args: &ReportArgs) -> Result<()> {
    let report = ctx.open()?.report(&Today::local(), ctx.out.lang)?;
    if let Some(chart) = args.csv {
        let csv = chart_csv(&report, chart);
        match &args.output {
            Some(path) => {
                let path = std::path::absolute(path).with_context(|| format!("writing {}", path.display()))?;
                kehu::report::save_chart_file(&path, csv.as_bytes())?;
            }
            None => say_part!("{csv}"),
        }
        return Ok(());
    }
    if ctx.out.json {
        ctx.out.json(&report);
        return Ok(());
    }
    say!("{}: {}", ctx.out.t("客户总数", "Customers"), report.customers);
    for (chart, slices) in [
        (Chart::Grade, &report.by_grade),
        (Chart::Stage, &report.by_stage),
        (Chart::Funnel, &report.funnel),
        (Chart::Industry, &report.by_industry),
        (Chart::Region, &report.by_region),
        (Chart::Source, &report.by_source),
        (Chart::NewCustomers, &report.new_per_month),
        (Chart::Overdue, &report.overdue_by_grade),
    ] {
        say!("\n{}", chart.title(ctx.out.lang));
        for s in slices {
            say!("  {}\t{}", s.label, s.count);
        }
    }
    say!("\n{}", Chart::Interactions.title(ctx.out.lang));
    for (i, week) in report.weeks.iter().enumerate() {
        let counts: Vec<String> = report
            .interactions_per_week
            .iter()
            .filter(|s| s.counts[i] > 0)
            .map(|s| format!("{} {}", s.label, s.counts[i]))
            .collect();
        say!("  {week}\t{}", counts.join(", "));
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct ReviewArgs {
    /// Days a VIP customer may go without contact
    #[arg(long)]
    vip: Option<u32>,
    /// Days a normal customer may go without contact
    #[arg(long)]
    normal: Option<u32>,
    /// Days a potential customer may go without contact
    #[arg(long)]
    potential: Option<u32>,
}

/// Shows the review policy, or changes the days given.
pub(crate) fn review(ctx: &Ctx, args: &ReviewArgs) -> Result<()> {
    let mut notebook = ctx.open()?;
    let mut policy: ReviewPolicy = notebook.review_policy()?;
    let changing = args.vip.is_some() || args.normal.is_some() || args.potential.is_some();
    if changing {
        policy.vip = args.vip.unwrap_or(policy.vip);
        policy.normal = args.normal.unwrap_or(policy.normal);
        policy.potential = args.potential.unwrap_or(policy.potential);
        notebook.set_review_policy(&policy)?;
    }
    if ctx.out.json {
        ctx.out.json(&policy);
    } else {
        for grade in Grade::ALL {
            say!("{}\t{} {}", grade.label(ctx.out.lang), policy.days(*grade), ctx.out.t("天", "days"));
        }
    }
    Ok(())
}
