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
mod events;
mod messaging;
pub mod present;
mod runner;
mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

pub use account::Credentials;
pub use events::{AppListener, Subscription, SyncState};
pub use runner::block_on;
pub use sync::AppSyncReport;

use crate::crypto::kdf::KdfParams;
use crate::error::{CoreError, Result};
use crate::keystore::KeyStore;
use crate::store::Store;
use crate::sync::{HttpTransport, StoreCell, TransportOptions};
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
    transport: TransportOptions,
    /// Serializes whole sync runs (awaited, never held by a blocking thread).
    sync_gate: tokio::sync::Mutex<()>,
}

/// The writer, borrowed one step at a time (closed: [`CoreError::Closed`]).
struct Writer<'a>(&'a Mutex<Option<Store>>);

impl StoreCell for Writer<'_> {
    fn enter(&self, f: &mut dyn FnMut(&mut Store)) -> Result<()> {
        // Every step is one transaction that rolls back when dropped, so a lock poisoned by a
        // panic in an earlier step guards a consistent store.
        let mut guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let store = guard.as_mut().ok_or(CoreError::Closed)?;
        f(store);
        Ok(())
    }
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
                transport,
                sync_gate: tokio::sync::Mutex::new(()),
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

    /// Runs a local write (one short step on the writer; a sync in flight does not hold it
    /// while it waits on the server).
    pub fn write<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let cell = self.cell();
        (&cell as &dyn StoreCell).with(f)
    }

    /// The writer as a [`StoreCell`], for engine code that steps through it.
    fn cell(&self) -> Writer<'_> {
        Writer(&self.shared.writer)
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

    /// An HTTP transport to `server_url` with this app's settings.
    fn transport_to(&self, server_url: &str) -> Result<HttpTransport> {
        HttpTransport::with_options(server_url, &self.shared.transport)
    }

    /// An HTTP transport to the connected server ([`CoreError::NotRegistered`] before
    /// register or login).
    fn connected_transport(&self) -> Result<HttpTransport> {
        let url = self.read(|s| {
            s.sync_account()?
                .map(|(a, _)| a.server_url)
                .ok_or(CoreError::NotRegistered)
        })?;
        self.transport_to(&url)
    }
}
