//! Mood statistics computed on the device from decrypted check-ins: daily and weekly
//! averages, a least-squares trend, the weekday pattern and "year in pixels" calendar data.
//! Pure functions over [`MoodPoint`]s; a check-in belongs to its own local calendar day.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Weekday};
use serde::Serialize;

/// One observation: when (with the UTC offset it was recorded in) and the mood 1–10.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoodPoint {
    /// Local time of the check-in.
    pub at: DateTime<FixedOffset>,
    /// Mood 1–10.
    pub mood: u8,
}

/// Average mood of one local day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyAverage {
    /// The local date.
    pub date: NaiveDate,
    /// Mean of that day's check-ins.
    pub average: f64,
    /// How many check-ins.
    pub count: u32,
}

/// Average mood of one ISO week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyAverage {
    /// ISO week-numbering year.
    pub iso_year: i32,
    /// ISO week number.
    pub iso_week: u32,
    /// The Monday of that week.
    pub week_start: NaiveDate,
    /// Mean of all check-ins that week.
    pub average: f64,
    /// How many check-ins.
    pub count: u32,
}

/// Which way mood is heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    /// Rising by more than 0.05 points a day.
    Improving,
    /// Falling by more than 0.05 points a day.
    Worsening,
    /// Neither.
    Steady,
}

/// Least-squares slope of daily averages over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    /// Change in mood points per day.
    pub slope_per_day: f64,
    /// The slope, in words.
    pub direction: TrendDirection,
    /// Days with data that went into it.
    pub days: u32,
}

/// Average of daily averages for one weekday.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekdayAverage {
    /// The weekday.
    pub weekday: Weekday,
    /// Mean of that weekday's daily averages, if any.
    pub average: Option<f64>,
    /// Days that contributed.
    pub count: u32,
}

/// One cell of the year-in-pixels calendar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarDay {
    /// The date.
    pub date: NaiveDate,
    /// The day's average mood rounded to 1–10, or none if not logged.
    pub mood: Option<u8>,
}

/// Everything the mood screen shows for a window of days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoodSummary {
    /// Check-ins in the window.
    pub count: u32,
    /// Mean mood over all check-ins.
    pub average: Option<f64>,
    /// Lowest mood.
    pub min: Option<u8>,
    /// Highest mood.
    pub max: Option<u8>,
    /// Days with at least one check-in.
    pub days_logged: u32,
    /// Per-day averages.
    pub daily: Vec<DailyAverage>,
    /// Per-ISO-week averages.
    pub weekly: Vec<WeeklyAverage>,
    /// Trend over the window (needs 3 days with data).
    pub trend: Option<Trend>,
    /// Monday-to-Sunday pattern.
    pub weekdays: [WeekdayAverage; 7],
}

fn mean(sum: f64, count: u32) -> f64 {
    sum / f64::from(count.max(1))
}

/// Per-day averages, oldest first.
pub fn daily_averages(points: &[MoodPoint]) -> Vec<DailyAverage> {
    let mut days: BTreeMap<NaiveDate, (f64, u32)> = BTreeMap::new();
    for p in points {
        let slot = days.entry(p.at.date_naive()).or_default();
        slot.0 += f64::from(p.mood);
        slot.1 += 1;
    }
    days.into_iter()
        .map(|(date, (sum, count))| DailyAverage {
            date,
            average: mean(sum, count),
            count,
        })
        .collect()
}

/// Per-ISO-week averages over all check-ins, oldest first.
pub fn weekly_averages(points: &[MoodPoint]) -> Vec<WeeklyAverage> {
    let mut weeks: BTreeMap<(i32, u32), (NaiveDate, f64, u32)> = BTreeMap::new();
    for p in points {
        let date = p.at.date_naive();
        let week = date.iso_week();
        let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
        let slot = weeks
            .entry((week.year(), week.week()))
            .or_insert((monday, 0.0, 0));
        slot.1 += f64::from(p.mood);
        slot.2 += 1;
    }
    weeks
        .into_iter()
        .map(
            |((iso_year, iso_week), (week_start, sum, count))| WeeklyAverage {
                iso_year,
                iso_week,
                week_start,
                average: mean(sum, count),
                count,
            },
        )
        .collect()
}

/// Least-squares slope of daily averages over the `window_days` days ending `today`;
/// `None` with fewer than 3 days of data.
pub fn trend(points: &[MoodPoint], today: NaiveDate, window_days: u32) -> Option<Trend> {
    let first = today - Duration::days(i64::from(window_days) - 1);
    let days: Vec<(f64, f64)> = daily_averages(points)
        .into_iter()
        .filter(|d| d.date >= first && d.date <= today)
        .map(|d| ((d.date - first).num_days() as f64, d.average))
        .collect();
    if days.len() < 3 {
        return None;
    }
    let n = days.len() as f64;
    let mean_x = days.iter().map(|(x, _)| x).sum::<f64>() / n;
    let mean_y = days.iter().map(|(_, y)| y).sum::<f64>() / n;
    let sxy: f64 = days.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    let sxx: f64 = days.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let direction = if slope > 0.05 {
        TrendDirection::Improving
    } else if slope < -0.05 {
        TrendDirection::Worsening
    } else {
        TrendDirection::Steady
    };
    Some(Trend {
        slope_per_day: slope,
        direction,
        days: days.len() as u32,
    })
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Mean of daily averages per weekday (a busy day counts once, not once per check-in).
pub fn weekday_pattern(points: &[MoodPoint]) -> [WeekdayAverage; 7] {
    let mut sums = [(0.0f64, 0u32); 7];
    for day in daily_averages(points) {
        let slot = &mut sums[day.date.weekday().num_days_from_monday() as usize];
        slot.0 += day.average;
        slot.1 += 1;
    }
    WEEK.map(|weekday| {
        let (sum, count) = sums[weekday.num_days_from_monday() as usize];
        WeekdayAverage {
            weekday,
            average: (count > 0).then(|| mean(sum, count)),
            count,
        }
    })
}

/// One cell per day of `year`, with the rounded daily average where logged.
pub fn year_in_pixels(points: &[MoodPoint], year: i32) -> Vec<CalendarDay> {
    let daily: BTreeMap<NaiveDate, f64> = crate::sort::map_from(
        daily_averages(points)
            .into_iter()
            .map(|d| (d.date, d.average)),
    );
    let mut out = Vec::with_capacity(366);
    let Some(mut date) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return out;
    };
    while date.year() == year {
        out.push(CalendarDay {
            date,
            mood: daily
                .get(&date)
                .map(|avg| avg.round().clamp(1.0, 10.0) as u8),
        });
        date += Duration::days(1);
    }
    out
}

/// The full summary over the `days` days ending `today` (check-ins outside are ignored).
pub fn summarize(points: &[MoodPoint], today: NaiveDate, days: u32) -> MoodSummary {
    let days = days.max(1);
    let first = today - Duration::days(i64::from(days) - 1);
    let window: Vec<MoodPoint> = points
        .iter()
        .filter(|p| {
            let d = p.at.date_naive();
            d >= first && d <= today
        })
        .copied()
        .collect();
    let count = window.len() as u32;
    let sum: f64 = window.iter().map(|p| f64::from(p.mood)).sum();
    let daily = daily_averages(&window);
    MoodSummary {
        count,
        average: (count > 0).then(|| mean(sum, count)),
        min: window.iter().map(|p| p.mood).min(),
        max: window.iter().map(|p| p.mood).max(),
        days_logged: daily.len() as u32,
        weekly: weekly_averages(&window),
        trend: trend(&window, today, days),
        weekdays: weekday_pattern(&window),
        daily,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(ts: &str, mood: u8) -> MoodPoint {
        MoodPoint {
            at: DateTime::parse_from_rfc3339(ts).unwrap(),
            mood,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn daily_averages_use_the_local_date() {
        let points = [
            p("2026-11-03T23:30:00+02:00", 4), // 21:30 UTC, still the 3rd locally
            p("2026-11-03T08:00:00+02:00", 8),
            p("2026-11-04T00:30:00+02:00", 5), // 22:30 UTC on the 3rd, but the 4th locally
        ];
        let daily = daily_averages(&points);
        assert_eq!(daily.len(), 2);
        assert_eq!(
            (daily[0].date, daily[0].average, daily[0].count),
            (date(2026, 11, 3), 6.0, 2)
        );
        assert_eq!((daily[1].date, daily[1].average), (date(2026, 11, 4), 5.0));
    }

    #[test]
    fn weekly_grouping_crosses_the_year_boundary() {
        let points = [
            p("2026-12-31T12:00:00Z", 4),
            p("2027-01-03T12:00:00Z", 8),
            p("2027-01-04T12:00:00Z", 2),
        ];
        let weeks = weekly_averages(&points);
        assert_eq!(weeks.len(), 2);
        assert_eq!(
            (weeks[0].iso_year, weeks[0].iso_week, weeks[0].average),
            (2026, 53, 6.0)
        );
        assert_eq!(weeks[0].week_start, date(2026, 12, 28));
        assert_eq!((weeks[1].iso_year, weeks[1].iso_week), (2027, 1));
    }

    #[test]
    fn known_trend_slopes() {
        let up = [
            p("2026-11-01T12:00:00Z", 2),
            p("2026-11-02T12:00:00Z", 4),
            p("2026-11-03T12:00:00Z", 6),
        ];
        let t = trend(&up, date(2026, 11, 3), 7).unwrap();
        assert!((t.slope_per_day - 2.0).abs() < 1e-12);
        assert_eq!((t.direction, t.days), (TrendDirection::Improving, 3));
        let flat = [
            p("2026-11-01T12:00:00Z", 5),
            p("2026-11-02T12:00:00Z", 5),
            p("2026-11-05T12:00:00Z", 5),
        ];
        assert_eq!(
            trend(&flat, date(2026, 11, 5), 7).unwrap().direction,
            TrendDirection::Steady
        );
        assert!(trend(&up[..2], date(2026, 11, 3), 7).is_none());
        let down = [
            p("2026-11-01T12:00:00Z", 9),
            p("2026-11-03T12:00:00Z", 6),
            p("2026-11-05T12:00:00Z", 3),
        ];
        let t = trend(&down, date(2026, 11, 5), 7).unwrap();
        assert!((t.slope_per_day + 1.5).abs() < 1e-12);
        assert_eq!(t.direction, TrendDirection::Worsening);
    }

    #[test]
    fn weekday_pattern_weighs_days_not_check_ins() {
        // Two Mondays: one with five check-ins of 2, one with a single 8 → mean of days = 5.
        let mut points: Vec<MoodPoint> = (0..5)
            .map(|h| p(&format!("2026-11-02T1{h}:00:00Z"), 2))
            .collect();
        points.push(p("2026-11-09T12:00:00Z", 8));
        let pattern = weekday_pattern(&points);
        assert_eq!(pattern[0].weekday, Weekday::Mon);
        assert_eq!((pattern[0].average, pattern[0].count), (Some(5.0), 2));
        assert_eq!(pattern[1].average, None);
    }

    #[test]
    fn year_in_pixels_covers_the_year_and_rounds_half_up() {
        let points = [p("2026-03-01T09:00:00Z", 5), p("2026-03-01T19:00:00Z", 6)];
        let year = year_in_pixels(&points, 2026);
        assert_eq!(year.len(), 365);
        assert_eq!(year_in_pixels(&points, 2028).len(), 366);
        let march_first = year.iter().find(|c| c.date == date(2026, 3, 1)).unwrap();
        assert_eq!(march_first.mood, Some(6));
        assert_eq!(year.iter().filter(|c| c.mood.is_some()).count(), 1);
    }

    #[test]
    fn summary_restricts_to_the_window() {
        let points = [
            p("2026-10-01T12:00:00Z", 1),
            p("2026-11-02T12:00:00Z", 4),
            p("2026-11-03T12:00:00Z", 7),
        ];
        let s = summarize(&points, date(2026, 11, 3), 7);
        assert_eq!(
            (s.count, s.average, s.min, s.max, s.days_logged),
            (2, Some(5.5), Some(4), Some(7), 2)
        );
        assert!(s.trend.is_none());
        let empty = summarize(&[], date(2026, 11, 3), 30);
        assert_eq!((empty.count, empty.average), (0, None));
    }

    proptest! {
        #[test]
        fn averages_lie_within_their_inputs(moods in proptest::collection::vec((1u8..=10, 0i64..60, 0u32..24), 1..80)) {
            let points: Vec<MoodPoint> = moods.iter().map(|(m, day, hour)| {
                let at = DateTime::parse_from_rfc3339("2026-09-01T00:00:00+01:00").unwrap()
                    + Duration::days(*day) + Duration::hours(i64::from(*hour));
                MoodPoint { at, mood: *m }
            }).collect();
            let lo = f64::from(moods.iter().map(|m| m.0).min().unwrap());
            let hi = f64::from(moods.iter().map(|m| m.0).max().unwrap());
            for d in daily_averages(&points) { prop_assert!(d.average >= lo && d.average <= hi); }
            for w in weekly_averages(&points) { prop_assert!(w.average >= lo && w.average <= hi); }
            for w in weekday_pattern(&points) {
                if let Some(a) = w.average { prop_assert!(a >= lo - 1e-9 && a <= hi + 1e-9); }
            }
        }
    }
}
