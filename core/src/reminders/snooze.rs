//! Snoozes: "remind me again in 10 minutes". A snooze is device-local (the device that showed
//! the notification keeps it, in `device_state`), so a re-plan on that device keeps it and
//! other devices are not affected.
//!
//! Stored format v1 (sealed like all device state): JSON
//! `{"v":1,"snoozes":[{"id":"<reminder id>","until":"<RFC 3339, UTC>"}]}`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::model::QuietHours;
use super::zone;
use crate::error::{CoreError, Result};

/// The `device_state` entry holding the snoozes.
pub const STATE_NAME: &str = "reminders/snoozes";
/// Most snoozes kept (the oldest are dropped first).
const MAX_SNOOZES: usize = 256;
/// How long a snooze is kept after it fired.
const KEEP_AFTER_DAYS: i64 = 2;

/// One snoozed reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snooze {
    /// The reminder's id ([`super::PlannedReminder::id`]).
    pub id: String,
    /// When it fires instead.
    pub until: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct SnoozeState {
    v: u32,
    snoozes: Vec<Snooze>,
}

/// The stored form of `snoozes` (format v1).
pub fn encode(snoozes: &[Snooze]) -> Result<Vec<u8>> {
    serde_json::to_vec(&SnoozeState {
        v: 1,
        snoozes: snoozes.to_vec(),
    })
    .map_err(|_| CoreError::Internal("encoding reminder snoozes"))
}

/// Snoozes from their stored form; anything but format v1 is refused.
pub fn decode(bytes: &[u8]) -> Result<Vec<Snooze>> {
    let malformed = || CoreError::MalformedRecord {
        kind: "reminder_snoozes",
    };
    let state: SnoozeState = serde_json::from_slice(bytes).map_err(|_| malformed())?;
    if state.v != 1 {
        return Err(malformed());
    }
    Ok(state.snoozes)
}

/// When a reminder that fires (or fired) at `fire_at` fires again after a snooze of
/// `minutes` asked for at `now`: counted from whichever is later, so a notification snoozed
/// a while after it appeared still waits the full time. A time inside quiet hours moves to
/// their end (the next day if the quiet lasts past midnight).
pub fn snoozed_until<Tz: TimeZone>(
    fire_at: &DateTime<Tz>,
    now: &DateTime<Tz>,
    minutes: u32,
    quiet: Option<&QuietHours>,
) -> DateTime<Tz> {
    let from = if fire_at > now { fire_at } else { now };
    let until = from.clone() + Duration::minutes(i64::from(minutes));
    let Some(q) = quiet.filter(|q| q.contains(until.time())) else {
        return until;
    };
    let mut date = until.date_naive();
    if q.end <= until.time() {
        date = date.succ_opt().unwrap_or(date);
    }
    zone::at(&until.timezone(), date, q.end).unwrap_or(until)
}

/// `snoozes` with `new` added (replacing an earlier snooze of the same reminder), without
/// those that fired more than two days before `now`, at most 256.
pub fn with_snooze(mut snoozes: Vec<Snooze>, new: Snooze, now: DateTime<Utc>) -> Vec<Snooze> {
    let keep_from = now - Duration::days(KEEP_AFTER_DAYS);
    snoozes.retain(|s| s.id != new.id && s.until >= keep_from);
    snoozes.push(new);
    crate::sort::sort_by(&mut snoozes, |a, b| {
        a.until.cmp(&b.until).then_with(|| a.id.cmp(&b.id))
    });
    let excess = snoozes.len().saturating_sub(MAX_SNOOZES);
    snoozes.drain(..excess);
    snoozes
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;
    use chrono_tz::Europe::London;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn london(s: &str) -> DateTime<chrono_tz::Tz> {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        zone::resolve(&London, naive).unwrap()
    }

    #[test]
    fn snoozes_count_from_the_later_of_fire_and_now_and_skip_quiet_hours() {
        let quiet = QuietHours {
            start: t("22:30"),
            end: t("07:00"),
        };
        let fired = london("2026-11-20 21:00");
        let until = snoozed_until(&fired, &london("2026-11-20 21:02"), 10, Some(&quiet));
        assert_eq!(until, london("2026-11-20 21:12"));
        let until = snoozed_until(&fired, &fired, 10, None);
        assert_eq!(until, london("2026-11-20 21:10"));
        // Into quiet hours before midnight: the next morning at 07:00.
        let until = snoozed_until(&london("2026-11-20 22:25"), &fired, 10, Some(&quiet));
        assert_eq!(until, london("2026-11-21 07:00"));
        // After midnight: the same morning.
        let until = snoozed_until(&london("2026-11-21 00:10"), &fired, 10, Some(&quiet));
        assert_eq!(until, london("2026-11-21 07:00"));
    }

    #[test]
    fn the_list_replaces_prunes_and_round_trips() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let now = at("2026-11-20T12:00:00Z");
        let s = |id: &str, until: &str| Snooze {
            id: id.into(),
            until: at(until),
        };
        let list = vec![
            s("a", "2026-11-17T12:00:00Z"),
            s("b", "2026-11-20T11:00:00Z"),
        ];
        let list = with_snooze(list, s("b", "2026-11-20T12:10:00Z"), now);
        assert_eq!(
            list,
            vec![s("b", "2026-11-20T12:10:00Z")],
            "old a pruned, b replaced"
        );
        let bytes = encode(&list).unwrap();
        assert_eq!(decode(&bytes).unwrap(), list);
        assert!(decode(br#"{"v":2,"snoozes":[]}"#).is_err());
        assert!(decode(b"not json").is_err());
    }
}
