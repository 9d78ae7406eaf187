//! Backups through the public API: round trip, tampering, truncation, wrong passwords, rotation,
//! handover with duplicates and redaction — and the archive opened by the reference age tool.

use std::collections::BTreeMap;
use std::path::Path;

use kehu::backup::{self, BackupOptions, HandoverSelection, ImportAction, Package, Redaction};
use kehu::store::{
    Change, ComplaintStatus, ContactKind, Field, FieldPath, Grade, InteractionKind, NewContact, NewCustomer,
    NewInteraction, NewNote, NewTask, RowScope, SNAPSHOT_TABLES,
};
use kehu::vault::KdfParams;
use kehu::{ErrorCode, Notebook};

use crate::util::{PASSWORD, TempNotebook};

const BACKUP_PASSWORD: &str = "另一个备份口令 backup-pass";
/// A restored notebook's master password, as strong as a new one must be.
const NEW_MASTER: &str = "新的主密码 restored-notebook 2026";
const FAST: BackupOptions = BackupOptions::INSECURE_FOR_TESTS;

/// A notebook with every record kind, edits (history), an erased customer and attachments.
pub fn fill(nb: &mut Notebook) -> (i64, i64) {
    let zhang = nb
        .add_customer(&NewCustomer {
            company: Some("华为技术有限公司".into()),
            grade: Some(Grade::Vip),
            tags: vec!["华东".into(), "重点".into()],
            contacts: vec![
                NewContact::new(ContactKind::Phone, "138 1234 5678"),
                NewContact::new(ContactKind::Email, "zhang.wei@example.com"),
            ],
            custom: BTreeMap::from([("预算".into(), "50万".into())]),
            ..NewCustomer::named("张伟")
        })
        .unwrap();
    let li = nb
        .add_customer(&NewCustomer {
            company: Some("远航科技".into()),
            tags: vec!["华北".into()],
            contacts: vec![NewContact::new(ContactKind::Phone, "+86 139 0000 1111")],
            ..NewCustomer::named("李娜")
        })
        .unwrap();
    let gone = nb.add_customer(&NewCustomer::named("临时客户")).unwrap();
    nb.erase_customer(gone).unwrap();
    nb.edit_customer(zhang, &[Change::Set(Field::Title, Some("采购经理".into()))]).unwrap();
    for (i, id) in [zhang, li, zhang].into_iter().enumerate() {
        nb.add_note(&NewNote {
            customer_id: id,
            body: Some(format!("## 沟通记录\n第{i}次沟通，预算确认。\n\"quoted\" \\ back\\slash\ttab")),
            template: Some("沟通记录".into()),
            ..NewNote::default()
        })
        .unwrap();
    }
    nb.add_interaction(&NewInteraction {
        closes_task: None,
        customer_id: li,
        kind: InteractionKind::Visit,
        summary: "上门拜访".into(),
        outcome: Some("同意试用".into()),
        at: None,
    })
    .unwrap();
    let task =
        nb.add_task(&NewTask { customer_id: Some(zhang), title: "发送报价单".into(), ..NewTask::default() }).unwrap();
    nb.complete_task(task).unwrap();
    nb.add_task(&NewTask { customer_id: None, title: "整理台账".into(), ..NewTask::default() }).unwrap();
    let complaint = nb.add_complaint(li, "发货延迟", Some("两周未到")).unwrap();
    nb.set_complaint_status(complaint, ComplaintStatus::Handling).unwrap();
    nb.add_secret(&kehu::store::NewSecret {
        customer_id: zhang,
        label: "客户门户",
        username: Some("zhangwei"),
        url: Some("https://portal.example.com"),
        password: "门户密码-42",
    })
    .unwrap();
    nb.add_attachment(zhang, "名片.png", "image/png", &[0x89, b'P', b'N', b'G', 0, 1, 2, 3]).unwrap();
    nb.add_attachment(li, "../合同 v2.pdf", "application/pdf", &vec![7u8; 300_000]).unwrap();
    (zhang, li)
}

fn all_rows(nb: &Notebook) -> BTreeMap<&'static str, Vec<kehu::store::Row>> {
    SNAPSHOT_TABLES.iter().map(|t| (*t, nb.table_rows(t, RowScope::All).unwrap())).collect()
}

fn attachments(nb: &Notebook) -> Vec<(i64, String, Vec<u8>)> {
    nb.attachment_files().unwrap()
}

#[test]
fn round_trip_restores_every_record_history_entry_and_attachment() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    fill(&mut nb);
    let file = t.path("backup.age");
    let info = backup::create(&mut nb, &file, BACKUP_PASSWORD, FAST).unwrap();
    assert_eq!(info.customers(), 2);
    assert_eq!(info.attachments, 2);
    let mut before = all_rows(&nb);
    before.get_mut("access_log").unwrap().pop(); // the entry recording this backup, written after it
    let before_files = attachments(&nb);
    let before_sequences = nb.id_sequences().unwrap();
    drop(nb);

    let verified = backup::verify(&file, BACKUP_PASSWORD).unwrap();
    assert_eq!(verified.tables, info.tables);
    assert_eq!(verified.count("note"), 3);

    let target = t.path("restored");
    let restored = backup::restore(&file, BACKUP_PASSWORD, &target, NEW_MASTER, KdfParams::INSECURE_FOR_TESTS).unwrap();
    assert_eq!(restored.customers(), 2);
    let mut back = Notebook::open(&target, NEW_MASTER.as_bytes()).unwrap();
    assert!(back.has_backup_password().unwrap(), "automatic backups open with the new master password");
    let after = all_rows(&back);
    for table in SNAPSHOT_TABLES {
        if *table == "access_log" {
            // The restored notebook adds its own entries (restore, unlock) after the old ones.
            let (old, new) = (&before[table], &after[table]);
            assert_eq!(&new[..old.len()], &old[..], "access log prefix");
            assert!(new.len() > old.len());
        } else {
            assert_eq!(before[table], after[table], "table {table}");
        }
    }
    assert_eq!(attachments(&back), before_files);
    assert_eq!(back.id_sequences().unwrap()["customer"], before_sequences["customer"], "an erased id is not reused");
    assert_eq!(back.verify_access_log().unwrap(), None);
    let secret = back.table_rows("secret", RowScope::All).unwrap()[0]["id"].as_i64().unwrap();
    assert_eq!(back.reveal_secret(secret).unwrap().password.as_str(), "门户密码-42");
    let hits = back.search(&kehu::search::SearchQuery { text: "预算".into(), ..Default::default() }).unwrap();
    assert!(hits.len() >= 3, "the restored notebook's index is built: {hits:?}");
    assert!(back.check_all().unwrap().database.is_empty());
}

#[test]
fn a_flipped_byte_a_truncation_and_a_wrong_password_are_reported() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    fill(&mut nb);
    let file = t.path("backup.age");
    backup::create(&mut nb, &file, BACKUP_PASSWORD, FAST).unwrap();
    drop(nb);
    let bytes = std::fs::read(&file).unwrap();

    let err = backup::verify(&file, "wrong").unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassword, "{err}");

    for offset in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 20] {
        let mut flipped = bytes.clone();
        flipped[offset] ^= 0x01;
        let damaged = t.path("flipped.age");
        std::fs::write(&damaged, &flipped).unwrap();
        let err = backup::verify(&damaged, BACKUP_PASSWORD).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Corrupt, "byte {offset}: {err}");
        assert!(err.to_string().contains("flipped.age"), "{err}");
    }
    for len in [bytes.len() - 1, bytes.len() - 64 * 1024 - 17, bytes.len() / 2, 200] {
        let cut = t.path("cut.age");
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let err = backup::verify(&cut, BACKUP_PASSWORD).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Corrupt, "cut at {len}: {err}");
    }
    std::fs::write(t.path("plain.txt"), "not a backup").unwrap();
    let err = backup::verify(&t.path("plain.txt"), BACKUP_PASSWORD).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid, "{err}");

    // A failed restore leaves nothing behind.
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x80;
    std::fs::write(t.path("flipped.age"), &flipped).unwrap();
    let target = t.path("restored");
    let err =
        backup::restore(&t.path("flipped.age"), BACKUP_PASSWORD, &target, NEW_MASTER, KdfParams::INSECURE_FOR_TESTS)
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(!target.exists());
    let leftovers: Vec<_> = std::fs::read_dir(t.tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("restoring"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn restore_refuses_an_existing_notebook() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    fill(&mut nb);
    let file = t.path("backup.age");
    backup::create(&mut nb, &file, BACKUP_PASSWORD, FAST).unwrap();
    drop(nb);
    let err = backup::restore(&file, BACKUP_PASSWORD, &t.dir(), NEW_MASTER, KdfParams::INSECURE_FOR_TESTS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    assert_eq!(t.open().count_customers(&Default::default()).unwrap(), 2, "the notebook is untouched");
}

#[test]
fn automatic_backups_rotate_verify_and_report_failure() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    fill(&mut nb);
    let folder = t.path("backups");
    assert_eq!(
        backup::auto_backup(&mut nb, &folder, 3, true, FAST).unwrap(),
        backup::AutoBackupOutcome::NotConfigured,
        "automatic backups wait for a backup password"
    );
    assert!(backup::backup_status(&nb).unwrap().is_none());
    let err = backup::auto_backup(&mut nb, &folder, 3, false, FAST).unwrap_err();
    assert!(err.to_string().contains("backup password"), "{err}");
    let status = backup::backup_status(&nb).unwrap().unwrap();
    assert_eq!(status.state, backup::BackupState::Failed);

    nb.set_backup_password(Some(BACKUP_PASSWORD)).unwrap();
    let written = backup::auto_backup(&mut nb, &folder, 3, true, FAST).unwrap();
    let backup::AutoBackupOutcome::Written(status) = written else { panic!("expected a backup") };
    assert_eq!(status.state, backup::BackupState::Ok);
    assert_eq!(status.customers, Some(2));
    assert_eq!(
        backup::auto_backup(&mut nb, &folder, 3, true, FAST).unwrap(),
        backup::AutoBackupOutcome::Unchanged,
        "nothing changed"
    );
    // A change, and by hand: written again.
    for i in 0..4 {
        nb.add_task(&NewTask { customer_id: None, title: format!("task {i}"), ..NewTask::default() }).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100)); // names have one-second resolution
        backup::auto_backup(&mut nb, &folder, 3, i % 2 == 0, FAST).unwrap();
    }
    let files = backup::list_backups(&folder, "notebook").unwrap();
    assert_eq!(files.len(), 3, "the newest three (all in this month): {files:?}");
    std::fs::write(folder.join("my-notes.txt"), "mine").unwrap();
    backup::auto_backup(&mut nb, &folder, 1, false, FAST).unwrap();
    assert_eq!(backup::list_backups(&folder, "notebook").unwrap().len(), 1);
    assert!(folder.join("my-notes.txt").exists(), "other files are never touched");
    let log = nb.access_log(50).unwrap();
    assert!(log.iter().any(|e| e.event == kehu::store::AccessEvent::Backup));
    assert!(log.iter().any(|e| e.event == kehu::store::AccessEvent::BackupFailed));
}

#[test]
fn handover_finds_duplicates_merges_field_by_field_and_redacts() {
    let sender = TempNotebook::new();
    let mut nb = sender.open();
    let (zhang, li) = fill(&mut nb);
    let private_note = nb.notes(zhang).unwrap()[0].id;
    let package = sender.path("handover.age");
    let info = backup::export_handover(
        &mut nb,
        &HandoverSelection { tags: vec!["华东".into(), "华北".into()], ..Default::default() },
        &Redaction { mask_contacts: false, omit_secrets: true, omit_note_ids: vec![private_note] },
        &package,
        "交接口令-海风-2026",
        FAST,
    )
    .unwrap();
    assert_eq!(info.customers(), 2);
    assert_eq!(info.count("secret"), 0);
    assert_eq!(info.count("note"), 2);
    assert_eq!(info.count("history"), 0, "the sender's history stays home");
    drop(nb);

    let receiver = TempNotebook::new();
    let mut other = receiver.open();
    let mine = other
        .add_customer(&NewCustomer {
            company: Some("华为".into()),
            title: Some("总监".into()),
            contacts: vec![NewContact::new(ContactKind::Phone, "+8613812345678")],
            ..NewCustomer::named("张伟（华为）")
        })
        .unwrap();
    let package = Package::open(&package, "交接口令-海风-2026").unwrap();
    let plan = backup::plan_import(&other, &package).unwrap();
    assert_eq!(plan.customers.len(), 2);
    let incoming_zhang = plan.customers.iter().find(|c| c.name == "张伟").unwrap();
    let dup = incoming_zhang.duplicate.as_ref().expect("matched by phone across +86");
    assert_eq!(dup.existing_id, mine);
    assert!(matches!(dup.reason, kehu::quality::DuplicateReason::Phone(_)), "{:?}", dup.reason);
    let fields: Vec<String> = dup.fields.iter().map(|f| f.path.to_string()).collect();
    assert!(["company", "title", "custom.预算"].iter().all(|f| fields.iter().any(|g| g == f)), "{fields:?}");
    assert!(plan.customers.iter().find(|c| c.name == "李娜").unwrap().duplicate.is_none());

    let mut decisions = plan.decisions(ImportAction::Merge, false);
    decisions.iter_mut().find(|d| d.key == incoming_zhang.key).unwrap().take_theirs =
        vec![FieldPath::Customer { field: kehu::store::Field::Company }, FieldPath::Custom { key: "预算".into() }];
    let report = backup::apply_import(&mut other, &package, &decisions).unwrap();
    assert_eq!((report.added, report.merged, report.skipped), (1, 1, 0));
    let merged = other.customer(mine).unwrap();
    assert_eq!(merged.company.as_deref(), Some("华为技术有限公司"), "taken from theirs");
    assert_eq!(merged.title.as_deref(), Some("总监"), "mine kept");
    assert_eq!(merged.custom.get("预算").map(String::as_str), Some("50万"));
    assert!(merged.tags.contains(&"华东".to_string()));
    assert!(merged.contacts.iter().any(|c| c.normalized == "zhang.wei@example.com"));
    assert_eq!(other.notes(mine).unwrap().len(), 1, "the omitted note stayed with the sender");
    assert_eq!(other.attachments(mine).unwrap().len(), 1);
    assert!(other.secrets(mine).unwrap().is_empty());
    let history = other.history(mine).unwrap();
    assert!(
        history.iter().any(|h| h.path == kehu::store::FieldPath::Customer { field: kehu::store::Field::Company }),
        "a merge is recorded in the history"
    );
    let new_li = other.list_customers(&Default::default()).unwrap().into_iter().find(|c| c.name == "李娜").unwrap();
    let attachment_id = other.attachments(new_li.id).unwrap()[0].id;
    let (attachment, data) = other.attachment_data(attachment_id).unwrap();
    assert_eq!((attachment.name.as_str(), data.len()), ("../合同 v2.pdf", 300_000));
    assert_eq!(other.complaints(Some(new_li.id)).unwrap()[0].status, ComplaintStatus::Handling);
    let _ = li;

    // Merging the same package again adds nothing twice.
    let notes_before = other.notes(mine).unwrap().len();
    let again = backup::plan_import(&other, &package).unwrap();
    let report = backup::apply_import(&mut other, &package, &again.decisions(ImportAction::Merge, false)).unwrap();
    assert_eq!((report.merged, report.records), (2, 0), "every record is already there");
    assert_eq!(other.notes(mine).unwrap().len(), notes_before);

    // Skipping adds nothing either.
    let plan = backup::plan_import(&other, &package).unwrap();
    assert!(plan.customers.iter().all(|c| c.duplicate.is_some()));
    let report = backup::apply_import(&mut other, &package, &plan.decisions(ImportAction::Skip, false)).unwrap();
    assert_eq!((report.added, report.merged, report.skipped), (0, 0, 2));
}

#[test]
fn masked_handover_hides_phones_and_emails() {
    let sender = TempNotebook::new();
    let mut nb = sender.open();
    let (zhang, _) = fill(&mut nb);
    let package = sender.path("masked.age");
    backup::export_handover(
        &mut nb,
        &HandoverSelection { customer_ids: vec![zhang], ..Default::default() },
        &Redaction { mask_contacts: true, ..Redaction::default() },
        &package,
        "交接-口令-晨跑-9",
        FAST,
    )
    .unwrap();
    let package = Package::open(&package, "交接-口令-晨跑-9").unwrap();
    assert!(package.info.redacted);
    let receiver = TempNotebook::new();
    let mut other = receiver.open();
    backup::apply_import(&mut other, &package, &[]).unwrap();
    let id = other.list_customers(&Default::default()).unwrap()[0].id;
    let contacts = other.customer(id).unwrap().contacts;
    let values: Vec<&str> = contacts.iter().map(|c| c.value.as_str()).collect();
    assert!(values.contains(&"138 **** 5678") && values.contains(&"z***@example.com"), "{values:?}");
    assert_eq!(other.secrets(id).unwrap().len(), 1, "credentials travel unless left out");
}

/// Runs the reference age tool (Go) to decrypt, typing the passphrase on a pseudo-terminal as a
/// person would (age reads passphrases only from a terminal).
fn age_decrypt(file: &Path, out: &Path, password: &str) -> bool {
    let Ok(age) = which("age") else {
        assert!(std::env::var_os("KEHU_REQUIRE_TOOLS").is_none(), "the age tool is required (apt install age)");
        eprintln!("skipping: the age tool is not installed");
        return false;
    };
    let script = r#"
import os, pty, sys, time
age, src, dst, pw = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(age, [age, "-d", "-o", dst, src])
buf = b""
deadline = time.time() + 60
while b"passphrase" not in buf.lower() and time.time() < deadline:
    try:
        buf += os.read(fd, 1024)
    except OSError:
        break
os.write(fd, pw.encode() + b"\n")
while True:
    try:
        if not os.read(fd, 1024):
            break
    except OSError:
        break
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let status = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(age)
        .arg(file)
        .arg(out)
        .arg(password)
        .status()
        .unwrap();
    assert!(status.success(), "age -d failed");
    true
}

fn which(tool: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn the_reference_age_tool_and_tar_open_a_backup() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    fill(&mut nb);
    let file = t.path("backup.age");
    // The work factor the reference tool accepts by default, as real backups use.
    backup::create(&mut nb, &file, BACKUP_PASSWORD, BackupOptions { work_factor: 15 }).unwrap();
    let customers = nb.table_rows("customer", RowScope::All).unwrap();
    drop(nb);
    let tar = t.path("backup.tar");
    if !age_decrypt(&file, &tar, BACKUP_PASSWORD) {
        return;
    }
    let out = t.path("extracted");
    std::fs::create_dir(&out).unwrap();
    let status = std::process::Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&out).status().unwrap();
    assert!(status.success());
    let root = out.join("kehu-backup");
    let json = std::fs::read_to_string(root.join("data/customer/part-0001.json")).unwrap();
    let rows: Vec<kehu::store::Row> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows, customers);
    let notes = std::fs::read_to_string(root.join("data/note/part-0001.json")).unwrap();
    assert!(notes.contains("预算确认"));
    let secrets = std::fs::read_to_string(root.join("data/secret/part-0001.json")).unwrap();
    assert!(secrets.contains("门户密码-42"), "credentials readable without kehu");
    let attachment = std::fs::read_dir(root.join("attachments"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with("合同 v2.pdf"))
        .expect("the attachment is a file");
    assert_eq!(std::fs::read(attachment.path()).unwrap(), vec![7u8; 300_000]);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["tables"]["customer"], 2);
    assert!(root.join("README.txt").exists());
    let _ = PASSWORD;
}
