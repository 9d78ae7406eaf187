//! The dashboard's figures, computed here so the CLI (`kehu report`) and the app show the same:
//! customers by grade, stage, industry, region and source; new customers per month and
//! interactions per week by kind, in the user's calendar; the stage funnel; overdue follow-ups
//! by grade. Labels come in the asked language, and each chart's data can be written as CSV.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Today;
use crate::store::{Grade, InteractionKind, Lang, Result, Stage, Store};

/// How many months and weeks the time charts cover, the current one included.
pub const MONTHS: u32 = 12;
pub const WEEKS: u32 = 12;
/// Free-text columns show their most frequent values; the rest are summed as "other".
pub const TOP_VALUES: usize = 12;

/// One bar or slice: a stable key (empty: not set; `*other`: the rest), its label, its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Slice {
    pub key: String,
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
}

/// One kind's counts, aligned with the report's weeks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Series {
    pub key: String,
    pub label: String,
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub counts: Vec<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Report {
    pub generated_at: DateTime<Utc>,
    pub zone: String,
    pub lang: Lang,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customers: u64,
    pub by_grade: Vec<Slice>,
    pub by_stage: Vec<Slice>,
    pub by_industry: Vec<Slice>,
    pub by_region: Vec<Slice>,
    pub by_source: Vec<Slice>,
    /// Keys `2026-11`, oldest first.
    pub new_per_month: Vec<Slice>,
    /// The Mondays the weeks begin on, oldest first.
    pub weeks: Vec<NaiveDate>,
    pub interactions_per_week: Vec<Series>,
    /// Customers at or past each stage of potential → active → loyal (churned left out).
    pub funnel: Vec<Slice>,
    pub overdue_by_grade: Vec<Slice>,
    /// Every chart's title in the report's language, in the dashboard's order.
    pub titles: Vec<ChartTitle>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ChartTitle {
    pub chart: Chart,
    pub title: String,
    /// What the chart counts in all: customers, new customers, interactions, tasks.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
}

/// The dashboard's charts, for CSV export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    Grade,
    Stage,
    Industry,
    Region,
    Source,
    NewCustomers,
    Interactions,
    Funnel,
    Overdue,
}

impl Chart {
    pub const ALL: &'static [Chart] = &[
        Chart::Grade,
        Chart::Stage,
        Chart::Industry,
        Chart::Region,
        Chart::Source,
        Chart::NewCustomers,
        Chart::Interactions,
        Chart::Funnel,
        Chart::Overdue,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Chart::Grade => "grade",
            Chart::Stage => "stage",
            Chart::Industry => "industry",
            Chart::Region => "region",
            Chart::Source => "source",
            Chart::NewCustomers => "new_customers",
            Chart::Interactions => "interactions",
            Chart::Funnel => "funnel",
            Chart::Overdue => "overdue",
        }
    }

    pub fn title(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Chart::Grade => ("客户等级", "Customers by grade"),
            Chart::Stage => ("客户阶段", "Customers by stage"),
            Chart::Industry => ("行业分布", "Customers by industry"),
            Chart::Region => ("地区分布", "Customers by region"),
            Chart::Source => ("客户来源", "Customers by source"),
            Chart::NewCustomers => ("每月新增客户", "New customers per month"),
            Chart::Interactions => ("每周互动（按方式）", "Interactions per week by kind"),
            Chart::Funnel => ("阶段漏斗", "Stage funnel"),
            Chart::Overdue => ("逾期跟进（按等级）", "Overdue follow-ups by grade"),
        };
        if lang == Lang::En { en } else { zh }
    }
}

impl std::str::FromStr for Chart {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Chart::ALL.iter().copied().find(|c| c.key() == s).ok_or_else(|| {
            let keys: Vec<_> = Chart::ALL.iter().map(|c| c.key()).collect();
            format!("unknown chart '{s}' (one of {})", keys.join(", "))
        })
    }
}

fn word(lang: Lang, zh: &'static str, en: &'static str) -> String {
    (if lang == Lang::En { en } else { zh }).to_owned()
}

impl Store {
    /// The dashboard's figures as of `today`, labelled in `lang`.
    pub(crate) fn report(&self, today: &Today, lang: Lang) -> Result<Report> {
        let counted = |column: &str| self.count_customers_by(column);
        let vocab_slices = |rows: Vec<(Option<String>, u64)>, label: &dyn Fn(&str) -> Option<String>| {
            rows.into_iter()
                .map(|(key, count)| {
                    let key = key.unwrap_or_default();
                    let label = label(&key).unwrap_or_else(|| key.clone());
                    Slice { key, label, count }
                })
                .collect::<Vec<_>>()
        };
        let grades = counted("grade")?;
        let customers = grades.iter().map(|(_, n)| n).sum();
        let by_grade = in_order(
            &vocab_slices(grades, &|k| k.parse::<Grade>().ok().map(|g| g.label(lang).to_owned())),
            Grade::ALL.iter().map(|g| (g.key(), g.label(lang))),
        );
        let by_stage = in_order(
            &vocab_slices(counted("stage")?, &|k| k.parse::<Stage>().ok().map(|s| s.label(lang).to_owned())),
            Stage::ALL.iter().map(|s| (s.key(), s.label(lang))),
        );
        let stage_count = |stages: &[Stage]| {
            by_stage.iter().filter(|s| stages.iter().any(|st| st.key() == s.key)).map(|s| s.count).sum::<u64>()
        };
        let funnel = [
            (Stage::Potential, stage_count(&[Stage::Potential, Stage::Active, Stage::Loyal])),
            (Stage::Active, stage_count(&[Stage::Active, Stage::Loyal])),
            (Stage::Loyal, stage_count(&[Stage::Loyal])),
        ]
        .into_iter()
        .map(|(stage, count)| Slice { key: stage.key().into(), label: stage.label(lang).into(), count })
        .collect();

        let date = today.date();
        let month_starts: Vec<NaiveDate> = (0..=MONTHS)
            .rev()
            .map(|back| {
                let first = date.with_day(1).expect("day 1 exists");
                if back == 0 { first + Months::new(1) } else { first - Months::new(back - 1) }
            })
            .collect();
        let bounds: Vec<_> = month_starts.iter().map(|d| today.start_of(*d)).collect();
        let new_per_month = month_starts
            .iter()
            .zip(self.count_customers_created(&bounds)?)
            .map(|(start, count)| {
                let key = start.format("%Y-%m").to_string();
                Slice { label: key.clone(), key, count }
            })
            .collect();

        let monday = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
        let week_starts: Vec<NaiveDate> =
            (0..=WEEKS).rev().map(|back| monday - Days::new(7 * u64::from(back)) + Days::new(7)).collect();
        let bounds: Vec<_> = week_starts.iter().map(|d| today.start_of(*d)).collect();
        let per_week = self.count_interactions(&bounds)?;
        let interactions_per_week = InteractionKind::ALL
            .iter()
            .map(|kind| Series {
                key: kind.key().into(),
                label: kind.label(lang).into(),
                counts: per_week
                    .iter()
                    .map(|week| week.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n))
                    .collect(),
            })
            .collect();

        let overdue = self.count_overdue_by_grade(today.now, today.floating())?;
        let overdue_by_grade = Grade::ALL
            .iter()
            .map(Some)
            .chain([None])
            .map(|grade| {
                let count = overdue.iter().find(|(g, _)| g.as_ref() == grade).map_or(0, |(_, n)| *n);
                match grade {
                    Some(g) => Slice { key: g.key().into(), label: g.label(lang).into(), count },
                    None => Slice { key: String::new(), label: word(lang, "无客户", "No customer"), count },
                }
            })
            .collect();

        let mut report = Report {
            generated_at: today.now,
            zone: today.zone.name().to_owned(),
            lang,
            customers,
            by_grade,
            by_stage,
            by_industry: top_values(counted("industry")?, lang),
            by_region: top_values(counted("region")?, lang),
            by_source: top_values(counted("source")?, lang),
            new_per_month,
            weeks: week_starts[..week_starts.len() - 1].to_vec(),
            interactions_per_week,
            funnel,
            overdue_by_grade,
            titles: Vec::new(),
        };
        report.titles = Chart::ALL
            .iter()
            .map(|c| ChartTitle { chart: *c, title: c.title(lang).to_owned(), total: report.total(*c) })
            .collect();
        Ok(report)
    }
}

impl Report {
    /// What a chart counts in all.
    pub fn total(&self, chart: Chart) -> u64 {
        let sum = |slices: &[Slice]| slices.iter().map(|s| s.count).sum();
        match chart {
            Chart::Grade | Chart::Stage | Chart::Industry | Chart::Region | Chart::Source => self.customers,
            Chart::NewCustomers => sum(&self.new_per_month),
            Chart::Interactions => self.interactions_per_week.iter().flat_map(|s| &s.counts).sum(),
            Chart::Funnel => self.funnel.first().map_or(0, |s| s.count),
            Chart::Overdue => sum(&self.overdue_by_grade),
        }
    }
}

/// Vocabulary slices in the vocabulary's order, every value present (zero if none).
fn in_order<'a>(slices: &[Slice], keys: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<Slice> {
    keys.map(|(key, label)| {
        slices.iter().find(|s| s.key == key).cloned().unwrap_or_else(|| Slice {
            key: key.into(),
            label: label.into(),
            count: 0,
        })
    })
    .collect()
}

/// The most frequent values of a free-text column, then "other" and "not set".
fn top_values(rows: Vec<(Option<String>, u64)>, lang: Lang) -> Vec<Slice> {
    let unset: u64 =
        rows.iter().filter(|(k, _)| k.as_deref().is_none_or(|k| k.trim().is_empty())).map(|(_, n)| n).sum();
    let set: Vec<_> = rows.into_iter().filter_map(|(k, n)| Some((k.filter(|k| !k.trim().is_empty())?, n))).collect();
    let mut slices: Vec<Slice> =
        set.iter().take(TOP_VALUES).map(|(k, n)| Slice { key: k.clone(), label: k.clone(), count: *n }).collect();
    let other: u64 = set.iter().skip(TOP_VALUES).map(|(_, n)| n).sum();
    if other > 0 {
        slices.push(Slice { key: "*other".into(), label: word(lang, "其他", "Other"), count: other });
    }
    if unset > 0 {
        slices.push(Slice { key: String::new(), label: word(lang, "未填写", "Not set"), count: unset });
    }
    slices
}

/// One chart's data as CSV (UTF-8 with a BOM, so Excel opens Chinese correctly), headed in
/// the report's language.
pub fn chart_csv(report: &Report, chart: Chart) -> String {
    let lang = report.lang;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let slices = |header: String, slices: &[Slice]| {
        let mut rows = vec![vec![header, word(lang, "数量", "Count")]];
        rows.extend(slices.iter().map(|s| vec![s.label.clone(), s.count.to_string()]));
        rows
    };
    let rows = match chart {
        Chart::Grade => slices(word(lang, "等级", "Grade"), &report.by_grade),
        Chart::Stage => slices(word(lang, "阶段", "Stage"), &report.by_stage),
        Chart::Industry => slices(word(lang, "行业", "Industry"), &report.by_industry),
        Chart::Region => slices(word(lang, "地区", "Region"), &report.by_region),
        Chart::Source => slices(word(lang, "来源", "Source"), &report.by_source),
        Chart::NewCustomers => slices(word(lang, "月份", "Month"), &report.new_per_month),
        Chart::Funnel => slices(word(lang, "阶段", "Stage"), &report.funnel),
        Chart::Overdue => slices(word(lang, "等级", "Grade"), &report.overdue_by_grade),
        Chart::Interactions => {
            let mut header = vec![word(lang, "周起始日", "Week of")];
            header.extend(report.interactions_per_week.iter().map(|s| s.label.clone()));
            let mut rows = vec![header];
            for (i, week) in report.weeks.iter().enumerate() {
                let mut row = vec![week.to_string()];
                row.extend(report.interactions_per_week.iter().map(|s| s.counts[i].to_string()));
                rows.push(row);
            }
            rows
        }
    };
    // Labels are the user's own text (an industry, a region): a formula-like one is made text.
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| crate::rules::cells::neutralize(cell).into_owned()))
            .expect("writing to memory");
    }
    let bytes = writer.into_inner().expect("writing to memory");
    format!("\u{feff}{}", String::from_utf8(bytes).expect("CSV of UTF-8 strings"))
}

/// Writes a chart the user saves (its picture or its data) beside `output` and renames it into
/// place, so an interrupted save never leaves half a file under the chosen name.
pub fn save_chart_file(output: &std::path::Path, bytes: &[u8]) -> crate::Result<()> {
    if !output.is_absolute() {
        let reason = format!("'{}' is not a full path: choose where to save", output.display());
        return Err(crate::Error::refused("file", reason, crate::store::ValueProblem::NotAFullPath));
    }
    crate::files::save(output, bytes, crate::files::Existing::Replace)
        .map_err(crate::Error::io(format!("writing {}", output.display())))
}
