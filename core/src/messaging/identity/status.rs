//! A conversation's identity as the person sees it (safety number, verified, changed, the
//! other person's signed devices) and the two things they can do about it: mark it verified
//! after comparing the number, and accept a changed identity. Local only (no network).

use serde::Serialize;

use super::pins::PeerIdentity;
use super::safety::{safety_number, SafetyNumber};
use super::verification;
use super::AccountIdentity;
use crate::error::{CoreError, IdentityError, Result};
use crate::messaging::local;
use crate::messaging::model::ConversationMeta;
use crate::store::Store;

/// What `solace verify` and the apps' verification screen show for one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityStatus {
    /// The other person's account id.
    pub peer_account: String,
    /// The safety number of the pinned identities; `None` before first contact.
    pub safety_number: Option<SafetyNumber>,
    /// The person compared the number for the pinned identity (synced to their devices).
    pub verified: bool,
    /// The other person's identity changed: sending is stopped until it is accepted.
    pub changed: bool,
    /// The other person's devices signed by the pinned identity (device ids), as last seen.
    pub devices: Vec<String>,
}

fn own(store: &Store) -> Result<(String, String)> {
    let (account, _) = store.sync_account()?.ok_or(CoreError::NotRegistered)?;
    let identity =
        AccountIdentity::load(store)?.ok_or(CoreError::Identity(IdentityError::NotPinned))?;
    Ok((account.account_id, identity.public_key()))
}

/// The identity status of the conversation with `peer`.
pub fn identity_status(store: &Store, peer: &str) -> Result<IdentityStatus> {
    let state = PeerIdentity::load(store, peer)?;
    let (me, my_key) = own(store)?;
    let (safety, verified) = match &state.pinned {
        Some(theirs) => (
            safety_number((&me, &my_key), (peer, theirs)),
            verification::is_verified(store, peer, theirs)? && state.pending.is_none(),
        ),
        None => (None, false),
    };
    Ok(IdentityStatus {
        peer_account: peer.to_owned(),
        safety_number: safety,
        verified,
        changed: state.pending.is_some(),
        devices: state.devices.iter().map(|d| d.device_id.clone()).collect(),
    })
}

/// Adds "<name> added a device" to the conversation with `peer` (a local notice, already
/// read), when a new device signed by their pinned identity appears.
pub fn note_added_device(store: &mut Store, peer: &str) -> Result<()> {
    let name = match store.conversation(peer)? {
        Some(bytes) => ConversationMeta::decode(&bytes)?.peer_name,
        None => String::new(),
    };
    let who = if name.is_empty() {
        "The other person".to_owned()
    } else {
        name
    };
    local::add_notice(store, peer, format!("{who} added a device"))
}

/// Marks the conversation with `peer` verified (or not) for its pinned identity. Refused
/// before first contact ([`IdentityError::NotPinned`]) and while a change waits
/// ([`IdentityError::Changed`]: accept it and compare the new number first).
pub fn mark_verified(store: &mut Store, peer: &str, verified: bool) -> Result<()> {
    let state = PeerIdentity::load(store, peer)?;
    if state.pending.is_some() {
        return Err(CoreError::Identity(IdentityError::Changed));
    }
    let pinned = state
        .pinned
        .ok_or(CoreError::Identity(IdentityError::NotPinned))?;
    verification::set_verified(store, peer, &pinned, verified)
}

/// Accepts the changed identity of `peer`: it is pinned, queued messages go out on the next
/// round, and the conversation is no longer verified (the new number must be compared).
pub fn accept_identity_change(store: &mut Store, peer: &str) -> Result<()> {
    store.atomically(|s| {
        let mut state = PeerIdentity::load(s, peer)?;
        state.accept_change()?;
        state.save(s, peer)?;
        if let Some(pinned) = &state.pinned {
            verification::set_verified(s, peer, pinned, false)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::store::sync_state::SyncAccount;

    #[test]
    fn verify_is_cleared_by_a_change_and_can_be_given_again() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        store
            .set_sync_account(
                &SyncAccount {
                    server_url: "http://x".into(),
                    username: "sam".into(),
                    account_id: "me".into(),
                    device_id: "d".into(),
                },
                "token",
            )
            .unwrap();
        AccountIdentity::load_or_create(&mut store).unwrap();
        let first = AccountIdentity::from_seed(&[4; 32]).public_key();
        let second = AccountIdentity::from_seed(&[5; 32]).public_key();
        assert!(matches!(
            mark_verified(&mut store, "t", true),
            Err(CoreError::Identity(IdentityError::NotPinned))
        ));
        let status = identity_status(&store, "t").unwrap();
        assert!(status.safety_number.is_none() && !status.verified);
        PeerIdentity {
            pinned: Some(first.clone()),
            ..PeerIdentity::default()
        }
        .save(&mut store, "t")
        .unwrap();
        let before = identity_status(&store, "t").unwrap();
        assert!(!before.verified);
        mark_verified(&mut store, "t", true).unwrap();
        assert!(identity_status(&store, "t").unwrap().verified);
        // The identity changes: not verified, sending stops, verifying is refused.
        let mut state = PeerIdentity::load(&store, "t").unwrap();
        state.pending = Some(second);
        state.save(&mut store, "t").unwrap();
        let changed = identity_status(&store, "t").unwrap();
        assert!(changed.changed && !changed.verified);
        assert!(mark_verified(&mut store, "t", true).is_err());
        accept_identity_change(&mut store, "t").unwrap();
        let after = identity_status(&store, "t").unwrap();
        assert!(!after.changed && !after.verified);
        assert_ne!(after.safety_number, before.safety_number);
        // Re-verify the new number.
        mark_verified(&mut store, "t", true).unwrap();
        assert!(identity_status(&store, "t").unwrap().verified);
        mark_verified(&mut store, "t", false).unwrap();
        assert!(!identity_status(&store, "t").unwrap().verified);
    }
}
