//! Offline-first sync of encrypted records across a person's devices.
//!
//! The server keeps `(record id) → (sealed blob, server_seq, deleted)` per account and never
//! sees plaintext. [`sync_now`] pushes locally changed records (each with a per-device
//! mutation number, so a retried upload is applied once), merges conflicts on the device
//! ([`merge`]), and pulls pages of newer records, merging each page and advancing the cursor in
//! one transaction. It does bounded work ([`SyncBudget`]) and leaves the store consistent if
//! interrupted anywhere, so a phone's background task can call it.

mod account;
#[cfg(test)]
mod convergence;
mod devices;
#[cfg(test)]
mod fake;
pub mod merge;
pub mod session;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;
pub mod transport;

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use solace_protocol as p;

use crate::crypto::envelope;
use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::sync_state::DirtyRecord;
use crate::store::Store;

pub use account::{
    login_new_device, proof_verifier, register, relogin, stage_credentials, stage_credentials_with,
    CredentialOptions,
};
use account::{to_portable, wire_items_keys, PENDING_CREDENTIALS};
pub use devices::{list_devices, revoke, RevokeTarget};
pub use session::refresh_session;
pub use transport::{HttpTransport, Transport, TransportOptions};

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
    /// Whether everything is in sync (false: the budget ran out; call again).
    pub complete: bool,
}

struct Run<'a> {
    transport: &'a dyn Transport,
    token: String,
    budget: SyncBudget,
    started: Instant,
    report: SyncReport,
    keys_refreshed: bool,
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
    fn call<T>(&mut self, mut op: impl FnMut(&dyn Transport, &str) -> Result<T>) -> Result<T> {
        let mut attempt = 0;
        loop {
            self.report.round_trips += 1;
            match op(self.transport, &self.token) {
                Err(CoreError::Network(msg))
                    if attempt + 1 < self.budget.attempts && self.has_budget() =>
                {
                    attempt += 1;
                    std::thread::sleep(backoff(attempt));
                    let _ = msg;
                }
                other => return other,
            }
        }
    }
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
    B64.decode(text).map_err(|_| CoreError::ServerRejected {
        code: "bad_blob".into(),
        message: "the server sent a malformed record".into(),
    })
}

/// Pushes local changes and pulls remote ones, within `budget`. Safe to interrupt at any
/// point: every step commits on its own and a retried upload is applied once.
pub fn sync_now(
    store: &mut Store,
    transport: &dyn Transport,
    budget: SyncBudget,
) -> Result<SyncReport> {
    // A token with less than half its lifetime left is renewed first (see `session`).
    session::refresh_session(store, transport)?;
    let (_, token) = store.sync_account()?.ok_or(CoreError::NotRegistered)?;
    let mut run = Run {
        transport,
        token: token.to_string(),
        budget,
        started: Instant::now(),
        report: SyncReport::default(),
        keys_refreshed: false,
    };
    let result = sync_loop(store, &mut run);
    let now = chrono::Utc::now().to_rfc3339();
    match &result {
        Ok(()) => store.record_sync_outcome(&now, None)?,
        Err(e) => store.record_sync_outcome(&now, Some(&e.to_string()))?,
    }
    result.map(|()| run.report)
}

fn sync_loop(store: &mut Store, run: &mut Run<'_>) -> Result<()> {
    let upload = p::ItemsKeysUpload {
        items_keys: wire_items_keys(&store.portable_keys()?),
    };
    run.call(|t, token| t.upload_items_keys(token, &upload))?;
    if let Some(bytes) = store.device_state(PENDING_CREDENTIALS)? {
        let update: p::CredentialsUpdate =
            serde_json::from_slice(&bytes).map_err(|_| CoreError::MalformedRecord {
                kind: "credentials",
            })?;
        run.call(|t, token| t.update_credentials(token, &update))?;
        store.delete_device_state(PENDING_CREDENTIALS)?;
    }
    loop {
        if !run.has_budget() {
            return Ok(());
        }
        let dirty = store.take_dirty(PUSH_BATCH)?;
        if !dirty.is_empty() {
            push_batch(store, run, &dirty)?;
            continue;
        }
        if !run.has_budget() {
            return Ok(());
        }
        let page = {
            let req = p::PullRequest {
                cursor: store.sync_cursor()?,
                limit: PULL_PAGE,
            };
            run.call(|t, token| t.pull(token, &req))?
        };
        apply_page(store, run, &page)?;
        if !page.more && store.pending_changes()? == 0 {
            run.report.complete = true;
            return Ok(());
        }
    }
}

fn push_batch(store: &mut Store, run: &mut Run<'_>, dirty: &[DirtyRecord]) -> Result<()> {
    let req = p::PushRequest {
        mutations: dirty
            .iter()
            .map(|d| p::Mutation {
                mutation_seq: d.mutation_seq,
                id: d.id.to_string(),
                kind: d.kind.clone(),
                base_seq: d.base_seq,
                blob: b64(&d.blob),
                deleted: d.deleted,
            })
            .collect(),
    };
    let response = run.call(|t, token| t.push(token, &req))?;
    if response.results.len() != dirty.len() {
        return Err(CoreError::ServerRejected {
            code: "bad_push_response".into(),
            message: "result count mismatch".into(),
        });
    }
    let conflicts: Vec<p::WireRecord> = response
        .results
        .iter()
        .filter_map(|r| match r {
            p::MutationResult::Conflict { current, .. } => Some(current.clone()),
            _ => None,
        })
        .collect();
    ensure_keys(store, run, &conflicts)?;
    let mut report = std::mem::take(&mut run.report);
    let outcome = store.atomically(|store| {
        for (record, result) in dirty.iter().zip(&response.results) {
            match result {
                p::MutationResult::Applied { server_seq, .. } => {
                    store.mark_uploaded(record, *server_seq)?;
                    report.pushed += 1;
                }
                // Applied by an earlier attempt whose answer was lost. The version it got is
                // unknown, so keep the old base: the pull brings the server's copy back.
                p::MutationResult::Duplicate { .. } => {
                    store.mark_uploaded(record, record.base_seq)?;
                    report.pushed += 1;
                }
                p::MutationResult::Conflict { current, .. } => {
                    merge_remote(store, current, &mut report)?
                }
            }
        }
        Ok(())
    });
    run.report = report;
    outcome
}

fn apply_page(store: &mut Store, run: &mut Run<'_>, page: &p::PullResponse) -> Result<()> {
    ensure_keys(store, run, &page.records)?;
    let mut report = std::mem::take(&mut run.report);
    let outcome = store.atomically(|store| {
        for record in &page.records {
            merge_remote(store, record, &mut report)?;
            report.pulled += 1;
        }
        store.set_sync_cursor(page.next_cursor)
    });
    run.report = report;
    outcome
}

/// Fetches items keys from the server if a remote blob uses one this device lacks.
fn ensure_keys(store: &mut Store, run: &mut Run<'_>, records: &[p::WireRecord]) -> Result<()> {
    let missing = records.iter().any(|r| {
        unb64(&r.blob)
            .ok()
            .and_then(|b| envelope::parse(&b).ok().map(|e| e.key_id))
            .is_some_and(|k| !store.has_items_key(k))
    });
    if missing && !run.keys_refreshed {
        run.keys_refreshed = true;
        let keys = to_portable(&run.call(|t, token| t.account_keys(token))?)?;
        store.add_wrapped_items_keys(&keys.items_keys)?;
    }
    Ok(())
}

fn decode_json(
    store: &Store,
    kind: RecordKind,
    id: &RecordId,
    blob: &[u8],
    deleted: bool,
) -> Result<Option<Value>> {
    if deleted {
        return Ok(None);
    }
    let body = store.open_sealed(kind.tag(), id, blob)?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })
}

/// Brings one remote version into the store, merging with a local change if there is one.
fn merge_remote(store: &mut Store, remote: &p::WireRecord, report: &mut SyncReport) -> Result<()> {
    let id: RecordId = remote.id.parse()?;
    let blob = unb64(&remote.blob)?;
    let Some(local) = store.local_row(&id)? else {
        return store.accept_remote(&id, &remote.kind, &blob, remote.deleted, remote.server_seq);
    };
    if local.server_seq >= remote.server_seq {
        // Already merged this version or a newer one.
        return Ok(());
    }
    let kind = RecordKind::from_tag(&remote.kind);
    let (true, Some(kind)) = (local.dirty, kind) else {
        return store.accept_remote(&id, &remote.kind, &blob, remote.deleted, remote.server_seq);
    };
    if local.kind != remote.kind {
        return store.accept_remote(&id, &remote.kind, &blob, remote.deleted, remote.server_seq);
    }
    let local_value = decode_json(store, kind, &id, &local.blob, local.deleted)?;
    let remote_value = decode_json(store, kind, &id, &blob, remote.deleted)?;
    let base_value = match &local.base_blob {
        Some(b) => store
            .open_sealed(kind.tag(), &id, b)
            .ok()
            .and_then(|body| serde_json::from_slice::<Value>(&body).ok()),
        None => None,
    };
    let merged = merge::merge(
        kind,
        base_value.as_ref(),
        local_value.as_ref(),
        remote_value.as_ref(),
    );
    report.merged += 1;
    if let Some(mut copy) = merged.conflict_copy {
        let copy_id = RecordId::generate()?;
        if let Some(obj) = copy.as_object_mut() {
            if obj.contains_key("id") {
                obj.insert("id".into(), Value::String(copy_id.to_string()));
            }
        }
        store.put(kind, &copy_id, &copy)?;
        report.conflict_copies += 1;
    }
    if merged.result == remote_value {
        return store.accept_remote(&id, &remote.kind, &blob, remote.deleted, remote.server_seq);
    }
    let body = merged
        .result
        .map(|v| {
            serde_json::to_vec(&v).map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })
        })
        .transpose()?;
    store.store_merged(&id, kind, body.as_deref(), &blob, remote.server_seq)
}
