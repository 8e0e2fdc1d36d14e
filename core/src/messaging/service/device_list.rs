//! Keeping the account's signed device list (v1) current: every device adds itself once (the
//! next version), a device that was listed and is missing from a newer list was revoked and
//! never adds itself again, and revoking drops devices from the next version. The server keeps
//! only the next version, so two devices adding themselves at once both get in, one a round
//! later.

use solace_protocol::messaging as m;

use super::{Me, Messenger};
use crate::error::Result;
use crate::messaging::identity::{device_list, pins, AccountIdentity, PeerIdentity};
use crate::sync::StoreCell;

/// What a device publishes with a list: who it is and its signed identity.
pub(super) struct Published<'a> {
    pub me: &'a Me,
    pub owner: &'a AccountIdentity,
    pub identity: &'a m::WireIdentity,
    pub signature: &'a m::WireDeviceSignature,
}

impl Messenger<'_> {
    /// Adds this device to the account's signed list when it is not in it yet (and never
    /// was), given the stored list the server answered with.
    pub(super) fn stay_listed(
        &self,
        cell: &dyn StoreCell,
        p: &Published<'_>,
        stored: Option<m::WireDeviceList>,
    ) -> Result<()> {
        let account = &p.me.account_id;
        let key = p.owner.public_key();
        let mut state = cell.with(|s| PeerIdentity::load(s, account))?;
        let stored = stored.filter(|l| device_list::verify(&key, account, l));
        if let Some(list) = &stored {
            if list.version < state.list_version {
                return Ok(()); // an old list served again: nothing to build on
            }
            if list.device_ids.contains(&p.me.device_id) {
                if !state.self_listed || state.list_version != list.version {
                    state.self_listed = true;
                    state.list_version = list.version;
                    cell.with(|s| state.save(s, account))?;
                }
                return Ok(());
            }
            if state.self_listed {
                return Ok(()); // dropped from the list: revoked, so never listed again
            }
        }
        let (version, mut ids) = match &stored {
            Some(list) => (list.version + 1, list.device_ids.clone()),
            None => (1, Vec::new()),
        };
        ids.push(p.me.device_id.clone());
        let next = device_list::sign(p.owner, account, version, &ids);
        self.publish_list(cell, p, next).map(|_| ())
    }

    /// Drops devices from the account's signed list (the next version): `revoked`, or every
    /// device but this one when `only_this` (after revoking them on the server).
    pub fn drop_from_device_list(
        &self,
        cell: &dyn StoreCell,
        revoked: &[String],
        only_this: bool,
    ) -> Result<()> {
        let (me, owner, account) = cell.with(|s| {
            Ok((
                super::me(s)?,
                AccountIdentity::load(s)?,
                crate::messaging::DeviceVault::account(s)?,
            ))
        })?;
        let Some(owner) = owner else {
            return Ok(());
        };
        let keys = account.keys();
        let identity = m::WireIdentity {
            curve25519: keys.curve25519,
            ed25519: keys.ed25519,
        };
        let signature = m::WireDeviceSignature {
            account_key: owner.public_key(),
            signature: crate::messaging::identity::device::sign(
                &owner,
                &me.account_id,
                &me.device_id,
                &identity.curve25519,
                &identity.ed25519,
            ),
        };
        let p = Published {
            me: &me,
            owner: &owner,
            identity: &identity,
            signature: &signature,
        };
        let stored = self
            .transport
            .publish_keys(&me.token, &upload(&p, None))?
            .device_list
            .filter(|l| device_list::verify(&owner.public_key(), &me.account_id, l));
        let (version, ids) = match stored {
            Some(list) => (list.version + 1, list.device_ids),
            None => (1, vec![me.device_id.clone()]),
        };
        let kept: Vec<String> = ids
            .into_iter()
            .filter(|id| {
                if only_this {
                    *id == me.device_id
                } else {
                    !revoked.contains(id)
                }
            })
            .collect();
        let next = device_list::sign(&owner, &me.account_id, version, &kept);
        self.publish_list(cell, &p, next).map(|_| ())
    }

    /// Publishes `next`; records it as seen (and this device as listed) when the server kept
    /// it. Returns whether it did.
    fn publish_list(
        &self,
        cell: &dyn StoreCell,
        p: &Published<'_>,
        next: m::WireDeviceList,
    ) -> Result<bool> {
        let answer = self
            .transport
            .publish_keys(&p.me.token, &upload(p, Some(next.clone())))?;
        let kept = answer.device_list.as_ref() == Some(&next);
        if kept {
            let account = &p.me.account_id;
            cell.with(|s| {
                let mut state = PeerIdentity::load(s, account)?;
                state.list_version = state.list_version.max(next.version);
                state.self_listed |= next.device_ids.contains(&p.me.device_id);
                state.save(s, account)
            })?;
        }
        Ok(kept)
    }
}

impl Messenger<'_> {
    /// Pins the identity of a newly linked peer from their published devices (nothing when
    /// none is signed yet: then on first contact). The network failing is not an error here.
    pub(super) fn pin_at_link(&self, cell: &dyn StoreCell, me: &Me, peer: &str) -> Result<()> {
        let claimed = match self.transport.claim_keys(
            &me.token,
            &m::ClaimRequest {
                account_id: peer.to_owned(),
                need_keys_for: Some(Vec::new()),
            },
        ) {
            Ok(claimed) => claimed,
            Err(crate::error::CoreError::Transport(_)) => return Ok(()),
            Err(other) => return Err(other),
        };
        cell.with(|store| {
            store.atomically(|s| {
                let mut state = PeerIdentity::load(s, peer)?;
                if state.pinned.is_some() {
                    return Ok(());
                }
                // A changed identity cannot happen before anything is pinned.
                let _ = pins::check_devices(
                    &mut state,
                    peer,
                    None,
                    claimed.devices.clone(),
                    claimed.device_list.as_ref(),
                );
                state.save(s, peer)
            })
        })
    }
}

fn upload(p: &Published<'_>, list: Option<m::WireDeviceList>) -> m::DeviceKeysUpload {
    m::DeviceKeysUpload {
        identity: p.identity.clone(),
        one_time_keys: Vec::new(),
        account_signature: Some(p.signature.clone()),
        device_list: list,
        fallback_key: None,
    }
}
