//! The search phase, in a child process of its own (its memory figure is the core's as a
//! user would have it after unlocking): kehu's search against SQLite FTS5 on the same notebook,
//! recall against a substring scan, and how soon a saved note is found.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use kehu::Notebook;
use kehu::search::SearchQuery;
use kehu::store::{CustomerFilter, NewNote, SearchKind};

use crate::{PASSWORD, Report, agenda, generate, ms, percentile};

const RECALL_WORDS: &[&str] =
    &["合同", "报价", "预算", "样品", "演示", "付款", "交付", "竞争", "培训", "发票", "订单", "方案"];
const NOTE_WORDS: &[&str] = &[
    "合同",
    "报价",
    "预算",
    "样品",
    "演示",
    "付款",
    "交付",
    "竞争",
    "培训",
    "发票",
    "订单",
    "方案",
    "续签",
    "采购",
    "工厂",
    "物流",
    "补偿",
    "资质",
    "扩产",
    "董事长",
    "服务器",
    "机器人",
    "售后",
    "延迟",
    "价格",
];

pub fn search_phase(dir: &Path) -> Result<Report> {
    let generator = generate::Generator::new(7);
    let started = Instant::now();
    let mut nb = Notebook::open(dir, PASSWORD)?;
    let mut report = Report { unlock_ms: ms(started.elapsed()), ..Report::default() };
    // First, as a user unlocking would: the Today screen and the dashboard on cold pages.
    agenda::measure(&nb, &mut report)?;
    if !nb.bench_fts5_exists()? {
        nb.bench_fts5_build()?;
    }
    let verbose = std::env::var_os("KEHU_BENCH_VERBOSE").is_some();

    // The query set: one- and two-word Chinese, and pinyin of names and companies.
    let (companies, names) = generator.query_words();
    let mut chinese: Vec<String> = NOTE_WORDS.iter().map(|w| (*w).to_owned()).collect();
    for (i, company) in companies.iter().enumerate() {
        chinese.push(format!("{company} {}", NOTE_WORDS[i % NOTE_WORDS.len()]));
        chinese.push(format!("{} {}", NOTE_WORDS[i % NOTE_WORDS.len()], NOTE_WORDS[(i * 7 + 3) % NOTE_WORDS.len()]));
    }
    let mut pinyin = Vec::new();
    for name in names.iter().step_by(3) {
        let (full, initials) = kehu::rules::full_and_initials(name);
        pinyin.push(full);
        pinyin.push(initials);
    }
    for company in &companies {
        pinyin.push(kehu::rules::full_and_initials(company).0);
    }
    let mut cn_times = Vec::new();
    let mut pinyin_times = Vec::new();
    let mut unranked_times = Vec::new();
    let mut match_times = Vec::new();
    let mut fts5_times = Vec::new();
    for round in 0..2 {
        for (queries, times) in [(&chinese, &mut cn_times), (&pinyin, &mut pinyin_times)] {
            for q in queries {
                let started = Instant::now();
                let hits = nb.search(&SearchQuery { limit: 20, ..SearchQuery::new(format!("{q} ")) })?;
                if round == 1 {
                    times.push(started.elapsed());
                    if verbose {
                        eprintln!("{:8.2} ms  {q}", started.elapsed().as_secs_f64() * 1e3);
                    }
                }
                std::hint::black_box(hits);
                let words: Vec<&str> = q.split_whitespace().collect();
                let started = Instant::now();
                let rows = nb.bench_fts5_search(&words, 20, false)?;
                if round == 1 {
                    unranked_times.push(started.elapsed());
                    // Ranked LIKE scans every match; once is enough to time it.
                    let started = Instant::now();
                    std::hint::black_box(nb.bench_fts5_search(&words, 20, true)?);
                    fts5_times.push(started.elapsed());
                }
                std::hint::black_box(rows);
                let started = Instant::now();
                let rows = nb.bench_fts5_match(&words, 20)?;
                if round == 1 {
                    match_times.push(started.elapsed());
                }
                std::hint::black_box(rows);
            }
        }
    }
    let all: Vec<Duration> = cn_times.iter().chain(&pinyin_times).copied().collect();
    report.queries = all.len();
    report.search_p50_ms = ms(percentile(&all, 0.5));
    report.search_p99_ms = ms(percentile(&all, 0.99));
    report.search_cn_p99_ms = ms(percentile(&cn_times, 0.99));
    report.search_pinyin_p99_ms = ms(percentile(&pinyin_times, 0.99));
    report.fts5_unranked_p50_ms = ms(percentile(&unranked_times, 0.5));
    report.fts5_unranked_p99_ms = ms(percentile(&unranked_times, 0.99));
    report.fts5_match_only_p50_ms = ms(percentile(&match_times, 0.5));
    report.fts5_match_only_p99_ms = ms(percentile(&match_times, 0.99));
    report.fts5_search_p50_ms = ms(percentile(&fts5_times, 0.5));
    report.fts5_search_p99_ms = ms(percentile(&fts5_times, 0.99));

    let (mut truth, mut found, mut fts5_found) = (0usize, 0usize, 0usize);
    for word in RECALL_WORDS {
        let expected = nb.bench_notes_containing(word)?;
        let query = SearchQuery { kind: Some(SearchKind::Note), ..SearchQuery::new(format!("{word} ")) };
        truth += expected;
        found += nb.search_count(&query)?.min(expected);
        fts5_found += nb.bench_fts5_count(word)?.min(expected);
    }
    report.recall_2char = (found as f64 / truth.max(1) as f64 * 1000.0).round() / 1000.0;
    report.fts5_recall_2char = (fts5_found as f64 / truth.max(1) as f64 * 1000.0).round() / 1000.0;

    // Saved → searchable: a note with a word no other note has, then a search that must find it.
    let customer = nb.list_customers(&CustomerFilter { limit: Some(1), ..Default::default() })?[0].id;
    let mut saves = Vec::new();
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis();
    for i in 0..200 {
        let marker = format!("bench{run}n{i:04}x");
        let started = Instant::now();
        nb.add_note(&NewNote {
            customer_id: customer,
            body: Some(format!("今天的记录 {marker}")),
            ..Default::default()
        })?;
        let hits = nb.search(&SearchQuery::new(format!("{marker} ")))?;
        saves.push(started.elapsed());
        if verbose && started.elapsed() > Duration::from_millis(20) {
            eprintln!("save {i}: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
        }
        if hits.len() != 1 {
            bail!("note {marker} was not found right after saving");
        }
    }
    report.note_save_searchable_p50_ms = ms(percentile(&saves, 0.5));
    report.note_save_searchable_p99_ms = ms(percentile(&saves, 0.99));
    (report.rss_mb, report.rss_peak_mb) = memory()?;
    nb.close()?;
    Ok(report)
}

/// (VmRSS, VmHWM) of this process in MB.
fn memory() -> Result<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}
