//! The device token's lifetime: when it was issued and expires, and refreshing it before it
//! runs out. "Now" is a parameter (Unix seconds) so the rules are tested without waiting.
//!
//! A token is refreshed once at most half its lifetime remains. A refresh that fails for a
//! transient reason leaves the current token in use while it is still valid; a refused one
//! (expired, revoked) is [`CoreError::Transport(TransportError::Unauthorized)`]: log in again ([`super::relogin`]).

use crate::error::TransportError;
use solace_protocol as p;

use super::{Exclusive, StoreCell, Transport};
use crate::error::{CoreError, Result};
use crate::store::sync_state::{SyncAccount, TokenTimes};
use crate::store::Store;

/// The device clock, Unix seconds.
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Parses a session's `expires_at`: Unix seconds (what the server sends today) or RFC 3339.
/// `None` when it is neither (the token is then used until the server refuses it).
pub fn parse_expiry(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<i64>() {
        return Some(secs);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// The times to store for `session`, received at `now`.
pub fn token_times(session: &p::SessionResponse, now: i64) -> TokenTimes {
    TokenTimes {
        issued_at: Some(now),
        expires_at: parse_expiry(&session.expires_at),
    }
}

/// Whether a token with `times` should be refreshed at `now`: at most half its lifetime
/// remains (or it has expired). Unknown times never ask for a refresh.
pub fn refresh_due(times: TokenTimes, now: i64) -> bool {
    match (times.issued_at, times.expires_at) {
        (Some(issued), Some(expires)) => {
            let lifetime = expires.saturating_sub(issued).max(0);
            expires.saturating_sub(now).saturating_mul(2) <= lifetime
        }
        (None, Some(expires)) => now >= expires,
        _ => false,
    }
}

/// Stores `session` (a fresh token for `account`'s device, received at `now`), refusing one
/// for another account.
pub(super) fn store_session(
    store: &mut Store,
    account: &SyncAccount,
    session: &p::SessionResponse,
    now: i64,
) -> Result<()> {
    if session.account_id != account.account_id {
        return Err(CoreError::AccountMismatch);
    }
    let updated = SyncAccount {
        device_id: session.device_id.clone(),
        ..account.clone()
    };
    store.set_sync_session(&updated, session.token.expose(), token_times(session, now))
}

/// Refreshes the stored token with `refresh` when [`refresh_due`] at `now`. Returns whether
/// a new token was stored. Not connected, or not due: nothing happens.
pub fn refresh_if_due(
    store: &mut Store,
    refresh: impl FnOnce(&str) -> Result<p::SessionResponse>,
    now: i64,
) -> Result<bool> {
    refresh_if_due_shared(&Exclusive::new(store), refresh, now)
}

/// [`refresh_if_due`] on a shared store: the store is not borrowed while `refresh` waits on
/// the server.
pub fn refresh_if_due_shared(
    cell: &dyn StoreCell,
    refresh: impl FnOnce(&str) -> Result<p::SessionResponse>,
    now: i64,
) -> Result<bool> {
    let Some((account, token)) = cell.with(|s| s.sync_account())? else {
        return Ok(false);
    };
    let times = cell.with(|s| s.token_times())?;
    if !refresh_due(times, now) {
        return Ok(false);
    }
    match refresh(&token) {
        Ok(session) => {
            if session.device_id != account.device_id {
                return Err(CoreError::Transport(TransportError::Rejected {
                    code: "bad_session".into(),
                    message: "the refreshed token is for another device".into(),
                }));
            }
            cell.with(|s| store_session(s, &account, &session, now))?;
            Ok(true)
        }
        Err(CoreError::Transport(TransportError::Unauthorized)) => {
            Err(CoreError::Transport(TransportError::Unauthorized))
        }
        // Transient or unsupported: the current token still works until it expires.
        Err(_) if times.expires_at.is_some_and(|e| now < e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// [`refresh_if_due`] over a sync transport, at the device clock's now.
pub fn refresh_session(store: &mut Store, transport: &dyn Transport) -> Result<bool> {
    refresh_shared(&Exclusive::new(store), transport)
}

/// [`refresh_session`] on a shared store.
pub fn refresh_shared(cell: &dyn StoreCell, transport: &dyn Transport) -> Result<bool> {
    refresh_if_due_shared(cell, |t| transport.refresh(t), unix_now())
}
