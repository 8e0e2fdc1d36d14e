//! Health platforms, opt-in: what a mood check-in becomes in Apple Health's State of Mind and
//! what a finished micro-session becomes in Health Connect's mindfulness sessions. Computed
//! once here and tested; the iOS and Android glue only hand the result to the platform.
//!
//! Only the mood level, the named emotions that match the platform's fixed vocabulary, the
//! life areas the app passes in, times, and a technique's public name leave the app — never a
//! note, "what's on your mind", an answer or a free-text emotion the platform does not know.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::mood::MoodCheckIn;
use crate::sessions::{MicroSession, TechniqueId};

/// Apple's two kinds of State of Mind sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MindKind {
    /// How the person feels at a moment (a check-in).
    MomentaryEmotion,
    /// How the day went overall (a day's average).
    DailyMood,
}

/// A State of Mind sample for Apple Health (`HKStateOfMind`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateOfMind {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Which kind.
    pub kind: MindKind,
    /// −1 (very unpleasant) … 1 (very pleasant): mood 1 → −1, 10 → 1, linear in between.
    pub valence: f64,
    /// `HKStateOfMind.Label` names (e.g. `anxious`), from the emotions Apple knows.
    pub labels: Vec<String>,
    /// `HKStateOfMind.Association` names (e.g. `work`), from the life areas given.
    pub associations: Vec<String>,
}

/// Apple's labels, with the emotion words people use for them.
const LABELS: &[(&str, &[&str])] = &[
    ("amazed", &["amazed", "awed"]),
    ("amused", &["amused"]),
    ("angry", &["angry", "mad", "furious"]),
    ("annoyed", &["annoyed"]),
    ("anxious", &["anxious", "nervous", "on edge", "panicky"]),
    ("ashamed", &["ashamed"]),
    ("brave", &["brave", "courageous"]),
    ("calm", &["calm", "relaxed"]),
    ("confident", &["confident"]),
    ("content", &["content"]),
    ("disappointed", &["disappointed"]),
    ("discouraged", &["discouraged"]),
    ("disgusted", &["disgusted"]),
    ("drained", &["drained", "tired", "exhausted"]),
    ("embarrassed", &["embarrassed"]),
    ("excited", &["excited"]),
    ("frustrated", &["frustrated"]),
    ("grateful", &["grateful", "thankful"]),
    ("guilty", &["guilty"]),
    ("happy", &["happy", "glad"]),
    ("hopeful", &["hopeful"]),
    ("hopeless", &["hopeless"]),
    ("indifferent", &["indifferent", "numb"]),
    ("irritated", &["irritated", "irritable"]),
    ("jealous", &["jealous"]),
    ("joyful", &["joyful"]),
    ("lonely", &["lonely"]),
    ("overwhelmed", &["overwhelmed"]),
    ("passionate", &["passionate"]),
    ("peaceful", &["peaceful"]),
    ("proud", &["proud"]),
    ("relieved", &["relieved"]),
    ("sad", &["sad", "down", "low"]),
    ("satisfied", &["satisfied"]),
    ("scared", &["scared", "afraid", "fearful"]),
    ("stressed", &["stressed", "tense"]),
    ("surprised", &["surprised"]),
    ("worried", &["worried"]),
];

/// Apple's associations, with the words for them.
const ASSOCIATIONS: &[(&str, &[&str])] = &[
    ("community", &["community", "neighbours", "neighbors"]),
    ("current_events", &["news", "current events"]),
    ("dating", &["dating", "date"]),
    (
        "education",
        &["school", "study", "studying", "exam", "education"],
    ),
    ("family", &["family", "kids", "parents"]),
    (
        "fitness",
        &[
            "exercise", "gym", "walk", "run", "running", "sport", "fitness",
        ],
    ),
    ("friends", &["friends", "friend"]),
    ("health", &["health", "doctor", "sleep"]),
    (
        "hobbies",
        &["hobby", "hobbies", "reading", "gaming", "music"],
    ),
    ("identity", &["identity"]),
    ("money", &["money", "bills", "finances"]),
    ("partner", &["partner", "relationship"]),
    ("self_care", &["self-care", "self care", "meditation"]),
    ("spirituality", &["spirituality", "faith", "prayer"]),
    ("tasks", &["chores", "tasks", "errands"]),
    ("travel", &["travel", "trip"]),
    ("work", &["work", "job", "office"]),
    ("weather", &["weather"]),
];

fn lookup(table: &[(&str, &[&str])], words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in words {
        let word = word.trim().to_lowercase();
        if let Some((name, _)) = table.iter().find(|(_, w)| w.contains(&word.as_str())) {
            if !out.iter().any(|o| o == name) {
                out.push((*name).to_owned());
            }
        }
    }
    out
}

/// Mood 1–10 as Apple's valence −1…1 (two decimals).
pub fn valence(mood: f64) -> f64 {
    let v = ((mood - 5.5) / 4.5).clamp(-1.0, 1.0);
    (v * 100.0).round() / 100.0
}

/// The State of Mind of one check-in; `life_areas` are words for what it was about (e.g. the
/// activities the person tagged), mapped to Apple's associations where they match.
pub fn state_of_mind(check_in: &MoodCheckIn, life_areas: &[String]) -> StateOfMind {
    StateOfMind {
        at: check_in.at,
        kind: MindKind::MomentaryEmotion,
        valence: valence(f64::from(check_in.draft.mood)),
        labels: lookup(LABELS, &check_in.draft.emotions),
        associations: lookup(ASSOCIATIONS, life_areas),
    }
}

/// A day's State of Mind from its average mood (for a daily summary sample).
pub fn daily_state_of_mind(at: DateTime<FixedOffset>, average_mood: f64) -> StateOfMind {
    StateOfMind {
        at,
        kind: MindKind::DailyMood,
        valence: valence(average_mood),
        labels: Vec::new(),
        associations: Vec::new(),
    }
}

/// Health Connect's mindfulness session types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MindfulnessType {
    /// Paced breathing.
    Breathing,
    /// A guided practice (the other techniques).
    Meditation,
}

/// A `MindfulnessSessionRecord` for Health Connect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MindfulnessSession {
    /// Start.
    pub start: DateTime<FixedOffset>,
    /// End.
    pub end: DateTime<FixedOffset>,
    /// Which type.
    pub kind: MindfulnessType,
    /// The technique's public name (never the person's answers).
    pub title: String,
}

/// The mindfulness session of a finished micro-session (`None` while it is unfinished or
/// before a technique was chosen).
pub fn mindfulness_session(session: &MicroSession) -> Option<MindfulnessSession> {
    let end = session.finished_at?;
    let technique = session.technique?;
    Some(MindfulnessSession {
        start: session.started_at,
        end,
        kind: if technique == TechniqueId::MindfulBreathing {
            MindfulnessType::Breathing
        } else {
            MindfulnessType::Meditation
        },
        title: technique.technique().name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mood::MoodDraft;
    use crate::RecordId;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn mood_maps_linearly_onto_valence() {
        assert_eq!(valence(1.0), -1.0);
        assert_eq!(valence(10.0), 1.0);
        assert_eq!(valence(5.5), 0.0);
        assert_eq!(valence(7.0), 0.33);
        assert_eq!(valence(0.0), -1.0, "clamped");
    }

    #[test]
    fn only_known_words_leave_the_app() {
        let check_in = MoodCheckIn {
            id: RecordId([1; 16]),
            at: at("2026-11-20T21:10:00+01:00"),
            draft: MoodDraft {
                mood: 3,
                emotions: vec![
                    "tired".into(),
                    "Nervous".into(),
                    "blorpy".into(),
                    "anxious".into(),
                ],
                note: Some("secret words".into()),
                ..MoodDraft::default()
            },
        };
        let s = state_of_mind(&check_in, &["Work".into(), "gym".into(), "my boss".into()]);
        assert_eq!(s.kind, MindKind::MomentaryEmotion);
        assert_eq!(s.valence, -0.56);
        assert_eq!(
            s.labels,
            ["drained", "anxious"],
            "deduplicated, unknown dropped"
        );
        assert_eq!(s.associations, ["work", "fitness"]);
        assert_eq!(s.at, check_in.at);
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("secret") && !json.contains("blorpy") && !json.contains("boss"));
        let day = daily_state_of_mind(check_in.at, 6.4);
        assert_eq!((day.kind, day.valence), (MindKind::DailyMood, 0.2));
    }

    #[test]
    fn only_finished_sessions_become_mindfulness_sessions() {
        let mut session = MicroSession::new(RecordId([2; 16]), at("2026-11-20T08:00:00+01:00"));
        assert!(mindfulness_session(&session).is_none());
        session.technique = Some(TechniqueId::MindfulBreathing);
        assert!(mindfulness_session(&session).is_none(), "unfinished");
        session.finished_at = Some(at("2026-11-20T08:05:00+01:00"));
        let m = mindfulness_session(&session).unwrap();
        assert_eq!(m.kind, MindfulnessType::Breathing);
        assert_eq!((m.end - m.start).num_minutes(), 5);
        session.technique = Some(TechniqueId::CbtReframe);
        let m = mindfulness_session(&session).unwrap();
        assert_eq!(m.kind, MindfulnessType::Meditation);
        assert_eq!(m.title, TechniqueId::CbtReframe.technique().name);
    }
}
