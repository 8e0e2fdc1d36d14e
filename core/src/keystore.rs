//! Where the device key lives: the platform key store (Android Keystore, iOS Keychain) behind a
//! small trait, with a file-backed implementation for the terminal client and an in-memory one
//! for tests.
//!
//! The device key wraps the account key so daily unlock needs no passphrase. Forgetting the
//! device key (lock) leaves only the passphrase and the recovery key.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use zeroize::Zeroizing;

use crate::crypto::SecretKey;

/// Failure of a platform key store. Carries no key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The platform refused access (for example biometry cancelled).
    #[error("the key store refused access")]
    AccessDenied,
    /// The stored item is not a valid key.
    #[error("the key store holds a malformed key")]
    Malformed,
    /// Any other platform or file failure.
    #[error("key store failure: {0}")]
    Backend(String),
}

/// A platform-held store for one secret per vault.
///
/// Implementations must keep the key out of backups where the platform allows it, and may gate
/// access behind device authentication.
pub trait KeyStore: Send + Sync {
    /// The device key stored for `vault_id`, if any.
    fn load(&self, vault_id: &str) -> Result<Option<SecretKey>, KeyStoreError>;
    /// Stores (or replaces) the device key for `vault_id`.
    fn save(&self, vault_id: &str, key: &SecretKey) -> Result<(), KeyStoreError>;
    /// Removes the device key for `vault_id`; removing a missing key is not an error.
    fn delete(&self, vault_id: &str) -> Result<(), KeyStoreError>;
}

/// Keeps device keys in memory only: for tests and for "never remember this device".
#[derive(Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<String, SecretKey>>,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, vault_id: &str) -> Result<Option<SecretKey>, KeyStoreError> {
        let keys = self
            .keys
            .lock()
            .map_err(|_| KeyStoreError::Backend("poisoned lock".into()))?;
        Ok(keys.get(vault_id).cloned())
    }

    fn save(&self, vault_id: &str, key: &SecretKey) -> Result<(), KeyStoreError> {
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| KeyStoreError::Backend("poisoned lock".into()))?;
        keys.insert(vault_id.to_owned(), key.clone());
        Ok(())
    }

    fn delete(&self, vault_id: &str) -> Result<(), KeyStoreError> {
        let mut keys = self
            .keys
            .lock()
            .map_err(|_| KeyStoreError::Backend("poisoned lock".into()))?;
        keys.remove(vault_id);
        Ok(())
    }
}

/// Keeps each device key in a file readable only by the owner (mode 0600), written atomically.
///
/// This is what the terminal client uses: as safe as the user's account and disk encryption,
/// which is why `solace lock` deletes it.
pub struct FileKeyStore {
    dir: PathBuf,
}

impl FileKeyStore {
    /// A key store keeping its files in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, vault_id: &str) -> Result<PathBuf, KeyStoreError> {
        if vault_id.is_empty()
            || !vault_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(KeyStoreError::Backend("invalid vault id".into()));
        }
        Ok(self.dir.join(format!("device-{vault_id}.key")))
    }
}

fn io_err(err: std::io::Error) -> KeyStoreError {
    KeyStoreError::Backend(err.kind().to_string())
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("key.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

impl KeyStore for FileKeyStore {
    fn load(&self, vault_id: &str) -> Result<Option<SecretKey>, KeyStoreError> {
        let path = self.path(vault_id)?;
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Zeroizing::new(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(io_err(err)),
        };
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| KeyStoreError::Malformed)?);
        SecretKey::from_slice(&bytes)
            .map(Some)
            .ok_or(KeyStoreError::Malformed)
    }

    fn save(&self, vault_id: &str, key: &SecretKey) -> Result<(), KeyStoreError> {
        let path = self.path(vault_id)?;
        std::fs::create_dir_all(&self.dir).map_err(io_err)?;
        let text = Zeroizing::new(hex::encode(key.as_bytes()));
        write_private(&path, text.as_bytes()).map_err(io_err)
    }

    fn delete(&self, vault_id: &str) -> Result<(), KeyStoreError> {
        let path = self.path(vault_id)?;
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(io_err(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(store: &dyn KeyStore) {
        assert!(store.load("v1").unwrap().is_none());
        let key = SecretKey::generate().unwrap();
        store.save("v1", &key).unwrap();
        assert_eq!(store.load("v1").unwrap(), Some(key));
        store.delete("v1").unwrap();
        store.delete("v1").unwrap();
        assert!(store.load("v1").unwrap().is_none());
    }

    #[test]
    fn memory_store_behaves() {
        exercise(&MemoryKeyStore::new());
    }

    #[test]
    fn file_store_behaves_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileKeyStore::new(dir.path().join("keys"));
        exercise(&store);
        store.save("v2", &SecretKey::generate().unwrap()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join("keys/device-v2.key")).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(dir.path().join("keys/device-v3.key"), "zz").unwrap();
        assert!(matches!(store.load("v3"), Err(KeyStoreError::Malformed)));
        assert!(store.load("../etc").is_err());
    }
}
