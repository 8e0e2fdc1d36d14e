//! The plaintext inside an Olm message (payload format v1): versioned JSON, padded to a size
//! bucket so ciphertext length says little about content. Chat text, receipts, shares,
//! live-session requests and pause notices all travel this way, so the server cannot tell
//! them apart.

use serde::{Deserialize, Serialize};
use solace_protocol::messaging::SessionFormat;

use crate::error::{CoreError, PeerMessageError, Result};

/// The payload format this build writes and reads.
pub const PAYLOAD_VERSION: u8 = 1;
/// Largest payload accepted before parsing (after Olm decryption).
pub const MAX_PAYLOAD_BYTES: usize = 48 * 1024;
/// Longest chat message, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
const PAD_BUCKET: usize = 256;
/// Bytes of a file carried by one attachment part (all but the last are exactly this long):
/// base64 makes them 32 KiB of text, so a part's payload stays well under
/// [`MAX_PAYLOAD_BYTES`] and its Olm message under the server's message cap.
pub const ATTACHMENT_PART_BYTES: usize = 24 * 1024;
/// Largest file an attachment may carry.
pub const MAX_ATTACHMENT_BYTES: u64 = 5 * 1024 * 1024;
/// Most parts an attachment may have (enough for [`MAX_ATTACHMENT_BYTES`]).
pub const MAX_ATTACHMENT_PARTS: u32 =
    (MAX_ATTACHMENT_BYTES as usize).div_ceil(ATTACHMENT_PART_BYTES) as u32;
/// Longest attachment file name, in characters.
pub const MAX_ATTACHMENT_NAME_CHARS: usize = 100;

/// One message from device to device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// Format version ([`PAYLOAD_VERSION`]).
    pub v: u8,
    /// Client message id (random; also the server's idempotency key).
    pub id: String,
    /// The sending account.
    pub from: String,
    /// The account the message is addressed to (copies to the sender's own devices carry
    /// the peer here, so they file it under the right conversation).
    pub to: String,
    /// Send time, Unix milliseconds (sender's clock; display order only).
    pub sent_at: i64,
    /// What it carries.
    pub body: Body,
}

/// How far a message got, as reported back by the recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// Stored on a recipient device.
    Delivered,
    /// Shown to the recipient.
    Read,
}

/// The content of a payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body {
    /// A chat message.
    Text {
        /// The text.
        text: String,
    },
    /// Delivery or read receipts for earlier messages.
    Receipt {
        /// Client message ids.
        ids: Vec<String>,
        /// Delivered or read.
        status: ReceiptKind,
    },
    /// A shared item (new or updated); the recipient keeps the latest version.
    Share {
        /// Stable id of the share (the shared record's id).
        share_id: String,
        /// `journal`, `thought_record` or `assessment`.
        item_kind: String,
        /// Short title shown in lists.
        title: String,
        /// The item itself, as the sender's export shape.
        content: serde_json::Value,
    },
    /// The sender stopped sharing an item; the recipient drops its copy.
    Unshare {
        /// The share.
        share_id: String,
    },
    /// A request for a short live session in one of the therapist's slots.
    CallRequest {
        /// Request id.
        request_id: String,
        /// Proposed start, RFC 3339.
        start: String,
        /// Length, 5–15 minutes.
        minutes: u32,
        /// How the session would take place (added to v1: left out when not chosen, and
        /// ignored by older readers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<SessionFormat>,
    },
    /// The therapist's answer to a call request.
    CallAnswer {
        /// The request answered.
        request_id: String,
        /// Accepted or declined.
        accepted: bool,
        /// Room id / join link handed to the calling platform (when accepted).
        room: Option<String>,
    },
    /// The sender paused or resumed the conversation.
    Pause {
        /// Paused (true) or resumed (false).
        paused: bool,
    },
    /// A risk alert the client chose to send automatically (PHQ-9 item 9 above 0, or a
    /// severe score): what they answered, for their therapist.
    RiskAlert {
        /// The questionnaire.
        instrument: crate::assessments::Instrument,
        /// Total score.
        total: u8,
        /// Its band.
        severity: crate::assessments::Severity,
        /// PHQ-9 item 9 (thoughts of self-harm), 0–3; `None` for GAD-7.
        item9: Option<u8>,
        /// When the client completed it, RFC 3339.
        completed_at: String,
    },
    /// One part of a file sent end to end (a therapist report), split so each part fits one
    /// payload; parts go out in order through the outbox and the recipient assembles the
    /// file once every part arrived and its SHA-256 matches.
    Attachment {
        /// The transfer: the client message id of the last part, so the receipt for the
        /// whole file raises the sender's message.
        transfer_id: String,
        /// This part, from 0.
        index: u32,
        /// How many parts, 1–[`MAX_ATTACHMENT_PARTS`].
        count: u32,
        /// The file name to offer when saving (no path).
        name: String,
        /// Its media type, e.g. `application/pdf`.
        media_type: String,
        /// Size of the whole file in bytes.
        size: u64,
        /// SHA-256 of the whole file, lowercase hex.
        sha256: String,
        /// This part's bytes, base64.
        data: solace_protocol::B64Bytes,
    },
    /// The therapist asks the client to fill in the intake form (answered, if the client
    /// chooses, as a share of kind `intake`).
    IntakeRequest {
        /// Request id (also the message id of the request).
        request_id: String,
        /// A short note from the therapist.
        note: Option<String>,
    },
    /// The therapist refers the client to in-person or hybrid care.
    Referral {
        /// Referral id (also the message id of the card).
        referral_id: String,
        /// The service, its contact and the therapist's note.
        card: ReferralCard,
    },
    /// The therapist proposes a treatment goal; the client may accept it into their goals.
    GoalProposal {
        /// Proposal id (also the message id of the proposal).
        proposal_id: String,
        /// The goal, in words.
        text: String,
        /// What reaching it looks like.
        target: Option<String>,
        /// When to review it, `YYYY-MM-DD`.
        review_date: Option<String>,
    },
    /// The client acknowledged a referral card.
    ReferralAck {
        /// The referral acknowledged.
        referral_id: String,
    },
}

/// Longest note on an intake request or a referral, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Longest referral service name or contact, in characters.
pub const MAX_REFERRAL_FIELD_CHARS: usize = 300;

/// How the care a referral points to is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CareMode {
    /// In person.
    InPerson,
    /// Partly in person, partly remote.
    Hybrid,
}

impl CareMode {
    /// Words for a person ("in-person care").
    pub fn label(self) -> &'static str {
        match self {
            CareMode::InPerson => "in-person care",
            CareMode::Hybrid => "hybrid care",
        }
    }
}

/// A referral card as the therapist wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralCard {
    /// In person or hybrid.
    pub care: CareMode,
    /// The service's name.
    pub service: String,
    /// How to reach it (phone, address, web).
    pub contact: String,
    /// Why, or what to say when calling.
    pub note: Option<String>,
}

impl ReferralCard {
    /// Whether every field is within its limits and the name and contact are not blank.
    pub fn is_valid(&self) -> bool {
        let field = |s: &str| !s.trim().is_empty() && s.chars().count() <= MAX_REFERRAL_FIELD_CHARS;
        field(&self.service)
            && field(&self.contact)
            && self
                .note
                .as_deref()
                .is_none_or(|n| n.chars().count() <= MAX_NOTE_CHARS)
    }
}

impl Body {
    /// Whether a recipient keeps this as a visible entry in the conversation.
    pub fn is_visible(&self) -> bool {
        matches!(
            self,
            Body::Text { .. }
                | Body::CallRequest { .. }
                | Body::CallAnswer { .. }
                | Body::RiskAlert { .. }
                | Body::Attachment { .. }
                | Body::IntakeRequest { .. }
                | Body::Referral { .. }
                | Body::GoalProposal { .. }
        )
    }
}

/// Whether an attachment file name is shown and saved as given: 1–100 characters, no path
/// separators, no control characters, not `.` or `..`.
pub fn valid_attachment_name(name: &str) -> bool {
    (1..=MAX_ATTACHMENT_NAME_CHARS).contains(&name.chars().count())
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
        && name != "."
        && name != ".."
}

/// Whether a media type looks like `type/subtype` (lowercase letters, digits, `.+-`).
pub fn valid_media_type(media_type: &str) -> bool {
    let ok = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-')
            })
    };
    media_type.len() <= 100
        && media_type
            .split_once('/')
            .is_some_and(|(kind, sub)| ok(kind) && ok(sub))
}

/// Checks an attachment part's fields against each other: ids, name, media type, digest
/// form, and that the part is exactly as long as its place in the split says.
fn valid_attachment_part(body: &Body) -> bool {
    match body {
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
            valid_message_id(transfer_id)
                && valid_attachment_name(name)
                && valid_media_type(media_type)
                && sha256.len() == 64
                && sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && attachment_part_len(*size, *index, *count) == Some(data.as_bytes().len())
        }
        _ => false,
    }
}

/// The length part `index` of a `size`-byte file split into `count` parts must have, or
/// `None` when the numbers do not describe such a split.
pub fn attachment_part_len(size: u64, index: u32, count: u32) -> Option<usize> {
    let part = ATTACHMENT_PART_BYTES as u64;
    let valid = (1..=MAX_ATTACHMENT_PARTS).contains(&count)
        && index < count
        && (1..=MAX_ATTACHMENT_BYTES).contains(&size)
        && size.div_ceil(part) == u64::from(count);
    if !valid {
        return None;
    }
    let before = u64::from(index) * part;
    usize::try_from((size - before).min(part)).ok()
}

/// Checks a client message id: 1–64 characters of `[A-Za-z0-9_-]` (what the server accepts).
pub fn valid_message_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Payload {
    /// Serializes and pads to the next multiple of 256 bytes (trailing spaces are valid JSON).
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut bytes =
            serde_json::to_vec(self).map_err(|_| CoreError::MalformedRecord { kind: "message" })?;
        let padded = bytes.len().div_ceil(PAD_BUCKET) * PAD_BUCKET;
        bytes.resize(padded, b' ');
        Ok(bytes)
    }

    /// Parses and validates a decrypted payload.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let malformed = || CoreError::PeerMessage(PeerMessageError::Malformed("message payload"));
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(malformed());
        }
        let payload: Payload = serde_json::from_slice(bytes).map_err(|_| malformed())?;
        if payload.v != PAYLOAD_VERSION || !valid_message_id(&payload.id) {
            return Err(malformed());
        }
        let ok = match &payload.body {
            Body::Text { text } => text.chars().count() <= MAX_TEXT_CHARS,
            Body::Receipt { ids, .. } => {
                ids.len() <= 500 && ids.iter().all(|i| valid_message_id(i))
            }
            Body::Share { share_id, .. } | Body::Unshare { share_id } => valid_message_id(share_id),
            Body::CallRequest {
                request_id,
                minutes,
                start,
                ..
            } => {
                valid_message_id(request_id)
                    && (5..=15).contains(minutes)
                    && chrono::DateTime::parse_from_rfc3339(start).is_ok()
            }
            Body::CallAnswer { request_id, .. } => valid_message_id(request_id),
            Body::Pause { .. } => true,
            Body::Attachment { .. } => valid_attachment_part(&payload.body),
            Body::RiskAlert {
                instrument,
                total,
                severity,
                item9,
                completed_at,
            } => {
                *total <= instrument.max_score()
                    && instrument.severity(*total) == *severity
                    && item9.is_none_or(|v| v <= 3)
                    && (item9.is_some() == (*instrument == crate::assessments::Instrument::Phq9))
                    && chrono::DateTime::parse_from_rfc3339(completed_at).is_ok()
            }
            Body::IntakeRequest { request_id, note } => {
                valid_message_id(request_id)
                    && note
                        .as_deref()
                        .is_none_or(|n| n.chars().count() <= MAX_NOTE_CHARS)
            }
            Body::Referral { referral_id, card } => {
                valid_message_id(referral_id) && card.is_valid()
            }
            Body::ReferralAck { referral_id } => valid_message_id(referral_id),
            Body::GoalProposal {
                proposal_id,
                text,
                target,
                review_date,
            } => {
                let short = |s: &str| s.chars().count() <= MAX_REFERRAL_FIELD_CHARS;
                valid_message_id(proposal_id)
                    && !text.trim().is_empty()
                    && short(text)
                    && target.as_deref().is_none_or(short)
                    && review_date
                        .as_deref()
                        .is_none_or(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
            }
        };
        if ok {
            Ok(payload)
        } else {
            Err(malformed())
        }
    }
}

#[cfg(test)]
#[path = "payload_vectors.rs"]
mod vectors;

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen vector: a risk alert payload (v1 envelope, `risk_alert` body).
    const RISK_ALERT_V1: &str = r#"{"v":1,"id":"m-0002","from":"acc-client","to":"acc-therapist","sent_at":1795000000000,"body":{"type":"risk_alert","instrument":"phq9","total":14,"severity":"moderate","item9":1,"completed_at":"2026-11-26T20:00:00+00:00"}}"#;

    #[test]
    fn risk_alert_v1_is_frozen_and_checked() {
        let p = Payload::decode(RISK_ALERT_V1.as_bytes()).unwrap();
        assert!(matches!(
            p.body,
            Body::RiskAlert {
                total: 14,
                item9: Some(1),
                ..
            }
        ));
        assert_eq!(serde_json::to_string(&p).unwrap(), RISK_ALERT_V1);
        // A band that does not match the score, or item 9 on a GAD-7, is malformed.
        let wrong_band = RISK_ALERT_V1.replace("moderate", "severe");
        assert!(Payload::decode(wrong_band.as_bytes()).is_err());
        let gad = RISK_ALERT_V1.replace("phq9", "gad7");
        assert!(Payload::decode(gad.as_bytes()).is_err());
    }

    /// Frozen vector: a one-part attachment carrying "hello" (`attachment` body).
    const ATTACHMENT_V1: &str = r#"{"v":1,"id":"t-0001","from":"acc-client","to":"acc-therapist","sent_at":1795000000000,"body":{"type":"attachment","transfer_id":"t-0001","index":0,"count":1,"name":"report.pdf","media_type":"application/pdf","size":5,"sha256":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824","data":"aGVsbG8="}}"#;

    #[test]
    fn attachment_v1_is_frozen_and_checked() {
        let p = Payload::decode(ATTACHMENT_V1.as_bytes()).unwrap();
        let Body::Attachment { data, size, .. } = &p.body else {
            panic!("{:?}", p.body);
        };
        assert_eq!((data.as_bytes(), *size), (&b"hello"[..], 5));
        assert_eq!(serde_json::to_string(&p).unwrap(), ATTACHMENT_V1);
        for (from, to) in [
            (r#""size":5"#, r#""size":6"#),
            (r#""count":1"#, r#""count":2"#),
            (r#""index":0"#, r#""index":1"#),
            ("report.pdf", "../report.pdf"),
            ("application/pdf", "PDF"),
            ("2cf24dba", "2CF24DBA"),
            ("aGVsbG8=", "aGVsbG8"),
        ] {
            let bad = ATTACHMENT_V1.replace(from, to);
            assert!(Payload::decode(bad.as_bytes()).is_err(), "{to}");
        }
    }

    #[test]
    fn a_full_attachment_part_fits_one_payload_and_one_server_message() {
        let part = Payload {
            v: 1,
            id: "a".repeat(32),
            from: "a".repeat(64),
            to: "b".repeat(64),
            sent_at: i64::MAX,
            body: Body::Attachment {
                transfer_id: "t".repeat(64),
                index: MAX_ATTACHMENT_PARTS - 2,
                count: MAX_ATTACHMENT_PARTS,
                name: "n".repeat(MAX_ATTACHMENT_NAME_CHARS),
                media_type: "application/pdf".into(),
                size: MAX_ATTACHMENT_BYTES,
                sha256: "0".repeat(64),
                data: solace_protocol::B64Bytes::new(vec![7; ATTACHMENT_PART_BYTES]).unwrap(),
            },
        };
        let encoded = part.encode().unwrap();
        assert!(Payload::decode(&encoded).is_ok());
        // Olm adds well under 1 KiB; base64 of the ciphertext must stay under the cap.
        let olm_base64 = (encoded.len() + 1024).div_ceil(3) * 4;
        assert!(
            olm_base64 < solace_protocol::messaging::MAX_MESSAGE_BODY,
            "{olm_base64}"
        );
        assert_eq!(
            attachment_part_len(MAX_ATTACHMENT_BYTES + 1, 0, MAX_ATTACHMENT_PARTS),
            None
        );
        assert_eq!(
            attachment_part_len(ATTACHMENT_PART_BYTES as u64 + 1, 1, 2),
            Some(1)
        );
    }

    /// Frozen payload v1 vector: every build must keep reading exactly this.
    const TEXT_V1: &str = r#"{"v":1,"id":"m-0001","from":"acc-client","to":"acc-therapist","sent_at":1795000000000,"body":{"type":"text","text":"I tried the breathing exercise."}}"#;

    #[test]
    fn frozen_v1_payload_decodes_and_reencodes() {
        let p = Payload::decode(TEXT_V1.as_bytes()).unwrap();
        assert_eq!(
            p.body,
            Body::Text {
                text: "I tried the breathing exercise.".into()
            }
        );
        let encoded = p.encode().unwrap();
        assert_eq!(encoded.len(), 256, "padded to the bucket");
        assert_eq!(
            std::str::from_utf8(&encoded).unwrap().trim_end(),
            TEXT_V1,
            "encoding is stable"
        );
        let receipt = r#"{"v":1,"id":"r-1","from":"t","to":"c","sent_at":1,"body":{"type":"receipt","ids":["m-0001"],"status":"read"}}"#;
        assert!(matches!(
            Payload::decode(receipt.as_bytes()).unwrap().body,
            Body::Receipt {
                status: ReceiptKind::Read,
                ..
            }
        ));
    }

    #[test]
    fn invalid_payloads_are_refused() {
        for bad in [
            &b"not json"[..],
            br#"{"v":2,"id":"m","from":"a","to":"b","sent_at":1,"body":{"type":"pause","paused":true}}"#,
            br#"{"v":1,"id":"bad id!","from":"a","to":"b","sent_at":1,"body":{"type":"pause","paused":true}}"#,
            br#"{"v":1,"id":"m","from":"a","to":"b","sent_at":1,"body":{"type":"call_request","request_id":"r","start":"2026-01-01T10:00:00Z","minutes":30}}"#,
            br#"{"v":1,"id":"m","from":"a","to":"b","sent_at":1,"body":{"type":"unknown"}}"#,
        ] {
            assert!(Payload::decode(bad).is_err());
        }
        let huge = vec![b' '; MAX_PAYLOAD_BYTES + 1];
        assert!(Payload::decode(&huge).is_err());
    }

    #[test]
    fn padding_hides_small_length_differences() {
        let mk = |text: &str| Payload {
            v: 1,
            id: "m".into(),
            from: "a".into(),
            to: "b".into(),
            sent_at: 0,
            body: Body::Text { text: text.into() },
        };
        assert_eq!(
            mk("ok").encode().unwrap().len(),
            mk("a somewhat longer reply").encode().unwrap().len()
        );
    }
}
