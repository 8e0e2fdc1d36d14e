//! The outbox side of [`Messenger`]: flushing due entries in order per conversation and
//! delivering each payload to every device of the peer and of this account.

use std::collections::{BTreeSet, HashMap, HashSet};

use solace_protocol::messaging as m;

use crate::error::{CoreError, IdentityError, Result, TransportError};
use crate::messaging::identity::{self, pins, AccountIdentity, PeerIdentity};
use crate::messaging::local::now_ms;
use crate::messaging::model::MessageStatus;
use crate::messaging::olm::{DeviceCrypto, SignedOneTimeKey};
use crate::messaging::outbox::{self, Failure};
use crate::messaging::payload::{Body, Payload};
use crate::messaging::DeviceVault;
use crate::sync::StoreCell;

use super::{device_keys, me, raise_status, Me, Messenger, OutboxReport};

/// What one outbox flush reuses across its entries: this device's Olm account (encrypting
/// does not change it), this account's identity key, the signed devices claimed per account
/// so far, and what the device checks found (for the report).
struct FlushRound {
    account: DeviceCrypto,
    own_key: Option<String>,
    devices: HashMap<String, Vec<m::ClaimedDevice>>,
    refused: BTreeSet<String>,
    added: BTreeSet<String>,
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
                Ok(()) => {
                    cell.with(|store| {
                        store.atomically(|s| {
                            s.outbox_done(row.seq)?;
                            raise_status(s, &row.client_message_id, MessageStatus::Sent)
                        })
                    })?;
                    report.sent += 1;
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

    /// Encrypts one payload for every device of the peer and this account's other devices,
    /// and deposits it. Idempotent on the server by client message id.
    fn deliver(
        &self,
        cell: &dyn StoreCell,
        me: &Me,
        peer: &str,
        client_message_id: &str,
        payload: &[u8],
        round: &mut FlushRound,
    ) -> Result<()> {
        let copies_to_self = !matches!(
            Payload::decode(payload)
                .map_err(|_| CoreError::MalformedRecord {
                    kind: "outbox entry"
                })?
                .body,
            Body::Receipt { .. } | Body::Share { .. } | Body::Unshare { .. }
        );
        let mut targets = vec![peer.to_owned()];
        if copies_to_self && peer != me.account_id {
            targets.push(me.account_id.clone());
        }
        let FlushRound {
            account,
            own_key,
            devices,
            refused,
            added,
        } = round;
        let account = &*account;
        let sender_key = account.keys().curve25519;
        for target in targets {
            let own = target == me.account_id;
            if !devices.contains_key(&target) {
                // Our own devices count only under our own identity: none yet, no copies.
                let own_key = match (own, own_key.as_deref()) {
                    (true, None) => continue,
                    (true, Some(key)) => Some(key),
                    (false, _) => None,
                };
                if !own
                    && cell
                        .with(|s| PeerIdentity::load(s, &target))?
                        .pending
                        .is_some()
                {
                    return Err(CoreError::Identity(IdentityError::Changed));
                }
                let claimed = self.transport.claim_keys(
                    &me.token,
                    &m::ClaimRequest {
                        account_id: target.clone(),
                    },
                )?;
                let checked = cell.with(|store| {
                    store.atomically(|s| {
                        let mut state = PeerIdentity::load(s, &target)?;
                        let checked = pins::check_devices(
                            &mut state,
                            &target,
                            own_key,
                            claimed.devices.clone(),
                            claimed.device_list.as_ref(),
                        );
                        // Saved whatever the outcome: a pending change must stick.
                        state.save(s, &target)?;
                        if matches!(&checked, Ok(c) if !own && !c.added.is_empty()) {
                            identity::status::note_added_device(s, &target)?;
                        }
                        Ok(checked)
                    })
                })??;
                if checked.refused > 0 {
                    refused.insert(target.clone());
                }
                if !checked.added.is_empty() && !own {
                    added.insert(target.clone());
                }
                devices.insert(target.clone(), checked.accepted);
            }
            let list = devices
                .get_mut(&target)
                .map(std::mem::take)
                .unwrap_or_default();
            let envelopes = cell.with(|store| {
                store.atomically(|s| {
                    let mut envelopes = Vec::new();
                    for device in &list {
                        if device.device_id == me.device_id {
                            continue;
                        }
                        let otk = device.one_time_key.as_ref().map(|k| SignedOneTimeKey {
                            key: k.key.clone(),
                            signature: k.signature.clone(),
                        });
                        let sealed = DeviceVault::encrypt_for(
                            s,
                            account,
                            &device_keys(&device.identity),
                            otk.as_ref(),
                            payload,
                        );
                        // A device whose keys don't verify is skipped, not fatal for the others.
                        if let Ok(Some(message)) = sealed {
                            envelopes.push(m::OutgoingEnvelope {
                                device_id: device.device_id.clone(),
                                kind: message.kind,
                                body: message.body,
                            });
                        }
                    }
                    Ok(envelopes)
                })
            })?;
            // The one-time keys were used; later payloads in this round reuse the sessions.
            let reusable = list
                .into_iter()
                .map(|mut d| {
                    d.one_time_key = None;
                    d
                })
                .collect();
            devices.insert(target.clone(), reusable);
            if envelopes.is_empty() {
                if target == peer && peer != me.account_id && refused.contains(&target) {
                    return Err(CoreError::Identity(IdentityError::NoSignedDevice));
                }
                if target == peer && peer != me.account_id {
                    return Err(CoreError::Transport(TransportError::Rejected {
                        code: "no_devices".into(),
                        message: "the recipient has no device ready for messages yet".into(),
                    }));
                }
                continue;
            }
            self.transport.send(
                &me.token,
                &m::SendRequest {
                    recipient_account: target,
                    client_message_id: client_message_id.to_owned(),
                    sender_key: sender_key.clone(),
                    envelopes,
                },
            )?;
        }
        Ok(())
    }
}
