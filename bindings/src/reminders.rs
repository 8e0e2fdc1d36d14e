//! Reminders (thin wrappers over [`solace_core::reminders`]): settings, the next reminders to
//! schedule with the adaptive explanation, and snooze.
//!
//! Time zone: the app passes its zone's rules ([`TimeZoneRules`], one line over
//! `ZoneId.systemDefault().rules` or `TimeZone.current`), so plans follow daylight-saving
//! changes; without one the fixed UTC offset of `now` is used. The apps plan again when the
//! zone or clock changes, after boot, after a sync or check-in, and when a reminder fires.

use std::sync::Arc;

use chrono::Local;
use solace_core::reminders as core;
use solace_core::RecordId;

use crate::common::{IsoDate, TimeOfDay, Timestamp, Weekday};
use crate::error::Result;
use crate::Solace;

pub use core::{
    Adaptation, CheckInReminder, PlannedReminder, QuietHours, ReminderKind, ReminderPlan,
    ReminderSettings, SessionReminder,
};

/// The device's time-zone rules, implemented by the app (Kotlin: `ZoneId.systemDefault()
/// .rules.getOffset(Instant.ofEpochSecond(s)).totalSeconds`; Swift:
/// `TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: Double(s)))`).
#[uniffi::export(with_foreign)]
pub trait TimeZoneRules: Send + Sync {
    /// Seconds east of UTC in force at `unix_seconds`.
    fn offset_seconds_at(&self, unix_seconds: i64) -> i32;
}

/// Adapts the foreign rules to the core's [`core::OffsetRules`].
struct ForeignRules(Arc<dyn TimeZoneRules>);

impl core::OffsetRules for ForeignRules {
    fn offset_at(&self, unix_seconds: i64) -> i32 {
        self.0.offset_seconds_at(unix_seconds)
    }
}

/// The daily check-in reminder.
#[uniffi::remote(Record)]
pub struct CheckInReminder {
    /// Whether it is on (off by default).
    pub enabled: bool,
    /// The time the person chose, `HH:MM`.
    pub time: TimeOfDay,
    /// Days to remind on; empty means every day.
    pub weekdays: Vec<Weekday>,
    /// Whether the time moves part-way toward when the person usually checks in.
    pub adaptive: bool,
}

/// A micro-session reminder.
#[uniffi::remote(Record)]
pub struct SessionReminder {
    /// `HH:MM`.
    pub time: TimeOfDay,
    /// Days to remind on; empty means every day.
    pub weekdays: Vec<Weekday>,
}

/// A daily window without reminders; crosses midnight when `end` is before `start`.
#[uniffi::remote(Record)]
pub struct QuietHours {
    /// `HH:MM`.
    pub start: TimeOfDay,
    /// `HH:MM`.
    pub end: TimeOfDay,
}

/// All reminder preferences (synced with the person's other devices).
#[uniffi::remote(Record)]
pub struct ReminderSettings {
    /// The daily check-in reminder.
    pub check_in: CheckInReminder,
    /// The micro-session reminder, if any.
    pub session: Option<SessionReminder>,
    /// Quiet hours, if any.
    pub quiet_hours: Option<QuietHours>,
    /// Default snooze length, 1–240 minutes.
    pub snooze_minutes: u32,
}

/// How the check-in reminder adapts, for the settings screen.
#[uniffi::remote(Record)]
pub struct Adaptation {
    /// When the person usually checks in.
    pub typical: TimeOfDay,
    /// The reminder time used instead of the one set.
    pub adjusted: TimeOfDay,
    /// How many recent check-ins it rests on.
    pub check_ins: u32,
    /// "usually around 21:10".
    pub explanation: String,
}

/// What a reminder is for.
#[uniffi::remote(Enum)]
pub enum ReminderKind {
    /// The daily mood check-in.
    CheckIn,
    /// A habit (the name is for the app's screens; notification texts follow the discreet
    /// setting).
    Habit {
        /// The habit's id.
        habit_id: RecordId,
        /// The habit's name.
        name: String,
    },
    /// A micro-session.
    Session,
}

/// One reminder for the platform to schedule (replace by `id`).
#[uniffi::remote(Record)]
pub struct PlannedReminder {
    /// Stable id: kind, source, day and the time set.
    pub id: String,
    /// What it is for.
    pub kind: ReminderKind,
    /// When to fire (RFC 3339, with the zone's offset at that instant).
    pub fire_at: Timestamp,
    /// The local day it belongs to.
    pub local_date: IsoDate,
    /// The wall-clock time it fires at, `HH:MM`.
    pub local_time: TimeOfDay,
    /// Whether it fires at a snooze time.
    pub snoozed: bool,
    /// Notification title (neutral when notifications are discreet).
    pub title: String,
    /// Notification body (neutral when notifications are discreet).
    pub body: String,
}

/// The settings, the adaptation and the next reminders.
#[uniffi::remote(Record)]
pub struct ReminderPlan {
    /// The settings.
    pub settings: ReminderSettings,
    /// The adaptive explanation, when the time moved.
    pub adaptation: Option<Adaptation>,
    /// The next reminders, in order.
    pub reminders: Vec<PlannedReminder>,
}

/// Runs `f` with `now` in the zone of `rules` (or the fixed offset of `now`).
fn in_zone<T>(
    now: Option<String>,
    rules: Option<Arc<dyn TimeZoneRules>>,
    f: impl FnOnce(&chrono::DateTime<core::RulesZone>) -> Result<T>,
    fixed: impl FnOnce(&chrono::DateTime<chrono::FixedOffset>) -> Result<T>,
) -> Result<T> {
    let now = match now {
        Some(text) => crate::common::parse_timestamp(&text)?,
        None => Local::now().fixed_offset(),
    };
    match rules {
        Some(rules) => {
            let zone = core::RulesZone::new(Arc::new(ForeignRules(rules)));
            f(&now.with_timezone(&zone))
        }
        None => fixed(&now),
    }
}

#[uniffi::export]
impl Solace {
    /// The reminder settings (defaults when none were saved).
    pub fn reminder_settings(&self) -> Result<ReminderSettings> {
        self.inner.read(core::settings)
    }

    /// Checks and saves the reminder settings; returns them as saved.
    pub fn set_reminder_settings(&self, settings: ReminderSettings) -> Result<ReminderSettings> {
        self.inner.with(|s| core::set_settings(s, settings))
    }

    /// The settings, the adaptive explanation and the next `count` reminders (at most 64)
    /// after `now` (RFC 3339; the device's clock when null), in the zone of `zone`.
    #[uniffi::method(default(now = None, zone = None))]
    pub fn plan_reminders(
        &self,
        count: u32,
        now: Option<String>,
        zone: Option<Arc<dyn TimeZoneRules>>,
    ) -> Result<ReminderPlan> {
        let count = count as usize;
        in_zone(
            now,
            zone,
            |now| self.inner.read(|s| core::plan(s, now, count)),
            |now| self.inner.read(|s| core::plan(s, now, count)),
        )
    }

    /// Snoozes reminder `id` for `minutes` (the default length when null); returns it as it
    /// will now fire. Schedule it again under the same id.
    #[uniffi::method(default(minutes = None, now = None, zone = None))]
    pub fn snooze_reminder(
        &self,
        id: String,
        minutes: Option<u32>,
        now: Option<String>,
        zone: Option<Arc<dyn TimeZoneRules>>,
    ) -> Result<PlannedReminder> {
        in_zone(
            now,
            zone,
            |now| self.inner.with(|s| core::snooze(s, &id, minutes, now)),
            |now| self.inner.with(|s| core::snooze(s, &id, minutes, now)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{create_store, KdfPreset};

    /// A zone one hour east of UTC until 2026-03-29T01:00Z, two hours after (like Paris).
    struct Paris;

    impl TimeZoneRules for Paris {
        fn offset_seconds_at(&self, unix_seconds: i64) -> i32 {
            if unix_seconds < 1_774_746_000 {
                3600
            } else {
                7200
            }
        }
    }

    #[test]
    fn plans_follow_the_zone_rules_and_snoozes_keep() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_string_lossy().into_owned();
        let created = solace_core::app::block_on(async {
            Ok(create_store(
                path,
                "cobalt lantern tundra oyster".into(),
                Some(KdfPreset::Minimum),
            )
            .await)
        })
        .unwrap()
        .unwrap();
        let solace = created.solace;
        let mut settings = solace.reminder_settings().unwrap();
        assert!(!settings.check_in.enabled);
        settings.check_in.enabled = true;
        settings.check_in.time = chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap();
        solace.set_reminder_settings(settings).unwrap();
        // The evening before the change: today's at +01:00, tomorrow's at +02:00 (a fixed
        // offset would put tomorrow's an hour late).
        let now = Some("2026-03-28T12:00:00+01:00".to_owned());
        let zone: Arc<dyn TimeZoneRules> = Arc::new(Paris);
        let plan = solace
            .plan_reminders(2, now.clone(), Some(Arc::clone(&zone)))
            .unwrap();
        let fire: Vec<String> = plan
            .reminders
            .iter()
            .map(|r| r.fire_at.to_rfc3339())
            .collect();
        assert_eq!(
            fire,
            ["2026-03-28T21:00:00+01:00", "2026-03-29T21:00:00+02:00"]
        );
        let fixed = solace.plan_reminders(2, now, None).unwrap();
        assert_eq!(
            fixed.reminders[1].fire_at.to_rfc3339(),
            "2026-03-29T21:00:00+01:00"
        );
        let snoozed = solace
            .snooze_reminder(
                "checkin:-:2026-03-28T21:00".into(),
                Some(20),
                Some("2026-03-28T21:01:00+01:00".into()),
                Some(zone),
            )
            .unwrap();
        assert_eq!(snoozed.fire_at.to_rfc3339(), "2026-03-28T21:21:00+01:00");
        assert!(snoozed.snoozed);
    }
}
