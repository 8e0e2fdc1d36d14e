//! The "talk to a professional in person" suggestion: when a person's own PHQ-9 is in the
//! severe band (20–27) twice in a row, the app suggests in-person care and shows the referral
//! they saved to their safety plan, if any. Never blocking and offline: it is decided from
//! the history already on the device, after the safety flow.

use serde::{Deserialize, Serialize};

use super::{AssessmentResult, Instrument, Severity};
use crate::messaging::referral;
use crate::store::Store;

/// What to show after the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InPersonSuggestion {
    /// The suggestion, in a sentence fit to show.
    pub text: String,
    /// The referral saved to the safety plan ("service — contact"), if any.
    pub saved_referral: Option<String>,
}

/// The sentence shown.
pub const SUGGESTION_TEXT: &str = "Your last two PHQ-9 scores were in the severe range. \
     Talking with a professional in person could help; your therapist can help you find care.";

/// Whether the last two PHQ-9 results in `history` (oldest first; other instruments are
/// skipped) are both in the severe band. Pure.
pub fn severe_twice(history: &[AssessmentResult]) -> bool {
    let mut phq9 = history
        .iter()
        .rev()
        .filter(|r| r.instrument == Instrument::Phq9);
    matches!(
        (phq9.next(), phq9.next()),
        (Some(a), Some(b)) if a.severity == Severity::Severe && b.severity == Severity::Severe
    )
}

/// The suggestion for `history`, with the saved referral read from `store` (a store that
/// cannot be read only costs the referral line).
pub fn suggestion(store: &Store, history: &[AssessmentResult]) -> Option<InPersonSuggestion> {
    severe_twice(history).then(|| InPersonSuggestion {
        text: SUGGESTION_TEXT.to_owned(),
        saved_referral: referral::saved(store)
            .ok()
            .flatten()
            .map(|r| referral::plan_entry(&r.card)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn result(instrument: Instrument, answers: Vec<u8>, day: u32) -> AssessmentResult {
        let at = DateTime::parse_from_rfc3339(&format!("2026-11-{day:02}T09:00:00Z")).unwrap();
        super::super::score(instrument, answers, at).unwrap()
    }

    #[test]
    fn only_two_severe_phq9_in_a_row_suggest_in_person_care() {
        let severe = || result(Instrument::Phq9, vec![3, 3, 3, 3, 3, 3, 2, 2, 0], 2);
        let moderate = || result(Instrument::Phq9, vec![2, 2, 2, 2, 2, 2, 1, 1, 0], 3);
        let gad_severe = || result(Instrument::Gad7, vec![3, 3, 3, 3, 3, 3, 3], 4);
        assert_eq!(severe().severity, Severity::Severe);
        assert!(!severe_twice(&[]));
        assert!(!severe_twice(&[severe()]));
        assert!(severe_twice(&[severe(), severe()]));
        assert!(severe_twice(&[
            moderate(),
            severe(),
            gad_severe(),
            severe()
        ]));
        assert!(!severe_twice(&[severe(), moderate(), severe()]));
        assert!(!severe_twice(&[severe(), severe(), moderate()]));
        assert!(!severe_twice(&[gad_severe(), gad_severe()]));
    }
}
