//! `kehu backup …`, `kehu handover …` and `kehu log verify` through the binary: exit codes,
//! one clear line on failure, and a restore killed midway that leaves no notebook behind.

use std::time::{Duration, Instant};

use kehu::Notebook;
use kehu::store::{NewCustomer, NewNote};

use crate::backup::fill;
use crate::util::{PASSWORD, TempNotebook};

fn with_backup_password(t: &TempNotebook) -> String {
    let path = t.path("backup-password");
    std::fs::write(&path, "备份口令 cli-backup\n").unwrap();
    path.display().to_string()
}

#[test]
fn create_verify_restore_and_merge_through_the_cli() {
    let t = TempNotebook::new();
    fill(&mut t.open());
    let pw = with_backup_password(&t);
    let file = t.path("b.age");
    let file_s = file.display().to_string();
    let out = t.json(&["backup", "create", "--output", &file_s, "--backup-password-file", &pw]);
    assert_eq!(out["tables"]["customer"], 2);
    let verified = t.json(&["backup", "verify", &file_s, "--backup-password-file", &pw]);
    assert_eq!(verified["tables"], out["tables"]);

    // A wrong backup password: exit 3, one line naming the file.
    std::fs::write(t.path("wrong"), "nope\n").unwrap();
    let err =
        t.fails(&["backup", "verify", &file_s, "--backup-password-file", &t.path("wrong").display().to_string()], 3);
    assert!(err.contains("b.age"), "{err}");
    // A damaged file: exit 8.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 4;
    std::fs::write(t.path("bad.age"), &bytes).unwrap();
    let err =
        t.fails(&["backup", "verify", &t.path("bad.age").display().to_string(), "--backup-password-file", &pw], 8);
    assert!(err.contains("damaged"), "{err}");
    // Restoring over the existing notebook is refused (exit 9); --merge merges.
    t.fails(&["backup", "restore", &file_s, "--backup-password-file", &pw], 9);
    let merged =
        t.json(&["backup", "restore", &file_s, "--backup-password-file", &pw, "--merge", "--on-duplicate", "skip"]);
    assert_eq!((merged["added"].as_u64(), merged["skipped"].as_u64()), (Some(0), Some(2)));

    // Restore into a new folder, with the --password-file as its new master password.
    let other = TempNotebook::empty();
    let out = other.kehu().args(["backup", "restore", &file_s, "--backup-password-file", &pw]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = other.json(&["customer", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(other.ok(&["search", "预算"]).contains("张伟"));
    other.ok(&["log", "verify"]);
}

#[test]
fn auto_backup_status_list_sheet_and_handover() {
    let t = TempNotebook::new();
    fill(&mut t.open());
    let pw = with_backup_password(&t);
    let folder = t.path("backups").display().to_string();
    let err = t.fails(&["backup", "auto", "--folder", &folder], 6);
    assert!(err.contains("backup password"), "{err}");
    t.ok(&["backup", "password", "--backup-password-file", &pw]);
    let status = t.json(&["backup", "auto", "--folder", &folder]);
    assert_eq!(status["state"], "ok");
    let listed = t.json(&["backup", "list", "--folder", &folder]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(t.json(&["backup", "status"])["state"], "ok");
    let sheet = t.path("sheet.html");
    t.ok(&["backup", "sheet", "--output", &sheet.display().to_string(), "--folder", &folder]);
    let html = std::fs::read_to_string(&sheet).unwrap();
    assert!(html.contains("age -d") && html.contains(&folder));
    assert!(!html.contains("cli-backup"), "the sheet never holds the password");

    let package = t.path("h.age").display().to_string();
    let out = t.json(&[
        "handover",
        "export",
        "--output",
        &package,
        "--tag",
        "华东",
        "--no-secrets",
        "--mask-contacts",
        "--backup-password-file",
        &pw,
    ]);
    assert_eq!((out["tables"]["customer"].as_u64(), out["redacted"].as_bool()), (Some(1), Some(true)));
    let other = TempNotebook::new();
    let plan = other.json(&["handover", "import", &package, "--backup-password-file", &pw, "--dry-run"]);
    assert_eq!(plan["plan"]["customers"][0]["name"], "张伟");
    assert!(other.json(&["customer", "list"]).as_array().unwrap().is_empty(), "a dry run changes nothing");
    let report = other.json(&["handover", "import", &package, "--backup-password-file", &pw]);
    assert_eq!(report["added"], 1);
    let log = t.json(&["log"]);
    assert!(log.to_string().contains("handover of 1 customers, redacted"), "{log}");
}

#[test]
fn a_restore_killed_midway_leaves_no_notebook_behind() {
    let t = TempNotebook::new();
    {
        let mut nb = t.open();
        let ids =
            nb.add_customers(&(0..200).map(|i| NewCustomer::named(format!("客户{i}"))).collect::<Vec<_>>()).unwrap();
        let body = "需求分析：预算、采购流程、决策人。".repeat(40);
        let notes: Vec<NewNote> = (0..6000)
            .map(|i| NewNote {
                customer_id: ids[i % ids.len()],
                body: Some(format!("{i} {body}")),
                ..NewNote::default()
            })
            .collect();
        nb.add_notes(&notes).unwrap();
    }
    let pw = with_backup_password(&t);
    let file = t.path("big.age").display().to_string();
    t.ok(&["backup", "create", "--output", &file, "--backup-password-file", &pw]);

    let target_parent = TempNotebook::empty();
    let target = target_parent.dir();
    let mut finished = false;
    let mut kills = 0;
    for delay_ms in [150, 400, 800, 1300, 2000, 3000] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kehu"))
            .env_clear()
            .env("HOME", target_parent.path("home"))
            .args(["--notebook", &target.display().to_string()])
            .args(["--password-file", &target_parent.password_file().display().to_string()])
            .args(["backup", "restore", &file, "--backup-password-file", &pw])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(delay_ms) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let done = child.try_wait().unwrap().is_some_and(|s| s.success());
        if !done {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            kills += 1;
        }
        if done {
            finished = true;
            break;
        }
        assert!(!target.exists(), "killed after {delay_ms} ms: no notebook (not even a folder) at the target");
        assert!(Notebook::open(&target, PASSWORD.as_bytes()).is_err());
    }
    assert!(kills >= 2, "the restore must have been killed midway at least twice (killed {kills} times)");
    if !finished {
        target_parent.ok(&["backup", "restore", &file, "--backup-password-file", &pw]);
    }
    let nb = Notebook::open(&target, PASSWORD.as_bytes()).unwrap();
    assert_eq!(nb.count_customers(&Default::default()).unwrap(), 200);
    let leftovers: Vec<_> = std::fs::read_dir(target_parent.tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".restoring-"))
        .collect();
    assert!(leftovers.is_empty(), "a later restore cleans what killed ones left: {leftovers:?}");
}
