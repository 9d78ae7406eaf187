//! The security invariants of design.md §3 as tests: a canary written through every record kind
//! appears in no file kehu writes (at rest and while open), and every large file it writes is
//! indistinguishable from random (deflate cannot shrink it).

use std::io::Write;
use std::path::Path;

use kehu::store::{Change, ContactKind, Field, Lang, NewContact, NewCustomer, NewInteraction, NewNote, TemplateKind};

use crate::util::{TempNotebook, files_under};

const CANARY: &str = "kehucanary7319";
const CANARY_ZH: &str = "金丝雀暗号";

fn encodings(text: &str) -> Vec<Vec<u8>> {
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    vec![text.as_bytes().to_vec(), text.to_uppercase().into_bytes(), utf16, utf16be]
}

fn assert_no_canary(dir: &Path) -> usize {
    let files = files_under(dir);
    for (path, bytes) in &files {
        for canary in [CANARY, CANARY_ZH] {
            for needle in encodings(canary) {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle), "{canary} found in {}", path.display());
            }
        }
    }
    files.len()
}

/// Files over 4 KiB must not compress: encrypted bytes look random.
fn assert_large_files_random(dir: &Path) -> usize {
    let mut checked = 0;
    for (path, bytes) in files_under(dir) {
        if bytes.len() <= 4096 {
            continue;
        }
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&bytes).unwrap();
        let compressed = encoder.finish().unwrap();
        let ratio = compressed.len() as f64 / bytes.len() as f64;
        assert!(ratio > 0.99, "{} ({} bytes) compresses to {:.1}%", path.display(), bytes.len(), ratio * 100.0);
        checked += 1;
    }
    checked
}

#[test]
fn canary_through_every_cli_command_is_in_no_file() {
    let t = TempNotebook::empty();
    for d in ["home", "tmp", "inputs", "exports"] {
        std::fs::create_dir_all(t.path(d)).unwrap();
    }
    t.ok(&["init", "--kdf-memory-mib", "64", "--kdf-iterations", "3", "--kdf-parallelism", "4"]);
    let c = |s: &str| format!("{s} {CANARY} {CANARY_ZH}");
    let id = t
        .id(&[
            "customer",
            "add",
            "--name",
            &c("姓名"),
            "--company",
            &c("公司"),
            "--title",
            &c("职位"),
            "--industry",
            &c("行业"),
            "--region",
            &c("地区"),
            "--source",
            &c("来源"),
            "--phone",
            "+86 138 0013 8000",
            "--email",
            &format!("{CANARY}@example.com"),
            "--wechat",
            &c("wx"),
            "--address",
            &c("地址"),
            "--tag",
            &c("标签"),
            "--field",
            &format!("{CANARY}键={}", c("值")),
            "--birthday",
            "1970-01-01",
        ])
        .to_string();
    t.ok(&["customer", "edit", &id, "--title", &c("新职位"), "--add-tag", &c("标签二")]);
    t.id(&["note", "add", &id, "--text", &c("## 记录\n机密内容")]);
    t.id(&["note", "add", &id, "--template", "沟通记录"]);
    t.id(&["interaction", "add", &id, "--kind", "visit", "--summary", &c("摘要"), "--outcome", &c("结果")]);
    let task =
        t.id(&["task", "add", "--customer", &id, "--title", &c("任务"), "--due", "2020-01-01 09:00"]).to_string();
    t.ok(&["task", "snooze", &task, "--until", "2099-01-01"]);
    // The agenda: a follow-up note's task, an interaction closing it, the agenda and the report.
    let plan = format!("- **目标**：{}\n- **下次跟进日期**：2030-05-06", c("跟进目标"));
    t.id(&["note", "add", &id, &format!("--text={plan}")]);
    let follow_up = t.json(&["task", "list"])[1]["id"].to_string();
    t.id(&["interaction", "add", &id, "--kind", "call", "--summary", &c("电话"), "--closes-task", &follow_up]);
    t.ok(&["customer", "edit", &id, "--field", &format!("{}生日=1990-05-06", c("家人")), "--reviewed"]);
    t.ok(&["review", "--vip", "7"]);
    assert!(t.ok(&["agenda", "--days", "366"]).contains(CANARY), "the occasion field is on the agenda");
    t.ok(&["report"]);
    t.ok(&["report", "--csv", "region", "--output", t.path("exports/region.csv").to_str().unwrap()]);
    let complaint = t.id(&["complaint", "add", &id, "--title", &c("投诉"), "--detail", &c("详情")]).to_string();
    t.ok(&["complaint", "status", &complaint, "handling"]);
    let pw = t.path("inputs/secret");
    std::fs::write(&pw, c("凭据密码")).unwrap();
    let secret = t
        .id(&[
            "secret",
            "add",
            &id,
            "--label",
            &c("门户"),
            "--username",
            CANARY,
            "--url",
            &format!("https://{CANARY}.cn"),
            "--secret-file",
            pw.to_str().unwrap(),
        ])
        .to_string();
    t.ok(&["secret", "show", &secret]);
    let file = t.path(&format!("inputs/{CANARY}.txt"));
    std::fs::write(&file, c("附件内容").repeat(500)).unwrap();
    let att = t.id(&["attach", "add", &id, file.to_str().unwrap()]).to_string();
    t.ok(&["attach", "get", &att, "--output", t.path("exports/out.txt").to_str().unwrap()]);
    let tpl = t.path("inputs/tpl.md");
    std::fs::write(&tpl, c("模板正文")).unwrap();
    t.id(&["template", "save", &c("模板"), "--kind", "note", "--file", tpl.to_str().unwrap()]);
    t.ok(&["customer", "show", &id]);
    t.ok(&["customer", "list", "--text", CANARY]);
    t.ok(&["history", &id]);
    t.ok(&["log"]);
    t.ok(&["check"]);
    // Import (GBK CSV and vCard), quality, merge and the exports the user asks for.
    let csv = t.path("inputs/ledger.csv");
    let ledger = format!("客户名称,联系人,手机,备注\n{},{},13800138000,{}\n", c("公司"), c("联系人"), c("备注"));
    std::fs::write(&csv, encoding_rs::GBK.encode(&ledger).0).unwrap();
    t.ok(&["import", csv.to_str().unwrap()]);
    let vcf = t.path("inputs/card.vcf");
    std::fs::write(&vcf, format!("BEGIN:VCARD\nVERSION:3.0\nFN:{}\nNOTE:{}\nEND:VCARD\n", c("名片"), c("名片备注")))
        .unwrap();
    t.ok(&["import", vcf.to_str().unwrap()]);
    t.ok(&["quality"]);
    for (format, name) in [("csv", "out.csv"), ("xlsx", "out.xlsx"), ("vcard", "out.vcf"), ("json", "out.json")] {
        t.ok(&["export", "--format", format, "--output", t.path(&format!("exports/{name}")).to_str().unwrap()]);
    }
    let second = t.id(&["customer", "add", "--name", &c("将被删除")]).to_string();
    t.ok(&["customer", "erase", &second, "--yes"]);

    // The shown values really went in (so the scan below is not vacuous).
    assert!(t.ok(&["customer", "show", &id]).contains(CANARY));

    for dir in ["notebook", "home", "tmp"] {
        assert_no_canary(&t.path(dir));
    }
    assert!(files_under(&t.path("notebook")).len() >= 3);
    assert!(assert_large_files_random(&t.path("notebook")) >= 1);
    // The export the user asked for is the one plaintext file.
    assert!(std::fs::read_to_string(t.path("exports/out.txt")).unwrap().contains(CANARY));
}

#[test]
fn canary_is_in_no_file_while_the_notebook_is_open() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let c = |s: &str| format!("{s} {CANARY} {CANARY_ZH}");
    let customer = NewCustomer {
        company: Some(c("公司")),
        tags: vec![c("标签")],
        contacts: vec![NewContact::new(ContactKind::Wechat, c("wx"))],
        custom: [(c("键"), c("值"))].into(),
        ..NewCustomer::named(c("姓名"))
    };
    let batch: Vec<_> = (0..300).map(|_| customer.clone()).collect();
    let ids = nb.add_customers(&batch).unwrap();
    let id = ids[0];
    nb.edit_customer(id, &[Change::Set(Field::Region, Some(c("地区")))]).unwrap();
    for _ in 0..50 {
        nb.add_note(&NewNote { customer_id: id, body: Some(c("记录").repeat(40)), ..Default::default() }).unwrap();
    }
    let interaction = NewInteraction {
        closes_task: None,
        customer_id: id,
        kind: kehu::store::InteractionKind::Call,
        summary: c("摘要"),
        outcome: None,
        at: None,
    };
    nb.add_interaction(&interaction).unwrap();
    nb.add_secret(&kehu::store::NewSecret {
        customer_id: id,
        label: &c("门户"),
        username: Some(CANARY),
        url: None,
        password: &c("密码"),
    })
    .unwrap();
    nb.add_attachment(id, &c("附件"), "text/plain", c("内容").repeat(2000).as_bytes()).unwrap();
    nb.save_template(&kehu::store::NewTemplate {
        kind: TemplateKind::Note,
        name: &c("模板"),
        language: Lang::ZhCn,
        description: &c("说明"),
        fields: &[],
        body: &c("正文"),
    })
    .unwrap();

    // Open: the WAL holds every page written since the last checkpoint.
    let files: Vec<_> = files_under(&t.dir()).into_keys().collect();
    assert!(files.iter().any(|p| p.to_string_lossy().ends_with("-wal")), "expected a WAL while open: {files:?}");
    assert!(!files.iter().any(|p| p.to_string_lossy().ends_with("-shm")), "no shared-memory index file: {files:?}");
    assert_no_canary(&t.dir());
    assert!(assert_large_files_random(&t.dir()) >= 2);
    drop(nb);
    assert_no_canary(&t.dir());
    assert_large_files_random(&t.dir());
}
