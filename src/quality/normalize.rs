//! Checks and canonical forms for the values people type: phone numbers (by libphonenumber's
//! metadata, China by default), email addresses, the 统一社会信用代码, and the folded forms of
//! names and companies that duplicate detection compares.
//!
//! The phonenumber crate's validity check matches each pattern at the start of the number
//! only, so `99999999999` passes as a Chinese landline; [`check_phone`] also requires the number
//! to match its type's pattern in full.
//!
//! The credit-code checksum and the company-suffix folding are written here because no crate
//! does either: the first is GB 32100-2015's weighted mod-31 sum, the second a list of legal-form
//! words that differ between two spellings of the same company.

use std::collections::HashMap;
use std::sync::Mutex;

use phonenumber::country::Id as Country;
use phonenumber::{Mode, PhoneNumber};
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

/// What a phone number turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneCheck {
    /// A number valid for its country, with its E.164 form (`+8613800138000`).
    Valid(String),
    /// Not a number any country's plan allows, with the reason.
    Invalid(String),
}

/// Validates a phone number as typed. Numbers without a country code are read as Chinese
/// (mobiles and landlines with their area code); others need their `+` and country code.
pub fn check_phone(value: &str) -> PhoneCheck {
    let folded: String = value.nfkc().collect();
    let trimmed = folded.trim();
    if trimmed.is_empty() {
        return PhoneCheck::Invalid("empty".into());
    }
    // The common case, decided without the general parser (which takes a hundred times longer):
    // eleven digits starting with 1, bare or +86, are a Chinese mobile number when their prefix
    // is assigned and no number at all when not (no other Chinese number has that shape). A
    // test holds this to the parser's answer for every four-digit prefix.
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let international = trimmed.starts_with('+') || trimmed.starts_with("00");
    let bare = if international { digits.trim_start_matches("00").strip_prefix("86") } else { Some(digits.as_str()) };
    if let Some(bare) = bare
        && bare.len() == 11
        && bare.starts_with('1')
        && trimmed.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c))
    {
        return if is_cn_mobile_prefix(bare) { PhoneCheck::Valid(format!("+86{bare}")) } else { not_valid(value) };
    }
    parse_phone(value, trimmed)
}

fn not_valid(value: &str) -> PhoneCheck {
    PhoneCheck::Invalid(format!("'{value}' is not a valid phone number for its country"))
}

/// [`check_phone`] by libphonenumber's metadata alone.
fn parse_phone(value: &str, trimmed: &str) -> PhoneCheck {
    let international = trimmed.strip_prefix("00").map(|rest| format!("+{rest}"));
    let text = international.as_deref().unwrap_or(trimmed);
    match phonenumber::parse(Some(Country::CN), text) {
        Ok(number) if phonenumber::is_valid(&number) && matches_in_full(&number) => PhoneCheck::Valid(e164(&number)),
        Ok(_) => not_valid(value),
        Err(_) => PhoneCheck::Invalid(format!("'{value}' is not a phone number")),
    }
}

/// The mobile prefixes libphonenumber's metadata for China accepts (13x–19x, less those it
/// does not; of 174, only the satellite block 1740[0-5]).
fn is_cn_mobile_prefix(number: &str) -> bool {
    let b = number.as_bytes();
    matches!((b[1], b[2]), (b'3', _) | (b'5', b'0'..=b'3' | b'5'..=b'9') | (b'8', _) | (b'7', b'0'..=b'3' | b'5'..=b'8')
        | (b'9', b'0'..=b'3' | b'5'..=b'9') | (b'4', b'5' | b'7') | (b'6', b'2' | b'5'..=b'7'))
        || (b[1..4] == *b"740" && (b'0'..=b'5').contains(&b[4]))
}

/// Whether the whole national number matches the pattern of the type it was taken for.
fn matches_in_full(number: &PhoneNumber) -> bool {
    static ANCHORED: Mutex<Option<HashMap<String, Regex>>> = Mutex::new(None);
    let database = &*phonenumber::metadata::DATABASE;
    let Some(meta) = number.metadata(database) else { return false };
    let Some(descriptor) = meta.descriptors().get(number.number_type(database)) else { return false };
    let pattern = descriptor.national_number().as_str();
    let national = number.national().to_string();
    let mut cache = ANCHORED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let cache = cache.get_or_insert_with(HashMap::new);
    if !cache.contains_key(pattern) {
        match Regex::new(&format!("^(?x:{pattern})$")) {
            Ok(regex) => cache.insert(pattern.to_owned(), regex),
            Err(_) => return true, // metadata we cannot read: trust the crate's answer
        };
    }
    cache[pattern].is_match(&national)
}

fn e164(number: &PhoneNumber) -> String {
    number.format().mode(Mode::E164).to_string()
}

/// The key two phone numbers are compared by: E.164 when valid, otherwise its digits with a
/// leading 0086/86 country code removed (so a number typed two ways still matches).
pub fn phone_key(value: &str) -> String {
    match check_phone(value) {
        PhoneCheck::Valid(e164) => e164,
        PhoneCheck::Invalid(_) => {
            let digits: String = value.nfkc().filter(char::is_ascii_digit).collect();
            digits.strip_prefix("0086").unwrap_or(&digits).to_owned()
        }
    }
}

/// Checks an email address's shape (one `@`, a dotted domain of letters, digits and hyphens,
/// no spaces); returns its lower-case form.
pub fn check_email(value: &str) -> Result<String, String> {
    let folded: String = value.nfkc().collect::<String>().trim().to_lowercase();
    let bad = || format!("'{value}' is not an email address");
    let (local, domain) = folded.split_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2);
    if local_ok && domain_ok { Ok(folded) } else { Err(bad()) }
}

/// Trims and folds full-width forms to half-width and runs of spaces to one: what a name or a
/// company is stored as after an import.
pub fn tidy(value: &str) -> String {
    // Most values are in NFKC already: the quick check spares them decomposing and recomposing
    // (an import tidies every name and company, and matching tidies them again).
    let folded: std::borrow::Cow<'_, str> = match unicode_normalization::is_nfkc_quick(value.chars()) {
        unicode_normalization::IsNormalized::Yes => value.into(),
        _ => value.nfkc().collect::<String>().into(),
    };
    let mut tidied = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        if !tidied.is_empty() {
            tidied.push(' ');
        }
        tidied.push_str(word);
    }
    tidied
}

/// A person's name folded for comparison: simplified script, no spaces or dots, lower case.
pub fn name_key(name: &str) -> String {
    let simplified = fast2s::convert(&tidy(name));
    simplified.chars().filter(|c| !c.is_whitespace() && !"·.•・".contains(*c)).flat_map(char::to_lowercase).collect()
}

/// Legal-form words that two spellings of one company may or may not carry, longest first.
const COMPANY_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "公司",
    "集团",
    "corporation",
    "company",
    "limited",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd.",
    "co.ltd",
    "co.",
    "corp.",
    "corp",
    "inc.",
    "inc",
    "ltd.",
    "ltd",
    "llc",
    "gmbh",
    "co",
];

/// A company folded for comparison: simplified, lower case, punctuation and legal-form
/// suffixes (有限公司, Co., Ltd. …) removed, so 华为技术有限公司 and 華為技術 compare equal.
pub fn company_key(company: &str) -> String {
    let mut key: String = fast2s::convert(&tidy(company))
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !"（）()【】[]“”\"'、，,".contains(*c))
        .collect();
    loop {
        let before = key.len();
        for suffix in COMPANY_SUFFIXES {
            if key.len() > suffix.len()
                && let Some(rest) = key.strip_suffix(suffix)
            {
                key = rest.trim_end_matches(['.', ',', '-', '&']).to_owned();
                break;
            }
        }
        if key.len() == before {
            return key;
        }
    }
}

/// A name by its sound: 张伟 and 張偉 and "Zhang Wei" all give `zhangwei`.
pub fn pinyin_key(name: &str) -> String {
    let simplified = fast2s::convert(&tidy(name));
    let (full, _) = crate::search::full_and_initials(&simplified);
    let latin: String = simplified.chars().filter(char::is_ascii_alphabetic).flat_map(char::to_lowercase).collect();
    format!("{full}{latin}")
}

const CREDIT_CODE_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Checks a 统一社会信用代码 (unified social credit code): 18 characters from its alphabet
/// (no I, O, S, V, Z), the last one the check character of the first 17 (GB 32100-2015).
pub fn check_credit_code(value: &str) -> Result<String, String> {
    let code: String = value.nfkc().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    if code.chars().count() != 18 {
        return Err(format!("'{value}' has {} characters; a credit code has 18", code.chars().count()));
    }
    let mut sum = 0;
    let mut check = 0;
    for (i, b) in code.bytes().enumerate() {
        let Some(v) = CREDIT_CODE_CHARS.iter().position(|&c| c == b) else {
            return Err(format!("'{value}' holds '{}', which no credit code has", b as char));
        };
        if i < 17 {
            sum += CREDIT_CODE_WEIGHTS[i] * v as u32;
        } else {
            check = v as u32;
        }
    }
    let expected = (31 - sum % 31) % 31;
    if expected == check {
        Ok(code)
    } else {
        Err(format!("'{value}' fails its check character (expected {})", CREDIT_CODE_CHARS[expected as usize] as char))
    }
}

/// Whether a custom field's name says it holds a credit code.
pub fn is_credit_code_field(key: &str) -> bool {
    let key = key.to_lowercase();
    key.contains("信用代码") || key.contains("credit code") || key == "uscc" || key.contains("税号")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones() {
        assert_eq!(check_phone("138 0013 8000"), PhoneCheck::Valid("+8613800138000".into()));
        assert_eq!(check_phone("+86 138-0013-8000"), PhoneCheck::Valid("+8613800138000".into()));
        assert_eq!(check_phone("008613800138000"), PhoneCheck::Valid("+8613800138000".into()));
        assert_eq!(check_phone("１３８００１３８０００"), PhoneCheck::Valid("+8613800138000".into()));
        assert_eq!(check_phone("010-62345678"), PhoneCheck::Valid("+861062345678".into()));
        assert_eq!(check_phone("(0755) 2345 6789"), PhoneCheck::Valid("+8675523456789".into()));
        assert_eq!(check_phone("+1 650-253-0000"), PhoneCheck::Valid("+16502530000".into()));
        assert_eq!(check_phone("+44 20 7946 0958"), PhoneCheck::Valid("+442079460958".into()));
        for bad in ["12345", "1380013800", "99999999999", "abc", "", "+86 138 0013 8000 9"] {
            assert!(matches!(check_phone(bad), PhoneCheck::Invalid(_)), "{bad}");
        }
        assert_eq!(phone_key("0086 138 0013 8000"), phone_key("13800138000"));
    }

    #[test]
    fn the_mobile_shortcut_answers_as_the_parser_does_for_every_prefix() {
        for prefix in 1000..2000 {
            for (i, rest) in ["0000000", "3456789", "9999999", "5012486"].iter().enumerate() {
                let number = format!("{prefix}{rest}");
                let typed = match i {
                    0 => number.clone(),
                    1 => format!("+86 {number}"),
                    2 => format!("{}-{}-{}", &number[..3], &number[3..7], &number[7..]),
                    _ => format!("0086{number}"),
                };
                // The same E.164 form, or both invalid (the parser's reason may be worded otherwise).
                match (check_phone(&typed), parse_phone(&typed, &typed)) {
                    (PhoneCheck::Valid(fast), PhoneCheck::Valid(parsed)) => assert_eq!(fast, parsed, "{typed}"),
                    (PhoneCheck::Invalid(_), PhoneCheck::Invalid(_)) => {}
                    (fast, parsed) => panic!("{typed}: {fast:?}, the parser says {parsed:?}"),
                }
            }
        }
    }

    #[test]
    fn emails() {
        assert_eq!(check_email(" Zhang.San@Example.COM ").as_deref(), Ok("zhang.san@example.com"));
        assert_eq!(check_email("ｌｉ＠ｑｑ．ｃｏｍ").as_deref(), Ok("li@qq.com"));
        for bad in ["zhang", "a@b", "a@@b.com", "a b@c.com", "@c.com", "a@.com", "a@c.", "a..b@c.com", "a@c.c"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn companies_fold_suffixes_script_and_width() {
        assert_eq!(company_key("华为技术有限公司"), "华为技术");
        assert_eq!(company_key("華為技術有限責任公司"), "华为技术");
        assert_eq!(company_key("（深圳）ＡＢＣ 贸易 股份有限公司"), "深圳abc贸易");
        assert_eq!(company_key("Acme Co., Ltd."), "acme");
        assert_eq!(company_key("ACME Inc"), "acme");
        assert_eq!(company_key("公司"), "公司");
        assert_eq!(name_key("張 偉"), "张伟");
        assert_eq!(pinyin_key("張偉"), pinyin_key("张伟"));
        assert_eq!(pinyin_key("Zhang Wei"), "zhangwei");
        assert_eq!(pinyin_key("章伟"), "zhangwei");
        assert_eq!(tidy("  ＡＢＣ　 公司 "), "ABC 公司");
    }

    #[test]
    fn credit_codes() {
        // Published codes (company registrations) and their check characters.
        for good in ["91350100M000100Y43", "91110000802100433B", "9144030071526726XG"] {
            assert!(check_credit_code(good).is_ok(), "{good}");
        }
        assert!(check_credit_code("91350100M000100Y44").is_err());
        assert!(check_credit_code("91350100M000100Y4").is_err());
        assert!(check_credit_code("91350100M000100YI3").is_err());
        assert_eq!(check_credit_code("９１３５０１００ｍ０００１００ｙ４３").as_deref(), Ok("91350100M000100Y43"));
    }

    proptest! {
        #[test]
        fn tidy_is_nfkc_with_single_spaces(value in "[ 　\\tA-Za-zＡ-Ｚ０-９0-9张伟公司（）()ｶﾞé\u{301}]{0,16}") {
            let slow = value.nfkc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
            prop_assert_eq!(tidy(&value), slow);
        }

        #[test]
        fn normalisers_never_panic(s in "\\PC{0,40}") {
            let _ = check_phone(&s);
            let _ = phone_key(&s);
            let _ = check_email(&s);
            let _ = check_credit_code(&s);
            let _ = company_key(&s);
            let _ = pinyin_key(&s);
        }

        #[test]
        fn every_cn_mobile_is_found_in_any_spelling(n in 0u64..100_000_000, p in prop::sample::select(vec!["138", "159", "186", "199", "177"])) {
            let number = format!("{p}{n:08}");
            let expected = PhoneCheck::Valid(format!("+86{number}"));
            prop_assert_eq!(check_phone(&number), expected.clone());
            prop_assert_eq!(check_phone(&format!("+86 {} {} {}", &number[..3], &number[3..7], &number[7..])), expected);
        }

        #[test]
        fn credit_code_check_character_is_found(body in "[0-9A-HJ-NPQRTUWXY]{17}") {
            let sum: u32 = body.bytes().zip(CREDIT_CODE_WEIGHTS).map(|(b, w)| w * CREDIT_CODE_CHARS.iter().position(|&c| c == b).unwrap() as u32).sum();
            let check = CREDIT_CODE_CHARS[((31 - sum % 31) % 31) as usize] as char;
            let code = format!("{body}{check}");
            prop_assert!(check_credit_code(&code).is_ok(), "{}", code);
        }
    }
}
