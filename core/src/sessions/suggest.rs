//! Picks a technique from the check-in and from how helpful past sessions were.
//! Deterministic: the same inputs give the same suggestion, and the reason is explainable.

use std::collections::BTreeMap;

use serde::Serialize;

use super::engine::{CheckIn, MicroSession};
use super::techniques::TechniqueId;

/// How well a technique has worked for this person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TechniqueStats {
    /// The technique.
    pub technique: TechniqueId,
    /// Finished sessions with a rating.
    pub sessions: u32,
    /// Mean "did this help?" rating 1–5.
    pub average_helpful: f64,
}

/// A suggested technique and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The pick.
    pub technique: TechniqueId,
    /// A short human reason.
    pub reason: String,
    /// Every technique with its score, best first.
    pub ranked: Vec<(TechniqueId, f64)>,
}

/// Mean rating per technique over finished, rated sessions.
pub fn effectiveness(sessions: &[MicroSession]) -> Vec<TechniqueStats> {
    let mut sums: BTreeMap<TechniqueId, (f64, u32)> = BTreeMap::new();
    for s in sessions {
        if let (Some(t), Some(h)) = (s.technique, s.helpful) {
            let slot = sums.entry(t).or_default();
            slot.0 += f64::from(h);
            slot.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(technique, (sum, n))| TechniqueStats {
            technique,
            sessions: n,
            average_helpful: sum / f64::from(n),
        })
        .collect()
}

const CUES: &[(TechniqueId, &[&str])] = &[
    (
        TechniqueId::MindfulBreathing,
        &[
            "anxious",
            "anxiety",
            "panic",
            "tense",
            "stress",
            "stressed",
            "overwhelm",
            "breathe",
            "nervous",
        ],
    ),
    (
        TechniqueId::EmotionRegulation,
        &[
            "angry",
            "furious",
            "upset",
            "cry",
            "crying",
            "rage",
            "overwhelmed",
            "hurt",
        ],
    ),
    (
        TechniqueId::CbtReframe,
        &[
            "think",
            "thought",
            "should",
            "always",
            "never",
            "failure",
            "stupid",
            "worthless",
            "fault",
            "blame",
            "worried",
            "worry",
        ],
    ),
    (
        TechniqueId::SolutionFocused,
        &[
            "problem", "decide", "decision", "stuck", "deadline", "work", "money", "plan", "fix",
        ],
    ),
    (
        TechniqueId::MotivationalInterviewing,
        &[
            "habit",
            "start",
            "stop",
            "quit",
            "motivation",
            "change",
            "exercise",
            "drinking",
            "smoking",
            "procrastinat",
        ],
    ),
    (
        TechniqueId::StrengthsBased,
        &[
            "proud", "good", "grateful", "happy", "better", "achieved", "win",
        ],
    ),
];

/// Ranks techniques: words in "what's on your mind", the mood level, past ratings (centred on
/// a neutral 3), and a small bonus for techniques not yet tried.
pub fn suggest(check_in: &CheckIn, history: &[MicroSession]) -> Suggestion {
    let text = check_in.on_mind.to_lowercase();
    let stats = effectiveness(history);
    let mut ranked: Vec<(TechniqueId, f64, &'static str)> = TechniqueId::ALL
        .into_iter()
        .map(|t| {
            let mut score = 0.0;
            let mut reason = "a good all-round choice";
            if let Some((_, words)) = CUES.iter().find(|(id, _)| *id == t) {
                if words.iter().any(|w| text.contains(w)) {
                    score += 2.0;
                    reason = "it fits what's on your mind";
                }
            }
            match (t, check_in.mood) {
                (TechniqueId::MindfulBreathing | TechniqueId::EmotionRegulation, 1..=3) => {
                    score += 1.0;
                    if score < 2.0 {
                        reason = "it helps when things feel heavy";
                    }
                }
                (TechniqueId::StrengthsBased, 7..=10) => score += 1.0,
                _ => {}
            }
            match stats.iter().find(|s| s.technique == t) {
                Some(s) => {
                    score += (s.average_helpful - 3.0) * 0.75;
                    if s.average_helpful >= 4.0 && score >= 1.5 {
                        reason = "it has helped you before";
                    }
                }
                None => score += 0.25,
            }
            (t, score, reason)
        })
        .collect();
    crate::sort::sort_by(&mut ranked, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let (technique, _, reason) = ranked[0];
    Suggestion {
        technique,
        reason: reason.to_owned(),
        ranked: ranked.into_iter().map(|(t, s, _)| (t, s)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordId;
    use crate::sessions::engine::MicroSession;
    use chrono::DateTime;

    fn check_in(mood: u8, text: &str) -> CheckIn {
        CheckIn {
            mood,
            on_mind: text.into(),
        }
    }

    fn rated(t: TechniqueId, helpful: u8) -> MicroSession {
        let mut s = MicroSession::new(
            RecordId([2; 16]),
            DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z").unwrap(),
        );
        s.technique = Some(t);
        s.helpful = Some(helpful);
        s
    }

    #[test]
    fn words_and_mood_drive_the_first_pick() {
        assert_eq!(
            suggest(&check_in(5, "I keep thinking I'm a failure"), &[]).technique,
            TechniqueId::CbtReframe
        );
        assert_eq!(
            suggest(&check_in(3, "so anxious before the exam"), &[]).technique,
            TechniqueId::MindfulBreathing
        );
        assert_eq!(
            suggest(&check_in(5, "stuck on a decision at work"), &[]).technique,
            TechniqueId::SolutionFocused
        );
        assert_eq!(
            suggest(&check_in(8, "feeling proud today"), &[]).technique,
            TechniqueId::StrengthsBased
        );
    }

    #[test]
    fn past_ratings_shift_the_pick() {
        let history = vec![
            rated(TechniqueId::MindfulBreathing, 1),
            rated(TechniqueId::MindfulBreathing, 2),
            rated(TechniqueId::EmotionRegulation, 5),
        ];
        let s = suggest(&check_in(2, "tense"), &history);
        assert_eq!(s.technique, TechniqueId::EmotionRegulation);
        let stats = effectiveness(&history);
        assert_eq!(stats[0].technique, TechniqueId::MindfulBreathing);
        assert_eq!((stats[0].sessions, stats[0].average_helpful), (2, 1.5));
    }
}
