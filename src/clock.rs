//! Points in time as kehu stores and reads them: UTC, RFC 3339 to the second in the database
//! (so text order is time order), the forms a person types, read in the local time zone, and
//! the calendar of the user's zone ([`Today`]) that the agenda and the report count days in.
//!
//! The clock can be fixed: per thread with [`set_fixed_now`] (tests, the benchmark's back-dated
//! data) or per process with `KEHU_NOW=2026-02-28T23:30:00Z` (the CLI's fixed-clock tests).

use std::cell::Cell;
use std::sync::OnceLock;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

thread_local! {
    static FIXED_NOW: Cell<Option<DateTime<Utc>>> = const { Cell::new(None) };
}

/// Now, truncated to the second as stored; the fixed clock if one is set.
pub fn now() -> DateTime<Utc> {
    if let Some(fixed) = FIXED_NOW.with(Cell::get) {
        return fixed;
    }
    if let Some(fixed) = env_now() {
        return fixed;
    }
    let now = Utc::now();
    DateTime::from_timestamp(now.timestamp(), 0).expect("current time is representable")
}

/// Fixes (or with `None` releases) this thread's clock.
pub fn set_fixed_now(at: Option<DateTime<Utc>>) {
    FIXED_NOW.with(|cell| cell.set(at));
}

fn env_now() -> Option<DateTime<Utc>> {
    static ENV_NOW: OnceLock<Option<DateTime<Utc>>> = OnceLock::new();
    *ENV_NOW.get_or_init(|| std::env::var("KEHU_NOW").ok().as_deref().and_then(from_db))
}

/// The user's time zone: `TZ` if it names one, else the system's, else UTC.
pub fn local_zone() -> Tz {
    let named = |name: &str| name.trim().trim_start_matches(':').parse::<Tz>().ok();
    std::env::var("TZ")
        .ok()
        .and_then(|tz| named(&tz))
        .or_else(|| iana_time_zone::get_timezone().ok().and_then(|tz| named(&tz)))
        .unwrap_or(Tz::UTC)
}

/// A moment seen from a time zone: which calendar day it is, and where days begin.
#[derive(Debug, Clone, Copy)]
pub struct Today {
    pub now: DateTime<Utc>,
    pub zone: Tz,
}

impl Today {
    /// Now, in the user's zone.
    pub fn local() -> Today {
        Today { now: now(), zone: local_zone() }
    }

    pub fn at(now: DateTime<Utc>, zone: Tz) -> Today {
        Today { now, zone }
    }

    /// Today's date in the zone.
    pub fn date(&self) -> NaiveDate {
        self.now.with_timezone(&self.zone).date_naive()
    }

    /// The local date of an instant.
    pub fn date_of(&self, at: &DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The instant `date` begins in the zone (its first existing minute, where a DST jump
    /// skips midnight).
    pub fn start_of(&self, date: NaiveDate) -> DateTime<Utc> {
        let mut time = date.and_time(NaiveTime::MIN);
        for _ in 0..4 {
            if let Some(t) = self.zone.from_local_datetime(&time).earliest() {
                return t.with_timezone(&Utc);
            }
            time += chrono::Duration::minutes(30);
        }
        Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
    }

    /// The instant today ends (tomorrow begins).
    pub fn end_of_today(&self) -> DateTime<Utc> {
        self.start_of(self.date() + Days::new(1))
    }

    /// Today as a whole-day due is stored.
    pub fn floating(&self) -> DateTime<Utc> {
        floating(self.date())
    }
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

/// Reads a due as a person types it: a date alone is due that whole day (`true`, kept as
/// [`floating`]); a date and time is due then.
pub fn parse_user_due(input: &str) -> Option<(DateTime<Utc>, bool)> {
    match parse_user_date(input) {
        Some(date) => Some((floating(date), true)),
        None => parse_user_time(input).map(|t| (t, false)),
    }
}

/// A calendar day as stored for a whole-day due: its midnight in UTC, read back as a date
/// (never shifted into a zone), so a day stays that day wherever the user travels.
pub fn floating(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

fn local_to_utc(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    // An ambiguous local time (DST fold) takes the earlier instant; a skipped one is refused.
    local_zone().from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
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
