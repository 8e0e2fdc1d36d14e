//! Habits: definitions, day events, streaks and strength (thin wrappers over
//! [`solace_core::habits`]).

use std::sync::Arc;

use solace_core::habits as core;

use crate::common::{date, date_or_today, now, parse_date, parse_time_of_day, time_of_day};
use crate::common::{timestamp, Weekday};
use crate::error::Result;
use crate::journal::mirror_enum;
use crate::Inner;

/// How often a habit is due.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
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

impl From<core::Schedule> for Schedule {
    fn from(s: core::Schedule) -> Self {
        match s {
            core::Schedule::Daily => Self::Daily,
            core::Schedule::TimesPerWeek { times } => Self::TimesPerWeek { times },
            core::Schedule::TimesPerMonth { times } => Self::TimesPerMonth { times },
            core::Schedule::Weekdays { days } => Self::Weekdays { days },
            core::Schedule::EveryNDays { days } => Self::EveryNDays { days },
        }
    }
}

impl From<Schedule> for core::Schedule {
    fn from(s: Schedule) -> Self {
        match s {
            Schedule::Daily => Self::Daily,
            Schedule::TimesPerWeek { times } => Self::TimesPerWeek { times },
            Schedule::TimesPerMonth { times } => Self::TimesPerMonth { times },
            Schedule::Weekdays { days } => Self::Weekdays { days },
            Schedule::EveryNDays { days } => Self::EveryNDays { days },
        }
    }
}

/// "If <cue>, then I will <action>".
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IfThenPlan {
    /// The situation that triggers the habit.
    pub cue: String,
    /// What the person will do.
    pub action: String,
}

/// When the platform should remind the person.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reminder {
    /// Local time of day, `HH:MM`.
    pub time: String,
    /// Days to remind on; empty means every scheduled day.
    pub weekdays: Vec<Weekday>,
}

/// A habit definition as the person writes it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl TryFrom<HabitDraft> for core::HabitDraft {
    type Error = crate::SolaceError;

    fn try_from(d: HabitDraft) -> Result<Self> {
        let reminders = d
            .reminders
            .into_iter()
            .map(|r| {
                Ok(core::Reminder {
                    time: parse_time_of_day(&r.time)?,
                    weekdays: r.weekdays,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            name: d.name,
            schedule: d.schedule.into(),
            plan: d.plan.map(|p| core::IfThenPlan {
                cue: p.cue,
                action: p.action,
            }),
            reminders,
        })
    }
}

impl From<core::HabitDraft> for HabitDraft {
    fn from(d: core::HabitDraft) -> Self {
        Self {
            name: d.name,
            schedule: d.schedule.into(),
            plan: d.plan.map(|p| IfThenPlan {
                cue: p.cue,
                action: p.action,
            }),
            reminders: d
                .reminders
                .into_iter()
                .map(|r| Reminder {
                    time: time_of_day(r.time),
                    weekdays: r.weekdays,
                })
                .collect(),
        }
    }
}

/// A stored habit.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Habit {
    /// The record id.
    pub id: String,
    /// First day the habit counts from (`YYYY-MM-DD`).
    pub start: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// Archived habits are kept but not listed by default.
    pub archived: bool,
    /// The definition.
    pub draft: HabitDraft,
}

impl From<core::Habit> for Habit {
    fn from(h: core::Habit) -> Self {
        Self {
            id: h.id.to_string(),
            start: date(h.start),
            created_at: timestamp(&h.created_at),
            archived: h.archived,
            draft: h.draft.into(),
        }
    }
}

/// What happened on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HabitAction {
    /// Done.
    Check,
    /// Deliberately skipped (does not break a streak).
    Skip,
    /// Clears the day's mark.
    Undo,
}

mirror_enum!(HabitAction, core::HabitAction, [Check, Skip, Undo]);

/// A day's mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DayMark {
    /// Done.
    Done,
    /// Skipped: neutral for streaks and strength.
    Skipped,
}

mirror_enum!(DayMark, core::DayMark, [Done, Skipped]);

/// What a streak counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StreakUnit {
    /// Scheduled days (or every-N-day windows).
    Days,
    /// ISO weeks that met the weekly target.
    Weeks,
    /// Calendar months that met the monthly target.
    Months,
}

mirror_enum!(StreakUnit, core::StreakUnit, [Days, Weeks, Months]);

/// Current and best streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Streaks {
    /// The streak running up to today.
    pub current: u32,
    /// The longest streak ever.
    pub best: u32,
    /// What the numbers count.
    pub unit: StreakUnit,
}

/// Everything the habit screen shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
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

impl From<core::HabitStats> for HabitStats {
    fn from(s: core::HabitStats) -> Self {
        Self {
            habit: s.habit.into(),
            streaks: Streaks {
                current: s.streaks.current,
                best: s.streaks.best,
                unit: s.streaks.unit.into(),
            },
            strength: s.strength,
            done_last_30_days: s.done_last_30_days,
            today: s.today.map(Into::into),
        }
    }
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
        let draft = draft.try_into()?;
        let start = date_or_today(start)?;
        self.inner
            .with(|s| core::add(s, draft, start, now()))
            .map(Into::into)
    }

    /// The habit with `id`.
    pub fn get(&self, id: String) -> Result<Habit> {
        let id = crate::common::id(&id)?;
        self.inner.read(|s| core::get(s, &id)).map(Into::into)
    }

    /// Replaces a habit's definition.
    pub fn update(&self, id: String, draft: HabitDraft) -> Result<Habit> {
        let id = crate::common::id(&id)?;
        let draft = draft.try_into()?;
        self.inner
            .with(|s| core::update(s, &id, draft))
            .map(Into::into)
    }

    /// Archives (or restores) a habit.
    pub fn set_archived(&self, id: String, archived: bool) -> Result<Habit> {
        let id = crate::common::id(&id)?;
        self.inner
            .with(|s| core::set_archived(s, &id, archived))
            .map(Into::into)
    }

    /// Habits sorted by name.
    #[uniffi::method(default(include_archived = false))]
    pub fn list(&self, include_archived: bool) -> Result<Vec<Habit>> {
        self.inner
            .read(|s| core::list(s, include_archived))
            .map(|v| v.into_iter().map(Into::into).collect())
    }

    /// Records `action` for the habit on `day` (`YYYY-MM-DD`; today when null).
    #[uniffi::method(default(day = None))]
    pub fn record(&self, id: String, action: HabitAction, day: Option<String>) -> Result<()> {
        let id = crate::common::id(&id)?;
        let day = day.as_deref().map(parse_date).transpose()?;
        self.inner.with(|s| {
            let now = now();
            core::record(s, &id, day.unwrap_or(now.date_naive()), action.into(), now).map(|_| ())
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
        self.inner
            .read(|s| core::stats(s, &id, today))
            .map(Into::into)
    }

    /// Stats of every active habit.
    #[uniffi::method(default(today = None))]
    pub fn all_stats(&self, today: Option<String>) -> Result<Vec<HabitStats>> {
        let today = date_or_today(today)?;
        self.inner
            .read(|s| core::all_stats(s, today))
            .map(|v| v.into_iter().map(Into::into).collect())
    }
}
