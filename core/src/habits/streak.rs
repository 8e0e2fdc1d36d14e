//! Streaks: consecutive satisfied periods of a habit's schedule. Skips never break a streak
//! and never extend it; the period still in progress (today, this week, this month) never
//! breaks it either.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::schedule::Schedule;

/// A day's mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayMark {
    /// Done.
    Done,
    /// Deliberately skipped (illness, travel): neutral for streaks and strength.
    Skipped,
}

/// What a streak counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreakUnit {
    /// Scheduled days (or every-N-day windows).
    Days,
    /// ISO weeks that met the weekly target.
    Weeks,
    /// Calendar months that met the monthly target.
    Months,
}

/// Current and best streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streaks {
    /// The streak running up to today.
    pub current: u32,
    /// The longest streak ever.
    pub best: u32,
    /// What the numbers count.
    pub unit: StreakUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Met,
    Neutral,
    Missed,
}

struct Period {
    first: NaiveDate,
    last: NaiveDate,
    times: u32,
}

fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn next_month(first: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

fn periods(schedule: &Schedule, start: NaiveDate, today: NaiveDate) -> Vec<Period> {
    let mut out = Vec::new();
    match schedule {
        Schedule::Daily | Schedule::Weekdays { .. } => {
            let mut day = start;
            while day <= today {
                if schedule.is_scheduled_day(start, day) {
                    out.push(Period {
                        first: day,
                        last: day,
                        times: 1,
                    });
                }
                day += Duration::days(1);
            }
        }
        Schedule::EveryNDays { days } => {
            let n = i64::from((*days).max(1));
            let mut first = start;
            while first <= today {
                out.push(Period {
                    first,
                    last: first + Duration::days(n - 1),
                    times: 1,
                });
                first += Duration::days(n);
            }
        }
        Schedule::TimesPerWeek { times } => {
            let mut first =
                start - Duration::days(i64::from(start.weekday().num_days_from_monday()));
            while first <= today {
                out.push(Period {
                    first,
                    last: first + Duration::days(6),
                    times: u32::from(*times),
                });
                first += Duration::days(7);
            }
        }
        Schedule::TimesPerMonth { times } => {
            let mut first = month_start(start);
            while first <= today {
                let Some(next) = next_month(first) else { break };
                out.push(Period {
                    first,
                    last: next - Duration::days(1),
                    times: u32::from(*times),
                });
                first = next;
            }
        }
    }
    out
}

fn outcome(
    period: &Period,
    start: NaiveDate,
    today: NaiveDate,
    marks: &BTreeMap<NaiveDate, DayMark>,
) -> Outcome {
    let from = period.first.max(start);
    let to = period.last.min(today);
    let (mut done, mut skipped) = (0u32, 0u32);
    if from <= to {
        for mark in marks.range(from..=to).map(|(_, m)| m) {
            match mark {
                DayMark::Done => done += 1,
                DayMark::Skipped => skipped += 1,
            }
        }
    }
    if done >= period.times {
        Outcome::Met
    } else if done + skipped >= period.times || period.last >= today || period.first < start {
        // Excused by skips, still in progress, or a partial first period.
        Outcome::Neutral
    } else {
        Outcome::Missed
    }
}

/// Current and best streaks of a habit as of `today`; marks outside `[start, today]` are ignored.
pub fn streaks(
    schedule: &Schedule,
    start: NaiveDate,
    marks: &BTreeMap<NaiveDate, DayMark>,
    today: NaiveDate,
) -> Streaks {
    let unit = match schedule {
        Schedule::TimesPerWeek { .. } => StreakUnit::Weeks,
        Schedule::TimesPerMonth { .. } => StreakUnit::Months,
        _ => StreakUnit::Days,
    };
    let (mut run, mut best) = (0u32, 0u32);
    if start <= today {
        for period in periods(schedule, start, today) {
            match outcome(&period, start, today, marks) {
                Outcome::Met => {
                    run += 1;
                    best = best.max(run);
                }
                Outcome::Neutral => {}
                Outcome::Missed => run = 0,
            }
        }
    }
    Streaks {
        current: run,
        best,
        unit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    }

    fn marks(list: &[(u32, DayMark)]) -> BTreeMap<NaiveDate, DayMark> {
        list.iter().map(|(day, m)| (d(*day), *m)).collect()
    }

    use DayMark::{Done, Skipped};

    #[test]
    fn daily_skips_bridge_and_misses_break() {
        let m = marks(&[
            (1, Done),
            (2, Done),
            (3, Skipped),
            (4, Done),
            (6, Done),
            (7, Done),
        ]);
        let s = streaks(&Schedule::Daily, d(1), &m, d(7));
        assert_eq!((s.current, s.best, s.unit), (2, 3, StreakUnit::Days));
    }

    #[test]
    fn today_not_yet_done_does_not_break() {
        let m = marks(&[(1, Done), (2, Done), (3, Done)]);
        assert_eq!(streaks(&Schedule::Daily, d(1), &m, d(4)).current, 3);
        assert_eq!(streaks(&Schedule::Daily, d(1), &m, d(5)).current, 0);
        assert_eq!(streaks(&Schedule::Daily, d(1), &m, d(5)).best, 3);
    }

    #[test]
    fn weekdays_ignore_unscheduled_days() {
        // 2026-11-02 is a Monday; Mon/Wed/Fri schedule, done on each, nothing on Tue/Thu.
        let m = marks(&[(2, Done), (4, Done), (6, Done), (9, Done)]);
        let s = streaks(&Schedule::parse("mon,wed,fri").unwrap(), d(2), &m, d(10));
        assert_eq!(s.current, 4);
        let s = streaks(&Schedule::parse("mon,wed,fri").unwrap(), d(2), &m, d(12));
        assert_eq!((s.current, s.best), (0, 4));
    }

    #[test]
    fn weekly_targets_count_weeks() {
        let three = Schedule::TimesPerWeek { times: 3 };
        // Week of Nov 2: 3 done → met. Week of Nov 9: 2 done + 1 skip → neutral.
        // Week of Nov 16: 1 done, over → missed. Week of Nov 23: in progress.
        let m = marks(&[
            (2, Done),
            (3, Done),
            (5, Done),
            (9, Done),
            (10, Done),
            (11, Skipped),
            (17, Done),
            (23, Done),
            (24, Done),
            (25, Done),
        ]);
        let s = streaks(&three, d(2), &m, d(25));
        assert_eq!((s.current, s.best, s.unit), (1, 1, StreakUnit::Weeks));
        let s = streaks(&three, d(2), &m, d(15));
        assert_eq!(s.current, 1);
        let m2 = marks(&[
            (2, Done),
            (3, Done),
            (5, Done),
            (9, Done),
            (10, Done),
            (12, Done),
            (16, Done),
        ]);
        let s = streaks(&three, d(2), &m2, d(18));
        assert_eq!(s.current, 2, "the current week is in progress");
    }

    #[test]
    fn monthly_targets_and_partial_first_month() {
        let two = Schedule::TimesPerMonth { times: 2 };
        let start = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        let m: BTreeMap<_, _> = [
            (NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), Done),
            (NaiveDate::from_ymd_opt(2026, 10, 9).unwrap(), Done),
        ]
        .into_iter()
        .collect();
        let s = streaks(&two, start, &m, d(20));
        assert_eq!((s.current, s.best, s.unit), (1, 1, StreakUnit::Months));
    }

    #[test]
    fn every_n_days_accepts_a_late_check_within_the_window() {
        let every3 = Schedule::EveryNDays { days: 3 };
        // Windows: 1-3, 4-6, 7-9. Done on 2 (late), 4, 9.
        let m = marks(&[(2, Done), (4, Done), (9, Done)]);
        assert_eq!(streaks(&every3, d(1), &m, d(9)).current, 3);
        let m = marks(&[(2, Done), (9, Done)]);
        let s = streaks(&every3, d(1), &m, d(9));
        assert_eq!((s.current, s.best), (1, 1));
    }

    #[test]
    fn marks_outside_the_range_are_ignored() {
        let m = marks(&[(1, Done), (2, Done), (9, Done)]);
        let s = streaks(&Schedule::Daily, d(2), &m, d(2));
        assert_eq!((s.current, s.best), (1, 1));
        assert_eq!(streaks(&Schedule::Daily, d(5), &m, d(4)).best, 0);
    }
}
