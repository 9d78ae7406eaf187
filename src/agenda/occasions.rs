//! Birthdays and anniversaries: the customer's birthday, and custom fields whose name says they
//! are an occasion (生日, 纪念日, 周年, 成立, 签约, 结婚, birthday, anniversary, founded,
//! wedding…) and whose value is a date, with or without a year. Each comes round once a year;
//! 29 February is kept on 28 February in common years.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::clock;

/// What is celebrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum OccasionKind {
    Birthday,
    Anniversary,
}

/// An occasion coming up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Occasion {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub customer_id: i64,
    pub name: String,
    pub company: Option<String>,
    pub kind: OccasionKind,
    /// The custom field it comes from; none for the customer's own birthday field.
    pub field: Option<String>,
    /// The day it falls on next.
    pub date: NaiveDate,
    /// The age or the anniversary's number on that day, when the year is known.
    pub years: Option<u32>,
    pub days_until: u32,
}

const BIRTHDAY_WORDS: &[&str] = &["生日", "birthday"];
const ANNIVERSARY_WORDS: &[&str] =
    &["纪念日", "周年", "成立", "签约", "结婚", "入职", "anniversary", "founded", "wedding", "since"];

/// The occasion kind a custom field's name announces, if any.
pub fn field_kind(name: &str) -> Option<OccasionKind> {
    let name = name.to_lowercase();
    if BIRTHDAY_WORDS.iter().any(|w| name.contains(w)) {
        Some(OccasionKind::Birthday)
    } else if ANNIVERSARY_WORDS.iter().any(|w| name.contains(w)) {
        Some(OccasionKind::Anniversary)
    } else {
        None
    }
}

/// Reads a date as a person keeps it: with a year (any form `clock` reads) or without one
/// (`--03-12`, `03-12`, `3月12日`, `3/12`). Returns (year, month, day).
pub fn read_date(value: &str) -> Option<(Option<i32>, u32, u32)> {
    if let Some(date) = clock::parse_user_date(value) {
        return Some((Some(date.year()), date.month(), date.day()));
    }
    let text = value.trim().trim_start_matches('-').replace(['月', '/', '.'], "-").replace('日', "");
    let (month, day) = text.split_once('-')?;
    let (month, day): (u32, u32) = (month.trim().parse().ok()?, day.trim().parse().ok()?);
    // A leap year accepts every real month-day, 29 February included.
    NaiveDate::from_ymd_opt(2000, month, day)?;
    Some((None, month, day))
}

/// When (month, day) next falls on or after `from`; 29 February in a common year is the 28th.
pub fn next_on_or_after(from: NaiveDate, month: u32, day: u32) -> NaiveDate {
    let in_year =
        |year: i32| NaiveDate::from_ymd_opt(year, month, day).or_else(|| NaiveDate::from_ymd_opt(year, month, day - 1));
    match in_year(from.year()) {
        Some(date) if date >= from => date,
        _ => in_year(from.year() + 1).expect("a real month-day exists next year"),
    }
}

/// One customer's occasions within `days` days of `today` (today included), from its birthday
/// field and custom fields' JSON; `name` and `company` are left for the caller to fill.
pub fn of_customer(
    customer_id: i64,
    birthday: Option<&str>,
    custom: &str,
    today: NaiveDate,
    days: u32,
) -> Vec<Occasion> {
    let mut found = Vec::new();
    let mut consider = |kind: OccasionKind, field: Option<&str>, value: &str| {
        let Some((year, month, day)) = read_date(value) else { return };
        let date = next_on_or_after(today, month, day);
        let days_until = u32::try_from((date - today).num_days()).unwrap_or(u32::MAX);
        if days_until > days {
            return;
        }
        let years = year.and_then(|y| u32::try_from(date.year() - y).ok()).filter(|n| *n > 0);
        found.push(Occasion {
            customer_id,
            name: String::new(),
            company: None,
            kind,
            field: field.map(str::to_owned),
            date,
            years,
            days_until,
        });
    };
    if let Some(birthday) = birthday {
        consider(OccasionKind::Birthday, None, birthday);
    }
    // Most custom fields name no occasion: look for the words before parsing the JSON.
    let lower = custom.to_lowercase();
    if BIRTHDAY_WORDS.iter().chain(ANNIVERSARY_WORDS).any(|w| lower.contains(w))
        && let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(custom)
    {
        for (name, value) in &fields {
            if let (Some(kind), Some(value)) = (field_kind(name), value.as_str()) {
                consider(kind, Some(name), value);
            }
        }
    }
    found
}

/// Soonest first, then by name and field.
pub fn sort(occasions: &mut [Occasion]) {
    occasions.sort_by(|a, b| (a.date, &a.name, &a.field).cmp(&(b.date, &b.name, &b.field)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn upcoming(birthday: Option<&str>, custom: &str, today: NaiveDate, days: u32) -> Vec<Occasion> {
        let mut found = of_customer(1, birthday, custom, today, days);
        sort(&mut found);
        found
    }

    #[test]
    fn leap_day_birthdays_fall_on_the_28th_in_common_years() {
        assert_eq!(next_on_or_after(day(2027, 2, 1), 2, 29), day(2027, 2, 28));
        assert_eq!(next_on_or_after(day(2028, 2, 1), 2, 29), day(2028, 2, 29));
        // After the 28th of a common year, the next is the leap day of the next year.
        assert_eq!(next_on_or_after(day(2027, 3, 1), 2, 29), day(2028, 2, 29));
    }

    #[test]
    fn the_window_crosses_month_and_year_ends() {
        let found = upcoming(Some("1980-01-03"), "{}", day(2026, 12, 30), 7);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].date, found[0].days_until, found[0].years), (day(2027, 1, 3), 4, Some(47)));
        assert!(upcoming(Some("1980-01-03"), "{}", day(2026, 12, 26), 7).is_empty());
        // 31 January + 1 day is 1 February.
        let found = upcoming(Some("--02-01"), "{}", day(2026, 1, 31), 1);
        assert_eq!((found[0].days_until, found[0].years), (1, None));
    }

    #[test]
    fn custom_fields_by_their_names() {
        let custom =
            r#"{"公司成立日期":"2010年12月1日","结婚纪念日":"11-30","备注日期":"2026-11-28","客户生日":"abc"}"#;
        let found = upcoming(None, custom, day(2026, 11, 25), 10);
        let got: Vec<_> = found.iter().map(|o| (o.field.as_deref().unwrap(), o.kind, o.years)).collect();
        assert_eq!(
            got,
            [("结婚纪念日", OccasionKind::Anniversary, None), ("公司成立日期", OccasionKind::Anniversary, Some(16))]
        );
        assert_eq!(field_kind("Spouse birthday"), Some(OccasionKind::Birthday));
    }

    #[test]
    fn today_counts() {
        let found = upcoming(Some("1990-11-25"), "{}", day(2026, 11, 25), 0);
        assert_eq!((found[0].days_until, found[0].years), (0, Some(36)));
        assert_eq!(read_date("2月30日"), None);
    }
}
