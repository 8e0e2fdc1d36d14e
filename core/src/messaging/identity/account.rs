//! The account identity: one Ed25519 key pair per account, created at register by a device
//! (never by the server), kept as a sealed synced record so every device of the person shares
//! it through ordinary sync. It signs each device's Olm identity ([`super::device`]).

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use vodozemac::{Ed25519PublicKey, Ed25519SecretKey, Ed25519Signature};
use zeroize::Zeroizing;

use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

/// The sealed record body (v1): the secret seed and its public key, both base64.
#[derive(Serialize, Deserialize)]
struct IdentityBody {
    secret: String,
    public: String,
}

impl Drop for IdentityBody {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

/// The account's identity key pair (secret: never logged, never exported).
pub struct AccountIdentity {
    secret: Ed25519SecretKey,
}

impl std::fmt::Debug for AccountIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccountIdentity({})", self.public_key())
    }
}

fn damaged() -> CoreError {
    CoreError::MalformedRecord {
        kind: "account_identity",
    }
}

impl AccountIdentity {
    /// A fresh random identity.
    pub fn generate() -> Self {
        Self {
            secret: Ed25519SecretKey::new(),
        }
    }

    /// The identity from its 32-byte secret seed (tests and frozen vectors).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            secret: Ed25519SecretKey::from_slice(seed),
        }
    }

    /// The public key, base64 (what peers pin and the safety number is made of).
    pub fn public_key(&self) -> String {
        self.secret.public_key().to_base64()
    }

    /// Signs `message` (the canonical bytes of a signed device record), base64.
    pub fn sign(&self, message: &[u8]) -> String {
        self.secret.sign(message).to_base64()
    }

    /// The record id: one identity per account, so every device writes the same record.
    pub fn record_id() -> RecordId {
        RecordId::singleton(RecordKind::AccountIdentity)
    }

    /// This account's identity from the store, if it has one yet (synced from the device
    /// that created it).
    pub fn load(store: &Store) -> Result<Option<Self>> {
        let Some(body) =
            store.get::<IdentityBody>(RecordKind::AccountIdentity, &Self::record_id())?
        else {
            return Ok(None);
        };
        let seed = Zeroizing::new(B64.decode(body.secret.as_bytes()).map_err(|_| damaged())?);
        let seed: &[u8; 32] = seed.as_slice().try_into().map_err(|_| damaged())?;
        let identity = Self::from_seed(seed);
        if identity.public_key() != body.public {
            return Err(damaged());
        }
        Ok(Some(identity))
    }

    /// This account's identity, created and saved (sealed, marked for sync) when the store
    /// has none: at register, or on first use for accounts registered before identities.
    pub fn load_or_create(store: &mut Store) -> Result<Self> {
        if let Some(identity) = Self::load(store)? {
            return Ok(identity);
        }
        let identity = Self::generate();
        let seed = Zeroizing::new(*identity.secret.to_bytes());
        let body = IdentityBody {
            secret: B64.encode(seed.as_slice()),
            public: identity.public_key(),
        };
        store.put(RecordKind::AccountIdentity, &Self::record_id(), &body)?;
        Ok(identity)
    }
}

/// Whether `signature` (base64) is `key`'s (base64) Ed25519 signature of `message`.
pub fn verify(key: &str, message: &[u8], signature: &str) -> bool {
    let (Ok(key), Ok(signature)) = (
        Ed25519PublicKey::from_base64(key),
        Ed25519Signature::from_base64(signature),
    ) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

/// The raw 32 bytes of a base64 public key, if it is one.
pub fn key_bytes(key: &str) -> Option<[u8; 32]> {
    Ed25519PublicKey::from_base64(key)
        .ok()
        .map(|k| *k.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    /// Frozen vector: the account identity record body v1 (seed 7×32, base64) must open as
    /// this identity forever; a body whose public key does not match its seed is refused.
    #[test]
    fn account_identity_record_v1_is_frozen() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_str(
            r#"{"secret":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=","public":"6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw"}"#,
        )
        .unwrap();
        let id = AccountIdentity::record_id();
        assert_eq!(id.to_string(), "556bd3da9508e194f201ee83d116ae6c");
        store.put(RecordKind::AccountIdentity, &id, &body).unwrap();
        let identity = AccountIdentity::load(&store).unwrap().unwrap();
        assert_eq!(
            identity.public_key(),
            "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw"
        );
        let mut forged = body.clone();
        forged["public"] = AccountIdentity::from_seed(&[8; 32]).public_key().into();
        store
            .put(RecordKind::AccountIdentity, &id, &forged)
            .unwrap();
        assert!(AccountIdentity::load(&store).is_err());
    }

    #[test]
    fn the_identity_is_created_once_sealed_and_marked_for_sync() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        assert!(AccountIdentity::load(&store).unwrap().is_none());
        let made = AccountIdentity::load_or_create(&mut store).unwrap();
        let again = AccountIdentity::load_or_create(&mut store).unwrap();
        assert_eq!(made.public_key(), again.public_key());
        assert_eq!(store.pending_changes().unwrap(), 1, "it syncs");
        let sig = made.sign(b"hello");
        assert!(verify(&made.public_key(), b"hello", &sig));
        assert!(!verify(&made.public_key(), b"hellO", &sig));
        assert!(!verify("not a key", b"hello", &sig));
        drop(store);
        let raw = std::fs::read(dir.path().join(crate::store::DB_FILE)).unwrap();
        let public = made.public_key();
        assert!(!raw.windows(public.len()).any(|w| w == public.as_bytes()));
    }
}
