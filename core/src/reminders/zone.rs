//! Local wall-clock times to instants in any [`TimeZone`], across daylight-saving changes.
//!
//! A local time in the spring-forward gap does not exist: it becomes the first valid instant
//! after it (02:30 on a day that skips 02:00–03:00 fires at 03:00). A local time in the
//! fall-back overlap exists twice: the earlier instant is used, so the reminder fires once.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// Longest gap searched past a non-existent local time (real gaps are at most a few hours;
/// a whole skipped day, as in Samoa 2011, is covered too).
const MAX_GAP_MINUTES: i64 = 26 * 60;

/// The instant at which the wall clock of `zone` first shows `local` (or, in a gap, the first
/// valid instant after it); `None` only for a zone without any valid time in the next day.
pub fn resolve<Tz: TimeZone>(zone: &Tz, local: NaiveDateTime) -> Option<DateTime<Tz>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => Some(at),
        LocalResult::Ambiguous(earlier, _) => Some(earlier),
        LocalResult::None => (1..=MAX_GAP_MINUTES).find_map(|m| {
            let later = local.checked_add_signed(Duration::minutes(m))?;
            match zone.from_local_datetime(&later) {
                LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at),
                LocalResult::None => None,
            }
        }),
    }
}

/// [`resolve`] for a local date and time.
pub fn at<Tz: TimeZone>(zone: &Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Tz>> {
    resolve(zone, date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use chrono_tz::America::New_York;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn gaps_move_forward_and_overlaps_take_the_earlier_instant() {
        // 2026-03-08: New York skips 02:00–03:00 (EST -5 → EDT -4).
        let gap = at(&New_York, day(2026, 3, 8), hm(2, 30)).unwrap();
        assert_eq!(gap.time(), hm(3, 0));
        assert_eq!(
            gap.with_timezone(&Utc).to_rfc3339(),
            "2026-03-08T07:00:00+00:00"
        );
        // 2026-11-01: 01:00–02:00 happens twice (EDT -4, then EST -5); the first is used.
        let twice = at(&New_York, day(2026, 11, 1), hm(1, 30)).unwrap();
        assert_eq!(
            twice.with_timezone(&Utc).to_rfc3339(),
            "2026-11-01T05:30:00+00:00"
        );
        let plain = at(&New_York, day(2026, 6, 1), hm(21, 0)).unwrap();
        assert_eq!(
            plain.with_timezone(&Utc).to_rfc3339(),
            "2026-06-02T01:00:00+00:00"
        );
    }
}
