//! The agenda and dashboard at scale: follow-ups, interactions and complaints seeded into the
//! large notebook (spread over the past months, as a year of use leaves them), then `report`
//! and `agenda` timed on the notebook opened afresh — the first call (cold pages) and the
//! median of later ones.

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};
use kehu::Notebook;
use kehu::clock::{self, Today};
use kehu::store::{InteractionKind, Lang, NewInteraction, NewTask};

use crate::{Report, ms};

/// Interactions, tasks and complaints for the customers `ids`, as of `now`.
pub fn seed(nb: &mut Notebook, ids: &[i64], now: DateTime<Utc>, interactions: usize) -> Result<()> {
    let kinds = InteractionKind::ALL;
    // Interactions over the last half year, in weekly batches logged the week they happened.
    for week in 0..26usize {
        let end = now - chrono::Duration::weeks(week as i64);
        clock::set_fixed_now(Some(end));
        let batch: Vec<NewInteraction> = (0..interactions / 26)
            .map(|i| {
                let n = week * 100_003 + i;
                NewInteraction {
                    customer_id: ids[(n * 7919) % ids.len()],
                    kind: kinds[n % kinds.len()],
                    summary: "电话沟通报价与交期".into(),
                    outcome: None,
                    at: Some(end - chrono::Duration::minutes(((n * 104_729) % (7 * 24 * 60)) as i64)),
                    closes_task: None,
                }
            })
            .collect();
        nb.add_interactions(&batch)?;
    }
    clock::set_fixed_now(Some(now - chrono::Duration::days(60)));
    // A task for every fifth customer: due from two months ago to two months ahead, some done.
    for (i, id) in ids.iter().step_by(5).enumerate() {
        let due = now + chrono::Duration::hours(((i * 7919) % (120 * 24)) as i64 - 60 * 24);
        let task =
            NewTask { customer_id: Some(*id), title: "跟进报价".into(), due: Some(due), all_day: i % 3 == 0 };
        let task = nb.add_task(&task)?;
        if i % 4 == 0 {
            nb.complete_task(task)?;
        }
    }
    for id in ids.iter().step_by(50) {
        nb.add_complaint(*id, "发货延迟", None)?;
    }
    clock::set_fixed_now(None);
    Ok(())
}

/// Times the report and the agenda on the notebook opened in this process.
pub fn measure(nb: &Notebook, report: &mut Report) -> Result<()> {
    let today = Today::local();
    let timed = |f: &dyn Fn() -> Result<()>| -> Result<Duration> {
        let started = Instant::now();
        f()?;
        Ok(started.elapsed())
    };
    let report_once = || -> Result<()> { nb.report(&today, Lang::ZhCn).map(drop).map_err(Into::into) };
    let agenda_once = || -> Result<()> { nb.agenda(&today, 7).map(drop).map_err(Into::into) };
    report.report_first_ms = ms(timed(&report_once)?);
    report.agenda_first_ms = ms(timed(&agenda_once)?);
    let mut reports = Vec::new();
    let mut agendas = Vec::new();
    for _ in 0..7 {
        reports.push(timed(&report_once)?);
        agendas.push(timed(&agenda_once)?);
    }
    reports.sort();
    agendas.sort();
    report.report_p50_ms = ms(reports[reports.len() / 2]);
    report.report_max_ms = ms(reports[reports.len() - 1]);
    report.agenda_p50_ms = ms(agendas[agendas.len() / 2]);
    report.agenda_max_ms = ms(agendas[agendas.len() - 1]);
    let agenda = nb.agenda(&today, 7)?;
    report.agenda_review_total = agenda.review_total;
    report.agenda_items =
        (agenda.overdue.len() + agenda.due_today.len() + agenda.upcoming.len() + agenda.occasions.len()) as u64;
    Ok(())
}

/// Each of the agenda's reads timed alone (`KEHU_BENCH_VERBOSE`), to see where its time goes.
pub fn parts(nb: &Notebook) -> Result<()> {
    for (name, took, rows) in nb.bench_agenda_reads(&Today::local())? {
        eprintln!("  {name:<28} {:>8.1} ms  ({rows} rows)", ms(took));
    }
    Ok(())
}
