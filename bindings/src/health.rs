//! Health platforms, opt-in (thin wrappers over [`solace_core::health`]): a check-in as an
//! Apple Health State of Mind sample, a finished micro-session as a Health Connect
//! mindfulness session. The apps hand these to HealthKit / Health Connect unchanged.

use solace_core::health as core;

use crate::common::Timestamp;
use crate::error::Result;
use crate::mood::MoodCheckIn;
use crate::sessions::Sessions;

pub use core::{MindKind, MindfulnessSession, MindfulnessType, StateOfMind};

/// Apple's two kinds of State of Mind sample.
#[uniffi::remote(Enum)]
pub enum MindKind {
    /// How the person feels at a moment (a check-in).
    MomentaryEmotion,
    /// How the day went overall (a day's average).
    DailyMood,
}

/// A State of Mind sample for Apple Health (`HKStateOfMind`).
#[uniffi::remote(Record)]
pub struct StateOfMind {
    /// When (RFC 3339).
    pub at: Timestamp,
    /// Which kind.
    pub kind: MindKind,
    /// −1 (very unpleasant) … 1 (very pleasant).
    pub valence: f64,
    /// `HKStateOfMind.Label` names (e.g. `anxious`).
    pub labels: Vec<String>,
    /// `HKStateOfMind.Association` names (e.g. `work`).
    pub associations: Vec<String>,
}

/// Health Connect's mindfulness session types.
#[uniffi::remote(Enum)]
pub enum MindfulnessType {
    /// Paced breathing.
    Breathing,
    /// A guided practice.
    Meditation,
}

/// A `MindfulnessSessionRecord` for Health Connect.
#[uniffi::remote(Record)]
pub struct MindfulnessSession {
    /// Start (RFC 3339).
    pub start: Timestamp,
    /// End (RFC 3339).
    pub end: Timestamp,
    /// Which type.
    pub kind: MindfulnessType,
    /// The technique's public name.
    pub title: String,
}

/// The State of Mind of a check-in; `life_areas` are words for what it was about (mapped to
/// Apple's associations where they match; others are dropped, as are unknown emotions).
#[uniffi::export]
pub fn health_state_of_mind(check_in: MoodCheckIn, life_areas: Vec<String>) -> StateOfMind {
    core::state_of_mind(&check_in, &life_areas)
}

/// A day's State of Mind from its average mood.
#[uniffi::export]
pub fn health_daily_state_of_mind(at: Timestamp, average_mood: f64) -> StateOfMind {
    core::daily_state_of_mind(at, average_mood)
}

#[uniffi::export]
impl Sessions {
    /// The Health Connect mindfulness session of the finished session `id` (`None` while it
    /// is unfinished).
    pub fn mindfulness_session(&self, id: String) -> Result<Option<MindfulnessSession>> {
        let id = crate::common::id(&id)?;
        let session = self.inner.read(|s| solace_core::sessions::get(s, &id))?;
        Ok(core::mindfulness_session(&session))
    }
}
