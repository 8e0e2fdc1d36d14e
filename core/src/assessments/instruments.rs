//! The PHQ-9 and GAD-7 questionnaires: item texts, answer options, exact standard scoring and
//! severity bands, and which answer must open the safety flow.

use serde::{Deserialize, Serialize};

/// A validated screening questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// Patient Health Questionnaire-9 (depression).
    Phq9,
    /// Generalized Anxiety Disorder-7.
    Gad7,
}

/// Severity band of a total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// PHQ-9 0–4, GAD-7 0–4.
    Minimal,
    /// PHQ-9 5–9, GAD-7 5–9.
    Mild,
    /// PHQ-9 10–14, GAD-7 10–14.
    Moderate,
    /// PHQ-9 15–19.
    ModeratelySevere,
    /// PHQ-9 20–27, GAD-7 15–21.
    Severe,
}

impl Severity {
    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Minimal => "minimal",
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::ModeratelySevere => "moderately severe",
            Severity::Severe => "severe",
        }
    }
}

/// The four answer options shared by both instruments, scored 0–3.
pub const OPTIONS: [&str; 4] = [
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
];

const PHQ9_ITEMS: [&str; 9] = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
];

const GAD7_ITEMS: [&str; 7] = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
];

/// LOINC codes of the PHQ-9 items, in order (for FHIR export).
const PHQ9_LOINC: [&str; 9] = [
    "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3",
    "44260-8",
];

/// LOINC codes of the GAD-7 items, in order (for FHIR export).
const GAD7_LOINC: [&str; 7] = [
    "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7",
];

impl Instrument {
    /// Both instruments.
    pub const ALL: [Instrument; 2] = [Instrument::Phq9, Instrument::Gad7];

    /// Short name ("PHQ-9").
    pub fn name(self) -> &'static str {
        match self {
            Instrument::Phq9 => "PHQ-9",
            Instrument::Gad7 => "GAD-7",
        }
    }

    /// Command-line / file name ("phq9").
    pub fn slug(self) -> &'static str {
        match self {
            Instrument::Phq9 => "phq9",
            Instrument::Gad7 => "gad7",
        }
    }

    /// Parses a slug or name, case-insensitively.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase().replace('-', "");
        Self::ALL.into_iter().find(|i| i.slug() == t)
    }

    /// The question stem shown before the items.
    pub fn stem(self) -> &'static str {
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    }

    /// Item texts, in order.
    pub fn items(self) -> &'static [&'static str] {
        match self {
            Instrument::Phq9 => &PHQ9_ITEMS,
            Instrument::Gad7 => &GAD7_ITEMS,
        }
    }

    /// LOINC item codes, in order.
    pub fn item_codes(self) -> &'static [&'static str] {
        match self {
            Instrument::Phq9 => &PHQ9_LOINC,
            Instrument::Gad7 => &GAD7_LOINC,
        }
    }

    /// LOINC code of the whole panel and of its total score.
    pub fn panel_codes(self) -> (&'static str, &'static str) {
        match self {
            Instrument::Phq9 => ("44249-1", "44261-6"),
            Instrument::Gad7 => ("69737-5", "70274-6"),
        }
    }

    /// Highest possible total (27 or 21).
    pub fn max_score(self) -> u8 {
        self.items().len() as u8 * 3
    }

    /// The standard severity band of `total`.
    pub fn severity(self, total: u8) -> Severity {
        match (self, total) {
            (_, 0..=4) => Severity::Minimal,
            (_, 5..=9) => Severity::Mild,
            (_, 10..=14) => Severity::Moderate,
            (Instrument::Phq9, 15..=19) => Severity::ModeratelySevere,
            _ => Severity::Severe,
        }
    }

    /// Whether answering `value` to item `index` (0-based) must open the safety flow now:
    /// PHQ-9 item 9 (thoughts of self-harm) above "Not at all".
    pub fn answer_needs_safety_flow(self, index: usize, value: u8) -> bool {
        self == Instrument::Phq9 && index == 8 && value > 0
    }

    /// Checks a full set of answers and returns the total.
    pub fn score(self, answers: &[u8]) -> Result<u8, ScoreError> {
        if answers.len() != self.items().len() {
            return Err(ScoreError::WrongCount {
                expected: self.items().len(),
                got: answers.len(),
            });
        }
        if let Some(index) = answers.iter().position(|a| *a > 3) {
            return Err(ScoreError::OutOfRange { item: index + 1 });
        }
        Ok(answers.iter().sum())
    }
}

/// Why a set of answers cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// Not one answer per item.
    #[error("expected {expected} answers, got {got}")]
    WrongCount {
        /// Items in the instrument.
        expected: usize,
        /// Answers given.
        got: usize,
    },
    /// An answer outside 0–3.
    #[error("answer to item {item} must be 0-3")]
    OutOfRange {
        /// 1-based item number.
        item: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phq9_bands_are_exact() {
        let p = Instrument::Phq9;
        let bands: Vec<Severity> = [0, 4, 5, 9, 10, 14, 15, 19, 20, 27]
            .iter()
            .map(|s| p.severity(*s))
            .collect();
        use Severity::*;
        assert_eq!(
            bands,
            [
                Minimal,
                Minimal,
                Mild,
                Mild,
                Moderate,
                Moderate,
                ModeratelySevere,
                ModeratelySevere,
                Severe,
                Severe
            ]
        );
        assert_eq!(p.max_score(), 27);
    }

    #[test]
    fn gad7_bands_are_exact() {
        let g = Instrument::Gad7;
        let bands: Vec<Severity> = [0, 4, 5, 9, 10, 14, 15, 21]
            .iter()
            .map(|s| g.severity(*s))
            .collect();
        use Severity::*;
        assert_eq!(
            bands,
            [Minimal, Minimal, Mild, Mild, Moderate, Moderate, Severe, Severe]
        );
        assert_eq!(g.max_score(), 21);
    }

    #[test]
    fn scoring_validates_and_sums() {
        assert_eq!(Instrument::Phq9.score(&[1, 2, 3, 0, 1, 2, 3, 0, 0]), Ok(12));
        assert_eq!(Instrument::Gad7.score(&[3; 7]), Ok(21));
        assert_eq!(
            Instrument::Gad7.score(&[1; 6]),
            Err(ScoreError::WrongCount {
                expected: 7,
                got: 6
            })
        );
        assert_eq!(
            Instrument::Phq9.score(&[0, 0, 4, 0, 0, 0, 0, 0, 0]),
            Err(ScoreError::OutOfRange { item: 3 })
        );
    }

    #[test]
    fn only_phq9_item9_opens_the_safety_flow() {
        assert!(Instrument::Phq9.answer_needs_safety_flow(8, 1));
        assert!(!Instrument::Phq9.answer_needs_safety_flow(8, 0));
        assert!(!Instrument::Phq9.answer_needs_safety_flow(7, 3));
        assert!(!Instrument::Gad7.answer_needs_safety_flow(6, 3));
        assert_eq!(Instrument::parse("PHQ-9"), Some(Instrument::Phq9));
        assert_eq!(Instrument::parse("gad7"), Some(Instrument::Gad7));
    }
}
