//! The platform key store (Android Keystore, iOS Keychain) as a foreign trait, and its adapter
//! to [`solace_core::KeyStore`]. The device key crosses the boundary only as raw bytes handed
//! to the platform's protected storage.

use std::sync::Arc;

use solace_core::crypto::SecretKey;
use zeroize::Zeroizing;

/// Why the platform key store failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeyStoreError {
    /// The platform refused access (locked device, biometric prompt cancelled…).
    #[error("the key store refused access")]
    AccessDenied,
    /// The stored bytes are not a key.
    #[error("the key store holds a malformed key")]
    Malformed,
    /// Any other platform failure.
    #[error("key store failure: {detail}")]
    Backend {
        /// The platform's error, without key material.
        detail: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyStoreError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Backend { detail: err.reason }
    }
}

impl From<KeyStoreError> for solace_core::KeyStoreError {
    fn from(err: KeyStoreError) -> Self {
        match err {
            KeyStoreError::AccessDenied => Self::AccessDenied,
            KeyStoreError::Malformed => Self::Malformed,
            KeyStoreError::Backend { detail } => Self::Backend(detail),
        }
    }
}

/// Holds the 32-byte device key of each store (by vault id) in the platform's protected
/// storage. Implemented in Kotlin (Android Keystore) or Swift (Keychain).
#[uniffi::export(with_foreign)]
pub trait KeyStore: Send + Sync {
    /// The device key saved for `vault_id`, or `null`/`nil` when there is none.
    fn load(&self, vault_id: String) -> Result<Option<Vec<u8>>, KeyStoreError>;
    /// Saves (or replaces) the device key for `vault_id`.
    fn save(&self, vault_id: String, key: Vec<u8>) -> Result<(), KeyStoreError>;
    /// Deletes the device key for `vault_id`; deleting a missing key is not an error.
    fn delete(&self, vault_id: String) -> Result<(), KeyStoreError>;
}

/// Adapts a foreign [`KeyStore`] to the core's trait.
pub(crate) struct ForeignKeyStore(pub(crate) Arc<dyn KeyStore>);

impl solace_core::KeyStore for ForeignKeyStore {
    fn load(&self, vault_id: &str) -> Result<Option<SecretKey>, solace_core::KeyStoreError> {
        match self.0.load(vault_id.to_owned())? {
            None => Ok(None),
            Some(bytes) => {
                let bytes = Zeroizing::new(bytes);
                SecretKey::from_slice(&bytes)
                    .map(Some)
                    .ok_or(solace_core::KeyStoreError::Malformed)
            }
        }
    }

    fn save(&self, vault_id: &str, key: &SecretKey) -> Result<(), solace_core::KeyStoreError> {
        Ok(self.0.save(vault_id.to_owned(), key.as_bytes().to_vec())?)
    }

    fn delete(&self, vault_id: &str) -> Result<(), solace_core::KeyStoreError> {
        Ok(self.0.delete(vault_id.to_owned())?)
    }
}
