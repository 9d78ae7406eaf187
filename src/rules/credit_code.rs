//! The 统一社会信用代码 (unified social credit code), checked by hand because no crate does:
//! GB 32100-2015's weighted mod-31 sum.

use unicode_normalization::UnicodeNormalization;

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
        fn credit_code_check_character_is_found(body in "[0-9A-HJ-NPQRTUWXY]{17}") {
            let sum: u32 = body.bytes().zip(CREDIT_CODE_WEIGHTS).map(|(b, w)| w * CREDIT_CODE_CHARS.iter().position(|&c| c == b).unwrap() as u32).sum();
            let check = CREDIT_CODE_CHARS[((31 - sum % 31) % 31) as usize] as char;
            let code = format!("{body}{check}");
            prop_assert!(check_credit_code(&code).is_ok(), "{}", code);
        }
    }
}
