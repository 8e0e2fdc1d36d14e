//! Messaging operations that touch only this device: listing, composing (into the outbox),
//! reading, pausing, drafts, shares and live-session answers. Nothing here waits for the
//! network; [`super::service::Messenger`] sends what was queued.

use super::model::{
    CallState, Conversation, ConversationMeta, Message, MessageContent, MessageStatus,
};
use super::payload::{Body, Payload, ReceiptKind, MAX_TEXT_CHARS, PAYLOAD_VERSION};
use crate::error::{CoreError, InputProblem, Result};
use crate::store::messages::MessageRow;
use crate::store::Store;
use solace_protocol::messaging::SessionFormat;

mod attachments;
mod shares;
mod summary;

pub use attachments::{attachment_file, send_attachment};
pub(crate) use attachments::{receive_part, transfer_of, Part};

pub(crate) use shares::drop_shared;
pub use shares::store_shared;
pub use shares::{
    outgoing_shares, refresh_shares, refresh_shares_on, share, shared_with_me, unshare,
};
pub use summary::SharedSummary;

const SHARE_OUT_PREFIX: &str = "share/out/";
const SHARED_IN_PREFIX: &str = "share/in/";
const NOTIFICATION_SETTING: &str = "settings/discreet-notifications";

/// The current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A new random client message id (32 hex characters).
pub fn new_message_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    crate::crypto::fill_random(&mut bytes)?;
    Ok(hex::encode(bytes))
}

fn my_account(store: &Store) -> Result<String> {
    let (account, _) = store.sync_account()?.ok_or(CoreError::NotRegistered)?;
    Ok(account.account_id)
}

/// A conversation's settings, or `NotFound` if there is none with this peer.
pub fn conversation_meta(store: &Store, peer: &str) -> Result<ConversationMeta> {
    let bytes = store
        .conversation(peer)?
        .ok_or(CoreError::NotFound("conversation"))?;
    ConversationMeta::decode(&bytes)
}

/// Creates or updates the conversation for a link (keeps pause state and draft).
pub fn ensure_conversation(store: &mut Store, peer: &str, name: &str, link_id: &str) -> Result<()> {
    let mut meta = match store.conversation(peer)? {
        Some(bytes) => ConversationMeta::decode(&bytes)?,
        None => ConversationMeta::default(),
    };
    if meta.peer_name == name && meta.link_id == link_id {
        return Ok(());
    }
    meta.peer_name = name.to_owned();
    meta.link_id = link_id.to_owned();
    store.put_conversation(peer, &meta.encode()?)
}

/// Every conversation with its unread count, most recent first.
pub fn conversations(store: &Store) -> Result<Vec<Conversation>> {
    let mut list = Vec::new();
    for (peer, bytes) in store.conversations()? {
        let meta = ConversationMeta::decode(&bytes)?;
        let (unread, last_at) = store.message_counts(&peer, MessageStatus::Unread.as_str())?;
        list.push(Conversation {
            peer_account: peer,
            peer_name: meta.peer_name,
            link_id: meta.link_id,
            paused: meta.paused,
            peer_paused: meta.peer_paused,
            unread,
            last_at,
            draft: meta.draft,
        });
    }
    crate::sort::sort_by_key(&mut list, |c| std::cmp::Reverse(c.last_at));
    Ok(list)
}

/// A conversation's messages, oldest first.
pub fn messages(store: &Store, peer: &str) -> Result<Vec<Message>> {
    store
        .messages(peer)?
        .into_iter()
        .map(|(row, body)| to_message(row, &body))
        .collect()
}

/// One message by id, in any conversation.
pub(crate) fn message(store: &Store, id: &str) -> Result<Option<Message>> {
    store
        .message(id)?
        .map(|(row, body)| to_message(row, &body))
        .transpose()
}

/// Replaces what message `id` shows (its state changed); false if there is no such message.
pub(crate) fn update_content(
    store: &mut Store,
    id: &str,
    content: &MessageContent,
) -> Result<bool> {
    store.update_message_body(id, &encode_content(content)?)
}

fn to_message(row: MessageRow, body: &[u8]) -> Result<Message> {
    let content: MessageContent =
        serde_json::from_slice(body).map_err(|_| CoreError::MalformedRecord { kind: "message" })?;
    Ok(Message {
        status: MessageStatus::parse(&row.status)?,
        id: row.id,
        peer_account: row.peer_account,
        outgoing: row.outgoing,
        sent_at: row.at,
        content,
    })
}

fn encode_content(content: &MessageContent) -> Result<Vec<u8>> {
    serde_json::to_vec(content).map_err(|_| CoreError::MalformedRecord { kind: "message" })
}

/// Queues a payload for `peer` (sent by the next outbox flush), in the caller's transaction.
pub(crate) fn queue(store: &mut Store, peer: &str, id: &str, body: Body) -> Result<()> {
    queue_at(store, peer, id, body, now_ms())
}

/// A send time for a new visible message: now, but always after the newest message stored,
/// so messages written in the same millisecond keep their order on every device.
fn next_send_time(store: &Store) -> Result<i64> {
    Ok(now_ms().max(
        store
            .latest_message_at()?
            .map_or(i64::MIN, |t| t.saturating_add(1)),
    ))
}

fn queue_at(store: &mut Store, peer: &str, id: &str, body: Body, sent_at: i64) -> Result<()> {
    let payload = Payload {
        v: PAYLOAD_VERSION,
        id: id.to_owned(),
        from: my_account(store)?,
        to: peer.to_owned(),
        sent_at,
        body,
    };
    store.enqueue_outbox(id, peer, &payload.encode()?)?;
    Ok(())
}

/// Writes a chat message: stored as `queued` and put in the outbox, in one transaction. The
/// draft of the conversation is cleared.
pub fn send_text(store: &mut Store, peer: &str, text: &str) -> Result<Message> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(CoreError::invalid(
            "message",
            InputProblem::Length {
                min: 1,
                max: MAX_TEXT_CHARS as u32,
            },
        ));
    }
    let mut meta = conversation_meta(store, peer)?;
    let content = MessageContent::Text { text: text.into() };
    let body = Body::Text { text: text.into() };
    compose(store, peer, new_message_id()?, content, body, |s| {
        if meta.draft.take().is_some() {
            s.put_conversation(peer, &meta.encode()?)?;
        }
        Ok(())
    })
}

/// Stores a new outgoing visible message as queued and puts its payload in the outbox, in one
/// transaction together with `also`.
pub(crate) fn compose(
    store: &mut Store,
    peer: &str,
    id: String,
    content: MessageContent,
    body: Body,
    also: impl FnOnce(&mut Store) -> Result<()>,
) -> Result<Message> {
    let row = MessageRow {
        id: id.clone(),
        peer_account: peer.to_owned(),
        at: next_send_time(store)?,
        outgoing: true,
        status: MessageStatus::Queued.as_str().into(),
    };
    let encoded = encode_content(&content)?;
    store.atomically(|s| {
        s.insert_message(&row, &encoded)?;
        queue_at(s, peer, &id, body, row.at)?;
        also(s)
    })?;
    to_message(row, &encoded)
}

/// Marks every unread message of the conversation read and queues one read receipt (none on
/// a store that is no longer connected). Returns how many were marked.
pub fn mark_read(store: &mut Store, peer: &str) -> Result<u32> {
    let unread: Vec<String> = store
        .messages(peer)?
        .into_iter()
        .filter(|(row, _)| !row.outgoing && row.status == MessageStatus::Unread.as_str())
        .map(|(row, _)| row.id)
        .collect();
    if unread.is_empty() {
        return Ok(0);
    }
    let receipt_id = new_message_id()?;
    // A store no longer connected (its account was deleted) keeps its conversations
    // readable; there is no account left to send a receipt from.
    let connected = store.sync_account()?.is_some();
    store.atomically(|s| {
        for id in &unread {
            s.set_message_status(id, MessageStatus::Read.as_str())?;
        }
        if !connected {
            return Ok(());
        }
        queue(
            s,
            peer,
            &receipt_id,
            Body::Receipt {
                ids: unread.clone(),
                status: ReceiptKind::Read,
            },
        )
    })?;
    Ok(unread.len() as u32)
}

/// Pauses or resumes the conversation (no reminders or notifications while paused) and tells
/// the other side, so both see it.
pub fn set_paused(store: &mut Store, peer: &str, paused: bool) -> Result<()> {
    let mut meta = conversation_meta(store, peer)?;
    if meta.paused == paused {
        return Ok(());
    }
    meta.paused = paused;
    let id = new_message_id()?;
    store.atomically(|s| {
        s.put_conversation(peer, &meta.encode()?)?;
        queue(s, peer, &id, Body::Pause { paused })
    })
}

/// Keeps (or clears, with `None`) an unsent draft, encrypted.
pub fn set_draft(store: &mut Store, peer: &str, draft: Option<&str>) -> Result<()> {
    let mut meta = conversation_meta(store, peer)?;
    meta.draft = draft.map(str::to_owned).filter(|d| !d.trim().is_empty());
    store.put_conversation(peer, &meta.encode()?)
}

/// Makes a wedged message due again (for a file: every part still queued); false if it is
/// not in the outbox.
pub fn retry(store: &mut Store, message_id: &str) -> Result<bool> {
    let parts: Vec<String> = store
        .outbox()?
        .into_iter()
        .map(|(row, _)| row.client_message_id)
        .filter(|id| transfer_of(id) == Some(message_id))
        .collect();
    store.atomically(|s| {
        let mut found = s.outbox_retry(message_id)?;
        for part in &parts {
            found |= s.outbox_retry(part)?;
        }
        if found {
            if let Some((row, _)) = s.message(message_id)? {
                if row.status == MessageStatus::Wedged.as_str() {
                    s.set_message_status(message_id, MessageStatus::Queued.as_str())?;
                }
            }
        }
        Ok(found)
    })
}

/// Whether notifications hide who wrote and what (default: yes).
pub fn discreet_notifications(store: &Store) -> Result<bool> {
    Ok(store
        .device_state(NOTIFICATION_SETTING)?
        .is_none_or(|b| b.as_slice() != b"0"))
}

/// Sets whether notifications are discreet.
pub fn set_discreet_notifications(store: &mut Store, discreet: bool) -> Result<()> {
    store.put_device_state(NOTIFICATION_SETTING, if discreet { b"1" } else { b"0" })
}

/// The text of a notification for new messages from `peer_name`: discreet by default.
pub fn notification_text(discreet: bool, peer_name: &str, count: u32) -> String {
    if discreet {
        "You have a new update".into()
    } else if count == 1 {
        format!("New message from {peer_name}")
    } else {
        format!("{count} new messages from {peer_name}")
    }
}

/// What a call request asks for: when, how long (5–15 minutes) and, optionally, how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallAsk {
    /// Start, RFC 3339.
    pub start: String,
    /// Length in minutes.
    pub minutes: u32,
    /// Video, phone or chat; `None` when the therapist lists no formats.
    pub format: Option<SessionFormat>,
}

/// Queues a request for a short live session; the caller has checked it fits one of the
/// therapist's slots and formats. Both sides see it as a message.
pub fn queue_call_request(store: &mut Store, peer: &str, ask: CallAsk) -> Result<Message> {
    conversation_meta(store, peer)?;
    let request_id = new_message_id()?;
    let content = MessageContent::Call {
        request_id: request_id.clone(),
        start: ask.start.clone(),
        minutes: ask.minutes,
        format: ask.format,
        state: CallState::Requested,
    };
    let body = Body::CallRequest {
        request_id: request_id.clone(),
        start: ask.start,
        minutes: ask.minutes,
        format: ask.format,
    };
    compose(store, peer, request_id, content, body, |_| Ok(()))
}

/// Queues a risk alert about `result` to `peer` (shown in the client's own conversation as
/// sent, like any message).
pub fn queue_risk_alert(
    store: &mut Store,
    peer: &str,
    result: &crate::assessments::AssessmentResult,
) -> Result<Message> {
    conversation_meta(store, peer)?;
    let item9 = (result.instrument == crate::assessments::Instrument::Phq9)
        .then(|| result.answers.get(8).copied())
        .flatten();
    let completed_at = result.at.to_rfc3339();
    let content = MessageContent::RiskAlert {
        instrument: result.instrument,
        total: result.total,
        severity: result.severity,
        item9,
        completed_at: completed_at.clone(),
    };
    let body = Body::RiskAlert {
        instrument: result.instrument,
        total: result.total,
        severity: result.severity,
        item9,
        completed_at,
    };
    compose(store, peer, new_message_id()?, content, body, |_| Ok(()))
}

/// Which call request an answer may change: one in the conversation with `peer`, sent by
/// this account (`outgoing`) or by the peer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallSide<'a> {
    /// The conversation.
    pub peer: &'a str,
    /// Whether the request was sent by this account.
    pub outgoing: bool,
}

/// Applies a call answer to the request message (on both sides), only if the request is in
/// the expected conversation and direction (a client cannot accept its own request); false
/// when nothing was changed.
pub(crate) fn apply_call_answer(
    store: &mut Store,
    side: CallSide<'_>,
    request_id: &str,
    accepted: bool,
    room: Option<String>,
) -> Result<bool> {
    let Some((row, body)) = store.message(request_id)? else {
        return Ok(false);
    };
    if row.peer_account != side.peer || row.outgoing != side.outgoing {
        return Ok(false);
    }
    let mut message = to_message(row, &body)?;
    let MessageContent::Call { state, .. } = &mut message.content else {
        return Ok(false);
    };
    *state = match (accepted, room) {
        (true, Some(room)) => CallState::Accepted { room },
        _ => CallState::Declined,
    };
    store.update_message_body(request_id, &encode_content(&message.content)?)
}

/// The therapist accepts (with a new platform room id) or declines a call request.
pub fn answer_call(store: &mut Store, request_id: &str, accept: bool) -> Result<Message> {
    let (row, body) = store
        .message(request_id)?
        .ok_or(CoreError::NotFound("call request"))?;
    let message = to_message(row, &body)?;
    match &message.content {
        MessageContent::Call {
            state: CallState::Requested,
            ..
        } if !message.outgoing => {}
        _ => {
            return Err(CoreError::invalid(
                "call request",
                InputProblem::Rule("is not an open request from the other side"),
            ))
        }
    }
    let room = if accept {
        Some(format!("solace-{}", new_message_id()?))
    } else {
        None
    };
    let id = new_message_id()?;
    let peer = message.peer_account.clone();
    store.atomically(|s| {
        let side = CallSide {
            peer: &peer,
            outgoing: false,
        };
        apply_call_answer(s, side, request_id, accept, room.clone())?;
        queue(
            s,
            &peer,
            &id,
            Body::CallAnswer {
                request_id: request_id.to_owned(),
                accepted: accept,
                room: room.clone(),
            },
        )
    })?;
    let (row, body) = store
        .message(request_id)?
        .ok_or(CoreError::NotFound("call request"))?;
    to_message(row, &body)
}

/// Adds a notice line to the conversation with `peer`: local, already read, never sent, and
/// after the newest message so notices written together keep their order.
pub(crate) fn add_notice(store: &mut Store, peer: &str, text: String) -> Result<()> {
    let row = MessageRow {
        id: new_message_id()?,
        peer_account: peer.to_owned(),
        at: next_send_time(store)?,
        outgoing: false,
        status: MessageStatus::Read.as_str().into(),
    };
    store_message(store, &row, &MessageContent::Notice { text })?;
    Ok(())
}

/// Stores an incoming or copied visible message; false if it was already there.
pub(crate) fn store_message(
    store: &mut Store,
    row: &MessageRow,
    content: &MessageContent,
) -> Result<bool> {
    store.insert_message(row, &encode_content(content)?)
}

#[cfg(test)]
pub(crate) mod tests;
