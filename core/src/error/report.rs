//! Why a therapist report or a file attachment was refused.

/// A report or attachment request that cannot be carried out. Messages name the problem and
/// a position, never content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A picked journal entry (`--entry`, counted from 1) matches no record.
    #[error("picked entry {position} does not exist")]
    EntryNotFound {
        /// Which pick, counted from 1.
        position: u32,
    },
    /// A picked id (counted from 1) names a record that is not a journal entry.
    #[error("picked entry {position} is not a journal entry")]
    NotAJournalEntry {
        /// Which pick, counted from 1.
        position: u32,
    },
    /// A file to send is larger than an attachment may be.
    #[error("the file is larger than {max_bytes} bytes, the most an attachment may be")]
    AttachmentTooLarge {
        /// The cap.
        max_bytes: u64,
    },
    /// The attachment has not fully arrived yet, so there is nothing to save.
    #[error("the attachment has not fully arrived yet")]
    AttachmentIncomplete,
}
