//! Storage types for the therapist directory, links, the Olm key directory and the per-device
//! mailbox, plus the directory filter (applied once here for both backends).
//!
//! What is stored is what the protocol lets the server see: public profiles, who is linked to
//! whom, public Olm keys, and Olm ciphertext addressed to devices. Nothing here can be read as
//! message content.

use solace_protocol::messaging::{
    DirectoryEntry, DirectoryQuery, LinkInfo, LinkState, TherapistProfile,
};

use super::{StorageError, StorageResult};

/// A client ↔ therapist link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    /// Random link id.
    pub link_id: String,
    /// The client's account id.
    pub client_id: String,
    /// The client's username when the link was requested.
    pub client_name: String,
    /// The therapist's account id.
    pub therapist_id: String,
    /// The therapist's display name when the link was requested.
    pub therapist_name: String,
    /// Current state.
    pub state: LinkState,
    /// When the client asked, Unix seconds.
    pub created_at: i64,
}

impl StoredLink {
    /// The wire form both parties see.
    pub fn info(&self) -> LinkInfo {
        LinkInfo {
            link_id: self.link_id.clone(),
            client_id: self.client_id.clone(),
            client_name: self.client_name.clone(),
            therapist_id: self.therapist_id.clone(),
            therapist_name: self.therapist_name.clone(),
            state: self.state,
        }
    }

    /// Whether `account_id` is the client or the therapist of this link.
    pub fn involves(&self, account_id: &str) -> bool {
        self.client_id == account_id || self.therapist_id == account_id
    }
}

/// The stored text of a link state.
pub fn state_text(state: LinkState) -> &'static str {
    match state {
        LinkState::Pending => "pending",
        LinkState::Active => "active",
        LinkState::Ended => "ended",
    }
}

/// Parses a stored link state.
pub fn parse_state(text: &str) -> StorageResult<LinkState> {
    match text {
        "pending" => Ok(LinkState::Pending),
        "active" => Ok(LinkState::Active),
        "ended" => Ok(LinkState::Ended),
        _ => Err(StorageError::Backend("corrupt link state".into())),
    }
}

/// The stored text of a profile (JSON).
pub fn profile_text(profile: &TherapistProfile) -> StorageResult<String> {
    serde_json::to_string(profile).map_err(|_| StorageError::Backend("profile encoding".into()))
}

/// Parses a stored profile.
pub fn parse_profile(text: &str) -> StorageResult<TherapistProfile> {
    serde_json::from_str(text).map_err(|_| StorageError::Backend("corrupt profile".into()))
}

/// One validated envelope of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnvelope {
    /// Recipient device id.
    pub device_id: String,
    /// 0 = pre-key message, 1 = normal message.
    pub kind: u8,
    /// Olm message, base64 (stored as received; the server never decodes it further).
    pub body: String,
}

/// A validated send: one message for several devices of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Sending account.
    pub sender_account: String,
    /// Sending device.
    pub sender_device: String,
    /// Recipient account; envelopes for devices outside it are skipped.
    pub recipient_account: String,
    /// The sender's client message id (idempotency key with the two device ids).
    pub client_message_id: String,
    /// The sender's Curve25519 identity key, base64.
    pub sender_key: String,
    /// One envelope per recipient device (device ids distinct).
    pub envelopes: Vec<NewEnvelope>,
    /// Unix seconds, stored as the receive time.
    pub now: i64,
    /// Most messages one device's mailbox may hold.
    pub mailbox_cap: u32,
    /// Most messages one device's mailbox may hold from the sending account, so one sender
    /// cannot fill it for everyone else.
    pub sender_cap: u32,
    /// Messages older than this (seconds) are purged from the recipients' mailboxes first.
    pub ttl_secs: i64,
}

/// What a deposit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepositOutcome {
    /// Devices whose mailbox holds the message (new or from an earlier try), in request order.
    pub delivered_to: Vec<String>,
    /// Envelopes for devices that are unknown, revoked or of another account.
    pub skipped: Vec<String>,
    /// Devices that received the message just now, with how many messages now wait there.
    pub newly_queued: Vec<(String, u32)>,
    /// Current devices of the recipient account with published keys (the sending device left
    /// out) that had no envelope: the sender's list is out of date.
    pub missing: Vec<String>,
    /// With `missing`: the recipient account's signed device list version, if it has one.
    pub list_version: Option<u64>,
}

/// The devices of `current` that no envelope addresses, sorted (a send's
/// [`DepositOutcome::missing`]).
pub(crate) fn unaddressed(mut current: Vec<String>, envelopes: &[NewEnvelope]) -> Vec<String> {
    current.retain(|id| !envelopes.iter().any(|e| e.device_id == *id));
    current.sort();
    current
}

fn norm(filter: &Option<String>) -> Option<String> {
    filter
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_lowercase)
}

fn lists(entries: &[String], wanted: &Option<String>) -> bool {
    match norm(wanted) {
        None => true,
        Some(w) => entries.iter().any(|e| e.trim().to_lowercase() == w),
    }
}

/// Whether `profile` passes every filter of `query` (case-insensitive; empty filters match).
pub fn directory_matches(query: &DirectoryQuery, profile: &TherapistProfile) -> bool {
    let text = match norm(&query.text) {
        None => true,
        Some(t) => {
            profile.display_name.to_lowercase().contains(&t)
                || profile.bio.to_lowercase().contains(&t)
        }
    };
    text && lists(&profile.specialties, &query.specialty)
        && lists(&profile.approaches, &query.approach)
        && lists(&profile.languages, &query.language)
        && query.format.is_none_or(|f| profile.offers(f))
}

/// The matching profiles as directory entries, ordered by display name (case-insensitive,
/// then account id so the order is stable).
pub fn search_directory(
    all: Vec<(String, TherapistProfile)>,
    query: &DirectoryQuery,
) -> Vec<DirectoryEntry> {
    let mut found: Vec<DirectoryEntry> = all
        .into_iter()
        .filter(|(_, p)| directory_matches(query, p))
        .map(|(therapist_id, profile)| DirectoryEntry {
            therapist_id,
            profile,
            reviews: None,
        })
        .collect();
    found.sort_by_cached_key(|e| {
        (
            e.profile.display_name.to_lowercase(),
            e.therapist_id.clone(),
        )
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use solace_protocol::messaging::{FormatOffer, SessionFormat};

    fn profile(
        name: &str,
        bio: &str,
        specialties: &[&str],
        languages: &[&str],
    ) -> TherapistProfile {
        TherapistProfile {
            display_name: name.into(),
            bio: bio.into(),
            specialties: specialties.iter().map(|s| (*s).into()).collect(),
            approaches: vec!["CBT".into()],
            languages: languages.iter().map(|s| (*s).into()).collect(),
            slots: vec![],
            response_window_hours: None,
            // Ada offers phone sessions; zoe none.
            formats: (name == "Ada")
                .then_some(FormatOffer {
                    format: SessionFormat::Phone,
                    price: None,
                })
                .into_iter()
                .collect(),
            coverage: None,
        }
    }

    #[test]
    fn filters_are_case_insensitive_and_results_sorted_by_name() {
        let all = vec![
            (
                "b".to_owned(),
                profile("zoe", "Grief work", &["Grief"], &["en"]),
            ),
            (
                "a".to_owned(),
                profile("Ada", "Anxiety and sleep", &["anxiety"], &["de", "EN"]),
            ),
        ];
        let q = DirectoryQuery::default();
        let names: Vec<_> = search_directory(all.clone(), &q)
            .into_iter()
            .map(|e| e.profile.display_name)
            .collect();
        assert_eq!(names, ["Ada", "zoe"]);
        let q = DirectoryQuery {
            language: Some("en".into()),
            approach: Some("cbt".into()),
            text: Some("SLEEP".into()),
            specialty: Some(" ".into()),
            format: None,
        };
        let found = search_directory(all.clone(), &q);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].therapist_id, "a");
        let q = DirectoryQuery {
            specialty: Some("grief".into()),
            ..DirectoryQuery::default()
        };
        assert_eq!(search_directory(all.clone(), &q)[0].therapist_id, "b");
        let q = DirectoryQuery {
            format: Some(SessionFormat::Phone),
            ..DirectoryQuery::default()
        };
        let found = search_directory(all, &q);
        assert_eq!(found.len(), 1, "only one offers phone sessions");
        assert_eq!(found[0].therapist_id, "a");
    }

    #[test]
    fn states_round_trip() {
        for s in [LinkState::Pending, LinkState::Active, LinkState::Ended] {
            assert_eq!(parse_state(state_text(s)).unwrap(), s);
        }
        assert!(parse_state("weird").is_err());
    }
}
