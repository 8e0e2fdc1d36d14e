//! Conversations, messages and shared items as a UI shows them, and their sealed local forms.

use serde::{Deserialize, Serialize};
use solace_protocol::messaging::SessionFormat;

use crate::error::{CoreError, Result};

/// Where a message stands. Outgoing: queued → sent → delivered → read, or wedged.
/// Incoming: unread → read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting in this device's outbox (offline, or retrying).
    Queued,
    /// The server holds it for the recipient's devices.
    Sent,
    /// A recipient device stored it.
    Delivered,
    /// The recipient (or, for incoming messages, this user) read it.
    Read,
    /// Sending failed repeatedly for a reason retrying alone won't fix; retry explicitly.
    Wedged,
    /// Incoming and not read yet.
    Unread,
}

impl MessageStatus {
    /// The tag stored in the message index.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Wedged => "wedged",
            MessageStatus::Unread => "unread",
        }
    }

    /// Parses a stored tag.
    pub fn parse(tag: &str) -> Result<Self> {
        Ok(match tag {
            "queued" => MessageStatus::Queued,
            "sent" => MessageStatus::Sent,
            "delivered" => MessageStatus::Delivered,
            "read" => MessageStatus::Read,
            "wedged" => MessageStatus::Wedged,
            "unread" => MessageStatus::Unread,
            _ => return Err(CoreError::MalformedRecord { kind: "message" }),
        })
    }

    /// Progress rank of outgoing statuses, so a late "delivered" never overwrites "read".
    pub fn rank(self) -> u8 {
        match self {
            MessageStatus::Queued | MessageStatus::Wedged | MessageStatus::Unread => 0,
            MessageStatus::Sent => 1,
            MessageStatus::Delivered => 2,
            MessageStatus::Read => 3,
        }
    }
}

/// A live-session request's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CallState {
    /// Waiting for the therapist.
    Requested,
    /// Accepted; join the platform room.
    Accepted {
        /// Room id / join link for the calling platform.
        room: String,
    },
    /// Declined by the therapist.
    Declined,
}

/// What a message shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageContent {
    /// Chat text.
    Text {
        /// The text.
        text: String,
    },
    /// A request for a short live session.
    Call {
        /// Request id.
        request_id: String,
        /// Start, RFC 3339.
        start: String,
        /// Length in minutes.
        minutes: u32,
        /// Video, phone or chat, when the request named one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<SessionFormat>,
        /// Requested, accepted (with room) or declined.
        state: CallState,
    },
    /// A notice Solace adds to the conversation on this device (e.g. "Dr. Lee added a
    /// device"); never sent.
    Notice {
        /// What happened, in a sentence fit to show.
        text: String,
    },
    /// A risk alert the client chose to send automatically (see `messaging::consent`).
    RiskAlert {
        /// The questionnaire.
        instrument: crate::assessments::Instrument,
        /// Total score.
        total: u8,
        /// Its band.
        severity: crate::assessments::Severity,
        /// PHQ-9 item 9, 0–3; `None` for GAD-7.
        item9: Option<u8>,
        /// When the client completed it, RFC 3339.
        completed_at: String,
    },
    /// A file sent end to end (a therapist report), shown as one message while its parts
    /// arrive; saved with `messaging::local::attachment_file` once `complete`.
    Attachment {
        /// The transfer id (also this message's id).
        transfer_id: String,
        /// File name offered when saving.
        name: String,
        /// Media type, e.g. `application/pdf`.
        media_type: String,
        /// Size in bytes.
        size: u64,
        /// SHA-256 of the file, lowercase hex (checked before it counts as complete).
        sha256: String,
        /// How many parts it was split into.
        parts: u32,
        /// How many have arrived (all of them on the sending device).
        received: u32,
        /// Every part arrived and the file matched its SHA-256.
        complete: bool,
    },
    /// The therapist asked the client to fill in the intake form (`messaging::intake`).
    IntakeRequest {
        /// Request id.
        request_id: String,
        /// The therapist's note.
        note: Option<String>,
    },
    /// A treatment goal the therapist proposed (`goals`): the client may accept it.
    GoalProposal {
        /// Proposal id.
        proposal_id: String,
        /// The goal.
        text: String,
        /// What reaching it looks like.
        target: Option<String>,
        /// When to review it, `YYYY-MM-DD`.
        review_date: Option<String>,
    },
    /// A referral card to in-person or hybrid care (`messaging::referral`).
    Referral {
        /// Referral id.
        referral_id: String,
        /// The service, its contact and the note.
        card: super::payload::ReferralCard,
        /// Whether the client acknowledged it.
        acknowledged: bool,
    },
}

/// A message as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Client message id.
    pub id: String,
    /// The other party's account id.
    pub peer_account: String,
    /// Sent by this account.
    pub outgoing: bool,
    /// Send time, Unix milliseconds.
    pub sent_at: i64,
    /// Status.
    pub status: MessageStatus,
    /// Content.
    pub content: MessageContent,
}

/// A conversation's sealed settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationMeta {
    /// The other party's name (client account name or therapist display name).
    pub peer_name: String,
    /// The link that allows the conversation.
    pub link_id: String,
    /// Paused by this user: no reminders or notifications.
    pub paused: bool,
    /// Paused by the other side.
    pub peer_paused: bool,
    /// Unsent draft, kept encrypted.
    pub draft: Option<String>,
}

impl ConversationMeta {
    /// Parses the sealed form.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|_| CoreError::MalformedRecord {
            kind: "conversation",
        })
    }

    /// The sealed form.
    pub fn encode(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|_| CoreError::MalformedRecord {
            kind: "conversation",
        })
    }
}

/// A conversation as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversation {
    /// The other party's account id.
    pub peer_account: String,
    /// Their name.
    pub peer_name: String,
    /// The link it belongs to.
    pub link_id: String,
    /// Paused by this user.
    pub paused: bool,
    /// Paused by the other side.
    pub peer_paused: bool,
    /// Unread incoming messages.
    pub unread: u32,
    /// Newest message time, Unix milliseconds.
    pub last_at: Option<i64>,
    /// Unsent draft.
    pub draft: Option<String>,
}

/// An item a client shared with this therapist (the latest version received).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedItem {
    /// Share id (the client's record id).
    pub share_id: String,
    /// Who shared it.
    pub from_account: String,
    /// `journal`, `thought_record` or `assessment`.
    pub item_kind: String,
    /// Short title.
    pub title: String,
    /// The item.
    pub content: serde_json::Value,
    /// When this version was sent, Unix milliseconds.
    pub updated_at: i64,
}

/// A share this client made: what was last sent, and whether it was stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingShare {
    /// The therapist's account id.
    pub peer_account: String,
    /// `journal`, `thought_record` or `assessment`.
    pub item_kind: String,
    /// SHA-256 (hex) of the content last sent, to notice edits.
    pub sent_digest: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen: the stored (sealed) form of an attachment message; every build reads it.
    const ATTACHMENT_CONTENT_V1: &str = r#"{"type":"attachment","transfer_id":"t-0001","name":"report.pdf","media_type":"application/pdf","size":5,"sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824","parts":1,"received":1,"complete":true}"#;

    #[test]
    fn stored_attachment_content_is_frozen() {
        let content: MessageContent = serde_json::from_str(ATTACHMENT_CONTENT_V1).unwrap();
        assert!(matches!(
            &content,
            MessageContent::Attachment { size: 5, parts: 1, received: 1, complete: true, name, .. }
                if name == "report.pdf"
        ));
        assert_eq!(
            serde_json::to_string(&content).unwrap(),
            ATTACHMENT_CONTENT_V1
        );
    }
}
