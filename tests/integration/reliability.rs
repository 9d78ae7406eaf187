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
    assert!(nb.check().unwrap().is_empty(), "the database is damaged after kill -9");
    let names: Vec<String> =
        nb.list_customers(&CustomerFilter::default()).unwrap().into_iter().map(|c| c.name).collect();
    for name in &committed {
        assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name} was committed but is missing");
    }
    assert_eq!(nb.verify_access_log().unwrap(), None);
    eprintln!("{} of 40 adds completed before the kill; {} customers present", committed.len(), names.len());
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
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 3]).unwrap();
    match Notebook::open(&t.dir(), PASSWORD.as_bytes()) {
        Err(e) => assert!(matches!(e.code(), ErrorCode::Corrupt | ErrorCode::Internal), "{e}"),
        Ok(nb) => assert!(!nb.check().unwrap().is_empty(), "a truncated database must not check clean"),
    }
    t.kehu().args(["check"]).assert().failure();
}
