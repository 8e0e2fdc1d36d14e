//! Habits: definitions, day events, streaks and strength (thin wrappers over
//! [`solace_core::habits`]).

use std::sync::Arc;

use solace_core::habits as core;

use solace_core::RecordId;

use crate::common::{date_or_today, now, parse_date, IsoDate, TimeOfDay, Timestamp, Weekday};
use crate::error::Result;
use crate::Inner;

pub use core::{
    DayMark, Habit, HabitAction, HabitDraft, HabitStats, IfThenPlan, Reminder, Schedule,
    StreakUnit, Streaks,
};

/// How often a habit is due.
#[uniffi::remote(Enum)]
pub enum Schedule {
    /// Every day.
    Daily,
    /// A number of times (1–7) in each ISO week, on any days.
    TimesPerWeek {
        /// 1–7.
        times: u8,
    },
    /// A number of times (1–31) in each calendar month.
    TimesPerMonth {
        /// 1–31.
        times: u8,
    },
    /// On the listed weekdays.
    Weekdays {
        /// Non-empty.
        days: Vec<Weekday>,
    },
    /// Once in every window of `days` days from the start date.
    EveryNDays {
        /// 1–366.
        days: u16,
    },
}

/// "If <cue>, then I will <action>".
#[uniffi::remote(Record)]
pub struct IfThenPlan {
    /// The situation that triggers the habit.
    pub cue: String,
    /// What the person will do.
    pub action: String,
}

/// When the platform should remind the person.
#[uniffi::remote(Record)]
pub struct Reminder {
    /// Local time of day, `HH:MM`.
    pub time: TimeOfDay,
    /// Days to remind on; empty means every scheduled day.
    pub weekdays: Vec<Weekday>,
}

/// A habit definition as the person writes it.
#[uniffi::remote(Record)]
pub struct HabitDraft {
    /// Short name, 1–100 characters.
    pub name: String,
    /// How often.
    pub schedule: Schedule,
    /// Optional if-then plan.
    #[uniffi(default = None)]
    pub plan: Option<IfThenPlan>,
    /// Reminder times.
    #[uniffi(default = [])]
    pub reminders: Vec<Reminder>,
}

/// A stored habit.
#[uniffi::remote(Record)]
pub struct Habit {
    /// The record id.
    pub id: RecordId,
    /// First day the habit counts from (`YYYY-MM-DD`).
    pub start: IsoDate,
    /// When it was created (RFC 3339).
    pub created_at: Timestamp,
    /// Archived habits are kept but not listed by default.
    pub archived: bool,
    /// The definition.
    pub draft: HabitDraft,
}

/// What happened on a day.
#[uniffi::remote(Enum)]
pub enum HabitAction {
    /// Done.
    Check,
    /// Deliberately skipped (does not break a streak).
    Skip,
    /// Clears the day's mark.
    Undo,
}

/// A day's mark.
#[uniffi::remote(Enum)]
pub enum DayMark {
    /// Done.
    Done,
    /// Skipped: neutral for streaks and strength.
    Skipped,
}

/// What a streak counts.
#[uniffi::remote(Enum)]
pub enum StreakUnit {
    /// Scheduled days (or every-N-day windows).
    Days,
    /// ISO weeks that met the weekly target.
    Weeks,
    /// Calendar months that met the monthly target.
    Months,
}

/// Current and best streak.
#[uniffi::remote(Record)]
pub struct Streaks {
    /// The streak running up to today.
    pub current: u32,
    /// The longest streak ever.
    pub best: u32,
    /// What the numbers count.
    pub unit: StreakUnit,
}

/// Everything the habit screen shows.
#[uniffi::remote(Record)]
pub struct HabitStats {
    /// The habit.
    pub habit: Habit,
    /// Current and best streaks.
    pub streaks: Streaks,
    /// Strength 0–1 (Loop-style exponential smoothing, frequency-aware).
    pub strength: f64,
    /// Days marked done in the last 30 days.
    pub done_last_30_days: u32,
    /// Today's mark, if any.
    pub today: Option<DayMark>,
}

/// Habits of one store (get it from [`crate::Solace::habits`]).
#[derive(uniffi::Object)]
pub struct Habits {
    pub(crate) inner: Arc<Inner>,
}

#[uniffi::export]
impl Habits {
    /// Creates a habit counting from `start` (`YYYY-MM-DD`; today when null).
    #[uniffi::method(default(start = None))]
    pub fn add(&self, draft: HabitDraft, start: Option<String>) -> Result<Habit> {
        let start = date_or_today(start)?;
        self.inner.with(|s| core::add(s, draft, start, now()))
    }

    /// The habit with `id`.
    pub fn get(&self, id: String) -> Result<Habit> {
        let id = crate::common::id(&id)?;
        self.inner.read(|s| core::get(s, &id))
    }

    /// Replaces a habit's definition.
    pub fn update(&self, id: String, draft: HabitDraft) -> Result<Habit> {
        let id = crate::common::id(&id)?;
        self.inner.with(|s| core::update(s, &id, draft))
    }

    /// Archives (or restores) a habit.
    pub fn set_archived(&self, id: String, archived: bool) -> Result<Habit> {
        let id = crate::common::id(&id)?;
        self.inner.with(|s| core::set_archived(s, &id, archived))
    }

    /// Habits sorted by name.
    #[uniffi::method(default(include_archived = false))]
    pub fn list(&self, include_archived: bool) -> Result<Vec<Habit>> {
        self.inner.read(|s| core::list(s, include_archived))
    }

    /// Records `action` for the habit on `day` (`YYYY-MM-DD`; today when null).
    #[uniffi::method(default(day = None))]
    pub fn record(&self, id: String, action: HabitAction, day: Option<String>) -> Result<()> {
        let id = crate::common::id(&id)?;
        let day = day.as_deref().map(parse_date).transpose()?;
        self.inner.with(|s| {
            let now = now();
            core::record(s, &id, day.unwrap_or(now.date_naive()), action, now).map(|_| ())
        })
    }

    /// Marks the habit done on `day` (today when null).
    #[uniffi::method(default(day = None))]
    pub fn check(&self, id: String, day: Option<String>) -> Result<()> {
        self.record(id, HabitAction::Check, day)
    }

    /// Streaks, strength and recent completions as of `today` (the local today when null).
    #[uniffi::method(default(today = None))]
    pub fn stats(&self, id: String, today: Option<String>) -> Result<HabitStats> {
        let id = crate::common::id(&id)?;
        let today = date_or_today(today)?;
        self.inner.read(|s| core::stats(s, &id, today))
    }

    /// Stats of every active habit.
    #[uniffi::method(default(today = None))]
    pub fn all_stats(&self, today: Option<String>) -> Result<Vec<HabitStats>> {
        let today = date_or_today(today)?;
        self.inner.read(|s| core::all_stats(s, today))
    }
}
