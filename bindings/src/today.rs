//! The "today" snapshot for home-screen widgets (a thin wrapper over
//! [`solace_core::today`]): one fast local read per widget refresh.

use solace_core::today as core;

use crate::common::{TimeOfDay, Timestamp};
use crate::error::Result;
use crate::Solace;

pub use core::{HabitToday, LastMood, PlanToday, TodaySnapshot};

/// The latest mood check-in.
#[uniffi::remote(Record)]
pub struct LastMood {
    /// Mood 1–10.
    pub mood: u8,
    /// When (RFC 3339).
    pub at: Timestamp,
}

/// One habit as the widget shows it.
#[uniffi::remote(Record)]
pub struct HabitToday {
    /// The habit's name.
    pub name: String,
    /// Current streak (days or weeks, the habit's unit).
    pub streak: u32,
    /// Whether it is done today.
    pub done_today: bool,
}

/// Today's small step.
#[uniffi::remote(Record)]
pub struct PlanToday {
    /// The step.
    pub step: String,
    /// Whether it was done.
    pub done: bool,
}

/// Everything the widget shows.
#[uniffi::remote(Record)]
pub struct TodaySnapshot {
    /// The latest mood check-in, if any.
    pub last_mood: Option<LastMood>,
    /// Whether a mood check-in was logged today.
    pub checked_in_today: bool,
    /// Consecutive days with a finished micro-session.
    pub session_streak_days: u32,
    /// Whether a micro-session was finished today.
    pub session_done_today: bool,
    /// Active habits.
    pub habits: Vec<HabitToday>,
    /// Today's small step.
    pub plan: Option<PlanToday>,
    /// The next habit reminder still to come today (`HH:MM`).
    pub next_reminder: Option<TimeOfDay>,
}

#[uniffi::export]
impl Solace {
    /// Today at a glance for a home-screen widget, at `now` (RFC 3339; the device's clock when
    /// null).
    #[uniffi::method(default(now = None))]
    pub fn today(&self, now: Option<String>) -> Result<TodaySnapshot> {
        let now = crate::common::timestamp_or_now(now)?;
        self.inner.read(|s| core::snapshot(s, now))
    }
}
