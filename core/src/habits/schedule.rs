//! How often a habit is meant to be done, with a small human syntax for the terminal
//! ("daily", "3/week", "10/month", "mon,wed,fri", "every 3 days").

use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// A habit's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Schedule {
    /// Every day.
    Daily,
    /// A number of times in each ISO week, on any days.
    TimesPerWeek {
        /// 1–7.
        times: u8,
    },
    /// A number of times in each calendar month, on any days.
    TimesPerMonth {
        /// 1–31.
        times: u8,
    },
    /// On the listed weekdays.
    Weekdays {
        /// Non-empty.
        days: Vec<Weekday>,
    },
    /// Once in every window of `days` days, counted from the start date.
    EveryNDays {
        /// At least 1.
        days: u16,
    },
}

/// Why a schedule is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// Times per week outside 1–7.
    TimesPerWeekOutOfRange,
    /// Times per month outside 1–31.
    TimesPerMonthOutOfRange,
    /// Every-N-days with N = 0 or above a year.
    IntervalOutOfRange,
    /// A weekday schedule with no days.
    NoWeekdays,
    /// Text that is none of the accepted forms.
    Unrecognized,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScheduleError::TimesPerWeekOutOfRange => "times per week must be 1-7",
            ScheduleError::TimesPerMonthOutOfRange => "times per month must be 1-31",
            ScheduleError::IntervalOutOfRange => "every N days needs N between 1 and 366",
            ScheduleError::NoWeekdays => "a weekday schedule needs at least one day",
            ScheduleError::Unrecognized => {
                "schedule must look like: daily, 3/week, 10/month, mon,wed,fri, every 3 days"
            }
        })
    }
}

impl std::error::Error for ScheduleError {}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

fn unique_weekdays(days: &[Weekday]) -> Vec<Weekday> {
    let mut out: Vec<Weekday> = Vec::new();
    for d in days {
        if !out.contains(d) {
            out.push(*d);
        }
    }
    crate::sort::sort_by_key(&mut out, |d| d.num_days_from_monday());
    out
}

impl Schedule {
    /// Checks the counts are in range and the weekday list is not empty.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        match self {
            Schedule::Daily => Ok(()),
            Schedule::TimesPerWeek { times } if !(1..=7).contains(times) => {
                Err(ScheduleError::TimesPerWeekOutOfRange)
            }
            Schedule::TimesPerMonth { times } if !(1..=31).contains(times) => {
                Err(ScheduleError::TimesPerMonthOutOfRange)
            }
            Schedule::Weekdays { days } if days.is_empty() => Err(ScheduleError::NoWeekdays),
            Schedule::EveryNDays { days } if !(1..=366).contains(days) => {
                Err(ScheduleError::IntervalOutOfRange)
            }
            _ => Ok(()),
        }
    }

    /// Expected completions per day; drives how fast the strength score moves.
    pub fn frequency(&self) -> f64 {
        match self {
            Schedule::Daily => 1.0,
            Schedule::TimesPerWeek { times } => f64::from(*times) / 7.0,
            Schedule::TimesPerMonth { times } => f64::from(*times) / 30.0,
            Schedule::Weekdays { days } => unique_weekdays(days).len() as f64 / 7.0,
            Schedule::EveryNDays { days } => 1.0 / f64::from((*days).max(1)),
        }
    }

    /// `(times, window_days)`: how many completions are expected in a window of how many days.
    pub fn target(&self) -> (u32, u32) {
        match self {
            Schedule::Daily => (1, 1),
            Schedule::TimesPerWeek { times } => (u32::from(*times), 7),
            Schedule::TimesPerMonth { times } => (u32::from(*times), 30),
            Schedule::Weekdays { days } => (unique_weekdays(days).len().max(1) as u32, 7),
            Schedule::EveryNDays { days } => (1, u32::from((*days).max(1))),
        }
    }

    /// Whether `day` is one the habit is due on (flexible schedules: every day counts).
    pub fn is_scheduled_day(&self, start: NaiveDate, day: NaiveDate) -> bool {
        if day < start {
            return false;
        }
        match self {
            Schedule::Daily | Schedule::TimesPerWeek { .. } | Schedule::TimesPerMonth { .. } => {
                true
            }
            Schedule::Weekdays { days } => days.contains(&day.weekday()),
            Schedule::EveryNDays { days } => {
                (day - start).num_days() % i64::from((*days).max(1)) == 0
            }
        }
    }

    /// Parses the human syntax printed by `Display`.
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let s = text.trim().to_ascii_lowercase();
        let schedule = if s == "daily" || s == "every day" {
            Schedule::Daily
        } else if let Some(n) = s.strip_suffix("/week") {
            Schedule::TimesPerWeek {
                times: n.trim().parse().map_err(|_| ScheduleError::Unrecognized)?,
            }
        } else if let Some(n) = s.strip_suffix("/month") {
            Schedule::TimesPerMonth {
                times: n.trim().parse().map_err(|_| ScheduleError::Unrecognized)?,
            }
        } else if let Some(rest) = s.strip_prefix("every") {
            let rest = rest.trim_start_matches([' ', '-']);
            let n = rest
                .strip_suffix("days")
                .or_else(|| rest.strip_suffix("day"))
                .ok_or(ScheduleError::Unrecognized)?
                .trim_end_matches([' ', '-']);
            Schedule::EveryNDays {
                days: n.trim().parse().map_err(|_| ScheduleError::Unrecognized)?,
            }
        } else {
            let mut days = Vec::new();
            for part in s.split(',') {
                let part = part.trim();
                let day = [
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                    Weekday::Sat,
                    Weekday::Sun,
                ]
                .into_iter()
                .find(|d| weekday_name(*d) == part)
                .ok_or(ScheduleError::Unrecognized)?;
                days.push(day);
            }
            Schedule::Weekdays {
                days: unique_weekdays(&days),
            }
        };
        schedule.validate()?;
        Ok(schedule)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Daily => f.write_str("daily"),
            Schedule::TimesPerWeek { times } => write!(f, "{times}/week"),
            Schedule::TimesPerMonth { times } => write!(f, "{times}/month"),
            Schedule::Weekdays { days } => {
                let names: Vec<&str> = unique_weekdays(days)
                    .into_iter()
                    .map(weekday_name)
                    .collect();
                f.write_str(&names.join(","))
            }
            Schedule::EveryNDays { days } => write!(f, "every {days} days"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(Schedule::parse("Daily").unwrap(), Schedule::Daily);
        assert_eq!(
            Schedule::parse("3/week").unwrap(),
            Schedule::TimesPerWeek { times: 3 }
        );
        assert_eq!(
            Schedule::parse("10/month").unwrap(),
            Schedule::TimesPerMonth { times: 10 }
        );
        assert_eq!(
            Schedule::parse("FRI, mon,wed").unwrap(),
            Schedule::Weekdays {
                days: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri]
            }
        );
        assert_eq!(
            Schedule::parse("every 3 days").unwrap(),
            Schedule::EveryNDays { days: 3 }
        );
        assert_eq!(
            Schedule::parse("every-2-days").unwrap(),
            Schedule::EveryNDays { days: 2 }
        );
        assert_eq!(
            Schedule::parse("8/week"),
            Err(ScheduleError::TimesPerWeekOutOfRange)
        );
        assert_eq!(
            Schedule::parse("every 0 days"),
            Err(ScheduleError::IntervalOutOfRange)
        );
        assert_eq!(
            Schedule::parse("sometimes"),
            Err(ScheduleError::Unrecognized)
        );
        assert_eq!(Schedule::parse(""), Err(ScheduleError::Unrecognized));
    }

    #[test]
    fn frequency_and_scheduled_days() {
        assert!((Schedule::TimesPerWeek { times: 3 }.frequency() - 3.0 / 7.0).abs() < 1e-12);
        assert!((Schedule::EveryNDays { days: 4 }.frequency() - 0.25).abs() < 1e-12);
        let start = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(); // a Monday
        let every3 = Schedule::EveryNDays { days: 3 };
        assert!(every3.is_scheduled_day(start, start));
        assert!(!every3.is_scheduled_day(start, start.succ_opt().unwrap()));
        assert!(every3.is_scheduled_day(start, NaiveDate::from_ymd_opt(2026, 11, 5).unwrap()));
        let mwf = Schedule::parse("mon,wed,fri").unwrap();
        assert!(mwf.is_scheduled_day(start, start));
        assert!(!mwf.is_scheduled_day(start, start.succ_opt().unwrap()));
        assert!(!Schedule::Daily.is_scheduled_day(start, start.pred_opt().unwrap()));
    }

    fn any_schedule() -> impl Strategy<Value = Schedule> {
        prop_oneof![
            Just(Schedule::Daily),
            (1u8..=7).prop_map(|times| Schedule::TimesPerWeek { times }),
            (1u8..=31).prop_map(|times| Schedule::TimesPerMonth { times }),
            (1u16..=366).prop_map(|days| Schedule::EveryNDays { days }),
            proptest::collection::vec(0u8..7, 1..7).prop_map(|ds| Schedule::Weekdays {
                days: unique_weekdays(
                    &ds.into_iter()
                        .map(|d| Weekday::try_from(d).unwrap_or(Weekday::Mon))
                        .collect::<Vec<_>>()
                ),
            }),
        ]
    }

    proptest! {
        #[test]
        fn display_parse_round_trips(s in any_schedule()) {
            prop_assert_eq!(Schedule::parse(&s.to_string()).unwrap(), s);
        }
    }
}
