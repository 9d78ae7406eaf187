//! The core API: every record kind round-trips, errors are the ones a caller can act on, and a
//! failed write changes nothing.

use std::collections::BTreeMap;

use kehu::store::{
    AccessEvent, Change, Colour, CompanySize, ComplaintField, ComplaintStatus, ContactKind, CustomerFilter, Field,
    FieldPath, Grade, InteractionKind, Lang, NewContact, NewCustomer, NewInteraction, NewNote, NewTask, Stage,
    TaskFilter, TemplateKind,
};
use kehu::vault::KdfParams;
use kehu::{ErrorCode, Notebook};

use crate::util::{PASSWORD, TempNotebook, snapshot};

fn full_customer() -> NewCustomer {
    NewCustomer {
        name: "王芳".into(),
        company: Some("上海明远贸易有限公司".into()),
        title: Some("采购经理".into()),
        industry: Some("贸易".into()),
        company_size: Some(CompanySize::Medium),
        region: Some("上海".into()),
        source: Some("展会".into()),
        grade: Some(Grade::Vip),
        stage: Some(Stage::Active),
        colour: Some(Colour::Red),
        birthday: Some("1985-06-01".into()),
        template: Some("中小企业".into()),
        custom: BTreeMap::from([("老板".into(), "王总".into())]),
        tags: vec!["重点".into(), "华东".into()],
        contacts: vec![
            NewContact::new(ContactKind::Phone, "139 1234 5678"),
            NewContact::new(ContactKind::Phone, "021-5555 1234"),
            NewContact::new(ContactKind::Email, "Wang.Fang@Mingyuan.cn"),
            NewContact::new(ContactKind::Wechat, "wangfang_sh"),
            NewContact::new(ContactKind::Address, "上海市  浦东新区 世纪大道 100 号"),
        ],
    }
}

#[test]
fn every_record_kind_round_trips_across_reopen() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let id = nb.add_customer(&full_customer()).unwrap();
    let note = nb
        .add_note(&NewNote {
            customer_id: id, body: Some("## 沟通记录\n价格谈妥".into()), ..Default::default()
        })
        .unwrap();
    let from_template =
        nb.add_note(&NewNote { customer_id: id, template: Some("需求分析".into()), ..Default::default() }).unwrap();
    let at = kehu::clock::parse_user_time("2026-03-01 10:00").unwrap();
    let meeting = NewInteraction {
        closes_task: None,
        customer_id: id,
        kind: InteractionKind::Meeting,
        summary: "季度复盘".into(),
        outcome: Some("续签意向".into()),
        at: Some(at),
    };
    nb.add_interaction(&meeting).unwrap();
    let task = nb
        .add_task(&NewTask {
            customer_id: Some(id),
            title: "寄送合同".into(),
            due: kehu::clock::parse_user_time("2026-12-01"),
            all_day: false,
        })
        .unwrap();
    let complaint = nb.add_complaint(id, "发货延迟", Some("三月批次晚到一周")).unwrap();
    nb.set_complaint_status(complaint, ComplaintStatus::Handling).unwrap();
    let secret = nb
        .add_secret(&kehu::store::NewSecret {
            customer_id: id,
            label: "供应商门户",
            username: Some("wangfang"),
            url: Some("https://portal.example.cn"),
            password: "门户密码#1",
        })
        .unwrap();
    let attachment = nb.add_attachment(id, "合同.pdf", "application/pdf", b"%PDF-1.7 contract").unwrap();
    drop(nb);

    let mut nb = t.open();
    let p = nb.customer_profile(id).unwrap();
    let c = &p.customer;
    assert_eq!((c.name.as_str(), c.grade, c.stage, c.colour), ("王芳", Grade::Vip, Stage::Active, Some(Colour::Red)));
    assert_eq!(c.company_size, Some(CompanySize::Medium));
    assert_eq!(c.birthday.as_deref(), Some("1985-06-01"));
    assert_eq!(c.tags, vec!["华东", "重点"]);
    assert_eq!(c.custom.get("老板").map(String::as_str), Some("王总"));
    assert_eq!(c.contacts.len(), 5);
    assert_eq!(c.contacts[0].normalized, "13912345678");
    assert_eq!(c.contacts[2].normalized, "wang.fang@mingyuan.cn");
    assert_eq!(c.contacts[4].normalized, "上海市 浦东新区 世纪大道 100 号");
    assert_eq!(p.notes.len(), 2);
    assert!(p.notes.iter().any(|n| n.id == note && n.body.contains("价格谈妥")));
    let templated = p.notes.iter().find(|n| n.id == from_template).unwrap();
    assert_eq!(templated.template.as_deref(), Some("需求分析"));
    assert!(templated.body.contains("决策链"));
    assert_eq!(p.interactions[0].at, at);
    assert_eq!(p.interactions[0].outcome.as_deref(), Some("续签意向"));
    assert_eq!(p.tasks[0].id, task);
    assert_eq!(p.complaints[0].status, ComplaintStatus::Handling);
    assert_eq!(p.secrets[0].label, "供应商门户");
    assert_eq!(p.attachments[0].size, 17);

    assert_eq!(nb.reveal_secret(secret).unwrap().password.as_str(), "门户密码#1");
    assert_eq!(nb.attachment_data(attachment).unwrap().1, b"%PDF-1.7 contract");
    let log: Vec<AccessEvent> = nb.access_log(10).unwrap().iter().map(|e| e.event).collect();
    assert_eq!(&log[..2], &[AccessEvent::Export, AccessEvent::SecretReveal]);
    assert!(nb.check_all().unwrap().database.is_empty());
}

#[test]
fn tasks_and_complaints_lifecycle() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let id = nb.add_customer(&NewCustomer::named("李雷")).unwrap();
    let later = nb
        .add_task(&NewTask {
            customer_id: Some(id),
            title: "回访".into(),
            due: kehu::clock::parse_user_time("2027-01-02"),
            all_day: false,
        })
        .unwrap();
    let sooner = nb
        .add_task(&NewTask {
            customer_id: None,
            title: "整理名片".into(),
            due: kehu::clock::parse_user_time("2026-12-01"),
            all_day: false,
        })
        .unwrap();
    let undated =
        nb.add_task(&NewTask { customer_id: Some(id), title: "准备报价".into(), ..NewTask::default() }).unwrap();
    let open: Vec<i64> = nb.tasks(&TaskFilter::default()).unwrap().iter().map(|t| t.id).collect();
    assert_eq!(open, vec![sooner, later, undated]);
    nb.complete_task(sooner).unwrap();
    assert_eq!(nb.complete_task(sooner).unwrap_err().code(), ErrorCode::Invalid);
    assert_eq!(nb.complete_task(9999).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(nb.tasks(&TaskFilter::default()).unwrap().len(), 2);
    let all = nb.tasks(&TaskFilter { customer_id: None, include_done: true }).unwrap();
    assert_eq!(all.last().unwrap().id, sooner);
    assert!(all.last().unwrap().done_at.is_some());

    let c = nb.add_complaint(id, "质量问题", None).unwrap();
    nb.set_complaint_status(c, ComplaintStatus::Resolved).unwrap();
    let resolved = &nb.complaints(Some(id)).unwrap()[0];
    assert!(resolved.closed_at.is_some());
    nb.set_complaint_status(c, ComplaintStatus::Open).unwrap();
    assert!(nb.complaints(None).unwrap()[0].closed_at.is_none());
    let statuses: Vec<_> = nb
        .history(id)
        .unwrap()
        .into_iter()
        .filter(|h| h.path == FieldPath::Complaint { field: ComplaintField::Status })
        .collect();
    assert_eq!(statuses.len(), 2);
}

#[test]
fn listing_filters_combine() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let mut batch = Vec::new();
    for (i, (grade, tag, region)) in
        [(Grade::Vip, "重点", "北京"), (Grade::Normal, "重点", "上海"), (Grade::Vip, "老客户", "北京")]
            .iter()
            .enumerate()
    {
        batch.push(NewCustomer {
            grade: Some(*grade),
            tags: vec![(*tag).into()],
            region: Some((*region).into()),
            company: Some(format!("公司{i}_100%")),
            ..NewCustomer::named(format!("客户{i}"))
        });
    }
    let ids = nb.add_customers(&batch).unwrap();
    let names = |f: CustomerFilter| -> Vec<String> {
        let mut v: Vec<_> = nb.list_customers(&f).unwrap().into_iter().map(|c| c.name).collect();
        v.sort();
        v
    };
    assert_eq!(names(CustomerFilter::default()).len(), 3);
    assert_eq!(names(CustomerFilter { grade: Some(Grade::Vip), ..Default::default() }), ["客户0", "客户2"]);
    assert_eq!(
        names(CustomerFilter { grade: Some(Grade::Vip), tag: Some("重点".into()), ..Default::default() }),
        ["客户0"]
    );
    assert_eq!(names(CustomerFilter { region: Some("上海".into()), ..Default::default() }), ["客户1"]);
    assert_eq!(names(CustomerFilter { text: Some("公司2".into()), ..Default::default() }), ["客户2"]);
    assert_eq!(names(CustomerFilter { text: Some("_100%".into()), ..Default::default() }).len(), 3);
    assert_eq!(names(CustomerFilter { text: Some("1_0".into()), ..Default::default() }).len(), 0);
    assert_eq!(names(CustomerFilter { limit: Some(2), ..Default::default() }).len(), 2);
    assert_eq!(nb.tags().unwrap(), vec![("老客户".to_string(), 1), ("重点".to_string(), 2)]);
    assert_eq!(ids.len(), 3);
}

#[test]
fn invalid_input_is_specific_and_changes_nothing() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let id = nb.add_customer(&NewCustomer::named("张三")).unwrap();
    let before = nb.customer(id).unwrap();
    let history_before = nb.history(id).unwrap().len();

    let bad = [
        Change::Set(Field::Region, Some("深圳".into())),
        Change::AddContact(NewContact::new(ContactKind::Email, "not-an-email")),
    ];
    let err = nb.edit_customer(id, &bad).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    assert!(err.to_string().contains("contact.email") && err.to_string().contains("not-an-email"), "{err}");
    assert_eq!(nb.customer(id).unwrap(), before, "a failed edit must change nothing");
    assert_eq!(nb.history(id).unwrap().len(), history_before);

    let err = nb.edit_customer(id, &[Change::Set(Field::Grade, Some("gold".into()))]).unwrap_err();
    assert!(err.to_string().contains("vip, normal, potential"), "{err}");
    assert_eq!(
        nb.edit_customer(id, &[Change::Set(Field::Name, Some(" ".into()))]).unwrap_err().code(),
        ErrorCode::Invalid
    );
    assert_eq!(nb.edit_customer(404, &[]).unwrap_err().code(), ErrorCode::NotFound);

    // A batch with one bad customer adds none of them.
    let batch =
        vec![NewCustomer::named("甲"), NewCustomer { birthday: Some("1990-02-30".into()), ..NewCustomer::named("乙") }];
    let err = nb.add_customers(&batch).unwrap_err();
    assert!(err.to_string().contains("birthday"), "{err}");
    assert_eq!(nb.list_customers(&CustomerFilter::default()).unwrap().len(), 1);

    assert_eq!(
        nb.add_customer(&NewCustomer { template: Some("不存在".into()), ..NewCustomer::named("丙") })
            .unwrap_err()
            .code(),
        ErrorCode::Invalid
    );
    assert_eq!(nb.add_note(&NewNote { customer_id: id, ..Default::default() }).unwrap_err().code(), ErrorCode::Invalid);
    assert_eq!(
        nb.add_note(&NewNote { customer_id: 404, body: Some("x".into()), ..Default::default() }).unwrap_err().code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        nb.add_secret(&kehu::store::NewSecret {
            customer_id: id,
            label: "门户",
            username: None,
            url: None,
            password: ""
        })
        .unwrap_err()
        .code(),
        ErrorCode::Invalid
    );
    let huge = vec![0u8; kehu::store::MAX_ATTACHMENT_BYTES + 1];
    assert_eq!(
        nb.add_attachment(id, "big.bin", "application/octet-stream", &huge).unwrap_err().code(),
        ErrorCode::Invalid
    );
}

#[test]
fn edits_record_history_and_restore_old_values() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let id = nb.add_customer(&NewCustomer { company: Some("旧公司".into()), ..NewCustomer::named("赵六") }).unwrap();
    let changed = nb
        .edit_customer(
            id,
            &[
                Change::Set(Field::Company, Some("新公司".into())),
                Change::Set(Field::Grade, Some("VIP".into())),
                Change::Set(Field::Title, Some("总监".into())),
                Change::AddTag("重点".into()),
                Change::SetCustom("预算".into(), Some("50万".into())),
                Change::Set(Field::Region, None),
            ],
        )
        .unwrap();
    assert_eq!(changed, 5, "clearing an empty field is no change");
    let history = nb.history(id).unwrap();
    let company = history.iter().rev().find(|h| h.path == FieldPath::Customer { field: Field::Company }).unwrap();
    assert_eq!((company.old.as_deref(), company.new.as_deref()), (Some("旧公司"), Some("新公司")));
    nb.restore_history(company.id).unwrap();
    assert_eq!(nb.customer(id).unwrap().company.as_deref(), Some("旧公司"));

    let tag = history.iter().rev().find(|h| h.path == FieldPath::Tag).unwrap().id;
    nb.restore_history(tag).unwrap();
    assert!(nb.customer(id).unwrap().tags.is_empty());
    assert_eq!(nb.restore_history(999_999).unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn templates_ship_in_both_languages_and_can_be_edited() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let notes: Vec<String> =
        nb.templates(Some(TemplateKind::Note), Lang::ZhCn).unwrap().into_iter().map(|t| t.name).collect();
    for name in ["沟通记录", "需求分析", "跟进计划", "拜访记录", "Communication log", "Visit report"] {
        assert!(notes.contains(&name.to_string()), "{name} missing from {notes:?}");
    }
    assert_eq!(notes[0], "沟通记录", "the user's language comes first");
    let en = nb.templates(Some(TemplateKind::Note), Lang::En).unwrap();
    assert_eq!(en[0].language, "en");
    let customers = nb.templates(Some(TemplateKind::Customer), Lang::ZhCn).unwrap();
    for name in ["大型企业", "中小企业", "初创公司", "Large enterprise", "SME", "Startup"] {
        assert!(customers.iter().any(|t| t.name == name), "{name}");
    }
    assert!(customers.iter().find(|t| t.name == "大型企业").unwrap().fields.iter().any(|f| f.name == "决策链"));

    nb.save_template(&kehu::store::NewTemplate {
        kind: TemplateKind::Note,
        name: "电话回访",
        language: Lang::ZhCn,
        description: "",
        fields: &[],
        body: "## 电话回访\n",
    })
    .unwrap();
    assert_eq!(nb.template(TemplateKind::Note, "电话回访").unwrap().body, "## 电话回访\n");
    nb.delete_template(TemplateKind::Note, "电话回访").unwrap();
    assert_eq!(nb.template(TemplateKind::Note, "电话回访").unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
fn wrong_password_is_clear_and_touches_no_file() {
    let t = TempNotebook::new();
    {
        let mut nb = t.open();
        nb.add_customer(&NewCustomer::named("钱七")).unwrap();
    }
    let before = snapshot(&t.dir());
    std::thread::sleep(std::time::Duration::from_millis(20));
    let err = Notebook::open(&t.dir(), b"wrong password").unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassword);
    assert_eq!(err.to_string(), "wrong password");
    assert_eq!(snapshot(&t.dir()), before);
}

#[test]
fn a_notebook_in_use_is_refused() {
    let t = TempNotebook::new();
    let held = t.open();
    let err = Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InUse);
    assert!(err.to_string().contains("open in another kehu process"), "{err}");
    drop(held);
    t.open();
}

#[test]
fn create_refuses_an_existing_notebook_and_open_a_missing_one() {
    let t = TempNotebook::new();
    let err = Notebook::create(&t.dir(), b"x", KdfParams::INSECURE_FOR_TESTS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    let err = Notebook::open(&t.path("nowhere"), b"x").unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoNotebook);
    assert!(!t.path("nowhere").exists(), "opening must not create anything");
    let err = Notebook::create(&t.path("empty-pw"), b"", KdfParams::INSECURE_FOR_TESTS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
}

#[test]
fn changing_the_password_rewraps_without_rewriting_the_database() {
    let t = TempNotebook::new();
    {
        let mut nb = t.open();
        let batch: Vec<_> = (0..2000).map(|i| NewCustomer::named(format!("客户{i}"))).collect();
        nb.add_customers(&batch).unwrap();
    }
    let db = t.dir().join(kehu::DB_FILE);
    let before = std::fs::read(&db).unwrap();
    let header_before = std::fs::read(t.dir().join("kehu.header")).unwrap();
    {
        let mut nb = t.open();
        nb.change_password("新密码 new".as_bytes(), KdfParams::INSECURE_FOR_TESTS).unwrap();
    }
    let after = std::fs::read(&db).unwrap();
    let pages = |b: &[u8]| b.chunks(4096).map(<[u8]>::to_vec).collect::<Vec<_>>();
    let (old, new) = (pages(&before), pages(&after));
    let changed = old.iter().zip(&new).filter(|(a, b)| a != b).count() + old.len().abs_diff(new.len());
    assert!(old.len() > 100, "the test needs a database of some size, has {} pages", old.len());
    assert!(changed <= 4, "{changed} of {} pages rewritten: only the access log may change", old.len());
    assert_ne!(std::fs::read(t.dir().join("kehu.header")).unwrap(), header_before);

    assert_eq!(Notebook::open(&t.dir(), PASSWORD.as_bytes()).unwrap_err().code(), ErrorCode::WrongPassword);
    let nb = Notebook::open(&t.dir(), "新密码 new".as_bytes()).unwrap();
    assert_eq!(nb.list_customers(&CustomerFilter::default()).unwrap().len(), 2000);
    assert_eq!(nb.access_log(1).unwrap()[0].event, AccessEvent::Unlock);
    assert_eq!(nb.access_log(2).unwrap()[1].event, AccessEvent::PasswordChange);
}

#[test]
fn erasing_removes_every_trace() {
    let t = TempNotebook::new();
    let mut nb = t.open();
    let keep = nb.add_customer(&NewCustomer { tags: vec!["共用".into()], ..NewCustomer::named("保留客户") }).unwrap();
    let gone =
        nb.add_customer(&NewCustomer { tags: vec!["共用".into(), "独有标签".into()], ..full_customer() }).unwrap();
    nb.add_note(&NewNote { customer_id: gone, body: Some("机密".into()), ..Default::default() }).unwrap();
    nb.add_task(&NewTask { customer_id: Some(gone), title: "任务".into(), ..NewTask::default() }).unwrap();
    nb.add_complaint(gone, "投诉", None).unwrap();
    let secret = nb
        .add_secret(&kehu::store::NewSecret {
            customer_id: gone,
            label: "门户",
            username: None,
            url: None,
            password: "pw",
        })
        .unwrap();
    let attachment = nb.add_attachment(gone, "a.txt", "text/plain", b"data").unwrap();
    nb.edit_customer(gone, &[Change::Set(Field::Title, Some("CEO".into()))]).unwrap();

    nb.erase_customer(gone).unwrap();
    assert_eq!(nb.customer(gone).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(nb.history(gone).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(nb.reveal_secret(secret).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(nb.attachment_data(attachment).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(nb.tasks(&TaskFilter { customer_id: None, include_done: true }).unwrap().len(), 0);
    assert!(nb.complaints(None).unwrap().is_empty());
    assert_eq!(nb.tags().unwrap(), vec![("共用".to_string(), 1)], "a tag only the erased customer had goes too");
    assert_eq!(nb.customer(keep).unwrap().tags, vec!["共用"]);
    let erase = &nb.access_log(1).unwrap()[0];
    assert_eq!((erase.event, erase.detail.as_str()), (AccessEvent::Erase, format!("customer {gone}").as_str()));
    assert_eq!(nb.erase_customer(gone).unwrap_err().code(), ErrorCode::NotFound);
    assert!(nb.check_all().unwrap().database.is_empty());
    let new = nb.add_customer(&NewCustomer::named("新客户")).unwrap();
    assert!(new > gone, "an erased id is never reused");
}
