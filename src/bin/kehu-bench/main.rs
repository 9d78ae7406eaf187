//! `kehu-bench`: measures the core at a chosen scale, in release mode, and prints a table and
//! (with `--json`) one JSON object. `make bench` runs it at the scale the issues name; the figures
//! go into the issues' closing notes. Every comparison (SQLite FTS5) runs in the same process
//! on the same notebook. The search phase runs in a child process, so that its memory figure is
//! the core's as a user would have it after unlocking, not the builder's.

mod agenda;
mod generate;
mod interop;
mod merge;
mod search;
mod table;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use kehu::Notebook;
use kehu::store::{CustomerFilter, NewNote};
use kehu::vault::KdfParams;
use serde::{Deserialize, Serialize};

/// The allocator the `kehu` command and the desktop app use (see src/main.rs), so that the
/// figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(about = "kehu's benchmark")]
struct Args {
    /// Customers in the generated notebook
    #[arg(long, default_value_t = 10_000)]
    customers: usize,
    /// Notes in the generated notebook
    #[arg(long, default_value_t = 100_000)]
    notes: usize,
    /// Customers added one transaction each (durable commit per customer)
    #[arg(long, default_value_t = 300)]
    single_adds: usize,
    /// Runs of the CLI read
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Keep the generated notebook in DIR (password: "bench password"), for measuring the app;
    /// with --interop-phase, the ledgers and the notebooks they were imported into
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Print one JSON object instead of the table
    #[arg(long)]
    json: bool,
    /// Internal: run only the search phase on the notebook in DIR and print its JSON
    #[arg(long, hide = true, value_name = "DIR")]
    search_phase: Option<PathBuf>,
    /// Run only the backup phase on the notebook in DIR (password "bench password")
    #[arg(long, value_name = "DIR")]
    backup_phase: Option<PathBuf>,
    /// Run only the interop phase (import, export and quality of a ledger of this many rows)
    #[arg(long, value_name = "ROWS")]
    interop_phase: Option<usize>,
    /// Rows of the ledger the interop phase imports
    #[arg(long, default_value_t = 100_000)]
    import_rows: usize,
    /// With --backup-phase: skip the (slow) restore
    #[arg(long)]
    no_restore: bool,
    /// Interactions logged in the large notebook (over the last half year)
    #[arg(long, default_value_t = 200_000)]
    interactions: usize,
    /// Customers in the backup the merge phase merges (and a tenth of that, to show the growth);
    /// 0 skips the phase
    #[arg(long, default_value_t = 100_000)]
    merge_customers: usize,
    /// Run only the merge phase, in DIR's temporary folders
    #[arg(long, value_name = "DIR")]
    merge_phase: Option<PathBuf>,
    /// Run only the agenda phase (report and agenda timings) on the notebook in DIR
    #[arg(long, value_name = "DIR")]
    agenda_phase: Option<PathBuf>,
}

const PASSWORD: &[u8] = b"bench password";
/// A restored notebook's master password is held to a new one's rule.
const RESTORED_PASSWORD: &str = "绿茶-青岛-晨跑-1987-风筝 bench";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Report {
    customers: usize,
    notes: usize,
    kdf_memory_mib: u32,
    kdf_iterations: u32,
    kdf_parallelism: u32,
    kdf_ms: f64,
    unlock_ms: f64,
    cli_read_p50_ms: f64,
    cli_read_max_ms: f64,
    add_customers_batch_ms: f64,
    add_customers_per_second: f64,
    add_customer_single_p50_ms: f64,
    add_notes_per_second: f64,
    list_all_customers_ms: f64,
    index_build_ms: f64,
    index_build_docs_per_s: f64,
    fts5_build_ms: f64,
    queries: usize,
    search_p50_ms: f64,
    search_p99_ms: f64,
    search_cn_p99_ms: f64,
    search_pinyin_p99_ms: f64,
    /// FTS5 answering as kehu does, the best 20: `MATCH … ORDER BY rank` for words of 3+
    /// characters, `LIKE` newest first for shorter ones (the trigram index cannot serve those).
    fts5_search_p50_ms: f64,
    fts5_search_p99_ms: f64,
    /// FTS5's cheapest answer: the first 20 notes found, unranked.
    fts5_unranked_p50_ms: f64,
    fts5_unranked_p99_ms: f64,
    /// `MATCH` alone, which finds nothing for two-character words.
    fts5_match_only_p50_ms: f64,
    fts5_match_only_p99_ms: f64,
    recall_2char: f64,
    fts5_recall_2char: f64,
    note_save_searchable_p50_ms: f64,
    note_save_searchable_p99_ms: f64,
    rss_mb: f64,
    rss_peak_mb: f64,
    database_mb: f64,
    index_mb: f64,
    /// The database file copied to a new file and fsynced, best of two: the yardstick.
    plain_copy_ms: f64,
    backup_ms: f64,
    /// Plain copy time / backup time: 1.0 is as fast as the copy.
    backup_speed_vs_copy: f64,
    backup_mb: f64,
    backup_verify_ms: f64,
    restore_ms: f64,
    import_rows: usize,
    /// `backup restore --merge` of N/10 and N customers into a notebook holding a tenth of them.
    merges: Vec<merge::MergeFigures>,
    /// A GBK CSV ledger imported into a new notebook: read, checked, matched, one transaction.
    import_csv_ms: f64,
    import_xlsx_ms: f64,
    export_csv_ms: f64,
    export_xlsx_ms: f64,
    quality_ms: f64,
    interactions: usize,
    /// `kehu report`'s figures, first call after unlock (cold pages) and later ones.
    report_first_ms: f64,
    report_p50_ms: f64,
    report_max_ms: f64,
    /// The agenda (Today): follow-ups, occasions in 7 days, review queue, complaints.
    agenda_first_ms: f64,
    agenda_p50_ms: f64,
    agenda_max_ms: f64,
    agenda_review_total: u64,
    agenda_items: u64,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> Result<()> {
    kehu::vault::harden_process()?;
    let args = Args::parse();
    if let Some(dir) = &args.search_phase {
        let report = search::search_phase(dir)?;
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    if let Some(dir) = &args.agenda_phase {
        let mut report = Report::default();
        let started = Instant::now();
        let nb = Notebook::open(dir, PASSWORD)?;
        report.unlock_ms = ms(started.elapsed());
        if std::env::var_os("KEHU_BENCH_VERBOSE").is_some() {
            agenda::parts(&nb)?;
        }
        agenda::measure(&nb, &mut report)?;
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            table::print_agenda_rows(&report);
        }
        return Ok(());
    }
    if let Some(rows) = args.interop_phase {
        let tmp = tempfile::tempdir()?;
        // With --keep, the ledgers and the notebooks they were imported into stay, for profiling.
        let dir = match &args.keep {
            Some(keep) => {
                std::fs::create_dir_all(keep)?;
                keep.as_path()
            }
            None => tmp.path(),
        };
        let mut report = Report::default();
        interop::interop_phase(dir, &mut generate::Generator::new(20261125), rows, &mut report)?;
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            table::print_interop_rows(&report);
        }
        return Ok(());
    }
    if let Some(dir) = &args.merge_phase {
        let mut report = Report { merges: merge::merge_phase(dir, args.merge_customers)?, ..Report::default() };
        report.customers = args.merge_customers;
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            table::print_merge_rows(&report);
        }
        return Ok(());
    }
    if let Some(dir) = &args.backup_phase {
        let mut report = Report::default();
        backup_phase(dir, &mut report, !args.no_restore)?;
        if args.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            table::print_backup_rows(&report);
        }
        return Ok(());
    }
    let tmp = tempfile::tempdir()?;
    let mut generator = generate::Generator::new(20261124);
    let mut report = Report { customers: args.customers, notes: args.notes, ..Report::default() };

    let kdf = KdfParams::calibrate(Duration::from_millis(500));
    (report.kdf_memory_mib, report.kdf_iterations, report.kdf_parallelism) =
        (kdf.memory_kib / 1024, kdf.iterations, kdf.parallelism);
    let started = Instant::now();
    kdf.derive(PASSWORD, &[7u8; 16])?;
    report.kdf_ms = ms(started.elapsed());
    cli_and_write_figures(&args, &mut report, &mut generator, tmp.path(), kdf)?;

    // The large notebook, with the real KDF: searches open it as a user would.
    let dir = match &args.keep {
        Some(dir) => dir.clone(),
        None => tmp.path().join("large"),
    };
    if dir.join("kehu.header").exists() {
        bail!("{} already holds a notebook", dir.display());
    }
    let mut nb = Notebook::create(&dir, PASSWORD, kdf)?;
    let mut ids = Vec::with_capacity(args.customers);
    let now = kehu::clock::now();
    for start in (0..args.customers).step_by(10_000) {
        // Customers added over the past two years, so the dashboard's months have something.
        let age = 730 * (args.customers - start) / args.customers.max(1);
        kehu::clock::set_fixed_now(Some(now - chrono::Duration::days(age as i64)));
        let batch: Vec<_> = (start..(start + 10_000).min(args.customers)).map(|i| generator.customer(i)).collect();
        ids.extend(nb.add_customers(&batch)?);
    }
    let started = Instant::now();
    for start in (0..args.notes).step_by(50_000) {
        // Notes written until some 40 days ago: the review queue then holds the VIPs.
        let age = 40 + 360 * (args.notes - start) / args.notes.max(1);
        kehu::clock::set_fixed_now(Some(now - chrono::Duration::days(age as i64)));
        let batch: Vec<_> = (start..(start + 50_000).min(args.notes))
            .map(|i| NewNote {
                customer_id: ids[(i * 7919) % ids.len()],
                body: Some(generator.note()),
                // Spread over three years, so recency ranking has something to rank.
                at: Some(now - chrono::Duration::minutes(((i * 104_729) % (3 * 365 * 24 * 60)) as i64)),
                ..Default::default()
            })
            .collect();
        nb.add_notes(&batch)?;
    }
    kehu::clock::set_fixed_now(None);
    report.add_notes_per_second = (args.notes as f64 / started.elapsed().as_secs_f64()).round();
    agenda::seed(&mut nb, &ids, now, args.interactions)?;
    report.interactions = args.interactions;
    let started = Instant::now();
    nb.rebuild_index()?;
    let build = started.elapsed();
    report.index_build_ms = ms(build);
    let docs = args.customers + args.notes;
    report.index_build_docs_per_s = (docs as f64 / build.as_secs_f64()).round();
    let started = Instant::now();
    nb.bench_fts5_build()?;
    report.fts5_build_ms = ms(started.elapsed());
    nb.close()?;

    let child = Command::new(std::env::current_exe()?).arg("--search-phase").arg(&dir).output()?;
    if !child.status.success() {
        bail!("search phase failed: {}", String::from_utf8_lossy(&child.stderr));
    }
    let phase: Report = serde_json::from_slice(&child.stdout).context("search phase output")?;
    merge(&mut report, &phase);
    report.database_mb = mb(std::fs::metadata(dir.join(kehu::DB_FILE))?.len());
    report.index_mb = mb(dir_size(&dir.join(kehu::INDEX_DIR))?);
    backup_phase(&dir, &mut report, true)?;
    interop::interop_phase(tmp.path(), &mut generator, args.import_rows, &mut report)?;
    report.merges = merge::merge_phase(tmp.path(), args.merge_customers)?;

    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        table::print_table(&report);
    }
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    (bytes as f64 / 1_048_576.0 * 10.0).round() / 10.0
}

fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        total += entry?.metadata()?.len();
    }
    Ok(total)
}

fn merge(report: &mut Report, phase: &Report) {
    report.unlock_ms = phase.unlock_ms;
    report.queries = phase.queries;
    report.search_p50_ms = phase.search_p50_ms;
    report.search_p99_ms = phase.search_p99_ms;
    report.search_cn_p99_ms = phase.search_cn_p99_ms;
    report.search_pinyin_p99_ms = phase.search_pinyin_p99_ms;
    report.fts5_unranked_p50_ms = phase.fts5_unranked_p50_ms;
    report.fts5_unranked_p99_ms = phase.fts5_unranked_p99_ms;
    report.fts5_match_only_p50_ms = phase.fts5_match_only_p50_ms;
    report.fts5_match_only_p99_ms = phase.fts5_match_only_p99_ms;
    report.fts5_search_p50_ms = phase.fts5_search_p50_ms;
    report.fts5_search_p99_ms = phase.fts5_search_p99_ms;
    report.recall_2char = phase.recall_2char;
    report.fts5_recall_2char = phase.fts5_recall_2char;
    report.note_save_searchable_p50_ms = phase.note_save_searchable_p50_ms;
    report.note_save_searchable_p99_ms = phase.note_save_searchable_p99_ms;
    report.rss_mb = phase.rss_mb;
    report.rss_peak_mb = phase.rss_peak_mb;
    report.report_first_ms = phase.report_first_ms;
    report.report_p50_ms = phase.report_p50_ms;
    report.report_max_ms = phase.report_max_ms;
    report.agenda_first_ms = phase.agenda_first_ms;
    report.agenda_p50_ms = phase.agenda_p50_ms;
    report.agenda_max_ms = phase.agenda_max_ms;
    report.agenda_review_total = phase.agenda_review_total;
    report.agenda_items = phase.agenda_items;
}

/// The issue-3 figures: CLI unlock-to-answer on a small notebook, bulk and single adds.
fn cli_and_write_figures(
    args: &Args,
    report: &mut Report,
    generator: &mut generate::Generator,
    tmp: &Path,
    kdf: KdfParams,
) -> Result<()> {
    let small = tmp.join("small");
    let mut nb = Notebook::create(&small, PASSWORD, kdf)?;
    nb.add_customers(&(0..100).map(|i| generator.customer(i)).collect::<Vec<_>>())?;
    nb.close()?;
    let kehu = std::env::current_exe()?.with_file_name("kehu");
    if !kehu.exists() {
        bail!("{} not found: build it with `cargo build --release`", kehu.display());
    }
    let password_file = tmp.join("password");
    std::fs::write(&password_file, PASSWORD)?;
    let mut runs = Vec::new();
    for _ in 0..args.runs {
        let started = Instant::now();
        let out = Command::new(&kehu)
            .arg("--notebook")
            .arg(&small)
            .arg("--password-file")
            .arg(&password_file)
            .args(["--json", "customer", "list", "--limit", "20"])
            .output()?;
        runs.push(started.elapsed());
        if !out.status.success() {
            bail!("kehu failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    report.cli_read_p50_ms = ms(percentile(&runs, 0.5));
    report.cli_read_max_ms = ms(percentile(&runs, 1.0));

    let mut nb = Notebook::create(&tmp.join("writes"), PASSWORD, KdfParams::INSECURE_FOR_TESTS)?;
    let batch: Vec<_> = (0..10_000).map(|i| generator.customer(i)).collect();
    let started = Instant::now();
    nb.add_customers(&batch)?;
    let elapsed = started.elapsed();
    report.add_customers_batch_ms = ms(elapsed);
    report.add_customers_per_second = (10_000.0 / elapsed.as_secs_f64()).round();
    let mut singles = Vec::new();
    for i in 0..args.single_adds {
        let customer = generator.customer(10_000 + i);
        let started = Instant::now();
        nb.add_customer(&customer)?;
        singles.push(started.elapsed());
    }
    report.add_customer_single_p50_ms = ms(percentile(&singles, 0.5));
    let started = Instant::now();
    nb.list_customers(&CustomerFilter::default())?;
    report.list_all_customers_ms = ms(started.elapsed());
    Ok(())
}

/// Two-character words of the generated notes that no generated name or company contains, so
/// counting notes that contain them measures recall on note text.
/// Backup against the yardstick the issue names: a plain copy of the database file, in the
/// same run, to the same folder, both made durable. Then verify and restore.
fn backup_phase(dir: &Path, report: &mut Report, restore: bool) -> Result<()> {
    let out = tempfile::tempdir_in(dir.parent().unwrap_or(Path::new(".")))?;
    let copy = |n: usize| -> Result<Duration> {
        let target = out.path().join(format!("copy-{n}.db"));
        let started = Instant::now();
        std::fs::copy(dir.join(kehu::DB_FILE), &target)?;
        std::fs::File::open(&target)?.sync_all()?;
        let elapsed = started.elapsed();
        std::fs::remove_file(&target)?;
        Ok(elapsed)
    };
    let first = copy(0)?;
    let mut nb = Notebook::open(dir, PASSWORD)?;
    let file = out.path().join("bench.age");
    let started = Instant::now();
    let info = kehu::backup::create(&mut nb, &file, "bench backup password", kehu::backup::BackupOptions::default())?;
    let backup = started.elapsed();
    drop(nb);
    let plain = first.min(copy(1)?);
    report.plain_copy_ms = ms(plain);
    report.backup_ms = ms(backup);
    report.backup_speed_vs_copy = (plain.as_secs_f64() / backup.as_secs_f64() * 100.0).round() / 100.0;
    report.backup_mb = mb(info.size);
    let started = Instant::now();
    kehu::backup::verify(&file, "bench backup password")?;
    report.backup_verify_ms = ms(started.elapsed());
    if !restore {
        return Ok(());
    }
    let started = Instant::now();
    kehu::backup::restore(
        &file,
        "bench backup password",
        &out.path().join("restored"),
        RESTORED_PASSWORD,
        KdfParams::calibrated_default(),
    )?;
    report.restore_ms = ms(started.elapsed());
    Ok(())
}
