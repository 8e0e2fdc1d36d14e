//! The key hierarchy, persisted in the store's `vault` and `items_keys` tables.
//!
//! ```text
//! passphrase ─Argon2id+HKDF─▶ kek ──wraps──┐
//! recovery key ─HKDF────────▶ rk  ──wraps──┼──▶ account key ──wraps──▶ items keys (v1, v2, …)
//! platform key store ───────▶ device key ──┘                              │
//!                                                        seal every record envelope
//! ```
//!
//! A passphrase change re-wraps the account key and adds a new items key; no record is
//! re-encrypted. All key material in memory is zeroized on drop.

use crate::error::{CryptoError, StoreError};
use std::collections::BTreeMap;
use std::fmt;

use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use crate::crypto::kdf::{self, DerivedKeys, KdfParams, SALT_LEN};
use crate::crypto::{fill_random, wrap, SecretKey, KEY_LEN};
use crate::error::{CoreError, Result};

const PURPOSE_KEK: &str = "account-key/kek";
const PURPOSE_RECOVERY: &str = "account-key/recovery";
const PURPOSE_DEVICE: &str = "account-key/device";
const RECOVERY_INFO: &[u8] = b"solace/v1/recovery-wrapping-key";
const ACCOUNT_PROOF_INFO: &[u8] = b"solace/account-proof/v1";

fn items_key_purpose(key_id: u32) -> String {
    format!("items-key/{key_id}")
}

/// The one-time recovery key: 256 random bits shown to the user once, as 16 groups of 4 hex
/// digits. It alone can reset a forgotten passphrase.
pub struct RecoveryKey(Zeroizing<[u8; KEY_LEN]>);

impl RecoveryKey {
    fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(bytes.as_mut())?;
        Ok(Self(bytes))
    }

    /// Parses the displayed form; spaces, dashes and case are ignored.
    pub fn parse(text: &str) -> Result<Self> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect(),
        );
        let bytes = Zeroizing::new(
            hex::decode(cleaned.as_str()).map_err(|_| CoreError::MalformedRecoveryKey)?,
        );
        let array: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| CoreError::MalformedRecoveryKey)?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// The text to show the user once (and never log).
    pub fn display_text(&self) -> Zeroizing<String> {
        let hex = Zeroizing::new(hex::encode(self.0.as_ref()));
        let groups: Vec<&str> = hex
            .as_bytes()
            .chunks(4)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        Zeroizing::new(groups.join("-"))
    }

    fn wrapping_key(&self) -> Result<SecretKey> {
        kdf::derive_from_high_entropy(self.0.as_ref(), RECOVERY_INFO)
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}

/// The clear part of the vault as stored: parameters, salt and wrapped keys, no secrets.
#[derive(Clone)]
pub struct VaultHeader {
    /// Random id naming this vault in key stores and (later) on the server.
    pub vault_id: String,
    /// Argon2id parameters for the passphrase.
    pub kdf: KdfParams,
    salt: [u8; SALT_LEN],
    by_kek: Vec<u8>,
    by_recovery: Vec<u8>,
    by_device: Option<Vec<u8>>,
}

/// The items keys, by key id, and which one seals new records.
pub struct Keyring {
    keys: BTreeMap<u32, SecretKey>,
    current: u32,
}

impl Keyring {
    /// The key id new records are sealed with.
    pub fn current_id(&self) -> u32 {
        self.current
    }

    /// The key that seals new records.
    pub fn current(&self) -> Result<&SecretKey> {
        self.get(self.current)
    }

    /// The key with id `key_id`, for opening older records.
    pub fn get(&self, key_id: u32) -> Result<&SecretKey> {
        self.keys
            .get(&key_id)
            .ok_or(CoreError::Crypto(CryptoError::UnknownKey(key_id)))
    }
}

/// An unlocked vault: the account key and every items key. Zeroized on drop.
pub struct Unlocked {
    /// The vault this belongs to.
    pub header: VaultHeader,
    account_key: SecretKey,
    /// Items keys for sealing and opening records.
    pub keyring: Keyring,
}

impl Unlocked {
    /// Whether this device holds a wrap of the account key (daily unlock without passphrase).
    pub fn device_remembered(&self) -> bool {
        self.header.by_device.is_some()
    }

    /// The account-key proof: `HKDF-SHA256(account key, info "solace/account-proof/v1")`.
    /// One-way, so the server (which stores only `SHA-256(proof)`) learns nothing about the
    /// account key, yet a device that holds the key — after a reset with the recovery key,
    /// say — can prove it without the passphrase.
    pub fn account_proof(&self) -> Result<SecretKey> {
        let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(None, self.account_key.as_bytes());
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        hkdf.expand(ACCOUNT_PROOF_INFO, out.as_mut())
            .map_err(|_| CoreError::Crypto(CryptoError::KeyLength))?;
        Ok(SecretKey::from_bytes(*out))
    }
}

impl Unlocked {
    /// A key for one purpose derived from the account key: `HKDF-SHA256(salt, account key,
    /// info)`. Used for a backup's body key (a fresh salt per backup), so the account key
    /// itself never seals anything outside the key hierarchy.
    pub(crate) fn derive_subkey(&self, salt: &[u8], info: &[u8]) -> Result<SecretKey> {
        derive_subkey(&self.account_key, salt, info)
    }

    /// Whether `other` is this vault's account key (compared through one-way proofs, so no
    /// early-exit comparison of key bytes).
    pub(crate) fn is_account_key(&self, other: &SecretKey) -> Result<bool> {
        let mine = derive_subkey(&self.account_key, &[], ACCOUNT_PROOF_INFO)?;
        let theirs = derive_subkey(other, &[], ACCOUNT_PROOF_INFO)?;
        use sha2::Digest;
        Ok(sha2::Sha256::digest(mine.as_bytes()) == sha2::Sha256::digest(theirs.as_bytes()))
    }
}

/// `HKDF-SHA256(salt, key, info)`, 32 bytes.
pub(crate) fn derive_subkey(key: &SecretKey, salt: &[u8], info: &[u8]) -> Result<SecretKey> {
    let salt = (!salt.is_empty()).then_some(salt);
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(salt, key.as_bytes());
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    hkdf.expand(info, out.as_mut())
        .map_err(|_| CoreError::Crypto(CryptoError::KeyLength))?;
    Ok(SecretKey::from_bytes(*out))
}

fn random_vault_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// Creates the vault rows in `conn` (inside the caller's transaction): a fresh account key
/// wrapped by the passphrase and by a new recovery key, plus items key 1.
pub fn create(
    conn: &Connection,
    passphrase: &str,
    params: KdfParams,
) -> Result<(Unlocked, RecoveryKey)> {
    params.check()?;
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    let derived = kdf::derive(passphrase.as_bytes(), &salt, &params)?;
    let account_key = SecretKey::generate()?;
    let recovery = RecoveryKey::generate()?;
    let header = VaultHeader {
        vault_id: random_vault_id()?,
        kdf: params,
        salt,
        by_kek: wrap::wrap(&derived.kek, &account_key, PURPOSE_KEK)?,
        by_recovery: wrap::wrap(&recovery.wrapping_key()?, &account_key, PURPOSE_RECOVERY)?,
        by_device: None,
    };
    conn.execute(
        "INSERT INTO vault (id, vault_id, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt,
                            account_key_by_kek, account_key_by_recovery, account_key_by_device)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
        params![
            header.vault_id,
            params.memory_kib,
            params.iterations,
            params.parallelism,
            &header.salt[..],
            header.by_kek,
            header.by_recovery,
        ],
    )?;
    let mut keyring = Keyring {
        keys: BTreeMap::new(),
        current: 0,
    };
    add_items_key(conn, &account_key, &mut keyring)?;
    Ok((
        Unlocked {
            header,
            account_key,
            keyring,
        },
        recovery,
    ))
}

/// Reads the vault header; [`CoreError::NotInitialized`] if there is none.
pub fn load_header(conn: &Connection) -> Result<VaultHeader> {
    let row = conn
        .query_row(
            "SELECT vault_id, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt,
                    account_key_by_kek, account_key_by_recovery, account_key_by_device
             FROM vault WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    KdfParams {
                        memory_kib: r.get(1)?,
                        iterations: r.get(2)?,
                        parallelism: r.get(3)?,
                    },
                    r.get::<_, Vec<u8>>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                    r.get::<_, Option<Vec<u8>>>(7)?,
                ))
            },
        )
        .optional()?;
    let (vault_id, kdf, salt, by_kek, by_recovery, by_device) =
        row.ok_or(CoreError::NotInitialized)?;
    let salt: [u8; SALT_LEN] = salt
        .as_slice()
        .try_into()
        .map_err(|_| CoreError::Store(StoreError::Corrupt))?;
    Ok(VaultHeader {
        vault_id,
        kdf,
        salt,
        by_kek,
        by_recovery,
        by_device,
    })
}

impl VaultHeader {
    /// Derives the passphrase keys (refusing parameters below the floor) and opens the
    /// account key. Returns the derived keys too, for a later login to the server.
    pub fn unlock_with_passphrase(
        &self,
        conn: &Connection,
        passphrase: &str,
    ) -> Result<(Unlocked, DerivedKeys)> {
        let derived = kdf::derive(passphrase.as_bytes(), &self.salt, &self.kdf)?;
        let account_key = wrap::unwrap(&derived.kek, &self.by_kek, PURPOSE_KEK)
            .map_err(|_| CoreError::WrongPassphrase)?;
        Ok((self.finish(conn, account_key)?, derived))
    }

    /// Opens the account key with the device key from the platform key store.
    pub fn unlock_with_device_key(
        &self,
        conn: &Connection,
        device_key: &SecretKey,
    ) -> Result<Unlocked> {
        let wrapped = self
            .by_device
            .as_ref()
            .ok_or(CoreError::DeviceNotRemembered)?;
        let account_key = wrap::unwrap(device_key, wrapped, PURPOSE_DEVICE)
            .map_err(|_| CoreError::DeviceKeyMismatch)?;
        self.finish(conn, account_key)
    }

    /// Opens the account key with the one-time recovery key.
    pub fn unlock_with_recovery(
        &self,
        conn: &Connection,
        recovery: &RecoveryKey,
    ) -> Result<Unlocked> {
        let account_key = wrap::unwrap(
            &recovery.wrapping_key()?,
            &self.by_recovery,
            PURPOSE_RECOVERY,
        )
        .map_err(|_| CoreError::WrongRecoveryKey)?;
        self.finish(conn, account_key)
    }

    fn finish(&self, conn: &Connection, account_key: SecretKey) -> Result<Unlocked> {
        let keyring = load_keyring(conn, &account_key)?;
        Ok(Unlocked {
            header: self.clone(),
            account_key,
            keyring,
        })
    }
}

fn load_keyring(conn: &Connection, account_key: &SecretKey) -> Result<Keyring> {
    let mut stmt = conn.prepare("SELECT key_id, wrapped FROM items_keys ORDER BY key_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    let mut keys = BTreeMap::new();
    for row in rows {
        let (key_id, wrapped) = row?;
        let key = wrap::unwrap(account_key, &wrapped, &items_key_purpose(key_id))
            .map_err(|_| CoreError::Store(StoreError::Corrupt))?;
        keys.insert(key_id, key);
    }
    let current = *keys
        .keys()
        .next_back()
        .ok_or(CoreError::Store(StoreError::Corrupt))?;
    Ok(Keyring { keys, current })
}

fn add_items_key(conn: &Connection, account_key: &SecretKey, keyring: &mut Keyring) -> Result<()> {
    let key_id = keyring.keys.keys().next_back().map_or(1, |k| k + 1);
    let key = SecretKey::generate()?;
    let wrapped = wrap::wrap(account_key, &key, &items_key_purpose(key_id))?;
    conn.execute(
        "INSERT INTO items_keys (key_id, wrapped) VALUES (?1, ?2)",
        params![key_id, wrapped],
    )?;
    keyring.keys.insert(key_id, key);
    keyring.current = key_id;
    Ok(())
}

/// The vault material a sync server keeps for new devices: KDF parameters, salt, the account
/// key wrapped by the KEK, and the items keys wrapped by the account key. All of it is
/// useless without the passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortableKeys {
    /// Argon2id parameters.
    pub kdf: KdfParams,
    /// Salt.
    pub salt: [u8; SALT_LEN],
    /// Account key wrapped by the passphrase KEK.
    pub wrapped_account_key: Vec<u8>,
    /// `(key id, items key wrapped by the account key)`.
    pub items_keys: Vec<(u32, Vec<u8>)>,
    /// The account key wrapped by the recovery key (`None` when unknown, e.g. an account
    /// registered by an older build), so every device can reset the passphrase with it.
    pub recovery_wrapped_account_key: Option<Vec<u8>>,
}

/// Creates vault rows from keys fetched from the server (a new device), given keys derived
/// from the passphrase with the server-supplied parameters (the derivation enforces the
/// floor): opens the account key and every items key. The recovery wrap comes along when the
/// server has it, so the recovery key works on this device too.
pub fn create_from_portable(
    conn: &Connection,
    derived: &DerivedKeys,
    keys: &PortableKeys,
) -> Result<Unlocked> {
    let account_key = unwrap_account_key(derived, keys)?;
    let mut unlocked = insert_vault(conn, keys, account_key)?;
    unlocked.add_wrapped_items_keys(conn, &keys.items_keys)?;
    if unlocked.keyring.keys.is_empty() {
        return Err(CoreError::Store(StoreError::Corrupt));
    }
    Ok(unlocked)
}

/// Creates vault rows from a backup's key material and its already opened account key (a
/// restore): a new vault id, the backup's passphrase and recovery wraps, every items key.
/// Unlike keys from a server, the backup's keys were authenticated with its body, so an
/// items key that does not open is damage ([`StoreError::Corrupt`]), not junk to skip.
pub(crate) fn create_restored(
    conn: &Connection,
    keys: &PortableKeys,
    account_key: SecretKey,
) -> Result<Unlocked> {
    let mut unlocked = insert_vault(conn, keys, account_key)?;
    unlocked.add_wrapped_items_keys(conn, &keys.items_keys)?;
    let complete = keys
        .items_keys
        .iter()
        .all(|(id, _)| unlocked.keyring.keys.contains_key(id));
    if !complete || unlocked.keyring.keys.is_empty() {
        return Err(CoreError::Store(StoreError::Corrupt));
    }
    Ok(unlocked)
}

/// Inserts the vault row for `keys` under a new vault id (no device wrap, no items keys yet).
fn insert_vault(
    conn: &Connection,
    keys: &PortableKeys,
    account_key: SecretKey,
) -> Result<Unlocked> {
    let header = VaultHeader {
        vault_id: random_vault_id()?,
        kdf: keys.kdf,
        salt: keys.salt,
        by_kek: keys.wrapped_account_key.clone(),
        by_recovery: keys
            .recovery_wrapped_account_key
            .clone()
            .unwrap_or_default(),
        by_device: None,
    };
    conn.execute(
        "INSERT INTO vault (id, vault_id, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt,
                            account_key_by_kek, account_key_by_recovery, account_key_by_device)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
        params![
            header.vault_id,
            keys.kdf.memory_kib,
            keys.kdf.iterations,
            keys.kdf.parallelism,
            &header.salt[..],
            header.by_kek,
            header.by_recovery,
        ],
    )?;
    Ok(Unlocked {
        header,
        account_key,
        keyring: Keyring {
            keys: BTreeMap::new(),
            current: 0,
        },
    })
}

/// Opens the account key of portable (or backed-up) key material with the passphrase:
/// Argon2id with the material's own parameters (the floor and ceiling apply), then the KEK
/// wrap. A wrong passphrase is [`CoreError::WrongPassphrase`].
pub(crate) fn open_with_passphrase(keys: &PortableKeys, passphrase: &str) -> Result<SecretKey> {
    let derived = kdf::derive(passphrase.as_bytes(), &keys.salt, &keys.kdf)?;
    unwrap_account_key(&derived, keys)
}

/// Opens the account key of portable (or backed-up) key material with the recovery key. A
/// wrong recovery key, or material without a recovery wrap, is [`CoreError::WrongRecoveryKey`].
pub(crate) fn open_with_recovery(keys: &PortableKeys, recovery: &RecoveryKey) -> Result<SecretKey> {
    let wrapped = keys
        .recovery_wrapped_account_key
        .as_deref()
        .ok_or(CoreError::WrongRecoveryKey)?;
    wrap::unwrap(&recovery.wrapping_key()?, wrapped, PURPOSE_RECOVERY)
        .map_err(|_| CoreError::WrongRecoveryKey)
}

/// Opens the portable account key with keys derived from the passphrase.
pub fn unwrap_account_key(derived: &DerivedKeys, keys: &PortableKeys) -> Result<SecretKey> {
    wrap::unwrap(&derived.kek, &keys.wrapped_account_key, PURPOSE_KEK)
        .map_err(|_| CoreError::WrongPassphrase)
}

impl Unlocked {
    /// The portable key material of this vault (for registering with a server).
    pub fn portable_keys(&self, conn: &Connection) -> Result<PortableKeys> {
        let mut stmt = conn.prepare("SELECT key_id, wrapped FROM items_keys ORDER BY key_id")?;
        let items_keys = stmt
            .query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(PortableKeys {
            kdf: self.header.kdf,
            salt: self.header.salt,
            wrapped_account_key: self.header.by_kek.clone(),
            items_keys,
            recovery_wrapped_account_key: Some(self.header.by_recovery.clone())
                .filter(|w| !w.is_empty()),
        })
    }

    /// Adds items keys made on other devices (wrapped by the shared account key). Keys whose id
    /// is already present are left alone; a key that does not unwrap is skipped (never fatal).
    pub fn add_wrapped_items_keys(
        &mut self,
        conn: &Connection,
        keys: &[(u32, Vec<u8>)],
    ) -> Result<()> {
        for (key_id, wrapped) in keys {
            if self.keyring.keys.contains_key(key_id) {
                continue;
            }
            // A key that does not open under the account key (junk injected by a hostile
            // server, say) is skipped: records sealed under it will not open and are
            // quarantined, everything else keeps working.
            let Ok(key) = wrap::unwrap(&self.account_key, wrapped, &items_key_purpose(*key_id))
            else {
                continue;
            };
            conn.execute(
                "INSERT OR IGNORE INTO items_keys (key_id, wrapped) VALUES (?1, ?2)",
                params![key_id, wrapped],
            )?;
            self.keyring.keys.insert(*key_id, key);
            self.keyring.current = self.keyring.current.max(*key_id);
        }
        Ok(())
    }

    /// Re-wraps the account key under a new passphrase (parameters may only grow) and adds a
    /// new items key for records written from now on. Existing records stay as they are.
    /// Run inside a transaction; the in-memory state changes only if every write succeeded.
    pub fn change_passphrase(
        &mut self,
        conn: &Connection,
        new_passphrase: &str,
        params: KdfParams,
    ) -> Result<()> {
        self.header.kdf.check_not_weaker(&params)?;
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt)?;
        let derived = kdf::derive(new_passphrase.as_bytes(), &salt, &params)?;
        let by_kek = wrap::wrap(&derived.kek, &self.account_key, PURPOSE_KEK)?;
        conn.execute(
            "UPDATE vault SET kdf_memory_kib = ?1, kdf_iterations = ?2, kdf_parallelism = ?3,
                              salt = ?4, account_key_by_kek = ?5 WHERE id = 1",
            params![
                params.memory_kib,
                params.iterations,
                params.parallelism,
                &salt[..],
                by_kek
            ],
        )?;
        add_items_key(conn, &self.account_key, &mut self.keyring)?;
        self.header.kdf = params;
        self.header.salt = salt;
        self.header.by_kek = by_kek;
        Ok(())
    }

    /// Wraps the account key under a new device key and returns that key for the platform key
    /// store. The caller saves it there only after this write commits.
    pub fn remember_device(&mut self, conn: &Connection) -> Result<SecretKey> {
        let device_key = SecretKey::generate()?;
        let wrapped = wrap::wrap(&device_key, &self.account_key, PURPOSE_DEVICE)?;
        conn.execute(
            "UPDATE vault SET account_key_by_device = ?1 WHERE id = 1",
            params![wrapped],
        )?;
        self.header.by_device = Some(wrapped);
        Ok(device_key)
    }

    /// Drops the device wrap so only the passphrase or recovery key can unlock.
    pub fn forget_device(&mut self, conn: &Connection) -> Result<()> {
        conn.execute(
            "UPDATE vault SET account_key_by_device = NULL WHERE id = 1",
            [],
        )?;
        self.header.by_device = None;
        Ok(())
    }
}
