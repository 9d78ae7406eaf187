//! Writing vCards: 3.0 (what phones import most reliably) and 4.0, folded and escaped as
//! RFC 6350 says, with labels kept where a parameter can hold them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::Card;

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

pub(super) fn is_param_safe(label: &str) -> bool {
    !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ',')
}

pub(super) fn escape(value: &str) -> String {
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
pub(super) fn fold(line: &str, out: &mut String) {
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
