//! End-to-end encrypted messaging between a client and their therapist (in progress).
//!
//! Built so far: the Olm device layer ([`olm`]) and sealed, never-synced persistence of the
//! device account and its sessions ([`DeviceVault`]). Still to come: the server key directory
//! and mailbox, the outbox with retries and statuses, conversations, sharing and live-session
//! requests.

pub mod olm;

use crate::error::Result;
use crate::store::Store;

use self::olm::{DeviceCrypto, PairSession};

const ACCOUNT_STATE: &str = "olm/account";

fn session_state(peer_curve25519: &str) -> String {
    format!("olm/session/{peer_curve25519}")
}

/// This device's Olm account and sessions, kept sealed in the store's device-local table
/// (never synced: each device has its own).
pub struct DeviceVault;

impl DeviceVault {
    /// Loads this device's account, creating (and saving) one on first use.
    pub fn account(store: &mut Store) -> Result<DeviceCrypto> {
        if let Some(bytes) = store.device_state(ACCOUNT_STATE)? {
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

    /// The session with the device whose identity key is `peer`, if one exists.
    pub fn session(store: &Store, peer: &str) -> Result<Option<PairSession>> {
        store
            .device_state(&session_state(peer))?
            .map(|b| PairSession::from_pickle(&b))
            .transpose()
    }

    /// Saves a session after every encrypt or decrypt (the ratchet moved).
    pub fn save_session(store: &mut Store, peer: &str, session: &PairSession) -> Result<()> {
        store.put_device_state(&session_state(peer), &session.pickle()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    #[test]
    fn account_and_sessions_persist_sealed_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, _) = Store::create(&dir.path().join("a"), "pw", KdfParams::FLOOR).unwrap();
        let (mut b, _) = Store::create(&dir.path().join("b"), "pw", KdfParams::FLOOR).unwrap();
        let alice = DeviceVault::account(&mut a).unwrap();
        let mut bob = DeviceVault::account(&mut b).unwrap();
        let otk = bob.publish_one_time_keys(1);
        DeviceVault::save_account(&mut b, &bob).unwrap();
        let mut session = alice.outbound_session(&bob.keys(), &otk[0]).unwrap();
        let first = session.encrypt(b"first").unwrap();
        DeviceVault::save_session(&mut a, &bob.keys().curve25519, &session).unwrap();
        drop((a, b));

        let (mut b, _) = Store::open_with_passphrase(&dir.path().join("b"), "pw").unwrap();
        let mut bob = DeviceVault::account(&mut b).unwrap();
        let (mut inbound, plain) = bob
            .inbound_session(&alice.keys().curve25519, &first)
            .unwrap();
        assert_eq!(plain, b"first");
        DeviceVault::save_account(&mut b, &bob).unwrap();
        DeviceVault::save_session(&mut b, &alice.keys().curve25519, &inbound).unwrap();
        let (a, _) = Store::open_with_passphrase(&dir.path().join("a"), "pw").unwrap();
        let mut restored = DeviceVault::session(&a, &bob.keys().curve25519)
            .unwrap()
            .unwrap();
        let second = restored.encrypt(b"second").unwrap();
        assert_eq!(inbound.decrypt(&second).unwrap(), b"second");
        assert_eq!(b.pending_changes().unwrap(), 0, "device state never syncs");
        let raw = std::fs::read(dir.path().join("b").join(crate::store::DB_FILE)).unwrap();
        assert!(
            !raw.windows(8).any(|w| w == b"pickle\":"),
            "state is sealed, not plain JSON"
        );
    }
}
