//! Import validation: every record of a JSON export is checked with the same rules the app
//! applies when the record is created (the domain types' own checks, called from here, so each
//! rule lives in one place), plus the facts an export must keep consistent (the id inside the
//! body, an assessment's score). The first bad value is named by kind, index and field; the
//! message never repeats the value itself, which may be personal.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::assessments::AssessmentResult;
use crate::error::CoreError;
use crate::habits::{Habit, HabitEvent};
use crate::journal::JournalEntry;
use crate::mood::MoodCheckIn;
use crate::plans::{self, DailyPlan};
use crate::record::{RecordId, RecordKind};
use crate::safety::{SafetyPlan, Settings};
use crate::sessions::MicroSession;

/// Checks one record; `Err` holds what is wrong, naming the field but not its value.
pub(crate) fn check(kind: RecordKind, id: &RecordId, data: &Value) -> Result<(), String> {
    match kind {
        RecordKind::Journal => {
            let e: JournalEntry = decode(data)?;
            same_id(id, &e.id)?;
            rule(e.current.normalized())?;
            for (i, r) in e.revisions.into_iter().enumerate() {
                rule(r.draft.normalized()).map_err(|m| format!("revisions[{i}]: {m}"))?;
            }
            Ok(())
        }
        RecordKind::Mood => {
            let m: MoodCheckIn = decode(data)?;
            same_id(id, &m.id)?;
            rule(m.draft.normalized())
        }
        RecordKind::Habit => {
            let h: Habit = decode(data)?;
            same_id(id, &h.id)?;
            rule(h.draft.validated())
        }
        RecordKind::HabitEvent => {
            let e: HabitEvent = decode(data)?;
            if e.day > e.at.date_naive() {
                return Err("day: is after the moment it was recorded".into());
            }
            Ok(())
        }
        RecordKind::Assessment => {
            let a: AssessmentResult = decode(data)?;
            same_id(id, &a.id)?;
            let total = a
                .instrument
                .score(&a.answers)
                .map_err(|e| format!("answers: {e}"))?;
            if total != a.total {
                return Err("total: does not match the answers".into());
            }
            if a.instrument.severity(total) != a.severity {
                return Err("severity: does not match the total".into());
            }
            if crate::assessments::needs_safety_flow(a.instrument, &a.answers) != a.safety_flag {
                return Err("safety_flag: does not match the answers".into());
            }
            Ok(())
        }
        RecordKind::SafetyPlan => {
            let p: SafetyPlan = decode(data)?;
            singleton(kind, id)?;
            rule(p.cleaned())
        }
        RecordKind::Settings => {
            let s: Settings = decode(data)?;
            singleton(kind, id)?;
            if let Some(region) = &s.region {
                check_region(region)?;
            }
            for (i, r) in s.custom_resources.iter().enumerate() {
                if r.name.trim().is_empty() || r.contact.trim().is_empty() {
                    return Err(format!("custom_resources[{i}]: needs a name and a contact"));
                }
            }
            Ok(())
        }
        RecordKind::Session => {
            let s: MicroSession = decode(data)?;
            same_id(id, &s.id)
        }
        RecordKind::DailyPlan => {
            let p: DailyPlan = decode(data)?;
            if *id != plans::plan_id(p.date) {
                return Err("id: is not the id of the plan's date".into());
            }
            rule(plans::check_step(&p.step).map(|_| ())).map_err(|m| format!("step: {m}"))
        }
        RecordKind::AlertAck => {
            let a: crate::messaging::alerts::AlertAck = decode(data)?;
            if *id != crate::messaging::alerts::record_id(&a.message_id) {
                return Err("id: is not the id of the alert it acknowledges".into());
            }
            Ok(())
        }
        RecordKind::Goal => {
            let g: crate::goals::Goal = decode(data)?;
            same_id(id, &g.id)?;
            crate::goals::check_goal(&g).map_err(|e| e.to_string())
        }
        RecordKind::GoalRating => {
            let r: crate::goals::GoalRating = decode(data)?;
            same_id(id, &r.id)?;
            if r.rating > crate::goals::MAX_RATING {
                return Err("rating: must be between 0 and 10".into());
            }
            Ok(())
        }
        RecordKind::Intake => {
            let f: crate::messaging::intake::IntakeForm = decode(data)?;
            if *id != crate::messaging::intake::record_id(&f.therapist) {
                return Err("id: is not the id of the therapist's intake form".into());
            }
            Ok(())
        }
        RecordKind::ClientNote => {
            let n: crate::notes::ClientNote = decode(data)?;
            same_id(id, &n.id)?;
            n.check().map_err(|e| e.to_string())
        }
        // Never exported (`RecordKind::exported`), so never read from an export either.
        RecordKind::AccountIdentity | RecordKind::Verification => {
            Err("data: this kind is not importable".into())
        }
    }
}

/// Decodes the record's shape; the message names a missing field, never a value.
///
/// Decodes from the record's JSON text rather than from the `Value` itself: the store reads
/// records from bytes with `serde_json::from_slice`, so this shares that decoder of every
/// record type instead of compiling a second one per type for `Value` (about 70 KB of the
/// mobile library; an import is rare and small enough that the extra text costs nothing).
fn decode<T: DeserializeOwned>(data: &Value) -> Result<T, String> {
    let text = serde_json::to_vec(data)
        .map_err(|_| "data: a field is of the wrong type or has an unknown value".to_owned())?;
    serde_json::from_slice(&text).map_err(|e| {
        let text = e.to_string();
        match text.strip_prefix("missing field ") {
            Some(rest) => format!(
                "data: missing field {}",
                rest.split(" at ").next().unwrap_or(rest)
            ),
            None => "data: a field is of the wrong type or has an unknown value".to_owned(),
        }
    })
}

/// The domain rule's message (rules only ever fail with `InvalidInput`).
fn rule<T>(result: crate::Result<T>) -> Result<(), String> {
    match result {
        Ok(_) => Ok(()),
        Err(CoreError::InvalidInput(invalid)) => Err(invalid.to_string()),
        Err(other) => Err(other.to_string()),
    }
}

fn same_id(outer: &RecordId, inner: &RecordId) -> Result<(), String> {
    if outer == inner {
        Ok(())
    } else {
        Err("id: differs from the id inside the record".into())
    }
}

fn singleton(kind: RecordKind, id: &RecordId) -> Result<(), String> {
    if *id == RecordId::singleton(kind) {
        Ok(())
    } else {
        Err("id: is not the fixed id of this record".into())
    }
}

/// A two-letter country code or `INTL` (any case: built-in resources upper-case it).
fn check_region(region: &str) -> Result<(), String> {
    let ok = (region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()))
        || region.eq_ignore_ascii_case("INTL");
    if ok {
        Ok(())
    } else {
        Err("region: is not a two-letter country code or INTL".into())
    }
}
