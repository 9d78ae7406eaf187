//! Follow-ups written in notes: a line such as `- **下次跟进日期**：2026-12-05 10:00` (the
//! 跟进计划 template's field) or `Next follow-up date: 5 Dec` makes the note create its task.
//!
//! Hand-written because it reads kehu's own template lines, which no library knows; the dates
//! themselves go through [`crate::clock`].

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use regex::Regex;

use crate::clock::{self, Today};
use crate::vocab::Lang;

/// The task a note asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub due: DateTime<Utc>,
    /// A date without a time: due that whole day.
    pub all_day: bool,
    pub title: String,
}

/// A "next follow-up" field whose value is not a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadFollowUp {
    pub field: String,
    pub value: String,
}

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    // A list item or plain line, the label possibly bold (with or without the colon inside).
    Regex::new(
        r"(?im)^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?[ \t]*(下次跟进(?:日期|时间)?|下一次跟进(?:日期|时间)?|next[ \t]+follow[- ]?up(?:[ \t]+(?:date|time))?)[ \t]*(?:\*\*|__)?[ \t]*[:：][ \t]*(?:\*\*|__)?[ \t]*(.*?)[ \t]*$",
    )
    .expect("valid pattern")
});

static GOAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?[ \t]*(目标|跟进目标|goal)[ \t]*(?:\*\*|__)?[ \t]*[:：][ \t]*(?:\*\*|__)?[ \t]*(.*?)[ \t]*$")
        .expect("valid pattern")
});

/// Reads a note's follow-up. `written` is when the note is dated (a date without a year is the
/// next such day from then); `customer` names the task when the note states no goal.
/// An empty field is no follow-up; a field that is not a date is an error.
pub fn parse(body: &str, written: &Today, customer: &str) -> Result<Option<FollowUp>, BadFollowUp> {
    let Some(found) = FIELD.captures(body) else { return Ok(None) };
    let label = found.get(1).map_or("", |m| m.as_str());
    let value = found.get(2).map_or("", |m| m.as_str()).trim_end_matches(['*', '_']).trim();
    if value.is_empty() {
        return Ok(None);
    }
    let lang = if label.is_ascii() { Lang::En } else { Lang::ZhCn };
    let (due, all_day) =
        read_due(value, written).ok_or_else(|| BadFollowUp { field: label.to_owned(), value: value.to_owned() })?;
    let goal = GOAL
        .captures(body)
        .and_then(|c| c.get(2))
        .map(|m| m.as_str().trim_end_matches(['*', '_']).trim())
        .filter(|g| !g.is_empty());
    let subject: String = goal.unwrap_or(customer).chars().take(200).collect();
    let title = match lang {
        Lang::ZhCn => format!("跟进：{subject}"),
        Lang::En => format!("Follow up: {subject}"),
    };
    Ok(Some(FollowUp { due, all_day, title }))
}

/// A full date or date-time as `clock` reads them, or a month and day (`12月5日`, `12-05`,
/// `12/5`) taken as the next such day on or after the day the note is dated.
fn read_due(value: &str, written: &Today) -> Option<(DateTime<Utc>, bool)> {
    if let Some(date) = clock::parse_user_date(value) {
        return Some((clock::floating(date), true));
    }
    if let Some(at) = clock::parse_user_time(value) {
        return Some((at, false));
    }
    let month_day = value.replace(['月', '/'], "-").replace('日', "");
    let (month, day) = month_day.split_once('-')?;
    let (month, day): (u32, u32) = (month.trim().parse().ok()?, day.trim().parse().ok()?);
    let from = written.date();
    let date = [from.year(), from.year() + 1]
        .into_iter()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .find(|date| *date >= from)?;
    Some((clock::floating(date), true))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Asia::Shanghai;

    use super::*;

    fn written() -> Today {
        // 2026-11-24 21:00 in Shanghai.
        Today::at(Utc.with_ymd_and_hms(2026, 11, 24, 13, 0, 0).unwrap(), Shanghai)
    }

    #[test]
    fn the_template_field_makes_a_whole_day_task() {
        let body = "## 跟进计划\n\n- **目标**：确认报价\n- **下次跟进日期**：2026-12-05\n- **跟进方式**：电话\n";
        let f = parse(body, &written(), "张伟").unwrap().unwrap();
        assert_eq!(f.title, "跟进：确认报价");
        assert!(f.all_day);
        assert_eq!(f.due, clock::floating(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()));
    }

    #[test]
    fn a_time_english_labels_and_colon_inside_bold() {
        let f = parse("**Next follow-up date:** 2026-12-05 10:30", &written(), "Li Na").unwrap().unwrap();
        assert!(!f.all_day);
        assert_eq!(f.title, "Follow up: Li Na");
        let f = parse("next followup: 12/5", &written(), "Li Na").unwrap().unwrap();
        assert!(f.all_day);
        assert_eq!(f.due.date_naive(), NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    }

    #[test]
    fn a_month_and_day_already_past_this_year_is_next_year() {
        let f = parse("下次跟进：1月3日", &written(), "张伟").unwrap().unwrap();
        assert_eq!(f.due.date_naive(), NaiveDate::from_ymd_opt(2027, 1, 3).unwrap());
        // 29 February, which the coming year does not have, is refused rather than guessed.
        let f = parse("下次跟进：2月29日", &written(), "张伟");
        assert_eq!(f, Err(BadFollowUp { field: "下次跟进".into(), value: "2月29日".into() }));
    }

    #[test]
    fn empty_field_is_no_follow_up_and_words_are_an_error() {
        assert_eq!(parse("- **下次跟进日期**：\n- **跟进方式**：", &written(), "x"), Ok(None));
        assert_eq!(parse("没有字段的笔记", &written(), "x"), Ok(None));
        let err = parse("- **下次跟进日期**：下周", &written(), "x").unwrap_err();
        assert_eq!(err.value, "下周");
    }
}
