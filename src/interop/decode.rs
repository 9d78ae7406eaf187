//! Text files in the encodings salespeople's files come in: UTF-8 with or without a BOM, GBK /
//! GB18030 (what Excel on a Chinese Windows saves as "CSV"), and UTF-16 (Excel's "Unicode
//! text"), detected from the bytes.

use serde::{Deserialize, Serialize};

/// The encoding a text file is read in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    #[default]
    Auto,
    Utf8,
    Gbk,
    Utf16,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "cp936" => Ok(Encoding::Gbk),
            "utf-16" | "utf16" | "utf-16le" | "utf-16be" => Ok(Encoding::Utf16),
            _ => Err(format!("unknown encoding '{s}'; use auto, utf-8, gbk or utf-16")),
        }
    }
}

/// Decodes `bytes`, returning the text and the encoding it was read in (`utf-8`, `gb18030`,
/// `utf-16le`, `utf-16be`). An error says why the bytes are not text in that encoding.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<(String, &'static str), String> {
    let utf16 = |bytes: &[u8], big_endian: bool| {
        let enc = if big_endian { encoding_rs::UTF_16BE } else { encoding_rs::UTF_16LE };
        enc.decode_without_bom_handling_and_without_replacement(bytes)
            .map(|t| (t.into_owned(), if big_endian { "utf-16be" } else { "utf-16le" }))
            .ok_or_else(|| "not valid UTF-16 text".to_owned())
    };
    match encoding {
        Encoding::Utf8 => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            std::str::from_utf8(body)
                .map(|t| (t.to_owned(), "utf-8"))
                .map_err(|e| format!("not UTF-8 text (byte {} is invalid); try --encoding gbk", e.valid_up_to()))
        }
        Encoding::Gbk => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|t| (t.into_owned(), "gb18030"))
            .ok_or_else(|| "not GBK/GB18030 text; try --encoding utf-8".to_owned()),
        Encoding::Utf16 => match bytes {
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
            _ => utf16(bytes, looks_utf16(bytes) == Some(true)),
        },
        Encoding::Auto => {
            if bytes.starts_with(b"\xEF\xBB\xBF") {
                return decode(bytes, Encoding::Utf8);
            }
            if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) || looks_utf16(bytes).is_some() {
                return decode(bytes, Encoding::Utf16);
            }
            if let Ok(text) = std::str::from_utf8(bytes) {
                return Ok((text.to_owned(), "utf-8"));
            }
            decode(bytes, Encoding::Gbk)
                .map_err(|_| "neither UTF-8, UTF-16 nor GBK text; is it a spreadsheet saved under another name?".into())
        }
    }
}

/// UTF-16 without a BOM: ASCII-heavy text has a zero in every other byte. `Some(true)` for
/// big-endian, `Some(false)` for little-endian.
fn looks_utf16(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(512) & !1];
    if sample.len() < 4 {
        return None;
    }
    let zeros = |offset: usize| sample.iter().skip(offset).step_by(2).filter(|&&b| b == 0).count();
    let half = sample.len() / 2;
    let (even, odd) = (zeros(0), zeros(1));
    if odd * 10 >= half * 4 && even == 0 {
        Some(false)
    } else if even * 10 >= half * 4 && odd == 0 {
        Some(true)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn detects_each_encoding() {
        let text = "客户名称,联系人\n华为,张伟\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk, Encoding::Auto).unwrap(), (text.to_owned(), "gb18030"));
        let bom: Vec<u8> = b"\xEF\xBB\xBF".iter().chain(text.as_bytes()).copied().collect();
        assert_eq!(decode(&bom, Encoding::Auto).unwrap().0, text);
        let le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&le, Encoding::Auto).unwrap(), (text.to_owned(), "utf-16le"));
        let be: Vec<u8> = "Name,Phone\nAda,1\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&be, Encoding::Auto).unwrap().0, "Name,Phone\nAda,1\n");
        assert!(decode(&gbk, Encoding::Utf8).unwrap_err().contains("gbk"));
        assert!(decode(&[0x81, 0x20, 0xFF], Encoding::Auto).is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            for e in [Encoding::Auto, Encoding::Utf8, Encoding::Gbk, Encoding::Utf16] {
                let _ = decode(&bytes, e);
            }
        }

        #[test]
        fn gbk_round_trips(text in "[a-z0-9,\\n张伟华为北京市朝阳区客户备注]{0,80}") {
            let (gbk, _, _) = encoding_rs::GBK.encode(&text);
            prop_assert_eq!(decode(&gbk, Encoding::Gbk).unwrap().0, text);
        }
    }
}
