//! The application layer: the one place where use cases are composed.
//!
//! An [`App`] owns an unlocked store (one writer handle, a pool of read-only reader handles),
//! the transport settings for the provider server, and the registered listeners. Every
//! multi-step use case lives here once — a sync is records then messages; a passphrase change
//! also stages the new login material; publishing a therapist profile also publishes the
//! device keys — so the terminal client and the mobile bindings only forward calls.
//!
//! Invariants:
//! - **No lock is held across network I/O.** Network work borrows the writer one short step at
//!   a time through a [`StoreCell`]; reads go to their own WAL reader connections, so a UI read
//!   never waits on a sync, however slow the server.
//! - **Slow work is async and cancellable.** Argon2id and everything that talks to the server
//!   run on a blocking pool ([`runner`]); dropping the future cancels the work at its next step
//!   boundary or network wait, leaving the store consistent.

mod account;
mod backup;
pub mod caseload;
mod events;
mod identity;
pub mod insights;
pub mod measures;
mod messaging;
pub mod present;
mod report;
mod reviews;
mod runner;
mod sync;
#[cfg(test)]
mod tests;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

pub use account::Credentials;
pub use caseload::{CaseloadEntry, RiskReason, Score};
pub use events::{AppListener, Subscription, SyncState};
pub use insights::InsightCharts;
pub use runner::block_on;
pub use sync::AppSyncReport;
pub use watch::{WatchEvent, RESYNC_EVERY};

use crate::cancel::CancelToken;
use crate::crypto::kdf::KdfParams;
use crate::error::{CoreError, Result};
use crate::keystore::KeyStore;
use crate::store::Store;
use crate::sync::{HttpClient, HttpTransport, StoreCell, TransportOptions};
use crate::vault::RecoveryKey;
use events::Listeners;

/// Reader handles kept open for reuse; more are opened while many reads overlap.
const IDLE_READERS: usize = 2;

/// An unlocked store and everything the use cases need around it. Cheap to clone (shared).
#[derive(Clone)]
pub struct App {
    shared: Arc<Shared>,
}

struct Shared {
    writer: Mutex<Option<Store>>,
    readers: Mutex<Vec<Store>>,
    listeners: Arc<Listeners>,
    /// Records the reader handles skipped as damaged since the last [`App::take_skipped`].
    skipped: AtomicU64,
    transport: TransportOptions,
    /// The one HTTP client (connection pool, TLS sessions) every request of this app reuses;
    /// made on first use.
    http: Mutex<Option<HttpClient>>,
    /// Serializes whole sync runs. Awaited (never blocks a thread); the background work holds
    /// it until it has really stopped, so a cancelled run and a new one never overlap.
    sync_gate: Arc<tokio::sync::Mutex<()>>,
}

impl App {
    /// Wraps an open store. Transport settings come from the environment (`SOLACE_CA_CERT`).
    pub fn from_store(store: Store) -> Result<Self> {
        Ok(Self::with_transport(store, TransportOptions::from_env()?))
    }

    /// Wraps an open store with explicit transport settings (e.g. a CA certificate from the
    /// command line).
    pub fn with_transport(store: Store, transport: TransportOptions) -> Self {
        Self {
            shared: Arc::new(Shared {
                writer: Mutex::new(Some(store)),
                readers: Mutex::new(Vec::new()),
                listeners: Arc::default(),
                skipped: AtomicU64::new(0),
                transport,
                http: Mutex::new(None),
                sync_gate: Arc::new(tokio::sync::Mutex::new(())),
            }),
        }
    }

    /// Creates a new store in `dir` (Argon2id: async). Returns the app and the recovery key,
    /// to be shown exactly once.
    pub async fn create(
        dir: PathBuf,
        passphrase: zeroize::Zeroizing<String>,
        params: KdfParams,
    ) -> Result<(Self, RecoveryKey)> {
        let (store, recovery) =
            runner::run_blocking(move |_| Store::create(&dir, &passphrase, params)).await?;
        Ok((Self::from_store(store)?, recovery))
    }

    /// Opens the store in `dir` with the passphrase (Argon2id: async).
    pub async fn open_with_passphrase(
        dir: PathBuf,
        passphrase: zeroize::Zeroizing<String>,
    ) -> Result<Self> {
        let (store, _) =
            runner::run_blocking(move |_| Store::open_with_passphrase(&dir, &passphrase)).await?;
        Self::from_store(store)
    }

    /// Opens the store in `dir` with the device key held by `keystore` (fast: no Argon2id).
    pub fn open_with_device_key(dir: &Path, keystore: &dyn KeyStore) -> Result<Self> {
        Self::from_store(Store::open_with_device_key(dir, keystore)?)
    }

    /// Forgotten passphrase: opens with the recovery key, sets `new_passphrase` and stages
    /// the new login material for the server (sent by the next sync, which also signs out
    /// every other device when `sign_out_other_devices`).
    pub async fn reset_passphrase(
        dir: PathBuf,
        recovery_key: zeroize::Zeroizing<String>,
        new_passphrase: zeroize::Zeroizing<String>,
        sign_out_other_devices: bool,
    ) -> Result<Self> {
        let store = runner::run_blocking(move |_| {
            account::reset_with_recovery(
                &dir,
                &recovery_key,
                &new_passphrase,
                sign_out_other_devices,
            )
        })
        .await?;
        Self::from_store(store)
    }

    /// Runs a read on a reader handle of its own (never waits on the writer or a sync).
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let reader = self.take_reader()?;
        let result = match &reader {
            Some(store) => f(store),
            // No reader could be opened (e.g. an old SQLite build): read through the writer.
            None => return self.write(|s| f(s)),
        };
        if let Some(store) = reader {
            self.shared
                .skipped
                .fetch_add(store.take_skipped(), Ordering::Relaxed);
            let mut idle = self
                .shared
                .readers
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if idle.len() < IDLE_READERS {
                idle.push(store);
            }
        }
        result
    }

    fn take_reader(&self) -> Result<Option<Store>> {
        if let Some(store) = self
            .shared
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
        {
            return Ok(Some(store));
        }
        let writer = self
            .shared
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let store = writer.as_ref().ok_or(CoreError::Closed)?;
        Ok(store.open_reader().ok())
    }

    /// The insights screen's charts over the `days` days ending `today` (a read on a reader
    /// handle of its own).
    pub fn insights(&self, days: u32, today: chrono::NaiveDate) -> Result<InsightCharts> {
        self.read(|s| insights::insights(s, days, today))
    }

    /// How many damaged records reads and writes skipped since the last call (then 0 again):
    /// a front end shows "N records could not be read" once.
    pub fn take_skipped(&self) -> Result<u64> {
        let from_readers = self.shared.skipped.swap(0, Ordering::Relaxed);
        Ok(from_readers + self.write(|s| Ok(s.take_skipped()))?)
    }

    /// Runs a local write (one short step on the writer; a sync in flight does not hold it
    /// while it waits on the server).
    pub fn write<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.cell().with(f)
    }

    /// The writer as a [`StoreCell`], for engine code that steps through it.
    fn cell(&self) -> &dyn StoreCell {
        &self.shared.writer
    }

    /// Closes the store: releases the writer lock and every reader; later calls fail with
    /// [`CoreError::Closed`]. Idempotent.
    pub fn close(&self) {
        self.shared
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let store = self
            .shared
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(store);
    }

    /// Registers a listener for sync and message events; delivery lasts as long as the
    /// returned handle.
    pub fn subscribe(&self, listener: Arc<dyn AppListener>) -> Subscription {
        events::subscribe(&self.shared.listeners, listener)
    }

    /// The app's one HTTP client, made on first use.
    fn http(&self) -> Result<HttpClient> {
        let mut http = self
            .shared
            .http
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = http.as_ref() {
            return Ok(client.clone());
        }
        let client = HttpClient::new(&self.shared.transport)?;
        *http = Some(client.clone());
        Ok(client)
    }

    /// Adopts `client` as the app's HTTP client (the one a login already warmed up).
    fn keep_http(&self, client: HttpClient) {
        *self
            .shared
            .http
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(client);
    }

    /// An HTTP transport to `server_url` over the app's client, giving up when `cancel` fires.
    fn transport_to(&self, server_url: &str, cancel: &CancelToken) -> Result<HttpTransport> {
        Ok(HttpTransport::with_client(&self.http()?, server_url)?.with_cancel(cancel.clone()))
    }

    /// An HTTP transport to the connected server ([`CoreError::NotRegistered`] before
    /// register or login).
    fn connected_transport(&self, cancel: &CancelToken) -> Result<HttpTransport> {
        let url = self.read(|s| {
            s.sync_account()?
                .map(|(a, _)| a.server_url)
                .ok_or(CoreError::NotRegistered)
        })?;
        self.transport_to(&url, cancel)
    }
}
