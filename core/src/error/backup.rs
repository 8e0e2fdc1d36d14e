//! Failures of a backup file (writing one, or reading one to restore from).

/// Why a backup could not be written or restored. A wrong passphrase or recovery key is not
/// here: it is [`CoreError::WrongPassphrase`](super::CoreError::WrongPassphrase) /
/// [`CoreError::WrongRecoveryKey`](super::CoreError::WrongRecoveryKey), as for the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The file is not a Solace backup, or its clear header is cut short or malformed.
    #[error("the file is not a Solace backup, or its header is damaged")]
    Malformed,
    /// The backup was written in a format version this build does not read.
    #[error("the backup uses format version {0}, which this build cannot read")]
    UnsupportedVersion(u8),
    /// The sealed body did not authenticate: the file was changed, cut short or extended.
    /// Nothing was restored.
    #[error("the backup is damaged or incomplete; nothing was restored")]
    Damaged,
    /// The target file exists and overwriting it was not asked for.
    #[error("the backup file already exists")]
    FileExists,
}
