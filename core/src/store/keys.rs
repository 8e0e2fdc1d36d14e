//! Vault key operations on an open store: passphrase change, device unlock, items keys from
//! other devices. Key state lives behind the lock shared with reader handles; it changes only
//! on the writer, and only after the database write it mirrors.

use super::{keys_mut, Store};
use crate::crypto::kdf::{DerivedKeys, KdfParams};
use crate::error::Result;
use crate::keystore::KeyStore;
use crate::vault;

impl Store {
    /// Checks `passphrase` against this vault and returns the keys it derives (the auth key
    /// is what a sync server login needs). Changes nothing.
    pub fn derive_with_passphrase(&self, passphrase: &str) -> Result<DerivedKeys> {
        let header = vault::load_header(&self.conn)?;
        let (_, derived) = header.unlock_with_passphrase(&self.conn, passphrase)?;
        Ok(derived)
    }

    /// This vault's portable key material (what a sync server keeps for new devices).
    pub fn portable_keys(&self) -> Result<vault::PortableKeys> {
        self.keys().portable_keys(&self.conn)
    }

    /// Adds items keys created on other devices of the same account (seen by every reader
    /// handle as well).
    pub fn add_wrapped_items_keys(&mut self, keys: &[(u32, Vec<u8>)]) -> Result<()> {
        self.writable()?;
        let tx = self.conn.transaction()?;
        keys_mut(&self.unlocked).add_wrapped_items_keys(&tx, keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether this vault holds items key `key_id`.
    pub fn has_items_key(&self, key_id: u32) -> bool {
        self.keys().keyring.get(key_id).is_ok()
    }

    /// The id of this vault (names the device key in the key store).
    pub fn vault_id(&self) -> &str {
        &self.vault_id
    }

    /// The Argon2id parameters currently protecting the passphrase.
    pub fn kdf_params(&self) -> KdfParams {
        self.keys().header.kdf
    }

    /// Whether the vault holds a device wrap (so this device can unlock without passphrase).
    pub fn device_remembered(&self) -> bool {
        self.keys().device_remembered()
    }

    /// The items key id that seals new records (grows with each passphrase change).
    pub fn current_key_id(&self) -> u32 {
        self.keys().keyring.current_id()
    }

    /// Sets a new passphrase: re-wraps the account key, adds a new items key, re-encrypts no
    /// record. Parameters may only be equal or stronger. A new passphrase below the strength
    /// bar is [`CoreError::WeakPassphrase`](crate::CoreError::WeakPassphrase) and changes
    /// nothing.
    pub fn change_passphrase(&mut self, new_passphrase: &str, params: KdfParams) -> Result<()> {
        self.writable()?;
        crate::passphrase::check_new(new_passphrase)?;
        let tx = self.conn.transaction()?;
        keys_mut(&self.unlocked).change_passphrase(&tx, new_passphrase, params)?;
        tx.commit()?;
        Ok(())
    }

    /// Lets this device unlock without the passphrase: a new device key goes into `keystore`.
    pub fn remember_device(&mut self, keystore: &dyn KeyStore) -> Result<()> {
        self.writable()?;
        let tx = self.conn.transaction()?;
        let mut keys = keys_mut(&self.unlocked);
        let device_key = keys.remember_device(&tx)?;
        keystore.save(&keys.header.vault_id, &device_key)?;
        drop(keys);
        tx.commit()?;
        Ok(())
    }

    /// Removes this device's ability to unlock without the passphrase.
    pub fn forget_device(&mut self, keystore: &dyn KeyStore) -> Result<()> {
        self.writable()?;
        let mut keys = keys_mut(&self.unlocked);
        keys.forget_device(&self.conn)?;
        keystore.delete(&keys.header.vault_id)?;
        Ok(())
    }
}
