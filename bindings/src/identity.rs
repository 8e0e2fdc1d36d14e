//! Conversation identity for the apps (thin wrappers over `App::identity_status`,
//! `App::mark_verified`, `App::accept_identity_change`): the safety number and its QR payload,
//! verified or changed, the other person's signed devices.

use solace_core::messaging::identity::{IdentityStatus as CoreStatus, SafetyNumber};

use crate::error::Result;
use crate::messages::Messages;

// Twin: the core nests the number and its QR payload in an optional record; flat here.
/// A conversation's identity as the verification screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IdentityStatus {
    /// The other person's account id.
    pub peer_account: String,
    /// 60 digits in 12 groups of 5; null before first contact.
    pub safety_number: Option<String>,
    /// The string to show as a QR code (and compare when scanning theirs).
    pub qr_payload: Option<String>,
    /// The person compared the number (synced to their devices).
    pub verified: bool,
    /// The other person's identity changed: their messages wait until it is accepted.
    pub changed: bool,
    /// The other person's signed devices (device ids), as last seen.
    pub devices: Vec<String>,
}

impl From<CoreStatus> for IdentityStatus {
    fn from(s: CoreStatus) -> Self {
        let (safety_number, qr_payload) = match s.safety_number {
            Some(n) => (Some(n.digits), Some(n.qr_payload)),
            None => (None, None),
        };
        Self {
            peer_account: s.peer_account,
            safety_number,
            qr_payload,
            verified: s.verified,
            changed: s.changed,
            devices: s.devices,
        }
    }
}

// Back to the core's shape, for `present::identity_view`.
impl From<IdentityStatus> for CoreStatus {
    fn from(s: IdentityStatus) -> Self {
        let safety_number = match (s.safety_number, s.qr_payload) {
            (Some(digits), Some(qr_payload)) => Some(SafetyNumber { digits, qr_payload }),
            _ => None,
        };
        Self {
            peer_account: s.peer_account,
            safety_number,
            verified: s.verified,
            changed: s.changed,
            devices: s.devices,
        }
    }
}

#[uniffi::export]
impl Messages {
    /// The conversation's safety number, verified or changed, and the peer's signed devices.
    pub fn identity_status(&self, peer_account: String) -> Result<IdentityStatus> {
        Ok(self.inner.app.identity_status(&peer_account)?.into())
    }

    /// Marks the conversation verified (or not) after comparing the safety number.
    pub fn mark_verified(&self, peer_account: String, verified: bool) -> Result<IdentityStatus> {
        Ok(self
            .inner
            .app
            .mark_verified(&peer_account, verified)?
            .into())
    }

    /// Accepts the peer's changed identity: queued messages go out with the next round.
    pub fn accept_identity_change(&self, peer_account: String) -> Result<IdentityStatus> {
        Ok(self.inner.app.accept_identity_change(&peer_account)?.into())
    }
}
