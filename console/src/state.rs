//! The console's state: the gate, the hosts it answers to, and the therapist's store while it
//! is unlocked. The store is opened with the passphrase (never a remembered device key) and
//! dropped after [`Console::idle`] without a request, so a console left open asks again.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use solace_core::app::App;
use solace_core::CoreError;
use solace_protocol::messaging::LinkInfo;
use zeroize::Zeroizing;

use crate::security::{Gate, Hosts};

struct Unlocked {
    app: App,
    last_used: Instant,
}

/// What the background sync last reported, for the page banner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SyncStatus {
    /// No sync yet since unlocking.
    #[default]
    NotYet,
    /// The last sync worked.
    Ok,
    /// The last sync failed (the sentence says why, without personal data).
    Failed(String),
    /// The server no longer accepts this device's sign-in (it expired, e.g. over a long
    /// holiday, or was revoked): the therapist signs in again with the passphrase; nothing
    /// local is lost meanwhile.
    SignedOut,
}

/// Shared by every request.
pub struct Console {
    /// Launch token and sessions.
    pub gate: Gate,
    /// The `Host` values served.
    pub hosts: Hosts,
    dir: PathBuf,
    idle: Duration,
    unlocked: Mutex<Option<Unlocked>>,
    sync: Mutex<SyncStatus>,
    /// Link requests waiting for this therapist, as the last sync found them.
    pending_links: Mutex<Vec<LinkInfo>>,
}

impl Console {
    /// A locked console over the store in `dir`.
    pub fn new(gate: Gate, hosts: Hosts, dir: PathBuf, idle: Duration) -> Self {
        Self {
            gate,
            hosts,
            dir,
            idle,
            unlocked: Mutex::new(None),
            sync: Mutex::new(SyncStatus::NotYet),
            pending_links: Mutex::new(Vec::new()),
        }
    }

    /// How long the store stays open without a request.
    pub fn idle(&self) -> Duration {
        self.idle
    }

    /// The unlocked app (and marks it used), or `None` when locked or idle too long.
    pub fn app(&self) -> Option<App> {
        let mut slot = self.unlocked.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_mut() {
            Some(u) if u.last_used.elapsed() < self.idle => {
                u.last_used = Instant::now();
                Some(u.app.clone())
            }
            Some(_) => {
                *slot = None;
                None
            }
            None => None,
        }
    }

    /// The unlocked app without counting as use (the background sync).
    pub fn app_if_open(&self) -> Option<App> {
        let slot = self.unlocked.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|u| u.last_used.elapsed() < self.idle)
            .map(|u| u.app.clone())
    }

    /// Opens the store with the passphrase (Argon2id runs off the async threads).
    pub async fn unlock(&self, passphrase: Zeroizing<String>) -> Result<(), CoreError> {
        let app = App::open_with_passphrase(self.dir.clone(), passphrase).await?;
        *self.unlocked.lock().unwrap_or_else(PoisonError::into_inner) = Some(Unlocked {
            app,
            last_used: Instant::now(),
        });
        *self.sync.lock().unwrap_or_else(PoisonError::into_inner) = SyncStatus::NotYet;
        Ok(())
    }

    /// Drops the unlocked store now.
    pub fn lock(&self) {
        *self.unlocked.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Drops the store when it has been idle too long (run by a ticker).
    pub fn expire_idle(&self) {
        let mut slot = self.unlocked.lock().unwrap_or_else(PoisonError::into_inner);
        if slot
            .as_ref()
            .is_some_and(|u| u.last_used.elapsed() >= self.idle)
        {
            *slot = None;
        }
    }

    /// The last background sync outcome.
    pub fn sync_status(&self) -> SyncStatus {
        self.sync
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The link requests waiting for this therapist (as of the last sync).
    pub fn pending_links(&self) -> Vec<LinkInfo> {
        self.pending_links
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the waiting link requests (after a sync), or drops one that was answered.
    pub fn set_pending_links(&self, links: Vec<LinkInfo>) {
        *self
            .pending_links
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = links;
    }

    /// Records a background sync outcome.
    pub fn set_sync_status(&self, status: SyncStatus) {
        *self.sync.lock().unwrap_or_else(PoisonError::into_inner) = status;
    }
}
