//! Messaging over the network: directory and links, publishing this device's keys, flushing
//! the outbox in order and taking in the mailbox.
//!
//! Receiving is exactly-once from the user's point of view: each message is decrypted, stored
//! and its session saved in one transaction, then acknowledged; a message already taken in
//! (a duplicate delivery) is acknowledged without being stored again.

use std::collections::{HashMap, HashSet};

use solace_protocol::messaging as m;

use super::local::{self, now_ms};
use super::model::{ConversationMeta, MessageContent, MessageStatus, SharedItem};
use super::olm::{DeviceCrypto, DeviceKeys, SignedOneTimeKey, WireOlmMessage};
use super::outbox::{self, Failure};
use super::payload::{Body, Payload, ReceiptKind};
use super::transport::MailboxTransport;
use super::DeviceVault;
use crate::error::{CoreError, Result};
use crate::store::messages::MessageRow;
use crate::store::Store;
use crate::sync::StoreCell;

/// One-time keys kept on the server; topped up when fewer than half remain.
const ONE_TIME_KEY_TARGET: u32 = 50;
const INBOX_PAGE: u32 = 100;

/// What an outbox flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxReport {
    /// Entries the server accepted.
    pub sent: u32,
    /// Entries still waiting (offline, backing off, or behind one that is).
    pub waiting: u32,
    /// Entries that are wedged (need an explicit retry).
    pub wedged: u32,
}

/// What taking in the mailbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct InboxReport {
    /// Messages decrypted and stored.
    pub received: u32,
    /// Deliveries of messages already taken in (dropped).
    pub duplicates: u32,
    /// Messages that failed authentication or were malformed (dropped).
    pub rejected: u32,
    /// Notification text for new messages in conversations that are not paused (discreet by
    /// default); `None` when there is nothing to notify.
    pub notification: Option<String>,
    /// Conversations (peer account ids) with new visible incoming messages.
    pub arrived: Vec<String>,
}

struct Me {
    account_id: String,
    device_id: String,
    token: String,
}

fn me_in(cell: &dyn StoreCell) -> Result<Me> {
    cell.with(|s| me(s))
}

fn me(store: &Store) -> Result<Me> {
    let (account, token) = store.sync_account()?.ok_or(CoreError::NotRegistered)?;
    Ok(Me {
        account_id: account.account_id,
        device_id: account.device_id,
        token: token.to_string(),
    })
}

fn device_keys(identity: &m::WireIdentity) -> DeviceKeys {
    DeviceKeys {
        curve25519: identity.curve25519.clone(),
        ed25519: identity.ed25519.clone(),
    }
}

/// What one outbox flush reuses across its entries: this device's Olm account (encrypting
/// does not change it) and the devices claimed per account so far.
struct FlushRound {
    account: DeviceCrypto,
    devices: HashMap<String, Vec<m::ClaimedDevice>>,
}

/// Messaging operations that talk to the server.
pub struct Messenger<'a> {
    transport: &'a dyn MailboxTransport,
}

impl<'a> Messenger<'a> {
    /// Messaging over `transport`, with the credentials stored by register/login.
    pub fn new(transport: &'a dyn MailboxTransport) -> Self {
        Self { transport }
    }

    /// Publishes (or updates) this account's therapist profile: the account becomes a
    /// therapist listed in the directory.
    pub fn publish_profile(
        &self,
        cell: &dyn StoreCell,
        profile: &m::TherapistProfile,
    ) -> Result<()> {
        self.transport.put_profile(&me_in(cell)?.token, profile)
    }

    /// Searches the therapist directory.
    pub fn search(
        &self,
        cell: &dyn StoreCell,
        query: &m::DirectoryQuery,
    ) -> Result<Vec<m::DirectoryEntry>> {
        Ok(self
            .transport
            .search_directory(&me_in(cell)?.token, query)?
            .therapists)
    }

    /// Asks a therapist for a link (they must accept before messages can flow).
    pub fn request_link(&self, cell: &dyn StoreCell, therapist_id: &str) -> Result<m::LinkInfo> {
        self.transport.request_link(
            &me_in(cell)?.token,
            &m::LinkRequest {
                therapist_id: therapist_id.to_owned(),
            },
        )
    }

    /// This account's links; active ones get a local conversation.
    pub fn links(&self, cell: &dyn StoreCell) -> Result<Vec<m::LinkInfo>> {
        let me = me_in(cell)?;
        let links = self.transport.links(&me.token)?.links;
        cell.with(|store| {
            store.atomically(|store| {
                for link in links.iter().filter(|l| l.state == m::LinkState::Active) {
                    let (peer, name) = if link.client_id == me.account_id {
                        (&link.therapist_id, &link.therapist_name)
                    } else {
                        (&link.client_id, &link.client_name)
                    };
                    local::ensure_conversation(store, peer, name, &link.link_id)?;
                }
                Ok(())
            })
        })?;
        Ok(links)
    }

    /// The therapist consents to a requested link.
    pub fn accept_link(&self, cell: &dyn StoreCell, link_id: &str) -> Result<m::LinkInfo> {
        let info = self.transport.accept_link(
            &me_in(cell)?.token,
            &m::LinkAction {
                link_id: link_id.to_owned(),
            },
        )?;
        self.links(cell)?;
        Ok(info)
    }

    /// Ends a link (either side); the server then refuses keys and messages between the two.
    pub fn end_link(&self, cell: &dyn StoreCell, link_id: &str) -> Result<m::LinkInfo> {
        self.transport.end_link(
            &me_in(cell)?.token,
            &m::LinkAction {
                link_id: link_id.to_owned(),
            },
        )
    }

    /// Publishes this device's identity and tops its one-time keys up to the target.
    /// Returns how many unclaimed one-time keys the server holds now.
    pub fn publish_device_keys(&self, cell: &dyn StoreCell) -> Result<u32> {
        let (me, mut account) = cell.with(|s| Ok((me(s)?, DeviceVault::account(s)?)))?;
        let identity = account.keys();
        let wire_identity = m::WireIdentity {
            curve25519: identity.curve25519,
            ed25519: identity.ed25519,
        };
        let count = self.transport.publish_keys(
            &me.token,
            &m::DeviceKeysUpload {
                identity: wire_identity.clone(),
                one_time_keys: Vec::new(),
            },
        )?;
        if count.one_time_keys >= ONE_TIME_KEY_TARGET / 2 {
            return Ok(count.one_time_keys);
        }
        let fresh =
            account.publish_one_time_keys((ONE_TIME_KEY_TARGET - count.one_time_keys) as usize);
        // Saved before upload: keys the server has must be keys this device can still open.
        cell.with(|s| DeviceVault::save_account(s, &account))?;
        let upload = m::DeviceKeysUpload {
            identity: wire_identity,
            one_time_keys: fresh
                .into_iter()
                .map(|k| m::WireOneTimeKey {
                    key: k.key,
                    signature: k.signature,
                })
                .collect(),
        };
        Ok(self
            .transport
            .publish_keys(&me.token, &upload)?
            .one_time_keys)
    }

    /// Requests a short live session in one of the therapist's availability slots.
    pub fn request_call(
        &self,
        cell: &dyn StoreCell,
        therapist_id: &str,
        start: &str,
        minutes: u32,
    ) -> Result<super::Message> {
        if !(5..=15).contains(&minutes) {
            return Err(CoreError::InvalidInput(
                "a live session is 5-15 minutes".into(),
            ));
        }
        let begin = chrono::DateTime::parse_from_rfc3339(start)
            .map_err(|_| CoreError::InvalidInput("start must be an RFC 3339 time".into()))?;
        let end = begin + chrono::Duration::minutes(i64::from(minutes));
        let therapists = self.search(cell, &m::DirectoryQuery::default())?;
        let profile = therapists
            .iter()
            .find(|t| t.therapist_id == therapist_id)
            .ok_or(CoreError::NotFound("therapist"))?;
        let fits = profile.profile.slots.iter().any(|slot| {
            chrono::DateTime::parse_from_rfc3339(&slot.start).is_ok_and(|s| {
                s <= begin && end <= s + chrono::Duration::minutes(i64::from(slot.minutes))
            })
        });
        if !fits {
            return Err(CoreError::InvalidInput(
                "that time is outside the therapist's availability".into(),
            ));
        }
        cell.with(|s| local::queue_call_request(s, therapist_id, &begin.to_rfc3339(), minutes))
    }

    /// One messaging round: links, keys, share updates, then the mailbox, then the outbox.
    pub fn sync(&self, cell: &dyn StoreCell) -> Result<(InboxReport, OutboxReport)> {
        crate::sync::session::refresh_if_due_shared(
            cell,
            |t| self.transport.refresh_session(t),
            crate::sync::session::unix_now(),
        )?;
        self.links(cell)?;
        self.publish_device_keys(cell)?;
        cell.with(local::refresh_shares)?;
        let inbox = self.receive(cell)?;
        let outbox = self.flush_outbox(cell)?;
        Ok((inbox, outbox))
    }

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
                    if matches!(err, CoreError::Unauthorized) {
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
            Payload::decode(payload)?.body,
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
                    return Err(CoreError::ServerRejected {
                        code: "no_devices".into(),
                        message: "the recipient has no device ready for messages yet".into(),
                    });
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

    /// Takes in every waiting message: decrypt, store and save the session in one transaction,
    /// then acknowledge. Tampered, replayed or malformed messages are dropped and counted.
    pub fn receive(&self, cell: &dyn StoreCell) -> Result<InboxReport> {
        let (me, mut account) = cell.with(|s| Ok((me(s)?, DeviceVault::account(s)?)))?;
        let mut report = InboxReport::default();
        let mut notify: HashMap<String, u32> = HashMap::new();
        loop {
            let inbox = self
                .transport
                .inbox(&me.token, &m::InboxRequest { limit: INBOX_PAGE })?;
            let mut acks = Vec::new();
            for message in &inbox.messages {
                if cell.with(|s| s.inbound_seen(&message.sender_key, &message.client_message_id))? {
                    report.duplicates += 1;
                    acks.push(message.id);
                    continue;
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
                    // Counted, never logged: even their metadata is personal.
                    Err(CoreError::Envelope(_) | CoreError::InvalidInput(_)) => {
                        report.rejected += 1;
                    }
                    Err(other) => {
                        // Storage failed: leave the message on the server for the next try.
                        self.ack(&me, &acks)?;
                        return Err(other);
                    }
                }
                acks.push(message.id);
            }
            self.ack(&me, &acks)?;
            if !inbox.more || inbox.messages.is_empty() {
                break;
            }
        }
        report.notification = cell.with(|s| notification(s, &notify))?;
        report.arrived = notify.into_keys().collect();
        report.arrived.sort();
        Ok(report)
    }

    fn ack(&self, me: &Me, ids: &[u64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.transport
            .ack(&me.token, &m::AckRequest { ids: ids.to_vec() })
    }
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

/// Moves an outgoing message's status forward (never backwards: a late "delivered" after
/// "read" is ignored).
fn raise_status(store: &mut Store, id: &str, to: MessageStatus) -> Result<()> {
    if let Some((row, _)) = store.message(id)? {
        let current = MessageStatus::parse(&row.status)?;
        if row.outgoing && (current.rank() < to.rank() || current == MessageStatus::Wedged) {
            store.set_message_status(id, to.as_str())?;
        }
    }
    Ok(())
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
    let payload = Payload::decode(&plain)?;
    let misrouted = || CoreError::InvalidInput("message routing does not match its content".into());
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
        } => {
            let content = MessageContent::Call {
                request_id: request_id.clone(),
                start: start.clone(),
                minutes: *minutes,
                state: super::CallState::Requested,
            };
            visible = local::store_message(store, &row(request_id), &content)?;
        }
        Body::CallAnswer {
            request_id,
            accepted,
            room,
        } => {
            local::apply_call_answer(store, request_id, *accepted, room.clone())?;
            visible = !own_copy;
        }
        Body::Receipt { ids, status } => {
            if !own_copy {
                let to = match status {
                    ReceiptKind::Delivered => MessageStatus::Delivered,
                    ReceiptKind::Read => MessageStatus::Read,
                };
                for id in ids {
                    raise_status(store, id, to)?;
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
                local::store_shared(
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
                visible = true;
            }
        }
        Body::Unshare { share_id } => {
            if !own_copy {
                local::drop_shared(store, &peer, share_id)?;
            }
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
                ids: vec![payload.id.clone()],
                status: ReceiptKind::Delivered,
            },
        )?;
    }
    Ok((visible && !own_copy).then_some(peer))
}
