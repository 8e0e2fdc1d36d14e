//! Device-to-device end-to-end encryption with vodozemac's Olm (double ratchet, forward
//! secrecy). Each device has one Olm account (identity keys + one-time keys); each pair of
//! devices shares one session. A first message can be sent while the recipient is offline:
//! the sender claims one of the recipient's published, signed one-time keys.
//!
//! Pickled state never leaves the device; the caller stores it sealed (see [`crate::store`]).

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use vodozemac::olm::{Account, AccountPickle, OlmMessage, Session, SessionConfig, SessionPickle};
use vodozemac::{Curve25519PublicKey, Ed25519PublicKey, Ed25519Signature};

use crate::error::{CoreError, CryptoError, PeerMessageError, Result};

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;
const OTK_SIGNATURE_CONTEXT: &str = "solace/one-time-key/v1|";

/// A device's public identity, as published to the key directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceKeys {
    /// Curve25519 identity key (base64), used for the key agreement.
    pub curve25519: String,
    /// Ed25519 signing key (base64), signs the one-time keys.
    pub ed25519: String,
}

/// A one-time key signed by its device's Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOneTimeKey {
    /// Curve25519 one-time key (base64).
    pub key: String,
    /// Ed25519 signature over the context string and the key (base64).
    pub signature: String,
}

/// An Olm message as carried by the mailbox: its type and body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireOlmMessage {
    /// 0: pre-key message (starts a session), 1: normal message.
    pub kind: u8,
    /// The Olm message bytes (base64).
    pub body: String,
}

/// A part of a peer's message that does not parse: the peer's fault.
fn bad(what: &'static str) -> CoreError {
    CoreError::PeerMessage(PeerMessageError::Malformed(what))
}

/// A peer's published keys that do not parse or verify.
fn bad_keys() -> CoreError {
    CoreError::PeerMessage(PeerMessageError::BadDeviceKeys)
}

/// This device's own Olm state that does not (de)serialize: local damage.
fn damaged() -> CoreError {
    CoreError::Crypto(CryptoError::DeviceStateDamaged)
}

/// Why a message could not be opened with a healthy session: the peer's fault (tampered,
/// replayed, or not for this device). Distinct from malformed input so a UI can flag it.
pub(crate) fn rejected() -> CoreError {
    CoreError::PeerMessage(PeerMessageError::Undecryptable)
}

/// This device's Olm account.
pub struct DeviceCrypto {
    account: Account,
}

impl Default for DeviceCrypto {
    fn default() -> Self {
        Self::new()
    }
}

impl DeviceCrypto {
    /// A new account with fresh identity keys.
    pub fn new() -> Self {
        Self {
            account: Account::new(),
        }
    }

    /// Restores an account from its pickle (JSON bytes).
    pub fn from_pickle(bytes: &[u8]) -> Result<Self> {
        let pickle: AccountPickle = serde_json::from_slice(bytes).map_err(|_| damaged())?;
        Ok(Self {
            account: Account::from_pickle(pickle),
        })
    }

    /// The account's pickle (JSON bytes) — secret: store it sealed.
    pub fn pickle(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(&self.account.pickle()).map_err(|_| damaged())
    }

    /// The public identity of this device.
    pub fn keys(&self) -> DeviceKeys {
        DeviceKeys {
            curve25519: self.account.curve25519_key().to_base64(),
            ed25519: self.account.ed25519_key().to_base64(),
        }
    }

    /// Signs a Curve25519 pre-key (one-time or fallback) with this device's Ed25519 key.
    fn signed(&self, key: Curve25519PublicKey) -> SignedOneTimeKey {
        let key = key.to_base64();
        let signature = self
            .account
            .sign(format!("{OTK_SIGNATURE_CONTEXT}{key}"))
            .to_base64();
        SignedOneTimeKey { key, signature }
    }

    /// Generates `count` one-time keys, signs them and marks them published.
    pub fn publish_one_time_keys(&mut self, count: usize) -> Vec<SignedOneTimeKey> {
        self.account.generate_one_time_keys(count);
        let keys: Vec<SignedOneTimeKey> = self
            .account
            .one_time_keys()
            .values()
            .map(|k| self.signed(*k))
            .collect();
        self.account.mark_keys_as_published();
        keys
    }

    /// Generates a new fallback key, signs it (like a one-time key) and marks it published.
    /// Peers use it to start a session once this device's one-time keys are drained; it is
    /// not consumed, and the previous fallback key keeps opening sessions started with it
    /// until the next rotation. `None` only if the Olm account made no key.
    pub fn publish_fallback_key(&mut self) -> Option<SignedOneTimeKey> {
        self.account.generate_fallback_key();
        let key = self
            .account
            .fallback_key()
            .values()
            .next()
            .map(|k| self.signed(*k));
        self.account.mark_keys_as_published();
        key
    }

    /// Starts a session with another device from its published identity and one of its
    /// one-time keys; refuses a one-time key its identity did not sign.
    pub fn start_ratchet(&self, theirs: &DeviceKeys, otk: &SignedOneTimeKey) -> Result<Ratchet> {
        let signing = Ed25519PublicKey::from_base64(&theirs.ed25519).map_err(|_| bad_keys())?;
        let signature = Ed25519Signature::from_base64(&otk.signature).map_err(|_| bad_keys())?;
        signing
            .verify(
                format!("{OTK_SIGNATURE_CONTEXT}{}", otk.key).as_bytes(),
                &signature,
            )
            .map_err(|_| bad_keys())?;
        let identity =
            Curve25519PublicKey::from_base64(&theirs.curve25519).map_err(|_| bad_keys())?;
        let one_time = Curve25519PublicKey::from_base64(&otk.key).map_err(|_| bad_keys())?;
        let session = self
            .account
            .create_outbound_session(SessionConfig::version_1(), identity, one_time)
            .map_err(|_| bad_keys())?;
        Ok(Ratchet { session })
    }

    /// Accepts the first (pre-key) message of a session from `their_curve25519`, returning the
    /// session and the plaintext. The one-time key it used is consumed, so a replay fails.
    pub fn accept_ratchet(
        &mut self,
        their_curve25519: &str,
        message: &WireOlmMessage,
    ) -> Result<(Ratchet, Vec<u8>)> {
        let identity =
            Curve25519PublicKey::from_base64(their_curve25519).map_err(|_| bad("sender key"))?;
        let OlmMessage::PreKey(pre_key) = decode(message)? else {
            return Err(rejected());
        };
        let created = self
            .account
            .create_inbound_session(SessionConfig::version_1(), identity, &pre_key)
            .map_err(|_| rejected())?;
        Ok((
            Ratchet {
                session: created.session,
            },
            created.plaintext,
        ))
    }
}

fn decode(message: &WireOlmMessage) -> Result<OlmMessage> {
    let body = B64.decode(&message.body).map_err(|_| bad("message"))?;
    OlmMessage::from_parts(usize::from(message.kind), &body).map_err(|_| bad("message"))
}

/// The session id a pre-key message belongs to (`None` for a normal message), so a receiver
/// can tell a retried first message of a known session from a new session.
pub fn pre_key_ratchet_id(message: &WireOlmMessage) -> Result<Option<String>> {
    Ok(match decode(message)? {
        OlmMessage::PreKey(m) => Some(m.session_id()),
        OlmMessage::Normal(_) => None,
    })
}

/// One Olm session with another device.
pub struct Ratchet {
    session: Session,
}

impl Ratchet {
    /// The session's id (the same on both devices).
    pub fn ratchet_id(&self) -> String {
        self.session.session_id()
    }

    /// Restores a session from its pickle (JSON bytes).
    pub fn from_pickle(bytes: &[u8]) -> Result<Self> {
        let pickle: SessionPickle = serde_json::from_slice(bytes).map_err(|_| damaged())?;
        Ok(Self {
            session: Session::from_pickle(pickle),
        })
    }

    /// The session's pickle (JSON bytes) — secret: store it sealed.
    pub fn pickle(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(&self.session.pickle()).map_err(|_| damaged())
    }

    /// Encrypts `plaintext` (advances the ratchet: persist the session afterwards).
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<WireOlmMessage> {
        let message = self.session.encrypt(plaintext).map_err(|_| damaged())?;
        let (kind, body) = message.to_parts();
        Ok(WireOlmMessage {
            kind: u8::try_from(kind).map_err(|_| damaged())?,
            body: B64.encode(body),
        })
    }

    /// Decrypts a message of this session; tampered, foreign or replayed messages fail.
    pub fn decrypt(&mut self, message: &WireOlmMessage) -> Result<Vec<u8>> {
        self.session
            .decrypt(&decode(message)?)
            .map_err(|_| rejected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (DeviceCrypto, DeviceCrypto, Ratchet, Ratchet) {
        let alice = DeviceCrypto::new();
        let mut bob = DeviceCrypto::new();
        let otks = bob.publish_one_time_keys(2);
        let mut a_to_b = alice.start_ratchet(&bob.keys(), &otks[0]).unwrap();
        let first = a_to_b.encrypt(b"hello while you were offline").unwrap();
        assert_eq!(first.kind, 0);
        let (b_to_a, plain) = bob
            .accept_ratchet(&alice.keys().curve25519, &first)
            .unwrap();
        assert_eq!(plain, b"hello while you were offline");
        (alice, bob, a_to_b, b_to_a)
    }

    #[test]
    fn a_first_message_reaches_an_offline_device_and_replies_flow() {
        let (_alice, _bob, mut a_to_b, mut b_to_a) = pair();
        let reply = b_to_a.encrypt(b"got it").unwrap();
        assert_eq!(a_to_b.decrypt(&reply).unwrap(), b"got it");
        let next = a_to_b.encrypt(b"second").unwrap();
        assert_eq!(next.kind, 1);
        assert_eq!(b_to_a.decrypt(&next).unwrap(), b"second");
    }

    #[test]
    fn tampered_replayed_and_forged_messages_are_rejected() {
        let (alice, mut bob, mut a_to_b, mut b_to_a) = pair();
        let reply = b_to_a.encrypt(b"one").unwrap();
        a_to_b.decrypt(&reply).unwrap();
        let msg = a_to_b.encrypt(b"once only").unwrap();
        let mut tampered = msg.clone();
        let mut bytes = B64.decode(&tampered.body).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        tampered.body = B64.encode(bytes);
        assert!(b_to_a.decrypt(&tampered).is_err());
        assert_eq!(b_to_a.decrypt(&msg).unwrap(), b"once only");
        assert!(b_to_a.decrypt(&msg).is_err(), "a replay must fail");
        // A one-time key signed by someone else is refused.
        let mut mallory = DeviceCrypto::new();
        let forged = SignedOneTimeKey {
            key: mallory.publish_one_time_keys(1)[0].key.clone(),
            signature: bob.publish_one_time_keys(1)[0].signature.clone(),
        };
        assert!(alice.start_ratchet(&bob.keys(), &forged).is_err());
    }

    #[test]
    fn a_fallback_key_starts_sessions_after_one_time_keys_run_out() {
        let mut bob = DeviceCrypto::new();
        let fallback = bob.publish_fallback_key().unwrap();
        let bob = DeviceCrypto::from_pickle(&bob.pickle().unwrap()).unwrap();
        let mut bob = bob;
        // Two peers start sessions from the same fallback key; both open, in any order.
        let (alice, carol) = (DeviceCrypto::new(), DeviceCrypto::new());
        let first_a = alice
            .start_ratchet(&bob.keys(), &fallback)
            .unwrap()
            .encrypt(b"from alice")
            .unwrap();
        let first_c = carol
            .start_ratchet(&bob.keys(), &fallback)
            .unwrap()
            .encrypt(b"from carol")
            .unwrap();
        let (_, plain) = bob
            .accept_ratchet(&carol.keys().curve25519, &first_c)
            .unwrap();
        assert_eq!(plain, b"from carol");
        let (_, plain) = bob
            .accept_ratchet(&alice.keys().curve25519, &first_a)
            .unwrap();
        assert_eq!(plain, b"from alice");
        // After a rotation the previous fallback key still opens a late first message.
        let late = DeviceCrypto::new();
        let late_first = late
            .start_ratchet(&bob.keys(), &fallback)
            .unwrap()
            .encrypt(b"late")
            .unwrap();
        let rotated = bob.publish_fallback_key().unwrap();
        assert_ne!(rotated.key, fallback.key);
        let (_, plain) = bob
            .accept_ratchet(&late.keys().curve25519, &late_first)
            .unwrap();
        assert_eq!(plain, b"late");
        // A fallback key signed by another device is refused like a one-time key.
        let forged = SignedOneTimeKey {
            key: rotated.key.clone(),
            signature: DeviceCrypto::new()
                .publish_fallback_key()
                .unwrap()
                .signature,
        };
        assert!(alice.start_ratchet(&bob.keys(), &forged).is_err());
    }

    #[test]
    fn pickles_restore_accounts_and_sessions() {
        let (alice, bob, a_to_b, mut b_to_a) = pair();
        let alice = DeviceCrypto::from_pickle(&alice.pickle().unwrap()).unwrap();
        let _bob = DeviceCrypto::from_pickle(&bob.pickle().unwrap()).unwrap();
        let mut a_to_b = Ratchet::from_pickle(&a_to_b.pickle().unwrap()).unwrap();
        let msg = a_to_b.encrypt(b"after restart").unwrap();
        assert_eq!(b_to_a.decrypt(&msg).unwrap(), b"after restart");
        assert_eq!(alice.keys(), alice.keys());
        assert!(DeviceCrypto::from_pickle(b"{}").is_err());
    }
}
