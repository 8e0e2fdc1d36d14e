//! The one error type a UI branches on.
//!
//! Messages never contain secrets, plaintext or personal data: only what went wrong and, where it
//! helps, a non-sensitive detail such as a field name or a format version.

use crate::crypto::envelope::EnvelopeError;
use crate::keystore::KeyStoreError;

/// Result alias used throughout the core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// Everything that can go wrong in the core, as variants a front end can branch on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The passphrase did not unlock the vault. Nothing was changed.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The recovery key did not unlock the vault. Nothing was changed.
    #[error("wrong recovery key")]
    WrongRecoveryKey,
    /// The recovery key text is not a well-formed recovery key.
    #[error("malformed recovery key")]
    MalformedRecoveryKey,
    /// This device holds no key for the vault (never remembered, or forgotten): use the passphrase.
    #[error("this device is not remembered; unlock with the passphrase")]
    DeviceNotRemembered,
    /// The device key in the platform key store does not open this vault.
    #[error("the device key does not match this vault; unlock with the passphrase")]
    DeviceKeyMismatch,
    /// Key-derivation parameters below the hard floor were requested or found on disk.
    #[error("key-derivation parameters are below the allowed minimum")]
    KdfTooWeak,
    /// Key-derivation parameters above the ceiling (1 GiB, 10 passes) were requested or sent
    /// by a server: refused rather than letting it exhaust the device.
    #[error("key-derivation parameters are above the allowed maximum")]
    KdfTooCostly,
    /// New key-derivation parameters would be weaker than the current ones.
    #[error("key-derivation parameters may not be weakened")]
    KdfDowngrade,
    /// The passphrase is unusable (for example empty).
    #[error("passphrase rejected: {0}")]
    WeakPassphrase(&'static str),
    /// No vault exists at this location yet.
    #[error("no Solace store here; run init first")]
    NotInitialized,
    /// A vault already exists at this location.
    #[error("a Solace store already exists here")]
    AlreadyInitialized,
    /// Another process has the store open for writing.
    #[error("the store is in use by another Solace process")]
    StoreBusy,
    /// A write was attempted through a read-only store handle (`Store::open_reader`); nothing
    /// was changed. A programming error in the caller: writes go through the writer.
    #[error("this store handle is read-only")]
    ReadOnlyHandle,
    /// The store was written by a newer version of Solace.
    #[error("the store uses schema version {found}, newer than this build supports ({supported})")]
    SchemaTooNew {
        /// Schema version on disk.
        found: i64,
        /// Newest schema version this build knows.
        supported: i64,
    },
    /// A sealed record failed to parse or authenticate.
    #[error("record could not be decrypted: {0}")]
    Envelope(#[from] EnvelopeError),
    /// A record's content did not decode into the expected shape.
    #[error("record content is malformed ({kind})")]
    MalformedRecord {
        /// Record kind tag, not content.
        kind: &'static str,
    },
    /// The record sealed under a key id this vault does not have.
    #[error("record sealed with unknown key {0}")]
    UnknownKey(u32),
    /// No record with that id (or id prefix).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// An id prefix matched more than one record.
    #[error("id prefix is ambiguous; give more characters")]
    AmbiguousId,
    /// The caller passed a value outside the allowed range or shape.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The disk is full; the operation was rolled back.
    #[error("the disk is full; nothing was saved")]
    DiskFull,
    /// The SQLite database is damaged or not a Solace store.
    #[error("the store file is damaged or not a Solace store")]
    CorruptStore,
    /// Any other storage failure.
    #[error("storage error: {0}")]
    Storage(String),
    /// A file-system failure outside SQLite.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The platform key store failed.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    /// The sync server could not be reached or did not answer in time; try again later.
    #[error("the sync server is unreachable: {0}")]
    Network(String),
    /// The server refused the credentials or the device token (revoked or expired).
    #[error("the sync server refused the login; log in again")]
    Unauthorized,
    /// The server rejected a request (see the code); retrying the same request will not help.
    #[error("the sync server rejected the request ({code}): {message}")]
    ServerRejected {
        /// Stable machine code from the server.
        code: String,
        /// The server's message (carries no personal data by protocol).
        message: String,
    },
    /// The sync server's answers contradict each other (for example it calls every new change
    /// a duplicate, or its pages never end). Nothing local was changed or lost; edits stay
    /// pending.
    #[error("the sync server answered inconsistently ({0}); nothing was lost, try again later")]
    ServerInconsistent(&'static str),
    /// The server address uses plain `http://` to another machine: use `https://` (plain
    /// HTTP is accepted only for this machine, e.g. `http://127.0.0.1:8787`).
    #[error("the server address must use https (plain http only to this machine)")]
    InsecureServerUrl,
    /// The server's answer was larger than the client accepts; nothing was read into the store.
    #[error("the sync server sent an answer larger than allowed")]
    ResponseTooLarge,
    /// The store is connected to a different account (or server) than the one asked for.
    #[error("this store is connected to a different sync account")]
    AccountMismatch,
    /// This store is not connected to a sync account yet.
    #[error("this store is not connected to a sync server; run register or login first")]
    NotRegistered,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// The caller cancelled the work; everything committed before it stopped is kept.
    #[error("cancelled")]
    Cancelled,
}

impl From<rusqlite::Error> for CoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match err.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => CoreError::DiskFull,
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => CoreError::StoreBusy,
            Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
                CoreError::CorruptStore
            }
            // rusqlite errors carry SQL text and codes, never bound values, so they hold no
            // personal data.
            _ => CoreError::Storage(err.to_string()),
        }
    }
}
