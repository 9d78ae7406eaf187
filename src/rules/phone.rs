//! Phone numbers: what the store accepts as one (digits as typed, in any width, with the
//! usual separators) and whether it is valid (by libphonenumber's metadata, China by default).
//!
//! The phonenumber crate's validity check matches each pattern at the start of the number
//! only, so `99999999999` passes as a Chinese landline; [`check_phone`] also requires the number
//! to match its type's pattern in full.

use std::collections::HashMap;
use std::sync::Mutex;

use phonenumber::country::Id as Country;
use phonenumber::{Mode, PhoneNumber};
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

use super::ValueProblem;

/// The digits of a phone number as typed (full-width ones folded, a leading `+` kept, the
/// usual separators dropped, `0086` read as `+86`): the form the store keeps to match by.
/// Anything else in it, or fewer than three digits, is refused.
pub fn accept_phone(value: &str) -> Result<String, ValueProblem> {
    let mut digits = String::new();
    for (i, c) in value.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            '+' | '＋' if i == 0 => digits.push('+'),
            ' ' | '-' | '(' | ')' | '.' | '（' | '）' | '－' => {}
            _ => return Err(ValueProblem::NotAPhone { value: value.to_owned() }),
        }
    }
    if digits.trim_start_matches('+').len() < 3 {
        return Err(ValueProblem::TooShortForAPhone { value: value.to_owned() });
    }
    Ok(match digits.strip_prefix("0086") {
        Some(rest) => format!("+86{rest}"),
        None => digits,
    })
}

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

/// 13812345678 → 138****5678: the digits that tell an area and a line, not the number.
pub fn mask_phone(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let digits = chars.iter().filter(|c| c.is_ascii_digit()).count();
    let (keep_head, keep_tail) = if digits >= 7 { (3, 4) } else { (0, 2) };
    let mut seen = 0;
    chars
        .iter()
        .map(|&c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= keep_head || seen > digits - keep_tail { c } else { '*' }
        })
        .collect()
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
    fn masks_keep_an_area_and_a_line_not_the_number() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("138 0013 8000"), "138 **** 8000");
        assert_eq!(mask_phone("+86 138-0013-8000"), "+86 1**-****-8000");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(super::super::mask_text("张伟"), "**");
        assert_eq!(super::super::mask_text("欧阳娜娜"), "欧**娜");
        assert_eq!(super::super::mask_text("zhangwei-wechat-id"), "z******d");
    }

    #[test]
    fn the_store_keeps_digits_and_refuses_words() {
        assert_eq!(accept_phone("０086 138-0013-8000").as_deref(), Ok("+8613800138000"));
        assert_eq!(accept_phone("+1 (650) 253.0000").as_deref(), Ok("+16502530000"));
        assert!(matches!(accept_phone("call me"), Err(ValueProblem::NotAPhone { .. })));
        assert!(matches!(accept_phone("+12"), Err(ValueProblem::TooShortForAPhone { .. })));
    }

    proptest! {
        #[test]
        fn every_cn_mobile_is_found_in_any_spelling(n in 0u64..100_000_000, p in prop::sample::select(vec!["138", "159", "186", "199", "177"])) {
            let number = format!("{p}{n:08}");
            let expected = PhoneCheck::Valid(format!("+86{number}"));
            prop_assert_eq!(check_phone(&number), expected.clone());
            prop_assert_eq!(check_phone(&format!("+86 {} {} {}", &number[..3], &number[3..7], &number[7..])), expected);
        }
    }
}
