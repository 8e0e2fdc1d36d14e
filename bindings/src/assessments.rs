//! PHQ-9 / GAD-7 screening with the offline safety flow, and the safety plan (thin wrappers
//! over [`solace_core::assessments`] and [`solace_core::safety`]).

use std::sync::Arc;

use solace_core::assessments as core;
use solace_core::safety;

use solace_core::RecordId;

use crate::common::{now, Timestamp};
use crate::error::Result;
use crate::Inner;

pub use core::{AssessmentResult, Change, InPersonSuggestion, Instrument, Severity};
pub use safety::{CrisisResource, SafetyPlan};

/// A questionnaire.
#[uniffi::remote(Enum)]
pub enum Instrument {
    /// Patient Health Questionnaire-9 (depression).
    Phq9,
    /// Generalized Anxiety Disorder-7.
    Gad7,
}

/// Standard severity band of a total.
#[uniffi::remote(Enum)]
pub enum Severity {
    /// 0–4.
    Minimal,
    /// 5–9.
    Mild,
    /// 10–14.
    Moderate,
    /// PHQ-9 15–19.
    ModeratelySevere,
    /// PHQ-9 20–27, GAD-7 15–21.
    Severe,
}

// Kept: the core's instrument texts are static data behind methods.
/// The text of a questionnaire, for the form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InstrumentInfo {
    /// Display name ("PHQ-9").
    pub name: String,
    /// The question stem shown before the items.
    pub stem: String,
    /// Item texts, in order; each is answered 0–3.
    pub items: Vec<String>,
}

/// Name, stem and items of `instrument`.
#[uniffi::export]
pub fn instrument_info(instrument: Instrument) -> InstrumentInfo {
    InstrumentInfo {
        name: instrument.name().to_owned(),
        stem: instrument.stem().to_owned(),
        items: instrument.items().iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// The safety screen from built-in data only (international crisis resources and the
/// disclaimer, plan marked unreadable): for when no store can be opened at all.
#[uniffi::export]
pub fn builtin_safety_prompt() -> SafetyPrompt {
    safety::SafetyPrompt::builtin().into()
}

/// One completed administration.
#[uniffi::remote(Record)]
pub struct AssessmentResult {
    /// The record id.
    pub id: RecordId,
    /// Which questionnaire.
    pub instrument: Instrument,
    /// One answer 0–3 per item.
    pub answers: Vec<u8>,
    /// Sum of the answers.
    pub total: u8,
    /// Standard band of the total.
    pub severity: Severity,
    /// Whether an answer opened the safety flow.
    pub safety_flag: bool,
    /// When it was completed (RFC 3339).
    pub at: Timestamp,
}

/// Difference from the previous administration.
#[uniffi::remote(Record)]
pub struct Change {
    /// Previous total.
    pub previous_total: u8,
    /// Current minus previous (negative = fewer symptoms).
    pub delta: i16,
    /// Previous band.
    pub previous_severity: Severity,
    /// Days between the two.
    pub days_between: i64,
    /// Whether the change reaches the 5-point threshold.
    pub meaningful: bool,
}

/// A crisis line or emergency number.
#[uniffi::remote(Record)]
pub struct CrisisResource {
    /// Service name.
    pub name: String,
    /// How to reach it ("call or text 988").
    pub contact: String,
    /// Region code (ISO 3166-1 alpha-2, or "INTL").
    pub region: String,
}

/// The person's Stanley–Brown safety plan, in their own words.
#[uniffi::remote(Record)]
pub struct SafetyPlan {
    /// 1. Warning signs that a crisis may be developing.
    #[uniffi(default = [])]
    pub warning_signs: Vec<String>,
    /// 2. Things I can do on my own.
    #[uniffi(default = [])]
    pub coping_strategies: Vec<String>,
    /// 3. People and places that help me feel better.
    #[uniffi(default = [])]
    pub distraction_contacts: Vec<String>,
    /// 4. People I can ask for help.
    #[uniffi(default = [])]
    pub help_contacts: Vec<String>,
    /// 5. Professionals or agencies I can contact in a crisis.
    #[uniffi(default = [])]
    pub professionals: Vec<String>,
    /// 6. Making my environment safe.
    #[uniffi(default = [])]
    pub safe_environment: Vec<String>,
    /// What makes life worth living.
    #[uniffi(default = [])]
    pub reasons_for_living: Vec<String>,
    /// Last change (RFC 3339); set by `save_plan`.
    #[uniffi(default = None)]
    pub updated_at: Option<Timestamp>,
}

// Kept as a twin of `safety::SafetyPrompt`, whose disclaimer is a `&'static str`.
/// What the safety screen shows, available offline.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SafetyPrompt {
    /// The person's plan (empty if not written yet).
    pub plan: SafetyPlan,
    /// Crisis resources: the person's own first, then built-in ones for their region.
    pub resources: Vec<CrisisResource>,
    /// That Solace cannot respond to emergencies.
    pub disclaimer: String,
    /// The stored plan could not be read (damaged or tampered with): say so and show the
    /// resources anyway.
    #[uniffi(default = false)]
    pub plan_unreadable: bool,
    /// The stored settings could not be read: only built-in resources are shown.
    #[uniffi(default = false)]
    pub settings_unreadable: bool,
}

impl From<safety::SafetyPrompt> for SafetyPrompt {
    fn from(p: safety::SafetyPrompt) -> Self {
        Self {
            plan: p.plan,
            resources: p.resources,
            disclaimer: p.disclaimer.to_owned(),
            plan_unreadable: p.plan_unreadable,
            settings_unreadable: p.settings_unreadable,
        }
    }
}

// Kept as a twin of `core::Submitted`: the apps get the save error as text.
/// What the app must show after a submission.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Submitted {
    /// The stored result.
    pub result: AssessmentResult,
    /// Change from the previous administration, if any.
    pub change: Option<Change>,
    /// Present when the safety flow must open now (PHQ-9 item 9 > 0), even when the result
    /// could not be stored.
    pub safety: Option<SafetyPrompt>,
    /// Why the result was not stored (show it after the safety prompt); `None` when stored.
    #[uniffi(default = None)]
    pub save_error: Option<String>,
    /// What went to linked therapists on its own, as the person chose (sentences to show).
    #[uniffi(default = [])]
    pub told: Vec<String>,
    /// Present when the last two PHQ-9 scores were severe: suggest in-person care (after the
    /// safety prompt, never blocking), with the referral saved to the safety plan, if any.
    #[uniffi(default = None)]
    pub suggest_in_person: Option<InPersonSuggestion>,
}

/// The "talk to a professional in person" suggestion.
#[uniffi::remote(Record)]
pub struct InPersonSuggestion {
    /// The sentence to show.
    pub text: String,
    /// The saved referral ("service — contact"), if any.
    pub saved_referral: Option<String>,
}

impl From<core::Submitted> for Submitted {
    fn from(s: core::Submitted) -> Self {
        Self {
            result: s.result,
            change: s.change,
            safety: s.safety.map(Into::into),
            save_error: s.save_error.map(|e| e.to_string()),
            told: s.told,
            suggest_in_person: s.suggest_in_person,
        }
    }
}

/// Screening questionnaires and the safety plan of one store (from
/// [`crate::Solace::assessments`]).
#[derive(uniffi::Object)]
pub struct Assessments {
    pub(crate) inner: Arc<Inner>,
}

#[uniffi::export]
impl Assessments {
    /// Scores and stores a completed questionnaire. When an answer needs it (PHQ-9 item 9 >
    /// 0), `safety` is filled in by this same call, offline: show it at once.
    pub fn submit(&self, instrument: Instrument, answers: Vec<u8>) -> Result<Submitted> {
        self.inner
            .with(|s| core::submit(s, instrument, answers, now()))
            .map(Into::into)
    }

    /// Every administration of `instrument`, oldest first.
    pub fn history(&self, instrument: Instrument) -> Result<Vec<AssessmentResult>> {
        self.inner.read(|s| core::history(s, instrument))
    }

    /// The safety screen: plan, crisis resources (own first) and disclaimer. Offline; a plan
    /// or settings record that cannot be read is replaced by built-in data and flagged.
    /// Never fails in practice: a closed store yields [`builtin_safety_prompt`].
    pub fn safety_prompt(&self) -> Result<SafetyPrompt> {
        Ok(self
            .inner
            .with(|s| Ok(safety::prompt(s)))
            .unwrap_or_else(|_| safety::SafetyPrompt::builtin())
            .into())
    }

    /// The saved safety plan (empty if none).
    pub fn safety_plan(&self) -> Result<SafetyPlan> {
        self.inner.read(safety::plan)
    }

    /// Saves the safety plan (entries trimmed, empty ones dropped) and returns it.
    pub fn save_safety_plan(&self, plan: SafetyPlan) -> Result<SafetyPlan> {
        self.inner.with(|s| safety::save_plan(s, plan, now()))
    }
}
