//! Validation of therapist profiles (limits on names, lists and availability slots, and a
//! strict RFC 3339 check for slot times), kept apart from the messaging handlers.

use solace_protocol::messaging as m;

use crate::error::ApiErr;

/// Longest display name, in characters.
const MAX_NAME_CHARS: usize = 80;
/// Longest bio, in characters.
const MAX_BIO_CHARS: usize = 1000;
/// Most entries in each profile list (specialties, approaches, languages).
const MAX_LIST_ENTRIES: usize = 20;
/// Longest list entry, in characters.
const MAX_ENTRY_CHARS: usize = 40;
/// Most availability slots.
const MAX_SLOTS: usize = 50;
/// Longest price note of one session format.
const MAX_PRICE_CHARS: usize = 80;
/// Longest coverage note.
const MAX_COVERAGE_CHARS: usize = 300;

fn days_in_month(year: u32, month: u32) -> u32 {
    // (Written with remainders, not `is_multiple_of`, which is newer than the MSRV.)
    let leap = matches!((year % 4, year % 100, year % 400), (0, 1.., _) | (_, _, 0));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `s` is an RFC 3339 date-time (`2026-03-01T09:30:00Z`, `…+01:00`, optional fraction).
fn valid_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0, 4),
        num(5, 7),
        num(8, 10),
        num(11, 13),
        num(14, 16),
        num(17, 19),
    ) else {
        return false;
    };
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt") && at(13, b":") && at(16, b":")) {
        return false;
    }
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        let digits = b
            .iter()
            .skip(i + 1)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b":")
                && num(i + 1, i + 3).is_some_and(|h| h <= 23)
                && num(i + 4, i + 6).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

fn short_text(text: &str, max: usize, what: &str) -> Result<String, ApiErr> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(ApiErr::bad(format!(
            "{what} must be 1-{max} characters without control characters"
        )));
    }
    Ok(text.to_owned())
}

fn list(entries: &[String], what: &str) -> Result<Vec<String>, ApiErr> {
    if entries.len() > MAX_LIST_ENTRIES {
        return Err(ApiErr::bad(format!(
            "at most {MAX_LIST_ENTRIES} {what} entries"
        )));
    }
    entries
        .iter()
        .map(|e| short_text(e, MAX_ENTRY_CHARS, what))
        .collect()
}

/// Each format at most once, price notes trimmed (an empty one is no note) and bounded.
fn formats(offers: Vec<m::FormatOffer>) -> Result<Vec<m::FormatOffer>, ApiErr> {
    let mut seen = std::collections::BTreeSet::new();
    offers
        .into_iter()
        .map(|offer| {
            if !seen.insert(offer.format) {
                return Err(ApiErr::bad("each session format may be listed once"));
            }
            Ok(m::FormatOffer {
                format: offer.format,
                price: optional_note(offer.price, MAX_PRICE_CHARS, "price note")?,
            })
        })
        .collect()
}

/// A trimmed optional note of at most `max` characters; blank is `None`.
fn optional_note(note: Option<String>, max: usize, what: &str) -> Result<Option<String>, ApiErr> {
    let Some(note) = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > max || note.chars().any(char::is_control) {
        return Err(ApiErr::bad(format!(
            "{what} must be at most {max} characters on one line"
        )));
    }
    Ok(Some(note))
}

/// Checks a profile against the limits and returns it trimmed.
pub(crate) fn clean_profile(p: m::TherapistProfile) -> Result<m::TherapistProfile, ApiErr> {
    let display_name = short_text(&p.display_name, MAX_NAME_CHARS, "display name")?;
    let bio = p.bio.trim().to_owned();
    if bio.chars().count() > MAX_BIO_CHARS {
        return Err(ApiErr::bad(format!(
            "bio must be at most {MAX_BIO_CHARS} characters"
        )));
    }
    if p.slots.len() > MAX_SLOTS {
        return Err(ApiErr::bad(format!("at most {MAX_SLOTS} slots")));
    }
    for slot in &p.slots {
        if !valid_rfc3339(&slot.start) {
            return Err(ApiErr::bad("slot start must be an RFC 3339 date-time"));
        }
        if !(5..=240).contains(&slot.minutes) {
            return Err(ApiErr::bad("slot length must be 5-240 minutes"));
        }
    }
    if p.response_window_hours
        .is_some_and(|h| !(1..=336).contains(&h))
    {
        return Err(ApiErr::bad("response window must be 1-336 hours"));
    }
    Ok(m::TherapistProfile {
        formats: formats(p.formats)?,
        coverage: optional_note(p.coverage, MAX_COVERAGE_CHARS, "coverage note")?,
        display_name,
        bio,
        specialties: list(&p.specialties, "specialty")?,
        approaches: list(&p.approaches, "approach")?,
        languages: list(&p.languages, "language")?,
        slots: p.slots,
        response_window_hours: p.response_window_hours,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_accepts_exactly_date_times() {
        for ok in [
            "2026-03-01T09:30:00Z",
            "2026-03-01t09:30:00.123+01:00",
            "2024-02-29T23:59:60-05:30",
        ] {
            assert!(valid_rfc3339(ok), "{ok}");
        }
        for bad in [
            "",
            "2026-03-01",
            "2026-03-01 09:30:00Z",
            "2025-02-29T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T10:00:00",
            "2026-03-01T10:00:00.Z",
            "2026-03-01T10:00:00+0100",
            "2026-03-01T10:00:00+01:00x",
            "２０２６-03-01T10:00:00Z",
        ] {
            assert!(!valid_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn a_response_window_is_a_promise_in_hours() {
        let profile = |hours| m::TherapistProfile {
            display_name: "Dr. Lee".into(),
            bio: String::new(),
            specialties: vec![],
            approaches: vec![],
            languages: vec![],
            slots: vec![],
            response_window_hours: hours,
            formats: vec![],
            coverage: None,
        };
        assert_eq!(
            clean_profile(profile(Some(24)))
                .ok()
                .and_then(|p| p.response_window_hours),
            Some(24)
        );
        assert!(clean_profile(profile(None)).is_ok());
        assert!(clean_profile(profile(Some(0))).is_err());
        assert!(clean_profile(profile(Some(337))).is_err());
    }

    #[test]
    fn formats_are_listed_once_with_short_notes() {
        let offer = |format, price: Option<&str>| m::FormatOffer {
            format,
            price: price.map(str::to_owned),
        };
        let profile = |formats, coverage: Option<&str>| m::TherapistProfile {
            display_name: "Dr. Lee".into(),
            bio: String::new(),
            specialties: vec![],
            approaches: vec![],
            languages: vec![],
            slots: vec![],
            response_window_hours: None,
            formats,
            coverage: coverage.map(str::to_owned),
        };
        let clean = clean_profile(profile(
            vec![
                offer(m::SessionFormat::Video, Some("  €80 / 50 min ")),
                offer(m::SessionFormat::Chat, Some("   ")),
            ],
            Some(" Sliding scale "),
        ))
        .ok()
        .unwrap();
        assert_eq!(clean.formats[0].price.as_deref(), Some("€80 / 50 min"));
        assert_eq!(clean.formats[1].price, None);
        assert_eq!(clean.coverage.as_deref(), Some("Sliding scale"));
        let twice = vec![
            offer(m::SessionFormat::Phone, None),
            offer(m::SessionFormat::Phone, Some("€60")),
        ];
        assert!(clean_profile(profile(twice, None)).is_err());
        let long = "x".repeat(MAX_PRICE_CHARS + 1);
        let priced = vec![offer(m::SessionFormat::Video, Some(&long))];
        assert!(clean_profile(profile(priced, None)).is_err());
        assert!(clean_profile(profile(vec![], Some("two\nlines"))).is_err());
    }
}
