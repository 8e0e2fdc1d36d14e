//! The outbox side of [`Messenger`]: flushing due entries in order per conversation and
//! delivering each payload to every device of the peer and of this account.

use std::collections::{HashMap, HashSet};

use solace_protocol::messaging as m;

use crate::error::{CoreError, Result, TransportError};
use crate::messaging::local::now_ms;
use crate::messaging::model::MessageStatus;
use crate::messaging::olm::{DeviceCrypto, SignedOneTimeKey};
use crate::messaging::outbox::{self, Failure};
use crate::messaging::payload::{Body, Payload};
use crate::messaging::DeviceVault;
use crate::sync::StoreCell;

use super::{device_keys, me, raise_status, Me, Messenger, OutboxReport};

/// What one outbox flush reuses across its entries: this device's Olm account (encrypting
/// does not change it) and the devices claimed per account so far.
struct FlushRound {
    account: DeviceCrypto,
    devices: HashMap<String, Vec<m::ClaimedDevice>>,
}

impl Messenger<'_> {
    /// Sends what is due in the outbox, in order per conversation. A failure backs the entry
    /// off (with jitter) and holds back later entries of the same conversation.
    pub fn flush_outbox(&self, cell: &dyn StoreCell) -> Result<OutboxReport> {
        let (me, account, entries) =
            cell.with(|s| Ok((me(s)?, DeviceVault::account(s)?, s.outbox()?)))?;
        let now = now_ms();
        let mut report = OutboxReport::default();
        let mut held: HashSet<String> = HashSet::new();
        let mut round = FlushRound {
            account,
            devices: HashMap::new(),
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
                Err(err) => {
                    let failure = outbox::classify(&err);
                    let (attempts, next, wedged) =
                        outbox::after_failure(row.attempts, failure, now, outbox::random_jitter());
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
        let FlushRound { account, devices } = round;
        let account = &*account;
        let sender_key = account.keys().curve25519;
        for target in targets {
            if !devices.contains_key(&target) {
                let claimed = self.transport.claim_keys(
                    &me.token,
                    &m::ClaimRequest {
                        account_id: target.clone(),
                        need_keys_for: None,
                    },
                )?;
                devices.insert(target.clone(), claimed.devices);
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
