//! Screening assessments (PHQ-9, GAD-7): scoring, encrypted history, change between
//! administrations, and the immediate, offline safety flow when PHQ-9 item 9 is above zero.

pub mod instruments;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::safety::{self, SafetyPrompt};
use crate::store::Store;

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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Submitted {
    /// The stored result.
    pub result: AssessmentResult,
    /// Change from the previous administration of the same instrument, if any.
    pub change: Option<Change>,
    /// Present when the safety flow must open now: the person's plan and crisis resources.
    pub safety: Option<SafetyPrompt>,
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

/// Scores and stores a completed questionnaire; opens the safety flow if needed.
pub fn submit(
    store: &mut Store,
    instrument: Instrument,
    answers: Vec<u8>,
    at: DateTime<FixedOffset>,
) -> Result<Submitted> {
    let total = instrument
        .score(&answers)
        .map_err(|e| CoreError::InvalidInput(e.to_string()))?;
    let safety_flag = answers
        .iter()
        .enumerate()
        .any(|(i, a)| instrument.answer_needs_safety_flow(i, *a));
    let result = AssessmentResult {
        id: RecordId::generate()?,
        instrument,
        answers,
        total,
        severity: instrument.severity(total),
        safety_flag,
        at,
    };
    let previous = history(store, instrument)?.pop();
    store.put(RecordKind::Assessment, &result.id, &result)?;
    let safety = if safety_flag {
        Some(safety::prompt(store)?)
    } else {
        None
    };
    Ok(Submitted {
        change: previous.map(|p| Change::between(&p, &result)),
        result,
        safety,
    })
}

/// Every administration of `instrument`, oldest first.
pub fn history(store: &Store, instrument: Instrument) -> Result<Vec<AssessmentResult>> {
    let mut out: Vec<AssessmentResult> = all(store)?
        .into_iter()
        .filter(|r| r.instrument == instrument)
        .collect();
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Every administration of every instrument, oldest first.
pub fn all(store: &Store) -> Result<Vec<AssessmentResult>> {
    let mut out: Vec<AssessmentResult> = store
        .list::<AssessmentResult>(RecordKind::Assessment)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    out.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    Ok(out)
}

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
        assert!(s.result.safety_flag);
        let prompt = s.safety.unwrap();
        assert!(!prompt.resources.is_empty());
        assert!(prompt.disclaimer.contains("cannot"));
    }
}
