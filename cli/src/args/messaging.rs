//! Command-line arguments of the messaging commands: therapist profiles, the directory,
//! links, messages, conversations, shares and live-session calls.

use clap::{Args, Subcommand};
use solace_protocol::messaging::{FormatOffer, SessionFormat};

/// A therapist's directory profile, as command-line flags.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Name shown in the directory
    #[arg(long)]
    pub name: String,
    /// Short introduction
    #[arg(long, default_value = "")]
    pub bio: String,
    /// A specialty (repeatable), e.g. anxiety
    #[arg(long = "specialty")]
    pub specialties: Vec<String>,
    /// An approach (repeatable), e.g. cbt
    #[arg(long = "approach")]
    pub approaches: Vec<String>,
    /// A language tag (repeatable), e.g. en
    #[arg(long = "language")]
    pub languages: Vec<String>,
    /// An availability slot START/MINUTES (repeatable), e.g. 2026-12-01T10:00:00Z/60
    #[arg(long = "slot")]
    pub slots: Vec<String>,
    /// How soon you aim to answer a client's risk alert, in hours (shown to clients as your
    /// promise; Solace is not an emergency service)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=336))]
    pub response_window_hours: Option<u32>,
    /// A session format you offer, with an optional price note (repeatable):
    /// video, phone or chat, e.g. --format "video=€80 / 50 min" --format chat
    #[arg(long = "format", value_parser = parse_offer)]
    pub formats: Vec<FormatOffer>,
    /// Insurance or coverage note, e.g. "Sliding scale; receipts for private insurers"
    #[arg(long)]
    pub coverage: Option<String>,
}

/// `video`, `phone` or `chat`, any case.
pub fn parse_format(text: &str) -> Result<SessionFormat, String> {
    SessionFormat::parse(text).ok_or_else(|| "a format is video, phone or chat".to_owned())
}

/// `FORMAT` or `FORMAT=PRICE`.
fn parse_offer(text: &str) -> Result<FormatOffer, String> {
    let (format, price) = match text.split_once('=') {
        Some((format, price)) => (format, Some(price.trim().to_owned())),
        None => (text, None),
    };
    Ok(FormatOffer {
        format: parse_format(format)?,
        price: price.filter(|p| !p.is_empty()),
    })
}

/// `solace therapist …`
#[derive(Debug, Subcommand)]
pub enum TherapistCommand {
    /// Create a therapist account on the server from this store and publish the profile
    Register {
        /// Server base URL
        #[arg(long, env = "SOLACE_SERVER")]
        server: String,
        /// Account name (3-64 of a-z 0-9 . _ -)
        #[arg(long)]
        username: String,
        /// The directory profile
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Update the directory profile of this (already registered) account
    Profile(ProfileArgs),
    /// Take reviews from former clients (`on`) or stop (`off`)
    Reviews {
        /// on or off
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Publish a reply to one of your reviews (empty text removes it)
    Reply {
        /// Review id (from `solace reviews NAME`)
        review: String,
        /// The reply
        text: String,
    },
}

/// `solace review NAME --rating N [TEXT]`
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The therapist (display name or id); the link with them must have ended
    pub therapist: String,
    /// 1 (poor) to 5 (excellent)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub rating: u8,
    /// A short review (at most 1000 characters)
    #[arg(default_value = "")]
    pub text: String,
}

/// `solace directory …`
#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// List therapists, optionally filtered
    Search {
        /// Must list this specialty
        #[arg(long)]
        specialty: Option<String>,
        /// Must use this approach
        #[arg(long)]
        approach: Option<String>,
        /// Must speak this language
        #[arg(long)]
        language: Option<String>,
        /// Must offer this session format: video, phone or chat
        #[arg(long, value_parser = parse_format)]
        format: Option<SessionFormat>,
        /// Words in the name or introduction
        text: Option<String>,
    },
}

/// `solace link …`
#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Ask a therapist (id from `solace directory search`) to link with you
    Request {
        /// The therapist's id
        therapist: String,
        /// Share each new PHQ-9/GAD-7 result with them automatically
        #[arg(long)]
        share_assessments: bool,
        /// Send them a risk alert when PHQ-9 item 9 is above 0 or a score is severe
        #[arg(long)]
        risk_alerts: bool,
        /// Share your mood trend (daily averages of the last 180 days, no notes) with them
        #[arg(long)]
        share_mood: bool,
    },
    /// What flows to a linked therapist on its own; shows the choices, or changes them
    Consent {
        /// The therapist: a name or account id from `solace message list`
        with: String,
        /// Share each new PHQ-9/GAD-7 result (on or off)
        #[arg(long, value_parser = ["on", "off"])]
        share_assessments: Option<String>,
        /// Send a risk alert when PHQ-9 item 9 is above 0 or a score is severe (on or off)
        #[arg(long, value_parser = ["on", "off"])]
        risk_alerts: Option<String>,
        /// Share your mood trend: daily averages of the last 180 days, no notes (on or off)
        #[arg(long, value_parser = ["on", "off"])]
        share_mood: Option<String>,
    },
    /// Your links and their state
    List,
    /// Accept a client's request (therapists)
    Accept {
        /// Link id (or a unique prefix)
        link: String,
    },
    /// End a link: no more messages or keys flow between the two of you
    End {
        /// Link id (or a unique prefix)
        link: String,
    },
}

/// `solace message …`
#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// Write a message (queued at once; sent now if the server is reachable)
    Send {
        /// Who: a name or account id from `solace message list`
        to: String,
        /// The message
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        /// Only queue it; the next `solace sync` sends it
        #[arg(long)]
        queue_only: bool,
    },
    /// Conversations with unread counts, or one conversation's messages
    List {
        /// A conversation (name or account id)
        with: Option<String>,
    },
    /// Fetch new messages, show a conversation and mark it read
    Read {
        /// The conversation (name or account id)
        with: String,
    },
    /// Try a wedged message again
    Retry {
        /// Message id (or a unique prefix)
        id: String,
    },
    /// Save a file (a therapist report) that arrived complete, or that you sent
    SaveAttachment {
        /// The attachment's message id (or a unique prefix), from `solace message list NAME`
        id: String,
        /// Where to write it (atomically; not encrypted)
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Keep an encrypted draft for a conversation (no text clears it)
    Draft {
        /// The conversation
        with: String,
        /// The draft
        text: Vec<String>,
    },
}

/// `solace conversation …`
#[derive(Debug, Subcommand)]
pub enum ConversationCommand {
    /// Pause: no reminders or notifications; the other side sees it is paused
    Pause {
        /// The conversation (name or account id)
        with: String,
    },
    /// Resume a paused conversation
    Resume {
        /// The conversation (name or account id)
        with: String,
    },
    /// Whether notifications hide who wrote (on by default)
    Discreet {
        /// on or off
        setting: String,
    },
}

/// Arguments of `solace verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The conversation (name or account id)
    pub with: String,
    /// You compared the safety number with the other person (in person or by a call)
    #[arg(long, conflicts_with_all = ["unverify", "accept_change"])]
    pub mark_verified: bool,
    /// Withdraw a verification
    #[arg(long, conflicts_with = "accept_change")]
    pub unverify: bool,
    /// Accept the other person's changed identity (sending resumes; compare the new number)
    #[arg(long)]
    pub accept_change: bool,
}

/// Arguments of `solace share`.
#[derive(Debug, Args)]
pub struct ShareArgs {
    /// What to do (share an item when none is given)
    #[command(subcommand)]
    pub command: ShareCommand,
}

/// `solace share …`
#[derive(Debug, Subcommand)]
pub enum ShareCommand {
    /// Share a journal entry, thought record or assessment (id prefix) with a conversation
    Item {
        /// The conversation (your therapist's name or account id)
        with: String,
        /// Record id prefix (from `solace journal list` or `solace assess history`)
        record: String,
    },
    /// Stop sharing an item (no later edits are sent; the therapist's copy is removed)
    Stop {
        /// The share id (the record id, or a unique prefix)
        share: String,
    },
    /// Items you share, and items shared with you
    List,
}

/// `solace call …`
#[derive(Debug, Subcommand)]
pub enum CallCommand {
    /// Ask for a short live session in one of the therapist's slots
    Request {
        /// The therapist (name or account id)
        with: String,
        /// Start, RFC 3339 (e.g. 2026-12-01T10:15:00Z)
        start: String,
        /// Length in minutes, 5-15
        #[arg(default_value_t = 10)]
        minutes: u32,
        /// How: video, phone or chat (one the therapist offers; see `solace directory search`)
        #[arg(long, value_parser = parse_format)]
        format: Option<SessionFormat>,
    },
    /// Accept or decline a request (therapists)
    Answer {
        /// The request id (or a unique prefix), from `solace message list NAME`
        request: String,
        /// accept or decline
        answer: String,
    },
}
