//! `kehu-bench`: measures the core at a chosen scale, in release mode, and prints a table and
//! (with `--json`) one JSON object. `make bench` runs it; the figures go into issue notes.

mod generate;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use kehu::Notebook;
use kehu::store::{CustomerFilter, NewNote};
use kehu::vault::KdfParams;
use serde::Serialize;

#[derive(Debug, Parser)]
#[command(about = "kehu's benchmark")]
struct Args {
    /// Customers added through the library API in one batch
    #[arg(long, default_value_t = 10_000)]
    customers: usize,
    /// Notes spread over those customers
    #[arg(long, default_value_t = 10_000)]
    notes: usize,
    /// Customers added one transaction each (durable commit per customer)
    #[arg(long, default_value_t = 300)]
    single_adds: usize,
    /// Runs of the CLI read
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Print one JSON object instead of the table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    customers: usize,
    notes: usize,
    kdf_memory_mib: u32,
    kdf_iterations: u32,
    kdf_parallelism: u32,
    kdf_ms: f64,
    create_ms: f64,
    unlock_ms: f64,
    cli_read_p50_ms: f64,
    cli_read_max_ms: f64,
    add_customers_batch_ms: f64,
    add_customers_per_second: f64,
    add_notes_batch_ms: f64,
    add_customer_single_p50_ms: f64,
    list_all_customers_ms: f64,
    database_bytes: u64,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort();
    let idx = ((samples.len() - 1) as f64 * p).round() as usize;
    samples[idx]
}

const PASSWORD: &[u8] = b"bench password";

fn main() -> Result<()> {
    kehu::vault::harden_process()?;
    let args = Args::parse();
    let tmp = tempfile::tempdir()?;
    let mut generator = generate::Generator::new(20261124);

    // KDF as `kehu init` calibrates it on this machine.
    let kdf = KdfParams::calibrate(Duration::from_millis(500));
    let small = tmp.path().join("small");
    let started = Instant::now();
    let mut nb = Notebook::create(&small, PASSWORD, kdf)?;
    let create = started.elapsed();
    let seed: Vec<_> = (0..100).map(|i| generator.customer(i)).collect();
    nb.add_customers(&seed)?;
    nb.close()?;
    let started = Instant::now();
    let nb = Notebook::open(&small, PASSWORD)?;
    let unlock = started.elapsed();
    drop(nb);
    let started = Instant::now();
    kdf.derive(PASSWORD, &[7u8; 16])?;
    let kdf_time = started.elapsed();

    // Unlock-to-answer through the real CLI: a new process, a password file, a read.
    let kehu = std::env::current_exe()?.with_file_name("kehu");
    if !kehu.exists() {
        bail!("{} not found: build it with `cargo build --release`", kehu.display());
    }
    let password_file = tmp.path().join("password");
    std::fs::write(&password_file, PASSWORD)?;
    let mut cli_runs = Vec::new();
    for _ in 0..args.runs {
        cli_runs.push(time_cli(&kehu, &small, &password_file)?);
    }

    // Bulk writes through the library API, cheap KDF (the KDF is measured above).
    let big = tmp.path().join("big");
    let mut nb = Notebook::create(&big, PASSWORD, KdfParams::INSECURE_FOR_TESTS)?;
    let batch: Vec<_> = (0..args.customers).map(|i| generator.customer(i)).collect();
    let started = Instant::now();
    let ids = nb.add_customers(&batch)?;
    let add_batch = started.elapsed();
    let started = Instant::now();
    for i in 0..args.notes {
        let note =
            NewNote { customer_id: ids[i % ids.len().max(1)], body: Some(generator.note()), ..Default::default() };
        nb.add_note(&note)?;
    }
    let add_notes = started.elapsed();
    let mut singles = Vec::new();
    for i in 0..args.single_adds {
        let customer = generator.customer(args.customers + i);
        let started = Instant::now();
        nb.add_customer(&customer)?;
        singles.push(started.elapsed());
    }
    let started = Instant::now();
    let listed = nb.list_customers(&CustomerFilter::default())?.len();
    let list_all = started.elapsed();
    assert_eq!(listed, args.customers + args.single_adds);
    nb.close()?;
    let database_bytes = std::fs::metadata(big.join(kehu::DB_FILE))?.len();

    let report = Report {
        customers: args.customers,
        notes: args.notes,
        kdf_memory_mib: kdf.memory_kib / 1024,
        kdf_iterations: kdf.iterations,
        kdf_parallelism: kdf.parallelism,
        kdf_ms: ms(kdf_time),
        create_ms: ms(create),
        unlock_ms: ms(unlock),
        cli_read_p50_ms: ms(percentile(cli_runs.clone(), 0.5)),
        cli_read_max_ms: ms(percentile(cli_runs, 1.0)),
        add_customers_batch_ms: ms(add_batch),
        add_customers_per_second: (args.customers as f64 / add_batch.as_secs_f64()).round(),
        add_notes_batch_ms: ms(add_notes),
        add_customer_single_p50_ms: ms(percentile(singles, 0.5)),
        list_all_customers_ms: ms(list_all),
        database_bytes,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

fn time_cli(kehu: &Path, notebook: &Path, password_file: &Path) -> Result<Duration> {
    let started = Instant::now();
    let out = Command::new(kehu)
        .arg("--notebook")
        .arg(notebook)
        .arg("--password-file")
        .arg(password_file)
        .args(["--json", "customer", "list", "--limit", "20"])
        .output()
        .context("running kehu")?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        bail!("kehu failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(elapsed)
}

fn print_table(r: &Report) {
    let rows = [
        ("Argon2id parameters", format!("{} MiB, t={}, p={}", r.kdf_memory_mib, r.kdf_iterations, r.kdf_parallelism)),
        ("Argon2id derivation", format!("{:.1} ms", r.kdf_ms)),
        ("create notebook (KDF + new database)", format!("{:.1} ms", r.create_ms)),
        ("unlock (KDF + open), library", format!("{:.1} ms", r.unlock_ms)),
        ("CLI unlock-to-answer p50 / max", format!("{:.1} / {:.1} ms", r.cli_read_p50_ms, r.cli_read_max_ms)),
        (
            "add customers, one transaction",
            format!("{} in {:.1} ms ({:.0}/s)", r.customers, r.add_customers_batch_ms, r.add_customers_per_second),
        ),
        ("add notes, one transaction each", format!("{} in {:.1} ms", r.notes, r.add_notes_batch_ms)),
        ("add one customer (own commit) p50", format!("{:.2} ms", r.add_customer_single_p50_ms)),
        ("list every customer", format!("{:.1} ms", r.list_all_customers_ms)),
        ("database size", format!("{:.1} MiB", r.database_bytes as f64 / 1048576.0)),
    ];
    for (name, value) in rows {
        println!("{name:<36} {value}");
    }
}
