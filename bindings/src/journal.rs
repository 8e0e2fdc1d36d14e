//! Journal: free entries, prompted entries and CBT thought records (thin wrappers over
//! [`solace_core::journal`]).

use std::sync::Arc;

use solace_core::journal as core;

use crate::common::{now, timestamp};
use crate::error::Result;
use crate::Inner;

/// A cognitive distortion offered by the thought record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Distortion {
    /// Seeing things in black and white.
    AllOrNothing,
    /// One event taken as a never-ending pattern.
    Overgeneralization,
    /// Dwelling on a single negative detail.
    MentalFilter,
    /// Insisting positives don't count.
    DiscountingThePositive,
    /// Assuming what others think.
    MindReading,
    /// Predicting things will turn out badly.
    FortuneTelling,
    /// Blowing things out of proportion (or shrinking them).
    Catastrophizing,
    /// "I feel it, so it must be true."
    EmotionalReasoning,
    /// Rigid rules about how things should be.
    ShouldStatements,
    /// Attaching a global label to oneself or others.
    Labeling,
    /// Taking responsibility for things outside one's control.
    Personalization,
    /// Putting all responsibility on others.
    Blaming,
}

macro_rules! mirror_enum {
    ($ffi:ident, $core:path, [$($v:ident),* $(,)?]) => {
        impl From<$core> for $ffi {
            fn from(v: $core) -> Self {
                use $core as C;
                match v { $(C::$v => Self::$v,)* }
            }
        }
        impl From<$ffi> for $core {
            fn from(v: $ffi) -> Self {
                use $core as C;
                match v { $($ffi::$v => C::$v,)* }
            }
        }
    };
}
pub(crate) use mirror_enum;

mirror_enum!(
    Distortion,
    core::Distortion,
    [
        AllOrNothing,
        Overgeneralization,
        MentalFilter,
        DiscountingThePositive,
        MindReading,
        FortuneTelling,
        Catastrophizing,
        EmotionalReasoning,
        ShouldStatements,
        Labeling,
        Personalization,
        Blaming,
    ]
);

/// An emotion and how strongly it was felt, 0–100.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EmotionRating {
    /// The emotion in the person's own word.
    pub emotion: String,
    /// Intensity 0–100.
    pub intensity: u8,
}

impl From<core::EmotionRating> for EmotionRating {
    fn from(e: core::EmotionRating) -> Self {
        Self {
            emotion: e.emotion,
            intensity: e.intensity,
        }
    }
}

impl From<EmotionRating> for core::EmotionRating {
    fn from(e: EmotionRating) -> Self {
        Self {
            emotion: e.emotion,
            intensity: e.intensity,
        }
    }
}

/// The content of a CBT thought record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ThoughtRecordContent {
    /// What happened, where, with whom.
    pub situation: String,
    /// The thought that came up.
    pub automatic_thought: String,
    /// Emotions felt, with intensity.
    pub emotions: Vec<EmotionRating>,
    /// Distortions spotted in the automatic thought.
    pub distortions: Vec<Distortion>,
    /// Evidence that supports the thought.
    pub evidence_for: String,
    /// Evidence that does not support the thought.
    pub evidence_against: String,
    /// A more balanced alternative thought.
    pub balanced_thought: String,
    /// The same emotions re-rated after the exercise.
    pub rerated_emotions: Vec<EmotionRating>,
}

fn map<A, B: From<A>>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(B::from).collect()
}

impl From<core::ThoughtRecord> for ThoughtRecordContent {
    fn from(t: core::ThoughtRecord) -> Self {
        Self {
            situation: t.situation,
            automatic_thought: t.automatic_thought,
            emotions: map(t.emotions),
            distortions: map(t.distortions),
            evidence_for: t.evidence_for,
            evidence_against: t.evidence_against,
            balanced_thought: t.balanced_thought,
            rerated_emotions: map(t.rerated_emotions),
        }
    }
}

impl From<ThoughtRecordContent> for core::ThoughtRecord {
    fn from(t: ThoughtRecordContent) -> Self {
        Self {
            situation: t.situation,
            automatic_thought: t.automatic_thought,
            emotions: map(t.emotions),
            distortions: map(t.distortions),
            evidence_for: t.evidence_for,
            evidence_against: t.evidence_against,
            balanced_thought: t.balanced_thought,
            rerated_emotions: map(t.rerated_emotions),
        }
    }
}

/// What an entry contains.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum JournalBody {
    /// Free writing.
    Free {
        /// The text.
        text: String,
    },
    /// An answer to a writing prompt.
    Prompted {
        /// The prompt shown.
        prompt: String,
        /// The person's answer.
        response: String,
    },
    /// A CBT thought record.
    ThoughtRecord {
        /// Its content.
        record: ThoughtRecordContent,
    },
}

impl From<core::JournalBody> for JournalBody {
    fn from(b: core::JournalBody) -> Self {
        match b {
            core::JournalBody::Free { text } => Self::Free { text },
            core::JournalBody::Prompted { prompt, response } => Self::Prompted { prompt, response },
            core::JournalBody::ThoughtRecord(t) => Self::ThoughtRecord { record: t.into() },
        }
    }
}

impl From<JournalBody> for core::JournalBody {
    fn from(b: JournalBody) -> Self {
        match b {
            JournalBody::Free { text } => Self::Free { text },
            JournalBody::Prompted { prompt, response } => Self::Prompted { prompt, response },
            JournalBody::ThoughtRecord { record } => Self::ThoughtRecord(record.into()),
        }
    }
}

/// What the person writes, for new entries and edits.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JournalDraft {
    /// Optional title (at most 200 characters).
    pub title: Option<String>,
    /// The content.
    pub body: JournalBody,
    /// Free-form tags (normalized to lowercase, deduplicated).
    pub tags: Vec<String>,
}

impl From<core::JournalDraft> for JournalDraft {
    fn from(d: core::JournalDraft) -> Self {
        Self {
            title: d.title,
            body: d.body.into(),
            tags: d.tags,
        }
    }
}

impl From<JournalDraft> for core::JournalDraft {
    fn from(d: JournalDraft) -> Self {
        Self {
            title: d.title,
            body: d.body.into(),
            tags: d.tags,
        }
    }
}

/// An earlier version of an entry, kept when it was edited.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JournalRevision {
    /// When this version was replaced (RFC 3339).
    pub replaced_at: String,
    /// The content as it was.
    pub draft: JournalDraft,
}

/// A journal entry with its history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JournalEntry {
    /// The record id (32 hex characters).
    pub id: String,
    /// When it was first written (RFC 3339, writer's offset).
    pub created_at: String,
    /// When it was last edited (RFC 3339).
    pub updated_at: String,
    /// The current content.
    pub current: JournalDraft,
    /// Earlier versions, oldest first.
    pub revisions: Vec<JournalRevision>,
}

impl From<core::JournalEntry> for JournalEntry {
    fn from(e: core::JournalEntry) -> Self {
        Self {
            id: e.id.to_string(),
            created_at: timestamp(&e.created_at),
            updated_at: timestamp(&e.updated_at),
            current: e.current.into(),
            revisions: e
                .revisions
                .into_iter()
                .map(|r| JournalRevision {
                    replaced_at: timestamp(&r.replaced_at),
                    draft: r.draft.into(),
                })
                .collect(),
        }
    }
}

/// Which entries [`Journal::list`] returns.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct JournalFilter {
    /// Only entries carrying this tag.
    #[uniffi(default = None)]
    pub tag: Option<String>,
    /// Only entries with a case-insensitive match in title, text or tags.
    #[uniffi(default = None)]
    pub text: Option<String>,
    /// At most this many (newest first).
    #[uniffi(default = None)]
    pub limit: Option<u32>,
}

/// A tag and how many entries carry it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// Entries carrying it.
    pub count: u32,
}

/// The journal of one store (get it from [`crate::Solace::journal`]).
#[derive(uniffi::Object)]
pub struct Journal {
    pub(crate) inner: Arc<Inner>,
}

#[uniffi::export]
impl Journal {
    /// Writes a new entry dated now.
    pub fn add(&self, draft: JournalDraft) -> Result<JournalEntry> {
        self.inner
            .with(|s| core::add(s, draft.into(), now()))
            .map(Into::into)
    }

    /// The entry with `id`.
    pub fn get(&self, id: String) -> Result<JournalEntry> {
        let id = crate::common::id(&id)?;
        self.inner.read(|s| core::get(s, &id)).map(Into::into)
    }

    /// Replaces an entry's content, keeping the previous content as a revision.
    pub fn edit(&self, id: String, draft: JournalDraft) -> Result<JournalEntry> {
        let id = crate::common::id(&id)?;
        self.inner
            .with(|s| core::edit(s, &id, draft.into(), now()))
            .map(Into::into)
    }

    /// Deletes an entry (a tombstone that syncs).
    pub fn delete(&self, id: String) -> Result<()> {
        let id = crate::common::id(&id)?;
        self.inner.with(|s| core::delete(s, &id))
    }

    /// Entries newest first, filtered by tag and text.
    pub fn list(&self, filter: JournalFilter) -> Result<Vec<JournalEntry>> {
        let filter = core::JournalFilter {
            tag: filter.tag,
            text: filter.text,
            limit: filter.limit.map(|l| l as usize),
        };
        self.inner
            .read(|s| core::list(s, &filter))
            .map(|v| v.into_iter().map(Into::into).collect())
    }

    /// Case-insensitive full-text search, on the device, newest first.
    pub fn search(&self, query: String) -> Result<Vec<JournalEntry>> {
        self.inner
            .read(|s| core::search(s, &query))
            .map(|v| v.into_iter().map(Into::into).collect())
    }

    /// Every tag in use with its count, most used first.
    pub fn tags(&self) -> Result<Vec<TagCount>> {
        self.inner.read(core::tags).map(|v| {
            v.into_iter()
                .map(|(tag, count)| TagCount {
                    tag,
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                })
                .collect()
        })
    }
}
