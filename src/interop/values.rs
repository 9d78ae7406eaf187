//! How other programs spell kehu's values: ledger grades (A类, 大客户), stages (成交, 合作中),
//! company sizes as head counts (50人), Outlook's empty birthday `0/0/00` and US dates, and
//! cells holding several phones or tags.

use crate::store::Field;

/// The value kehu stores for a spreadsheet's spelling of it, where it differs; otherwise the
/// value as given (and the field's own check decides).
pub fn interpret(field: Field, value: &str) -> Option<String> {
    let v = value.trim();
    let folded = v.to_lowercase().replace(['类', '级', '客', '户', ' '], "");
    let key = match field {
        Field::Grade => match folded.as_str() {
            "a" | "vip" | "重要" | "大" | "核心" | "a+" | "s" | "重点" => Some("vip"),
            "b" | "普通" | "一般" | "中" => Some("normal"),
            "c" | "d" | "潜在" | "意向" | "小" | "待开发" => Some("potential"),
            _ => None,
        },
        Field::Stage => match folded.as_str() {
            "潜在" | "意向" | "跟进中" | "洽谈中" | "lead" | "prospect" => Some("potential"),
            "成交" | "已成交" | "合作中" | "签约" | "已签约" | "活跃" | "customer" => Some("active"),
            "老" | "长期合作" | "复购" | "忠诚" => Some("loyal"),
            "流失" | "已流失" | "停止合作" | "lost" => Some("churned"),
            _ => None,
        },
        Field::CompanySize => head_count(v).map(|n| match n {
            0..=9 => "micro",
            10..=99 => "small",
            100..=999 => "medium",
            _ => "large",
        }),
        Field::Birthday if matches!(v, "0/0/00" | "0/0/0000" | "00/00/0000") => return None,
        Field::Birthday => return Some(us_date(v).unwrap_or_else(|| v.to_owned())),
        _ => None,
    };
    Some(key.map_or_else(|| v.to_owned(), str::to_owned)).filter(|v| !v.is_empty())
}

/// `50人`, `120`, `1000+`, `50-99人` (the lower bound) as a number of people.
fn head_count(value: &str) -> Option<u32> {
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    let rest = value[digits.len()..].trim();
    let plausible = rest.is_empty() || rest.starts_with(['人', '+', '-', '–', '~', '以', '名']);
    if plausible { digits.parse().ok() } else { None }
}

/// Outlook's `M/D/YYYY` as `YYYY-MM-DD`, when the parts leave no doubt which is the month.
fn us_date(value: &str) -> Option<String> {
    let parts: Vec<u32> = value.split('/').map(|p| p.trim().parse().ok()).collect::<Option<_>>()?;
    match parts[..] {
        [m, d, y] if y > 1000 && (1..=12).contains(&m) && (1..=31).contains(&d) => {
            chrono::NaiveDate::from_ymd_opt(y as i32, m, d).map(|date| date.format("%Y-%m-%d").to_string())
        }
        _ => None,
    }
}

/// A cell holding several values: phones split on `/ , ; 、` and line breaks (not on spaces,
/// which are inside numbers).
pub fn split_contacts(value: &str) -> Vec<String> {
    value
        .split(['/', ',', ';', '、', '，', '；', '\n', '|'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Tags from a cell: split on commas, semicolons, 、 and Google's ` ::: `; Google's system
/// groups (`* myContacts`, `* starred`) left out.
pub fn split_tags(value: &str) -> Vec<String> {
    value
        .split(":::")
        .flat_map(|part| part.split([',', ';', '、', '，', '；', '|']))
        .map(|t| t.trim().trim_start_matches(['#', '＃']).trim())
        .filter(|t| !t.is_empty() && !t.starts_with('*'))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_spellings() {
        assert_eq!(interpret(Field::Grade, "A类").as_deref(), Some("vip"));
        assert_eq!(interpret(Field::Grade, "B级客户").as_deref(), Some("normal"));
        assert_eq!(interpret(Field::Grade, "重要客户").as_deref(), Some("vip"));
        assert_eq!(interpret(Field::Grade, "战略伙伴").as_deref(), Some("战略伙伴"));
        assert_eq!(interpret(Field::Stage, "已成交").as_deref(), Some("active"));
        assert_eq!(interpret(Field::CompanySize, "50人").as_deref(), Some("small"));
        assert_eq!(interpret(Field::CompanySize, "1000人以上").as_deref(), Some("large"));
        assert_eq!(interpret(Field::CompanySize, "很大").as_deref(), Some("很大"));
        assert_eq!(interpret(Field::Birthday, "0/0/00"), None);
        assert_eq!(interpret(Field::Birthday, "7/9/1990").as_deref(), Some("1990-07-09"));
        assert_eq!(interpret(Field::Birthday, "2019年07月09日").as_deref(), Some("2019年07月09日"));
        assert_eq!(split_contacts("138 0013 8000 / 010-62345678、"), ["138 0013 8000", "010-62345678"]);
        assert_eq!(split_tags("* myContacts ::: 华北 ::: VIP,老客户"), ["华北", "VIP", "老客户"]);
    }
}
