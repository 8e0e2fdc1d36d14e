//! The planner: given the settings, the habits, what was already done, the snoozes and `now`
//! in any [`TimeZone`], the next reminders in order. Pure: no store, no clock.
//!
//! Rules, per local day (in the zone of `now`):
//! - the check-in reminder fires on its weekdays at its time (adapted, see
//!   [`super::adaptive`]), unless the person already checked in that day;
//! - a habit reminder fires on its weekdays on days the habit is scheduled and not yet done
//!   or skipped; archived habits and days before a habit's start have none;
//! - the session reminder fires unless a session was finished that day;
//! - a time inside quiet hours moves to their end when that is later the same day (06:30 →
//!   07:00) and is dropped when the quiet lasts past midnight (23:00 with quiet hours
//!   22:00–07:00): a reminder never fires on another day than its own;
//! - daylight-saving gaps and overlaps follow [`super::zone`]; a time-zone move keeps the
//!   wall-clock times, because the platform plans again with the new zone;
//! - a snoozed reminder fires at its snooze time instead (even if its own time has passed).
//!
//! The planner keeps no record of what already fired (iOS never tells an app that a
//! notification was shown), so after a move west, where part of a day repeats on the new
//! clock, a reminder of that day whose wall-clock time comes round again fires again (with
//! the same id, so it replaces the first notification).
//!
//! Each reminder has a stable id (kind, source, day and the time that was set), so a platform
//! replaces or cancels exactly the notification it scheduled for it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use super::adaptive::{self, Adaptation};
use super::model::{on_weekday, ReminderSettings};
use super::snooze::Snooze;
use super::zone;
use crate::habits::Habit;
use crate::record::RecordId;

/// Most reminders one plan returns (iOS keeps at most 64 pending notifications per app).
pub const MAX_COUNT: usize = 64;
/// How many days ahead a plan looks.
pub const HORIZON_DAYS: i64 = 62;

/// What a reminder is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReminderKind {
    /// The daily mood check-in.
    CheckIn,
    /// A habit (its name is for the app's own screens; notification texts follow the
    /// discreet setting).
    Habit {
        /// The habit's record id.
        habit_id: RecordId,
        /// The habit's name.
        name: String,
    },
    /// A micro-session.
    Session,
}

/// One reminder for the platform to schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedReminder {
    /// Stable id: kind, source, local day and the time that was set
    /// (`checkin:-:2026-11-27T20:00`, `habit:<habit id>:2026-11-27T19:00`).
    pub id: String,
    /// What it is for.
    pub kind: ReminderKind,
    /// When to fire: the instant, with the zone's UTC offset at that instant.
    pub fire_at: DateTime<FixedOffset>,
    /// The local day it belongs to.
    pub local_date: NaiveDate,
    /// The wall-clock time it fires at.
    pub local_time: NaiveTime,
    /// Whether it fires at a snooze time.
    pub snoozed: bool,
    /// Notification title (neutral when notifications are discreet).
    pub title: String,
    /// Notification body (neutral when notifications are discreet).
    pub body: String,
}

/// Everything the planner looks at, gathered by the caller.
#[derive(Debug, Clone, Copy)]
pub struct PlanInputs<'a> {
    /// The person's reminder settings.
    pub settings: &'a ReminderSettings,
    /// Habits (archived ones are ignored).
    pub habits: &'a [Habit],
    /// Days each habit was marked done or skipped.
    pub habit_days: &'a BTreeMap<RecordId, BTreeSet<NaiveDate>>,
    /// When check-ins were logged (each with its own offset: the wall clock the person saw).
    pub check_ins: &'a [DateTime<FixedOffset>],
    /// When micro-sessions were finished.
    pub sessions_finished: &'a [DateTime<FixedOffset>],
    /// Active snoozes.
    pub snoozes: &'a [Snooze],
    /// Whether notification texts must stay neutral.
    pub discreet: bool,
}

/// The texts of a notification for `kind`.
pub fn texts(kind: &ReminderKind, discreet: bool) -> (String, String) {
    let (title, body) = match (kind, discreet) {
        (ReminderKind::CheckIn, true) => ("Time for your check-in", "Take a moment for yourself"),
        (ReminderKind::CheckIn, false) => ("Time for your check-in", "How are you feeling?"),
        (ReminderKind::Habit { .. }, true) => (
            "A small step is waiting",
            "Open Solace when you have a moment",
        ),
        (ReminderKind::Habit { name, .. }, false) => {
            return (name.clone(), "A small step is waiting".into());
        }
        (ReminderKind::Session, true) => (
            "A few minutes for yourself",
            "Open Solace when you have a moment",
        ),
        (ReminderKind::Session, false) => ("Time for a short session", "A few minutes of practice"),
    };
    (title.into(), body.into())
}

/// How the check-in reminder adapts at `now`, from check-ins of the last
/// [`adaptive::WINDOW_DAYS`] days (`None`: adaptive timing off or too few check-ins).
pub fn adaptation<Tz: TimeZone>(inputs: &PlanInputs<'_>, now: &DateTime<Tz>) -> Option<Adaptation> {
    let check_in = &inputs.settings.check_in;
    if !check_in.adaptive {
        return None;
    }
    let now = now.with_timezone(&Utc);
    let since = now - Duration::days(adaptive::WINDOW_DAYS);
    let times: Vec<NaiveTime> = inputs
        .check_ins
        .iter()
        .filter(|at| {
            let at = at.with_timezone(&Utc);
            since <= at && at <= now
        })
        .map(|at| at.time())
        .collect();
    adaptive::adapt(check_in.time, &times, inputs.settings.quiet_hours.as_ref())
}

/// One reminder before the quiet-hours rule, time zone and snoozes are applied.
struct Slot {
    kind: ReminderKind,
    source: String,
    set_time: NaiveTime,
    time: NaiveTime,
}

/// The next `count` reminders after `now` (at most [`MAX_COUNT`]), by fire time then id,
/// unique by id.
pub fn plan<Tz: TimeZone>(
    inputs: &PlanInputs<'_>,
    now: &DateTime<Tz>,
    count: usize,
) -> Vec<PlannedReminder> {
    let mut list = occurrences(inputs, now, now.with_timezone(&Utc));
    list.truncate(count.min(MAX_COUNT));
    list
}

/// The reminder `id` if it fires after `now` or fired in the day before (the one a person
/// snoozes from its notification).
pub fn find_recent<Tz: TimeZone>(
    inputs: &PlanInputs<'_>,
    now: &DateTime<Tz>,
    id: &str,
) -> Option<PlannedReminder> {
    let since = now.with_timezone(&Utc) - Duration::days(1);
    occurrences(inputs, now, since)
        .into_iter()
        .find(|r| r.id == id)
}

/// Every reminder of the horizon that fires after `after`, sorted.
fn occurrences<Tz: TimeZone>(
    inputs: &PlanInputs<'_>,
    now: &DateTime<Tz>,
    after: DateTime<Utc>,
) -> Vec<PlannedReminder> {
    let zone = now.timezone();
    let today = now.date_naive();
    let local_days = |list: &[DateTime<FixedOffset>]| -> BTreeSet<NaiveDate> {
        crate::sort::set_from(list.iter().map(|at| at.with_timezone(&zone).date_naive()))
    };
    let checked_in = local_days(inputs.check_ins);
    let sessions = local_days(inputs.sessions_finished);
    let check_in_time = adaptation(inputs, now)
        .map(|a| a.adjusted)
        .unwrap_or(inputs.settings.check_in.time);
    let snoozes: BTreeMap<&str, DateTime<Utc>> =
        crate::sort::map_from(inputs.snoozes.iter().map(|s| (s.id.as_str(), s.until)));

    let mut out: BTreeMap<String, PlannedReminder> = BTreeMap::new();
    // From yesterday: a reminder of yesterday may have been snoozed past midnight.
    for offset in -1..=HORIZON_DAYS {
        let Some(date) = today.checked_add_signed(Duration::days(offset)) else {
            continue;
        };
        for slot in slots(inputs, date, check_in_time, &checked_in, &sessions) {
            let id = format!(
                "{}:{}:{}T{}",
                kind_tag(&slot.kind),
                slot.source,
                date,
                slot.set_time.format("%H:%M")
            );
            let fire_at = match snoozes.get(id.as_str()) {
                Some(until) => Some((until.with_timezone(&zone), true)),
                None => place(inputs.settings, &zone, date, slot.time).map(|at| (at, false)),
            };
            let Some((fire_at, snoozed)) = fire_at else {
                continue;
            };
            if fire_at.with_timezone(&Utc) <= after {
                continue;
            }
            let (title, body) = texts(&slot.kind, inputs.discreet);
            out.entry(id.clone()).or_insert(PlannedReminder {
                id,
                kind: slot.kind,
                local_time: fire_at.time(),
                fire_at: fire_at.fixed_offset(),
                local_date: date,
                snoozed,
                title,
                body,
            });
        }
    }
    let mut list: Vec<PlannedReminder> = out.into_values().collect();
    crate::sort::sort_by(&mut list, |a, b| {
        a.fire_at.cmp(&b.fire_at).then_with(|| a.id.cmp(&b.id))
    });
    list
}

fn kind_tag(kind: &ReminderKind) -> &'static str {
    match kind {
        ReminderKind::CheckIn => "checkin",
        ReminderKind::Habit { .. } => "habit",
        ReminderKind::Session => "session",
    }
}

/// The reminders due on `date` before quiet hours and the zone are applied.
fn slots(
    inputs: &PlanInputs<'_>,
    date: NaiveDate,
    check_in_time: NaiveTime,
    checked_in: &BTreeSet<NaiveDate>,
    sessions: &BTreeSet<NaiveDate>,
) -> Vec<Slot> {
    let weekday = date.weekday();
    let mut slots = Vec::new();
    let check_in = &inputs.settings.check_in;
    if check_in.enabled && on_weekday(&check_in.weekdays, weekday) && !checked_in.contains(&date) {
        slots.push(Slot {
            kind: ReminderKind::CheckIn,
            source: "-".into(),
            set_time: check_in.time,
            time: check_in_time,
        });
    }
    if let Some(session) = &inputs.settings.session {
        if on_weekday(&session.weekdays, weekday) && !sessions.contains(&date) {
            slots.push(Slot {
                kind: ReminderKind::Session,
                source: "-".into(),
                set_time: session.time,
                time: session.time,
            });
        }
    }
    for habit in inputs.habits.iter().filter(|h| !h.archived) {
        let done = inputs
            .habit_days
            .get(&habit.id)
            .is_some_and(|days| days.contains(&date));
        if done || !habit.draft.schedule.is_scheduled_day(habit.start, date) {
            continue;
        }
        for reminder in &habit.draft.reminders {
            if on_weekday(&reminder.weekdays, weekday) {
                let time = super::model::whole_minute(reminder.time);
                slots.push(Slot {
                    kind: ReminderKind::Habit {
                        habit_id: habit.id,
                        name: habit.draft.name.clone(),
                    },
                    source: habit.id.to_string(),
                    set_time: time,
                    time,
                });
            }
        }
    }
    slots
}

/// The instant a reminder set for `time` on `date` fires, after quiet hours (moved to their
/// end the same day, or dropped) and daylight-saving changes.
fn place<Tz: TimeZone>(
    settings: &ReminderSettings,
    zone: &Tz,
    date: NaiveDate,
    time: NaiveTime,
) -> Option<DateTime<Tz>> {
    let mut time = time;
    // Twice: a gap can push a time into quiet hours (never more than once in practice).
    for _ in 0..2 {
        if let Some(q) = &settings.quiet_hours {
            if q.contains(time) {
                if q.end <= time {
                    return None;
                }
                time = q.end;
            }
        }
        let at = zone::at(zone, date, time)?;
        let quiet = settings.quiet_hours.as_ref();
        if at.date_naive() == date && quiet.is_none_or(|q| !q.contains(at.time())) {
            return Some(at);
        }
        if at.date_naive() != date {
            return None;
        }
        time = at.time();
    }
    None
}
