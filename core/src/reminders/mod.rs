//! Reminders: the daily check-in, habit and micro-session reminders, planned on the device.
//!
//! The core decides *when* and *what* (pure modules on an injected clock and any
//! [`chrono::TimeZone`]); the platforms only schedule what [`plan`] returns (Android
//! `platform/ReminderScheduler.kt`, iOS `Platform/ReminderScheduler.swift`) and plan again
//! after a sync, a check-in, a reboot, a clock or time-zone change, and when a reminder fires.
//!
//! - [`model`]: the settings (stored in the synced settings record);
//! - [`plan`](mod@plan): the planner and its rules (quiet hours, skipped days, DST);
//! - [`adaptive`]: moving the check-in reminder toward when the person checks in;
//! - [`snooze`]: device-local snoozes;
//! - [`zone`]: local times to instants across daylight-saving changes.
//!
//! The functions here gather what the planner needs from the store: one read each, or one
//! write for a snooze or new settings.

pub mod adaptive;
pub mod model;
pub mod plan;
pub mod snooze;
pub mod zone;

#[cfg(test)]
mod plan_tests;
#[cfg(test)]
mod sim_tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::error::{CoreError, InputProblem, Result};
use crate::habits::{DayMark, Habit, HabitEvent};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

pub use adaptive::Adaptation;
pub use model::{CheckInReminder, QuietHours, ReminderSettings, SessionReminder};
pub use plan::{PlanInputs, PlannedReminder, ReminderKind};
pub use snooze::Snooze;
pub use zone::{OffsetRules, RulesZone};

/// What the reminder settings screen and `solace remind` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReminderPlan {
    /// The settings.
    pub settings: ReminderSettings,
    /// How the check-in reminder adapts right now, with its explanation (`None`: adaptive
    /// timing off or fewer than five recent check-ins).
    pub adaptation: Option<Adaptation>,
    /// The next reminders, in order.
    pub reminders: Vec<PlannedReminder>,
}

/// The reminder settings (defaults when none were saved).
pub fn settings(store: &Store) -> Result<ReminderSettings> {
    Ok(crate::safety::settings(store)?.reminders)
}

/// Checks and saves the reminder settings (the rest of the settings record is kept).
pub fn set_settings(store: &mut Store, reminders: ReminderSettings) -> Result<ReminderSettings> {
    let reminders = reminders.validated()?;
    let mut all = crate::safety::settings(store)?;
    all.reminders = reminders.clone();
    crate::safety::save_settings(store, &all)?;
    Ok(reminders)
}

/// Everything the planner reads, owned.
struct Gathered {
    settings: ReminderSettings,
    habits: Vec<Habit>,
    habit_days: BTreeMap<RecordId, BTreeSet<NaiveDate>>,
    check_ins: Vec<DateTime<FixedOffset>>,
    sessions_finished: Vec<DateTime<FixedOffset>>,
    snoozes: Vec<Snooze>,
    discreet: bool,
}

impl Gathered {
    fn read(store: &Store) -> Result<Self> {
        let habits = crate::habits::list(store, false)?;
        let events: Vec<HabitEvent> = store
            .list::<HabitEvent>(RecordKind::HabitEvent)?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        let habit_days = crate::sort::map_from(habits.iter().map(|h| {
            let marks =
                crate::habits::marks_from_events(events.iter().filter(|e| e.habit_id == h.id));
            let days = crate::sort::set_from(
                marks
                    .into_iter()
                    .filter(|(_, m)| matches!(m, DayMark::Done | DayMark::Skipped))
                    .map(|(d, _)| d),
            );
            (h.id, days)
        }));
        // A damaged snooze list costs at most the snoozes, never the reminders.
        let snoozes = match store.device_state(snooze::STATE_NAME)? {
            Some(bytes) => snooze::decode(&bytes).unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(Self {
            settings: settings(store)?,
            habits,
            habit_days,
            check_ins: crate::mood::list(store, None, None)?
                .into_iter()
                .map(|c| c.at)
                .collect(),
            sessions_finished: crate::sessions::list(store)?
                .into_iter()
                .filter_map(|s| s.finished_at)
                .collect(),
            snoozes,
            discreet: crate::messaging::local::discreet_notifications(store)?,
        })
    }

    fn inputs(&self) -> PlanInputs<'_> {
        PlanInputs {
            settings: &self.settings,
            habits: &self.habits,
            habit_days: &self.habit_days,
            check_ins: &self.check_ins,
            sessions_finished: &self.sessions_finished,
            snoozes: &self.snoozes,
            discreet: self.discreet,
        }
    }
}

/// The settings, the adaptation and the next `count` reminders (at most
/// [`plan::MAX_COUNT`]) after `now`, in the zone of `now`.
pub fn plan<Tz: TimeZone>(store: &Store, now: &DateTime<Tz>, count: usize) -> Result<ReminderPlan> {
    let gathered = Gathered::read(store)?;
    let inputs = gathered.inputs();
    Ok(ReminderPlan {
        adaptation: plan::adaptation(&inputs, now),
        reminders: plan::plan(&inputs, now, count),
        settings: gathered.settings.clone(),
    })
}

/// Snoozes reminder `id` (one still to come, or one that fired in the last day) for
/// `minutes` (the settings' default when `None`); returns it as it will now fire.
pub fn snooze<Tz: TimeZone>(
    store: &mut Store,
    id: &str,
    minutes: Option<u32>,
    now: &DateTime<Tz>,
) -> Result<PlannedReminder> {
    let gathered = Gathered::read(store)?;
    let minutes = minutes.unwrap_or(gathered.settings.snooze_minutes);
    let (min, max) = model::SNOOZE_MINUTES;
    if !(min..=max).contains(&minutes) {
        return Err(CoreError::invalid(
            "snooze minutes",
            InputProblem::OutOfRange {
                min: i64::from(min),
                max: i64::from(max),
            },
        ));
    }
    let inputs = gathered.inputs();
    let reminder = plan::find_recent(&inputs, now, id).ok_or(CoreError::NotFound("reminder"))?;
    let zone = now.timezone();
    let until = snooze::snoozed_until(
        &reminder.fire_at.with_timezone(&zone),
        now,
        minutes,
        gathered.settings.quiet_hours.as_ref(),
    );
    let snoozes = snooze::with_snooze(
        gathered.snoozes.clone(),
        Snooze {
            id: reminder.id.clone(),
            until: until.with_timezone(&Utc),
        },
        now.with_timezone(&Utc),
    );
    store.put_device_state(snooze::STATE_NAME, &snooze::encode(&snoozes)?)?;
    Ok(PlannedReminder {
        fire_at: until.fixed_offset(),
        local_time: until.time(),
        snoozed: true,
        ..reminder
    })
}
