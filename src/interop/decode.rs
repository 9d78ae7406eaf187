//! Text files in the encodings salespeople's files come in: UTF-8 with or without a BOM, GBK /
//! GB18030 (what Excel on a Chinese Windows saves as "CSV"), UTF-16 (Excel's "Unicode text"),
//! detected from the bytes; and BIG5 (Taiwan, Hong Kong), Shift_JIS and EUC-KR, which bytes
//! alone cannot tell from GBK, read when the user chooses them.

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
    Big5,
    ShiftJis,
    EucKr,
}

impl Encoding {
    /// Every encoding a user can choose, in the order a list offers them.
    pub const ALL: [Encoding; 7] = [
        Encoding::Auto,
        Encoding::Utf8,
        Encoding::Gbk,
        Encoding::Big5,
        Encoding::Utf16,
        Encoding::ShiftJis,
        Encoding::EucKr,
    ];

    /// The legacy double-byte encodings, decoded by encoding_rs (GBK as its superset GB18030).
    fn legacy(self) -> Option<(&'static encoding_rs::Encoding, &'static str)> {
        match self {
            Encoding::Gbk => Some((encoding_rs::GB18030, "gb18030")),
            Encoding::Big5 => Some((encoding_rs::BIG5, "big5")),
            Encoding::ShiftJis => Some((encoding_rs::SHIFT_JIS, "shift_jis")),
            Encoding::EucKr => Some((encoding_rs::EUC_KR, "euc-kr")),
            _ => None,
        }
    }

    /// The encoding_rs decoder for text not declared otherwise (UTF-8 for Auto and UTF-16).
    pub fn decoder(self) -> &'static encoding_rs::Encoding {
        self.legacy().map_or(encoding_rs::UTF_8, |(e, _)| e)
    }

    /// The name of [`Encoding::decoder`]'s encoding, as [`decode`] reports it.
    pub fn decoder_name(self) -> &'static str {
        self.legacy().map_or("utf-8", |(_, name)| name)
    }
}

/// How the encoding a file was read in was arrived at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum EncodingSource {
    /// The file says so: a byte-order mark.
    Declared,
    /// The user chose it.
    Chosen,
    /// Guessed from the bytes (UTF-8 when they are UTF-8, else GBK).
    Guessed,
}

impl EncodingSource {
    /// How `bytes` read with `asked` came to be read in the encoding they were.
    pub fn of(bytes: &[u8], asked: Encoding) -> EncodingSource {
        if asked != Encoding::Auto {
            EncodingSource::Chosen
        } else if bytes.starts_with(b"\xEF\xBB\xBF")
            || bytes.starts_with(&[0xFF, 0xFE])
            || bytes.starts_with(&[0xFE, 0xFF])
        {
            EncodingSource::Declared
        } else {
            EncodingSource::Guessed
        }
    }
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "cp936" => Ok(Encoding::Gbk),
            "utf-16" | "utf16" | "utf-16le" | "utf-16be" => Ok(Encoding::Utf16),
            "big5" | "big5-hkscs" | "cp950" => Ok(Encoding::Big5),
            "shift-jis" | "shiftjis" | "sjis" | "cp932" | "windows-31j" => Ok(Encoding::ShiftJis),
            "euc-kr" | "euckr" | "cp949" | "ks-c-5601-1987" => Ok(Encoding::EucKr),
            _ => Err(format!("unknown encoding '{s}'; use auto, utf-8, gbk, big5, utf-16, shift_jis or euc-kr")),
        }
    }
}

/// Decodes `bytes`, returning the text and the encoding it was read in (`utf-8`, `gb18030`,
/// `big5`, `shift_jis`, `euc-kr`, `utf-16le`, `utf-16be`). An error says why the bytes are not
/// text in that encoding.
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
            std::str::from_utf8(body).map(|t| (t.to_owned(), "utf-8")).map_err(|e| {
                format!(
                    "not UTF-8 text (byte {} is invalid); it may be in another encoding, such as GBK",
                    e.valid_up_to()
                )
            })
        }
        Encoding::Gbk | Encoding::Big5 | Encoding::ShiftJis | Encoding::EucKr => {
            let (decoder, name) = encoding.legacy().expect("a legacy encoding");
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            decoder
                .decode_without_bom_handling_and_without_replacement(body)
                .map(|t| (t.into_owned(), name))
                .ok_or_else(|| {
                    format!("not {} text; it may be in another encoding, such as UTF-8", name.to_uppercase())
                })
        }
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
        assert!(decode(&gbk, Encoding::Utf8).unwrap_err().contains("GBK"));
        assert!(decode(&[0x81, 0x20, 0xFF], Encoding::Auto).is_err());
    }

    #[test]
    fn big5_shift_jis_and_euc_kr_are_read_when_chosen() {
        // BIG5 bytes are valid GBK too: a guess reads them wrong, which is why the user chooses.
        let (big5, _, _) = encoding_rs::BIG5.encode("客戶名稱,聯絡人\n台積電,陳美玲\n");
        let (guessed, name) = decode(&big5, Encoding::Auto).unwrap();
        assert_eq!(name, "gb18030");
        assert!(!guessed.contains("陳美玲"));
        assert_eq!(decode(&big5, Encoding::Big5).unwrap(), ("客戶名稱,聯絡人\n台積電,陳美玲\n".into(), "big5"));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("伊能 圭一");
        assert_eq!(decode(&sjis, Encoding::ShiftJis).unwrap().0, "伊能 圭一");
        let (euc_kr, _, _) = encoding_rs::EUC_KR.encode("김민준");
        assert_eq!(decode(&euc_kr, Encoding::EucKr).unwrap().0, "김민준");
        assert!(decode(&[0xFF, 0xFF], Encoding::Big5).unwrap_err().contains("BIG5"));
        for (text, e) in [("big5", Encoding::Big5), ("Shift_JIS", Encoding::ShiftJis), ("cp949", Encoding::EucKr)] {
            assert_eq!(text.parse::<Encoding>().unwrap(), e);
        }
    }

    #[test]
    fn the_source_of_an_encoding_is_a_mark_a_choice_or_a_guess() {
        assert_eq!(EncodingSource::of(b"\xEF\xBB\xBFa,b", Encoding::Auto), EncodingSource::Declared);
        assert_eq!(EncodingSource::of(&[0xFF, 0xFE, b'a', 0], Encoding::Auto), EncodingSource::Declared);
        assert_eq!(EncodingSource::of(b"a,b", Encoding::Auto), EncodingSource::Guessed);
        assert_eq!(EncodingSource::of(b"\xEF\xBB\xBFa,b", Encoding::Gbk), EncodingSource::Chosen);
    }

    proptest! {
        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            for e in Encoding::ALL {
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
