//! vCard 2.1, 3.0 and 4.0, read and written. Read: folded lines, QUOTED-PRINTABLE values in
//! any charset (Android and Outlook write Chinese names so), escapes, structured N/ORG/ADR,
//! several TEL and EMAIL, BDAY in its three forms, CATEGORIES, and PHOTO inline (base64 or a
//! data: URI). Written: 3.0 or 4.0, folded at 75 octets, CRLF.
//!
//! Written by hand: the vCard crates on crates.io each read one version (4.0, or 3.0 without
//! QUOTED-PRINTABLE and charsets), and phones in China still export 2.1.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::{Unreadable, WhyUnreadable};

/// One contact as a vCard carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    /// 1-based position in the file.
    pub index: usize,
    /// The line the card begins on.
    pub line: usize,
    pub name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    /// (value, type label such as CELL or WORK)
    pub phones: Vec<(String, Option<String>)>,
    pub emails: Vec<(String, Option<String>)>,
    pub addresses: Vec<(String, Option<String>)>,
    pub birthday: Option<String>,
    pub note: Option<String>,
    pub categories: Vec<String>,
    /// (media type, bytes)
    pub photo: Option<(String, Vec<u8>)>,
    pub url: Option<String>,
}

struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Property {
    fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// Whether a bare 2.1 parameter (`;CELL`) or a TYPE value is present.
    fn has_type(&self, value: &str) -> bool {
        self.params.iter().any(|(k, v)| {
            (k.eq_ignore_ascii_case("type") && v.split(',').any(|t| t.eq_ignore_ascii_case(value)))
                || (v.is_empty() && k.eq_ignore_ascii_case(value))
        })
    }

    fn type_label(&self) -> Option<String> {
        let types: Vec<String> = self
            .params
            .iter()
            .filter(|(k, v)| k.eq_ignore_ascii_case("type") || v.is_empty())
            .flat_map(|(k, v)| if v.is_empty() { vec![k.clone()] } else { v.split(',').map(str::to_owned).collect() })
            .map(|t| t.to_ascii_lowercase())
            .filter(|t| !matches!(t.as_str(), "pref" | "internet" | "voice" | "x400" | "quoted-printable" | "base64"))
            .filter(|t| !t.starts_with("charset") && !t.starts_with("encoding"))
            .collect();
        (!types.is_empty()).then(|| types.join(","))
    }
}

/// Splits a vCard file into cards. An error names the line and what is wrong with it.
pub fn parse(text: &str) -> Result<Vec<Card>, Unreadable> {
    let at = |line: usize, reason: &dyn std::fmt::Display| Unreadable::at_line(WhyUnreadable::BadVcard, line, reason);
    let lines = unfold(text);
    let mut cards = Vec::new();
    let mut current: Option<Card> = None;
    for (line_no, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let property =
            parse_line(&line).ok_or_else(|| at(line_no, &format!("'{}' is not a vCard property", cut(&line))))?;
        match property.name.as_str() {
            "BEGIN" if property.value.eq_ignore_ascii_case("VCARD") => {
                if current.is_some() {
                    return Err(at(line_no, &"BEGIN:VCARD inside a card"));
                }
                current = Some(Card { index: cards.len() + 1, line: line_no, ..Card::default() });
            }
            "END" if property.value.eq_ignore_ascii_case("VCARD") => {
                let mut card = current.take().ok_or_else(|| at(line_no, &"END:VCARD without BEGIN"))?;
                if card.name.is_empty() {
                    card.name = card.company.clone().unwrap_or_default();
                }
                cards.push(card);
            }
            _ => {
                let Some(card) = current.as_mut() else {
                    return Err(at(line_no, &"a property outside BEGIN:VCARD … END:VCARD"));
                };
                apply(card, &property).map_err(|e| at(line_no, &e))?;
            }
        }
    }
    if let Some(card) = current {
        return Err(Unreadable {
            why: WhyUnreadable::BadVcard,
            line: Some(card.line),
            reason: format!("the card beginning on line {} has no END:VCARD (is the file cut short?)", card.line),
        });
    }
    Ok(cards)
}

fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Joins folded lines (a line starting with a space or tab continues the last), QUOTED-PRINTABLE
/// soft breaks (a QP value ending in `=`), and 2.1 base64 blocks that run on unindented lines.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut qp_continues = false;
    let mut in_base64 = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(last) = out.last_mut() {
            if qp_continues {
                last.1.pop(); // the soft-break '='
                last.1.push_str(line);
                qp_continues = line.ends_with('=');
                continue;
            }
            if line.starts_with([' ', '\t']) {
                last.1.push_str(&line[1..]);
                qp_continues = is_qp(&last.1) && last.1.ends_with('=');
                continue;
            }
            if in_base64 && !line.is_empty() && !line.contains(':') {
                last.1.push_str(line.trim());
                continue;
            }
        }
        in_base64 = false;
        if line.is_empty() {
            continue;
        }
        out.push((i + 1, line.to_owned()));
        let upper = line.to_ascii_uppercase();
        let head = upper.split(':').next().unwrap_or_default();
        qp_continues = is_qp(line) && line.ends_with('=');
        in_base64 = head.contains("BASE64") || head.contains("ENCODING=B");
    }
    out
}

fn is_qp(line: &str) -> bool {
    line.split(':').next().is_some_and(|head| head.to_ascii_uppercase().contains("QUOTED-PRINTABLE"))
}

fn parse_line(line: &str) -> Option<Property> {
    let (head, value) = line.split_once(':')?;
    let mut parts = head.split(';');
    let name = parts.next()?.trim();
    let name = name.rsplit('.').next()?.to_ascii_uppercase(); // drop a group prefix (item1.TEL)
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let params = parts
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), v.trim().trim_matches('"').to_owned()),
            None => (p.trim().to_ascii_uppercase(), String::new()),
        })
        .collect();
    Some(Property { name, params, value: value.to_owned() })
}

/// The property's text: QUOTED-PRINTABLE decoded in its charset, else as is.
fn text_of(p: &Property) -> Result<String, String> {
    let quoted = p.param("ENCODING").is_some_and(|e| e.eq_ignore_ascii_case("QUOTED-PRINTABLE"))
        || p.has_type("QUOTED-PRINTABLE");
    if !quoted {
        return Ok(p.value.clone());
    }
    let bytes = decode_qp(&p.value)?;
    let charset = p.param("CHARSET").unwrap_or("UTF-8");
    let encoding = encoding_rs::Encoding::for_label(charset.as_bytes())
        .ok_or_else(|| format!("{}: unknown charset '{charset}'", p.name))?;
    encoding
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| format!("{}: the value is not {charset} text", p.name))
}

fn decode_qp(value: &str) -> Result<Vec<u8>, String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = bytes.get(i + 1..i + 3).ok_or("a QUOTED-PRINTABLE value ends in '='")?;
            let text = std::str::from_utf8(hex).map_err(|_| "bad QUOTED-PRINTABLE escape")?;
            out.push(u8::from_str_radix(text, 16).map_err(|_| format!("bad QUOTED-PRINTABLE escape '={text}'"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Splits a value on unescaped `sep`, then unescapes each part (`\n`, `\,`, `\;`, `\\`).
fn split_unescape(value: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => parts.last_mut().expect("never empty").push('\n'),
                Some(other) => parts.last_mut().expect("never empty").push(other),
                None => {}
            },
            c if c == sep => parts.push(String::new()),
            c => parts.last_mut().expect("never empty").push(c),
        }
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

fn unescape(value: &str) -> String {
    split_unescape(value, '\u{0}').concat()
}

fn some(value: impl AsRef<str>) -> Option<String> {
    let value = value.as_ref();
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn is_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

fn apply(card: &mut Card, p: &Property) -> Result<(), String> {
    match p.name.as_str() {
        "PHOTO" => {
            card.photo = photo(p)?;
            return Ok(());
        }
        "VERSION" | "PRODID" | "UID" | "REV" | "KIND" | "SOURCE" | "X-ANDROID-CUSTOM" => return Ok(()),
        _ => {}
    }
    let text = text_of(p)?;
    match p.name.as_str() {
        "FN" => {
            if let Some(name) = some(unescape(&text)) {
                card.name = name;
            }
        }
        "N" if card.name.is_empty() => {
            let parts = split_unescape(&text, ';');
            let family = parts.first().cloned().unwrap_or_default();
            let given = parts.get(1).cloned().unwrap_or_default();
            let joined = if is_cjk(&family) || is_cjk(&given) {
                format!("{family}{given}")
            } else {
                format!("{given} {family}")
            };
            card.name = joined.trim().to_owned();
        }
        "ORG" => {
            let parts: Vec<String> = split_unescape(&text, ';').into_iter().filter(|s| !s.is_empty()).collect();
            card.company = some(parts.join(" "));
        }
        "TITLE" => card.title = some(unescape(&text)),
        "TEL" => {
            let value = text.trim().trim_start_matches("tel:").to_owned();
            if !value.is_empty() {
                card.phones.push((value, p.type_label()));
            }
        }
        "EMAIL" => {
            if let Some(value) = some(unescape(&text)) {
                card.emails.push((value, p.type_label()));
            }
        }
        "ADR" => {
            // pobox; extended; street; locality; region; postcode; country
            let parts = split_unescape(&text, ';');
            let part = |i: usize| parts.get(i).map(String::as_str).unwrap_or_default();
            // Chinese addresses read from the largest unit down: country, region, city, street.
            let address = if parts.iter().any(|s| is_cjk(s)) {
                let body: String = [6, 4, 3, 2, 1, 0].iter().map(|&i| part(i)).collect();
                [body.as_str(), part(5)].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ")
            } else {
                [0, 1, 2, 3, 4, 5, 6].iter().map(|&i| part(i)).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
            };
            if let Some(address) = some(address) {
                card.addresses.push((address, p.type_label()));
            }
        }
        "BDAY" => card.birthday = some(bday(text.trim())),
        "NOTE" => card.note = some(unescape(&text)),
        "CATEGORIES" => {
            card.categories.extend(split_unescape(&text, ',').into_iter().filter(|s| !s.is_empty()));
        }
        "URL" => card.url = some(unescape(&text)),
        _ => {}
    }
    Ok(())
}

/// BDAY as `YYYY-MM-DD` or `--MM-DD`: from `19900101`, `1990-01-01`, `1990-01-01T00:00:00Z`,
/// `--0101` or `--01-01`.
fn bday(value: &str) -> String {
    let date = value.split('T').next().unwrap_or(value);
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    match (date.starts_with("--"), digits.len()) {
        (true, 4) => format!("--{}-{}", &digits[..2], &digits[2..]),
        (false, 8) => format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]),
        _ => value.to_owned(),
    }
}

fn photo(p: &Property) -> Result<Option<(String, Vec<u8>)>, String> {
    let value = p.value.trim();
    if let Some(data) = value.strip_prefix("data:") {
        let (meta, payload) = data.split_once(',').ok_or("PHOTO: a data: URI without ','")?;
        let mime = meta.split(';').next().unwrap_or("image/jpeg").to_owned();
        let bytes = BASE64.decode(strip_ws(payload)).map_err(|e| format!("PHOTO: {e}"))?;
        return Ok(Some((mime, bytes)));
    }
    let inline = p.param("ENCODING").is_some_and(|e| e.eq_ignore_ascii_case("b") || e.eq_ignore_ascii_case("BASE64"))
        || p.has_type("BASE64");
    if !inline || value.is_empty() {
        return Ok(None); // a link to a photo elsewhere: nothing to keep
    }
    let kind = p
        .param("TYPE")
        .map(str::to_owned)
        .or_else(|| ["JPEG", "PNG", "GIF"].iter().find(|t| p.has_type(t)).map(|t| (*t).to_owned()))
        .unwrap_or_else(|| "JPEG".into())
        .to_ascii_lowercase();
    let bytes = BASE64.decode(strip_ws(value)).map_err(|e| format!("PHOTO: {e}"))?;
    Ok(Some((format!("image/{kind}"), bytes)))
}

fn strip_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// vCard versions kehu writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V3,
    V4,
}

/// Writes one card.
pub fn write(card: &Card, version: Version, out: &mut String) {
    let mut line = |text: String| fold(&text, out);
    line("BEGIN:VCARD".into());
    line(format!("VERSION:{}", if version == Version::V3 { "3.0" } else { "4.0" }));
    line(format!("FN:{}", escape(&card.name)));
    line(format!("N:{};;;;", escape(&card.name)));
    if let Some(company) = &card.company {
        line(format!("ORG:{}", escape(company)));
    }
    if let Some(title) = &card.title {
        line(format!("TITLE:{}", escape(title)));
    }
    let typed = |prop: &str, label: &Option<String>| match label.as_deref().filter(|l| is_param_safe(l)) {
        Some(l) => format!("{prop};TYPE={l}"),
        None => prop.to_owned(),
    };
    for (phone, label) in &card.phones {
        line(format!("{}:{}", typed("TEL", label), escape(phone)));
    }
    for (email, label) in &card.emails {
        line(format!("{}:{}", typed("EMAIL", label), escape(email)));
    }
    for (address, label) in &card.addresses {
        line(format!("{}:;;{};;;;", typed("ADR", label), escape(address)));
    }
    if let Some(birthday) = &card.birthday {
        let value = match (version, birthday.strip_prefix("--")) {
            (Version::V4, Some(month_day)) => format!("--{}", month_day.replace('-', "")),
            (Version::V4, None) => birthday.replace('-', ""),
            (Version::V3, _) => birthday.clone(),
        };
        line(format!("BDAY:{value}"));
    }
    if !card.categories.is_empty() {
        let tags: Vec<String> = card.categories.iter().map(|c| escape(c)).collect();
        line(format!("CATEGORIES:{}", tags.join(",")));
    }
    if let Some(url) = &card.url {
        line(format!("URL:{}", escape(url)));
    }
    if let Some(note) = &card.note {
        line(format!("NOTE:{}", escape(note)));
    }
    if let Some((mime, bytes)) = &card.photo {
        let data = BASE64.encode(bytes);
        match version {
            Version::V4 => line(format!("PHOTO:data:{mime};base64,{data}")),
            Version::V3 => {
                let kind = mime.strip_prefix("image/").unwrap_or("jpeg").to_ascii_uppercase();
                line(format!("PHOTO;ENCODING=b;TYPE={kind}:{data}"));
            }
        }
    }
    line("END:VCARD".into());
}

fn is_param_safe(label: &str) -> bool {
    !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ',')
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a character, and ends it with CRLF.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
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
    fn errors_name_the_line() {
        let cases = [
            ("BEGIN:VCARD\nFN:x\n", 1),
            ("FN:x\n", 1),
            ("BEGIN:VCARD\nFN;ENCODING=QUOTED-PRINTABLE:=ZZ\nEND:VCARD", 2),
            ("BEGIN:VCARD\nnot a property\nEND:VCARD", 2),
        ];
        for (text, line) in cases {
            let error = parse(text).unwrap_err();
            assert_eq!((error.why, error.line), (WhyUnreadable::BadVcard, Some(line)), "{text}");
            assert!(error.reason.contains(&format!("line {line}")), "{error}");
        }
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
    }
}
