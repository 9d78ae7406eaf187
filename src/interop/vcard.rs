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

mod write;

pub use write::{Version, write};

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
    /// Properties left out, with their lines and why.
    pub skipped: Vec<Skipped>,
}

struct Property {
    /// The `itemN` group of `itemN.TEL`, which iOS labels with an `itemN.X-ABLabel`.
    group: Option<String>,
    name: String,
    params: Vec<(String, String)>,
    /// The value's bytes as in the file: decoded by [`text_of`] in the property's charset.
    raw: Vec<u8>,
    /// The value as text in the file's encoding (for values that are ASCII by their nature).
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
            .fold(Vec::new(), |mut seen, t| {
                if !seen.contains(&t) {
                    seen.push(t);
                }
                seen
            });
        (!types.is_empty()).then(|| types.join(","))
    }
}

/// A property left out of a card, with the line it is on and why: one bad line never refuses
/// the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

/// What a vCard file holds: its cards, the lines left out, and the encoding its undeclared
/// text was read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFile {
    pub cards: Vec<Card>,
    /// Lines outside any card that could not be read (those inside a card are on the card).
    pub skipped: Vec<Skipped>,
    /// Whether any property declared its own `CHARSET=`.
    pub declared: bool,
}

/// Splits a vCard file's text into cards (the text already decoded; see [`parse_bytes`]).
#[cfg(test)]
pub fn parse(text: &str) -> Result<Vec<Card>, Unreadable> {
    parse_bytes(text.as_bytes(), encoding_rs::UTF_8).map(|file| file.cards)
}

/// Splits a vCard file into cards. Each property's value is decoded in the `CHARSET=` it
/// declares (before or after QUOTED-PRINTABLE), else in `fallback`, the file's encoding (given
/// by the user, or guessed). A property that cannot be read is left out and reported on its
/// card with its line; only a file with no card at all is refused.
pub fn parse_bytes(bytes: &[u8], fallback: &'static encoding_rs::Encoding) -> Result<CardFile, Unreadable> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut file = CardFile { cards: Vec::new(), skipped: Vec::new(), declared: false };
    let mut current: Option<(Card, Vec<(usize, Property)>)> = None;
    for (line_no, line) in unfold(bytes, fallback) {
        let Some(property) = parse_line(&line, fallback) else {
            let skipped = Skipped { line: line_no, reason: format!("'{}' is not a vCard property", cut_bytes(&line)) };
            match current.as_mut() {
                Some((card, _)) => card.skipped.push(skipped),
                None => file.skipped.push(skipped),
            }
            continue;
        };
        file.declared |= property.param("CHARSET").is_some();
        match property.name.as_str() {
            "BEGIN" if property.value.trim().eq_ignore_ascii_case("VCARD") => {
                if let Some((card, properties)) = current.take() {
                    // A card without its END: what it has is kept.
                    let mut card = finish(card, properties);
                    card.skipped.push(Skipped { line: line_no, reason: "the card before has no END:VCARD".into() });
                    file.cards.push(card);
                }
                current = Some((Card { index: file.cards.len() + 1, line: line_no, ..Card::default() }, Vec::new()));
            }
            "END" if property.value.trim().eq_ignore_ascii_case("VCARD") => match current.take() {
                Some((card, properties)) => file.cards.push(finish(card, properties)),
                None => file.skipped.push(Skipped { line: line_no, reason: "END:VCARD without BEGIN".into() }),
            },
            _ => match current.as_mut() {
                Some((_, properties)) => properties.push((line_no, property)),
                None => file
                    .skipped
                    .push(Skipped { line: line_no, reason: "a property outside BEGIN:VCARD … END:VCARD".into() }),
            },
        }
    }
    if let Some((card, properties)) = current {
        let line = card.line;
        let mut card = finish(card, properties);
        card.skipped.push(Skipped {
            line,
            reason: format!("the card beginning on line {line} has no END:VCARD (is the file cut short?)"),
        });
        file.cards.push(card);
    }
    if file.cards.is_empty()
        && let Some(first) = file.skipped.first()
    {
        return Err(Unreadable::at_line(WhyUnreadable::BadVcard, first.line, &first.reason));
    }
    Ok(file)
}

/// Applies a card's properties, its `itemN.X-ABLabel` labels to the TEL and EMAIL of their group.
fn finish(mut card: Card, properties: Vec<(usize, Property)>) -> Card {
    let labels: Vec<(String, String)> = properties
        .iter()
        .filter(|(_, p)| p.name == "X-ABLABEL")
        .filter_map(|(_, p)| Some((p.group.clone()?, ab_label(&text_of(p).ok()?))))
        .collect();
    for (line, mut property) in properties {
        if let Some(label) =
            property.group.as_ref().and_then(|g| labels.iter().find(|(group, _)| group == g)).map(|(_, l)| l.clone())
            && matches!(property.name.as_str(), "TEL" | "EMAIL" | "ADR")
        {
            property.params.push(("TYPE".into(), label));
        }
        if let Err(reason) = apply(&mut card, &property) {
            card.skipped.push(Skipped { line, reason });
        }
    }
    if card.name.is_empty() {
        card.name = card.company.clone().unwrap_or_default();
    }
    card
}

/// iOS writes its own labels as `_$!<Mobile>!$_`; a user's own label is as typed.
fn ab_label(label: &str) -> String {
    let label = label.trim();
    label.strip_prefix("_$!<").and_then(|l| l.strip_suffix(">!$_")).unwrap_or(label).to_owned()
}

fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}

fn cut_bytes(line: &[u8]) -> String {
    cut(&String::from_utf8_lossy(line))
}

/// The file's lines, whatever ends them: LF, CR LF, iOS's CR CR LF, or a bare CR.
fn lines(bytes: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    for (i, piece) in bytes.split(|&b| b == b'\n').enumerate() {
        let mut piece = piece;
        while let Some(rest) = piece.strip_suffix(b"\r") {
            piece = rest;
        }
        // A bare CR (old Mac line ends) inside what is left also ends a line.
        for part in piece.split(|&b| b == b'\r') {
            out.push((i + 1, part));
        }
    }
    out
}

/// Joins continued lines: folded lines (a line starting with a space or tab continues the last),
/// QUOTED-PRINTABLE soft breaks (a QP value ending in `=`), 2.1 base64 blocks that run on
/// unindented lines, and values continued by a trailing backslash. Blank lines and `#` comment
/// lines are left out.
fn unfold(bytes: &[u8], fallback: &'static encoding_rs::Encoding) -> Vec<(usize, Vec<u8>)> {
    let mut out: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut qp_continues = false;
    let mut in_base64 = false;
    let mut backslash_continues = false;
    for (line_no, line) in lines(bytes) {
        if let Some(last) = out.last_mut() {
            if qp_continues {
                last.1.pop(); // the soft-break '='
                last.1.extend_from_slice(line);
                qp_continues = line.ends_with(b"=");
                continue;
            }
            if line.starts_with(b" ") || line.starts_with(b"\t") {
                last.1.extend_from_slice(&line[1..]);
                qp_continues = is_qp(&last.1) && last.1.ends_with(b"=");
                continue;
            }
            if in_base64 && !line.is_empty() && !line.contains(&b':') {
                last.1.extend_from_slice(line.trim_ascii());
                continue;
            }
            if backslash_continues && !line.is_empty() && !looks_like_property(line) {
                last.1.pop(); // the backslash: the value goes on, on a new line
                last.1.extend_from_slice(b"\\n");
                last.1.extend_from_slice(line);
                backslash_continues = continues(&last.1, fallback);
                continue;
            }
        }
        in_base64 = false;
        backslash_continues = false;
        if line.trim_ascii().is_empty() || line.starts_with(b"#") {
            continue;
        }
        out.push((line_no, line.to_vec()));
        let head: Vec<u8> = line.split(|&b| b == b':').next().unwrap_or_default().to_ascii_uppercase();
        qp_continues = is_qp(line) && line.ends_with(b"=");
        in_base64 = contains(&head, b"BASE64") || contains(&head, b"ENCODING=B");
        backslash_continues = !qp_continues && continues(line, fallback);
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether a line's value ends in an unescaped backslash, read in its charset: in Shift_JIS and
/// Big5 a character's second byte can be 0x5C (能 is 0x94 0x5C), which is not a backslash.
fn continues(line: &[u8], fallback: &'static encoding_rs::Encoding) -> bool {
    // Only a line whose last byte is a backslash can continue: the rest are not parsed again.
    if !line.ends_with(b"\\") {
        return false;
    }
    let Some(property) = parse_line(line, fallback) else { return false };
    let charset = property.param("CHARSET").and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes()));
    let text =
        charset.map_or(property.value, |encoding| encoding.decode_without_bom_handling(&property.raw).0.into_owned());
    text.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// `NAME[;params]:` at the start of a line, as a property begins.
fn looks_like_property(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else { return false };
    let head = &line[..colon];
    let name = head.split(|&b| b == b';').next().unwrap_or_default();
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn is_qp(line: &[u8]) -> bool {
    line.split(|&b| b == b':').next().is_some_and(|head| contains(&head.to_ascii_uppercase(), b"QUOTED-PRINTABLE"))
}

fn parse_line(line: &[u8], fallback: &'static encoding_rs::Encoding) -> Option<Property> {
    let colon = line.iter().position(|&b| b == b':')?;
    let head = std::str::from_utf8(&line[..colon]).ok()?;
    let raw = line[colon + 1..].to_vec();
    let mut parts = head.split(';');
    let full = parts.next()?.trim();
    let (group, name) = match full.rsplit_once('.') {
        Some((group, name)) => (Some(group.to_ascii_lowercase()), name),
        None => (None, full),
    };
    let name = name.to_ascii_uppercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let params: Vec<(String, String)> = parts
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), v.trim().trim_matches('"').to_owned()),
            None => (p.trim().to_ascii_uppercase(), String::new()),
        })
        .collect();
    let value = fallback.decode_without_bom_handling(&raw).0.into_owned();
    Some(Property { group, name, params, raw, value })
}

/// The property's text: QUOTED-PRINTABLE decoded, then read in the charset it declares, else
/// in the file's encoding.
fn text_of(p: &Property) -> Result<String, String> {
    let quoted = p.param("ENCODING").is_some_and(|e| e.eq_ignore_ascii_case("QUOTED-PRINTABLE"))
        || p.has_type("QUOTED-PRINTABLE");
    let declared = p.param("CHARSET");
    if !quoted && declared.is_none() {
        return Ok(p.value.clone());
    }
    let bytes = if quoted { decode_qp(&p.raw)? } else { p.raw.clone() };
    let charset = declared.unwrap_or("UTF-8");
    let encoding = encoding_rs::Encoding::for_label(charset.trim().as_bytes())
        .ok_or_else(|| format!("{}: unknown charset '{charset}'", p.name))?;
    encoding
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| format!("{}: the value is not {charset} text", p.name))
}

fn decode_qp(bytes: &[u8]) -> Result<Vec<u8>, String> {
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
        "VERSION" | "PRODID" | "UID" | "REV" | "KIND" | "SOURCE" | "X-ANDROID-CUSTOM" | "X-ABLABEL" => return Ok(()),
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

#[cfg(test)]
mod tests;
