//! "Verified": the person compared the safety number of a conversation. Kept as a sealed
//! synced record per peer (deterministic id, so all the person's devices share it), bound to
//! the peer identity key it was made for: a changed identity is simply not verified any more.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// The record body (v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The peer's account id.
    pub peer_account: String,
    /// The peer identity key (base64) whose safety number was compared.
    pub identity_key: String,
    /// Verified (false after the person withdraws it).
    pub verified: bool,
}

/// The record id for `peer` (the same on every device of the person).
pub fn record_id(peer: &str) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("solace/verification/{peer}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    RecordId(bytes)
}

/// Whether `peer` is verified under `identity_key`.
pub fn is_verified(store: &Store, peer: &str, identity_key: &str) -> Result<bool> {
    Ok(store
        .get::<Verification>(RecordKind::Verification, &record_id(peer))?
        .is_some_and(|v| v.verified && v.identity_key == identity_key))
}

/// Marks (or unmarks) `peer` as verified under `identity_key`.
pub fn set_verified(
    store: &mut Store,
    peer: &str,
    identity_key: &str,
    verified: bool,
) -> Result<()> {
    store.put(
        RecordKind::Verification,
        &record_id(peer),
        &Verification {
            peer_account: peer.to_owned(),
            identity_key: identity_key.to_owned(),
            verified,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen vector: the verification record body v1 and its per-peer record id.
    #[test]
    fn verification_record_v1_is_frozen() {
        let v: Verification = serde_json::from_str(
            r#"{"peer_account":"acc-t","identity_key":"a2V5","verified":true}"#,
        )
        .unwrap();
        assert!(v.verified && v.peer_account == "acc-t" && v.identity_key == "a2V5");
        assert_eq!(
            record_id("acc-t").to_string(),
            "9cd2a1f73f2fff7fd89fbc32e43d8dd2"
        );
        assert_ne!(record_id("acc-t"), record_id("acc-u"));
    }
}
