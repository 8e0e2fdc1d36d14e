//! Pinned peer identities and the signed devices accepted under them, kept sealed in this
//! device's local state (`identity/peer/<account id>`), and the check every device list from
//! the server goes through before anything is encrypted to it or accepted from it.
//!
//! The first identity seen for a peer is pinned (trust on first use; the safety number is
//! how people confirm it). Later, a list whose devices are signed only by another identity
//! is an identity change: it is recorded as pending and the conversation stops sending until
//! the person accepts it. A device without a valid signature by the pinned identity is
//! refused whatever else the list holds.

use serde::{Deserialize, Serialize};
use solace_protocol::messaging as m;

use super::{device, device_list};
use crate::error::{CoreError, CryptoError, IdentityError, Result};
use crate::store::Store;

/// A device accepted under an identity: its id and Curve25519 key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDevice {
    /// Device id (mailbox address).
    pub device_id: String,
    /// Its Curve25519 identity key, base64 (the sender key of its messages).
    pub curve25519: String,
    /// Its Ed25519 key, base64 (empty in states saved before it was kept: such a state is
    /// listed again before anything is sent from it).
    #[serde(default)]
    pub ed25519: String,
}

/// What this device knows about one account's identity (sealed, device-local).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerIdentity {
    /// The pinned account identity key, base64.
    pub pinned: Option<String>,
    /// A different identity the server's list now shows, waiting for the person to accept.
    pub pending: Option<String>,
    /// The devices signed by the pinned identity in the latest list.
    #[serde(default)]
    pub devices: Vec<SignedDevice>,
    /// The highest signed device list version seen: an older list is refused.
    #[serde(default)]
    pub list_version: u64,
    /// For this account's own state only: this device has been in a signed list. A device
    /// that was listed and is missing from a newer list was dropped (revoked) and never adds
    /// itself again.
    #[serde(default)]
    pub self_listed: bool,
    /// Devices the latest list named that were refused (not signed by the pinned identity,
    /// or missing from its signed device list): the person is told, and a server naming them
    /// again is not news.
    #[serde(default)]
    pub refused: Vec<String>,
    /// `devices` holds a checked list (of the pinned identity or, for this account, its own).
    #[serde(default)]
    pub checked: bool,
}

fn state_name(account_id: &str) -> String {
    format!("identity/peer/{account_id}")
}

fn damaged() -> CoreError {
    CoreError::Crypto(CryptoError::DeviceStateDamaged)
}

impl PeerIdentity {
    /// The stored state for `account_id` (empty when never seen).
    pub fn load(store: &Store, account_id: &str) -> Result<Self> {
        match super::super::load_state(store, &state_name(account_id))? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|_| damaged()),
            None => Ok(Self::default()),
        }
    }

    /// Saves the state for `account_id`.
    pub fn save(&self, store: &mut Store, account_id: &str) -> Result<()> {
        let bytes = serde_json::to_vec(self).map_err(|_| damaged())?;
        store.put_device_state(&state_name(account_id), &bytes)
    }

    /// Whether `curve25519` is a signed device of this account in the latest list.
    pub fn knows_device(&self, curve25519: &str) -> bool {
        self.devices.iter().any(|d| d.curve25519 == curve25519)
    }

    /// The devices of the latest checked list, to send to without listing again (this
    /// device left out); `None` when there is no usable list yet (never listed, nothing
    /// pinned, a pending change, or a state saved before keys were kept).
    pub fn cached_devices(&self, this_device: &str) -> Option<Vec<m::ClaimedDevice>> {
        if !self.checked || self.list_version == 0 || self.pending.is_some() {
            return None;
        }
        self.devices
            .iter()
            .filter(|d| d.device_id != this_device)
            .map(|d| {
                (!d.ed25519.is_empty()).then(|| m::ClaimedDevice {
                    device_id: d.device_id.clone(),
                    identity: m::WireIdentity {
                        curve25519: d.curve25519.clone(),
                        ed25519: d.ed25519.clone(),
                    },
                    one_time_key: None,
                    account_signature: None,
                    fallback_key: None,
                })
            })
            .collect()
    }

    /// Accepts the pending identity: it becomes the pinned one (its devices are taken from
    /// the next list). [`IdentityError::NoChange`] when none is pending.
    pub fn accept_change(&mut self) -> Result<()> {
        let next = self
            .pending
            .take()
            .ok_or(CoreError::Identity(IdentityError::NoChange))?;
        self.pinned = Some(next);
        self.devices.clear();
        self.list_version = 0;
        self.checked = false;
        Ok(())
    }
}

/// The outcome of checking one device list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedDevices {
    /// Devices signed by the expected identity: the only ones to encrypt to.
    pub accepted: Vec<m::ClaimedDevice>,
    /// How many listed devices were refused (no signature, or not by that identity).
    pub refused: u32,
    /// Ids of signed devices that were not in the previous list (a new device of the peer;
    /// empty on first contact).
    pub added: Vec<String>,
}

fn signed_by(account_id: &str, key: &str, d: &m::ClaimedDevice) -> bool {
    d.account_signature.as_ref().is_some_and(|s| {
        device::verify(
            key,
            account_id,
            &d.device_id,
            &d.identity.curve25519,
            &d.identity.ed25519,
            &s.signature,
        )
    })
}

/// Checks the devices the server lists for `account_id` and updates `state`. A device is
/// accepted only when it is signed by the expected identity AND named in the account's signed
/// device list, whose version is at least the highest seen (a missing, forged or older list
/// accepts nothing). `own_key` is this account's identity when the devices are this
/// account's own (then it is the only key that counts, and nothing is pinned). Fails with
/// [`IdentityError::Changed`] (recorded as pending) when no device is signed by the pinned
/// identity but some are by another.
pub fn check_devices(
    state: &mut PeerIdentity,
    account_id: &str,
    own_key: Option<&str>,
    listed: Vec<m::ClaimedDevice>,
    list: Option<&m::WireDeviceList>,
) -> Result<CheckedDevices> {
    let changed = || CoreError::Identity(IdentityError::Changed);
    let key = match own_key {
        Some(own) => own.to_owned(),
        None => {
            if state.pending.is_some() {
                return Err(changed());
            }
            match &state.pinned {
                Some(pinned) => pinned.clone(),
                None => {
                    // First contact: pin the identity that signed a listed device.
                    let first = listed.iter().find_map(|d| {
                        let s = d.account_signature.as_ref()?;
                        signed_by(account_id, &s.account_key, d).then(|| s.account_key.clone())
                    });
                    match first {
                        Some(k) => {
                            state.pinned = Some(k.clone());
                            k
                        }
                        None => {
                            return Ok(CheckedDevices {
                                refused: u32::try_from(listed.len()).unwrap_or(u32::MAX),
                                ..CheckedDevices::default()
                            })
                        }
                    }
                }
            }
        }
    };
    let total = listed.len();
    let (signed, others): (Vec<_>, Vec<_>) = listed
        .into_iter()
        .partition(|d| signed_by(account_id, &key, d));
    if signed.is_empty() && own_key.is_none() {
        let other = others.iter().find_map(|d| {
            let s = d.account_signature.as_ref()?;
            (s.account_key != key && signed_by(account_id, &s.account_key, d))
                .then(|| s.account_key.clone())
        });
        if let Some(other) = other {
            state.pending = Some(other);
            return Err(changed());
        }
    }
    let allowed = match list {
        Some(l) if l.version >= state.list_version && device_list::verify(&key, account_id, l) => {
            state.list_version = l.version;
            l.device_ids.clone()
        }
        _ => Vec::new(),
    };
    let (accepted, unlisted): (Vec<_>, Vec<_>) = signed
        .into_iter()
        .partition(|d| allowed.contains(&d.device_id));
    let refused_ids: Vec<String> = others
        .iter()
        .chain(&unlisted)
        .map(|d| d.device_id.clone())
        .collect();
    let first_list = state.devices.is_empty();
    let added = accepted
        .iter()
        .filter(|d| !first_list && !state.knows_device(&d.identity.curve25519))
        .map(|d| d.device_id.clone())
        .collect();
    state.devices = accepted
        .iter()
        .map(|d| SignedDevice {
            device_id: d.device_id.clone(),
            curve25519: d.identity.curve25519.clone(),
            ed25519: d.identity.ed25519.clone(),
        })
        .collect();
    state.refused = refused_ids;
    state.checked = true;
    Ok(CheckedDevices {
        refused: u32::try_from(total - accepted.len()).unwrap_or(u32::MAX),
        accepted,
        added,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::identity::AccountIdentity;

    fn dev(id: &str, curve: &str, signer: Option<(&AccountIdentity, &str)>) -> m::ClaimedDevice {
        let identity = m::WireIdentity {
            curve25519: curve.into(),
            ed25519: format!("ed-{curve}"),
        };
        m::ClaimedDevice {
            device_id: id.into(),
            account_signature: signer.map(|(who, account)| m::WireDeviceSignature {
                account_key: who.public_key(),
                signature: device::sign(who, account, id, &identity.curve25519, &identity.ed25519),
            }),
            identity,
            one_time_key: None,
            fallback_key: None,
        }
    }

    fn list(who: &AccountIdentity, account: &str, version: u64, ids: &[&str]) -> m::WireDeviceList {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        device_list::sign(who, account, version, &ids)
    }

    const ALL: &[&str] = &["d1", "d2", "d3", "ghost", "bare", "moved", "a", "b"];

    #[test]
    fn unsigned_and_foreign_devices_are_refused_and_a_changed_identity_waits() {
        let therapist = AccountIdentity::from_seed(&[1; 32]);
        let other = AccountIdentity::from_seed(&[2; 32]);
        let listed = list(&therapist, "t", 1, ALL);
        let mut state = PeerIdentity::default();
        let first = check_devices(
            &mut state,
            "t",
            None,
            vec![dev("d1", "c1", Some((&therapist, "t")))],
            Some(&listed),
        )
        .unwrap();
        assert_eq!(state.pinned, Some(therapist.public_key()));
        assert_eq!(first.accepted.len(), 1);
        assert!(first.added.is_empty(), "first contact announces nothing");
        // The ghost: another account's device moved under the therapist, an unsigned one, and
        // one signed for another account id by the therapist's own key.
        let devices = vec![
            dev("d1", "c1", Some((&therapist, "t"))),
            dev("ghost", "cg", Some((&other, "o"))),
            dev("bare", "cb", None),
            dev("moved", "cm", Some((&therapist, "someone-else"))),
            dev("d2", "c2", Some((&therapist, "t"))),
        ];
        let checked = check_devices(&mut state, "t", None, devices, Some(&listed)).unwrap();
        let ids: Vec<_> = checked
            .accepted
            .iter()
            .map(|d| d.device_id.as_str())
            .collect();
        assert_eq!(ids, ["d1", "d2"]);
        assert_eq!(checked.refused, 3);
        assert_eq!(checked.added, ["d2"]);
        assert!(state.knows_device("c2") && !state.knows_device("cg"));
        assert_eq!(state.refused, ["ghost", "bare", "moved"]);
        // The checked list serves later sends (this device left out); a state saved before
        // keys were kept is listed again, and so is one with a pending change.
        let cached = state.cached_devices("d1").unwrap();
        assert_eq!(cached.len(), 1);
        assert_eq!(
            (
                cached[0].device_id.as_str(),
                cached[0].identity.ed25519.as_str()
            ),
            ("d2", "ed-c2")
        );
        let mut old = state.clone();
        old.devices[0].ed25519.clear();
        assert!(old.cached_devices("x").is_none());
        let mut unchecked = state.clone();
        unchecked.checked = false;
        assert!(unchecked.cached_devices("x").is_none());
        // Only another identity's devices: an identity change, pending until accepted.
        let changed = check_devices(
            &mut state,
            "t",
            None,
            vec![dev("d3", "c3", Some((&other, "t")))],
            Some(&list(&other, "t", 1, ALL)),
        );
        assert!(matches!(
            changed,
            Err(CoreError::Identity(IdentityError::Changed))
        ));
        assert_eq!(state.pending, Some(other.public_key()));
        assert!(state.cached_devices("x").is_none());
        assert!(check_devices(&mut state, "t", None, vec![], None).is_err());
        state.accept_change().unwrap();
        assert_eq!(state.pinned, Some(other.public_key()));
        assert!(state.accept_change().is_err());
        let after = check_devices(
            &mut state,
            "t",
            None,
            vec![dev("d3", "c3", Some((&other, "t")))],
            Some(&list(&other, "t", 1, ALL)),
        )
        .unwrap();
        assert_eq!(after.accepted.len(), 1);
        // Own devices count only under this account's own key.
        let mut own = PeerIdentity::default();
        let mine = check_devices(
            &mut own,
            "me",
            Some(&therapist.public_key()),
            vec![
                dev("a", "ca", Some((&therapist, "me"))),
                dev("b", "cb", Some((&other, "me"))),
            ],
            Some(&list(&therapist, "me", 1, ALL)),
        )
        .unwrap();
        assert_eq!(mine.accepted.len(), 1);
        assert_eq!(mine.refused, 1);
        assert_eq!(own.pinned, None);
    }

    #[test]
    fn only_devices_of_the_newest_signed_list_are_accepted() {
        let therapist = AccountIdentity::from_seed(&[1; 32]);
        let devices = || {
            vec![
                dev("d1", "c1", Some((&therapist, "t"))),
                dev("d2", "c2", Some((&therapist, "t"))),
            ]
        };
        let accepted = |c: &CheckedDevices| {
            c.accepted
                .iter()
                .map(|d| d.device_id.clone())
                .collect::<Vec<_>>()
        };
        let mut state = PeerIdentity::default();
        let v2 = list(&therapist, "t", 2, &["d1", "d2"]);
        let checked = check_devices(&mut state, "t", None, devices(), Some(&v2)).unwrap();
        assert_eq!(accepted(&checked), ["d1", "d2"]);
        assert_eq!(state.list_version, 2);
        // d2 was revoked: the person's list v3 drops it; though still signed, it is refused.
        let v3 = list(&therapist, "t", 3, &["d1"]);
        let checked = check_devices(&mut state, "t", None, devices(), Some(&v3)).unwrap();
        assert_eq!(
            (accepted(&checked), checked.refused),
            (vec!["d1".into()], 1)
        );
        // The server serves the old list again, a forged one, or none: nothing is accepted.
        let mut forged = v3.clone();
        forged.device_ids.push("d2".into());
        let unsigned_ghost_list =
            list(&AccountIdentity::from_seed(&[9; 32]), "t", 9, &["d1", "d2"]);
        for served in [Some(&v2), Some(&forged), Some(&unsigned_ghost_list), None] {
            let checked = check_devices(&mut state, "t", None, devices(), served).unwrap();
            assert!(checked.accepted.is_empty(), "{served:?}");
            assert_eq!(checked.refused, 2);
            assert_eq!(state.list_version, 3);
        }
        let checked = check_devices(&mut state, "t", None, devices(), Some(&v3)).unwrap();
        assert_eq!(accepted(&checked), ["d1"]);
    }
}
