//! The benchmark's figures as a table, one line each, in the order the closing notes quote them.

use crate::Report;

pub fn print_table(r: &Report) {
    let rows = [
        ("Argon2id parameters", format!("{} MiB, t={}, p={}", r.kdf_memory_mib, r.kdf_iterations, r.kdf_parallelism)),
        ("Argon2id derivation", format!("{:.1} ms", r.kdf_ms)),
        ("CLI unlock-to-answer p50 / max", format!("{:.1} / {:.1} ms", r.cli_read_p50_ms, r.cli_read_max_ms)),
        (
            "add 10 000 customers, one transaction",
            format!("{:.1} ms ({:.0}/s)", r.add_customers_batch_ms, r.add_customers_per_second),
        ),
        ("add one customer (own commit) p50", format!("{:.2} ms", r.add_customer_single_p50_ms)),
        ("list 10 300 customers", format!("{:.1} ms", r.list_all_customers_ms)),
        ("large notebook", format!("{} customers, {} notes, {} interactions", r.customers, r.notes, r.interactions)),
        ("add notes (batches of 50 000)", format!("{:.0}/s", r.add_notes_per_second)),
        ("index build", format!("{:.0} ms ({:.0} docs/s)", r.index_build_ms, r.index_build_docs_per_s)),
        ("FTS5 trigram build", format!("{:.0} ms", r.fts5_build_ms)),
        ("unlock (KDF + database + index)", format!("{:.1} ms", r.unlock_ms)),
        ("search p50 / p99", format!("{:.2} / {:.2} ms ({} queries)", r.search_p50_ms, r.search_p99_ms, r.queries)),
        ("search p99 Chinese / pinyin", format!("{:.2} / {:.2} ms", r.search_cn_p99_ms, r.search_pinyin_p99_ms)),
        (
            "FTS5 ranked as kehu ranks p50 / p99",
            format!("{:.2} / {:.2} ms", r.fts5_search_p50_ms, r.fts5_search_p99_ms),
        ),
        (
            "FTS5 first 20 found, unranked p50 / p99",
            format!("{:.2} / {:.2} ms", r.fts5_unranked_p50_ms, r.fts5_unranked_p99_ms),
        ),
        (
            "FTS5 trigram MATCH only p50 / p99",
            format!("{:.2} / {:.2} ms", r.fts5_match_only_p50_ms, r.fts5_match_only_p99_ms),
        ),
        ("recall, 2-character words: kehu / FTS5", format!("{:.3} / {:.3}", r.recall_2char, r.fts5_recall_2char)),
        (
            "note saved → searchable p50 / p99",
            format!("{:.2} / {:.2} ms", r.note_save_searchable_p50_ms, r.note_save_searchable_p99_ms),
        ),
        ("RSS after searching / peak", format!("{:.0} / {:.0} MB", r.rss_mb, r.rss_peak_mb)),
        ("database / index on disk", format!("{:.1} / {:.1} MB", r.database_mb, r.index_mb)),
    ];
    for (name, value) in rows {
        println!("{name:<40} {value}");
    }
    print_agenda_rows(r);
    print_backup_rows(r);
    print_interop_rows(r);
    print_merge_rows(r);
}

pub fn print_merge_rows(r: &Report) {
    for m in &r.merges {
        println!(
            "{:<40} {:.0} ms ({:.0} open, {:.0} plan, {:.0} apply, {:.0} index; {:.0} µs/customer)",
            format!("merge {} customers ({} duplicates)", m.customers, m.duplicates),
            m.total_ms,
            m.open_ms,
            m.plan_ms,
            m.apply_ms,
            m.index_ms,
            m.micros_per_customer
        );
    }
}

pub fn print_agenda_rows(r: &Report) {
    let rows = [
        (
            "report (dashboard) first / p50 / max".to_owned(),
            format!("{:.1} / {:.1} / {:.1} ms", r.report_first_ms, r.report_p50_ms, r.report_max_ms),
        ),
        (
            "agenda (Today) first / p50 / max".to_owned(),
            format!("{:.1} / {:.1} / {:.1} ms", r.agenda_first_ms, r.agenda_p50_ms, r.agenda_max_ms),
        ),
        (
            "agenda holds".to_owned(),
            format!("{} tasks and occasions, {} customers due for review", r.agenda_items, r.agenda_review_total),
        ),
    ];
    for (name, value) in rows {
        println!("{name:<40} {value}");
    }
}

pub fn print_interop_rows(r: &Report) {
    let rows = [
        (format!("import {} rows, GBK CSV (new notebook)", r.import_rows), format!("{:.0} ms", r.import_csv_ms)),
        (format!("import {} rows, XLSX (new notebook)", r.import_rows), format!("{:.0} ms", r.import_xlsx_ms)),
        ("export CSV".to_owned(), format!("{:.0} ms", r.export_csv_ms)),
        ("export XLSX".to_owned(), format!("{:.0} ms", r.export_xlsx_ms)),
        ("data-quality report".to_owned(), format!("{:.0} ms", r.quality_ms)),
    ];
    for (name, value) in rows {
        println!("{name:<40} {value}");
    }
}

pub fn print_backup_rows(r: &Report) {
    let rows = [
        ("plain copy of the database (+fsync)", format!("{:.0} ms", r.plain_copy_ms)),
        (
            "backup (age, verified separately)",
            format!(
                "{:.0} ms, {:.1} MB ({:.0} % of copy speed)",
                r.backup_ms,
                r.backup_mb,
                r.backup_speed_vs_copy * 100.0
            ),
        ),
        ("backup verify", format!("{:.0} ms", r.backup_verify_ms)),
        ("restore (verify + load + index)", format!("{:.0} ms", r.restore_ms)),
    ];
    for (name, value) in rows {
        println!("{name:<40} {value}");
    }
}
