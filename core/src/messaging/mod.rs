//! End-to-end encrypted messaging between a client and their therapist.
//!
//! - [`olm`]: the Olm device layer (vodozemac): identity keys, signed one-time keys, sessions.
//! - [`DeviceVault`]: this device's Olm account and sessions, sealed in device-local state.
//! - [`payload`]: the plaintext format inside Olm messages.
//! - [`local`]: composing, reading, pausing, drafts, shares, call answers (no network).
//! - [`model`]: conversations, messages and statuses as the UI sees them.
//! - [`outbox`]: the retry policy of queued messages.
//! - [`service`]: the operations (send, receive, receipts, pause, share, live sessions) over a
//!   [`MailboxTransport`].

pub mod alerts;
pub mod consent;
pub mod identity;
pub mod intake;
pub mod local;
pub mod model;
pub mod mood_share;
pub mod olm;
pub mod outbox;
pub mod payload;
pub mod referral;
pub mod service;
pub mod transport;

pub use model::{CallState, Conversation, Message, MessageContent, MessageStatus, SharedItem};
pub use service::{InboxReport, Messenger, OutboxReport};
pub use transport::MailboxTransport;

use crate::error::{CoreError, CryptoError, Result};
use crate::store::Store;

use self::olm::{DeviceCrypto, DeviceKeys, Ratchet, SignedOneTimeKey, WireOlmMessage};

const ACCOUNT_STATE: &str = "olm/account";
/// Sessions kept per peer device: more than one exists when both sides started a session at
/// the same time; the most recently used comes first.
const MAX_RATCHETS_PER_PEER: usize = 4;

/// Where the identity keys of a peer account's devices, as last listed, are kept.
fn peer_devices_state(account: &str) -> String {
    format!("olm/peer-devices/{account}")
}

fn ratchets_state(peer_curve25519: &str) -> String {
    // The stored key keeps its original name ("sessions"): only Rust names changed.
    format!("olm/sessions/{peer_curve25519}")
}

/// Opens a sealed device-state entry. A row that is there but does not open (damaged or
/// rewritten on disk) is local damage: [`CryptoError::DeviceStateDamaged`], never confused
/// with a peer's message that does not decrypt. Storage failures pass through as they are.
fn load_state(store: &Store, name: &str) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>> {
    store.device_state(name).map_err(|err| match err {
        CoreError::Crypto(_) => CoreError::Crypto(CryptoError::DeviceStateDamaged),
        other => other,
    })
}

/// This device's Olm account and sessions, kept sealed in the store's device-local table
/// (never synced: each device has its own).
pub struct DeviceVault;

impl DeviceVault {
    /// Loads this device's account, creating (and saving) one on first use.
    /// A damaged account state fails with [`CryptoError::DeviceStateDamaged`] (never
    /// replaced: that would lose every session).
    pub fn account(store: &mut Store) -> Result<DeviceCrypto> {
        if let Some(bytes) = load_state(store, ACCOUNT_STATE)? {
            return DeviceCrypto::from_pickle(&bytes);
        }
        let account = DeviceCrypto::new();
        store.put_device_state(ACCOUNT_STATE, &account.pickle()?)?;
        Ok(account)
    }

    /// Saves the account (after publishing keys or accepting a session).
    pub fn save_account(store: &mut Store, account: &DeviceCrypto) -> Result<()> {
        store.put_device_state(ACCOUNT_STATE, &account.pickle()?)
    }

    /// The sessions with the device whose identity key is `peer`, most recently used first.
    pub fn ratchets(store: &Store, peer: &str) -> Result<Vec<Ratchet>> {
        let Some(bytes) = load_state(store, &ratchets_state(peer))? else {
            return Ok(Vec::new());
        };
        let pickles: Vec<String> = serde_json::from_slice(&bytes)
            .map_err(|_| CoreError::Crypto(CryptoError::DeviceStateDamaged))?;
        pickles
            .iter()
            .map(|p| Ratchet::from_pickle(p.as_bytes()))
            .collect()
    }

    /// Saves the sessions with `peer` (after every encrypt or decrypt: the ratchet moved).
    pub fn save_ratchets(store: &mut Store, peer: &str, sessions: &[Ratchet]) -> Result<()> {
        let pickles = sessions
            .iter()
            .take(MAX_RATCHETS_PER_PEER)
            .map(|s| s.pickle().map(|b| String::from_utf8(b).unwrap_or_default()))
            .collect::<Result<Vec<String>>>()?;
        let bytes = serde_json::to_vec(&pickles)
            .map_err(|_| CoreError::Crypto(CryptoError::DeviceStateDamaged))?;
        store.put_device_state(&ratchets_state(peer), &bytes)
    }

    /// Records the identity keys of `account`'s current devices and deletes the sessions with
    /// its devices that are no longer listed (revoked: they get no new messages); returns how
    /// many devices were dropped. A list that does not open is treated as empty (the sessions
    /// stay; only the dropping is skipped once).
    pub fn track_peer_devices(
        store: &mut Store,
        account: &str,
        current: &[String],
    ) -> Result<usize> {
        let name = peer_devices_state(account);
        let previous: Vec<String> = match load_state(store, &name) {
            Ok(Some(bytes)) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Ok(None) | Err(CoreError::Crypto(_)) => Vec::new(),
            Err(other) => return Err(other),
        };
        let gone: Vec<&String> = previous.iter().filter(|k| !current.contains(k)).collect();
        for key in &gone {
            store.delete_device_state(&ratchets_state(key))?;
        }
        if previous != current {
            let bytes = serde_json::to_vec(current)
                .map_err(|_| CoreError::Crypto(CryptoError::DeviceStateDamaged))?;
            store.put_device_state(&name, &bytes)?;
        }
        Ok(gone.len())
    }

    /// Encrypts for one device with the newest session, or starts one from `one_time_key`.
    /// `None` when there is no session and no one-time key (the device is skipped for now).
    /// Saves the session; run inside [`Store::atomically`] with the rest of the step.
    pub fn encrypt_for(
        store: &mut Store,
        account: &DeviceCrypto,
        device: &DeviceKeys,
        one_time_key: Option<&SignedOneTimeKey>,
        plaintext: &[u8],
    ) -> Result<Option<WireOlmMessage>> {
        let mut sessions = Self::ratchets(store, &device.curve25519)?;
        if sessions.is_empty() {
            let Some(otk) = one_time_key else {
                return Ok(None);
            };
            sessions.push(account.start_ratchet(device, otk)?);
        }
        let message = sessions[0].encrypt(plaintext)?;
        Self::save_ratchets(store, &device.curve25519, &sessions)?;
        Ok(Some(message))
    }

    /// Decrypts a message from the device with identity key `peer`, accepting a new session
    /// for a first (pre-key) message. Saves sessions and account; run inside
    /// [`Store::atomically`] together with storing the plaintext. Tampered, replayed or
    /// foreign messages fail with an authentication error.
    pub fn decrypt_from(
        store: &mut Store,
        account: &mut DeviceCrypto,
        peer: &str,
        message: &WireOlmMessage,
    ) -> Result<Vec<u8>> {
        let mut sessions = Self::ratchets(store, peer)?;
        let pre_key = olm::pre_key_ratchet_id(message)?;
        let known = match &pre_key {
            Some(id) => sessions.iter().position(|s| &s.ratchet_id() == id),
            None => None,
        };
        let plain = if let Some(pos) = known {
            let plain = sessions[pos].decrypt(message)?;
            let used = sessions.remove(pos);
            sessions.insert(0, used);
            plain
        } else if pre_key.is_some() {
            let (session, plain) = account.accept_ratchet(peer, message)?;
            sessions.insert(0, session);
            Self::save_account(store, account)?;
            plain
        } else {
            let mut opened = None;
            for (pos, session) in sessions.iter_mut().enumerate() {
                if let Ok(plain) = session.decrypt(message) {
                    opened = Some((pos, plain));
                    break;
                }
            }
            let (pos, plain) = opened.ok_or_else(olm::rejected)?;
            let used = sessions.remove(pos);
            sessions.insert(0, used);
            plain
        };
        Self::save_ratchets(store, peer, &sessions)?;
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    #[test]
    fn account_and_sessions_persist_sealed_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, _) = Store::create(
            &dir.path().join("a"),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let (mut b, _) = Store::create(
            &dir.path().join("b"),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let alice = DeviceVault::account(&mut a).unwrap();
        let mut bob = DeviceVault::account(&mut b).unwrap();
        let otk = bob.publish_one_time_keys(1);
        DeviceVault::save_account(&mut b, &bob).unwrap();
        let first = DeviceVault::encrypt_for(&mut a, &alice, &bob.keys(), Some(&otk[0]), b"first")
            .unwrap()
            .unwrap();
        drop((a, b));

        let (mut b, _) =
            Store::open_with_passphrase(&dir.path().join("b"), crate::passphrase::TEST_PASSPHRASE)
                .unwrap();
        let mut bob = DeviceVault::account(&mut b).unwrap();
        let alice_key = alice.keys().curve25519;
        let plain = DeviceVault::decrypt_from(&mut b, &mut bob, &alice_key, &first).unwrap();
        assert_eq!(plain, b"first");
        assert!(
            DeviceVault::decrypt_from(&mut b, &mut bob, &alice_key, &first).is_err(),
            "a replayed first message is rejected"
        );
        let (mut a, _) =
            Store::open_with_passphrase(&dir.path().join("a"), crate::passphrase::TEST_PASSPHRASE)
                .unwrap();
        let second = DeviceVault::encrypt_for(&mut a, &alice, &bob.keys(), None, b"second")
            .unwrap()
            .unwrap();
        drop(b);
        let (mut b, _) =
            Store::open_with_passphrase(&dir.path().join("b"), crate::passphrase::TEST_PASSPHRASE)
                .unwrap();
        let mut bob = DeviceVault::account(&mut b).unwrap();
        let plain = DeviceVault::decrypt_from(&mut b, &mut bob, &alice_key, &second).unwrap();
        assert_eq!(plain, b"second");
        let reply = DeviceVault::encrypt_for(&mut b, &bob, &alice.keys(), None, b"reply")
            .unwrap()
            .unwrap();
        let mut alice = alice;
        let bob_key = bob.keys().curve25519;
        let plain = DeviceVault::decrypt_from(&mut a, &mut alice, &bob_key, &reply).unwrap();
        assert_eq!(plain, b"reply");
        assert_eq!(b.pending_changes().unwrap(), 0, "device state never syncs");
        // Bob's device is revoked: Alice drops her sessions with it when it leaves the list.
        let bob_key = bob.keys().curve25519;
        assert_eq!(
            DeviceVault::track_peer_devices(&mut a, "bob", std::slice::from_ref(&bob_key)).unwrap(),
            0
        );
        assert_eq!(DeviceVault::ratchets(&a, &bob_key).unwrap().len(), 1);
        assert_eq!(
            DeviceVault::track_peer_devices(&mut a, "bob", &[]).unwrap(),
            1
        );
        assert!(DeviceVault::ratchets(&a, &bob_key).unwrap().is_empty());
        assert!(
            DeviceVault::encrypt_for(&mut a, &alice, &bob.keys(), None, b"after revocation")
                .unwrap()
                .is_none(),
            "no session and no key: nothing is sent to the revoked device"
        );
        let raw = std::fs::read(dir.path().join("b").join(crate::store::DB_FILE)).unwrap();
        assert!(
            !raw.windows(8).any(|w| w == b"pickle\":"),
            "state is sealed, not plain JSON"
        );
    }
}
