//! The techniques a micro-session can run, as data: each is a short sequence of steps with its
//! own prompts. Adding a technique means adding data here, not code in the engine.

use serde::{Deserialize, Serialize};

/// Identifies a technique; stored in session records, so names are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TechniqueId {
    /// CBT cognitive reframing, producing a thought record.
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

impl TechniqueId {
    /// Every technique.
    pub const ALL: [TechniqueId; 6] = [
        TechniqueId::CbtReframe,
        TechniqueId::SolutionFocused,
        TechniqueId::MotivationalInterviewing,
        TechniqueId::MindfulBreathing,
        TechniqueId::StrengthsBased,
        TechniqueId::EmotionRegulation,
    ];

    /// Stable slug ("cbt_reframe").
    pub fn slug(self) -> &'static str {
        match self {
            TechniqueId::CbtReframe => "cbt_reframe",
            TechniqueId::SolutionFocused => "solution_focused",
            TechniqueId::MotivationalInterviewing => "motivational_interviewing",
            TechniqueId::MindfulBreathing => "mindful_breathing",
            TechniqueId::StrengthsBased => "strengths_based",
            TechniqueId::EmotionRegulation => "emotion_regulation",
        }
    }

    /// Parses a slug (dashes accepted).
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL.into_iter().find(|t2| t2.slug() == t)
    }

    /// The technique's definition.
    pub fn technique(self) -> Technique {
        technique(self)
    }
}

/// A paced-breathing pattern, in seconds per phase (0 skips a phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

impl BreathingPattern {
    /// 4 in, 4 hold, 6 out: an extended exhale, gentle for beginners.
    pub const CALM: BreathingPattern = BreathingPattern {
        inhale: 4,
        hold: 4,
        exhale: 6,
        hold_after: 0,
    };
    /// Box breathing, 4-4-4-4.
    pub const BOX: BreathingPattern = BreathingPattern {
        inhale: 4,
        hold: 4,
        exhale: 4,
        hold_after: 4,
    };

    /// Parses "4-4-6" or "4-4-4-4".
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<u32> = text
            .split('-')
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?;
        let pattern = match parts.as_slice() {
            [i, h, e] => BreathingPattern {
                inhale: *i,
                hold: *h,
                exhale: *e,
                hold_after: 0,
            },
            [i, h, e, a] => BreathingPattern {
                inhale: *i,
                hold: *h,
                exhale: *e,
                hold_after: *a,
            },
            _ => return None,
        };
        let valid = (1..=20).contains(&pattern.inhale)
            && (1..=20).contains(&pattern.exhale)
            && pattern.hold <= 20
            && pattern.hold_after <= 20;
        valid.then_some(pattern)
    }

    /// Seconds in one cycle.
    pub fn cycle_seconds(&self) -> u32 {
        self.inhale + self.hold + self.exhale + self.hold_after
    }

    /// The phases of one cycle with their lengths, skipping zero-length ones.
    pub fn phases(&self) -> Vec<(BreathPhase, u32)> {
        [
            (BreathPhase::Inhale, self.inhale),
            (BreathPhase::Hold, self.hold),
            (BreathPhase::Exhale, self.exhale),
            (BreathPhase::HoldAfterExhale, self.hold_after),
        ]
        .into_iter()
        .filter(|(_, s)| *s > 0)
        .collect()
    }

    /// Where a paced exercise of `cycles` cycles is after `elapsed_ms`: the phase, the cycle
    /// (0-based) and milliseconds left in the phase; `None` once it is over.
    pub fn phase_at(&self, cycles: u32, elapsed_ms: u64) -> Option<PhaseAt> {
        let cycle_ms = u64::from(self.cycle_seconds()) * 1000;
        if cycle_ms == 0 {
            return None;
        }
        let cycle = elapsed_ms / cycle_ms;
        if cycle >= u64::from(cycles) {
            return None;
        }
        let mut into = elapsed_ms % cycle_ms;
        for (phase, seconds) in self.phases() {
            let ms = u64::from(seconds) * 1000;
            if into < ms {
                return Some(PhaseAt {
                    phase,
                    cycle: cycle as u32,
                    remaining_ms: ms - into,
                });
            }
            into -= ms;
        }
        None
    }
}

/// One phase of a breath.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreathPhase {
    /// Breathe in.
    Inhale,
    /// Hold.
    Hold,
    /// Breathe out.
    Exhale,
    /// Hold with empty lungs.
    HoldAfterExhale,
}

impl BreathPhase {
    /// The cue shown to the person.
    pub fn cue(self) -> &'static str {
        match self {
            BreathPhase::Inhale => "Breathe in",
            BreathPhase::Hold => "Hold",
            BreathPhase::Exhale => "Breathe out",
            BreathPhase::HoldAfterExhale => "Rest",
        }
    }
}

/// Where a breathing exercise is at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PhaseAt {
    /// Current phase.
    pub phase: BreathPhase,
    /// Cycle number, from 0.
    pub cycle: u32,
    /// Milliseconds until the next phase.
    pub remaining_ms: u64,
}

/// What a step asks of the person.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StepKind {
    /// A free-text answer.
    Text,
    /// A number on a scale (inclusive).
    Scale {
        /// Lowest value.
        min: u8,
        /// Highest value.
        max: u8,
    },
    /// A paced breathing exercise; the answer is completion.
    Breathing {
        /// Default pattern (the person may choose another).
        pattern: BreathingPattern,
        /// Number of cycles.
        cycles: u32,
    },
    /// Count backwards from `from` to 1, one number per breath; the answer is completion.
    Countdown {
        /// Starting number.
        from: u8,
    },
}

/// One step of a technique.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Key the answer is stored under (and referenced as `{key}` in later prompts).
    pub key: &'static str,
    /// The prompt; `{key}` and `{key+1}` are replaced by earlier scale answers.
    pub prompt: &'static str,
    /// What kind of answer.
    pub kind: StepKind,
    /// Whether the person may leave it empty.
    pub optional: bool,
}

/// A technique: name, one-line description and steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Technique {
    /// Its id.
    pub id: TechniqueId,
    /// Display name.
    pub name: &'static str,
    /// What it is for, in a sentence.
    pub description: &'static str,
    /// The steps in order.
    pub steps: Vec<Step>,
}

const fn text(key: &'static str, prompt: &'static str) -> Step {
    Step {
        key,
        prompt,
        kind: StepKind::Text,
        optional: false,
    }
}

const fn scale(key: &'static str, prompt: &'static str, min: u8, max: u8) -> Step {
    Step {
        key,
        prompt,
        kind: StepKind::Scale { min, max },
        optional: false,
    }
}

fn technique(id: TechniqueId) -> Technique {
    match id {
        TechniqueId::CbtReframe => Technique {
            id,
            name: "Reframe a thought",
            description:
                "Catch an upsetting thought, weigh the evidence and find a more balanced view.",
            steps: vec![
                text(
                    "situation",
                    "What happened? Describe the situation in a sentence.",
                ),
                text("automatic_thought", "What went through your mind?"),
                text(
                    "emotion",
                    "Name the main feeling (e.g. anxious, sad, angry).",
                ),
                scale(
                    "intensity",
                    "How strong is that feeling right now, 0-100?",
                    0,
                    100,
                ),
                text("evidence_for", "What makes the thought feel true?"),
                text("evidence_against", "What doesn't fit the thought?"),
                text("balanced_thought", "How else could we interpret this?"),
                scale(
                    "rerated_intensity",
                    "Holding that new view, how strong is the feeling now, 0-100?",
                    0,
                    100,
                ),
            ],
        },
        TechniqueId::SolutionFocused => Technique {
            id,
            name: "Find a way forward",
            description: "Look for what already works and one small next step.",
            steps: vec![
                text("problem", "What's the situation you'd like to improve?"),
                text("options", "What options could improve this?"),
                text(
                    "exception",
                    "When has it been a little better? What was different then?",
                ),
                scale(
                    "scale_now",
                    "On a scale of 1-10, where are things right now?",
                    1,
                    10,
                ),
                text(
                    "next_step",
                    "What would move it from {scale_now} to {scale_now+1}? Name one small step.",
                ),
            ],
        },
        TechniqueId::MotivationalInterviewing => Technique {
            id,
            name: "Explore a change",
            description: "Weigh a change you're considering and how ready you feel.",
            steps: vec![
                text("change", "What change are you thinking about?"),
                text("why", "Why does this change matter to you?"),
                scale(
                    "readiness",
                    "How ready are you to make it, from 1 (not at all) to 10 (completely)?",
                    1,
                    10,
                ),
                text("why_not_lower", "Why a {readiness} and not a lower number?"),
                text(
                    "what_would_help",
                    "What would it take to move from {readiness} to {readiness+1}?",
                ),
                text("first_step", "What's one thing you could do this week?"),
            ],
        },
        TechniqueId::MindfulBreathing => Technique {
            id,
            name: "Paced breathing",
            description: "Two minutes of slow breathing with a longer out-breath.",
            steps: vec![
                Step {
                    key: "breathing",
                    prompt: "Sit comfortably. Follow the cues: breathe in, hold, breathe out.",
                    kind: StepKind::Breathing {
                        pattern: BreathingPattern::CALM,
                        cycles: 8,
                    },
                    optional: false,
                },
                Step {
                    key: "noticed",
                    prompt: "What did you notice in your body or mind?",
                    kind: StepKind::Text,
                    optional: true,
                },
            ],
        },
        TechniqueId::StrengthsBased => Technique {
            id,
            name: "Use your strengths",
            description: "Notice what you handle well and bring it to today.",
            steps: vec![
                text(
                    "handled_well",
                    "What's something you handled well recently, however small?",
                ),
                text("strength", "Which of your strengths helped you there?"),
                text("use_today", "How could you use that strength today?"),
            ],
        },
        TechniqueId::EmotionRegulation => Technique {
            id,
            name: "Ride the wave",
            description: "Name a strong feeling, slow down with it, and notice it change.",
            steps: vec![
                text("emotion", "Name the feeling that is strongest right now."),
                scale("intensity", "How intense is it, 0-10?", 0, 10),
                Step {
                    key: "countdown",
                    prompt: "Count backwards slowly from 10 to 1, breathing out on each number.",
                    kind: StepKind::Countdown { from: 10 },
                    optional: false,
                },
                scale("rerated_intensity", "How intense is it now, 0-10?", 0, 10),
                Step {
                    key: "need",
                    prompt: "What do you need right now?",
                    kind: StepKind::Text,
                    optional: true,
                },
            ],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_technique_has_unique_step_keys_and_valid_placeholders() {
        for id in TechniqueId::ALL {
            let t = id.technique();
            assert!(!t.steps.is_empty());
            let mut seen = Vec::new();
            for step in &t.steps {
                assert!(!seen.contains(&step.key), "{id:?} repeats {}", step.key);
                if let Some(start) = step.prompt.find('{') {
                    let name = step.prompt[start + 1..].split(['}', '+']).next().unwrap();
                    assert!(
                        seen.contains(&name),
                        "{id:?}: {name} used before it is asked"
                    );
                }
                seen.push(step.key);
            }
            assert_eq!(TechniqueId::parse(id.slug()), Some(id));
        }
    }

    #[test]
    fn breathing_reports_phases_over_time() {
        let p = BreathingPattern::CALM; // 4 in, 4 hold, 6 out = 14 s
        assert_eq!(p.cycle_seconds(), 14);
        let at = |ms| {
            p.phase_at(2, ms)
                .map(|a| (a.phase, a.cycle, a.remaining_ms))
        };
        assert_eq!(at(0), Some((BreathPhase::Inhale, 0, 4000)));
        assert_eq!(at(4500), Some((BreathPhase::Hold, 0, 3500)));
        assert_eq!(at(8000), Some((BreathPhase::Exhale, 0, 6000)));
        assert_eq!(at(14_000), Some((BreathPhase::Inhale, 1, 4000)));
        assert_eq!(at(28_000), None);
        let b = BreathingPattern::parse("4-4-4-4").unwrap();
        assert_eq!(b, BreathingPattern::BOX);
        assert_eq!(
            b.phase_at(1, 13_000).map(|a| a.phase),
            Some(BreathPhase::HoldAfterExhale)
        );
        assert!(BreathingPattern::parse("0-1-2").is_none());
        assert!(BreathingPattern::parse("4-x-4").is_none());
    }
}
