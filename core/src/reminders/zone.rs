//! Local wall-clock times to instants in any [`TimeZone`], across daylight-saving changes.
//!
//! A local time in the spring-forward gap does not exist: it becomes the first valid instant
//! after it (02:30 on a day that skips 02:00–03:00 fires at 03:00). A local time in the
//! fall-back overlap exists twice: the earlier instant is used, so the reminder fires once.

use std::fmt;
use std::sync::Arc;

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};

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

/// A zone's rules as the platform knows them (Android `ZoneRules`, iOS `TimeZone`): the UTC
/// offset in force at an instant. The core carries no time-zone database (it would grow the
/// mobile library), so the device's own rules come in through this.
pub trait OffsetRules: Send + Sync {
    /// Seconds east of UTC at `unix_seconds`.
    fn offset_at(&self, unix_seconds: i64) -> i32;
}

/// A [`TimeZone`] over [`OffsetRules`], so the planner runs on the device's real zone,
/// daylight-saving changes included.
#[derive(Clone)]
pub struct RulesZone(Arc<dyn OffsetRules>);

/// The offset of a [`RulesZone`] at some instant (keeps its zone, as chrono requires).
#[derive(Clone)]
pub struct RulesOffset {
    fixed: FixedOffset,
    zone: RulesZone,
}

impl RulesZone {
    /// The zone with `rules`.
    pub fn new(rules: Arc<dyn OffsetRules>) -> Self {
        Self(rules)
    }

    fn offset_at(&self, unix_seconds: i64) -> RulesOffset {
        // An offset a day or more from UTC is no real zone's: read it as UTC.
        let fixed =
            FixedOffset::east_opt(self.0.offset_at(unix_seconds)).unwrap_or_else(|| Utc.fix());
        RulesOffset {
            fixed,
            zone: self.clone(),
        }
    }
}

impl fmt::Debug for RulesZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RulesZone")
    }
}

impl fmt::Debug for RulesOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.fixed)
    }
}

impl fmt::Display for RulesOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fixed)
    }
}

impl Offset for RulesOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl TimeZone for RulesZone {
    type Offset = RulesOffset;

    fn from_offset(offset: &RulesOffset) -> Self {
        offset.zone.clone()
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<RulesOffset> {
        self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
    }

    /// The offsets in force a day before and a day after `local` (read as UTC) are the only
    /// candidates when zones change at most once a day; each that maps back onto `local`
    /// is valid: none is a gap, two are an overlap (earlier instant first).
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<RulesOffset> {
        let as_utc = local.and_utc().timestamp();
        let day = 24 * 60 * 60;
        let mut valid: Vec<RulesOffset> = Vec::with_capacity(2);
        for probe in [as_utc - day, as_utc + day] {
            let candidate = self.offset_at(probe);
            let instant = as_utc - i64::from(candidate.fixed.local_minus_utc());
            let actual = self.offset_at(instant);
            if actual.fixed == candidate.fixed && !valid.iter().any(|v| v.fixed == actual.fixed) {
                valid.push(actual);
            }
        }
        // The larger offset is the earlier instant of the same wall-clock time.
        crate::sort::sort_by_key(&mut valid, |o| std::cmp::Reverse(o.fixed.local_minus_utc()));
        let mut valid = valid.into_iter();
        match (valid.next(), valid.next()) {
            (Some(a), Some(b)) => LocalResult::Ambiguous(a, b),
            (Some(a), None) => LocalResult::Single(a),
            _ => LocalResult::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> RulesOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> RulesOffset {
        self.offset_at(utc.and_utc().timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use proptest::prelude::*;

    /// Rules read from chrono-tz, as a platform would give them.
    struct TzRules(chrono_tz::Tz);

    impl OffsetRules for TzRules {
        fn offset_at(&self, unix_seconds: i64) -> i32 {
            let at = DateTime::from_timestamp(unix_seconds, 0).unwrap();
            self.0
                .offset_from_utc_datetime(&at.naive_utc())
                .fix()
                .local_minus_utc()
        }
    }

    proptest! {
        /// The platform-rules zone resolves every local time as the zone database does.
        #[test]
        fn rules_zone_matches_the_zone_database(
            zone in prop_oneof![
                Just(chrono_tz::America::New_York),
                Just(chrono_tz::Europe::London),
                Just(chrono_tz::Australia::Lord_Howe),
                Just(chrono_tz::Pacific::Apia),
                Just(chrono_tz::Asia::Tokyo),
            ],
            minutes in 0i64..(20 * 366 * 24 * 60),
        ) {
            let local = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap().and_time(NaiveTime::MIN)
                + Duration::minutes(minutes);
            let rules = RulesZone::new(Arc::new(TzRules(zone)));
            let ours = resolve(&rules, local).map(|t| t.fixed_offset());
            let theirs = resolve(&zone, local).map(|t| t.fixed_offset());
            prop_assert_eq!(ours, theirs);
        }
    }

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
