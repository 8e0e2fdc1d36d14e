//! What the person sets for reminders: the daily check-in reminder (with adaptive timing), an
//! optional micro-session reminder, quiet hours and the default snooze. Stored inside the
//! synced settings record (`safety::Settings::reminders`), so every device plans the same
//! reminders; absent in older records, where [`ReminderSettings::default`] applies.

use chrono::{NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, InputProblem, Result};

/// Shortest and longest snooze, in minutes.
pub const SNOOZE_MINUTES: (u32, u32) = (1, 240);

/// The daily mood check-in reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInReminder {
    /// Whether it is on (off until the person turns it on: reminders are opt-in).
    #[serde(default)]
    pub enabled: bool,
    /// The local time the person chose.
    pub time: NaiveTime,
    /// Days to remind on; empty means every day.
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
    /// Whether the time may move part-way toward when the person usually checks in.
    #[serde(default = "yes")]
    pub adaptive: bool,
}

/// A reminder for a short guided micro-session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionReminder {
    /// The local time.
    pub time: NaiveTime,
    /// Days to remind on; empty means every day.
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
}

/// A daily window without reminders, `[start, end)` in local wall-clock time; it crosses
/// midnight when `end` is earlier than `start` (22:30–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// When the quiet starts.
    pub start: NaiveTime,
    /// When reminders may fire again.
    pub end: NaiveTime,
}

/// All reminder preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSettings {
    /// The daily check-in reminder.
    #[serde(default)]
    pub check_in: CheckInReminder,
    /// The micro-session reminder, if the person wants one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionReminder>,
    /// Quiet hours, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHours>,
    /// What a snooze without a length means, in minutes.
    #[serde(default = "default_snooze")]
    pub snooze_minutes: u32,
}

fn yes() -> bool {
    true
}

fn default_snooze() -> u32 {
    10
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

impl Default for CheckInReminder {
    fn default() -> Self {
        Self {
            enabled: false,
            time: hm(20, 0),
            weekdays: Vec::new(),
            adaptive: true,
        }
    }
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self {
            check_in: CheckInReminder::default(),
            session: None,
            quiet_hours: None,
            snooze_minutes: default_snooze(),
        }
    }
}

impl ReminderSettings {
    /// Whether these are the defaults (then the settings record leaves them out, so records
    /// written before reminders existed keep their exact shape).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The settings checked (snooze length, a quiet window of non-zero length) with times cut
    /// to whole minutes and weekdays deduplicated.
    pub fn validated(mut self) -> Result<Self> {
        let (min, max) = SNOOZE_MINUTES;
        if !(min..=max).contains(&self.snooze_minutes) {
            return Err(CoreError::invalid(
                "snooze minutes",
                InputProblem::OutOfRange {
                    min: i64::from(min),
                    max: i64::from(max),
                },
            ));
        }
        if let Some(q) = &mut self.quiet_hours {
            q.start = whole_minute(q.start);
            q.end = whole_minute(q.end);
            if q.start == q.end {
                return Err(CoreError::invalid(
                    "quiet hours",
                    InputProblem::Rule("must start and end at different times"),
                ));
            }
        }
        self.check_in.time = whole_minute(self.check_in.time);
        dedup(&mut self.check_in.weekdays);
        if let Some(s) = &mut self.session {
            s.time = whole_minute(s.time);
            dedup(&mut s.weekdays);
        }
        Ok(self)
    }
}

impl QuietHours {
    /// Whether `time` lies in the quiet window.
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

/// Whether a reminder with `weekdays` (empty: every day) is on for `day`.
pub(crate) fn on_weekday(weekdays: &[Weekday], day: Weekday) -> bool {
    weekdays.is_empty() || weekdays.contains(&day)
}

/// `time` without seconds.
pub(crate) fn whole_minute(time: NaiveTime) -> NaiveTime {
    hm(time.hour(), time.minute())
}

fn dedup(days: &mut Vec<Weekday>) {
    let mut seen = Vec::with_capacity(days.len());
    days.retain(|d| {
        let new = !seen.contains(d);
        seen.push(*d);
        new
    });
    crate::sort::sort_by_key(days, |d| d.num_days_from_monday());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    #[test]
    fn quiet_hours_may_cross_midnight() {
        let night = QuietHours {
            start: t("22:30"),
            end: t("07:00"),
        };
        assert!(night.contains(t("23:00")) && night.contains(t("00:00")));
        assert!(night.contains(t("06:59")) && night.contains(t("22:30")));
        assert!(!night.contains(t("07:00")) && !night.contains(t("22:29")));
        let lunch = QuietHours {
            start: t("12:00"),
            end: t("13:00"),
        };
        assert!(lunch.contains(t("12:30")) && !lunch.contains(t("13:00")));
        assert!(!lunch.contains(t("23:00")));
    }

    #[test]
    fn validation_rejects_bad_values_and_normalises() {
        let mut s = ReminderSettings {
            snooze_minutes: 0,
            ..ReminderSettings::default()
        };
        assert!(matches!(
            s.clone().validated(),
            Err(CoreError::InvalidInput(_))
        ));
        s.snooze_minutes = 15;
        s.quiet_hours = Some(QuietHours {
            start: t("22:00"),
            end: t("22:00"),
        });
        assert!(s.clone().validated().is_err());
        s.quiet_hours = None;
        s.check_in.time = NaiveTime::from_hms_opt(21, 5, 42).unwrap();
        s.check_in.weekdays = vec![Weekday::Fri, Weekday::Mon, Weekday::Fri];
        let v = s.validated().unwrap();
        assert_eq!(v.check_in.time, t("21:05"));
        assert_eq!(v.check_in.weekdays, [Weekday::Mon, Weekday::Fri]);
    }

    #[test]
    fn older_records_without_reminders_read_as_defaults() {
        let s: ReminderSettings = serde_json::from_str("{}").unwrap();
        assert!(s.is_default());
        assert!(!s.check_in.enabled && s.check_in.adaptive);
        let s: ReminderSettings =
            serde_json::from_str(r#"{"check_in":{"time":"21:00:00"}}"#).unwrap();
        assert_eq!(s.check_in.time, t("21:00"));
        assert_eq!(s.snooze_minutes, 10);
    }
}
