//! Habit strength in the style of the Loop Habit Tracker: an exponential moving average of
//! daily completion whose speed depends on the habit's frequency, so a 3-per-week habit is
//! judged by its own rhythm, not by a daily one. Skipped days leave the score unchanged.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use super::schedule::Schedule;
use super::streak::DayMark;

/// The per-day decay factor for a habit done `frequency` times per day on average.
/// With daily habits, 13 consecutive completions take the score from 0 to exactly 0.5.
pub fn multiplier(frequency: f64) -> f64 {
    0.5f64.powf(frequency.max(0.0).sqrt() / 13.0)
}

/// The score after each day from `start` to `today` (empty if `today < start`).
pub fn strength_series(
    schedule: &Schedule,
    start: NaiveDate,
    marks: &BTreeMap<NaiveDate, DayMark>,
    today: NaiveDate,
) -> Vec<(NaiveDate, f64)> {
    let m = multiplier(schedule.frequency());
    let (times, window) = schedule.target();
    let times = f64::from(times.max(1));
    let window = i64::from(window.max(1));
    let mut score = 0.0f64;
    let mut out = Vec::new();
    let mut day = start;
    while day <= today {
        if marks.get(&day) != Some(&DayMark::Skipped) {
            let from = (day - Duration::days(window - 1)).max(start);
            let done = marks
                .range(from..=day)
                .filter(|(_, mark)| **mark == DayMark::Done)
                .count() as f64;
            let value = (done / times).min(1.0);
            score = score * m + value * (1.0 - m);
        }
        out.push((day, score.clamp(0.0, 1.0)));
        day += Duration::days(1);
    }
    out
}

/// The score on `today`, between 0 and 1.
pub fn strength(
    schedule: &Schedule,
    start: NaiveDate,
    marks: &BTreeMap<NaiveDate, DayMark>,
    today: NaiveDate,
) -> f64 {
    strength_series(schedule, start, marks, today)
        .last()
        .map_or(0.0, |(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(offset: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap() + Duration::days(offset)
    }

    fn done_days(days: impl IntoIterator<Item = i64>) -> BTreeMap<NaiveDate, DayMark> {
        days.into_iter().map(|o| (d(o), DayMark::Done)).collect()
    }

    #[test]
    fn known_values_for_a_daily_habit() {
        let one = strength(&Schedule::Daily, d(0), &done_days([0]), d(0));
        assert!((one - (1.0 - 0.5f64.powf(1.0 / 13.0))).abs() < 1e-12);
        assert!((one - 0.051922).abs() < 1e-6);
        let thirteen = strength(&Schedule::Daily, d(0), &done_days(0..13), d(12));
        assert!((thirteen - 0.5).abs() < 1e-12);
        let twenty_six = strength(&Schedule::Daily, d(0), &done_days(0..26), d(25));
        assert!((twenty_six - 0.75).abs() < 1e-12);
    }

    #[test]
    fn a_missed_day_decays_by_the_multiplier_and_a_skip_freezes() {
        let m = multiplier(1.0);
        let base = strength(&Schedule::Daily, d(0), &done_days(0..5), d(4));
        let missed = strength(&Schedule::Daily, d(0), &done_days(0..5), d(5));
        assert!((missed - base * m).abs() < 1e-12);
        let mut skipped = done_days(0..5);
        skipped.insert(d(5), DayMark::Skipped);
        skipped.insert(d(6), DayMark::Done);
        let with_skip = strength(&Schedule::Daily, d(0), &skipped, d(6));
        let without = strength(&Schedule::Daily, d(0), &done_days(0..6), d(5));
        assert!((with_skip - without).abs() < 1e-12);
    }

    #[test]
    fn a_three_per_week_habit_is_judged_by_its_own_rhythm() {
        // Mon/Wed/Fri for four weeks.
        let days: Vec<i64> = (0..4).flat_map(|w| [w * 7, w * 7 + 2, w * 7 + 4]).collect();
        let marks = done_days(days);
        let weekly = strength(&Schedule::TimesPerWeek { times: 3 }, d(0), &marks, d(27));
        let daily = strength(&Schedule::Daily, d(0), &marks, d(27));
        assert!(weekly > daily, "{weekly} vs {daily}");
        assert!(weekly > 0.4);
    }

    #[test]
    fn before_the_start_there_is_nothing() {
        assert!(strength_series(&Schedule::Daily, d(3), &done_days([3]), d(1)).is_empty());
        assert_eq!(strength(&Schedule::Daily, d(3), &done_days([3]), d(1)), 0.0);
    }

    proptest! {
        #[test]
        fn scores_stay_between_zero_and_one(
            marks in proptest::collection::btree_map(0i64..120, any::<bool>(), 0..120),
            times in 1u8..=7,
        ) {
            let marks: BTreeMap<NaiveDate, DayMark> = marks
                .into_iter()
                .map(|(o, done)| (d(o), if done { DayMark::Done } else { DayMark::Skipped }))
                .collect();
            for schedule in [Schedule::Daily, Schedule::TimesPerWeek { times }, Schedule::EveryNDays { days: u16::from(times) }] {
                for (_, s) in strength_series(&schedule, d(0), &marks, d(119)) {
                    prop_assert!((0.0..=1.0).contains(&s));
                }
            }
        }
    }
}
