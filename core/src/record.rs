//! Record identity: the only things about a record that are stored in clear.

use crate::error::InputProblem;
use std::fmt;
use std::str::FromStr;

use crate::crypto::fill_random;
use crate::error::{CoreError, Result};

/// A random 128-bit record id, shown as 32 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub [u8; 16]);

impl RecordId {
    /// A fresh random id (random rather than sequential so ids leak no ordering or count).
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; 16];
        fill_random(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// The id as raw bytes, as stored in SQLite and bound into envelopes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Builds an id from exactly 16 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        Some(Self(bytes.try_into().ok()?))
    }

    /// The fixed id of a record kind that exists once per vault (safety plan, settings), so
    /// every device writes the same record and sync merges instead of duplicating.
    pub fn singleton(kind: RecordKind) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("solace/singleton/{}", kind.tag()).as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Self(bytes)
    }

    /// The first 8 hex characters, enough to name a record in a terminal.
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({self})")
    }
}

impl FromStr for RecordId {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self> {
        let bytes = hex::decode(s.trim()).map_err(|_| {
            CoreError::invalid("record id", InputProblem::Expected("32 hex characters"))
        })?;
        Self::from_slice(&bytes).ok_or_else(|| {
            CoreError::invalid("record id", InputProblem::Expected("32 hex characters"))
        })
    }
}

impl serde::Serialize for RecordId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for RecordId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What a record is. The tag is stored in clear (it selects the decoder and is bound into the
/// envelope's associated data), so it names a category, never content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A journal entry with its revisions.
    Journal,
    /// One mood check-in (append-only).
    Mood,
    /// A habit definition.
    Habit,
    /// One check/skip/undo of a habit on a day (append-only).
    HabitEvent,
    /// A completed PHQ-9 or GAD-7 administration (append-only).
    Assessment,
    /// The person's safety plan (one per vault).
    SafetyPlan,
    /// A guided micro-session, in progress or finished.
    Session,
    /// Device-independent preferences such as the crisis-resource region (one per vault).
    Settings,
    /// A daily "start small" plan.
    DailyPlan,
    /// The account's Ed25519 identity (cross-signing) key pair, one per account: synced so
    /// every device of the person can sign its own Olm identity; never exported.
    AccountIdentity,
    /// That a conversation's safety number was verified, for one peer identity key (one per
    /// peer, deterministic id): synced to the person's own devices.
    Verification,
    /// A therapist's private note about a client: synced to their own devices, never shared.
    ClientNote,
    /// That the therapist acknowledged a client's risk alert (one per alert, derived id).
    AlertAck,
    /// The client's intake form for one therapist (one per therapist, derived id), shared
    /// end to end with that therapist only.
    Intake,
    /// A treatment goal of the client's (own, or accepted from a therapist's proposal).
    Goal,
    /// One 0–10 progress rating of a goal, usually at the end of a micro-session
    /// (append-only).
    GoalRating,
}

impl RecordKind {
    /// Every kind, for iteration in tests and tools.
    pub const ALL: [RecordKind; 16] = [
        RecordKind::Journal,
        RecordKind::Mood,
        RecordKind::Habit,
        RecordKind::HabitEvent,
        RecordKind::Assessment,
        RecordKind::SafetyPlan,
        RecordKind::Session,
        RecordKind::Settings,
        RecordKind::DailyPlan,
        RecordKind::AccountIdentity,
        RecordKind::Verification,
        RecordKind::ClientNote,
        RecordKind::AlertAck,
        RecordKind::Intake,
        RecordKind::Goal,
        RecordKind::GoalRating,
    ];

    /// The stable tag stored in SQLite and bound into the envelope. Never change one.
    pub fn tag(self) -> &'static str {
        match self {
            RecordKind::Journal => "journal",
            RecordKind::Mood => "mood",
            RecordKind::Habit => "habit",
            RecordKind::HabitEvent => "habit_event",
            RecordKind::Assessment => "assessment",
            RecordKind::SafetyPlan => "safety_plan",
            RecordKind::Session => "session",
            RecordKind::Settings => "settings",
            RecordKind::DailyPlan => "daily_plan",
            RecordKind::AccountIdentity => "account_identity",
            RecordKind::Verification => "verification",
            RecordKind::ClientNote => "client_note",
            RecordKind::AlertAck => "alert_ack",
            RecordKind::Intake => "intake",
            RecordKind::Goal => "goal",
            RecordKind::GoalRating => "goal_rating",
        }
    }

    /// Whether records of this kind go into exports (the account identity holds a secret key
    /// and verifications only make sense with it, so neither leaves the vault that way).
    pub fn exported(self) -> bool {
        !matches!(self, RecordKind::AccountIdentity | RecordKind::Verification)
    }

    /// The kind for a stored tag, if this build knows it.
    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.tag() == tag)
    }
}

/// Turns a label a person typed (a full record id, or a unique prefix of at least 4 hex
/// characters) into the id of a live record of one of `kinds`, tried in order: the one place
/// where front ends turn text into a [`RecordId`]. `NotFound` names the first kind;
/// `AmbiguousId` when a prefix matches several records of a kind.
pub fn resolve_label(store: &crate::Store, kinds: &[RecordKind], label: &str) -> Result<RecordId> {
    let mut first_error = None;
    for &kind in kinds {
        match store.resolve_prefix(kind, label) {
            Ok(id) => return Ok(id),
            Err(CoreError::NotFound(_)) => {
                first_error.get_or_insert(CoreError::NotFound(kind.tag()));
            }
            Err(err) => return Err(err),
        }
    }
    Err(first_error.unwrap_or(CoreError::NotFound("record")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_round_trips_through_text_and_rejects_garbage() {
        let id = RecordId::generate().unwrap();
        assert_eq!(id.to_string().parse::<RecordId>().unwrap(), id);
        assert_eq!(id.short().len(), 8);
        assert!("xyz".parse::<RecordId>().is_err());
        assert!("abcd".parse::<RecordId>().is_err());
    }

    #[test]
    fn kind_tags_are_stable() {
        let tags: Vec<_> = RecordKind::ALL.iter().map(|k| k.tag()).collect();
        assert_eq!(
            tags,
            [
                "journal",
                "mood",
                "habit",
                "habit_event",
                "assessment",
                "safety_plan",
                "session",
                "settings",
                "daily_plan",
                "account_identity",
                "verification",
                "client_note",
                "alert_ack",
                "intake",
                "goal",
                "goal_rating"
            ]
        );
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::from_tag(k.tag()), Some(k));
        }
    }

    #[test]
    fn a_label_resolves_across_kinds_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = crate::Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            crate::crypto::kdf::KdfParams::FLOOR,
        )
        .unwrap();
        let id = RecordId::generate().unwrap();
        store.put(RecordKind::Assessment, &id, &"x").unwrap();
        let both = [RecordKind::Journal, RecordKind::Assessment];
        assert_eq!(resolve_label(&store, &both, &id.to_string()).unwrap(), id);
        assert_eq!(
            resolve_label(&store, &both, &id.to_string()[..6]).unwrap(),
            id
        );
        assert!(matches!(
            resolve_label(&store, &[RecordKind::Journal], &id.to_string()),
            Err(CoreError::NotFound("journal"))
        ));
        assert!(matches!(
            resolve_label(&store, &both, "zz"),
            Err(CoreError::InvalidInput(_))
        ));
    }
}
