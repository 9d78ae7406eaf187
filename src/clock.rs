//! Points in time as kehu stores and reads them: UTC, RFC 3339 to the second in the database
//! (so text order is time order), and the forms a person types, read in the local time zone.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc};

/// Now, truncated to the second as stored.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).expect("current time is representable")
}

/// The stored form: `2026-11-24T19:37:23Z`.
pub fn to_db(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads the stored form back; anything else in the column is a damaged database.
pub fn from_db(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// Reads what a person types: `2026-11-24`, `2026-11-24 14:30`, `2026/11/24 14:30:05`,
/// `2026年11月24日`, or full RFC 3339. A date without a time means local midnight.
pub fn parse_user_time(input: &str) -> Option<DateTime<Utc>> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let normalized = s.replace('/', "-").replace('T', " ");
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&normalized, format) {
            return local_to_utc(naive);
        }
    }
    parse_user_date(s).and_then(|date| local_to_utc(date.and_time(NaiveTime::MIN)))
}

/// Reads a calendar date: `2026-11-24`, `2026/11/24`, `20261124`, `2026年11月24日`.
pub fn parse_user_date(input: &str) -> Option<NaiveDate> {
    let s = input.trim();
    let normalized = s.replace(['/', '年', '月'], "-").replace('日', "");
    NaiveDate::parse_from_str(&normalized, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d")).ok()
}

fn local_to_utc(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    // An ambiguous local time (DST fold) takes the earlier instant; a skipped one is refused.
    Local.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_round_trips_and_sorts() {
        let t = now();
        assert_eq!(from_db(&to_db(&t)), Some(t));
        assert!(to_db(&t).ends_with('Z'));
        let earlier = DateTime::from_timestamp(1_000, 0).unwrap();
        assert!(to_db(&earlier) < to_db(&t));
    }

    #[test]
    fn user_forms() {
        assert_eq!(parse_user_date("2019年07月09日"), NaiveDate::from_ymd_opt(2019, 7, 9));
        assert_eq!(parse_user_date("2019/7/9"), NaiveDate::from_ymd_opt(2019, 7, 9));
        assert_eq!(parse_user_date("20190709"), NaiveDate::from_ymd_opt(2019, 7, 9));
        assert_eq!(parse_user_date("2019-02-30"), None);
        assert!(parse_user_time("2026-11-24 14:30").is_some());
        assert!(parse_user_time("2026-11-24").is_some());
        assert_eq!(
            parse_user_time("2026-11-24T14:30:00+08:00"),
            Some(Utc.with_ymd_and_hms(2026, 11, 24, 6, 30, 0).unwrap())
        );
        assert_eq!(parse_user_time("tomorrow"), None);
    }
}
