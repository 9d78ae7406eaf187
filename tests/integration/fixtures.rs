//! Old notebooks keep opening: a committed fixture per released format, and the schema snapshot
//! that makes any schema change a deliberate, reviewed one.

use std::path::{Path, PathBuf};

use kehu::Notebook;
use kehu::store::{CustomerFilter, NewCustomer, NewNote};
use kehu::vault::KdfParams;

const FIXTURE_PASSWORD: &str = "kehu-fixture-v1";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notebook-v1")
}

/// Writes the v1 fixture; run once per released format with `KEHU_WRITE_FIXTURES=1`.
fn write_fixture(dir: &Path) {
    let mut nb = Notebook::create(dir, FIXTURE_PASSWORD.as_bytes(), KdfParams::INSECURE_FOR_TESTS).unwrap();
    let id = nb
        .add_customer(&NewCustomer {
            company: Some("北京远航科技有限公司".into()),
            tags: vec!["老客户".into()],
            ..NewCustomer::named("陈静")
        })
        .unwrap();
    nb.add_note(&NewNote {
        customer_id: id, body: Some("## 沟通记录\n续签意向明确".into()), ..Default::default()
    })
    .unwrap();
    nb.add_secret(&kehu::store::NewSecret {
        customer_id: id,
        label: "门户",
        username: Some("chenjing"),
        url: None,
        password: "fixture-secret",
    })
    .unwrap();
    nb.close().unwrap();
    std::fs::remove_file(dir.join(kehu::LOCK_FILE)).unwrap();
}

#[test]
fn the_v1_fixture_notebook_opens() {
    let dir = fixture_dir();
    if std::env::var_os("KEHU_WRITE_FIXTURES").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        write_fixture(&dir);
    }
    // Work on a copy: opening writes the access log, and the fixture stays as committed.
    let copy = tempfile::tempdir().unwrap();
    for name in ["kehu.header", kehu::DB_FILE] {
        std::fs::copy(dir.join(name), copy.path().join(name)).unwrap();
    }
    let mut nb = Notebook::open(copy.path(), FIXTURE_PASSWORD.as_bytes()).unwrap();
    let customers = nb.list_customers(&CustomerFilter::default()).unwrap();
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].name, "陈静");
    assert_eq!(customers[0].tags, vec!["老客户"]);
    let id = customers[0].id;
    assert!(nb.notes(id).unwrap()[0].body.contains("续签意向明确"));
    let secret = nb.secrets(id).unwrap()[0].id;
    assert_eq!(nb.reveal_secret(secret).unwrap().password.as_str(), "fixture-secret");
    assert!(nb.check_all().unwrap().database.is_empty());
}

#[test]
fn schema_matches_its_snapshot() {
    let t = crate::util::TempNotebook::new();
    let schema = t.open().schema().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/schema.sql");
    if std::env::var_os("KEHU_WRITE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &schema).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).expect("tests/snapshots/schema.sql (KEHU_WRITE_SNAPSHOTS=1 writes it)");
    assert_eq!(schema, expected, "the schema changed: add a migration, then KEHU_WRITE_SNAPSHOTS=1 to accept it");
}
