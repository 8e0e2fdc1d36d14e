//! Offline-first sync of encrypted records across a person's devices.
//!
//! The server keeps `(record id) → (sealed blob, server_seq, deleted)` per account and never
//! sees plaintext. [`sync_now`] pushes locally changed records (each with a per-device
//! mutation number, so a retried upload is applied once), merges conflicts on the device
//! ([`merge`]), and pulls pages of newer records, merging each page and advancing the cursor in
//! one transaction. It does bounded work ([`SyncBudget`]) and leaves the store consistent if
//! interrupted anywhere, so a phone's background task can call it.

mod account;
pub mod apply;
#[cfg(test)]
mod cancel_tests;
pub mod cell;
#[cfg(test)]
mod convergence;
mod deletion;
mod devices;
#[cfg(test)]
mod fake;
#[cfg(test)]
mod hostile_tests;
pub mod merge;
mod push;
pub mod session;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;
pub mod transport;

use crate::error::TransportError;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Serialize;
use solace_protocol as p;

use crate::cancel::CancelToken;
use crate::crypto::envelope;
use crate::error::{CoreError, Result};
use crate::record::RecordId;
use crate::store::sync_state::DirtyRecord;
use crate::store::Store;

pub use account::{
    login_new_device, login_restored_shared, proof_verifier, register, register_shared, relogin,
    relogin_shared, stage_credentials, stage_credentials_with, CredentialOptions, Login,
    SIGNED_OUT_OTHERS,
};
use account::{to_portable, wire_items_keys};
pub use cell::{Exclusive, StoreCell};
pub use deletion::delete_account_shared;
pub use devices::{list_devices, list_devices_shared, revoke, revoke_shared, RevokeTarget};
pub use session::{refresh_session, refresh_shared};
pub use transport::{HttpClient, HttpTransport, Transport, TransportOptions};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Records per push request.
pub const PUSH_BATCH: usize = 200;
/// Records per pull page.
pub const PULL_PAGE: u32 = 500;

/// How much work one [`sync_now`] call may do.
#[derive(Debug, Clone, Copy)]
pub struct SyncBudget {
    /// Most HTTP round trips.
    pub max_round_trips: u32,
    /// Wall-clock limit; no new request starts after it.
    pub time_limit: Option<Duration>,
    /// Attempts per request on transient failures (with backoff and jitter).
    pub attempts: u32,
}

impl SyncBudget {
    /// Until done (interactive `solace sync`).
    pub fn unlimited() -> Self {
        Self {
            max_round_trips: u32::MAX,
            time_limit: None,
            attempts: 4,
        }
    }

    /// What an iOS background refresh allows: stop starting work after ~25 s.
    pub fn background() -> Self {
        Self {
            max_round_trips: 200,
            time_limit: Some(Duration::from_secs(25)),
            attempts: 2,
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Records the server accepted from this device.
    pub pushed: u32,
    /// Remote records merged in.
    pub pulled: u32,
    /// Records where both sides had changed and were merged.
    pub merged: u32,
    /// Conflict copies created (journal).
    pub conflict_copies: u32,
    /// HTTP round trips made.
    pub round_trips: u32,
    /// Whether everything is in sync (false: the budget ran out, or some records could not
    /// be sent; call again).
    pub complete: bool,
    /// Server copies newly held aside in this run (did not authenticate, changed kind or
    /// rolled a record back). Tell the person once.
    pub quarantined: u32,
    /// Local records not sent because the server refuses them (too large, malformed); they
    /// stay pending.
    pub refused: u32,
    /// Local records not sent because they no longer open on this device (damaged).
    pub damaged_skipped: u32,
    /// Whether this device's mutation numbering was moved past the server's (a store restored
    /// from an older copy).
    pub rebased: bool,
}

pub(crate) struct Run<'a> {
    transport: &'a dyn Transport,
    token: zeroize::Zeroizing<String>,
    budget: SyncBudget,
    cancel: CancelToken,
    started: Instant,
    pub(crate) report: SyncReport,
    keys_refreshed: bool,
    /// The server's size limits (the protocol's when it does not say); fetched before the
    /// first push of a run.
    pub(crate) limits: Option<p::ServerLimits>,
    /// Records set aside for the rest of this run (refused, damaged, or stuck).
    pub(crate) skip: HashSet<RecordId>,
    /// Per record, how often the server answered a push without taking it (a duplicate, or a
    /// conflict that changed nothing).
    pub(crate) unaccepted: HashMap<RecordId, u32>,
}

impl Run<'_> {
    fn has_budget(&self) -> bool {
        self.report.round_trips < self.budget.max_round_trips
            && self
                .budget
                .time_limit
                .is_none_or(|limit| self.started.elapsed() < limit)
    }

    /// Runs `op` with retries on transient (network) errors: exponential backoff with jitter.
    /// Checks for cancellation before every attempt and while waiting to retry. Never called
    /// from inside a store step: no lock is held while it waits.
    pub(crate) fn call<T>(
        &mut self,
        mut op: impl FnMut(&dyn Transport, &str) -> Result<T>,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            self.cancel.check()?;
            self.report.round_trips += 1;
            match op(self.transport, &self.token) {
                Err(CoreError::Transport(err))
                    if err.is_transient()
                        && attempt + 1 < self.budget.attempts
                        && self.has_budget() =>
                {
                    attempt += 1;
                    sleep_unless_cancelled(backoff(attempt), &self.cancel)?;
                }
                other => return other,
            }
        }
    }
}

/// Sleeps `delay`, waking early (with [`CoreError::Cancelled`]) when `cancel` fires.
fn sleep_unless_cancelled(delay: Duration, cancel: &CancelToken) -> Result<()> {
    let until = Instant::now() + delay;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        cancel.check()?;
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
    cancel.check()
}

/// Delay before retry `attempt` (1-based): 100 ms · 2^(attempt-1), capped at 5 s, plus up to
/// 50% random jitter so many devices do not retry in lockstep.
pub fn backoff(attempt: u32) -> Duration {
    let base = 100u64
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(16))
        .min(5000);
    let mut r = [0u8; 2];
    let jitter = if crate::crypto::fill_random(&mut r).is_ok() {
        u64::from(u16::from_le_bytes(r)) % (base / 2 + 1)
    } else {
        0
    };
    Duration::from_millis(base + jitter)
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

pub(crate) fn unb64(text: &str) -> Result<Vec<u8>> {
    B64.decode(text).map_err(|_| {
        CoreError::Transport(TransportError::Rejected {
            code: "bad_blob".into(),
            message: "the server sent a malformed record".into(),
        })
    })
}

/// Limits a server that does not advertise its own is assumed to have (protocol v1 values).
pub const DEFAULT_LIMITS: p::ServerLimits = p::ServerLimits {
    max_blob_bytes: p::MAX_BLOB_BYTES as u64,
    max_body_bytes: p::DEFAULT_MAX_BODY_BYTES as u64,
    max_push_mutations: p::MAX_PUSH_MUTATIONS as u32,
};

/// Pushes local changes and pulls remote ones, within `budget`. Safe to interrupt at any
/// point: every step commits on its own and a retried upload is applied once. Every server
/// copy is authenticated before it is stored ([`apply`]); what does not open is quarantined
/// and counted in [`SyncReport::quarantined`]. For a store shared with other threads, see
/// [`sync_shared`].
pub fn sync_now(
    store: &mut Store,
    transport: &dyn Transport,
    budget: SyncBudget,
) -> Result<SyncReport> {
    sync_shared(
        &Exclusive::new(store),
        transport,
        budget,
        &CancelToken::new(),
    )
}

/// [`sync_now`] on a store shared with other threads: the store is borrowed from `cell` one
/// short step at a time (read what to send; apply an answer in one transaction) and never
/// while a request waits on the server. Stops with [`CoreError::Cancelled`] at the next step
/// boundary once `cancel` fires; everything applied before stays committed and consistent.
pub fn sync_shared(
    cell: &dyn StoreCell,
    transport: &dyn Transport,
    budget: SyncBudget,
    cancel: &CancelToken,
) -> Result<SyncReport> {
    cancel.check()?;
    // A token with less than half its lifetime left is renewed first (see `session`).
    session::refresh_shared(cell, transport)?;
    let (_, token) = cell
        .with(|s| s.sync_account())?
        .ok_or(CoreError::NotRegistered)?;
    let mut run = Run {
        transport,
        token,
        budget,
        cancel: cancel.clone(),
        started: Instant::now(),
        report: SyncReport::default(),
        keys_refreshed: false,
        limits: None,
        skip: HashSet::new(),
        unaccepted: HashMap::new(),
    };
    let result = sync_loop(cell, &mut run);
    let now = chrono::Utc::now().to_rfc3339();
    let error = result.as_ref().err().map(|e| e.to_string());
    cell.with(|s| s.record_sync_outcome(&now, error.as_deref()))?;
    result.map(|()| run.report)
}

fn sync_loop(cell: &dyn StoreCell, run: &mut Run<'_>) -> Result<()> {
    let upload = p::ItemsKeysUpload {
        items_keys: wire_items_keys(&cell.with(|s| s.portable_keys())?),
    };
    run.call(|t, token| t.upload_items_keys(token, &upload))?;
    if let Some((update, bytes)) = account::pending_credentials(cell)? {
        run.call(|t, token| t.update_credentials(token, &update))?;
        account::credentials_applied(cell, &update, &bytes)?;
    }
    loop {
        if !run.has_budget() {
            return Ok(());
        }
        let limit = PUSH_BATCH + run.skip.len();
        let dirty: Vec<DirtyRecord> = cell
            .with(|s| s.take_dirty(limit))?
            .into_iter()
            .filter(|d| !run.skip.contains(&d.id))
            .take(PUSH_BATCH)
            .collect();
        if !dirty.is_empty() {
            push::push_dirty(cell, run, dirty)?;
            continue;
        }
        if !run.has_budget() {
            return Ok(());
        }
        let cursor = cell.with(|s| s.sync_cursor())?;
        let page = {
            let req = p::PullRequest {
                cursor,
                limit: PULL_PAGE,
            };
            run.call(|t, token| t.pull(token, &req))?
        };
        if page.more && (page.records.is_empty() || page.next_cursor <= cursor) {
            return Err(CoreError::Transport(TransportError::Inconsistent(
                "its pages do not advance",
            )));
        }
        ensure_keys(cell, run, &page.records)?;
        run.cancel.check()?;
        let mut report = std::mem::take(&mut run.report);
        let outcome = cell.with(|s| apply::apply_page(s, &page, &mut report));
        run.report = report;
        outcome?;
        let skipped = run.skip.len() as u64;
        if !page.more && cell.with(|s| s.pending_changes())? <= skipped {
            run.report.complete = run.skip.is_empty();
            return Ok(());
        }
    }
}

/// Fetches items keys from the server if a remote blob uses one this device lacks (once per
/// run; keys that do not open are skipped by the vault).
pub(crate) fn ensure_keys(
    cell: &dyn StoreCell,
    run: &mut Run<'_>,
    records: &[p::WireRecord],
) -> Result<()> {
    let key_ids: Vec<u32> = records
        .iter()
        .filter_map(|r| {
            unb64(&r.blob)
                .ok()
                .and_then(|b| envelope::parse(&b).ok().map(|e| e.key_id))
        })
        .collect();
    let missing =
        !key_ids.is_empty() && cell.with(|s| Ok(key_ids.iter().any(|k| !s.has_items_key(*k))))?;
    if missing && !run.keys_refreshed {
        run.keys_refreshed = true;
        let keys = to_portable(&run.call(|t, token| t.account_keys(token))?)?;
        cell.with(|s| s.add_wrapped_items_keys(&keys.items_keys))?;
    }
    Ok(())
}
