//! Shared conversions: record ids as 32-hex-character strings, timestamps as RFC 3339 strings
//! (with the writer's UTC offset), days as `YYYY-MM-DD`, weekdays as an enum.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, NaiveTime};
use solace_core::RecordId;

use crate::error::{invalid, Result};

/// The current local time with its UTC offset (what the core stores with every record).
pub(crate) fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

/// Today's local date.
pub(crate) fn today() -> NaiveDate {
    now().date_naive()
}

pub(crate) fn id(text: &str) -> Result<RecordId> {
    Ok(text.parse()?)
}

pub(crate) fn timestamp(at: &DateTime<FixedOffset>) -> String {
    at.to_rfc3339()
}

pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map_err(|_| invalid(format!("'{text}' is not an RFC 3339 timestamp")))
}

/// `text` as a timestamp, or now when absent.
pub(crate) fn timestamp_or_now(text: Option<String>) -> Result<DateTime<FixedOffset>> {
    text.as_deref()
        .map(parse_timestamp)
        .unwrap_or_else(|| Ok(now()))
}

pub(crate) fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| invalid(format!("'{text}' is not a YYYY-MM-DD date")))
}

/// `text` as a date, or today when absent.
pub(crate) fn date_or_today(text: Option<String>) -> Result<NaiveDate> {
    text.as_deref()
        .map(parse_date)
        .unwrap_or_else(|| Ok(today()))
}

pub(crate) fn time_of_day(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

pub(crate) fn parse_time_of_day(text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| invalid(format!("'{text}' is not an HH:MM time")))
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl From<chrono::Weekday> for Weekday {
    fn from(day: chrono::Weekday) -> Self {
        match day {
            chrono::Weekday::Mon => Self::Mon,
            chrono::Weekday::Tue => Self::Tue,
            chrono::Weekday::Wed => Self::Wed,
            chrono::Weekday::Thu => Self::Thu,
            chrono::Weekday::Fri => Self::Fri,
            chrono::Weekday::Sat => Self::Sat,
            chrono::Weekday::Sun => Self::Sun,
        }
    }
}

impl From<Weekday> for chrono::Weekday {
    fn from(day: Weekday) -> Self {
        match day {
            Weekday::Mon => Self::Mon,
            Weekday::Tue => Self::Tue,
            Weekday::Wed => Self::Wed,
            Weekday::Thu => Self::Thu,
            Weekday::Fri => Self::Fri,
            Weekday::Sat => Self::Sat,
            Weekday::Sun => Self::Sun,
        }
    }
}
