//! Conversation identity use cases (local, no network): the safety number and signed devices
//! of a conversation, marking it verified, and accepting the other person's changed identity
//! (queued messages then go out with the next messaging round).

use super::App;
use crate::error::Result;
use crate::messaging::identity::{self, IdentityStatus};

impl App {
    /// The conversation's safety number (with its QR payload), whether it is verified or its
    /// identity changed, and the other person's signed devices.
    pub fn identity_status(&self, peer: &str) -> Result<IdentityStatus> {
        self.read(|s| identity::identity_status(s, peer))
    }

    /// Marks the conversation verified (or not) after the person compared the safety number;
    /// synced to their other devices.
    pub fn mark_verified(&self, peer: &str, verified: bool) -> Result<IdentityStatus> {
        self.write(|s| {
            identity::mark_verified(s, peer, verified)?;
            identity::identity_status(s, peer)
        })
    }

    /// Accepts the other person's changed identity: sending resumes with the next round and
    /// the conversation is no longer verified until the new number is compared.
    pub fn accept_identity_change(&self, peer: &str) -> Result<IdentityStatus> {
        self.write(|s| {
            identity::accept_identity_change(s, peer)?;
            identity::identity_status(s, peer)
        })
    }
}
