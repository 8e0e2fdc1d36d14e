//! Files sent end to end (a therapist report): split into [`Body::Attachment`] parts queued
//! in order through the outbox, and on the receiving device kept part by part (sealed in
//! `device_state`, like every device-local secret) until every part arrived, then assembled
//! and checked against the SHA-256 the parts carry. The conversation shows one message,
//! [`MessageContent::Attachment`], whose `complete` flag says whether it can be saved.
//!
//! A part that contradicts the transfer it names (another conversation, another file, a
//! direction this device did not take) or a file that does not match its digest is the
//! peer's fault: refused, so the inbox drops it and the transfer stays incomplete.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{conversation_meta, encode_content, new_message_id, next_send_time, queue_at};
use super::{to_message, Message, MessageContent, MessageRow, MessageStatus};
use crate::error::{CoreError, InputProblem, PeerMessageError, ReportError, Result};
use crate::messaging::payload::{
    valid_attachment_name, valid_media_type, Body, ATTACHMENT_PART_BYTES, MAX_ATTACHMENT_BYTES,
};
use crate::store::Store;

const PART_PREFIX: &str = "attachment/part/";
const FILE_PREFIX: &str = "attachment/file/";

fn part_key(transfer_id: &str, index: u32) -> String {
    format!("{PART_PREFIX}{transfer_id}/{index:05}")
}

fn file_key(transfer_id: &str) -> String {
    format!("{FILE_PREFIX}{transfer_id}")
}

/// The client message id of part `index` of a transfer (all but the last part; the last
/// one's id is the transfer id itself).
fn part_id(transfer_id: &str, index: usize) -> String {
    format!("{transfer_id}-{index}")
}

/// The transfer an outbox entry's id belongs to, when it is an earlier part of one (see
/// `part_id`): so a wedged part marks the file's message wedged, and retrying the message
/// retries its parts.
pub(crate) fn transfer_of(client_message_id: &str) -> Option<&str> {
    let (transfer, index) = client_message_id.rsplit_once('-')?;
    let hex = transfer.len() == 32 && transfer.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())).then_some(transfer)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Sends `bytes` as the file `name` (`media_type`) to the conversation with `peer`: one
/// outgoing message, shown complete, and its parts queued in order in one transaction. The
/// file is kept sealed on this device so it can be saved from here too.
pub fn send_attachment(
    store: &mut Store,
    peer: &str,
    name: &str,
    media_type: &str,
    bytes: &[u8],
) -> Result<Message> {
    conversation_meta(store, peer)?;
    if !valid_attachment_name(name) {
        return Err(CoreError::invalid(
            "attachment name",
            InputProblem::Expected("1-100 characters without a path"),
        ));
    }
    if !valid_media_type(media_type) {
        return Err(CoreError::invalid(
            "media type",
            InputProblem::Expected("a media type such as application/pdf"),
        ));
    }
    if bytes.is_empty() {
        return Err(CoreError::invalid("attachment", InputProblem::Empty));
    }
    let size = bytes.len() as u64;
    if size > MAX_ATTACHMENT_BYTES {
        return Err(ReportError::AttachmentTooLarge {
            max_bytes: MAX_ATTACHMENT_BYTES,
        }
        .into());
    }
    let chunks: Vec<&[u8]> = bytes.chunks(ATTACHMENT_PART_BYTES).collect();
    let count = u32::try_from(chunks.len()).map_err(|_| ReportError::AttachmentTooLarge {
        max_bytes: MAX_ATTACHMENT_BYTES,
    })?;
    let sha256 = sha256_hex(bytes);
    // Every part has its own client message id; the last one's is the transfer id, so the
    // message turns "sent" when the whole file is out.
    let transfer_id = new_message_id()?;
    let ids: Vec<String> = (0..chunks.len())
        .map(|i| {
            if i + 1 == chunks.len() {
                transfer_id.clone()
            } else {
                part_id(&transfer_id, i)
            }
        })
        .collect();
    let content = MessageContent::Attachment {
        transfer_id: transfer_id.clone(),
        name: name.to_owned(),
        media_type: media_type.to_owned(),
        size,
        sha256: sha256.clone(),
        parts: count,
        received: count,
        complete: true,
    };
    let row = MessageRow {
        id: transfer_id.clone(),
        peer_account: peer.to_owned(),
        at: next_send_time(store)?,
        outgoing: true,
        status: MessageStatus::Queued.as_str().into(),
    };
    let encoded = encode_content(&content)?;
    store.atomically(|s| {
        s.insert_message(&row, &encoded)?;
        s.put_device_state(&file_key(&transfer_id), bytes)?;
        for (index, (id, chunk)) in ids.iter().zip(&chunks).enumerate() {
            let data = solace_protocol::B64Bytes::new(chunk.to_vec())
                .map_err(|_| CoreError::Internal("attachment part"))?;
            let body = Body::Attachment {
                transfer_id: transfer_id.clone(),
                index: index as u32,
                count,
                name: name.to_owned(),
                media_type: media_type.to_owned(),
                size,
                sha256: sha256.clone(),
                data,
            };
            queue_at(s, peer, id, body, row.at)?;
        }
        Ok(())
    })?;
    to_message(row, &encoded)
}

/// One received part, as carried by [`Body::Attachment`].
pub(crate) struct Part<'a> {
    /// The transfer.
    pub transfer_id: &'a str,
    /// Its place, from 0.
    pub index: u32,
    /// How many parts.
    pub count: u32,
    /// File name.
    pub name: &'a str,
    /// Media type.
    pub media_type: &'a str,
    /// Whole file size.
    pub size: u64,
    /// Whole file SHA-256, hex.
    pub sha256: &'a str,
    /// This part's bytes.
    pub data: &'a [u8],
}

/// Keeps one incoming part from `peer` (sent at `at`), inside the caller's transaction.
/// Returns true when this part completed the file (assembled and its digest checked), so the
/// caller notifies and sends a delivered receipt for the transfer.
pub(crate) fn receive_part(
    store: &mut Store,
    peer: &str,
    at: i64,
    part: &Part<'_>,
) -> Result<bool> {
    let malformed = || CoreError::PeerMessage(PeerMessageError::Malformed("attachment"));
    let (row, mut received) = match store.message(part.transfer_id)? {
        Some((row, body)) => {
            if row.peer_account != peer || row.outgoing {
                return Err(CoreError::PeerMessage(PeerMessageError::Misrouted));
            }
            let content: MessageContent = serde_json::from_slice(&body)
                .map_err(|_| CoreError::MalformedRecord { kind: "message" })?;
            let MessageContent::Attachment {
                name,
                media_type,
                size,
                sha256,
                parts,
                received,
                complete,
                ..
            } = content
            else {
                return Err(malformed());
            };
            if name != part.name
                || media_type != part.media_type
                || size != part.size
                || sha256 != part.sha256
                || parts != part.count
            {
                return Err(malformed());
            }
            if complete {
                return Ok(false);
            }
            (row, received)
        }
        None => {
            let row = MessageRow {
                id: part.transfer_id.to_owned(),
                peer_account: peer.to_owned(),
                at,
                outgoing: false,
                status: MessageStatus::Unread.as_str().into(),
            };
            (row, 0)
        }
    };
    let key = part_key(part.transfer_id, part.index);
    if store.device_state(&key)?.is_some() {
        return Ok(false);
    }
    store.put_device_state(&key, part.data)?;
    received += 1;
    let complete = received == part.count;
    if complete {
        let mut file = Zeroizing::new(Vec::with_capacity(part.size as usize));
        for index in 0..part.count {
            let bytes = store
                .device_state(&part_key(part.transfer_id, index))?
                .ok_or_else(malformed)?;
            file.extend_from_slice(&bytes);
        }
        if file.len() as u64 != part.size || sha256_hex(&file) != part.sha256 {
            return Err(malformed());
        }
        store.put_device_state(&file_key(part.transfer_id), &file)?;
        for index in 0..part.count {
            store.delete_device_state(&part_key(part.transfer_id, index))?;
        }
    }
    let content = MessageContent::Attachment {
        transfer_id: part.transfer_id.to_owned(),
        name: part.name.to_owned(),
        media_type: part.media_type.to_owned(),
        size: part.size,
        sha256: part.sha256.to_owned(),
        parts: part.count,
        received,
        complete,
    };
    let encoded = encode_content(&content)?;
    if !store.insert_message(&row, &encoded)? {
        store.update_message_body(part.transfer_id, &encoded)?;
    }
    Ok(complete)
}

/// The attachment message `transfer_id` and its file, once complete (sent from here, or
/// received whole and checked). `NotFound` when there is no such attachment;
/// [`ReportError::AttachmentIncomplete`] while parts are missing.
pub fn attachment_file(store: &Store, transfer_id: &str) -> Result<(Message, Zeroizing<Vec<u8>>)> {
    let (row, body) = store
        .message(transfer_id)?
        .ok_or(CoreError::NotFound("attachment"))?;
    let message = to_message(row, &body)?;
    let MessageContent::Attachment { complete, .. } = &message.content else {
        return Err(CoreError::NotFound("attachment"));
    };
    if !complete {
        return Err(ReportError::AttachmentIncomplete.into());
    }
    let file = store
        .device_state(&file_key(transfer_id))?
        .ok_or(CoreError::NotFound("attachment"))?;
    Ok((message, file))
}

#[cfg(test)]
#[path = "attachments_tests.rs"]
mod tests;
