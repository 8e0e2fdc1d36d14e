//! Staying in sync while in the foreground: sync, then hold a long poll to the server
//! (`POST /v1/changes/wait`) and sync again as soon as it says records or messages wait for
//! this device. No store lock is held while waiting. A lost wake-up only delays: after every
//! [`RESYNC_EVERY`] the app syncs anyway, and a server without live updates is polled.
//! Transient failures (offline, server down) back off and retry; a refused sign-in ends the
//! watch with its error so the front end can ask to log in again.

use std::time::Duration;

use solace_protocol::endpoint as ep;
use solace_protocol::live::{Changes, WaitRequest, MAX_WAIT_SECS};

use super::sync::AppSyncReport;
use super::{runner, App};
use crate::error::{CoreError, Result, TransportError};

/// Longest time between two syncs while watching, whatever the server says.
pub const RESYNC_EVERY: Duration = Duration::from_secs(300);
/// Pause between polls when the server has no live updates.
const POLL_EVERY: Duration = Duration::from_secs(30);
/// Longest pause after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Shortest time between two syncs: a server that always answers "changed" (broken or
/// hostile) gets one sync a second, not a busy loop.
const MIN_SYNC_GAP: Duration = Duration::from_secs(1);

/// What one round of [`App::watch`] did.
#[derive(Debug)]
pub enum WatchEvent<'a> {
    /// A sync finished.
    Synced(&'a AppSyncReport),
    /// A sync or a wait failed with a transient error; the watch retries after `retry_in`.
    Retrying {
        /// What failed.
        error: &'a CoreError,
        /// When it tries again.
        retry_in: Duration,
    },
}

impl App {
    /// Waits until the server says records or messages wait for this device, or at most
    /// `timeout_secs` (clamped to 25 s); answers what it said (both false after a timeout).
    pub async fn wait_for_changes(&self, timeout_secs: u32) -> Result<Changes> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            let (token, cursor) = app.read(|s| {
                let (_, token) = s.sync_account()?.ok_or(CoreError::NotRegistered)?;
                Ok((token, s.sync_cursor()?))
            })?;
            http.request::<ep::WaitChanges>(
                Some(&token),
                &WaitRequest {
                    cursor,
                    timeout_secs: timeout_secs.min(MAX_WAIT_SECS),
                },
            )
        })
        .await
    }

    /// Syncs now and again whenever the server reports a change, until `on_event` returns
    /// false or a failure that retrying cannot fix (e.g. the server signed this device out),
    /// which is returned.
    pub async fn watch(&self, mut on_event: impl FnMut(WatchEvent<'_>) -> bool) -> Result<()> {
        let mut failures = 0u32;
        let mut live = true;
        let mut last_sync: Option<std::time::Instant> = None;
        loop {
            if let Some(gap) = last_sync.map(|at| at.elapsed()) {
                if gap < MIN_SYNC_GAP {
                    tokio::time::sleep(MIN_SYNC_GAP - gap).await;
                }
            }
            last_sync = Some(std::time::Instant::now());
            match self.sync(crate::sync::SyncBudget::unlimited()).await {
                Ok(report) => {
                    failures = 0;
                    if !on_event(WatchEvent::Synced(&report)) {
                        return Ok(());
                    }
                }
                Err(e) => {
                    if !retry_after(e, &mut failures, &mut on_event).await? {
                        return Ok(());
                    }
                    continue;
                }
            }
            let since_sync = std::time::Instant::now();
            loop {
                if since_sync.elapsed() >= RESYNC_EVERY {
                    break;
                }
                if !live {
                    tokio::time::sleep(POLL_EVERY).await;
                    break;
                }
                match self.wait_for_changes(MAX_WAIT_SECS).await {
                    Ok(changes) if changes.any() => break,
                    Ok(_) => {}
                    // A server from before live updates: poll instead.
                    Err(CoreError::Transport(TransportError::Rejected { code, .. }))
                        if code == "not_found" =>
                    {
                        live = false;
                    }
                    Err(e) => {
                        if !retry_after(e, &mut failures, &mut on_event).await? {
                            return Ok(());
                        }
                        break;
                    }
                }
            }
        }
    }
}

/// Backs off after a transient failure (telling `on_event`); a lasting one is returned.
async fn retry_after(
    error: CoreError,
    failures: &mut u32,
    on_event: &mut impl FnMut(WatchEvent<'_>) -> bool,
) -> Result<bool> {
    if !error.is_transient() {
        return Err(error);
    }
    *failures = failures.saturating_add(1);
    let retry_in = Duration::from_secs(1u64 << (*failures).min(6)).min(MAX_BACKOFF);
    if !on_event(WatchEvent::Retrying {
        error: &error,
        retry_in,
    }) {
        return Ok(false);
    }
    tokio::time::sleep(retry_in).await;
    Ok(true)
}
