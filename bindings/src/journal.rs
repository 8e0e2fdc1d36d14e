//! Journal: free entries, prompted entries and CBT thought records (thin wrappers over
//! [`solace_core::journal`]).

use std::sync::Arc;

use solace_core::journal as core;

use solace_core::RecordId;

use crate::common::{now, Timestamp};
use crate::error::Result;
use crate::Inner;

pub use core::{
    Distortion, EmotionRating, JournalDraft, JournalEntry, JournalRevision,
    ThoughtRecord as ThoughtRecordContent,
};

/// A cognitive distortion offered by the thought record.
#[uniffi::remote(Enum)]
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

/// An emotion and how strongly it was felt, 0–100.
#[uniffi::remote(Record)]
pub struct EmotionRating {
    /// The emotion in the person's own word.
    pub emotion: String,
    /// Intensity 0–100.
    pub intensity: u8,
}

/// The content of a CBT thought record.
#[uniffi::remote(Record)]
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

// A twin of `core::JournalBody`, kept because the core's thought record variant is a tuple
// variant (its serde form is frozen) while the apps see a named `record` field.
/// What an entry contains.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[uniffi(name = "JournalBody")]
pub enum JournalBodyFfi {
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

impl From<core::JournalBody> for JournalBodyFfi {
    fn from(b: core::JournalBody) -> Self {
        match b {
            core::JournalBody::Free { text } => Self::Free { text },
            core::JournalBody::Prompted { prompt, response } => Self::Prompted { prompt, response },
            core::JournalBody::ThoughtRecord(record) => Self::ThoughtRecord { record },
        }
    }
}

impl From<JournalBodyFfi> for core::JournalBody {
    fn from(b: JournalBodyFfi) -> Self {
        match b {
            JournalBodyFfi::Free { text } => Self::Free { text },
            JournalBodyFfi::Prompted { prompt, response } => Self::Prompted { prompt, response },
            JournalBodyFfi::ThoughtRecord { record } => Self::ThoughtRecord(record),
        }
    }
}

crate::common::ffi_via!(core::JournalBody => JournalBodyFfi);

/// What the person writes, for new entries and edits.
#[uniffi::remote(Record)]
pub struct JournalDraft {
    /// Optional title (at most 200 characters).
    pub title: Option<String>,
    /// The content.
    pub body: core::JournalBody,
    /// Free-form tags (normalized to lowercase, deduplicated).
    pub tags: Vec<String>,
}

/// An earlier version of an entry, kept when it was edited.
#[uniffi::remote(Record)]
pub struct JournalRevision {
    /// When this version was replaced (RFC 3339).
    pub replaced_at: Timestamp,
    /// The content as it was.
    pub draft: JournalDraft,
}

/// A journal entry with its history.
#[uniffi::remote(Record)]
pub struct JournalEntry {
    /// The record id (32 hex characters).
    pub id: RecordId,
    /// When it was first written (RFC 3339, writer's offset).
    pub created_at: Timestamp,
    /// When it was last edited (RFC 3339).
    pub updated_at: Timestamp,
    /// The current content.
    pub current: JournalDraft,
    /// Earlier versions, oldest first.
    pub revisions: Vec<JournalRevision>,
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
        self.inner.with(|s| core::add(s, draft, now()))
    }

    /// The entry with `id`.
    pub fn get(&self, id: String) -> Result<JournalEntry> {
        let id = crate::common::id(&id)?;
        self.inner.read(|s| core::get(s, &id))
    }

    /// Replaces an entry's content, keeping the previous content as a revision.
    pub fn edit(&self, id: String, draft: JournalDraft) -> Result<JournalEntry> {
        let id = crate::common::id(&id)?;
        self.inner.with(|s| core::edit(s, &id, draft, now()))
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
        self.inner.read(|s| core::list(s, &filter))
    }

    /// Case-insensitive full-text search, on the device, newest first.
    pub fn search(&self, query: String) -> Result<Vec<JournalEntry>> {
        self.inner.read(|s| core::search(s, &query))
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
