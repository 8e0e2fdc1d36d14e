//! The outbox side of [`Messenger`]: flushing due entries in order per conversation and
//! delivering each payload to every device of the peer and of this account.
//!
//! An entry is done ("sent") only when every current device of its recipients holds it. The
//! devices that already do are kept (sealed, device-local) per entry, so a retry goes only to
//! the rest; a device that could not be reached yet (no session and no key) keeps the entry
//! queued, retried with backoff, without holding back the conversation.

use std::collections::{BTreeSet, HashMap, HashSet};

use solace_protocol::messaging as m;

use crate::error::{CoreError, IdentityError, Result, TransportError};
use crate::messaging::identity::AccountIdentity;
use crate::messaging::local::now_ms;
use crate::messaging::model::MessageStatus;
use crate::messaging::olm::{DeviceCrypto, SignedOneTimeKey};
use crate::messaging::outbox::{self, Failure};
use crate::messaging::payload::{Body, Payload};
use crate::messaging::DeviceVault;
use crate::store::Store;
use crate::sync::StoreCell;

use super::{device_keys, me, raise_status, Me, Messenger, OutboxReport};

/// What one outbox flush reuses across its entries: this device's Olm account (encrypting
/// does not change it), this account's identity key, the signed devices claimed per account
/// so far, and what the device checks found (for the report).
pub(super) struct FlushRound {
    account: DeviceCrypto,
    /// This account's identity key (`None` until record sync brings it: no copies to self).
    pub(super) own_key: Option<String>,
    /// Devices per account signed by its pinned identity, with the keys claimed for them not
    /// used yet.
    pub(super) devices: HashMap<String, Vec<m::ClaimedDevice>>,
    /// Accounts where a listed device was not signed by the pinned identity.
    pub(super) refused: BTreeSet<String>,
    /// Accounts where a new signed device appeared.
    pub(super) added: BTreeSet<String>,
    /// Accounts listed from the server in this round (their cached list is not used again).
    pub(super) relisted: HashSet<String>,
}

impl FlushRound {
    /// Whether the devices a send had no envelope for are news: one the latest checked list
    /// did not refuse, or a newer signed list (a refused device signed in since). A device
    /// refused before under the same list is not (a server naming it again changes nothing).
    fn news(&self, cell: &dyn StoreCell, target: &str, answer: &m::SendResponse) -> bool {
        if answer.missing.is_empty() {
            return false;
        }
        let Ok(state) = cell.with(|s| crate::messaging::identity::PeerIdentity::load(s, target))
        else {
            return true;
        };
        answer.list_version.is_some_and(|v| v > state.list_version)
            || answer.missing.iter().any(|id| !state.refused.contains(id))
    }

    /// The claimed keys of `target`'s devices were used: later payloads reuse the sessions.
    fn keys_used(&mut self, target: &str) {
        if let Some(list) = self.devices.get_mut(target) {
            for d in list {
                d.one_time_key = None;
                d.fallback_key = None;
            }
        }
    }
}

/// Where the devices that already hold an outbox entry are kept.
fn delivered_state(client_message_id: &str) -> String {
    format!("outbox/delivered/{client_message_id}")
}

/// The devices that already hold the entry (empty when none, or when the list does not open:
/// the server keeps one copy per device, so sending again is harmless).
fn delivered_to(store: &Store, client_message_id: &str) -> Result<HashSet<String>> {
    Ok(
        match store.device_state(&delivered_state(client_message_id)) {
            Ok(Some(bytes)) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Ok(None) | Err(CoreError::Crypto(_)) => HashSet::new(),
            Err(other) => return Err(other),
        },
    )
}

impl Messenger<'_> {
    /// Sends what is due in the outbox, in order per conversation. A failure backs the entry
    /// off (with jitter) and holds back later entries of the same conversation.
    pub fn flush_outbox(&self, cell: &dyn StoreCell) -> Result<OutboxReport> {
        let (me, account, own_key, entries) = cell.with(|s| {
            Ok((
                me(s)?,
                DeviceVault::account(s)?,
                AccountIdentity::load(s)?.map(|i| i.public_key()),
                s.outbox()?,
            ))
        })?;
        let now = now_ms();
        let mut report = OutboxReport::default();
        let mut held: HashSet<String> = HashSet::new();
        let mut round = FlushRound {
            account,
            own_key,
            devices: HashMap::new(),
            refused: BTreeSet::new(),
            added: BTreeSet::new(),
            relisted: HashSet::new(),
        };
        let mut offline = false;
        for (row, payload) in entries {
            if row.wedged {
                report.wedged += 1;
                held.insert(row.peer_account.clone());
                continue;
            }
            if offline || held.contains(&row.peer_account) || row.next_attempt_at > now {
                report.waiting += 1;
                held.insert(row.peer_account.clone());
                continue;
            }
            match self.deliver(
                cell,
                &me,
                &row.peer_account,
                &row.client_message_id,
                &payload,
                &mut round,
            ) {
                Ok(missing) if missing.is_empty() => {
                    cell.with(|store| {
                        store.atomically(|s| {
                            s.outbox_done(row.seq)?;
                            s.delete_device_state(&delivered_state(&row.client_message_id))?;
                            raise_status(s, &row.client_message_id, MessageStatus::Sent)
                        })
                    })?;
                    report.sent += 1;
                }
                Ok(_missing) => {
                    // Some devices hold it, some could not be reached yet: it stays queued
                    // (never wedged) for those, and later entries of the conversation go on.
                    let (attempts, next, _) = outbox::after_failure(
                        row.attempts,
                        Failure::Transient,
                        now,
                        outbox::random_jitter(),
                    );
                    cell.with(|s| s.outbox_failed(row.seq, attempts, next, false))?;
                    report.waiting += 1;
                    report.incomplete += 1;
                }
                // The identity changed: nothing was sent and nothing counts as a failed
                // attempt; the entry stays queued until the person accepts the change.
                Err(CoreError::Identity(IdentityError::Changed)) => {
                    report.waiting += 1;
                    held.insert(row.peer_account.clone());
                    if !report.identity_changed.contains(&row.peer_account) {
                        report.identity_changed.push(row.peer_account.clone());
                    }
                }
                Err(err) => {
                    let failure = outbox::classify(&err);
                    let (attempts, next, wedged) =
                        outbox::after_failure(row.attempts, failure, now, outbox::random_jitter());
                    // No signed device yet: it backs off but waits (never wedges) until the
                    // recipient has one; the report names the conversation (refused devices).
                    let wedged = wedged
                        && !matches!(err, CoreError::Identity(IdentityError::NoSignedDevice));
                    cell.with(|store| {
                        store.atomically(|s| {
                            s.outbox_failed(row.seq, attempts, next, wedged)?;
                            if wedged {
                                s.set_message_status(
                                    &row.client_message_id,
                                    MessageStatus::Wedged.as_str(),
                                )?;
                                // An earlier part of a file: its message shows the wedge.
                                if let Some(transfer) =
                                    crate::messaging::local::transfer_of(&row.client_message_id)
                                {
                                    s.set_message_status(transfer, MessageStatus::Wedged.as_str())?;
                                }
                            }
                            Ok(())
                        })
                    })?;
                    if wedged {
                        report.wedged += 1;
                    } else {
                        report.waiting += 1;
                    }
                    held.insert(row.peer_account.clone());
                    if matches!(err, CoreError::Transport(TransportError::Unauthorized)) {
                        return Err(err);
                    }
                    offline = failure == Failure::Transient;
                }
            }
        }
        report.refused_devices = round.refused.into_iter().collect();
        report.added_devices = round.added.into_iter().collect();
        Ok(report)
    }

    /// Encrypts one payload for every device of the peer and this account's other devices
    /// that does not hold it yet, and deposits it. Idempotent on the server by client message
    /// id. Returns the current devices that could not be reached yet (no session and no key,
    /// or keys that do not verify): the entry stays queued for them.
    fn deliver(
        &self,
        cell: &dyn StoreCell,
        me: &Me,
        peer: &str,
        client_message_id: &str,
        payload: &[u8],
        round: &mut FlushRound,
    ) -> Result<Vec<String>> {
        let copies_to_self = !matches!(
            Payload::decode(payload)
                .map_err(|_| CoreError::MalformedRecord {
                    kind: "outbox entry"
                })?
                .body,
            Body::Receipt { .. }
                | Body::Share { .. }
                | Body::Unshare { .. }
                | Body::Attachment { .. }
        );
        let mut targets = vec![peer.to_owned()];
        if copies_to_self && peer != me.account_id {
            targets.push(me.account_id.clone());
        }
        let sender_key = round.account.keys().curve25519;
        let mut delivered = cell.with(|s| delivered_to(s, client_message_id))?;
        let mut missing = Vec::new();
        let mut targets: std::collections::VecDeque<String> = targets.into();
        while let Some(target) = targets.pop_front() {
            let list = self.current_devices(cell, me, &target, round)?;
            if list.is_empty() && target == peer && peer != me.account_id {
                if round.refused.contains(&target) {
                    return Err(CoreError::Identity(IdentityError::NoSignedDevice));
                }
                return Err(no_devices());
            }
            let pending: Vec<&m::ClaimedDevice> = list
                .iter()
                .filter(|d| !delivered.contains(&d.device_id))
                .collect();
            if pending.is_empty() {
                continue;
            }
            let account = &round.account;
            let (envelopes, unreached) = cell.with(|store| {
                store.atomically(|s| {
                    let mut envelopes = Vec::new();
                    let mut unreached = Vec::new();
                    for device in &pending {
                        let key = device
                            .one_time_key
                            .as_ref()
                            .or(device.fallback_key.as_ref());
                        let key = key.map(|k| SignedOneTimeKey {
                            key: k.key.clone(),
                            signature: k.signature.clone(),
                        });
                        let sealed = DeviceVault::encrypt_for(
                            s,
                            account,
                            &device_keys(&device.identity),
                            key.as_ref(),
                            payload,
                        );
                        // A device whose keys don't verify is skipped, not fatal for the others.
                        match sealed {
                            Ok(Some(message)) => envelopes.push(m::OutgoingEnvelope {
                                device_id: device.device_id.clone(),
                                kind: message.kind,
                                body: message.body,
                            }),
                            _ => unreached.push(device.device_id.clone()),
                        }
                    }
                    Ok((envelopes, unreached))
                })
            })?;
            round.keys_used(&target);
            if envelopes.is_empty() {
                // Nothing could be sealed for anyone of the peer yet: a refusal, as before.
                if target == peer && peer != me.account_id && delivered.is_empty() {
                    if round.refused.contains(&target) {
                        return Err(CoreError::Identity(IdentityError::NoSignedDevice));
                    }
                    return Err(no_devices());
                }
                missing.extend(unreached);
                continue;
            }
            let answer = self.transport.send(
                &me.token,
                &m::SendRequest {
                    recipient_account: target.clone(),
                    client_message_id: client_message_id.to_owned(),
                    sender_key: sender_key.clone(),
                    envelopes,
                },
            )?;
            // Revoked (or unknown) devices, or current ones the list did not have: a cached
            // list is out of date, so list again now and send to whoever is new.
            let stale = !answer.skipped.is_empty() || round.news(cell, &target, &answer);
            if stale {
                round.devices.remove(&target);
                if round.relisted.insert(target.clone()) {
                    targets.push_back(target.clone());
                }
            }
            delivered.extend(answer.delivered_to);
            let bytes = serde_json::to_vec(&delivered).map_err(|_| CoreError::MalformedRecord {
                kind: "outbox entry",
            })?;
            cell.with(|s| s.put_device_state(&delivered_state(client_message_id), &bytes))?;
            missing.extend(unreached);
        }
        Ok(missing)
    }
}

/// The peer has no device that can take messages yet.
fn no_devices() -> CoreError {
    CoreError::Transport(TransportError::Rejected {
        code: "no_devices".into(),
        message: "the recipient has no device ready for messages yet".into(),
    })
}
