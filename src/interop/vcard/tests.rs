//! Tests of the vCard reader and writer, on real files and made-up ones.

use super::*;
use proptest::prelude::*;

#[test]
fn android_21_quoted_printable_chinese() {
    let text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0;=E4=BC=9F;;;\r\n\
                FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0=E4=BC=9F\r\nTEL;CELL:138-0013-8000\r\n\
                TEL;WORK;VOICE:010-62345678\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=E7=AC=AC=E4=B8=80=E8=A1=8C=0D=0A=\r\n\
                =E7=AC=AC=E4=BA=8C=E8=A1=8C\r\nEND:VCARD\r\n";
    let cards = parse(text).unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].name, "张伟");
    assert_eq!(
        cards[0].phones,
        [("138-0013-8000".into(), Some("cell".into())), ("010-62345678".into(), Some("work".into()))]
    );
    assert_eq!(cards[0].note.as_deref(), Some("第一行\r\n第二行"));
}

#[test]
fn gbk_charset_and_base64_photo_21() {
    let (gbk, _, _) = encoding_rs::GBK.encode("李娜");
    let qp: String = gbk.iter().map(|b| format!("={b:02X}")).collect();
    let text = format!(
        "BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:{qp}\nPHOTO;ENCODING=BASE64;JPEG:/9j/4AAQ\n SkZJRg==\n\nEND:VCARD\n"
    );
    let card = &parse(&text).unwrap()[0];
    assert_eq!(card.name, "李娜");
    assert_eq!(card.photo.as_ref().unwrap().0, "image/jpeg");
    assert_eq!(card.photo.as_ref().unwrap().1[..3], [0xFF, 0xD8, 0xFF]);
}

#[test]
fn a_bad_line_is_left_out_with_its_line_and_only_a_file_without_cards_is_refused() {
    let error = parse("FN:x\n").unwrap_err();
    assert_eq!((error.why, error.line), (WhyUnreadable::BadVcard, Some(1)));
    for (text, line) in [
        ("BEGIN:VCARD\nFN:x\n", 1),
        ("BEGIN:VCARD\nFN:x\nNOTE;ENCODING=QUOTED-PRINTABLE:=ZZ\nEND:VCARD", 3),
        ("BEGIN:VCARD\nFN:x\nnot a property\nEND:VCARD", 3),
        ("BEGIN:VCARD\nFN:x\nPHOTO;ENCODING=BASE64;JPEG:!!!not base64!!!\nEND:VCARD", 3),
    ] {
        let cards = parse(text).unwrap();
        assert_eq!(cards[0].name, "x", "{text}");
        assert_eq!(cards[0].skipped.iter().map(|s| s.line).collect::<Vec<_>>(), [line], "{text}");
    }
}

#[test]
fn each_property_is_read_in_the_charset_it_declares() {
    let mut file = Vec::new();
    let mut card = |charset: &str, encoding: &'static encoding_rs::Encoding, name: &str, qp: bool| {
        let bytes = encoding.encode(name).0.into_owned();
        file.extend_from_slice(b"BEGIN:VCARD\r\nVERSION:2.1\r\n");
        if qp {
            let escaped: String = bytes.iter().map(|b| format!("={b:02X}")).collect();
            file.extend_from_slice(format!("FN;CHARSET={charset};ENCODING=QUOTED-PRINTABLE:{escaped}\r\n").as_bytes());
        } else {
            file.extend_from_slice(format!("FN;CHARSET={charset}:").as_bytes());
            file.extend_from_slice(&bytes);
            file.extend_from_slice(b"\r\n");
        }
        file.extend_from_slice(b"TEL;CELL:090-1234-5678\r\nEND:VCARD\r\n");
    };
    card("SHIFT_JIS", encoding_rs::SHIFT_JIS, "伊能 圭一", false);
    card("BIG5", encoding_rs::BIG5, "陳志明", false);
    card("Big5", encoding_rs::BIG5, "林淑芬", true);
    card("EUC-KR", encoding_rs::EUC_KR, "김민준", false);
    card("ISO-8859-1", encoding_rs::WINDOWS_1252, "José Müller", true);
    card("windows-1251", encoding_rs::WINDOWS_1251, "Иван Петров", false);
    card("GB2312", encoding_rs::GBK, "王芳", false);
    // Undeclared text is read in the file's encoding.
    file.extend_from_slice(b"BEGIN:VCARD\r\nFN:");
    file.extend_from_slice(&encoding_rs::GB18030.encode("赵磊").0);
    file.extend_from_slice(b"\r\nEND:VCARD\r\n");
    let read = parse_bytes(&file, encoding_rs::GB18030).unwrap();
    let names: Vec<&str> = read.cards.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["伊能 圭一", "陳志明", "林淑芬", "김민준", "José Müller", "Иван Петров", "王芳", "赵磊"]);
    assert!(read.declared);
    assert!(read.cards.iter().all(|c| c.skipped.is_empty()));
}

#[test]
fn files_as_phones_and_mail_programs_write_them() {
    // iOS: CR CR LF, itemN groups with X-ABLabel; a BOM; lower-case BEGIN; a comment line;
    // a blank line; a value continued by a trailing backslash; a bare-CR line end.
    let text = "\u{feff}begin:vCard\r\r\nVERSION:3.0\r\r\n# exported by a script\r\r\nN:王;芳;;;\r\r\n\
                item1.TEL;type=pref:+86 139 0000 1111\r\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\r\n\
                item2.EMAIL;type=INTERNET:wf@example.com\r\r\nitem2.X-ABLabel:公司\r\r\n\r\r\n\
                NOTE:第一行\\\r\r\n第二行\r\r\nTEL:sip:wf@example.com\rEND:VCARD\r\r\n";
    let cards = parse(text).unwrap();
    let card = &cards[0];
    assert_eq!(card.name, "王芳");
    assert_eq!(card.phones[0], ("+86 139 0000 1111".into(), Some("mobile".into())));
    assert_eq!(card.phones[1].0, "sip:wf@example.com", "a TEL that is not a number is kept (the importer flags it)");
    assert_eq!(card.emails[0], ("wf@example.com".into(), Some("公司".into())));
    assert_eq!(card.note.as_deref(), Some("第一行\n第二行"));
    assert!(card.skipped.is_empty(), "{:?}", card.skipped);
}

#[test]
fn written_cards_read_back_in_both_versions() {
    let card = Card {
        index: 1,
        line: 1,
        name: "欧阳, 娜娜; \\ 长名字".repeat(4),
        company: Some("华为技术有限公司".into()),
        title: Some("采购经理".into()),
        phones: vec![("+86 138 0013 8000".into(), Some("cell".into())), ("010-62345678".into(), None)],
        emails: vec![("nana@example.com".into(), None)],
        addresses: vec![("北京市海淀区中关村大街1号".into(), Some("work".into()))],
        birthday: Some("1990-07-09".into()),
        note: Some("第一行\n第二行，含逗号; 分号".into()),
        categories: vec!["VIP".into(), "华北, 区".into()],
        photo: Some(("image/png".into(), vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255])),
        url: None,
        skipped: Vec::new(),
    };
    for version in [Version::V3, Version::V4] {
        let mut text = String::new();
        write(&card, version, &mut text);
        assert!(text.split("\r\n").all(|l| l.len() <= 75), "{text}");
        let back = &parse(&text).unwrap()[0];
        assert_eq!(back, &card, "{version:?}\n{text}");
    }
    let mut text = String::new();
    write(&Card { birthday: Some("--07-09".into()), name: "x".into(), ..Card::default() }, Version::V4, &mut text);
    assert!(text.contains("BDAY:--0709"), "{text}");
    assert_eq!(parse(&text).unwrap()[0].birthday.as_deref(), Some("--07-09"));
}

proptest! {
    #[test]
    fn parser_never_panics(text in "(BEGIN:VCARD\n|END:VCARD\n|FN:|N;|TEL;CELL:|PHOTO;ENCODING=b:|=[0-9A-F]{0,2}|QUOTED-PRINTABLE|CHARSET=GBK|[ :;=,\\\\\n\t]|[a-z张]){0,60}") {
        let _ = parse(&text);
    }

    #[test]
    fn bytes_in_any_charset_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), charset in "(UTF-8|GBK|BIG5|SHIFT_JIS|EUC-KR|x-nope)") {
        let mut file = format!("BEGIN:VCARD\nFN;CHARSET={charset}:").into_bytes();
        file.extend_from_slice(&bytes);
        file.extend_from_slice(b"\nEND:VCARD\n");
        let _ = parse_bytes(&file, encoding_rs::GB18030);
        let _ = parse_bytes(&bytes, encoding_rs::UTF_8);
    }
}
