//! Risk alerts on the therapist's side: an alert stays open until the therapist acknowledges
//! it, and the acknowledgement is a record of their own (`alert_ack`, one per alert with an id
//! derived from the alert's message id), so it syncs to their other devices: each of those has
//! its own copy of the alert, under the same message id.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::messaging::local;
use crate::messaging::model::{Message, MessageContent};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// That an alert was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertAck {
    /// The alert's message id.
    pub message_id: String,
    /// When the therapist acknowledged it.
    pub at: DateTime<FixedOffset>,
}

/// The acknowledgement record's id for alert `message_id` (the same on every device).
pub fn record_id(message_id: &str) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("solace/alert-ack/{message_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    RecordId(bytes)
}

/// Whether alert `message_id` was acknowledged (here or on another of the therapist's devices).
pub fn is_acknowledged(store: &Store, message_id: &str) -> Result<bool> {
    Ok(store
        .get::<AlertAck>(RecordKind::AlertAck, &record_id(message_id))?
        .is_some())
}

/// Acknowledges alert `message_id` (idempotent).
pub fn acknowledge(store: &mut Store, message_id: &str) -> Result<()> {
    if is_acknowledged(store, message_id)? {
        return Ok(());
    }
    let ack = AlertAck {
        message_id: message_id.to_owned(),
        at: chrono::Utc::now().fixed_offset(),
    };
    store.put(RecordKind::AlertAck, &record_id(message_id), &ack)
}

/// The risk alerts from `peer` not acknowledged yet, oldest first.
pub fn open(store: &Store, peer: &str) -> Result<Vec<Message>> {
    Ok(open_among(store, &local::messages(store, peer)?)?
        .into_iter()
        .cloned()
        .collect())
}

/// The alerts among a conversation's `messages` (already read) not acknowledged yet.
pub fn open_among<'m>(store: &Store, messages: &'m [Message]) -> Result<Vec<&'m Message>> {
    let mut out = Vec::new();
    for m in messages {
        if !m.outgoing
            && matches!(m.content, MessageContent::RiskAlert { .. })
            && !is_acknowledged(store, &m.id)?
        {
            out.push(m);
        }
    }
    Ok(out)
}
