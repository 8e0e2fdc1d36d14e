//! The error type a UI branches on, layered over per-layer errors.
//!
//! [`CoreError`] is the top layer: the categories a front end branches on are its variants,
//! and the failures of each lower layer live in their own enums with their sources inside:
//! [`StoreError`] (SQLite, disk), [`CryptoError`] (sealing, keys, KDF, RNG),
//! [`TransportError`] (the server), [`PeerMessageError`] (another device's message is at
//! fault), [`BackupError`] (a backup file). Invalid input is typed ([`InvalidInput`]: field and problem), never free text.
//!
//! Messages never contain secrets, plaintext or personal data: only what went wrong and, where it
//! helps, a non-sensitive detail such as a field name or a format version.

mod backup;
mod crypto;
mod identity;
mod input;
mod peer;
mod report;
mod review;
mod store;
mod transport;

pub use backup::BackupError;
pub use crypto::CryptoError;
pub use identity::IdentityError;
pub use input::{CsvImportError, ImportError, InputProblem, InvalidInput};
pub use peer::PeerMessageError;
pub use report::ReportError;
pub use review::ReviewError;
pub use store::StoreError;
pub use transport::{BoxedSource, TransportError};

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
    /// The passphrase is unusable (for example empty).
    #[error("passphrase rejected: {0}")]
    WeakPassphrase(&'static str),
    /// No vault exists at this location yet.
    #[error("no Solace store here; run init first")]
    NotInitialized,
    /// A vault already exists at this location.
    #[error("a Solace store already exists here")]
    AlreadyInitialized,
    /// The local store failed (busy, disk full, damaged, read-only, schema too new, SQLite).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A local cryptographic step failed (a sealed blob that does not open, an unknown key,
    /// refused key-derivation parameters, damaged messaging state, the RNG).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The server could not be reached, refused, rejected or contradicted itself.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Another device's message (or published keys) is at fault.
    #[error(transparent)]
    PeerMessage(#[from] PeerMessageError),
    /// The other person's account identity changed, or none of their devices is signed by it.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// A backup file could not be written, or is not one this build can restore from.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// A review could not be written or its token not obtained (`crate::reviews`).
    #[error(transparent)]
    Review(#[from] ReviewError),
    /// A record's content did not decode into the expected shape.
    #[error("record content is malformed ({kind})")]
    MalformedRecord {
        /// Record kind tag, not content.
        kind: &'static str,
    },
    /// No record with that id (or id prefix).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// An id prefix matched more than one record.
    #[error("id prefix is ambiguous; give more characters")]
    AmbiguousId,
    /// The caller passed a value outside the allowed range or shape.
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// An export file to import was refused.
    #[error(transparent)]
    InvalidImport(#[from] ImportError),
    /// A Daylio or Bearable CSV file to import was refused; nothing was imported.
    #[error(transparent)]
    InvalidCsvImport(#[from] CsvImportError),
    /// A therapist report or an attachment was refused (a picked entry, a size cap).
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A file-system failure outside SQLite (exports, key files).
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// The platform key store failed.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    /// The store is connected to a different account (or server) than the one asked for.
    #[error("this store is connected to a different sync account")]
    AccountMismatch,
    /// This store is not connected to a sync account yet.
    #[error("this store is not connected to a sync server; run register or login first")]
    NotRegistered,
    /// The caller cancelled the work; everything committed before it stopped is kept.
    #[error("cancelled")]
    Cancelled,
    /// The store was closed; open it again.
    #[error("the store was closed")]
    Closed,
    /// A failure inside Solace itself (a background task stopped unexpectedly); the store is
    /// consistent. The text names the step, never data.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl CoreError {
    /// An [`CoreError::InvalidInput`]: `field` has `problem`.
    pub fn invalid(field: &'static str, problem: InputProblem) -> Self {
        CoreError::InvalidInput(InvalidInput::new(field, problem))
    }

    /// Whether the same operation can succeed later without the user doing anything: the
    /// server unreachable, slow, busy or garbled, or the store busy.
    pub fn is_transient(&self) -> bool {
        match self {
            CoreError::Transport(t) => t.is_transient(),
            CoreError::Store(StoreError::Busy) => true,
            _ => false,
        }
    }

    /// Whether this is the peer's fault (its message or keys are bad), as opposed to a local
    /// failure. Only such a failure may drop an inbound message.
    pub fn is_peer_fault(&self) -> bool {
        matches!(self, CoreError::PeerMessage(_))
    }

    /// The message with its chain of causes (`message: cause: cause`), for logs and for
    /// front ends that print one line. Carries no personal data, like every error here.
    pub fn report(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        // A transparent wrapper's source is the inner error itself, whose text is already
        // printed: skip causes whose text is already part of the line.
        while let Some(cause) = source {
            let part = cause.to_string();
            if !text.ends_with(&part) {
                text.push_str(": ");
                text.push_str(&part);
            }
            source = cause.source();
        }
        text
    }
}

impl From<EnvelopeError> for CoreError {
    fn from(err: EnvelopeError) -> Self {
        CoreError::Crypto(CryptoError::Envelope(err))
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(err: rusqlite::Error) -> Self {
        CoreError::Store(StoreError::from(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_map_to_store_categories_and_others_keep_their_source() {
        let code =
            |c| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(c), Some("detail".into()));
        let busy = CoreError::from(code(rusqlite::ffi::SQLITE_BUSY));
        assert!(matches!(busy, CoreError::Store(StoreError::Busy)));
        assert!(busy.is_transient());
        assert!(matches!(
            CoreError::from(code(rusqlite::ffi::SQLITE_FULL)),
            CoreError::Store(StoreError::DiskFull)
        ));
        assert!(matches!(
            CoreError::from(code(rusqlite::ffi::SQLITE_CORRUPT)),
            CoreError::Store(StoreError::Corrupt)
        ));
        assert!(matches!(
            CoreError::from(code(rusqlite::ffi::SQLITE_READONLY)),
            CoreError::Store(StoreError::ReadOnly)
        ));
        let other = CoreError::from(rusqlite::Error::InvalidColumnName("nope".into()));
        assert!(matches!(other, CoreError::Store(StoreError::Sqlite(_))));
        assert!(
            std::error::Error::source(&other).is_some(),
            "SQLite error kept"
        );
        assert_eq!(other.report(), "storage error: Invalid column name: nope");
        assert!(!other.is_transient());
    }

    #[test]
    fn transient_and_peer_fault_classification() {
        assert!(CoreError::from(TransportError::Timeout).is_transient());
        assert!(CoreError::from(TransportError::Unavailable { status: 503 }).is_transient());
        assert!(!CoreError::from(TransportError::Unauthorized).is_transient());
        assert!(!CoreError::from(TransportError::Inconsistent("x")).is_transient());
        assert!(CoreError::from(PeerMessageError::Undecryptable).is_peer_fault());
        assert!(!CoreError::from(CryptoError::DeviceStateDamaged).is_peer_fault());
        assert!(!CoreError::from(EnvelopeError::Authentication).is_peer_fault());
    }

    #[test]
    fn messages_name_fields_and_causes_without_values() {
        let err = CoreError::invalid("mood", InputProblem::OutOfRange { min: 1, max: 10 });
        assert_eq!(err.to_string(), "mood must be between 1 and 10");
        let err = CoreError::from(TransportError::unreachable("connection refused"));
        assert_eq!(
            err.report(),
            "the sync server is unreachable: connection refused"
        );
        let err = CoreError::from(EnvelopeError::Authentication);
        assert_eq!(
            err.report(),
            "record could not be decrypted: envelope failed authentication"
        );
        let err = CoreError::from(ImportError::Record {
            kind: "mood",
            index: 3,
            reason: "id: is missing".into(),
        });
        assert_eq!(err.to_string(), "mood[3].id: is missing");
    }
}
