//! Import and export through the API: files written by other programs (openpyxl, xlwt, Excel's
//! GBK CSV and UTF-16 text, Google and Outlook exports, Android/iOS/4.0 vCards), duplicates,
//! invalid values, one transaction, round trips through every export, and data quality.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kehu::backup::ImportAction;
use kehu::interop::{
    Encoding, EncodingSource, ExportFormat, ExportOptions, ImportOptions, ImportOutcome, InvalidAction, RowDecision,
    WhyUnreadable, export, import_file, preview_import,
};
use kehu::quality::DuplicateReason;
use kehu::store::{
    Change, ContactKind, Customer, CustomerFilter, FieldPath, Grade, Lang, NewContact, NewCustomer, NewInteraction,
    NewNote,
};
use kehu::{ErrorDetail, IoCause, Notebook};

use crate::export::rich_notebook;
use crate::util::TempNotebook;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/interop").join(name)
}

pub(crate) fn import(notebook: &mut Notebook, path: &Path, options: &ImportOptions) -> ImportOutcome {
    import_file(notebook, path, options, &[], &mut |_, _| {}).unwrap()
}

pub(crate) fn all(notebook: &Notebook) -> Vec<Customer> {
    let list = notebook.list_customers(&CustomerFilter { limit: None, ..CustomerFilter::default() }).unwrap();
    let mut customers: Vec<Customer> = list.iter().map(|c| notebook.customer(c.id).unwrap()).collect();
    customers.sort_by_key(|c| c.id);
    customers
}

pub(crate) fn by_name(notebook: &Notebook, name: &str) -> Customer {
    all(notebook).into_iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no customer named {name}"))
}

pub(crate) fn values(c: &Customer, kind: ContactKind) -> Vec<String> {
    c.contacts.iter().filter(|m| m.kind == kind).map(|m| m.value.clone()).collect()
}

#[test]
fn excel_ledgers_written_by_openpyxl_and_xlwt() {
    for (file, rows) in [("ledger.xlsx", 4), ("ledger.xls", 3)] {
        let t = TempNotebook::new();
        let mut nb = t.open();
        let report = import(&mut nb, &fixture(file), &ImportOptions::default());
        assert_eq!((report.added, report.flagged), (rows, 1), "{file}: {report:?}");
        let zhang = by_name(&nb, "张伟");
        assert_eq!(zhang.company.as_deref(), Some("华为技术有限公司"));
        assert_eq!(zhang.title.as_deref(), Some("采购经理"));
        assert_eq!(zhang.grade, Grade::Vip, "A类");
        assert_eq!(zhang.birthday.as_deref(), Some("1985-03-02"), "2019年07月09日-style text date");
        assert_eq!(zhang.custom.get("签约日期").map(String::as_str), Some("2019-07-09"), "Excel date serial");
        assert!(!zhang.custom.contains_key("序号"));
        assert_eq!(values(&zhang, ContactKind::Phone), ["13800138000"], "phone typed as a number");
        assert_eq!(nb.notes(zhang.id).unwrap()[0].body, "年度框架协议，重点跟进");
        let li = by_name(&nb, "李娜");
        if file == "ledger.xlsx" {
            assert_eq!(li.region.as_deref(), Some("华南"), "a merged cell fills every row it spans");
            assert_eq!(by_name(&nb, "陈静").company.as_deref(), Some("上海浦东发展银行股份有限公司"), "second sheet");
        }
        let wang = by_name(&nb, "王芳");
        assert_eq!(wang.custom.get("电子邮箱").map(String::as_str), Some("wangfang@bytedance"));
        assert!(wang.tags.contains(&"待核实".to_string()));
        assert_eq!(values(&wang, ContactKind::Phone), ["010-62345678"]);
        let problem = &report.problems[0];
        assert_eq!((problem.row, problem.column.as_str()), (6, "电子邮箱"), "{problem:?}");
    }
}

#[test]
fn csv_in_gbk_and_utf16_as_excel_saves_them() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let preview = preview_import(&nb, &fixture("ledger-gbk.csv"), &ImportOptions::default()).unwrap();
    assert_eq!(preview.encoding.as_deref(), Some("gb18030"));
    assert_eq!((preview.total, preview.flagged), (3, 1));
    // Read as UTF-8 on request, the same bytes are refused with a hint, and nothing changes.
    let utf8 = ImportOptions { encoding: Encoding::Utf8, ..ImportOptions::default() };
    let err = import_file(&mut nb, &fixture("ledger-gbk.csv"), &utf8, &[], &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("ledger-gbk.csv") && err.to_string().contains("gbk"), "{err}");
    assert!(
        matches!(err.detail(), Some(ErrorDetail::Unreadable { why: WhyUnreadable::NotText, line: None, file }) if file.ends_with("ledger-gbk.csv")),
        "a screen says why in the user's language: {:?}",
        err.detail()
    );
    assert!(all(&nb).is_empty());
    import(&mut nb, &fixture("ledger-gbk.csv"), &ImportOptions::default());
    assert_eq!(by_name(&nb, "李娜").company.as_deref(), Some("深圳市腾讯计算机系统有限公司"));
    import(&mut nb, &fixture("ledger-utf16.txt"), &ImportOptions::default());
    let zhao = by_name(&nb, "赵磊");
    assert_eq!(
        (zhao.company.as_deref(), values(&zhao, ContactKind::Phone)),
        (Some("招商银行"), vec!["13700002222".into()])
    );
}

#[test]
fn a_big5_ledger_is_read_right_once_the_user_chooses_big5() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let file = fixture("ledger-big5.csv");
    // BIG5 bytes are valid GBK: the guess reads them, wrongly, and says it guessed.
    let guessed = preview_import(&nb, &file, &ImportOptions::default()).unwrap();
    assert_eq!(
        (guessed.encoding.as_deref(), guessed.encoding_source),
        (Some("gb18030"), Some(EncodingSource::Guessed))
    );
    assert!(!guessed.rows.iter().any(|r| r.name == "陳美玲"));
    let big5 = ImportOptions { encoding: Encoding::Big5, ..ImportOptions::default() };
    let chosen = preview_import(&nb, &file, &big5).unwrap();
    assert_eq!((chosen.encoding.as_deref(), chosen.encoding_source), (Some("big5"), Some(EncodingSource::Chosen)));
    let names: Vec<&str> = chosen.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["陳美玲", "林志明", "黃嘉欣"], "traditional headers are recognised: 聯絡人 is the name");
    let headers: Vec<&str> = chosen.mapping.as_ref().unwrap().columns.iter().map(|c| c.header.as_str()).collect();
    let company = headers.iter().position(|h| *h == "客戶名稱").unwrap();
    assert_eq!(chosen.examples[company], "台灣積體電路製造股份有限公司", "the first row under each column, decoded");
    assert_eq!(chosen.flagged, 0, "{:?}", chosen.problems);
    import(&mut nb, &file, &big5);
    let chen = by_name(&nb, "陳美玲");
    assert_eq!(chen.company.as_deref(), Some("台灣積體電路製造股份有限公司"));
    assert_eq!(chen.title.as_deref(), Some("採購經理"));
    assert_eq!(values(&chen, ContactKind::Email), ["meiling.chen@tsmc.example"]);
    // A file with a byte-order mark says what it is.
    let marked = preview_import(&nb, &fixture("ledger-utf16.txt"), &ImportOptions::default()).unwrap();
    assert_eq!(marked.encoding_source, Some(EncodingSource::Declared));
}

#[test]
fn google_and_outlook_exports_as_they_come() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    import(&mut nb, &fixture("google-contacts.csv"), &ImportOptions::default());
    let liu = by_name(&nb, "刘洋");
    assert_eq!(liu.company.as_deref(), Some("阿里巴巴"));
    assert_eq!(liu.title.as_deref(), Some("产品经理"));
    assert_eq!(values(&liu, ContactKind::Email), ["liuyang@example.com", "ly@qq.com"]);
    assert_eq!(values(&liu, ContactKind::Phone), ["+86 135 0000 3333", "021-61234567"]);
    assert_eq!(liu.tags, ["华东", "客户"]);
    assert_eq!(liu.birthday.as_deref(), Some("1990-05-20"));
    assert_eq!(values(&by_name(&nb, "Emily Chen"), ContactKind::Phone), ["+1 650-253-0000"]);
    import(&mut nb, &fixture("outlook-contacts.csv"), &ImportOptions::default());
    let sun = by_name(&nb, "孙强");
    assert_eq!(sun.company.as_deref(), Some("比亚迪股份有限公司"));
    assert_eq!(sun.birthday, None, "Outlook's 0/0/00");
    assert_eq!(values(&sun, ContactKind::Phone).len(), 2);
    assert_eq!(values(&sun, ContactKind::Address), ["坪山区比亚迪路3009号 深圳 518118"]);
    assert_eq!(by_name(&nb, "John Smith").birthday.as_deref(), Some("1980-07-09"));
}

#[test]
fn vcards_in_three_versions() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    import(&mut nb, &fixture("android-2.1.vcf"), &ImportOptions::default());
    let zhou = by_name(&nb, "周杰");
    assert_eq!(zhou.company.as_deref(), Some("中国移动"));
    assert_eq!(values(&zhou, ContactKind::Phone), ["186-0000-5555", "010-6234 5678"]);
    assert_eq!(zhou.birthday.as_deref(), Some("1988-12-01"));
    assert_eq!(nb.notes(zhou.id).unwrap()[0].body, "客户，多次合作。第二行", "QUOTED-PRINTABLE with a soft break");
    let photo = nb.attachments(zhou.id).unwrap();
    assert_eq!(photo[0].name, "photo.jpg");
    assert_eq!(nb.attachment_data(photo[0].id).unwrap().1[..3], [0xFF, 0xD8, 0xFF]);
    by_name(&nb, "吴敏"); // GBK QUOTED-PRINTABLE
    import(&mut nb, &fixture("ios-3.0.vcf"), &ImportOptions::default());
    let zheng = by_name(&nb, "郑丽");
    assert_eq!(zheng.company.as_deref(), Some("招商银行 零售部"));
    assert_eq!(values(&zheng, ContactKind::Address), ["中国广东深圳深南大道7088号 518040"]);
    assert_eq!(zheng.tags, ["VIP", "银行"]);
    assert_eq!(nb.notes(zheng.id).unwrap()[0].body, "iPhone 导出\n第二行, 含逗号");
    import(&mut nb, &fixture("contacts-4.0.vcf"), &ImportOptions::default());
    let feng = by_name(&nb, "冯涛");
    assert_eq!(values(&feng, ContactKind::Phone), ["+86-139-0000-8888"]);
    assert_eq!(feng.birthday.as_deref(), Some("--06-15"));
    assert_eq!(nb.attachments(feng.id).unwrap().len(), 1);
}

/// Cards in the charsets their properties declare — Shift_JIS, Big5, Big5-HKSCS — come through
/// exactly, and the odd lines real files carry cost only themselves (the preview says which).
#[test]
fn vcards_in_declared_charsets_come_through_exactly() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let preview = preview_import(&nb, &fixture("charsets-2.1.vcf"), &ImportOptions::default()).unwrap();
    let problems: Vec<String> = preview.problems.iter().map(ToString::to_string).collect();
    assert!(problems.iter().any(|p| p.contains("PHOTO")), "{problems:?}");
    import(&mut nb, &fixture("charsets-2.1.vcf"), &ImportOptions::default());
    let ino = by_name(&nb, "伊能 圭一");
    assert_eq!(ino.company.as_deref(), Some("株式会社テスト"));
    assert_eq!(values(&ino, ContactKind::Phone), ["090-1234-5678"]);
    let chen = by_name(&nb, "陳志明");
    assert_eq!(chen.company.as_deref(), Some("臺灣積體電路製造"));
    assert!(nb.attachments(chen.id).unwrap().is_empty(), "the malformed PHOTO is left out, not the card");
    let wong = by_name(&nb, "黃嘉欣");
    assert_eq!(values(&wong, ContactKind::Phone), ["+852 9123 4567"]);
    assert_eq!(nb.notes(wong.id).unwrap()[0].body, "第一行\n第二行", "a value continued by a backslash");
}

fn seeded() -> (TempNotebook, i64) {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let mut zhang = NewCustomer::named("张伟");
    zhang.company = Some("华为".into());
    zhang.contacts = vec![NewContact::new(ContactKind::Phone, "+86 138-0013-8000")];
    zhang.custom.insert("签约日期".into(), "2018-01-01".into());
    let id = nb.add_customer(&zhang).unwrap();
    (t, id)
}

#[test]
fn duplicates_skip_merge_or_keep_both() {
    let file = fixture("ledger-gbk.csv");
    let (t, id) = seeded();
    let mut nb = t.open();
    let preview = preview_import(&nb, &file, &ImportOptions::default()).unwrap();
    let dup = preview.rows.iter().find(|r| r.duplicate.is_some()).unwrap();
    let d = dup.duplicate.as_ref().unwrap();
    assert_eq!((d.existing_id, &d.reason), (Some(id), &DuplicateReason::Phone("+8613800138000".into())));
    assert!(d.differences.iter().any(|f| f.path == FieldPath::Custom { key: "签约日期".into() }), "{d:?}");
    assert!(d.differences.iter().any(|f| f.path == FieldPath::Customer { field: kehu::store::Field::Company }));
    let report = import(&mut nb, &file, &ImportOptions::default());
    assert_eq!((report.added, report.skipped), (2, 1));
    assert_eq!(all(&nb).len(), 3);

    let (t, id) = seeded();
    let mut nb = t.open();
    let merge = ImportOptions { on_duplicate: ImportAction::Merge, ..ImportOptions::default() };
    let report = import(&mut nb, &file, &merge);
    assert_eq!((report.added, report.merged), (2, 1));
    let zhang = nb.customer(id).unwrap();
    assert_eq!(zhang.company.as_deref(), Some("华为"), "what both have stays as the notebook has it");
    assert_eq!(zhang.title.as_deref(), Some("采购经理"), "empty fields are filled");
    assert_eq!(zhang.custom["签约日期"], "2018-01-01");
    assert_eq!(values(&zhang, ContactKind::Email), ["zhangwei@huawei.com"]);
    assert_eq!(values(&zhang, ContactKind::Phone).len(), 1, "the same number is not added twice");
    assert_eq!(nb.notes(id).unwrap().len(), 1);

    // Per-row decision: keep both for this row despite the default.
    let (t, _) = seeded();
    let mut nb = t.open();
    let index = preview.rows.iter().find(|r| r.duplicate.is_some()).unwrap().index;
    let decisions = [RowDecision { index, action: ImportAction::Add }];
    import_file(&mut nb, &file, &ImportOptions::default(), &decisions, &mut |_, _| {}).unwrap();
    assert_eq!(all(&nb).iter().filter(|c| c.name == "张伟").count(), 2);
}

#[test]
fn rows_duplicating_rows_above_merge_into_them() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let file = t.path("dups.csv");
    std::fs::write(&file, "姓名,公司,手机,邮箱\n张伟,华为技术有限公司,13800138000,\n張偉,華為技術,,zw@huawei.com\n李娜,腾讯,+86 138 0013 8000,\n").unwrap();
    let preview = preview_import(&nb, &file, &ImportOptions::default()).unwrap();
    let earlier: Vec<_> = preview.rows.iter().filter_map(|r| r.duplicate.as_ref()?.earlier_row).collect();
    assert_eq!(earlier, [2, 2], "traditional script and a suffix-less company, then the same phone");
    let merge = ImportOptions { on_duplicate: ImportAction::Merge, ..ImportOptions::default() };
    let report = import(&mut nb, &file, &merge);
    assert_eq!((report.added, report.merged), (1, 2));
    let zhang = by_name(&nb, "张伟");
    assert_eq!(values(&zhang, ContactKind::Email), ["zw@huawei.com"]);
}

#[test]
fn invalid_values_are_flagged_or_reject_the_whole_file() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let file = t.path("bad.csv");
    std::fs::write(
        &file,
        "客户名称,联系人,手机,统一社会信用代码,生日,标签\n甲公司,甲,12345,91350100M000100Y44,2019-02-30,A\n乙公司,乙,13800138000,91350100M000100Y43,,\n,,,,,\n丙公司,,,,,\n",
    )
    .unwrap();
    let reject = ImportOptions { on_invalid: InvalidAction::Reject, ..ImportOptions::default() };
    let err = import_file(&mut nb, &file, &reject, &[], &mut |_, _| {}).unwrap_err();
    assert!(matches!(err.detail(), Some(ErrorDetail::Rejected { count: 3, .. })), "{:?}", err.detail());
    let err = err.to_string();
    assert!(err.contains("bad.csv") && err.contains("row 2") && err.contains("手机"), "{err}");
    assert!(all(&nb).is_empty(), "nothing lands");
    let report = import(&mut nb, &file, &ImportOptions { lang: Lang::En, ..ImportOptions::default() });
    assert_eq!((report.added, report.flagged), (3, 1));
    let columns: Vec<&str> = report.problems.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(columns, ["手机", "统一社会信用代码", "生日"]);
    let jia = by_name(&nb, "甲");
    assert_eq!(jia.tags, ["A", "to check"]);
    assert_eq!(jia.custom["手机"], "12345");
    assert_eq!(jia.custom["生日"], "2019-02-30");
    assert_eq!(
        by_name(&nb, "丙公司").company.as_deref(),
        Some("丙公司"),
        "a ledger row without a contact is named by its company"
    );
}

/// A ledger longer than the parts an import is written in, as a whole: rows checked late still
/// refuse the file, and merge into rows of earlier parts.
#[test]
fn a_long_ledger_is_refused_or_merged_across_its_parts() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let file = t.path("long.csv");
    let mut text = String::from("客户名称,联系人,手机,备注\n");
    for i in 0..12_000 {
        let phone = match i {
            7_000 | 11_000 => "12345".to_owned(),
            // The same number as row 12 (i = 10), thousands of rows below it.
            9_999 => "13900000010".to_owned(),
            _ => format!("139{i:08}"),
        };
        text.push_str(&format!("公司{i},联系人{i},{phone},第{i}条\n"));
    }
    std::fs::write(&file, text).unwrap();

    let reject = ImportOptions { on_invalid: InvalidAction::Reject, ..ImportOptions::default() };
    let err = import_file(&mut nb, &file, &reject, &[], &mut |_, _| {}).unwrap_err().to_string();
    assert!(
        err.contains("2 invalid value(s)") && err.contains("row 7002"),
        "every problem counted, the first named: {err}"
    );
    assert!(all(&nb).is_empty(), "the parts written before the refusal are rolled back");
    assert!(nb.check_all().unwrap().database.is_empty());

    let merge = ImportOptions { on_duplicate: ImportAction::Merge, ..ImportOptions::default() };
    let mut seen = Vec::new();
    let report = import_file(&mut nb, &file, &merge, &[], &mut |done, total| seen.push((done, total))).unwrap();
    assert_eq!((report.added, report.merged, report.flagged, report.records), (11_999, 1, 2, 12_000));
    assert!(seen.len() > 2 && seen.windows(2).all(|w| w[0].0 <= w[1].0), "progress by part: {seen:?}");
    assert_eq!(seen.last(), Some(&(12_000, 12_000)));
    let first = by_name(&nb, "联系人10");
    let notes: Vec<String> = nb.notes(first.id).unwrap().into_iter().map(|n| n.body).collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes.contains(&"第9999条".to_owned()));
    assert!(nb.check_all().unwrap().database.is_empty());
}

#[test]
fn quality_report_and_merge_keep_everything() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let mut add = |name: &str, company: &str, phone: Option<&str>, custom: &[(&str, &str)]| {
        let mut c = NewCustomer::named(name);
        c.company = Some(company.into());
        c.contacts = phone.map(|p| NewContact::new(ContactKind::Phone, p)).into_iter().collect();
        c.custom = custom.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>();
        nb.add_customer(&c).unwrap()
    };
    let a = add("张伟", "华为技术有限公司", Some("13800138000"), &[("统一社会信用代码", "91350100M000100Y44")]);
    let b = add("張偉", "華為技術", None, &[]);
    let c = add("章伟", "华为技术", Some("99999999999"), &[]);
    let d = add("李娜", "腾讯", Some("+8613800138000"), &[]);
    let e = add("王芳", "字节跳动", None, &[]);
    let report = nb.quality_report(60).unwrap();
    assert_eq!(report.customers, 5);
    let invalid: Vec<(i64, String)> = report.invalid.iter().map(|f| (f.customer_id, f.path.to_string())).collect();
    assert_eq!(invalid, [(a, "custom.统一社会信用代码".to_owned()), (c, "contact.phone".to_owned())]);
    assert_eq!(report.duplicates.len(), 1);
    assert_eq!(report.duplicates[0].customer_ids, [a, b, c, d]);
    let reasons = &report.duplicates[0].reasons;
    assert!(reasons.contains(&DuplicateReason::Phone("+8613800138000".into())));
    assert!(reasons.contains(&DuplicateReason::NameAndCompany) && reasons.contains(&DuplicateReason::SimilarName));
    assert!(report.incomplete.iter().any(|i| i.customer_id == e && i.missing.contains(&"phone".to_string())));

    // Merge: every note, interaction and history entry of the other customer stays.
    nb.add_note(&NewNote { customer_id: b, body: Some("张伟的第二条记录".into()), ..NewNote::default() }).unwrap();
    let visit = NewInteraction {
        closes_task: None,
        customer_id: b,
        kind: kehu::store::InteractionKind::Visit,
        summary: "拜访".into(),
        outcome: None,
        at: None,
    };
    nb.add_interaction(&visit).unwrap();
    nb.edit_customer(b, &[Change::Set(kehu::store::Field::Title, Some("总监".into()))]).unwrap();
    let history_before = nb.history(a).unwrap().len() + nb.history(b).unwrap().len();
    let outcome = nb.merge_customers(a, b).unwrap();
    assert!(outcome.records >= 3, "{outcome:?}");
    assert!(nb.customer(b).is_err());
    let merged = nb.customer(a).unwrap();
    assert_eq!(merged.title.as_deref(), Some("总监"));
    assert_eq!(nb.notes(a).unwrap().len(), 1);
    assert_eq!(nb.interactions(a).unwrap().len(), 1);
    assert!(nb.history(a).unwrap().len() > history_before, "moved entries plus the merge's own");
    let hits =
        nb.search(&kehu::search::SearchQuery { text: "第二条记录".into(), limit: 5, ..Default::default() }).unwrap();
    assert_eq!(hits[0].customer_id, Some(a), "the search index follows the moved note");
}

/// Every importer, through its real entry point, on damaged copies of real files (bytes flipped,
/// files cut short): an error or a preview, never a panic. Bounded: a fixed number of cases.
#[test]
fn importers_survive_damaged_files() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed, TestRunner};

    let t = TempNotebook::new();
    let mut nb = rich_notebook(&t);
    let json = t.path("export.json");
    let options = ExportOptions { format: ExportFormat::Json, ..ExportOptions::default() };
    export(&mut nb, &json, &options, &mut |_, _| {}).unwrap();
    let mut sources: Vec<(String, Vec<u8>)> = [
        "ledger.xlsx",
        "ledger.xls",
        "ledger-gbk.csv",
        "ledger-utf16.txt",
        "google-contacts.csv",
        "outlook-contacts.csv",
        "android-2.1.vcf",
        "ios-3.0.vcf",
        "contacts-4.0.vcf",
    ]
    .iter()
    .map(|name| (name.to_string(), std::fs::read(fixture(name)).unwrap()))
    .collect();
    sources.push(("export.json".into(), std::fs::read(&json).unwrap()));

    // The same cases on every run, so CI passes or fails for the code alone; set KEHU_FUZZ_SEED
    // (and KEHU_FUZZ_CASES) to explore others.
    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok()?.parse().ok()
    }
    let cases = env("KEHU_FUZZ_CASES").unwrap_or(2000);
    let seed = env("KEHU_FUZZ_SEED").unwrap_or(20_261_130);
    let config = Config { cases, failure_persistence: None, rng_seed: RngSeed::Fixed(seed), ..Config::default() };
    let mut runner = TestRunner::new(config);
    let strategy = (
        0..sources.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        proptest::option::of(any::<prop::sample::Index>()),
    );
    runner
        .run(&strategy, |(which, flips, cut)| {
            let (name, original) = &sources[which];
            let mut bytes = original.clone();
            for (at, xor) in flips {
                let i = at.index(bytes.len());
                bytes[i] ^= xor.max(1);
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            let path = t.path(&format!("damaged-{name}"));
            std::fs::write(&path, &bytes).unwrap();
            let _ = preview_import(&nb, &path, &ImportOptions::default());
            Ok(())
        })
        .unwrap();
}

/// Every way a file is refused comes with what a screen needs to say it in Chinese or English:
/// the kind of refusal, the file, and the line of a text file.
#[test]
fn a_refused_file_says_why_in_terms_a_screen_translates() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let cases: [(&str, &[u8], WhyUnreadable, Option<u32>); 6] = [
        ("empty.csv", b"\n\n", WhyUnreadable::NoRows, None),
        ("broken.xlsx", b"PK\x03\x04 not a zip archive", WhyUnreadable::NotAWorkbook, None),
        ("headless.vcf", "VERSION:3.0\nFN:张伟\nTEL:13800138000\n".as_bytes(), WhyUnreadable::BadVcard, Some(1)),
        ("text.vcf", "hello\nworld\n".as_bytes(), WhyUnreadable::BadVcard, Some(1)),
        ("other.json", br#"{"format": "someone else's", "rows": []}"#, WhyUnreadable::NotKehu, None),
        ("none.vcf", b"\n", WhyUnreadable::NoVcard, None),
    ];
    for (name, bytes, why, line) in cases {
        let file = t.path(name);
        std::fs::write(&file, bytes).unwrap();
        let err = import_file(&mut nb, &file, &ImportOptions::default(), &[], &mut |_, _| {}).unwrap_err();
        let expected = ErrorDetail::Unreadable { file: file.display().to_string(), why, line };
        assert_eq!(err.detail(), Some(expected), "{name}: {err}");
        assert_eq!(err.code(), kehu::ErrorCode::Invalid);
    }
    let missing = t.path("missing.csv");
    let err = preview_import(&nb, &missing, &ImportOptions::default()).unwrap_err();
    let expected = ErrorDetail::FileAccess { file: Some(missing.display().to_string()), cause: IoCause::NotFound };
    assert_eq!(err.detail(), Some(expected), "{err}");
    assert!(all(&nb).is_empty());
}
