//! Verified, unlinkable reviews (client side).
//!
//! While a link is active (and once the server's minimum link age passed) the client's
//! device obtains one blind-signed token per link and key period over its account
//! connection ([`refresh_tokens`], run after every messaging sync) and keeps it sealed in
//! device state. After the link ended, [`submit`] spends it over a fresh connection that
//! carries no account token and shares no connection pool with the account's client. Both
//! times the device compares the key with the one the server publishes for the period (and
//! the one it pinned), so a server that signs one client with a key of its own is caught
//! before anything is sent.
//!
//! Device-state names (sealed, never synced): `review/links` (this account's links as the
//! client), `review/token/{link}/{period}`, `review/key/{period}` (the pinned key id),
//! `review/tried/{link}` (last refused attempt).

pub mod token;

use solace_protocol::endpoint as ep;
use solace_protocol::messaging::{LinkInfo, LinkState};
use solace_protocol::reviews as r;

use crate::error::{CoreError, InputProblem, Result, ReviewError, TransportError};
use crate::store::Store;
use crate::sync::cell::StoreCell;
use crate::sync::transport::HttpTransport;
use token::{PublishedKey, Token};

const LINKS: &str = "review/links";
const TOKEN_PREFIX: &str = "review/token/";
const PIN_PREFIX: &str = "review/key/";
const TRIED_PREFIX: &str = "review/tried/";
/// Seconds between attempts for a link whose token was refused (too young, therapist not
/// opted in): one request per link per few hours, not one per sync.
const RETRY_SECS: i64 = 6 * 3600;

/// A link of this account as the client, as last listed by the server.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientLink {
    /// Link id.
    pub link_id: String,
    /// The therapist's account id.
    pub therapist_id: String,
    /// The therapist's display name.
    pub therapist_name: String,
    /// Whether the link is still active (reviews open once it is not).
    pub active: bool,
}

/// Keeps the links in which `me` is the client (called with every link list).
pub fn remember_links(store: &mut Store, me: &str, links: &[LinkInfo]) -> Result<()> {
    let mine: Vec<ClientLink> = links
        .iter()
        .filter(|l| l.client_id == me && l.state != LinkState::Pending)
        .map(|l| ClientLink {
            link_id: l.link_id.clone(),
            therapist_id: l.therapist_id.clone(),
            therapist_name: l.therapist_name.clone(),
            active: l.state == LinkState::Active,
        })
        .collect();
    let known = client_links(store)?;
    // Links the server no longer lists stay known (a deleted therapist's link keeps its id).
    let mut merged = mine.clone();
    merged.extend(
        known
            .into_iter()
            .filter(|k| !mine.iter().any(|m| m.link_id == k.link_id)),
    );
    let bytes = serde_json::to_vec(&merged).map_err(|_| CoreError::Internal("review links"))?;
    store.put_device_state(LINKS, &bytes)
}

/// This account's links as the client, as last listed.
pub fn client_links(store: &Store) -> Result<Vec<ClientLink>> {
    match store.device_state(LINKS)? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|_| CoreError::MalformedRecord {
            kind: "review links",
        }),
        None => Ok(Vec::new()),
    }
}

fn token_name(link_id: &str, period: u32) -> String {
    format!("{TOKEN_PREFIX}{link_id}/{period:010}")
}

fn load_token(store: &Store, name: &str) -> Result<Option<Token>> {
    match store.device_state(name)? {
        Some(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| CoreError::MalformedRecord {
                    kind: "review token",
                })
        }
        None => Ok(None),
    }
}

/// Checks `key` against the id pinned for its period, pinning it when none is.
fn pin(cell: &dyn StoreCell, key: &PublishedKey) -> Result<()> {
    let name = format!("{PIN_PREFIX}{}", key.period);
    cell.with(|s| match s.device_state(&name)? {
        Some(pinned) if pinned.as_slice() != key.key_id.as_bytes() => {
            Err(ReviewError::KeyMismatch.into())
        }
        Some(_) => Ok(()),
        None => s.put_device_state(&name, key.key_id.as_bytes()),
    })
}

/// Obtains a token for every active link (as the client) that has none for the current
/// period and was not refused in the last few hours. Returns how many were obtained. A
/// refusal (therapist not opted in, link too young, already issued) only delays the next
/// attempt; a key that differs from the pinned one is an error.
pub fn refresh_tokens(cell: &dyn StoreCell, http: &HttpTransport, now: i64) -> Result<u32> {
    let links: Vec<ClientLink> = cell
        .with(|s| client_links(s))?
        .into_iter()
        .filter(|l| l.active)
        .collect();
    if links.is_empty() {
        return Ok(0);
    }
    let auth = cell.with(|s| {
        s.sync_account()?
            .map(|(_, token)| token.to_string())
            .ok_or(CoreError::NotRegistered)
    })?;
    let mut published: Option<PublishedKey> = None;
    let mut obtained = 0;
    for link in links {
        let tried = format!("{TRIED_PREFIX}{}", link.link_id);
        let recently_refused = cell.with(|s| {
            Ok(s.device_state(&tried)?
                .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
                .is_some_and(|b| now - i64::from_be_bytes(b) < RETRY_SECS))
        })?;
        if recently_refused {
            continue;
        }
        let key = match &published {
            Some(key) => key,
            None => {
                let keys = http.request::<ep::ReviewKeys>(None, &ep::NoBody)?;
                let wire = token::key_of(&keys, keys.current_period).ok_or(
                    TransportError::Inconsistent("no review key for the current period"),
                )?;
                let key = PublishedKey::parse(wire)?;
                pin(cell, &key)?;
                published.insert(key)
            }
        };
        let name = token_name(&link.link_id, key.period);
        if cell.with(|s| s.device_state(&name))?.is_some() {
            continue;
        }
        let pending = token::Pending::new(key, &link.therapist_id)?;
        let request = r::TokenRequest {
            link_id: link.link_id.clone(),
            period: key.period,
            blinded: pending.blinded(),
        };
        match http.request::<ep::ReviewToken>(Some(&auth), &request) {
            Ok(answer) => {
                let token = pending.finish(key, &answer)?;
                let bytes = zeroize::Zeroizing::new(
                    serde_json::to_vec(&token).map_err(|_| CoreError::Internal("review token"))?,
                );
                cell.with(|s| {
                    s.put_device_state(&name, &bytes)?;
                    s.delete_device_state(&tried)
                })?;
                obtained += 1;
            }
            Err(CoreError::Transport(TransportError::Rejected { .. })) => {
                cell.with(|s| s.put_device_state(&tried, &now.to_be_bytes()))?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(obtained)
}

/// Checks a rating (1–5) and text (at most [`r::MAX_REVIEW_CHARS`] characters).
pub fn check_review(rating: u8, text: &str) -> Result<()> {
    if !(1..=5).contains(&rating) {
        return Err(CoreError::invalid(
            "rating",
            InputProblem::OutOfRange { min: 1, max: 5 },
        ));
    }
    if text.chars().count() > r::MAX_REVIEW_CHARS {
        return Err(CoreError::invalid(
            "review text",
            InputProblem::TooLong {
                max: r::MAX_REVIEW_CHARS as u32,
            },
        ));
    }
    Ok(())
}

/// The unspent token to review `therapist` (an account id or display name, any case) with:
/// [`ReviewError::NoLink`] when no link with them is known, [`ReviewError::LinkStillActive`]
/// while one is active, [`ReviewError::NoToken`] when none is left. Returns the device-state
/// name with the token.
pub fn token_for(store: &Store, therapist: &str) -> Result<(String, Token)> {
    let wanted = therapist.trim().to_lowercase();
    let links: Vec<ClientLink> = client_links(store)?
        .into_iter()
        .filter(|l| l.therapist_id == therapist.trim() || l.therapist_name.to_lowercase() == wanted)
        .collect();
    if links.is_empty() {
        return Err(ReviewError::NoLink.into());
    }
    if links.iter().any(|l| l.active) {
        return Err(ReviewError::LinkStillActive.into());
    }
    let mut best: Option<(String, Token)> = None;
    for link in &links {
        for name in store.device_state_names(&format!("{TOKEN_PREFIX}{}/", link.link_id))? {
            if let Some(token) = load_token(store, &name)? {
                if best.as_ref().is_none_or(|(_, b)| token.period > b.period) {
                    best = Some((name, token));
                }
            }
        }
    }
    best.ok_or_else(|| ReviewError::NoToken.into())
}

/// Spends `token` with a review over `fresh`, a transport on a connection pool of its own
/// (no account token is sent): first checks that the key the server publishes now for the
/// token's period is the one that signed it and the one pinned on this device.
pub fn submit(
    cell: &dyn StoreCell,
    fresh: &HttpTransport,
    token: &Token,
    rating: u8,
    text: &str,
) -> Result<()> {
    check_review(rating, text)?;
    let keys = fresh.request::<ep::ReviewKeys>(None, &ep::NoBody)?;
    let wire = token::key_of(&keys, token.period).ok_or(ReviewError::KeyMismatch)?;
    let key = PublishedKey::parse(wire)?;
    if key.key_id != token.key_id {
        return Err(ReviewError::KeyMismatch.into());
    }
    pin(cell, &key)?;
    fresh.request::<ep::SubmitReview>(None, &token.submission(rating, text))
}

/// A directory entry's review line: `★ 4.6 (12 reviews)`, `no reviews yet`, or `—` for a
/// therapist who does not take reviews. The average is rounded half up to one decimal.
pub fn summary_label(summary: Option<&r::ReviewSummary>) -> String {
    match summary {
        None => "—".to_owned(),
        Some(s) if s.count == 0 => "no reviews yet".to_owned(),
        Some(s) => {
            let tenths =
                (u64::from(s.rating_sum) * 20 + u64::from(s.count)) / (2 * u64::from(s.count));
            let noun = if s.count == 1 { "review" } else { "reviews" };
            format!("★ {}.{} ({} {noun})", tenths / 10, tenths % 10, s.count)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_labels_round_half_up() {
        let s = |count, rating_sum| Some(r::ReviewSummary { count, rating_sum });
        assert_eq!(summary_label(None), "—");
        assert_eq!(summary_label(s(0, 0).as_ref()), "no reviews yet");
        assert_eq!(summary_label(s(1, 5).as_ref()), "★ 5.0 (1 review)");
        assert_eq!(summary_label(s(12, 55).as_ref()), "★ 4.6 (12 reviews)");
        assert_eq!(summary_label(s(4, 17).as_ref()), "★ 4.3 (4 reviews)");
        assert_eq!(summary_label(s(20, 89).as_ref()), "★ 4.5 (20 reviews)");
    }

    #[test]
    fn reviews_need_a_rating_of_one_to_five_and_short_text() {
        assert!(check_review(0, "").is_err());
        assert!(check_review(6, "").is_err());
        assert!(check_review(5, &"x".repeat(r::MAX_REVIEW_CHARS + 1)).is_err());
        assert!(check_review(1, &"é".repeat(r::MAX_REVIEW_CHARS)).is_ok());
    }
}
