//! The micro-session state machine: check-in → technique steps → reflection → "did this
//! help?" → follow-up. Pure: every transition takes the session and an input and returns the
//! next session, so persisting after each step makes any interruption resumable.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::techniques::{BreathingPattern, Step, StepKind, TechniqueId};
use crate::record::RecordId;

/// A gap between two answers longer than this counts as a pause, not as session time.
pub const MAX_ACTIVE_GAP_SECONDS: i64 = 10 * 60;

/// The opening check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    /// Mood 1–10.
    pub mood: u8,
    /// "What's on your mind?" in one line.
    pub on_mind: String,
}

/// What the person wants after the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    /// Another session tomorrow.
    SessionTomorrow,
    /// Write to my therapist.
    MessageTherapist,
    /// Book a short call.
    BookCall,
    /// Nothing for now.
    Nothing,
}

impl FollowUp {
    /// All choices, in menu order.
    pub const ALL: [FollowUp; 4] = [
        FollowUp::SessionTomorrow,
        FollowUp::MessageTherapist,
        FollowUp::BookCall,
        FollowUp::Nothing,
    ];

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            FollowUp::SessionTomorrow => "Another session tomorrow",
            FollowUp::MessageTherapist => "Message my therapist",
            FollowUp::BookCall => "Book a short call",
            FollowUp::Nothing => "Nothing for now",
        }
    }
}

/// A recorded answer to one technique step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// A scale value.
    Number(u8),
    /// Free text (possibly empty for optional steps).
    Text(String),
    /// A timed exercise was completed (or cut short) after this many seconds.
    Completed {
        /// Seconds spent.
        seconds: u32,
    },
}

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the check-in.
    CheckIn,
    /// Waiting for a technique to be chosen (a suggestion is offered).
    ChooseTechnique,
    /// Inside the technique, at step `step`.
    Technique {
        /// 0-based step index.
        step: usize,
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

/// One micro-session, stored encrypted after every step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MicroSession {
    /// Record id.
    pub id: RecordId,
    /// When it started.
    pub started_at: DateTime<FixedOffset>,
    /// Last answer.
    pub updated_at: DateTime<FixedOffset>,
    /// When it finished.
    #[serde(default)]
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// Where it is.
    pub stage: Stage,
    /// The opening check-in.
    #[serde(default)]
    pub check_in: Option<CheckIn>,
    /// The technique chosen.
    #[serde(default)]
    pub technique: Option<TechniqueId>,
    /// Breathing pattern chosen, if the technique breathes.
    #[serde(default)]
    pub breathing: Option<BreathingPattern>,
    /// Answers by step key.
    #[serde(default)]
    pub answers: BTreeMap<String, Answer>,
    /// The closing reflection.
    #[serde(default)]
    pub reflection: Option<String>,
    /// "Did this help?" 1–5.
    #[serde(default)]
    pub helpful: Option<u8>,
    /// The follow-up decision.
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
    /// Active seconds so far (pauses longer than 10 minutes are not counted).
    #[serde(default)]
    pub active_seconds: u32,
    /// Record id of the journal entry this session produced (CBT reframing), if any.
    #[serde(default)]
    pub journal_entry: Option<RecordId>,
    /// The mood check-in the opening check-in counts as (one it wrote, or one logged just
    /// before the session), so the mood shows in stats, the calendar and insights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mood_check_in: Option<RecordId>,
}

/// Input for the current stage.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The check-in.
    CheckIn(CheckIn),
    /// The technique to run (and a breathing pattern for breathing techniques).
    Choose(TechniqueId, Option<BreathingPattern>),
    /// The answer to the current technique step.
    Answer(Answer),
    /// The reflection text.
    Reflection(String),
    /// The rating 1–5.
    Rating(u8),
    /// The follow-up decision.
    FollowUp(FollowUp),
}

/// Why an input was refused. The session is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// The input does not belong to the current stage.
    #[error("that input does not fit the current step")]
    WrongStage,
    /// The value is out of range or empty where an answer is required.
    #[error("{0}")]
    Invalid(String),
}

impl MicroSession {
    /// A fresh session at the check-in.
    pub fn new(id: RecordId, now: DateTime<FixedOffset>) -> Self {
        MicroSession {
            id,
            started_at: now,
            updated_at: now,
            finished_at: None,
            stage: Stage::CheckIn,
            check_in: None,
            technique: None,
            breathing: None,
            answers: BTreeMap::new(),
            reflection: None,
            helpful: None,
            follow_up: None,
            active_seconds: 0,
            journal_entry: None,
            mood_check_in: None,
        }
    }

    /// The step waiting for an answer, if the session is inside its technique.
    pub fn current_step(&self) -> Option<Step> {
        match (self.stage, self.technique) {
            (Stage::Technique { step }, Some(t)) => t.technique().steps.get(step).cloned(),
            _ => None,
        }
    }

    /// The current step's prompt with `{key}` / `{key+1}` filled from earlier scale answers.
    pub fn render_prompt(&self, prompt: &str) -> String {
        let mut out = prompt.to_owned();
        for (key, answer) in &self.answers {
            if let Answer::Number(n) = answer {
                out = out.replace(&format!("{{{key}+1}}"), &(u16::from(*n) + 1).to_string());
                out = out.replace(&format!("{{{key}}}"), &n.to_string());
            }
        }
        out
    }

    /// Whether it has finished.
    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// Applies `input` at time `now` and returns the next state; the original is untouched
    /// when the input is refused.
    pub fn apply(
        &self,
        input: Input,
        now: DateTime<FixedOffset>,
    ) -> Result<MicroSession, StepError> {
        let mut next = self.clone();
        match (self.stage, input) {
            (Stage::CheckIn, Input::CheckIn(check_in)) => {
                if !(1..=10).contains(&check_in.mood) {
                    return Err(StepError::Invalid("mood must be between 1 and 10".into()));
                }
                next.check_in = Some(CheckIn {
                    mood: check_in.mood,
                    on_mind: check_in.on_mind.trim().to_owned(),
                });
                next.stage = Stage::ChooseTechnique;
            }
            (Stage::ChooseTechnique, Input::Choose(id, pattern)) => {
                next.technique = Some(id);
                next.breathing = pattern;
                next.stage = Stage::Technique { step: 0 };
            }
            (Stage::Technique { step }, Input::Answer(answer)) => {
                let current = self.current_step().ok_or(StepError::WrongStage)?;
                let answer = validate_answer(&current, answer)?;
                next.answers.insert(current.key.to_owned(), answer);
                let steps = self.technique.map_or(0, |t| t.technique().steps.len());
                next.stage = if step + 1 < steps {
                    Stage::Technique { step: step + 1 }
                } else {
                    Stage::Reflection
                };
            }
            (Stage::Reflection, Input::Reflection(text)) => {
                next.reflection = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
                next.stage = Stage::Rating;
            }
            (Stage::Rating, Input::Rating(rating)) => {
                if !(1..=5).contains(&rating) {
                    return Err(StepError::Invalid("the rating is 1 to 5".into()));
                }
                next.helpful = Some(rating);
                next.stage = Stage::FollowUp;
            }
            (Stage::FollowUp, Input::FollowUp(choice)) => {
                next.follow_up = Some(choice);
                next.stage = Stage::Done;
                next.finished_at = Some(now);
            }
            _ => return Err(StepError::WrongStage),
        }
        let gap = (now - self.updated_at)
            .num_seconds()
            .clamp(0, MAX_ACTIVE_GAP_SECONDS);
        next.active_seconds = self.active_seconds.saturating_add(gap as u32);
        next.updated_at = now;
        Ok(next)
    }
}

fn validate_answer(step: &Step, answer: Answer) -> Result<Answer, StepError> {
    match (&step.kind, answer) {
        (StepKind::Scale { min, max }, Answer::Number(n)) => {
            if n < *min || n > *max {
                Err(StepError::Invalid(format!(
                    "enter a number from {min} to {max}"
                )))
            } else {
                Ok(Answer::Number(n))
            }
        }
        (StepKind::Text, Answer::Text(t)) => {
            let t = t.trim().to_owned();
            if t.is_empty() && !step.optional {
                Err(StepError::Invalid(
                    "please write a few words (or pause the session)".into(),
                ))
            } else {
                Ok(Answer::Text(t))
            }
        }
        (
            StepKind::Breathing { .. } | StepKind::Countdown { .. },
            Answer::Completed { seconds },
        ) => Ok(Answer::Completed { seconds }),
        _ => Err(StepError::Invalid(
            "that kind of answer does not fit this step".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-20T20:00:00+01:00").unwrap()
            + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn a_full_strengths_session_runs_to_completion() {
        let mut s = MicroSession::new(RecordId([1; 16]), t(0));
        s = s
            .apply(
                Input::CheckIn(CheckIn {
                    mood: 6,
                    on_mind: " work ".into(),
                }),
                t(0),
            )
            .unwrap();
        assert_eq!(s.check_in.as_ref().unwrap().on_mind, "work");
        s = s
            .apply(Input::Choose(TechniqueId::StrengthsBased, None), t(1))
            .unwrap();
        for answer in [
            "finished the report",
            "persistence",
            "start with the hardest email",
        ] {
            s = s
                .apply(Input::Answer(Answer::Text(answer.into())), t(2))
                .unwrap();
        }
        assert_eq!(s.stage, Stage::Reflection);
        s = s
            .apply(Input::Reflection("felt good".into()), t(3))
            .unwrap();
        assert!(s.apply(Input::Rating(6), t(3)).is_err());
        s = s.apply(Input::Rating(4), t(3)).unwrap();
        s = s
            .apply(Input::FollowUp(FollowUp::SessionTomorrow), t(4))
            .unwrap();
        assert!(s.is_done());
        assert_eq!(s.active_seconds, 240);
        assert_eq!(s.finished_at, Some(t(4)));
        assert_eq!(s.apply(Input::Rating(3), t(5)), Err(StepError::WrongStage));
    }

    #[test]
    fn long_pauses_do_not_count_and_invalid_answers_change_nothing() {
        let mut s = MicroSession::new(RecordId([1; 16]), t(0));
        assert_eq!(
            s.apply(
                Input::CheckIn(CheckIn {
                    mood: 0,
                    on_mind: String::new()
                }),
                t(0)
            ),
            Err(StepError::Invalid("mood must be between 1 and 10".into()))
        );
        s = s
            .apply(
                Input::CheckIn(CheckIn {
                    mood: 3,
                    on_mind: "worried".into(),
                }),
                t(0),
            )
            .unwrap();
        s = s
            .apply(
                Input::Choose(TechniqueId::MotivationalInterviewing, None),
                t(600),
            )
            .unwrap();
        assert_eq!(s.active_seconds, 600);
        s = s
            .apply(Input::Answer(Answer::Text("walk more".into())), t(601))
            .unwrap();
        s = s
            .apply(Input::Answer(Answer::Text("health".into())), t(601))
            .unwrap();
        assert!(s.apply(Input::Answer(Answer::Number(11)), t(601)).is_err());
        assert!(s
            .apply(Input::Answer(Answer::Text("7".into())), t(601))
            .is_err());
        s = s.apply(Input::Answer(Answer::Number(6)), t(602)).unwrap();
        let prompt = s.render_prompt(s.current_step().unwrap().prompt);
        assert_eq!(prompt, "Why a 6 and not a lower number?");
        s = s
            .apply(
                Input::Answer(Answer::Text("I already started".into())),
                t(602),
            )
            .unwrap();
        assert_eq!(
            s.render_prompt(s.current_step().unwrap().prompt),
            "What would it take to move from 6 to 7?"
        );
    }

    #[test]
    fn breathing_steps_take_completion_and_optional_text_may_be_empty() {
        let mut s = MicroSession::new(RecordId([1; 16]), t(0));
        s = s
            .apply(
                Input::CheckIn(CheckIn {
                    mood: 4,
                    on_mind: "tense".into(),
                }),
                t(0),
            )
            .unwrap();
        s = s
            .apply(
                Input::Choose(TechniqueId::MindfulBreathing, Some(BreathingPattern::BOX)),
                t(0),
            )
            .unwrap();
        assert!(s
            .apply(Input::Answer(Answer::Text("x".into())), t(1))
            .is_err());
        s = s
            .apply(Input::Answer(Answer::Completed { seconds: 112 }), t(2))
            .unwrap();
        s = s
            .apply(Input::Answer(Answer::Text(String::new())), t(2))
            .unwrap();
        assert_eq!(s.stage, Stage::Reflection);
        assert_eq!(s.breathing, Some(BreathingPattern::BOX));
    }
}
