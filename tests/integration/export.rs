//! Exports: every format kehu writes reads back into the same customers, and a CSV opens in
//! Excel as it is (UTF-8 with its BOM, or GBK).

use kehu::Notebook;
use kehu::interop::{Encoding, ExportFormat, ExportOptions, ImportOptions, export};
use kehu::store::{
    ContactKind, Customer, CustomerFilter, Grade, Lang, NewContact, NewCustomer, NewInteraction, NewNote,
};

use crate::interop::{all, by_name, import, values};
use crate::util::TempNotebook;

pub(crate) fn rich_notebook(t: &TempNotebook) -> Notebook {
    let mut nb = t.open();
    let mut c = NewCustomer::named("欧阳娜娜");
    c.company = Some("华为技术有限公司".into());
    c.title = Some("采购经理".into());
    c.industry = Some("通信".into());
    c.region = Some("深圳".into());
    c.source = Some("展会".into());
    c.grade = Some(Grade::Vip);
    c.birthday = Some("1990-07-09".into());
    c.tags = vec!["重点".into(), "华南".into()];
    c.custom.insert("合同金额".into(), "120万".into());
    c.contacts = vec![
        NewContact::new(ContactKind::Phone, "138 0013 8000"),
        NewContact::new(ContactKind::Phone, "010-62345678"),
        NewContact::new(ContactKind::Email, "nana@huawei.com"),
        NewContact::new(ContactKind::Address, "深圳市龙岗区坂田华为基地"),
    ];
    let id = nb.add_customer(&c).unwrap();
    nb.add_note(&NewNote {
        customer_id: id, body: Some("第一次拜访，谈了报价, 含逗号".into()), ..NewNote::default()
    })
    .unwrap();
    nb.add_interaction(&NewInteraction {
        closes_task: None,
        customer_id: id,
        kind: kehu::store::InteractionKind::Call,
        summary: "电话沟通".into(),
        outcome: None,
        at: None,
    })
    .unwrap();
    nb.add_attachment(id, "photo.png", "image/png", &[0x89, b'P', b'N', b'G', 1, 2, 3]).unwrap();
    let mut d = NewCustomer::named("John Smith");
    d.company = Some("Acme".into());
    d.contacts = vec![NewContact::new(ContactKind::Email, "john@acme.com")];
    nb.add_customer(&d).unwrap();
    nb
}

type Flat = (String, Option<String>, Option<String>, Vec<String>, Vec<String>, Vec<String>, Option<String>);

/// The parts of a customer every flat export carries.
fn flat(c: &Customer) -> Flat {
    let mut tags = c.tags.clone();
    tags.sort();
    (
        c.name.clone(),
        c.company.clone(),
        c.title.clone(),
        values(c, ContactKind::Phone),
        values(c, ContactKind::Email),
        tags,
        c.birthday.clone(),
    )
}

#[test]
fn every_export_reads_back() {
    let t = TempNotebook::new();
    let mut nb = rich_notebook(&t);
    let original = all(&nb);
    for (format, name) in [
        (ExportFormat::Csv, "out.csv"),
        (ExportFormat::Xlsx, "out.xlsx"),
        (ExportFormat::Vcard3, "out3.vcf"),
        (ExportFormat::Vcard4, "out4.vcf"),
        (ExportFormat::Json, "out.json"),
    ] {
        for lang in [Lang::ZhCn, Lang::En] {
            let path = t.path(&format!("{lang:?}-{name}"));
            let options = ExportOptions { format, lang, with_secrets: true, ..ExportOptions::default() };
            let report = export(&mut nb, &path, &options, &mut |_, _| {}).unwrap();
            assert_eq!(report.customers, 2);
            let other = TempNotebook::new();
            let mut back = other.open();
            let imported = import(&mut back, &path, &ImportOptions::default());
            assert_eq!((imported.added, imported.flagged), (2, 0), "{format:?} {lang:?}: {imported:?}");
            let copies = all(&back);
            for (a, b) in original.iter().zip(&copies) {
                assert_eq!(flat(a), flat(b), "{format:?} {lang:?}");
                if matches!(format, ExportFormat::Csv | ExportFormat::Xlsx | ExportFormat::Json) {
                    assert_eq!(
                        (a.grade, &a.region, &a.industry, &a.custom),
                        (b.grade, &b.region, &b.industry, &b.custom)
                    );
                    assert_eq!(values(a, ContactKind::Address), values(b, ContactKind::Address));
                }
            }
            let notes = back.notes(copies[0].id).unwrap();
            assert_eq!(notes[0].body, "第一次拜访，谈了报价, 含逗号", "{format:?}");
            if format != ExportFormat::Csv && format != ExportFormat::Xlsx {
                let photo = back.attachments(copies[0].id).unwrap();
                assert_eq!(back.attachment_data(photo[0].id).unwrap().1, [0x89, b'P', b'N', b'G', 1, 2, 3]);
            }
            if format == ExportFormat::Json {
                assert_eq!(back.interactions(copies[0].id).unwrap().len(), 1);
                // Re-importing into the same notebook finds every customer already there.
                let again = import(&mut back, &path, &ImportOptions::default());
                assert_eq!((again.added, again.skipped), (0, 2));
            }
        }
    }
}

#[test]
fn csv_export_opens_in_excel_utf8_bom_or_gbk_and_one_customer_alone() {
    let t = TempNotebook::new();
    let mut nb = rich_notebook(&t);
    let path = t.path("bom.csv");
    export(&mut nb, &path, &ExportOptions::default(), &mut |_, _| {}).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF\xE5\xA7\x93\xE5\x90\x8D"), "BOM, then 姓名");
    let gbk = t.path("gbk.csv");
    let options = ExportOptions { encoding: Encoding::Gbk, ..ExportOptions::default() };
    export(&mut nb, &gbk, &options, &mut |_, _| {}).unwrap();
    let bytes = std::fs::read(&gbk).unwrap();
    let (text, _, errors) = encoding_rs::GBK.decode(&bytes);
    assert!(!errors && text.starts_with("姓名,公司") && text.contains("欧阳娜娜"), "{text}");
    // One customer's data (an access request): only theirs.
    let id = by_name(&nb, "John Smith").id;
    let one = t.path("one.json");
    let options = ExportOptions { format: ExportFormat::Json, customer_ids: vec![id], ..ExportOptions::default() };
    export(&mut nb, &one, &options, &mut |_, _| {}).unwrap();
    let text = std::fs::read_to_string(&one).unwrap();
    assert!(text.contains("john@acme.com") && !text.contains("欧阳娜娜"));
    // Nothing matching: an error, and no file.
    let none = ExportOptions {
        filter: CustomerFilter { tag: Some("无此标签".into()), ..CustomerFilter::default() },
        ..ExportOptions::default()
    };
    assert!(export(&mut nb, &t.path("none.csv"), &none, &mut |_, _| {}).is_err());
    assert!(!t.path("none.csv").exists());
}
