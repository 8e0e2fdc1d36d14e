//! Mood check-ins and statistics (thin wrappers over [`solace_core::mood`]).

use std::sync::Arc;

use solace_core::mood as core;
use solace_core::mood::stats;

use solace_core::RecordId;

use crate::common::{date_or_today, parse_date, timestamp_or_now, IsoDate, Timestamp, Weekday};
use crate::error::Result;
use crate::Inner;

pub use core::{MoodCheckIn, MoodDraft};
pub use stats::{DailyAverage, Trend, TrendDirection, WeekdayAverage, WeeklyAverage};

/// What the person records in a check-in.
#[uniffi::remote(Record)]
pub struct MoodDraft {
    /// Overall mood, 1 (worst) to 10 (best).
    pub mood: u8,
    /// Named emotions (lowercased, deduplicated).
    #[uniffi(default = [])]
    pub emotions: Vec<String>,
    /// Energy 1–10.
    #[uniffi(default = None)]
    pub energy: Option<u8>,
    /// Anxiety 1–10.
    #[uniffi(default = None)]
    pub anxiety: Option<u8>,
    /// Hours slept last night, 0–24.
    #[uniffi(default = None)]
    pub sleep_hours: Option<f32>,
    /// A short note in the person's own words.
    #[uniffi(default = None)]
    pub note: Option<String>,
}

/// A stored check-in (append-only: never edited).
#[uniffi::remote(Record)]
pub struct MoodCheckIn {
    /// The record id.
    pub id: RecordId,
    /// When it was recorded (RFC 3339, with the person's offset at the time).
    pub at: Timestamp,
    /// The content.
    pub draft: MoodDraft,
}

/// Average mood of one day.
#[uniffi::remote(Record)]
pub struct DailyAverage {
    /// The local day (`YYYY-MM-DD`).
    pub date: IsoDate,
    /// Mean mood.
    pub average: f64,
    /// Check-ins that day.
    pub count: u32,
}

/// Average mood of one ISO week.
#[uniffi::remote(Record)]
pub struct WeeklyAverage {
    /// ISO year.
    pub iso_year: i32,
    /// ISO week number.
    pub iso_week: u32,
    /// Monday of the week (`YYYY-MM-DD`).
    pub week_start: IsoDate,
    /// Mean mood.
    pub average: f64,
    /// Check-ins that week.
    pub count: u32,
}

/// Direction of the mood trend.
#[uniffi::remote(Enum)]
pub enum TrendDirection {
    /// Rising by more than 0.05 points a day.
    Improving,
    /// Falling by more than 0.05 points a day.
    Worsening,
    /// Neither.
    Steady,
}

/// Least-squares trend over the window.
#[uniffi::remote(Record)]
pub struct Trend {
    /// Mood points per day.
    pub slope_per_day: f64,
    /// Rounded direction.
    pub direction: TrendDirection,
    /// Days the trend covers.
    pub days: u32,
}

/// Average mood on one weekday.
#[uniffi::remote(Record)]
pub struct WeekdayAverage {
    /// The weekday.
    pub weekday: Weekday,
    /// Mean mood, if any check-in fell on it.
    pub average: Option<f64>,
    /// Check-ins on it.
    pub count: u32,
}

// A twin of `stats::MoodSummary`, kept because the core holds the weekdays in a fixed array
// of 7, which the FFI carries as a list.
/// Averages, trend and weekday pattern of a window of days.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MoodSummary {
    /// Check-ins in the window.
    pub count: u32,
    /// Mean mood.
    pub average: Option<f64>,
    /// Lowest mood.
    pub min: Option<u8>,
    /// Highest mood.
    pub max: Option<u8>,
    /// Days with at least one check-in.
    pub days_logged: u32,
    /// Per-day averages, oldest first.
    pub daily: Vec<DailyAverage>,
    /// Per-week averages, oldest first.
    pub weekly: Vec<WeeklyAverage>,
    /// The trend, when there is enough data.
    pub trend: Option<Trend>,
    /// Monday to Sunday.
    pub weekdays: Vec<WeekdayAverage>,
}

impl From<stats::MoodSummary> for MoodSummary {
    fn from(s: stats::MoodSummary) -> Self {
        Self {
            count: s.count,
            average: s.average,
            min: s.min,
            max: s.max,
            days_logged: s.days_logged,
            daily: s.daily,
            weekly: s.weekly,
            trend: s.trend,
            weekdays: s.weekdays.into(),
        }
    }
}

/// Mood check-ins of one store (get it from [`crate::Solace::mood`]).
#[derive(uniffi::Object)]
pub struct Mood {
    pub(crate) inner: Arc<Inner>,
}

#[uniffi::export]
impl Mood {
    /// Records a check-in at `at` (RFC 3339; now when null).
    #[uniffi::method(default(at = None))]
    pub fn log(&self, draft: MoodDraft, at: Option<String>) -> Result<MoodCheckIn> {
        let at = timestamp_or_now(at)?;
        self.inner.with(|s| core::log(s, draft, at))
    }

    /// Check-ins whose local day lies in `[from, to]` (`YYYY-MM-DD`, either optional), oldest
    /// first.
    #[uniffi::method(default(from = None, to = None))]
    pub fn list(&self, from: Option<String>, to: Option<String>) -> Result<Vec<MoodCheckIn>> {
        let from = from.as_deref().map(parse_date).transpose()?;
        let to = to.as_deref().map(parse_date).transpose()?;
        self.inner.read(|s| core::list(s, from, to))
    }

    /// Removes a check-in logged by mistake.
    pub fn delete(&self, id: String) -> Result<()> {
        let id = crate::common::id(&id)?;
        self.inner.with(|s| core::delete(s, &id))
    }

    /// Averages, trend and weekday pattern over the `days` days ending `today`
    /// (`YYYY-MM-DD`; the local today when null).
    #[uniffi::method(default(today = None))]
    pub fn summary(&self, days: u32, today: Option<String>) -> Result<MoodSummary> {
        let today = date_or_today(today)?;
        self.inner
            .read(|s| core::summary(s, today, days))
            .map(Into::into)
    }
}
