//! Wire types for therapist directory, client ↔ therapist links, the Olm key directory and the
//! per-device mailbox (protocol v1).
//!
//! The server sees who talks to whom (it must route), how much and when; it never sees content:
//! message bodies are Olm ciphertext made on the devices. Receipts, shares and live-session
//! requests travel inside those bodies, so the server cannot tell them from chat messages.
//!
//! | method and path (all need a bearer token) | request | response |
//! |---|---|---|
//! | `PUT /v1/therapist/profile` | [`TherapistProfile`] | `204` (the account becomes a therapist) |
//! | `POST /v1/directory/search` | [`DirectoryQuery`] | [`DirectoryPage`] |
//! | `POST /v1/links` | [`LinkRequest`] | [`LinkInfo`] (client asks a therapist) |
//! | `GET /v1/links` | — | [`LinkList`] |
//! | `POST /v1/links/accept` | [`LinkAction`] | [`LinkInfo`] (the therapist consents) |
//! | `POST /v1/links/end` | [`LinkAction`] | [`LinkInfo`] (either side) |
//! | `PUT /v1/keys/device` | [`DeviceKeysUpload`] | [`KeyCount`] |
//! | `POST /v1/keys/claim` | [`ClaimRequest`] | [`ClaimResponse`] |
//! | `POST /v1/messages/send` | [`SendRequest`] | [`SendResponse`] |
//! | `POST /v1/messages/inbox` | [`InboxRequest`] | [`Inbox`] |
//! | `POST /v1/messages/ack` | [`AckRequest`] | `204` |
//!
//! Keys may be claimed, and messages sent, only to the caller's own account (its other devices)
//! or to an account with an *active* link; anything else is `403 not_linked`.

use serde::{Deserialize, Serialize};

/// Most one-time keys a device may hold on the server.
pub const MAX_ONE_TIME_KEYS: usize = 100;
/// Most envelopes (recipient devices) in one send.
pub const MAX_ENVELOPES: usize = 32;
/// Largest Olm message body accepted, in base64 characters (64 KiB).
pub const MAX_MESSAGE_BODY: usize = 64 * 1024;
/// Most inbox messages returned at once.
pub const MAX_INBOX_LIMIT: u32 = 500;
/// Most device ids in [`ClaimRequest::need_keys_for`].
pub const MAX_CLAIM_DEVICES: usize = 64;

/// A bookable window in which a therapist takes short live sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilitySlot {
    /// Start, RFC 3339.
    pub start: String,
    /// Length in minutes (the client books 5–15 of them).
    pub minutes: u32,
}

/// How a therapist meets clients beyond messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionFormat {
    /// A video call.
    Video,
    /// A phone call.
    Phone,
    /// A live text chat.
    Chat,
}

impl SessionFormat {
    /// Every format, in the order they are shown.
    pub const ALL: [SessionFormat; 3] = [Self::Video, Self::Phone, Self::Chat];

    /// The wire and command-line name (`video`, `phone`, `chat`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Phone => "phone",
            Self::Chat => "chat",
        }
    }

    /// Parses a wire or command-line name, any case.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// One session format a therapist offers, with what it costs (free text, as the therapist
/// writes it: "€80 / 50 min", "sliding scale").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatOffer {
    /// The format.
    pub format: SessionFormat,
    /// Price note; `None`: not stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
}

/// A therapist's public profile (published by the therapist; public to signed-in accounts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TherapistProfile {
    /// Name shown in the directory.
    pub display_name: String,
    /// Short introduction.
    pub bio: String,
    /// E.g. `anxiety`, `depression`.
    pub specialties: Vec<String>,
    /// E.g. `cbt`, `act`.
    pub approaches: Vec<String>,
    /// Language tags, e.g. `en`, `de`.
    pub languages: Vec<String>,
    /// Bookable windows for short live sessions.
    pub slots: Vec<AvailabilitySlot>,
    /// How soon the therapist aims to answer a risk alert, in hours: their promise, shown to
    /// clients as such (Solace is not an emergency service). `None`: no promise made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_window_hours: Option<u32>,
    /// Session formats offered, each at most once (added to v1: left out when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<FormatOffer>,
    /// Insurance or coverage note ("Accepts TK and AOK; receipts for private insurers").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<String>,
}

impl TherapistProfile {
    /// Whether the therapist offers `format`.
    pub fn offers(&self, format: SessionFormat) -> bool {
        self.formats.iter().any(|o| o.format == format)
    }
}

/// Directory filters; empty fields match everything. Matching is case-insensitive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryQuery {
    /// Must list this specialty.
    pub specialty: Option<String>,
    /// Must list this approach.
    pub approach: Option<String>,
    /// Must speak this language.
    pub language: Option<String>,
    /// Free text found in the name or bio.
    pub text: Option<String>,
    /// Must offer this session format (added to v1: left out when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<SessionFormat>,
}

/// One therapist in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    /// The therapist's account id.
    pub therapist_id: String,
    /// Their profile.
    pub profile: TherapistProfile,
    /// Count and sum of their published review ratings; absent when they do not take
    /// reviews (so entries of servers without reviews parse unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviews: Option<crate::reviews::ReviewSummary>,
}

/// Directory search results, ordered by display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    /// Matching therapists.
    pub therapists: Vec<DirectoryEntry>,
}

/// A client asks a therapist for a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    /// The therapist's account id.
    pub therapist_id: String,
}

/// Accepts or ends a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAction {
    /// The link.
    pub link_id: String,
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Requested by the client, not yet accepted.
    Pending,
    /// Both consented: keys and messages may flow.
    Active,
    /// Ended by either side; nothing flows any more.
    Ended,
}

/// What a link shows in place of the account id of a party that deleted its account
/// (`POST /v1/account/delete`): the link is then `ended`, and that party's name is empty. The
/// other party keeps the link (and their own copy of the conversation on their devices).
/// Never a real account id (those are hex).
pub const DELETED_ACCOUNT: &str = "deleted";

/// A client ↔ therapist link as both parties see it. A party that deleted its account shows
/// as [`DELETED_ACCOUNT`] with an empty name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    /// Link id (opaque).
    pub link_id: String,
    /// The client's account id.
    pub client_id: String,
    /// The client's account name (so the therapist knows who asked).
    pub client_name: String,
    /// The therapist's account id.
    pub therapist_id: String,
    /// The therapist's display name.
    pub therapist_name: String,
    /// Current state.
    pub state: LinkState,
}

/// Links the caller is part of, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkList {
    /// The links.
    pub links: Vec<LinkInfo>,
}

/// A device's Olm identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireIdentity {
    /// Curve25519 identity key, base64.
    pub curve25519: String,
    /// Ed25519 signing key, base64.
    pub ed25519: String,
}

/// A one-time key signed by its device's Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireOneTimeKey {
    /// Curve25519 one-time key, base64.
    pub key: String,
    /// Ed25519 signature, base64.
    pub signature: String,
}

/// The account identity's signature over one device's identity (signed device record v1,
/// made and checked on the devices; the server only stores and returns it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireDeviceSignature {
    /// The account's Ed25519 identity key, base64 (peers pin it).
    pub account_key: String,
    /// Ed25519 signature of the signed device record, base64.
    pub signature: String,
}

/// Most device ids in a signed device list.
pub const MAX_LISTED_DEVICES: usize = 64;

/// The account's current devices, signed by its identity with a version that only grows
/// (signed device list v1, made and checked on the devices). The server keeps the latest:
/// a list is stored only when its version is exactly one more than the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireDeviceList {
    /// Version (1 for the first list of an account).
    pub version: u64,
    /// Device ids (at most [`MAX_LISTED_DEVICES`]).
    pub device_ids: Vec<String>,
    /// The account's Ed25519 identity key, base64.
    pub account_key: String,
    /// Ed25519 signature of the signed device list, base64.
    pub signature: String,
}

/// Publishes the calling device's identity (fixed once set) and adds one-time keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceKeysUpload {
    /// The device's identity; a different identity than the stored one is `409 conflict`.
    pub identity: WireIdentity,
    /// New one-time keys (the total kept is capped at [`MAX_ONE_TIME_KEYS`]).
    pub one_time_keys: Vec<WireOneTimeKey>,
    /// The account identity's signature over this device (replaces a stored one); devices
    /// without one receive nothing from upgraded senders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_signature: Option<WireDeviceSignature>,
    /// A new signed device list for the caller's account (kept only as the next version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_list: Option<WireDeviceList>,
    /// A signed fallback key, handed out when the one-time keys run out (never consumed by a
    /// claim); replaces the one stored. Absent: the stored one stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_key: Option<WireOneTimeKey>,
}

/// How many unclaimed one-time keys the calling device has on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCount {
    /// Unclaimed one-time keys.
    pub one_time_keys: u32,
    /// The account's stored signed device list, if any (after this upload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_list: Option<WireDeviceList>,
    /// Whether the server holds a fallback key for the device (absent from older servers:
    /// `false`, so the device uploads one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback_key: bool,
}

/// Lists the devices of an account and claims a one-time key from those that need one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRequest {
    /// The account (the caller's own, for its other devices, or a linked one).
    pub account_id: String,
    /// The devices the caller has no session with: only these get a key claimed (an empty
    /// list only lists the devices, consuming nothing). Absent (older clients): a key from
    /// every device. At most [`MAX_CLAIM_DEVICES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_keys_for: Option<Vec<String>>,
}

/// One device of the claimed account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedDevice {
    /// Device id (mailbox address).
    pub device_id: String,
    /// Its identity.
    pub identity: WireIdentity,
    /// A one-time key, removed from the server by this claim (`None` when exhausted or not
    /// asked for; a device with an existing session does not need one).
    pub one_time_key: Option<WireOneTimeKey>,
    /// The account identity's signature over this device, as published by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_signature: Option<WireDeviceSignature>,
    /// The device's signed fallback key, given only when a key was asked for and no one-time
    /// key is left (it stays on the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_key: Option<WireOneTimeKey>,
}

/// The account's non-revoked devices that have published an identity (the caller's own
/// device is left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimResponse {
    /// Devices.
    pub devices: Vec<ClaimedDevice>,
    /// The account's stored signed device list, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_list: Option<WireDeviceList>,
}

/// One Olm ciphertext for one recipient device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEnvelope {
    /// Recipient device id.
    pub device_id: String,
    /// 0 = pre-key message, 1 = normal message.
    pub kind: u8,
    /// Olm message, base64 (at most [`MAX_MESSAGE_BODY`] characters).
    pub body: String,
}

/// Deposits one message, encrypted separately for each device of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRequest {
    /// The recipient account.
    pub recipient_account: String,
    /// Random id chosen by the sender; the server keeps one copy per
    /// (sending device, client message id, recipient device), so a retry is harmless.
    pub client_message_id: String,
    /// The sender's Curve25519 identity key, base64 (lets the recipient find the session).
    pub sender_key: String,
    /// One envelope per recipient device.
    pub envelopes: Vec<OutgoingEnvelope>,
}

/// What the server did with a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendResponse {
    /// Devices whose mailbox now holds the message (newly or from an earlier try).
    pub delivered_to: Vec<String>,
    /// Envelopes addressed to devices that are unknown or revoked (the sender should re-claim).
    pub skipped: Vec<String>,
    /// Current devices of the recipient account with published keys (the sending device left
    /// out) that the send had no envelope for: the sender's device list is out of date and it
    /// should list again (each one still has to be signed by the pinned identity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// With `missing`: the version of the recipient account's stored signed device list (a
    /// device refused before and signed in since comes with a newer one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_version: Option<u64>,
}

/// Asks for the calling device's waiting messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxRequest {
    /// Page size (clamped to [`MAX_INBOX_LIMIT`]).
    pub limit: u32,
}

/// A waiting message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    /// Server id, used to acknowledge.
    pub id: u64,
    /// Sending account.
    pub sender_account: String,
    /// Sending device.
    pub sender_device: String,
    /// Sender's Curve25519 identity key, base64.
    pub sender_key: String,
    /// The sender's client message id.
    pub client_message_id: String,
    /// 0 = pre-key message, 1 = normal message.
    pub kind: u8,
    /// Olm message, base64.
    pub body: String,
    /// When the server accepted it, Unix seconds.
    pub received_at: i64,
}

/// The calling device's waiting messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Messages.
    pub messages: Vec<InboxMessage>,
    /// Whether more are waiting.
    pub more: bool,
    /// Messages that expired in a mailbox (older than the server's TTL) before their device
    /// took them in: for this device as recipient, or sent by it (at most
    /// [`MAX_EXPIRED_NOTICES`] per answer; acknowledged with [`AckRequest::expired`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expired: Vec<ExpiredMessage>,
}

/// Most expiry notices in one [`Inbox`] answer.
pub const MAX_EXPIRED_NOTICES: u32 = 100;

/// A message deleted unread from a mailbox because it outlived the server's TTL. Only
/// metadata the server already had: who, which message id, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredMessage {
    /// Server id of the notice (acknowledged with [`AckRequest::expired`]).
    pub id: u64,
    /// `true`: a message this device sent expired in `peer_device`'s mailbox; `false`: a
    /// message `peer_device` sent to this device expired before this device came back.
    pub outbound: bool,
    /// The other account (the sender of an inbound message, the recipient of an outbound one).
    pub peer_account: String,
    /// The other device.
    pub peer_device: String,
    /// The sender's client message id.
    pub client_message_id: String,
    /// When the server received the message (Unix seconds).
    pub sent_at: i64,
}

/// Deletes messages from the calling device's mailbox after they were stored on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckRequest {
    /// Server ids from [`Inbox`].
    pub ids: Vec<u64>,
    /// Ids of expiry notices ([`Inbox::expired`]) the device has taken in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expired: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen wire vectors for the mailbox: v1 clients and servers keep reading these bodies.
    #[test]
    fn mailbox_v1_wire_format_is_stable() {
        let send = r#"{"recipient_account":"acc-t","client_message_id":"m-1","sender_key":"c2VuZGVy","envelopes":[{"device_id":"dev-1","kind":0,"body":"AwE="}]}"#;
        let parsed: SendRequest = serde_json::from_str(send).unwrap();
        assert_eq!(parsed.envelopes[0].kind, 0);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), send);
        let inbox = r#"{"messages":[{"id":9,"sender_account":"acc-c","sender_device":"dev-2","sender_key":"c2VuZGVy","client_message_id":"m-1","kind":1,"body":"AwE=","received_at":1795000000}],"more":false}"#;
        let parsed: Inbox = serde_json::from_str(inbox).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), inbox);
        let claim = r#"{"devices":[{"device_id":"dev-1","identity":{"curve25519":"Yw==","ed25519":"ZQ=="},"one_time_key":null}]}"#;
        let parsed: ClaimResponse = serde_json::from_str(claim).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), claim);
        let signed = r#"{"devices":[{"device_id":"dev-1","identity":{"curve25519":"Yw==","ed25519":"ZQ=="},"one_time_key":null,"account_signature":{"account_key":"YQ==","signature":"cw=="}}]}"#;
        let parsed: ClaimResponse = serde_json::from_str(signed).unwrap();
        assert_eq!(
            parsed.devices[0]
                .account_signature
                .as_ref()
                .unwrap()
                .account_key,
            "YQ=="
        );
        assert_eq!(serde_json::to_string(&parsed).unwrap(), signed);
        assert!(parsed.devices[0].fallback_key.is_none());
        let old_claim: ClaimRequest = serde_json::from_str(r#"{"account_id":"acc-t"}"#).unwrap();
        assert_eq!(old_claim.need_keys_for, None);
        let count: KeyCount = serde_json::from_str(r#"{"one_time_keys":3}"#).unwrap();
        assert!(!count.fallback_key);
        let link = r#"{"link_id":"l1","client_id":"c","client_name":"sam","therapist_id":"t","therapist_name":"Dr. Lee","state":"active"}"#;
        let parsed: LinkInfo = serde_json::from_str(link).unwrap();
        assert_eq!(parsed.state, LinkState::Active);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), link);
        // Additions since v1: each optional, left out when empty, so older peers read on.
        let sent =
            r#"{"delivered_to":["dev-1"],"skipped":[],"missing":["dev-2"],"list_version":4}"#;
        let parsed: SendResponse = serde_json::from_str(sent).unwrap();
        assert_eq!((parsed.missing.len(), parsed.list_version), (1, Some(4)));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), sent);
        let old_sent: SendResponse =
            serde_json::from_str(r#"{"delivered_to":[],"skipped":[]}"#).unwrap();
        assert!(old_sent.missing.is_empty() && old_sent.list_version.is_none());
        let expired = r#"{"messages":[],"more":false,"expired":[{"id":3,"outbound":true,"peer_account":"acc-t","peer_device":"dev-1","client_message_id":"m-1","sent_at":1795000000}]}"#;
        let parsed: Inbox = serde_json::from_str(expired).unwrap();
        assert!(parsed.expired[0].outbound);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), expired);
        let ack = r#"{"ids":[9],"expired":[3]}"#;
        let parsed: AckRequest = serde_json::from_str(ack).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), ack);
        let old_ack: AckRequest = serde_json::from_str(r#"{"ids":[9]}"#).unwrap();
        assert_eq!(serde_json::to_string(&old_ack).unwrap(), r#"{"ids":[9]}"#);
    }

    /// Frozen wire vectors for session formats (added to protocol v1 as optional fields): a
    /// profile and a query without them keep their old bodies.
    #[test]
    fn session_format_wire_format_is_stable() {
        let profile = r#"{"display_name":"Dr. Lee","bio":"CBT","specialties":["anxiety"],"approaches":["cbt"],"languages":["en"],"slots":[],"formats":[{"format":"video","price":"€80 / 50 min"},{"format":"chat"}],"coverage":"Sliding scale"}"#;
        let parsed: TherapistProfile = serde_json::from_str(profile).unwrap();
        assert!(parsed.offers(SessionFormat::Video) && parsed.offers(SessionFormat::Chat));
        assert!(!parsed.offers(SessionFormat::Phone));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), profile);
        let old = r#"{"display_name":"Dr. Lee","bio":"CBT","specialties":[],"approaches":[],"languages":[],"slots":[]}"#;
        let parsed: TherapistProfile = serde_json::from_str(old).unwrap();
        assert!(parsed.formats.is_empty() && parsed.coverage.is_none());
        assert_eq!(serde_json::to_string(&parsed).unwrap(), old);
        let query =
            r#"{"specialty":null,"approach":null,"language":null,"text":null,"format":"phone"}"#;
        let parsed: DirectoryQuery = serde_json::from_str(query).unwrap();
        assert_eq!(parsed.format, Some(SessionFormat::Phone));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), query);
        assert!(serde_json::from_str::<DirectoryQuery>(r#"{"format":"fax"}"#).is_err());
        assert_eq!(SessionFormat::parse(" Video "), Some(SessionFormat::Video));
        assert_eq!(SessionFormat::parse("fax"), None);
    }

    /// Frozen wire vectors for fallback keys and targeted claims (added to protocol v1 as
    /// optional fields: older peers read and omit them).
    #[test]
    fn fallback_key_wire_format_is_stable() {
        let claim = r#"{"account_id":"acc-t","need_keys_for":["dev-1"]}"#;
        let parsed: ClaimRequest = serde_json::from_str(claim).unwrap();
        assert_eq!(
            parsed.need_keys_for.as_deref(),
            Some(&["dev-1".to_owned()][..])
        );
        assert_eq!(serde_json::to_string(&parsed).unwrap(), claim);
        let answer = r#"{"devices":[{"device_id":"dev-1","identity":{"curve25519":"Yw==","ed25519":"ZQ=="},"one_time_key":null,"fallback_key":{"key":"Zg==","signature":"cw=="}}]}"#;
        let parsed: ClaimResponse = serde_json::from_str(answer).unwrap();
        assert_eq!(parsed.devices[0].fallback_key.as_ref().unwrap().key, "Zg==");
        assert_eq!(serde_json::to_string(&parsed).unwrap(), answer);
        let upload = r#"{"identity":{"curve25519":"Yw==","ed25519":"ZQ=="},"one_time_keys":[],"fallback_key":{"key":"Zg==","signature":"cw=="}}"#;
        let parsed: DeviceKeysUpload = serde_json::from_str(upload).unwrap();
        assert_eq!(serde_json::to_string(&parsed).unwrap(), upload);
        let count = r#"{"one_time_keys":0,"fallback_key":true}"#;
        let parsed: KeyCount = serde_json::from_str(count).unwrap();
        assert!(parsed.fallback_key);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), count);
    }
}
