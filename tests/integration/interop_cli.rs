//! `kehu import`, `export`, `mapping` and `quality` through the binary: output, exit codes,
//! one clear line on failure, saved mappings, and an import killed midway that leaves the
//! notebook as it was.

use std::time::{Duration, Instant};

use kehu::Notebook;

use crate::interop::fixture;
use crate::util::{PASSWORD, TempNotebook};

#[test]
fn import_dry_run_then_import_export_and_quality() {
    let t = TempNotebook::new();
    let ledger = fixture("ledger.xlsx").display().to_string();
    let preview = t.json(&["import", &ledger, "--dry-run"]);
    assert_eq!((preview["total"].as_u64(), preview["flagged"].as_u64()), (Some(4), Some(1)));
    assert_eq!(preview["problems"][0]["column"], "电子邮箱");
    assert!(t.json(&["customer", "list"]).as_array().unwrap().is_empty(), "a dry run changes nothing");
    let report = t.json(&["import", &ledger]);
    assert_eq!(report["added"], 4);
    // The same file again: every row is a duplicate, skipped by default, merged on request.
    assert_eq!(t.json(&["import", &ledger])["skipped"], 4);
    assert_eq!(t.json(&["import", &ledger, "--on-duplicate", "merge"])["merged"], 4);
    assert_eq!(t.json(&["customer", "list"]).as_array().unwrap().len(), 4);

    let out = t.path("all.xlsx").display().to_string();
    let exported = t.json(&["export", "--format", "xlsx", "--output", &out]);
    assert_eq!(exported["customers"], 4);
    let err = t.fails(&["export", "--format", "xlsx", "--output", &out], 6);
    assert!(err.contains("--force"), "{err}");
    let vip = t.path("vip.vcf").display().to_string();
    assert_eq!(t.json(&["export", "--format", "vcard", "--output", &vip, "--grade", "vip"])["customers"], 2);
    assert_eq!(std::fs::read_to_string(&vip).unwrap().matches("BEGIN:VCARD").count(), 2);

    let quality = t.json(&["quality"]);
    assert_eq!(quality["customers"], 4);
    assert_eq!(quality["invalid"].as_array().unwrap().len(), 0, "the bad email was kept as a custom field");
    let text = t.ok(&["quality"]);
    assert!(text.contains("疑似重复") && text.contains("资料不全"), "{text}");
    let ids: Vec<i64> =
        t.json(&["customer", "list"]).as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    t.ok(&["customer", "merge", &ids[0].to_string(), &ids[1].to_string()]);
    assert_eq!(t.json(&["customer", "list"]).as_array().unwrap().len(), 3);
}

#[test]
fn the_dry_run_says_the_encoding_it_read_in_and_the_names_it_read() {
    let t = TempNotebook::new();
    let big5 = fixture("ledger-big5.csv").display().to_string();
    let guessed = t.ok(&["import", &big5, "--dry-run"]);
    assert!(guessed.contains("编码 gb18030") && guessed.contains("--encoding"), "{guessed}");
    assert!(!guessed.contains("陳美玲"), "{guessed}");
    let chosen = t.ok(&["import", &big5, "--dry-run", "--encoding", "big5"]);
    assert!(chosen.contains("编码 big5 (所选)"), "{chosen}");
    assert!(chosen.contains("前几行的姓名: 陳美玲、林志明、黃嘉欣"), "{chosen}");
    assert!(chosen.contains("客戶名稱 → ") && chosen.contains("«台灣積體電路製造股份有限公司»"), "{chosen}");
    let json = t.json(&["import", &big5, "--dry-run", "--encoding", "big5"]);
    assert_eq!((json["encoding"].as_str(), json["encoding_source"].as_str()), (Some("big5"), Some("chosen")));
    let err = t.fails(&["import", &big5, "--encoding", "koi8"], 2);
    assert!(err.contains("big5"), "the error lists the encodings there are: {err}");
    t.ok(&["import", &big5, "--encoding", "big5"]);
    let out = t.path("out.csv").display().to_string();
    let err = t.fails(&["export", "--format", "csv", "--encoding", "big5", "--output", &out], 6);
    assert!(err.contains("UTF-8 or GBK"), "{err}");
    assert!(!t.path("out.csv").exists());
}

#[test]
fn errors_are_one_line_naming_the_file_row_and_column() {
    let t = TempNotebook::new();
    let not_excel = t.path("fake.xlsx");
    std::fs::write(&not_excel, b"this is not a workbook").unwrap();
    let err = t.fails(&["import", &not_excel.display().to_string()], 6);
    assert!(err.contains("fake.xlsx"), "{err}");
    // A cut-short XLS makes the workbook reader panic inside; the user sees one line.
    let xls = std::fs::read(fixture("ledger.xls")).unwrap();
    let cut = t.path("cut.xls");
    std::fs::write(&cut, &xls[..4096]).unwrap();
    let err = t.fails(&["import", &cut.display().to_string()], 6);
    assert!(err.contains("cut.xls") && err.contains("damaged"), "{err}");
    let broken = t.path("cut.vcf");
    std::fs::write(&broken, "BEGIN:VCARD\nVERSION:3.0\nFN:半张名片\n").unwrap();
    // A card cut short is imported with what it has and flagged; refused when invalid rows are.
    let err = t.fails(&["import", &broken.display().to_string(), "--reject-invalid"], 6);
    assert!(err.contains("cut.vcf") && err.contains("line 1") && err.contains("no END:VCARD"), "{err}");
    let bad = t.path("bad.csv");
    std::fs::write(&bad, "姓名,手机\n张三,13800138000\n李四,call me\n").unwrap();
    let err = t.fails(&["import", &bad.display().to_string(), "--reject-invalid"], 6);
    assert!(err.contains("bad.csv") && err.contains("row 3") && err.contains("手机"), "{err}");
    assert!(t.json(&["customer", "list"]).as_array().unwrap().is_empty());
    let err = t.fails(&["import", &bad.display().to_string(), "--mapping", "没有这个映射"], 5);
    assert!(err.contains("没有这个映射"), "{err}");
    let missing = t.path("missing.csv").display().to_string();
    let err = t.fails(&["import", &missing], 1);
    assert!(err.contains("missing.csv"), "{err}");
}

#[test]
fn saved_mappings_are_reused() {
    let t = TempNotebook::new();
    let file = t.path("custom.csv");
    std::fs::write(&file, "客户,代号,内部编码\n甲公司,J1,x-1\n").unwrap();
    // Map 代号 to the title and drop 内部编码, save it, and use it again by name.
    let mapping = t.path("mapping.json");
    std::fs::write(
        &mapping,
        r#"{"columns":[{"header":"代号","target":{"to":"field","key":"title"}},{"header":"内部编码","target":{"to":"ignore"}}]}"#,
    )
    .unwrap();
    let (file_s, mapping_s) = (file.display().to_string(), mapping.display().to_string());
    t.ok(&["import", &file_s, "--mapping", &mapping_s, "--save-mapping", "我的台账", "--dry-run"]);
    assert_eq!(t.json(&["mapping", "list"]), serde_json::json!(["我的台账"]));
    let shown = t.json(&["mapping", "show", "我的台账"]);
    assert_eq!(shown["columns"][0]["target"]["to"], "field", "{shown}");
    t.ok(&["import", &file_s, "--mapping", "我的台账"]);
    let customer = t.json(&["customer", "show", "1"]);
    assert_eq!(customer["customer"]["title"], "J1", "{customer}");
    assert_eq!(customer["customer"]["custom"], serde_json::json!({}));
    t.ok(&["mapping", "delete", "我的台账"]);
    assert_eq!(t.json(&["mapping", "list"]), serde_json::json!([]));
    // Saved by an import that also writes: both happen.
    t.ok(&["import", &file_s, "--mapping", &mapping_s, "--save-mapping", "再用", "--on-duplicate", "keep-both"]);
    assert_eq!(t.json(&["mapping", "list"]), serde_json::json!(["再用"]));
    assert_eq!(t.json(&["customer", "show", "2"])["customer"]["title"], "J1");
}

#[test]
fn an_import_killed_midway_leaves_the_notebook_as_it_was() {
    let t = TempNotebook::new();
    t.ok(&["customer", "add", "--name", "已有客户"]);
    let file = t.path("big.csv");
    let mut csv = String::from("客户名称,联系人,手机,备注\n");
    for i in 0..40_000 {
        csv.push_str(&format!(
            "公司{i},联系人{i},1{:010},第{i}行的备注，内容比较长，用来拉长导入时间\n",
            3_800_000_000u64 + i
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let mut kills = 0;
    let mut finished = false;
    for delay_ms in [300, 700, 1200, 2000] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kehu"))
            .env_clear()
            .env("HOME", t.path("home"))
            .args(["--notebook", &t.dir().display().to_string()])
            .args(["--password-file", &t.password_file().display().to_string()])
            .args(["import", &file.display().to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(delay_ms) && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(10));
        }
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        let nb = Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap();
        // All or nothing: a kill after the commit (while the process indexes and closes)
        // leaves the whole import, one before it none of it.
        let count = nb.count_customers(&Default::default()).unwrap();
        assert!(count == 1 || count == 40_001, "killed after {delay_ms} ms: {count} customers, part of an import");
        assert!(nb.check_all().unwrap().database.is_empty());
        if count == 40_001 {
            finished = true;
            break;
        }
    }
    assert!(kills >= 1 || finished);
    let nb = Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap();
    let landed = nb.count_customers(&Default::default()).unwrap() == 40_001;
    drop(nb);
    if !landed {
        let report = t.json(&["import", &file.display().to_string()]);
        assert_eq!(report["added"], 40_000);
    }
    let nb = Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap();
    assert_eq!(nb.count_customers(&Default::default()).unwrap(), 40_001);
}
