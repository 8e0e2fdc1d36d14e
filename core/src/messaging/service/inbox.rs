//! The inbox side of [`Messenger`]: taking in the mailbox exactly once, acknowledging only
//! what was stored or was the peer's fault, and the notification text for what arrived.

use std::collections::{HashMap, HashSet};

use solace_protocol::messaging as m;

use crate::error::{CoreError, IdentityError, PeerMessageError, Result};
use crate::messaging::identity::{self, pins, AccountIdentity, PeerIdentity};
use crate::messaging::local;
use crate::messaging::model::{ConversationMeta, MessageContent, MessageStatus, SharedItem};
use crate::messaging::olm::{DeviceCrypto, WireOlmMessage};
use crate::messaging::payload::{Body, Payload, ReceiptKind};
use crate::messaging::DeviceVault;
use crate::store::messages::MessageRow;
use crate::store::Store;
use crate::sync::StoreCell;

use super::{me, raise_status, InboxReport, Me, Messenger, INBOX_PAGE};

/// How far ahead of this device's clock an incoming send time may be (5 minutes); later times
/// are clamped, so a peer cannot pin its messages (or a share) to the top of a conversation.
pub(crate) const MAX_CLOCK_AHEAD_MS: i64 = 5 * 60 * 1000;

/// Applies a receipt only to an outgoing message of the conversation with `peer` (a peer
/// cannot mark messages of another conversation delivered or read).
fn apply_receipt(store: &mut Store, peer: &str, id: &str, to: MessageStatus) -> Result<()> {
    match store.message(id)? {
        Some((row, _)) if row.peer_account == peer && row.outgoing => raise_status(store, id, to),
        _ => Ok(()),
    }
}

impl Messenger<'_> {
    /// Takes in every waiting message: decrypt, store and save the session in one transaction,
    /// then acknowledge. A message that is the peer's fault (tampered, replayed, malformed,
    /// misrouted) is dropped, acknowledged and counted as rejected. A message this device
    /// cannot take in because of local damage (its sealed Olm state does not open) is NOT
    /// acknowledged: it stays on the server, is counted as held, and arrives once the state
    /// is repaired. A storage failure (disk full, busy, I/O) stops the round with that error,
    /// after acknowledging only what was safely stored.
    pub fn receive(&self, cell: &dyn StoreCell) -> Result<InboxReport> {
        let (me, mut account, own_key) = cell.with(|s| {
            Ok((
                me(s)?,
                DeviceVault::account(s)?,
                AccountIdentity::load(s)?.map(|i| i.public_key()),
            ))
        })?;
        let mut report = InboxReport::default();
        let mut notify: HashMap<String, u32> = HashMap::new();
        let mut held: HashSet<u64> = HashSet::new();
        let mut refreshed: HashSet<String> = HashSet::new();
        loop {
            let mut inbox = self
                .transport
                .inbox(&me.token, &m::InboxRequest { limit: INBOX_PAGE })?;
            // Oldest first, whatever order the page came in: a ratchet keeps only a few dozen
            // skipped message keys, so a page taken in newest first would leave the oldest
            // messages of a long session undecryptable.
            crate::sort::sort_by_key(&mut inbox.messages, |message| message.id);
            let mut acks = Vec::new();
            let notices: Vec<u64> = inbox.expired.iter().map(|e| e.id).collect();
            if !notices.is_empty() {
                let expired =
                    cell.with(|st| st.atomically(|s| super::expiry::take_in(s, &inbox.expired)))?;
                report.expired_inbound += expired.inbound;
                report.expired_outbound += expired.outbound;
            }
            for message in &inbox.messages {
                if cell.with(|s| s.inbound_seen(&message.sender_key, &message.client_message_id))? {
                    report.duplicates += 1;
                    acks.push(message.id);
                    continue;
                }
                match self.sender_trust(cell, &me, own_key.as_deref(), &mut refreshed, message)? {
                    Trust::Signed => {}
                    // Not a signed device of the sender's account: the peer's (or the
                    // server's) fault, dropped like any other message that does not verify.
                    Trust::Unsigned => {
                        report.rejected += 1;
                        acks.push(message.id);
                        continue;
                    }
                    Trust::IdentityChanged => {
                        if held.insert(message.id) {
                            report.identity_held += 1;
                        }
                        continue;
                    }
                }
                let outcome =
                    cell.with(|st| st.atomically(|s| take_in(s, &me, &mut account, message)));
                if outcome.is_err() {
                    // Rolled back: forget what the in-memory account did (a consumed one-time key).
                    account = cell.with(DeviceVault::account)?;
                }
                match outcome {
                    Ok(Some(peer)) => {
                        report.received += 1;
                        *notify.entry(peer).or_default() += 1;
                    }
                    Ok(None) => report.received += 1,
                    // The peer's fault: counted, never logged (even metadata is personal).
                    Err(err) if err.is_peer_fault() => report.rejected += 1,
                    // Local damage to this device's messaging state: keep it on the server.
                    Err(CoreError::Crypto(_)) => {
                        if held.insert(message.id) {
                            report.held += 1;
                        }
                        continue;
                    }
                    Err(other) => {
                        // Storage failed: leave the message on the server for the next try.
                        self.ack(&me, &acks, &notices)?;
                        return Err(other);
                    }
                }
                acks.push(message.id);
            }
            self.ack(&me, &acks, &notices)?;
            // A page of held messages only would come back unchanged: stop there.
            if !inbox.more || acks.is_empty() {
                break;
            }
        }
        report.notification = cell.with(|s| notification(s, &notify))?;
        report.arrived = notify.into_keys().collect();
        crate::sort::sort(&mut report.arrived);
        Ok(report)
    }

    /// Whether `message` comes from a signed device of its sender account: the pinned peer
    /// identity, or this account's own identity for copies from its other devices. An unknown
    /// sender key makes this device fetch the account's current list once per round.
    fn sender_trust(
        &self,
        cell: &dyn StoreCell,
        me: &Me,
        own_key: Option<&str>,
        refreshed: &mut HashSet<String>,
        message: &m::InboxMessage,
    ) -> Result<Trust> {
        let account = &message.sender_account;
        let own = *account == me.account_id;
        if own && own_key.is_none() {
            return Ok(Trust::IdentityChanged);
        }
        let state = cell.with(|s| PeerIdentity::load(s, account))?;
        if !own && state.pending.is_some() {
            return Ok(Trust::IdentityChanged);
        }
        if state.knows_device(&message.sender_key) {
            return Ok(Trust::Signed);
        }
        if !refreshed.insert(account.clone()) {
            return Ok(Trust::Unsigned);
        }
        let claimed = self.transport.claim_keys(
            &me.token,
            &m::ClaimRequest {
                account_id: account.clone(),
                need_keys_for: Some(Vec::new()),
            },
        )?;
        let checked = cell.with(|store| {
            store.atomically(|s| {
                let mut state = PeerIdentity::load(s, account)?;
                let checked = pins::check_devices(
                    &mut state,
                    account,
                    own.then_some(own_key).flatten(),
                    claimed.devices.clone(),
                    claimed.device_list.as_ref(),
                );
                state.save(s, account)?;
                if matches!(&checked, Ok(c) if !own && !c.added.is_empty()) {
                    identity::status::note_added_device(s, account)?;
                }
                Ok(checked.map(|_| state))
            })
        })?;
        match checked {
            Ok(state) if state.knows_device(&message.sender_key) => Ok(Trust::Signed),
            Ok(_) => Ok(Trust::Unsigned),
            Err(CoreError::Identity(IdentityError::Changed)) => Ok(Trust::IdentityChanged),
            Err(other) => Err(other),
        }
    }

    fn ack(&self, me: &Me, ids: &[u64], expired: &[u64]) -> Result<()> {
        if ids.is_empty() && expired.is_empty() {
            return Ok(());
        }
        self.transport.ack(
            &me.token,
            &m::AckRequest {
                ids: ids.to_vec(),
                expired: expired.to_vec(),
            },
        )
    }
}

/// What [`Messenger::sender_trust`] found.
enum Trust {
    /// A signed device of the sender's pinned identity.
    Signed,
    /// Not signed by it: drop.
    Unsigned,
    /// The sender's identity changed (or this account has none yet): keep it on the server.
    IdentityChanged,
}

fn notification(store: &Store, counts: &HashMap<String, u32>) -> Result<Option<String>> {
    let discreet = local::discreet_notifications(store)?;
    let mut total = 0;
    let mut name = String::new();
    for (peer, count) in counts {
        let meta = match store.conversation(peer)? {
            Some(bytes) => ConversationMeta::decode(&bytes)?,
            None => ConversationMeta::default(),
        };
        if meta.paused {
            continue;
        }
        total += count;
        name = meta.peer_name;
    }
    Ok((total > 0).then(|| local::notification_text(discreet, &name, total)))
}

/// Decrypts and applies one inbound message inside the caller's transaction. Returns the
/// peer to notify about when it is a new visible incoming message.
fn take_in(
    store: &mut Store,
    me: &Me,
    account: &mut DeviceCrypto,
    message: &m::InboxMessage,
) -> Result<Option<String>> {
    let wire = WireOlmMessage {
        kind: message.kind,
        body: message.body.clone(),
    };
    let plain = DeviceVault::decrypt_from(store, account, &message.sender_key, &wire)?;
    let mut payload = Payload::decode(&plain)?;
    payload.sent_at = payload
        .sent_at
        .min(local::now_ms().saturating_add(MAX_CLOCK_AHEAD_MS));
    let misrouted = || CoreError::PeerMessage(PeerMessageError::Misrouted);
    if payload.from != message.sender_account || payload.id != message.client_message_id {
        return Err(misrouted());
    }
    let own_copy = payload.from == me.account_id;
    if !own_copy && payload.to != me.account_id {
        return Err(misrouted());
    }
    let peer = if own_copy {
        payload.to.clone()
    } else {
        payload.from.clone()
    };
    if store.conversation(&peer)?.is_none() {
        local::ensure_conversation(store, &peer, "", "")?;
    }
    store.mark_inbound_seen(&message.sender_key, &message.client_message_id)?;
    let incoming_status = if own_copy {
        MessageStatus::Sent
    } else {
        MessageStatus::Unread
    };
    let row = |id: &str| MessageRow {
        id: id.to_owned(),
        peer_account: peer.clone(),
        at: payload.sent_at,
        outgoing: own_copy,
        status: incoming_status.as_str().into(),
    };
    let mut visible = false;
    // What a delivered receipt names: the message, or for a file the whole transfer.
    let mut receipt_id = payload.id.clone();
    match &payload.body {
        Body::Text { text } => {
            visible = local::store_message(
                store,
                &row(&payload.id),
                &MessageContent::Text { text: text.clone() },
            )?;
        }
        Body::CallRequest {
            request_id,
            start,
            minutes,
            format,
        } => {
            let content = MessageContent::Call {
                request_id: request_id.clone(),
                start: start.clone(),
                minutes: *minutes,
                format: *format,
                state: crate::messaging::CallState::Requested,
            };
            visible = local::store_message(store, &row(request_id), &content)?;
        }
        Body::CallAnswer {
            request_id,
            accepted,
            room,
        } => {
            // From the peer: an answer to a request this account sent; from this account's
            // other device: its answer to the peer's request. Nothing else is touched.
            let request = local::CallSide {
                peer: &peer,
                outgoing: !own_copy,
            };
            visible =
                local::apply_call_answer(store, request, request_id, *accepted, room.clone())?
                    && !own_copy;
        }
        Body::Receipt { ids, status } => {
            if !own_copy {
                let to = match status {
                    ReceiptKind::Delivered => MessageStatus::Delivered,
                    ReceiptKind::Read => MessageStatus::Read,
                };
                for id in ids {
                    apply_receipt(store, &peer, id, to)?;
                }
            }
        }
        Body::Share {
            share_id,
            item_kind,
            title,
            content,
        } => {
            if !own_copy {
                visible = local::store_shared(
                    store,
                    &SharedItem {
                        share_id: share_id.clone(),
                        from_account: peer.clone(),
                        item_kind: item_kind.clone(),
                        title: title.clone(),
                        content: content.clone(),
                        updated_at: payload.sent_at,
                    },
                )?;
            }
        }
        Body::Unshare { share_id } => {
            if !own_copy {
                local::drop_shared(store, &peer, share_id)?;
            }
        }
        Body::RiskAlert {
            instrument,
            total,
            severity,
            item9,
            completed_at,
        } => {
            let content = MessageContent::RiskAlert {
                instrument: *instrument,
                total: *total,
                severity: *severity,
                item9: *item9,
                completed_at: completed_at.clone(),
            };
            visible = local::store_message(store, &row(&payload.id), &content)?;
        }
        Body::Attachment {
            transfer_id,
            index,
            count,
            name,
            media_type,
            size,
            sha256,
            data,
        } => {
            // Files are not copied to the sender's own devices; a copy that arrives anyway
            // is ignored.
            if !own_copy {
                let part = local::Part {
                    transfer_id,
                    index: *index,
                    count: *count,
                    name,
                    media_type,
                    size: *size,
                    sha256,
                    data: data.as_bytes(),
                };
                visible = local::receive_part(store, &peer, payload.sent_at, &part)?;
                receipt_id = transfer_id.clone();
            }
        }
        Body::IntakeRequest { request_id, note } => {
            let content = MessageContent::IntakeRequest {
                request_id: request_id.clone(),
                note: note.clone(),
            };
            visible = local::store_message(store, &row(request_id), &content)?;
        }
        Body::Referral { referral_id, card } => {
            let content = MessageContent::Referral {
                referral_id: referral_id.clone(),
                card: card.clone(),
                acknowledged: false,
            };
            visible = local::store_message(store, &row(referral_id), &content)?;
        }
        Body::GoalProposal {
            proposal_id,
            text,
            target,
            review_date,
        } => {
            let content = MessageContent::GoalProposal {
                proposal_id: proposal_id.clone(),
                text: text.clone(),
                target: target.clone(),
                review_date: review_date.clone(),
            };
            visible = local::store_message(store, &row(proposal_id), &content)?;
        }
        Body::ReferralAck { referral_id } => {
            // From the peer: their acknowledgement of a referral this account sent; from this
            // account's other device: its acknowledgement of the peer's referral.
            let referral = local::CallSide {
                peer: &peer,
                outgoing: !own_copy,
            };
            visible =
                crate::messaging::referral::apply_ack(store, referral, referral_id)? && !own_copy;
        }
        Body::Pause { paused } => {
            let mut meta = local::conversation_meta(store, &peer)?;
            if own_copy {
                meta.paused = *paused;
            } else {
                meta.peer_paused = *paused;
            }
            store.put_conversation(&peer, &meta.encode()?)?;
        }
    }
    if visible && !own_copy && payload.body.is_visible() {
        // Tell the sender it arrived (one receipt per message, queued in this transaction).
        local::queue(
            store,
            &peer,
            &local::new_message_id()?,
            Body::Receipt {
                ids: vec![receipt_id],
                status: ReceiptKind::Delivered,
            },
        )?;
    }
    Ok((visible && !own_copy).then_some(peer))
}

#[cfg(test)]
#[path = "inbox_tests.rs"]
mod tests;
