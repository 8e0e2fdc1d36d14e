//! Micro-sessions: check-in → technique → reflection → rating → follow-up, stored after every
//! step (thin wrappers over [`solace_core::sessions`]).

use std::collections::HashMap;
use std::sync::Arc;

use solace_core::sessions as core;
use solace_core::sessions::techniques;

use solace_core::RecordId;

use crate::common::{ffi_via, now, Timestamp};
use crate::error::Result;
use crate::Inner;

pub use core::{BreathingPattern, CheckIn as SessionCheckIn, FollowUp as FollowUpChoice};
pub use techniques::{StepKind, TechniqueId};

/// A session technique.
#[uniffi::remote(Enum)]
pub enum TechniqueId {
    /// CBT cognitive reframing (writes a thought record to the journal).
    CbtReframe,
    /// Solution-focused questions.
    SolutionFocused,
    /// Motivational interviewing with a 1–10 readiness ruler.
    MotivationalInterviewing,
    /// Paced mindful breathing.
    MindfulBreathing,
    /// Strengths-based reflection.
    StrengthsBased,
    /// Emotion regulation: name it, rate it, count down, re-rate.
    EmotionRegulation,
}

/// Seconds per phase of one breathing cycle.
#[uniffi::remote(Record)]
pub struct BreathingPattern {
    /// Breathe in.
    pub inhale: u32,
    /// Hold after breathing in.
    pub hold: u32,
    /// Breathe out.
    pub exhale: u32,
    /// Hold after breathing out.
    pub hold_after: u32,
}

/// What the person wants after the session.
#[uniffi::remote(Enum)]
pub enum FollowUpChoice {
    /// Another session tomorrow.
    SessionTomorrow,
    /// Write to my therapist.
    MessageTherapist,
    /// Book a short call.
    BookCall,
    /// Nothing for now.
    Nothing,
}

// A twin of `core::Answer`, kept because the core's number and text answers are tuple
// variants (their serde form is frozen) while the apps see named fields.
/// An answer to one technique step.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SessionAnswer {
    /// A scale value.
    Number {
        /// The value.
        value: u8,
    },
    /// Free text (may be empty for optional steps).
    Text {
        /// The text.
        text: String,
    },
    /// A timed exercise completed (or cut short) after `seconds`.
    Completed {
        /// Seconds spent.
        seconds: u32,
    },
}

impl From<core::Answer> for SessionAnswer {
    fn from(a: core::Answer) -> Self {
        match a {
            core::Answer::Number(value) => Self::Number { value },
            core::Answer::Text(text) => Self::Text { text },
            core::Answer::Completed { seconds } => Self::Completed { seconds },
        }
    }
}

impl From<SessionAnswer> for core::Answer {
    fn from(a: SessionAnswer) -> Self {
        match a {
            SessionAnswer::Number { value } => Self::Number(value),
            SessionAnswer::Text { text } => Self::Text(text),
            SessionAnswer::Completed { seconds } => Self::Completed { seconds },
        }
    }
}

ffi_via!(core::Answer => SessionAnswer);

// Kept as the apps' form of `core::Input`, whose variants are tuples.
/// Input for the session's current stage.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum SessionInput {
    /// The opening check-in.
    CheckIn {
        /// Mood 1–10.
        mood: u8,
        /// "What's on your mind?" in one line.
        on_mind: String,
    },
    /// The technique to run (and a breathing pattern for breathing techniques).
    Choose {
        /// The technique.
        technique: TechniqueId,
        /// Breathing pattern; the technique's default when null.
        breathing: Option<BreathingPattern>,
    },
    /// The answer to the current technique step.
    Answer {
        /// The answer.
        answer: core::Answer,
    },
    /// The reflection text.
    Reflection {
        /// The text.
        text: String,
    },
    /// "Did this help?" 1–5.
    Rating {
        /// 1–5.
        value: u8,
    },
    /// The follow-up decision.
    FollowUp {
        /// The choice.
        choice: FollowUpChoice,
    },
}

impl From<SessionInput> for core::Input {
    fn from(i: SessionInput) -> Self {
        match i {
            SessionInput::CheckIn { mood, on_mind } => {
                Self::CheckIn(core::CheckIn { mood, on_mind })
            }
            SessionInput::Choose {
                technique,
                breathing,
            } => Self::Choose(technique, breathing),
            SessionInput::Answer { answer } => Self::Answer(answer),
            SessionInput::Reflection { text } => Self::Reflection(text),
            SessionInput::Rating { value } => Self::Rating(value),
            SessionInput::FollowUp { choice } => Self::FollowUp(choice),
        }
    }
}

// A twin of `core::Stage`, kept because the core counts steps in `usize`, which the FFI does
// not carry.
/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SessionStage {
    /// Waiting for the check-in.
    CheckIn,
    /// Waiting for a technique to be chosen.
    ChooseTechnique,
    /// Inside the technique, at step `step` (0-based).
    Technique {
        /// 0-based step index.
        step: u32,
    },
    /// Waiting for a short reflection.
    Reflection,
    /// Waiting for the "did this help?" rating.
    Rating,
    /// Waiting for the follow-up decision.
    FollowUp,
    /// Finished.
    Done,
}

impl From<core::Stage> for SessionStage {
    fn from(s: core::Stage) -> Self {
        match s {
            core::Stage::CheckIn => Self::CheckIn,
            core::Stage::ChooseTechnique => Self::ChooseTechnique,
            core::Stage::Technique { step } => Self::Technique {
                step: u32::try_from(step).unwrap_or(u32::MAX),
            },
            core::Stage::Reflection => Self::Reflection,
            core::Stage::Rating => Self::Rating,
            core::Stage::FollowUp => Self::FollowUp,
            core::Stage::Done => Self::Done,
        }
    }
}

/// What kind of answer a step wants.
#[uniffi::remote(Enum)]
pub enum StepKind {
    /// Free text.
    Text,
    /// A number on an inclusive scale.
    Scale {
        /// Lowest value.
        min: u8,
        /// Highest value.
        max: u8,
    },
    /// A paced breathing exercise; answer with `SessionAnswer.Completed`.
    Breathing {
        /// Default pattern.
        pattern: BreathingPattern,
        /// Number of cycles.
        cycles: u32,
    },
    /// Count down from `from` to 1; answer with `SessionAnswer.Completed`.
    Countdown {
        /// Starting number.
        from: u8,
    },
}

// Kept: the core's step holds static text and an unrendered prompt.
/// The technique step waiting for an answer.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SessionStep {
    /// Key the answer is stored under.
    pub key: String,
    /// The prompt, with earlier answers filled in.
    pub prompt: String,
    /// What kind of answer.
    pub kind: StepKind,
    /// Whether it may be left empty.
    pub optional: bool,
}

/// The opening check-in.
#[uniffi::remote(Record)]
pub struct SessionCheckIn {
    /// Mood 1–10.
    pub mood: u8,
    /// "What's on your mind?"
    pub on_mind: String,
}

// Kept as a twin of `core::MicroSession`: the apps also get the current step with its prompt
// rendered, which the core computes rather than stores.
/// One micro-session, stored encrypted after every step.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MicroSession {
    /// Record id.
    pub id: RecordId,
    /// When it started (RFC 3339).
    pub started_at: Timestamp,
    /// Last answer (RFC 3339).
    pub updated_at: Timestamp,
    /// When it finished (RFC 3339).
    pub finished_at: Option<Timestamp>,
    /// Where it is.
    pub stage: SessionStage,
    /// The step waiting for an answer, while inside the technique.
    pub current_step: Option<SessionStep>,
    /// The opening check-in.
    pub check_in: Option<SessionCheckIn>,
    /// The technique chosen.
    pub technique: Option<TechniqueId>,
    /// Breathing pattern chosen.
    pub breathing: Option<BreathingPattern>,
    /// Answers by step key.
    pub answers: HashMap<String, core::Answer>,
    /// The closing reflection.
    pub reflection: Option<String>,
    /// "Did this help?" 1–5.
    pub helpful: Option<u8>,
    /// The follow-up decision.
    pub follow_up: Option<FollowUpChoice>,
    /// Active seconds so far.
    pub active_seconds: u32,
    /// Journal entry this session produced (CBT reframing).
    pub journal_entry: Option<RecordId>,
    /// How far it has come, 0 to 1 (the progress bar; computed by the core).
    pub progress: f64,
}

impl From<core::MicroSession> for MicroSession {
    fn from(s: core::MicroSession) -> Self {
        let current_step = s.current_step().map(|step| SessionStep {
            key: step.key.to_owned(),
            prompt: s.render_prompt(step.prompt),
            kind: step.kind.clone(),
            optional: step.optional,
        });
        let progress = solace_core::app::present::session_progress(&s);
        Self {
            id: s.id,
            started_at: s.started_at,
            updated_at: s.updated_at,
            finished_at: s.finished_at,
            stage: s.stage.into(),
            current_step,
            check_in: s.check_in,
            technique: s.technique,
            breathing: s.breathing,
            answers: s.answers.into_iter().collect(),
            reflection: s.reflection,
            helpful: s.helpful,
            follow_up: s.follow_up,
            active_seconds: s.active_seconds,
            journal_entry: s.journal_entry,
            progress,
        }
    }
}

// Kept: the core ranks as `(TechniqueId, f64)` pairs.
/// A technique with its score.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RankedTechnique {
    /// The technique.
    pub technique: TechniqueId,
    /// Its score (higher is better).
    pub score: f64,
}

/// The suggested technique for a check-in.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Suggestion {
    /// The pick.
    pub technique: TechniqueId,
    /// A short human reason.
    pub reason: String,
    /// Every technique with its score, best first.
    pub ranked: Vec<RankedTechnique>,
}

// Kept: the core's technique is static data with its steps.
/// Display facts of a technique.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TechniqueInfo {
    /// Its id.
    pub id: TechniqueId,
    /// Display name.
    pub name: String,
    /// What it is for, in a sentence.
    pub description: String,
    /// Number of steps.
    pub steps: u32,
}

/// Every technique, in menu order.
#[uniffi::export]
pub fn techniques() -> Vec<TechniqueInfo> {
    core::TechniqueId::ALL
        .into_iter()
        .map(|id| {
            let t = id.technique();
            TechniqueInfo {
                id,
                name: t.name.to_owned(),
                description: t.description.to_owned(),
                steps: u32::try_from(t.steps.len()).unwrap_or(u32::MAX),
            }
        })
        .collect()
}

/// Micro-sessions of one store (get it from [`crate::Solace::sessions`]).
#[derive(uniffi::Object)]
pub struct Sessions {
    pub(crate) inner: Arc<Inner>,
}

#[uniffi::export]
impl Sessions {
    /// Starts a new session at the check-in.
    pub fn start(&self) -> Result<MicroSession> {
        self.inner.with(|s| core::start(s, now())).map(Into::into)
    }

    /// The most recent unfinished session, to resume.
    pub fn in_progress(&self) -> Result<Option<MicroSession>> {
        self.inner
            .read(core::in_progress)
            .map(|o| o.map(Into::into))
    }

    /// The session with `id`.
    pub fn get(&self, id: String) -> Result<MicroSession> {
        let id = crate::common::id(&id)?;
        self.inner.read(|s| core::get(s, &id)).map(Into::into)
    }

    /// Every session, newest first.
    pub fn list(&self) -> Result<Vec<MicroSession>> {
        self.inner
            .read(core::list)
            .map(|v| v.into_iter().map(Into::into).collect())
    }

    /// Applies `input` to session `id` and stores the result in one transaction. An input that
    /// does not fit the current stage is `InvalidInput` and changes nothing.
    pub fn advance(&self, id: String, input: SessionInput) -> Result<MicroSession> {
        let id = crate::common::id(&id)?;
        self.inner
            .with(|s| {
                let session = core::get(s, &id)?;
                core::advance(s, &session, input.into(), now())
            })
            .map(Into::into)
    }

    /// Drops an unfinished session.
    pub fn abandon(&self, id: String) -> Result<()> {
        let id = crate::common::id(&id)?;
        self.inner.with(|s| core::abandon(s, &id))
    }

    /// Suggests a technique for a check-in from its words and past ratings.
    pub fn suggest(&self, mood: u8, on_mind: String) -> Result<Suggestion> {
        let check_in = core::CheckIn { mood, on_mind };
        self.inner
            .read(|s| core::suggest(s, &check_in))
            .map(|sg| Suggestion {
                technique: sg.technique,
                reason: sg.reason,
                ranked: sg
                    .ranked
                    .into_iter()
                    .map(|(technique, score)| RankedTechnique { technique, score })
                    .collect(),
            })
    }
}
