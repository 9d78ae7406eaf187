//! The merge phase: a backup of N customers merged into a notebook that already holds a tenth
//! of them (`backup restore --merge`, the path a handover package takes too), at N/10 and at N
//! in the same run, so the figures show whether the merge grows linearly.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, ensure};
use kehu::Notebook;
use kehu::backup::{BackupOptions, Package, apply_import, plan_import};
use kehu::vault::KdfParams;
use serde::{Deserialize, Serialize};

use crate::generate::Generator;
use crate::ms;

const SEED: u64 = 20261203;
const PACKAGE_PASSWORD: &str = "bench backup password";

/// One merge, timed by step.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct MergeFigures {
    pub customers: usize,
    /// Customers the target notebook already held (found as duplicates and merged).
    pub duplicates: usize,
    /// Decrypting and checking the package, its rows staged.
    pub open_ms: f64,
    /// Matching every incoming customer against the notebook.
    pub plan_ms: f64,
    /// Adding and merging, one transaction.
    pub apply_ms: f64,
    /// Closing the notebook: the search index takes in what the merge added.
    pub index_ms: f64,
    pub total_ms: f64,
    pub micros_per_customer: f64,
}

/// The merge at `customers / 10` and at `customers`.
pub fn merge_phase(dir: &Path, customers: usize) -> Result<Vec<MergeFigures>> {
    [customers / 10, customers].into_iter().filter(|&n| n > 0).map(|n| merge_once(dir, n)).collect()
}

fn notebook_of(dir: &Path, customers: usize) -> Result<Notebook> {
    let mut nb = Notebook::create(dir, b"bench password", KdfParams::INSECURE_FOR_TESTS)?;
    // The same seed for source and target: the target's customers are the source's first ones.
    let mut generator = Generator::new(SEED);
    for start in (0..customers).step_by(10_000) {
        let batch: Vec<_> = (start..(start + 10_000).min(customers)).map(|i| generator.customer(i)).collect();
        nb.add_customers(&batch)?;
    }
    Ok(nb)
}

fn merge_once(dir: &Path, customers: usize) -> Result<MergeFigures> {
    let work = tempfile::tempdir_in(dir)?;
    let package = work.path().join("source.age");
    {
        let mut source = notebook_of(&work.path().join("source"), customers)?;
        kehu::backup::create(&mut source, &package, PACKAGE_PASSWORD, BackupOptions::default())?;
    }
    let duplicates = customers / 10;
    let target_dir = work.path().join("target");
    drop(notebook_of(&target_dir, duplicates)?);

    let started = Instant::now();
    let mut nb = Notebook::open(&target_dir, b"bench password")?;
    let opened = Package::open(&package, PACKAGE_PASSWORD)?;
    let open = started.elapsed();
    let step = Instant::now();
    let plan = plan_import(&nb, &opened)?;
    let plan_time = step.elapsed();
    let step = Instant::now();
    let report = apply_import(&mut nb, &opened, &plan.default_decisions())?;
    let apply = step.elapsed();
    let step = Instant::now();
    drop(nb);
    let index = step.elapsed();
    let total = started.elapsed();
    ensure!(
        report.added + report.merged == customers as u64,
        "merged {} and added {} of {customers}",
        report.merged,
        report.added
    );
    ensure!(report.merged as usize >= duplicates, "only {} of {duplicates} duplicates found", report.merged);
    Ok(MergeFigures {
        customers,
        duplicates,
        open_ms: ms(open),
        plan_ms: ms(plan_time),
        apply_ms: ms(apply),
        index_ms: ms(index),
        total_ms: ms(total),
        micros_per_customer: (total.as_secs_f64() * 1e6 / customers as f64).round(),
    })
}
