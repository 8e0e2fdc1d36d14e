//! The typed errors a UI branches on, mapped one-to-one (or by family) from
//! [`solace_core::CoreError`]. Messages carry no secrets or personal data.

use solace_core::error::{BackupError, IdentityError, StoreError, TransportError};
use solace_core::CoreError;

/// Every error a Solace call can raise. UIs branch on the variant; `detail` strings are for
/// logs and developer messages, not for control flow.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum SolaceError {
    /// The passphrase does not open this store.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The recovery key does not open this store.
    #[error("wrong recovery key")]
    WrongRecoveryKey,
    /// The recovery key text is not a recovery key at all (typo, truncated).
    #[error("malformed recovery key")]
    MalformedRecoveryKey,
    /// This device has no device key for the store: unlock with the passphrase.
    #[error("this device is not remembered; unlock with the passphrase")]
    DeviceNotRemembered,
    /// The key store holds a device key for another store: unlock with the passphrase.
    #[error("the device key does not match this store; unlock with the passphrase")]
    DeviceKeyMismatch,
    /// The passphrase was refused (too short, too common…).
    #[error("passphrase rejected: {detail}")]
    WeakPassphrase {
        /// Why, in a sentence fit to show.
        detail: String,
    },
    /// There is no Solace store in the directory yet.
    #[error("no Solace store here yet")]
    NotInitialized,
    /// A store already exists in the directory.
    #[error("a Solace store already exists here")]
    AlreadyInitialized,
    /// Another process (or another open `Solace`) holds the store's writer lock.
    #[error("the store is in use by another Solace instance")]
    StoreBusy,
    /// The store was written by a newer app version.
    #[error("the store uses schema version {found}, newer than this build supports ({supported})")]
    SchemaTooNew {
        /// Schema version found on disk.
        found: i64,
        /// Newest version this build understands.
        supported: i64,
    },
    /// A record or key could not be decrypted or has the wrong shape (tampering or damage),
    /// or the key-derivation parameters were refused.
    #[error("cryptographic failure: {detail}")]
    Crypto {
        /// What failed (no key material).
        detail: String,
    },
    /// The requested record does not exist.
    #[error("no such {what}")]
    NotFound {
        /// What kind of thing ("journal entry", "habit"…).
        what: String,
    },
    /// An id prefix matched several records.
    #[error("id prefix is ambiguous")]
    AmbiguousId,
    /// An argument is out of range, empty or malformed.
    #[error("invalid input: {detail}")]
    InvalidInput {
        /// What is wrong, in a sentence fit to show.
        detail: String,
    },
    /// The disk is full; nothing was saved.
    #[error("the disk is full; nothing was saved")]
    DiskFull,
    /// The store file is damaged or not a Solace store.
    #[error("the store file is damaged or not a Solace store")]
    CorruptStore,
    /// Any other SQLite or file-system failure.
    #[error("storage error: {detail}")]
    Storage {
        /// The underlying error.
        detail: String,
    },
    /// The platform key store failed (access denied, malformed key, backend error).
    #[error("key store error: {detail}")]
    KeyStore {
        /// The underlying error.
        detail: String,
    },
    /// The sync server could not be reached (retry later).
    #[error("the sync server is unreachable: {detail}")]
    Network {
        /// The underlying error.
        detail: String,
    },
    /// The sync server refused the login: log in again.
    #[error("the sync server refused the login")]
    Unauthorized,
    /// The sync server rejected a request.
    #[error("the sync server rejected the request ({code}): {detail}")]
    ServerRejected {
        /// The server's error code.
        code: String,
        /// The server's message.
        detail: String,
    },
    /// The server address is plain `http://` to another machine: use `https://`.
    #[error("the server address must use https")]
    InsecureServerUrl,
    /// The server's answer was larger than allowed.
    #[error("the sync server sent an answer larger than allowed")]
    ResponseTooLarge,
    /// The store is connected to another sync account than the one asked for.
    #[error("this store is connected to a different sync account")]
    AccountMismatch,
    /// The store is not connected to a sync account yet (call `register` or log in).
    #[error("this store is not connected to a sync server")]
    NotRegistered,
    /// The call was cancelled (its coroutine or task was cancelled); everything committed
    /// before it stopped is kept.
    #[error("cancelled")]
    Cancelled,
    /// The other person's identity changed: messages to them wait until the person compares
    /// the safety number and accepts the change.
    #[error("the other person's identity changed")]
    IdentityChanged,
    /// The recipient has no device signed by their account identity yet.
    #[error("the recipient has no signed device yet")]
    NoSignedDevice,
    /// No identity is known for the conversation yet (before first contact), or none changed.
    #[error("identity: {detail}")]
    IdentityUnavailable {
        /// Which.
        detail: String,
    },
    /// The backup file was changed, cut short or extended: nothing was restored.
    #[error("the backup is damaged or incomplete; nothing was restored")]
    BackupDamaged,
    /// The file is not a Solace backup, or one from a newer app version.
    #[error("not a backup this app can read: {detail}")]
    BackupUnreadable {
        /// Which (no content).
        detail: String,
    },
    /// The backup file to write exists and overwriting was not asked for.
    #[error("the backup file already exists")]
    BackupFileExists,
    /// This `Solace` was closed; open the store again.
    #[error("this store was closed")]
    Closed,
    /// A foreign callback (key store, listener) failed unexpectedly, or an internal error.
    #[error("internal error: {detail}")]
    Internal {
        /// The underlying error.
        detail: String,
    },
}

/// The one mapping point from the core's layered error to the FFI error: every category a UI
/// branches on becomes a typed variant; `detail` (the message with its causes) is for logs.
impl From<CoreError> for SolaceError {
    fn from(err: CoreError) -> Self {
        let detail = err.report();
        match err {
            CoreError::WrongPassphrase => Self::WrongPassphrase,
            CoreError::WrongRecoveryKey => Self::WrongRecoveryKey,
            CoreError::MalformedRecoveryKey => Self::MalformedRecoveryKey,
            CoreError::DeviceNotRemembered => Self::DeviceNotRemembered,
            CoreError::DeviceKeyMismatch => Self::DeviceKeyMismatch,
            CoreError::WeakPassphrase(why) => Self::WeakPassphrase {
                detail: why.to_owned(),
            },
            CoreError::NotInitialized => Self::NotInitialized,
            CoreError::AlreadyInitialized => Self::AlreadyInitialized,
            CoreError::Store(store) => from_store(store, detail),
            // Local crypto failures, damaged content and a peer's bad message all mean "this
            // could not be opened or trusted"; the detail says which.
            CoreError::Crypto(_)
            | CoreError::MalformedRecord { .. }
            | CoreError::PeerMessage(_) => Self::Crypto { detail },
            CoreError::Transport(transport) => from_transport(transport, detail),
            CoreError::NotFound(what) => Self::NotFound {
                what: what.to_owned(),
            },
            CoreError::AmbiguousId => Self::AmbiguousId,
            CoreError::InvalidInput(_)
            | CoreError::InvalidImport(_)
            | CoreError::InvalidCsvImport(_)
            | CoreError::Report(_) => Self::InvalidInput { detail },
            CoreError::Io(_) => Self::Storage { detail },
            CoreError::KeyStore(_) => Self::KeyStore { detail },
            CoreError::NotRegistered => Self::NotRegistered,
            CoreError::AccountMismatch => Self::AccountMismatch,
            CoreError::Cancelled => Self::Cancelled,
            CoreError::Closed => Self::Closed,
            CoreError::Backup(BackupError::Damaged) => Self::BackupDamaged,
            CoreError::Backup(BackupError::FileExists) => Self::BackupFileExists,
            CoreError::Backup(_) => Self::BackupUnreadable { detail },
            CoreError::Identity(IdentityError::Changed) => Self::IdentityChanged,
            CoreError::Identity(IdentityError::NoSignedDevice) => Self::NoSignedDevice,
            CoreError::Identity(_) => Self::IdentityUnavailable { detail },
            _ => Self::Internal { detail },
        }
    }
}

fn from_store(err: StoreError, detail: String) -> SolaceError {
    match err {
        StoreError::Busy => SolaceError::StoreBusy,
        StoreError::DiskFull => SolaceError::DiskFull,
        StoreError::Corrupt => SolaceError::CorruptStore,
        StoreError::SchemaTooNew { found, supported } => {
            SolaceError::SchemaTooNew { found, supported }
        }
        _ => SolaceError::Storage { detail },
    }
}

fn from_transport(err: TransportError, detail: String) -> SolaceError {
    match err {
        TransportError::Unauthorized => SolaceError::Unauthorized,
        TransportError::Rejected { code, message } => SolaceError::ServerRejected {
            code,
            detail: message,
        },
        TransportError::InsecureUrl => SolaceError::InsecureServerUrl,
        TransportError::TooLarge => SolaceError::ResponseTooLarge,
        // Unreachable, timeout, busy, garbled or inconsistent: try again later.
        _ => SolaceError::Network { detail },
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SolaceError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Internal { detail: err.reason }
    }
}

/// Shorthand for results crossing the FFI boundary.
pub type Result<T, E = SolaceError> = std::result::Result<T, E>;

/// An [`SolaceError::InvalidInput`] with `detail`.
pub(crate) fn invalid(detail: impl Into<String>) -> SolaceError {
    SolaceError::InvalidInput {
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solace_core::crypto::envelope::EnvelopeError;
    use solace_core::error::{
        CryptoError, ImportError, InputProblem, PeerMessageError, StoreError, TransportError,
    };

    fn map(err: impl Into<CoreError>) -> SolaceError {
        SolaceError::from(err.into())
    }

    #[test]
    fn store_failures_map_to_their_categories() {
        assert!(matches!(map(StoreError::Busy), SolaceError::StoreBusy));
        assert!(matches!(map(StoreError::DiskFull), SolaceError::DiskFull));
        assert!(matches!(
            map(StoreError::Corrupt),
            SolaceError::CorruptStore
        ));
        assert!(matches!(
            map(StoreError::SchemaTooNew {
                found: 9,
                supported: 3
            }),
            SolaceError::SchemaTooNew {
                found: 9,
                supported: 3
            }
        ));
        assert!(matches!(
            map(StoreError::ReadOnly),
            SolaceError::Storage { .. }
        ));
        match map(StoreError::WriteFailed) {
            SolaceError::Storage { detail } => assert_eq!(detail, "the store could not save"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn crypto_and_peer_failures_map_to_crypto() {
        for err in [
            CoreError::from(CryptoError::Envelope(EnvelopeError::Authentication)),
            CryptoError::UnknownKey(7).into(),
            CryptoError::KdfTooWeak.into(),
            CryptoError::KdfTooCostly.into(),
            CryptoError::KdfDowngrade.into(),
            CryptoError::DeviceStateDamaged.into(),
            CryptoError::Random.into(),
            PeerMessageError::Undecryptable.into(),
            CoreError::MalformedRecord { kind: "mood" },
        ] {
            assert!(matches!(map(err), SolaceError::Crypto { .. }));
        }
    }

    #[test]
    fn transport_failures_map_to_their_categories() {
        assert!(matches!(
            map(TransportError::Unauthorized),
            SolaceError::Unauthorized
        ));
        assert!(matches!(
            map(TransportError::InsecureUrl),
            SolaceError::InsecureServerUrl
        ));
        assert!(matches!(
            map(TransportError::TooLarge),
            SolaceError::ResponseTooLarge
        ));
        match map(TransportError::Rejected {
            code: "not_linked".into(),
            message: "no link".into(),
        }) {
            SolaceError::ServerRejected { code, detail } => {
                assert_eq!(code, "not_linked");
                assert_eq!(detail, "no link");
            }
            other => panic!("{other:?}"),
        }
        for err in [
            TransportError::unreachable("connection refused"),
            TransportError::Timeout,
            TransportError::Unavailable { status: 503 },
            TransportError::BadAnswer,
            TransportError::Inconsistent("pages never end"),
        ] {
            assert!(matches!(map(err), SolaceError::Network { .. }));
        }
        match map(TransportError::unreachable("connection refused")) {
            SolaceError::Network { detail } => {
                assert_eq!(detail, "the sync server is unreachable: connection refused")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn input_and_account_failures_map_to_their_categories() {
        match map(CoreError::invalid(
            "title",
            InputProblem::TooLong { max: 200 },
        )) {
            SolaceError::InvalidInput { detail } => {
                assert_eq!(detail, "title is longer than 200 characters")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            map(ImportError::NotJson),
            SolaceError::InvalidInput { .. }
        ));
        assert!(matches!(
            map(CoreError::NotFound("habit")),
            SolaceError::NotFound { what } if what == "habit"
        ));
        assert!(matches!(
            map(CoreError::AmbiguousId),
            SolaceError::AmbiguousId
        ));
        assert!(matches!(
            map(CoreError::WrongPassphrase),
            SolaceError::WrongPassphrase
        ));
        assert!(matches!(
            map(CoreError::WeakPassphrase("it is empty")),
            SolaceError::WeakPassphrase { .. }
        ));
        assert!(matches!(
            map(CoreError::NotRegistered),
            SolaceError::NotRegistered
        ));
        assert!(matches!(
            map(CoreError::AccountMismatch),
            SolaceError::AccountMismatch
        ));
        assert!(matches!(map(CoreError::Cancelled), SolaceError::Cancelled));
        assert!(matches!(
            map(std::io::Error::other("gone")),
            SolaceError::Storage { .. }
        ));
    }
}
