//! Text: how long a value may be, how names and companies are tidied and folded for
//! comparison (script, width, spaces, legal-form suffixes), and how Chinese reads in pinyin.
//!
//! The company-suffix folding is written here because no crate does it: a list of legal-form
//! words that differ between two spellings of the same company.

use pinyin::ToPinyin;
use unicode_normalization::UnicodeNormalization;

/// The longest a profile field or a contact value may be, in characters.
pub const MAX_FIELD_CHARS: u32 = 500;
/// The longest a tag may be, in characters.
pub const MAX_TAG_CHARS: u32 = 64;
/// The longest custom-field value: an Excel cell's limit, so every ledger cell fits, and a row
/// stays far below what a backup's reader takes in one part.
pub const MAX_CUSTOM_CHARS: usize = 32_767;

/// Whether `value` is longer than `max` characters.
pub fn too_long(value: &str, max: u32) -> bool {
    value.chars().count() > max as usize
}

/// An identifier masked by its first and last characters (张**伟, z****i); two characters or
/// fewer as `**`.
pub fn mask_text(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match chars.as_slice() {
        [first, middle @ .., last] if !middle.is_empty() => {
            format!("{first}{}{last}", "*".repeat(middle.len().min(6)))
        }
        _ => "**".to_owned(),
    }
}

/// A CJK ideograph (the unified blocks and their extensions A and B, and the compatibility block).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2A6DF}')
}

/// 张伟 → ("zhangwei", "zw"), by each character's most common reading.
pub fn full_and_initials(text: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for p in text.chars().filter_map(|c| c.to_pinyin()) {
        full.push_str(p.plain());
        initials.push_str(p.first_letter());
    }
    (full, initials)
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
    let (full, _) = full_and_initials(&simplified);
    let latin: String = simplified.chars().filter(char::is_ascii_alphabetic).flat_map(char::to_lowercase).collect();
    format!("{full}{latin}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    proptest! {
        #[test]
        fn tidy_is_nfkc_with_single_spaces(value in "[ 　\\tA-Za-zＡ-Ｚ０-９0-9张伟公司（）()ｶﾞé\u{301}]{0,16}") {
            let slow = value.nfkc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
            prop_assert_eq!(tidy(&value), slow);
        }
    }
}
