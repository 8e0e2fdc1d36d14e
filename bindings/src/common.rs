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

/// An exact record id from the 32-hex-character text the apps hold (the bindings' one
/// text → id parse; the CLI's labels go through `solace_core::record::resolve_label`).
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

// A core record id crosses the FFI as its 32-hex-character text.
uniffi::custom_type!(RecordId, String, {
    remote,
    lower: |id| id.to_string(),
    try_lift: |text| text
        .parse()
        .map_err(|_| uniffi::deps::anyhow::anyhow!("not a record id")),
});

// A timestamp with the writer's UTC offset crosses the FFI as RFC 3339 text.
pub(crate) type Timestamp = DateTime<FixedOffset>;
uniffi::custom_type!(Timestamp, String, {
    remote,
    lower: |at| timestamp(&at),
    try_lift: |text| DateTime::parse_from_rfc3339(text.trim())
        .map_err(|_| uniffi::deps::anyhow::anyhow!("not an RFC 3339 timestamp")),
});

// A local day crosses the FFI as `YYYY-MM-DD` text.
pub(crate) type IsoDate = NaiveDate;
uniffi::custom_type!(IsoDate, String, {
    remote,
    lower: |day| date(day),
    try_lift: |text| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| uniffi::deps::anyhow::anyhow!("not a YYYY-MM-DD date")),
});

/// Lets a core type cross the FFI in the form of its small FFI twin `$ffi` (same foreign name,
/// same wire form), for the few core types whose shape differs from what the apps see; records
/// that contain such a type can then be declared remote over the core type.
macro_rules! ffi_via {
    ($core:ty => $ffi:ty) => {
        // SAFETY: every method delegates to the derived converter of `$ffi`, whose FFI type and
        // metadata this impl reuses unchanged.
        unsafe impl ::uniffi::FfiConverter<crate::UniFfiTag> for $core {
            type FfiType = <$ffi as ::uniffi::FfiConverter<crate::UniFfiTag>>::FfiType;

            fn lower(obj: $core) -> Self::FfiType {
                <$ffi as ::uniffi::FfiConverter<crate::UniFfiTag>>::lower(obj.into())
            }

            fn try_lift(v: Self::FfiType) -> ::uniffi::Result<$core> {
                Ok(<$ffi as ::uniffi::FfiConverter<crate::UniFfiTag>>::try_lift(v)?.into())
            }

            fn write(obj: $core, buf: &mut Vec<u8>) {
                <$ffi as ::uniffi::FfiConverter<crate::UniFfiTag>>::write(obj.into(), buf)
            }

            fn try_read(buf: &mut &[u8]) -> ::uniffi::Result<$core> {
                Ok(<$ffi as ::uniffi::FfiConverter<crate::UniFfiTag>>::try_read(buf)?.into())
            }

            const TYPE_ID_META: ::uniffi::MetadataBuffer =
                <$ffi as ::uniffi::FfiConverter<crate::UniFfiTag>>::TYPE_ID_META;
        }
        ::uniffi::derive_ffi_traits!(local $core);
    };
}
pub(crate) use ffi_via;

pub use chrono::Weekday;

/// A day of the week.
#[uniffi::remote(Enum)]
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
