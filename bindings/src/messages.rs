//! End-to-end encrypted messaging with a therapist (thin wrappers over
//! [`solace_core::messaging`]). Local calls (compose, list, read, pause, drafts, shares) are
//! quick; calls marked *network* block on the server: call them off the main thread.

use std::sync::Arc;

use solace_core::messaging::{self as core, local};
use solace_protocol::messaging as wire;

use crate::assessments::{Instrument, Severity};
use crate::error::Result;
use crate::Inner;

pub use core::consent::LinkConsent;
pub use core::{CallState, Message, MessageContent, MessageStatus};
pub use solace_protocol::reviews::ReviewSummary;
pub use wire::{
    AvailabilitySlot, DirectoryEntry, DirectoryQuery, FormatOffer, LinkInfo, LinkState,
    SessionFormat, TherapistProfile,
};

/// How a therapist meets clients beyond messages.
#[uniffi::remote(Enum)]
pub enum SessionFormat {
    /// A video call.
    Video,
    /// A phone call.
    Phone,
    /// A live text chat.
    Chat,
}

/// One session format a therapist offers, with its price note.
#[uniffi::remote(Record)]
pub struct FormatOffer {
    /// The format.
    pub format: SessionFormat,
    /// Price note ("€80 / 50 min"); null: not stated.
    #[uniffi(default = None)]
    pub price: Option<String>,
}

/// A bookable window for short live sessions.
#[uniffi::remote(Record)]
pub struct AvailabilitySlot {
    /// Start, RFC 3339.
    pub start: String,
    /// Length in minutes.
    pub minutes: u32,
}

/// A therapist's directory profile.
#[uniffi::remote(Record)]
pub struct TherapistProfile {
    /// Name shown in the directory.
    pub display_name: String,
    /// Short introduction.
    pub bio: String,
    /// Specialties.
    pub specialties: Vec<String>,
    /// Approaches.
    pub approaches: Vec<String>,
    /// Language tags.
    pub languages: Vec<String>,
    /// Bookable windows.
    pub slots: Vec<AvailabilitySlot>,
    /// How soon they aim to answer a risk alert, in hours (their promise); null: none made.
    #[uniffi(default = None)]
    pub response_window_hours: Option<u32>,
    /// Session formats offered.
    #[uniffi(default)]
    pub formats: Vec<FormatOffer>,
    /// Insurance or coverage note; null: none.
    #[uniffi(default = None)]
    pub coverage: Option<String>,
}

/// Directory filters (null matches everything).
#[uniffi::remote(Record)]
pub struct DirectoryQuery {
    /// Specialty.
    pub specialty: Option<String>,
    /// Approach.
    pub approach: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Words in name or introduction.
    pub text: Option<String>,
    /// Session format offered; null: any.
    #[uniffi(default = None)]
    pub format: Option<SessionFormat>,
}

/// A therapist found in the directory.
#[uniffi::remote(Record)]
pub struct DirectoryEntry {
    /// The therapist's account id.
    pub therapist_id: String,
    /// Their profile.
    pub profile: TherapistProfile,
    /// Count and sum of their published review ratings; `None` when they do not take
    /// reviews (label: `reviewSummaryLabel`).
    #[uniffi(default = None)]
    pub reviews: Option<ReviewSummary>,
}

/// Count and sum of a therapist's published review ratings.
#[uniffi::remote(Record)]
pub struct ReviewSummary {
    /// Published reviews.
    pub count: u32,
    /// Sum of their ratings.
    pub rating_sum: u32,
}

/// A directory entry's review line: `★ 4.6 (12 reviews)`, `no reviews yet`, or `—`.
#[uniffi::export]
pub fn review_summary_label(summary: Option<ReviewSummary>) -> String {
    solace_core::reviews::summary_label(summary.as_ref())
}

/// Where a link stands.
#[uniffi::remote(Enum)]
pub enum LinkState {
    /// Asked, not yet accepted.
    Pending,
    /// Both consented.
    Active,
    /// Ended by either side.
    Ended,
}

/// A client ↔ therapist link.
#[uniffi::remote(Record)]
pub struct LinkInfo {
    /// Link id.
    pub link_id: String,
    /// Client account id.
    pub client_id: String,
    /// Client account name.
    pub client_name: String,
    /// Therapist account id.
    pub therapist_id: String,
    /// Therapist display name.
    pub therapist_name: String,
    /// State.
    pub state: LinkState,
}

/// A message's status: outgoing queued → sent → delivered → read (or wedged); incoming
/// unread → read.
#[uniffi::remote(Enum)]
pub enum MessageStatus {
    /// In this device's outbox.
    Queued,
    /// Held by the server for the recipient.
    Sent,
    /// Stored on a recipient device.
    Delivered,
    /// Read.
    Read,
    /// Failed repeatedly; offer "retry".
    Wedged,
    /// Incoming, not read yet.
    Unread,
}

/// A live-session request's state.
#[uniffi::remote(Enum)]
pub enum CallState {
    /// Waiting for the therapist.
    Requested,
    /// Accepted: hand `room` to the calling platform.
    Accepted {
        /// Room id / join link.
        room: String,
    },
    /// Declined.
    Declined,
}

/// What flows to a linked therapist on its own (each off by default).
#[uniffi::remote(Record)]
pub struct LinkConsent {
    /// Share each new PHQ-9/GAD-7 result.
    pub share_assessments: bool,
    /// Send a risk alert when PHQ-9 item 9 is above 0 or a score is severe.
    pub risk_alerts: bool,
    /// Share the mood trend (daily averages of the last 180 days, no notes), kept current.
    pub share_mood: bool,
}

/// What a message shows.
#[uniffi::remote(Enum)]
pub enum MessageContent {
    /// Chat text.
    Text {
        /// The text.
        text: String,
    },
    /// A short live-session request.
    Call {
        /// Request id.
        request_id: String,
        /// Start, RFC 3339.
        start: String,
        /// Minutes.
        minutes: u32,
        /// Video, phone or chat, when the request named one.
        format: Option<SessionFormat>,
        /// State.
        state: CallState,
    },
    /// A notice Solace adds on this device (e.g. "Dr. Lee added a device"); never sent.
    Notice {
        /// The sentence to show.
        text: String,
    },
    /// A risk alert the client chose to send automatically.
    RiskAlert {
        /// The questionnaire.
        instrument: Instrument,
        /// Total score.
        total: u8,
        /// Its band.
        severity: Severity,
        /// PHQ-9 item 9, 0–3; `None` for GAD-7.
        item9: Option<u8>,
        /// When the client completed it, RFC 3339.
        completed_at: String,
    },
    /// A file sent end to end (a therapist report), one message while its parts arrive.
    Attachment {
        /// Transfer id (the message id).
        transfer_id: String,
        /// File name offered when saving.
        name: String,
        /// Media type, e.g. `application/pdf`.
        media_type: String,
        /// Size in bytes.
        size: u64,
        /// SHA-256 of the file, lowercase hex.
        sha256: String,
        /// Parts it was split into.
        parts: u32,
        /// Parts arrived so far.
        received: u32,
        /// Every part arrived and the file matched its SHA-256.
        complete: bool,
    },
    /// The therapist asked for the intake form.
    IntakeRequest {
        /// Request id.
        request_id: String,
        /// The therapist's note.
        note: Option<String>,
    },
    /// A treatment goal the therapist proposed.
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
    /// A referral card to in-person or hybrid care.
    Referral {
        /// Referral id.
        referral_id: String,
        /// The card.
        card: crate::care::ReferralCard,
        /// Whether the client acknowledged it.
        acknowledged: bool,
    },
}

/// A message.
#[uniffi::remote(Record)]
pub struct Message {
    /// Message id.
    pub id: String,
    /// The other party's account id (the conversation).
    pub peer_account: String,
    /// Sent by this account.
    pub outgoing: bool,
    /// Send time, Unix milliseconds.
    #[uniffi(name = "sent_at_ms")]
    pub sent_at: i64,
    /// Status.
    pub status: MessageStatus,
    /// Content.
    pub content: MessageContent,
}

// Kept as a twin of `core::Conversation`, which also carries the link id the apps never see.
/// A conversation with a linked therapist or client.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Conversation {
    /// The other party's account id.
    pub peer_account: String,
    /// Their name.
    pub peer_name: String,
    /// Paused by this user (show it; no reminders).
    pub paused: bool,
    /// Paused by the other side.
    pub peer_paused: bool,
    /// Unread incoming messages.
    pub unread: u32,
    /// Newest message time, Unix milliseconds.
    pub last_at_ms: Option<i64>,
    /// Unsent draft.
    pub draft: Option<String>,
}

impl From<core::Conversation> for Conversation {
    fn from(c: core::Conversation) -> Self {
        Self {
            peer_account: c.peer_account,
            peer_name: c.peer_name,
            paused: c.paused,
            peer_paused: c.peer_paused,
            unread: c.unread,
            last_at_ms: c.last_at,
            draft: c.draft,
        }
    }
}

// Kept: the core's item carries its content as a JSON value, the sender and a time.
/// An item a client shared with this therapist.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SharedItem {
    /// Share id.
    pub share_id: String,
    /// `journal`, `thought_record` or `assessment`.
    pub item_kind: String,
    /// Title.
    pub title: String,
    /// The item as JSON.
    pub content_json: String,
}

// Kept: one report over the core's inbox and outbox reports.
/// What a messaging round did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MessagingReport {
    /// Messages taken in.
    pub received: u32,
    /// Duplicate deliveries dropped.
    pub duplicates: u32,
    /// Messages that failed verification (dropped).
    pub rejected: u32,
    /// Outbox entries sent.
    pub sent: u32,
    /// Outbox entries still waiting.
    pub waiting: u32,
    /// Outbox entries needing a retry.
    pub wedged: u32,
    /// Text for a notification (discreet by default), if one is due.
    pub notification: Option<String>,
    /// Conversations that got new messages.
    pub conversations_with_new_messages: u32,
    /// Conversations (peer account ids) whose identity changed: messages to them wait until
    /// `accept_identity_change`.
    pub identity_changed: Vec<String>,
    /// Messages kept on the server because their sender's identity changed.
    pub identity_held: u32,
    /// Conversations where a listed device was not signed by the account (sent nothing).
    pub refused_devices: Vec<String>,
    /// Conversations where the other person added a (signed) device.
    pub added_devices: Vec<String>,
}

/// Messaging of one store (get it from [`crate::Solace::messages`]).
#[derive(uniffi::Object)]
pub struct Messages {
    pub(crate) inner: Arc<Inner>,
}

fn messaging_report(inbox: core::InboxReport, outbox: core::OutboxReport) -> MessagingReport {
    MessagingReport {
        received: inbox.received,
        duplicates: inbox.duplicates,
        rejected: inbox.rejected,
        sent: outbox.sent,
        waiting: outbox.waiting,
        wedged: outbox.wedged,
        notification: inbox.notification,
        conversations_with_new_messages: u32::try_from(inbox.arrived.len()).unwrap_or(u32::MAX),
        identity_changed: outbox.identity_changed,
        identity_held: inbox.identity_held,
        refused_devices: outbox.refused_devices,
        added_devices: outbox.added_devices,
    }
}

#[uniffi::export]
impl Messages {
    /// *Network.* Publishes this account's therapist profile (the account becomes a therapist).
    pub async fn publish_therapist_profile(&self, profile: TherapistProfile) -> Result<()> {
        Ok(self.inner.app.publish_therapist_profile(profile).await?)
    }

    /// *Network.* Searches the therapist directory.
    pub async fn search_directory(&self, query: DirectoryQuery) -> Result<Vec<DirectoryEntry>> {
        Ok(self.inner.app.search_directory(query).await?)
    }

    /// *Network.* Asks a therapist for a link.
    pub async fn request_link(&self, therapist_id: String) -> Result<LinkInfo> {
        Ok(self.inner.app.request_link(therapist_id).await?)
    }

    /// *Network.* This account's links (active ones get a conversation).
    pub async fn links(&self) -> Result<Vec<LinkInfo>> {
        Ok(self.inner.app.links().await?)
    }

    /// *Network.* The therapist accepts a link request (and publishes this device's keys).
    pub async fn accept_link(&self, link_id: String) -> Result<LinkInfo> {
        Ok(self.inner.app.accept_link(link_id).await?)
    }

    /// *Network.* Ends a link (either side).
    pub async fn end_link(&self, link_id: String) -> Result<LinkInfo> {
        Ok(self.inner.app.end_link(link_id).await?)
    }

    /// *Network.* Takes in new messages and sends the outbox (also run by
    /// [`crate::SyncService::sync_now`]). Listeners get `on_message_arrived` per conversation.
    pub async fn sync(&self) -> Result<MessagingReport> {
        let (inbox, outbox) = self.inner.app.messaging_round().await?;
        Ok(messaging_report(inbox, outbox))
    }

    /// Conversations, most recent first, with unread counts.
    pub fn conversations(&self) -> Result<Vec<Conversation>> {
        self.inner.read(|s| {
            Ok(local::conversations(s)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    /// A conversation's messages, oldest first.
    pub fn messages(&self, peer_account: String) -> Result<Vec<Message>> {
        self.inner.read(|s| local::messages(s, &peer_account))
    }

    /// Writes a message: stored as queued and put in the outbox (works offline).
    pub fn send_text(&self, peer_account: String, text: String) -> Result<Message> {
        self.inner
            .with(|s| local::send_text(s, &peer_account, &text))
    }

    /// Marks the conversation read (queues a read receipt); returns how many were unread.
    pub fn mark_read(&self, peer_account: String) -> Result<u32> {
        self.inner.with(|s| local::mark_read(s, &peer_account))
    }

    /// Pauses (no reminders, shown to both sides) or resumes a conversation.
    pub fn set_paused(&self, peer_account: String, paused: bool) -> Result<()> {
        self.inner
            .with(|s| local::set_paused(s, &peer_account, paused))
    }

    /// What flows to the linked therapist `therapist_account` on its own (each off by default).
    pub fn link_consent(&self, therapist_account: String) -> Result<LinkConsent> {
        self.inner
            .with(|s| core::consent::get(s, &therapist_account))
    }

    /// Sets what flows on its own: each new PHQ-9/GAD-7 result, and a risk alert (item 9 above
    /// 0 or a severe score). Synced to the person's devices.
    pub fn set_link_consent(&self, therapist_account: String, consent: LinkConsent) -> Result<()> {
        self.inner
            .with(|s| core::consent::set(s, &therapist_account, consent))
    }

    /// The risk alerts from `peer_account` not acknowledged yet (therapists).
    pub fn open_alerts(&self, peer_account: String) -> Result<Vec<Message>> {
        self.inner.with(|s| core::alerts::open(s, &peer_account))
    }

    /// Acknowledges a risk alert (synced to the therapist's other devices).
    pub fn acknowledge_alert(&self, message_id: String) -> Result<()> {
        self.inner
            .with(|s| core::alerts::acknowledge(s, &message_id))
    }

    /// Keeps (or clears with null) an encrypted draft.
    pub fn set_draft(&self, peer_account: String, draft: Option<String>) -> Result<()> {
        self.inner
            .with(|s| local::set_draft(s, &peer_account, draft.as_deref()))
    }

    /// Makes a wedged message due again.
    pub fn retry(&self, message_id: String) -> Result<bool> {
        self.inner.with(|s| local::retry(s, &message_id))
    }

    /// Shares a journal entry, thought record or assessment (record id) with the peer.
    pub fn share(&self, peer_account: String, record_id: String) -> Result<String> {
        let id = crate::common::id(&record_id)?;
        self.inner.with(|s| local::share(s, &peer_account, &id))
    }

    /// Stops sharing an item; false if it was not shared.
    pub fn unshare(&self, share_id: String) -> Result<bool> {
        self.inner.with(|s| local::unshare(s, &share_id))
    }

    /// Items the peer shared with this account.
    pub fn shared_with_me(&self, peer_account: String) -> Result<Vec<SharedItem>> {
        self.inner.read(|s| {
            Ok(local::shared_with_me(s, &peer_account)?
                .into_iter()
                .map(|i| SharedItem {
                    share_id: i.share_id,
                    item_kind: i.item_kind,
                    title: i.title,
                    content_json: i.content.to_string(),
                })
                .collect())
        })
    }

    /// *Network.* Requests a 5–15 minute live session inside one of the therapist's slots, in
    /// a format they offer (null only when they list none).
    pub async fn request_call(
        &self,
        therapist_id: String,
        start: String,
        minutes: u32,
        format: Option<SessionFormat>,
    ) -> Result<Message> {
        let ask = local::CallAsk {
            start,
            minutes,
            format,
        };
        Ok(self.inner.app.request_call(therapist_id, ask).await?)
    }

    /// The therapist accepts (creating a platform room id) or declines a call request.
    pub fn answer_call(&self, request_id: String, accept: bool) -> Result<Message> {
        self.inner
            .with(|s| local::answer_call(s, &request_id, accept))
    }

    /// Whether notifications hide who wrote (default true).
    pub fn discreet_notifications(&self) -> Result<bool> {
        self.inner.read(local::discreet_notifications)
    }

    /// Sets notification discretion.
    pub fn set_discreet_notifications(&self, discreet: bool) -> Result<()> {
        self.inner
            .with(|s| local::set_discreet_notifications(s, discreet))
    }
}
