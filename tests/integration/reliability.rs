//! Nothing committed is lost and nothing breaks loudly: kill -9 during writes, damaged headers
//! and databases give clear errors, never a panic.

use std::process::{Command, Stdio};
use std::time::Duration;

use kehu::ErrorCode;
use kehu::Notebook;
use kehu::store::CustomerFilter;

use crate::util::{PASSWORD, TempNotebook};

#[test]
fn kill_9_during_writes_loses_no_committed_customer() {
    let t = TempNotebook::new();
    let kehu = assert_cmd::cargo::cargo_bin("kehu");
    let mut committed = Vec::new();
    for i in 0..40u64 {
        let name = format!("客户{i}");
        let mut child = Command::new(&kehu)
            .args(["--notebook", t.dir().to_str().unwrap(), "--password-file", t.password_file().to_str().unwrap()])
            .args(["customer", "add", "--name", &name, "--tag", "压力测试", "--phone", "13800138000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the whole life of the process: unlock, write, exit.
        std::thread::sleep(Duration::from_micros((i * 7919) % 25_000));
        let _ = child.kill();
        if child.wait().unwrap().success() {
            committed.push(name);
        }
    }
    let nb = t.open();
    assert!(nb.check_all().unwrap().database.is_empty(), "the database is damaged after kill -9");
    let names: Vec<String> =
        nb.list_customers(&CustomerFilter::default()).unwrap().into_iter().map(|c| c.name).collect();
    for name in &committed {
        assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name} was committed but is missing");
    }
    assert_eq!(nb.verify_access_log().unwrap(), None);
    assert_eq!(nb.lost_writes().unwrap(), [], "a WAL a kill leaves behind is not a loss");
    eprintln!("{} of 40 adds completed before the kill; {} customers present", committed.len(), names.len());
}

/// The notebook folder as a kill -9 leaves it, copied into a new notebook folder while `nb` is
/// open: the database, its WAL and the session marker as they are on disk at that moment.
fn crashed_copy(nb: &Notebook) -> TempNotebook {
    let copy = TempNotebook::empty();
    let copy_dir = |from: &std::path::Path, to: &std::path::Path| {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() && entry.file_name() != "kehu.lock" {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    };
    copy_dir(nb.dir(), &copy.dir());
    copy_dir(&nb.dir().join("index"), &copy.dir().join("index"));
    copy
}

#[test]
fn committed_writes_lost_with_the_wal_after_a_crash_are_reported_until_acknowledged() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    nb.add_customer(&kehu::store::NewCustomer::named("检查点之前")).unwrap();
    nb.checkpoint().unwrap();
    nb.add_customer(&kehu::store::NewCustomer::named("只在日志里")).unwrap();
    let wal = |t: &TempNotebook| t.dir().join("notebook.db-wal");
    let (kept, removed, flipped) = (crashed_copy(&nb), crashed_copy(&nb), crashed_copy(&nb));
    drop(nb);
    assert!(wal(&kept).metadata().unwrap().len() > 0, "the second customer is only in the WAL");
    let names = |t: &TempNotebook| -> Vec<String> {
        let nb = t.open();
        let mut names: Vec<String> =
            nb.list_customers(&CustomerFilter::default()).unwrap().into_iter().map(|c| c.name).collect();
        names.sort();
        names
    };

    // The WAL as the crash left it: nothing lost, nothing reported.
    assert!(kept.ok(&["check"]).contains("ok"));
    assert_eq!(names(&kept), ["只在日志里", "检查点之前"]);

    // The WAL removed (a cleaner, a sync tool, a copy of the folder without it).
    std::fs::remove_file(wal(&removed)).unwrap();
    let err = removed.fails(&["check"], 8);
    assert!(err.contains("1 problem"), "{err}");
    let out = removed.kehu().arg("check").output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("notebook.db-wal") && said.contains("missing") && said.contains("--repair"), "{said}");
    assert_eq!(names(&removed), ["检查点之前"], "what SQLite opens without the WAL");
    removed.fails(&["check"], 8); // until the user has seen it
    let err = removed.fails(&["log", "--verify"], 8);
    assert!(err.contains("access log") && err.contains("notebook.db-wal"), "{err}");
    let repaired = removed.json(&["check", "--repair"]);
    assert_eq!(repaired["acknowledged"].as_array().unwrap().len(), 1, "{repaired}");
    assert!(removed.ok(&["check"]).contains("ok"));

    // One byte of the WAL's first frame changed: SQLite stops reading there.
    let mut bytes = std::fs::read(wal(&flipped)).unwrap();
    bytes[32 + 24 + 100] ^= 0x01;
    std::fs::write(wal(&flipped), bytes).unwrap();
    let out = flipped.kehu().arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(8));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("damaged at frame 1"), "{said}");
    assert_eq!(names(&flipped), ["检查点之前"]);
    assert_eq!(flipped.open().lost_writes().unwrap().len(), 1, "an open reports it too, for the app to show");
}

#[test]
fn damaged_header_and_database_give_clear_errors() {
    let t = TempNotebook::new();
    let header = t.dir().join("kehu.header");
    let original = std::fs::read(&header).unwrap();

    std::fs::write(&header, &original[..original.len() / 2]).unwrap();
    let err = Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(err.to_string().contains("kehu.header"), "{err}");
    let stderr = t.fails(&["customer", "list"], 8);
    assert!(stderr.contains("damaged"), "{stderr}");

    // A header from another notebook: the password opens it, the database does not.
    let other = TempNotebook::new();
    std::fs::copy(other.dir().join("kehu.header"), &header).unwrap();
    assert_eq!(Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap_err().code(), ErrorCode::Corrupt);
    std::fs::write(&header, &original).unwrap();

    let db = t.dir().join(kehu::DB_FILE);
    std::fs::rename(&db, t.path("moved.db")).unwrap();
    let err = Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(err.to_string().contains("notebook.db is missing"), "{err}");
    assert!(!db.exists(), "a missing database is never replaced by an empty one");
    std::fs::rename(t.path("moved.db"), &db).unwrap();

    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 3]).unwrap();
    match Notebook::open(&t.dir(), PASSWORD.as_bytes()) {
        Err(e) => assert!(matches!(e.code(), ErrorCode::Corrupt | ErrorCode::Internal), "{e}"),
        Ok(nb) => assert!(!nb.check_all().unwrap().database.is_empty(), "a truncated database must not check clean"),
    }
    t.kehu().args(["check"]).assert().failure();
}

/// Runs kehu as if the disk filled up at `limit_kib`: the shell ignores SIGXFSZ and caps the
/// size of any file the process writes, so writes past it fail like ENOSPC instead of killing it.
fn kehu_with_file_size_limit(t: &TempNotebook, limit_kib: u64, args: &[&str]) -> std::process::Output {
    let kehu = assert_cmd::cargo::cargo_bin("kehu");
    // dash's `ulimit -f` counts 512-byte blocks.
    let script = format!("trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"", limit_kib * 2);
    Command::new("sh")
        .args(["-c", &script])
        .arg(&kehu)
        .args(["--notebook", t.dir().to_str().unwrap(), "--password-file", t.password_file().to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_full_disk_fails_the_write_clearly_and_loses_nothing() {
    let t = TempNotebook::new();
    {
        let mut nb = t.open();
        let batch: Vec<_> = (0..200).map(|i| kehu::store::NewCustomer::named(format!("已提交{i}"))).collect();
        nb.add_customers(&batch).unwrap();
    }
    let db_kib = std::fs::metadata(t.dir().join(kehu::DB_FILE)).unwrap().len() / 1024;
    let big = t.path("big.bin");
    std::fs::write(&big, vec![7u8; 3 * 1024 * 1024]).unwrap();

    let out = kehu_with_file_size_limit(&t, db_kib + 512, &["attach", "add", "1", big.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the write should have failed: {stderr}");
    crate::util::assert_one_clear_line(&stderr);
    assert!(stderr.contains("disk is full") || stderr.contains("disk full or I/O error"), "{stderr}");
    assert!(stderr.contains("not saved"), "{stderr}");

    let mut nb = t.open();
    assert!(nb.check_all().unwrap().database.is_empty());
    assert_eq!(nb.list_customers(&CustomerFilter::default()).unwrap().len(), 200);
    assert!(nb.attachments(1).unwrap().is_empty(), "the failed write left nothing behind");
    nb.add_attachment(1, "big.bin", "application/octet-stream", &std::fs::read(&big).unwrap()).unwrap();
}

#[test]
fn a_full_disk_still_lets_the_user_read() {
    let t = TempNotebook::new();
    t.open().add_customer(&kehu::store::NewCustomer::named("读得到")).unwrap();
    // No room for a single new byte in any file: even the unlock cannot be logged.
    let out = kehu_with_file_size_limit(&t, 1, &["--json", "customer", "list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("读得到"));
}

/// SQLCipher reports a page whose checksum fails as "out of memory": the user is told the
/// notebook is damaged (exit code and message), and `check` names the page.
#[test]
fn a_page_that_fails_its_checksum_is_called_damage_not_out_of_memory() {
    let t = TempNotebook::new();
    {
        let mut nb = t.open();
        let customers: Vec<_> = (0..2000)
            .map(|i| kehu::store::NewCustomer {
                name: format!("客户{i}"),
                company: Some(format!("{}公司{i}", "很长的名字".repeat(10))),
                ..Default::default()
            })
            .collect();
        nb.add_customers(&customers).unwrap();
    }
    let db = t.dir().join(kehu::DB_FILE);
    let mut bytes = std::fs::read(&db).unwrap();
    let pages = bytes.len() / 4096;
    for page in pages / 3..pages * 2 / 3 {
        bytes[page * 4096 + 100] ^= 0xff;
    }
    std::fs::write(&db, &bytes).unwrap();

    let out = t.path("all.csv");
    let export = t.kehu().args(["export", "--format", "json", "--output", out.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&export.stderr);
    assert_eq!(export.status.code(), Some(8), "{stderr}");
    assert!(stderr.contains("damaged") && !stderr.contains("out of memory"), "{stderr}");
    let check = t.kehu().args(["check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(8));
    let said = format!("{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    assert!(said.contains("page") && !said.contains("out of memory"), "{said}");
}
