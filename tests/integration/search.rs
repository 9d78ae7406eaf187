//! Search through the public API and the CLI: recall against a brute-force scan, pinyin, filters,
//! highlighting, folding, near-real-time visibility, crash repair, damage repair, and no plaintext
//! in the index folder.

use std::collections::BTreeSet;

use kehu::search::SearchQuery;
use kehu::store::{ComplaintStatus, Grade, InteractionKind, NewCustomer, NewInteraction, NewNote, SearchKind, Stage};

use crate::util::{TempNotebook, files_under};

const SENTENCES: &[&str] = &[
    "客户对交付周期比较关注，希望下个季度之前完成第一批供货。",
    "采购经理表示预算已经审批，但需要总经理最终签字。",
    "今天电话沟通了新版报价，客户认为价格偏高，希望再优惠百分之五。",
    "拜访了客户的工厂，生产线正在升级，对自动化设备有明确需求。",
    "竞争对手也在接触这个客户，需要尽快安排技术交流。",
    "合同续签意向明确，下周提交正式合同草案。",
    "对方技术负责人对系统集成方案很感兴趣，约定下周演示。",
    "年底有一笔较大的采购计划，需要提前准备样品。",
    "The customer asked for a revised quotation including installation and training.",
    "Their procurement team requires ISO certificates before the next tender.",
];

/// Words a salesperson would type; each is a jieba word of the corpus.
const WORDS: &[&str] = &[
    "客户",
    "合同",
    "续签",
    "预算",
    "报价",
    "工厂",
    "采购",
    "技术",
    "演示",
    "样品",
    "季度",
    "价格",
    "quotation",
    "ISO",
];

fn ids(hits: &[kehu::search::SearchHit]) -> BTreeSet<i64> {
    hits.iter().map(|h| h.record_id).collect()
}

#[test]
fn recall_against_a_brute_force_scan() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let customers: Vec<i64> =
        nb.add_customers(&(0..20).map(|i| NewCustomer::named(format!("测试人{i}"))).collect::<Vec<_>>()).unwrap();
    let mut bodies = Vec::new();
    for i in 0..400usize {
        let body: String = (0..(2 + i % 3)).map(|j| SENTENCES[(i * 7 + j * 3) % SENTENCES.len()]).collect();
        let id = nb
            .add_note(&NewNote { customer_id: customers[i % 20], body: Some(body.clone()), ..Default::default() })
            .unwrap();
        bodies.push((id, body));
    }
    let (mut expected_total, mut found_total) = (0usize, 0usize);
    for word in WORDS {
        let expected: BTreeSet<i64> =
            bodies.iter().filter(|(_, b)| b.to_lowercase().contains(&word.to_lowercase())).map(|(id, _)| *id).collect();
        let query = SearchQuery { kind: Some(SearchKind::Note), limit: 1000, ..SearchQuery::new(format!("{word} ")) };
        let found = ids(&nb.search(&query).unwrap());
        assert!(found.is_subset(&expected), "{word}: found notes that do not contain it");
        expected_total += expected.len();
        found_total += found.len();
        assert!(!expected.is_empty(), "{word} is in the corpus");
    }
    let recall = found_total as f64 / expected_total as f64;
    assert!(recall >= 0.95, "recall {recall:.3} below 0.95");

    // Fragments jieba cuts differently (为技, 价格偏) are found through the bigrams.
    for fragment in ["算已", "价格偏", "procurement team"] {
        let expected = bodies.iter().filter(|(_, b)| b.contains(fragment)).count();
        let q =
            SearchQuery { kind: Some(SearchKind::Note), limit: 1000, ..SearchQuery::new(format!("\"{fragment}\"")) };
        assert_eq!(nb.search(&q).unwrap().len(), expected, "{fragment}");
    }
}

#[test]
fn pinyin_names_and_companies() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let zhang = nb
        .add_customer(&NewCustomer { company: Some("华为技术有限公司".into()), ..NewCustomer::named("张伟") })
        .unwrap();
    let wang = nb
        .add_customer(&NewCustomer {
            company: Some("上海明远贸易有限公司".into()), ..NewCustomer::named("王芳")
        })
        .unwrap();
    let ouyang = nb.add_customer(&NewCustomer::named("欧阳娜娜")).unwrap();
    let emily = nb
        .add_customer(&NewCustomer { company: Some("Acme Trading Ltd".into()), ..NewCustomer::named("Emily Chen") })
        .unwrap();
    let mut first = |q: &str| -> Option<i64> {
        let query = SearchQuery { kind: Some(SearchKind::Customer), ..SearchQuery::new(q) };
        nb.search(&query).unwrap().first().map(|h| h.record_id)
    };
    for (q, id) in [
        ("zhangwei", zhang),
        ("zhang wei", zhang),
        ("zw", zhang),
        ("zhangw", zhang),
        ("huawei", zhang),
        ("wangfang", wang),
        ("wf", wang),
        ("mingyuan", wang),
        ("ouyang", ouyang),
        ("oynn", ouyang),
        ("张伟", zhang),
        ("华为", zhang),
        ("emily", emily),
        ("acme", emily),
        ("Emi", emily),
    ] {
        assert_eq!(first(q), Some(id), "{q}");
    }
    assert_eq!(first("lisi"), None);
}

#[test]
fn filters_kinds_and_dates_combine_with_text() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let vip = nb
        .add_customer(&NewCustomer {
            grade: Some(Grade::Vip),
            stage: Some(Stage::Active),
            tags: vec!["重点".into()],
            ..NewCustomer::named("赵总")
        })
        .unwrap();
    let normal = nb.add_customer(&NewCustomer::named("钱经理")).unwrap();
    let at = |s: &str| kehu::clock::parse_user_time(s);
    for (customer, date) in [(vip, "2026-01-15"), (vip, "2026-06-15"), (normal, "2026-06-20")] {
        let body = Some("讨论合同条款".into());
        nb.add_note(&NewNote { customer_id: customer, body, at: at(date), ..Default::default() }).unwrap();
    }
    let meeting = NewInteraction {
        closes_task: None,
        customer_id: vip,
        kind: InteractionKind::Meeting,
        summary: "合同评审会议".into(),
        outcome: None,
        at: at("2026-06-01"),
    };
    nb.add_interaction(&meeting).unwrap();
    let complaint = nb.add_complaint(normal, "合同金额开错", None).unwrap();
    nb.set_complaint_status(complaint, ComplaintStatus::Handling).unwrap();

    let mut count = |q: SearchQuery| nb.search(&q).unwrap().len();
    assert_eq!(count(SearchQuery::new("合同")), 5);
    assert_eq!(count(SearchQuery { kind: Some(SearchKind::Note), ..SearchQuery::new("合同") }), 3);
    assert_eq!(count(SearchQuery::new("合同 kind:complaint")), 1);
    assert_eq!(count(SearchQuery::new("合同 类型:互动")), 1);
    assert_eq!(count(SearchQuery { grade: Some(Grade::Vip), ..SearchQuery::new("合同") }), 3);
    assert_eq!(count(SearchQuery::new("合同 tag:重点 kind:note")), 2);
    assert_eq!(count(SearchQuery::new("合同 stage:active")), 3);
    assert_eq!(count(SearchQuery::new("合同 kind:note after:2026-06-01")), 2);
    assert_eq!(count(SearchQuery::new("合同 kind:note after:2026-06-01 before:2026-06-16")), 1);
    assert_eq!(count(SearchQuery::new("tag:重点 kind:customer")), 1, "filters alone");
    let err = nb.search(&SearchQuery::new("合同 grade:gold")).unwrap_err();
    assert_eq!(err.code(), kehu::ErrorCode::Invalid);
    let filter = kehu::search::FilterKind::Grade;
    assert_eq!(err.detail(), Some(kehu::ErrorDetail::SearchFilter { filter, value: "gold".into() }), "{err}");
}

#[test]
fn snippets_highlight_and_ranking_favours_names_and_recent_notes() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let named =
        nb.add_customer(&NewCustomer { company: Some("远航物流".into()), ..NewCustomer::named("孙丽") }).unwrap();
    let other = nb.add_customer(&NewCustomer::named("周强")).unwrap();
    let old = nb
        .add_note(&NewNote {
            customer_id: other,
            body: Some("很久以前提到过远航物流的仓库。".into()),
            at: kehu::clock::parse_user_time("2020-01-01"),
            ..Default::default()
        })
        .unwrap();
    let recent = nb
        .add_note(&NewNote {
            customer_id: other,
            body: Some("昨天又提到远航物流的仓库。".into()),
            ..Default::default()
        })
        .unwrap();
    let hits = nb.search(&SearchQuery::new("远航物流")).unwrap();
    assert_eq!((hits[0].kind, hits[0].record_id), (SearchKind::Customer, named), "a name match ranks first");
    let notes: Vec<i64> = hits.iter().filter(|h| h.kind == SearchKind::Note).map(|h| h.record_id).collect();
    assert_eq!(notes, vec![recent, old], "the recent note ranks above the old one");
    let hit = hits.iter().find(|h| h.record_id == recent).unwrap();
    assert_eq!(hit.title, "周强");
    assert_eq!(hit.customer_id, Some(other));
    let highlighted: Vec<&str> = hit.highlights.iter().map(|&(s, e)| &hit.snippet[s..e]).collect();
    assert_eq!(highlighted, vec!["远航物流"], "{hit:?}");
}

#[test]
fn traditional_full_width_and_mixed_script_match() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let c = nb.add_customer(&NewCustomer::named("陳先生")).unwrap();
    nb.add_note(&NewNote {
        customer_id: c,
        body: Some("討論ＥＲＰ系統的報價，型号ＸＹ－２０".into()),
        ..Default::default()
    })
    .unwrap();
    for q in ["讨论", "報價", "报价", "erp", "ERP系统", "xy", "20", "陈先生", "chen"] {
        assert!(!nb.search(&SearchQuery::new(format!("{q} "))).unwrap().is_empty(), "{q}");
    }
}

#[test]
fn a_saved_note_is_searchable_at_once_without_an_index_commit() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let c = nb.add_customer(&NewCustomer::named("吴敏")).unwrap();
    nb.search(&SearchQuery::new("吴敏")).unwrap();
    nb.flush_index().unwrap();
    let files_before: Vec<_> = files_under(&t.dir().join(kehu::INDEX_DIR)).into_keys().collect();
    for i in 0..20 {
        let body = format!("第{i}次回访，提到独特词汇甲乙丙{i}");
        nb.add_note(&NewNote { customer_id: c, body: Some(body), ..Default::default() }).unwrap();
        let hits = nb.search(&SearchQuery::new(format!("\"甲乙丙{i}\""))).unwrap();
        assert_eq!(hits.len(), 1, "note {i} not searchable at once");
    }
    let files_after: Vec<_> = files_under(&t.dir().join(kehu::INDEX_DIR)).into_keys().collect();
    assert_eq!(files_before, files_after, "no index commit per note");
    nb.edit_customer(c, &[kehu::store::Change::Set(kehu::store::Field::Name, Some("吴敏华".into()))]).unwrap();
    let hits = nb.search(&SearchQuery { kind: Some(SearchKind::Note), ..SearchQuery::new("wuminhua") }).unwrap();
    assert_eq!(hits.len(), 20, "a renamed customer's notes follow the new name");
    nb.erase_customer(c).unwrap();
    assert!(nb.search(&SearchQuery::new("甲乙丙")).unwrap().is_empty(), "erased records leave the index");
    assert!(nb.check_index().unwrap().is_consistent());
}

#[test]
fn a_crash_between_database_and_index_is_repaired_on_open() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let c = nb.add_customer(&NewCustomer::named("郑浩")).unwrap();
    nb.flush_index().unwrap();
    let note =
        nb.add_note(&NewNote { customer_id: c, body: Some("崩溃前保存的记录".into()), ..Default::default() }).unwrap();
    nb.simulate_crash();

    let mut nb = t.open();
    let report = nb.check_index().unwrap();
    assert!(report.is_consistent(), "{report:?}");
    assert_eq!(report.pending, 0, "the repair was made durable at open");
    let hits = nb.search(&SearchQuery::new("崩溃前")).unwrap();
    assert_eq!(hits.iter().map(|h| h.record_id).collect::<Vec<_>>(), vec![note]);
}

#[test]
fn kill_9_of_the_cli_leaves_index_and_database_agreeing() {
    let t = TempNotebook::new();
    let id = t.open().add_customer(&NewCustomer::named("冯涛")).unwrap().to_string();
    let kehu = assert_cmd::cargo::cargo_bin("kehu");
    for i in 0..25u64 {
        let mut child = std::process::Command::new(&kehu)
            .args(["--notebook", t.dir().to_str().unwrap(), "--password-file", t.password_file().to_str().unwrap()])
            .args(["note", "add", &id, "--text", &format!("第{i}条中断测试记录")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros((i * 15_485) % 60_000));
        let _ = child.kill();
        let _ = child.wait();
    }
    let mut nb = t.open();
    assert!(nb.check_index().unwrap().is_consistent());
    let in_db = nb.notes(id.parse().unwrap()).unwrap().len();
    let q = SearchQuery { kind: Some(SearchKind::Note), limit: 100, ..SearchQuery::new("中断测试") };
    assert_eq!(nb.search(&q).unwrap().len(), in_db);
}

#[test]
fn a_damaged_index_is_rebuilt_not_fatal() {
    let t = TempNotebook::new();
    {
        let mut nb = t.open();
        let c = nb.add_customer(&NewCustomer::named("秦岚")).unwrap();
        for i in 0..200 {
            let body = format!("第{i}份设备维护合同，涉及精密仪器的校准与保养服务，客户要求上门。");
            nb.add_note(&NewNote { customer_id: c, body: Some(body), ..Default::default() }).unwrap();
        }
    }
    // Flip a byte in the middle of every index file.
    for (path, mut bytes) in files_under(&t.dir().join(kehu::INDEX_DIR)) {
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x40;
        std::fs::write(path, bytes).unwrap();
    }
    let mut nb = t.open();
    let hits = nb.search(&SearchQuery { limit: 500, ..SearchQuery::new("精密仪器") }).unwrap();
    assert_eq!(hits.len(), 200);
    assert!(nb.check_index().unwrap().is_consistent());
}

#[test]
fn the_index_folder_holds_no_plaintext() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let c = nb.add_customer(&NewCustomer::named("kehucanary姓名")).unwrap();
    for _ in 0..100 {
        let body = Some("机密暗号金丝雀 kehucanary 出现在每一条记录里，重复很多次。".repeat(5));
        nb.add_note(&NewNote { customer_id: c, body, ..Default::default() }).unwrap();
    }
    nb.flush_index().unwrap();
    let files = files_under(&t.dir().join(kehu::INDEX_DIR));
    assert!(files.len() >= 5, "{files:?}");
    let mut large = 0;
    for (path, bytes) in &files {
        for needle in
            ["kehucanary".as_bytes(), "金丝雀".as_bytes(), "机密".as_bytes(), "meta".as_bytes(), "segments".as_bytes()]
        {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "plaintext in {}", path.display());
        }
        if bytes.len() > 4096 {
            large += 1;
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            std::io::Write::write_all(&mut e, bytes).unwrap();
            assert!(e.finish().unwrap().len() as f64 > bytes.len() as f64 * 0.99, "{} compresses", path.display());
        }
    }
    assert!(large >= 1);
}

#[test]
fn cli_search_and_index_commands() {
    let t = TempNotebook::new();
    let id = t.id(&["customer", "add", "--name", "张伟", "--company", "华为技术有限公司", "--tag", "重点"]).to_string();
    t.id(&["note", "add", &id, "--text", "和张总讨论了续签合同"]);
    let hits = t.json(&["search", "华为 续签"]);
    assert_eq!(hits[0]["kind"], "note");
    assert_eq!(hits[0]["customer_name"], "张伟");
    assert!(hits[0]["snippet"].as_str().unwrap().contains("续签"));
    assert!(hits[0]["highlights"].is_array());
    assert_eq!(t.json(&["search", "zw", "--kind", "customer"])[0]["record_id"].to_string(), id);
    assert_eq!(t.json(&["search", "合同", "--tag", "重点", "--grade", "normal"]).as_array().unwrap().len(), 1);
    assert_eq!(t.json(&["search", "合同", "--kind", "template"]).as_array().unwrap().len(), 0);
    assert_eq!(t.json(&["search", "沟通记录", "--kind", "模板"]).as_array().unwrap().len(), 1);
    let text = t.ok(&["search", "合同"]);
    assert!(text.contains("【合同】"), "{text}");
    t.fails(&["search", "合同 grade:gold"], 6);
    assert_eq!(t.json(&["index", "check"])["missing_count"], 0);
    t.ok(&["index", "rebuild"]);
    assert_eq!(t.json(&["search", "续签"]).as_array().unwrap().len(), 1);
}
