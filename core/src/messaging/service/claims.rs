//! Which devices a message goes to, and keys only where they are needed: a peer account's
//! devices are listed without taking keys, this device's sessions are checked, and one-time
//! keys (or, once those run out, the device's signed fallback key) are claimed only for the
//! devices without a session. Devices that left the list (revoked) lose their sessions here.

use solace_protocol::messaging as m;

use crate::error::{CoreError, IdentityError, Result};
use crate::messaging::identity::pins::CheckedDevices;
use crate::messaging::identity::{self, pins, AccountIdentity, PeerIdentity};
use crate::messaging::DeviceVault;
use crate::sync::StoreCell;

use super::outbox::FlushRound;
use super::{Me, Messenger};

impl Messenger<'_> {
    /// The current devices of `target` (this device left out), each device without a session
    /// carrying a claimed key when the server had one. Cached for the flush round; the keys
    /// are handed out once ([`FlushRound::keys_used`]).
    pub(super) fn current_devices(
        &self,
        cell: &dyn StoreCell,
        me: &Me,
        target: &str,
        round: &mut FlushRound,
    ) -> Result<Vec<m::ClaimedDevice>> {
        if let Some(list) = round.devices.get(target) {
            return Ok(list.clone());
        }
        let own = target == me.account_id;
        // Our own devices count only under our own identity: none yet, no copies.
        let own_key = match (own, round.own_key.clone()) {
            (true, None) => return Ok(Vec::new()),
            (true, Some(key)) => Some(key),
            (false, _) => None,
        };
        let state = cell.with(|s| PeerIdentity::load(s, target))?;
        if !own && state.pending.is_some() {
            return Err(CoreError::Identity(IdentityError::Changed));
        }
        // The list checked last time (kept current by every sync round, and by a send the
        // server answers with devices it had no envelope for) serves while every device on it
        // has a session: no listing, no claim.
        if !round.relisted.contains(target) {
            if let Some(list) = state.cached_devices(&me.device_id) {
                if !self.needs_keys(cell, &list)? {
                    if !state.refused.is_empty() {
                        round.refused.insert(target.to_owned());
                    }
                    round.devices.insert(target.to_owned(), list.clone());
                    return Ok(list);
                }
            }
        }
        round.relisted.insert(target.to_owned());
        let checked = self.check_listed(cell, me, target, own_key.as_deref())??;
        if checked.refused > 0 {
            round.refused.insert(target.to_owned());
        }
        if !checked.added.is_empty() && !own {
            round.added.insert(target.to_owned());
        }
        let mut list = checked.accepted;
        // A server that ignores `need_keys_for` (older) already took a key from every device.
        let keys_given = list
            .iter()
            .any(|d| d.one_time_key.is_some() || d.fallback_key.is_some());
        let need = self.devices_without_session(cell, &list)?;
        if !need.is_empty() && !keys_given {
            let claimed = self
                .transport
                .claim_keys(
                    &me.token,
                    &m::ClaimRequest {
                        account_id: target.to_owned(),
                        need_keys_for: Some(need),
                    },
                )?
                .devices;
            for device in &mut list {
                if let Some(c) = claimed.iter().find(|c| c.device_id == device.device_id) {
                    device.one_time_key = c.one_time_key.clone();
                    device.fallback_key = c.fallback_key.clone();
                }
            }
        }
        round.devices.insert(target.to_owned(), list.clone());
        Ok(list)
    }

    /// The devices of `list` this device has no Olm session with yet.
    fn devices_without_session(
        &self,
        cell: &dyn StoreCell,
        list: &[m::ClaimedDevice],
    ) -> Result<Vec<String>> {
        cell.with(|s| {
            Ok(list
                .iter()
                .filter(|d| {
                    matches!(DeviceVault::ratchets(s, &d.identity.curve25519), Ok(r) if r.is_empty())
                })
                .map(|d| d.device_id.clone())
                .collect())
        })
    }

    fn needs_keys(&self, cell: &dyn StoreCell, list: &[m::ClaimedDevice]) -> Result<bool> {
        Ok(!self.devices_without_session(cell, list)?.is_empty())
    }

    /// Lists `target`'s devices and checks them against the pinned identity (or, for this
    /// account, `own_key`), saving what was found (a pending change sticks) and noting a
    /// new device of a peer in the conversation. The outer error is the network or the store;
    /// the inner one the check.
    fn check_listed(
        &self,
        cell: &dyn StoreCell,
        me: &Me,
        target: &str,
        own_key: Option<&str>,
    ) -> Result<Result<CheckedDevices>> {
        let own = target == me.account_id;
        let (listed, device_list) = self.list_devices_with_list(cell, me, target)?;
        // Only devices signed by the pinned identity (and named in its newest device list).
        cell.with(|store| {
            store.atomically(|s| {
                let mut state = PeerIdentity::load(s, target)?;
                let checked =
                    pins::check_devices(&mut state, target, own_key, listed, device_list.as_ref());
                // Saved whatever the outcome: a pending change must stick.
                state.save(s, target)?;
                if matches!(&checked, Ok(c) if !own && !c.added.is_empty()) {
                    identity::status::note_added_device(s, target)?;
                }
                Ok(checked)
            })
        })
    }

    /// Lists `target`'s devices without taking keys (this device left out) and drops the
    /// local sessions with its devices that are no longer listed (revoked).
    pub(super) fn list_devices(
        &self,
        cell: &dyn StoreCell,
        me: &Me,
        target: &str,
    ) -> Result<Vec<m::ClaimedDevice>> {
        Ok(self.list_devices_with_list(cell, me, target)?.0)
    }

    /// [`Self::list_devices`], with the account's signed device list as the server gave it.
    fn list_devices_with_list(
        &self,
        cell: &dyn StoreCell,
        me: &Me,
        target: &str,
    ) -> Result<(Vec<m::ClaimedDevice>, Option<m::WireDeviceList>)> {
        let answer = self.transport.claim_keys(
            &me.token,
            &m::ClaimRequest {
                account_id: target.to_owned(),
                need_keys_for: Some(Vec::new()),
            },
        )?;
        let list: Vec<m::ClaimedDevice> = answer
            .devices
            .into_iter()
            .filter(|d| d.device_id != me.device_id)
            .collect();
        let current: Vec<String> = list.iter().map(|d| d.identity.curve25519.clone()).collect();
        cell.with(|store| {
            store.atomically(|s| DeviceVault::track_peer_devices(s, target, &current))
        })?;
        Ok((list, answer.device_list))
    }

    /// Lists and checks the devices of every peer and of this account (run at every
    /// messaging sync): sessions with devices revoked since the last look go, new devices are
    /// noted, and the checked lists are what the next sends go to. Returns the accounts with
    /// a new device and those with a refused one.
    pub(super) fn forget_revoked_devices(
        &self,
        cell: &dyn StoreCell,
        me: &Me,
        peers: &[String],
    ) -> Result<(Vec<String>, Vec<String>)> {
        let own_key = cell.with(|s| Ok(AccountIdentity::load(s)?.map(|i| i.public_key())))?;
        let (mut added, mut refused) = (Vec::new(), Vec::new());
        let mut note = |account: &str, checked: Result<CheckedDevices>| {
            // A changed identity is recorded (pending) and reported when sending.
            if let Ok(c) = checked {
                if !c.added.is_empty() && account != me.account_id {
                    added.push(account.to_owned());
                }
                if c.refused > 0 {
                    refused.push(account.to_owned());
                }
            }
        };
        for peer in peers {
            note(peer, self.check_listed(cell, me, peer, None)?);
        }
        match own_key {
            Some(key) => note(
                &me.account_id,
                self.check_listed(cell, me, &me.account_id, Some(&key))?,
            ),
            None => {
                self.list_devices(cell, me, &me.account_id)?;
            }
        }
        Ok((added, refused))
    }
}
