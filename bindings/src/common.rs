//! Shared conversions: record ids as 32-hex-character strings, timestamps as RFC 3339 strings
//! (with the writer's UTC offset), days as `YYYY-MM-DD`, times of day as `HH:MM`, weekdays as
//! an enum. A value that does not parse reaches the apps as `SolaceError.InvalidInput`.

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

fn parse_time_of_day(text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| invalid(format!("'{text}' is not an HH:MM time")))
}

/// A lift failure the foreign side receives as a typed [`crate::SolaceError`] (UniFFI
/// downcasts the error of a failed argument lift to the function's error type) rather than
/// as an internal error.
fn lift_error(error: crate::SolaceError) -> uniffi::deps::anyhow::Error {
    uniffi::deps::anyhow::Error::new(error)
}

// A core record id crosses the FFI as its 32-hex-character text.
uniffi::custom_type!(RecordId, String, {
    remote,
    lower: |id| id.to_string(),
    try_lift: |text| id(&text).map_err(lift_error),
});

// A timestamp with the writer's UTC offset crosses the FFI as RFC 3339 text.
pub(crate) type Timestamp = DateTime<FixedOffset>;
uniffi::custom_type!(Timestamp, String, {
    remote,
    lower: |at| timestamp(&at),
    try_lift: |text| parse_timestamp(&text).map_err(lift_error),
});

// A local day crosses the FFI as `YYYY-MM-DD` text.
pub(crate) type IsoDate = NaiveDate;
uniffi::custom_type!(IsoDate, String, {
    remote,
    lower: |day| date(day),
    try_lift: |text| parse_date(&text).map_err(lift_error),
});

// A local time of day crosses the FFI as `HH:MM` text.
pub(crate) type TimeOfDay = NaiveTime;
uniffi::custom_type!(TimeOfDay, String, {
    remote,
    lower: |time| time.format("%H:%M").to_string(),
    try_lift: |text| parse_time_of_day(&text).map_err(lift_error),
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

#[cfg(test)]
mod tests {
    use uniffi::FfiConverter;

    use super::*;
    use crate::{SolaceError, UniFfiTag};

    /// The wire form of `text` as the foreign side writes a string.
    fn wire(text: &str) -> Vec<u8> {
        let mut buf = Vec::new();
        <String as FfiConverter<UniFfiTag>>::write(text.to_owned(), &mut buf);
        buf
    }

    #[test]
    fn custom_types_round_trip_as_their_text() {
        let time = <TimeOfDay as FfiConverter<UniFfiTag>>::try_read(&mut &wire(" 07:30")[..])
            .expect("a valid time lifts");
        assert_eq!(time, NaiveTime::from_hms_opt(7, 30, 0).expect("valid"));
        let mut out = Vec::new();
        <TimeOfDay as FfiConverter<UniFfiTag>>::write(time, &mut out);
        assert_eq!(out, wire("07:30"));

        let day = <IsoDate as FfiConverter<UniFfiTag>>::try_read(&mut &wire("2024-02-29")[..])
            .expect("a valid date lifts");
        assert_eq!(date(day), "2024-02-29");
    }

    #[test]
    fn unparsable_text_fails_as_invalid_input() {
        for (bad, lift) in [
            (
                "25:99",
                (|b: &mut &[u8]| <TimeOfDay as FfiConverter<UniFfiTag>>::try_read(b).map(|_| ()))
                    as fn(&mut &[u8]) -> uniffi::Result<()>,
            ),
            ("2024-02-30", |b| {
                <IsoDate as FfiConverter<UniFfiTag>>::try_read(b).map(|_| ())
            }),
            ("yesterday", |b| {
                <Timestamp as FfiConverter<UniFfiTag>>::try_read(b).map(|_| ())
            }),
            ("abc", |b| {
                <RecordId as FfiConverter<UniFfiTag>>::try_read(b).map(|_| ())
            }),
        ] {
            let error = lift(&mut &wire(bad)[..]).expect_err(bad);
            let typed = error
                .downcast::<SolaceError>()
                .expect("a typed SolaceError");
            assert!(
                matches!(typed, SolaceError::InvalidInput { .. }),
                "{bad}: {typed:?}"
            );
        }
    }
}
