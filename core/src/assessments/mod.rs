//! Screening assessments (PHQ-9, GAD-7): scoring, encrypted history, change between
//! administrations, and the immediate, offline safety flow when PHQ-9 item 9 is above zero.

pub mod in_person;
pub mod instruments;

use crate::error::InputProblem;
use crate::error::StoreError;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::safety::{self, SafetyPrompt};
use crate::store::Store;

pub use in_person::InPersonSuggestion;
pub use instruments::{Instrument, Severity};

/// One completed administration, stored encrypted and never edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentResult {
    /// The record id.
    pub id: RecordId,
    /// Which questionnaire.
    pub instrument: Instrument,
    /// One answer 0–3 per item, in order.
    pub answers: Vec<u8>,
    /// Sum of the answers.
    pub total: u8,
    /// Standard band of the total.
    pub severity: Severity,
    /// Whether an answer opened the safety flow.
    pub safety_flag: bool,
    /// When it was completed.
    pub at: DateTime<FixedOffset>,
}

/// What the app must show after a submission.
///
/// A submission never hides the safety flow behind a storage problem: when PHQ-9 item 9 is
/// above zero, `safety` is always present, even if the result could not be stored
/// (`save_error`) or earlier records could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submitted {
    /// The scored result (stored unless `save_error` says otherwise).
    pub result: AssessmentResult,
    /// Change from the previous administration of the same instrument, if any (absent too
    /// when the history could not be read).
    pub change: Option<Change>,
    /// Present when the safety flow must open now: the person's plan and crisis resources.
    pub safety: Option<SafetyPrompt>,
    /// Why the result was not stored, if it was not. Show it after the safety prompt.
    pub save_error: Option<SaveError>,
    /// What went to linked therapists on its own, as the person chose
    /// (`messaging::consent`), in sentences to show after the result.
    pub told: Vec<String>,
    /// Present when this and the previous PHQ-9 are both severe: suggest in-person care
    /// (after the safety prompt, never blocking).
    pub suggest_in_person: Option<InPersonSuggestion>,
}

impl Submitted {
    /// Whether the result was stored.
    pub fn saved(&self) -> bool {
        self.save_error.is_none()
    }
}

/// Why a scored result could not be stored; a UI branches on it (messages carry no content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SaveError {
    /// The disk is full; nothing was written.
    #[error("the disk is full; the result was not saved")]
    DiskFull,
    /// Another process holds the store.
    #[error("the store is in use by another Solace process; the result was not saved")]
    StoreBusy,
    /// Any other storage failure.
    #[error("the result could not be saved: {message}")]
    Storage {
        /// The storage error's message (no personal data, like every `CoreError`).
        message: String,
    },
}

impl From<&CoreError> for SaveError {
    fn from(err: &CoreError) -> Self {
        match err {
            CoreError::Store(StoreError::DiskFull) => SaveError::DiskFull,
            CoreError::Store(StoreError::Busy) => SaveError::StoreBusy,
            other => SaveError::Storage {
                message: other.to_string(),
            },
        }
    }
}

impl From<SaveError> for CoreError {
    fn from(err: SaveError) -> Self {
        match err {
            SaveError::DiskFull => CoreError::Store(StoreError::DiskFull),
            SaveError::StoreBusy => CoreError::Store(StoreError::Busy),
            SaveError::Storage { .. } => CoreError::Store(StoreError::WriteFailed),
        }
    }
}

/// Difference between two administrations of one instrument.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Previous total.
    pub previous_total: u8,
    /// Current total minus previous total (negative = fewer symptoms).
    pub delta: i16,
    /// Previous band.
    pub previous_severity: Severity,
    /// Days between the two.
    pub days_between: i64,
    /// Whether the change reaches the commonly used clinically meaningful threshold
    /// (5 points on either instrument).
    pub meaningful: bool,
}

impl Change {
    /// Compares `current` with `previous` (same instrument).
    pub fn between(previous: &AssessmentResult, current: &AssessmentResult) -> Self {
        let delta = i16::from(current.total) - i16::from(previous.total);
        Change {
            previous_total: previous.total,
            delta,
            previous_severity: previous.severity,
            days_between: (current.at - previous.at).num_days(),
            meaningful: delta.abs() >= 5,
        }
    }
}

/// Whether any answer of `instrument` must open the safety flow (PHQ-9 item 9 > 0). Pure.
pub fn needs_safety_flow(instrument: Instrument, answers: &[u8]) -> bool {
    answers
        .iter()
        .enumerate()
        .any(|(i, a)| instrument.answer_needs_safety_flow(i, *a))
}

/// Scores a completed questionnaire without touching any store: the pure first step of a
/// submission, usable when no store can be opened.
pub fn score(
    instrument: Instrument,
    answers: Vec<u8>,
    at: DateTime<FixedOffset>,
) -> Result<AssessmentResult> {
    let total = instrument
        .score(&answers)
        .map_err(|e| CoreError::invalid("answers", InputProblem::Score(e)))?;
    Ok(AssessmentResult {
        id: RecordId::generate()?,
        instrument,
        safety_flag: needs_safety_flow(instrument, &answers),
        answers,
        total,
        severity: instrument.severity(total),
        at,
    })
}

/// Scores and stores a completed questionnaire; opens the safety flow if needed.
///
/// Order matters: scoring and the safety decision come first and are pure; the safety prompt
/// is assembled from whatever can be read ([`safety::prompt`] never fails); storing is then
/// attempted and a failure is reported in [`Submitted::save_error`], never as an `Err`, so
/// the caller always gets the prompt. `Err` only means the answers themselves are invalid.
pub fn submit(
    store: &mut Store,
    instrument: Instrument,
    answers: Vec<u8>,
    at: DateTime<FixedOffset>,
) -> Result<Submitted> {
    let result = score(instrument, answers, at)?;
    let safety = result.safety_flag.then(|| safety::prompt(store));
    // An unreadable history only costs the comparison.
    let previous = history(store, instrument).ok().and_then(|mut h| h.pop());
    let save_error = store
        .put(RecordKind::Assessment, &result.id, &result)
        .err()
        .map(|e| SaveError::from(&e));
    // Only after the result is stored, and never an error: the safety flow above is
    // already decided and the result already kept.
    let told = if save_error.is_none() {
        crate::messaging::consent::after_assessment(store, &result).unwrap_or_else(|_| {
            vec!["Your result could not be sent to your therapist now.".to_owned()]
        })
    } else {
        Vec::new()
    };
    let recent: Vec<AssessmentResult> = previous.iter().cloned().chain([result.clone()]).collect();
    let suggest_in_person = in_person::suggestion(store, &recent);
    Ok(Submitted {
        change: previous.map(|p| Change::between(&p, &result)),
        result,
        safety,
        save_error,
        told,
        suggest_in_person,
    })
}

/// Every administration of `instrument`, oldest first.
pub fn history(store: &Store, instrument: Instrument) -> Result<Vec<AssessmentResult>> {
    let mut out: Vec<AssessmentResult> = all(store)?
        .into_iter()
        .filter(|r| r.instrument == instrument)
        .collect();
    crate::sort::sort_by(&mut out, |a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Every administration of every instrument, oldest first.
pub fn all(store: &Store) -> Result<Vec<AssessmentResult>> {
    let mut out: Vec<AssessmentResult> = store
        .list::<AssessmentResult>(RecordKind::Assessment)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    crate::sort::sort_by(&mut out, |a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    Ok(out)
}

#[cfg(test)]
mod safety_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn submit_scores_stores_and_compares() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let first = submit(
            &mut store,
            Instrument::Phq9,
            vec![2, 2, 2, 2, 2, 2, 1, 1, 0],
            at("2026-11-01T09:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            (first.result.total, first.result.severity),
            (14, Severity::Moderate)
        );
        assert!(first.change.is_none() && first.safety.is_none());
        let second = submit(
            &mut store,
            Instrument::Phq9,
            vec![1, 1, 1, 1, 1, 1, 1, 0, 0],
            at("2026-11-15T09:00:00Z"),
        )
        .unwrap();
        let change = second.change.unwrap();
        assert_eq!(
            (change.delta, change.days_between, change.meaningful),
            (-7, 14, true)
        );
        assert_eq!(history(&store, Instrument::Phq9).unwrap().len(), 2);
        assert!(history(&store, Instrument::Gad7).unwrap().is_empty());
        assert!(submit(
            &mut store,
            Instrument::Gad7,
            vec![1, 2],
            at("2026-11-15T09:00:00Z")
        )
        .is_err());
    }

    #[test]
    fn item9_above_zero_opens_the_safety_flow_offline() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let s = submit(
            &mut store,
            Instrument::Phq9,
            vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
            at("2026-11-01T09:00:00Z"),
        )
        .unwrap();
        assert!(s.result.safety_flag && s.saved());
        let prompt = s.safety.unwrap();
        assert!(!prompt.resources.is_empty());
        assert!(prompt.disclaimer.contains("cannot"));
    }
}
