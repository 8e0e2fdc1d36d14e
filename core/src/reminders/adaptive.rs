//! Adaptive timing: moves the check-in reminder part-way toward when the person actually
//! checks in, and says why ("usually around 21:10").
//!
//! The typical time is robust and works around midnight: minutes of the day are points on a
//! circle; the circular median (the sample with the least total circular distance to the
//! others) is found first, check-ins more than three hours from it are ignored as outliers,
//! and the typical time is the median moved by the mean offset of the rest. At least
//! [`MIN_CHECK_INS`] such check-ins are needed. The reminder moves from the person's own time
//! by half the way, up to 80% with 20 or more check-ins, rounded to 5 minutes, and never into
//! quiet hours (it stops short, at the last 5-minute step outside them).

use chrono::{NaiveTime, Timelike};
use serde::Serialize;

use super::model::QuietHours;

/// How far back check-ins count, in days.
pub const WINDOW_DAYS: i64 = 28;
/// Fewest check-ins (after outliers are dropped) before the time moves.
pub const MIN_CHECK_INS: usize = 5;
/// A check-in further than this from the median (minutes) is an outlier.
const OUTLIER_MINUTES: i32 = 180;
const DAY: i32 = 24 * 60;

/// How the check-in reminder was adapted, for the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adaptation {
    /// When the person usually checks in (rounded to 5 minutes).
    pub typical: NaiveTime,
    /// The reminder time used instead of the one set.
    pub adjusted: NaiveTime,
    /// How many recent check-ins the typical time rests on.
    pub check_ins: u32,
    /// "usually around 21:10".
    pub explanation: String,
}

fn minutes(t: NaiveTime) -> i32 {
    (t.hour() * 60 + t.minute()) as i32
}

fn time(m: i32) -> NaiveTime {
    let m = m.rem_euclid(DAY) as u32;
    NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap_or(NaiveTime::MIN)
}

/// The signed shortest way round the clock from `from` to `to`, in `[-720, 720)`.
fn offset(from: i32, to: i32) -> i32 {
    (to - from + DAY / 2).rem_euclid(DAY) - DAY / 2
}

fn round5(m: i32) -> i32 {
    ((m as f64 / 5.0).round() as i32 * 5).rem_euclid(DAY)
}

/// The typical local time of `times` and how many check-ins it rests on, or `None` with
/// fewer than [`MIN_CHECK_INS`] after outliers are dropped.
pub fn typical_time(times: &[NaiveTime]) -> Option<(NaiveTime, usize)> {
    let points: Vec<i32> = times.iter().map(|t| minutes(*t)).collect();
    let median = points.iter().copied().min_by_key(|c| {
        let total: i64 = points.iter().map(|p| i64::from(offset(*c, *p).abs())).sum();
        (total, *c)
    })?;
    let offsets: Vec<i32> = points
        .iter()
        .map(|p| offset(median, *p))
        .filter(|o| o.abs() <= OUTLIER_MINUTES)
        .collect();
    if offsets.len() < MIN_CHECK_INS {
        return None;
    }
    let mean = offsets.iter().map(|o| f64::from(*o)).sum::<f64>() / offsets.len() as f64;
    Some((time(median + mean.round() as i32), offsets.len()))
}

/// The check-in reminder time for a person who set `base` and checked in at `times` (local
/// wall-clock times of the last [`WINDOW_DAYS`] days), or `None` when there is too little
/// to go on.
pub fn adapt(
    base: NaiveTime,
    times: &[NaiveTime],
    quiet: Option<&QuietHours>,
) -> Option<Adaptation> {
    let (typical, n) = typical_time(times)?;
    let typical = time(round5(minutes(typical)));
    let base_m = minutes(base);
    let extra = (n.saturating_sub(MIN_CHECK_INS)).min(15) as f64 / 15.0;
    let weight = 0.5 + 0.3 * extra;
    let delta = offset(base_m, minutes(typical));
    let mut moved = round5(base_m + (weight * f64::from(delta)).round() as i32);
    // Stop short of quiet hours: walk back toward the person's own time in 5-minute steps.
    if let Some(q) = quiet {
        let step = if delta > 0 { -5 } else { 5 };
        while q.contains(time(moved)) && offset(base_m, moved) != 0 {
            if offset(base_m, moved).abs() <= 5 {
                moved = base_m;
                break;
            }
            moved = (moved + step).rem_euclid(DAY);
        }
    }
    Some(Adaptation {
        typical,
        adjusted: time(moved),
        check_ins: n as u32,
        explanation: format!("usually around {}", typical.format("%H:%M")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn ts(list: &[&str]) -> Vec<NaiveTime> {
        list.iter().map(|s| t(s)).collect()
    }

    #[test]
    fn needs_five_check_ins() {
        assert_eq!(typical_time(&[]), None);
        assert_eq!(
            typical_time(&ts(&["21:00", "21:10", "21:20", "21:05"])),
            None
        );
        let (typ, n) = typical_time(&ts(&["21:00", "21:10", "21:20", "21:05", "21:15"])).unwrap();
        assert_eq!((typ, n), (t("21:10"), 5));
    }

    #[test]
    fn outliers_are_ignored_and_midnight_is_no_edge() {
        let times = ts(&[
            "23:50", "00:10", "23:55", "00:05", "00:00", "12:00", "07:30",
        ]);
        let (typ, n) = typical_time(&times).unwrap();
        assert_eq!(
            (typ, n),
            (t("00:00"), 5),
            "the arithmetic mean would say ~11:00"
        );
        // Five around 21:10 and two far-off mornings: the mornings do not count.
        let times = ts(&[
            "21:05", "21:15", "21:10", "21:00", "21:20", "08:00", "08:30",
        ]);
        let a = adapt(t("20:00"), &times, None).unwrap();
        assert_eq!(a.typical, t("21:10"));
        assert_eq!(a.explanation, "usually around 21:10");
        assert_eq!(a.adjusted, t("20:35"), "half way with five check-ins");
        assert_eq!(a.check_ins, 5);
    }

    #[test]
    fn more_evidence_moves_further_and_the_way_round_midnight_is_short() {
        let many: Vec<NaiveTime> = (0..20)
            .map(|i| t(if i % 2 == 0 { "21:05" } else { "21:15" }))
            .collect();
        let a = adapt(t("20:00"), &many, None).unwrap();
        assert_eq!(
            a.adjusted,
            t("20:55"),
            "80% of 70 minutes is 56, rounded to 5"
        );
        let late = ts(&["00:30", "00:30", "00:30", "00:30", "00:30"]);
        let a = adapt(t("23:30"), &late, None).unwrap();
        assert_eq!(
            a.adjusted,
            t("00:00"),
            "forward over midnight, not back through the day"
        );
    }

    #[test]
    fn never_moves_into_quiet_hours() {
        let quiet = QuietHours {
            start: t("22:30"),
            end: t("07:00"),
        };
        let late = ts(&["23:40", "23:45", "23:50", "23:40", "23:45"]).repeat(2);
        let a = adapt(t("21:00"), &late, Some(&quiet)).unwrap();
        assert_eq!(a.typical, t("23:45"));
        assert_eq!(
            a.adjusted,
            t("22:25"),
            "stops at the last step before quiet hours"
        );
        assert!(!quiet.contains(a.adjusted));
    }
}
