//! Sync with the provider server: thin async forwards to [`solace_core::App`]. Cancelling
//! the coroutine or task cancels the work at its next step; the store stays consistent.

use std::sync::Arc;

use solace_core::app::{AppSyncReport, Credentials};
use solace_core::sync as core;
use zeroize::Zeroizing;

use crate::error::Result;
use crate::Inner;

// Kept as a twin: the apps see one flat report over the core's record report (which also
// carries `rebased`) and the messaging round's inbox.
/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    /// Conversations that got new messages in this sync (for a discreet notification).
    pub messages_arrived: u32,
    /// Server copies newly held aside because they failed authentication, changed kind or
    /// rolled a record back (nothing local changed): tell the person once.
    pub quarantined: u32,
    /// Local records not sent because the server refuses them (they stay pending).
    pub refused: u32,
    /// Local records not sent because they no longer open on this device.
    pub damaged_skipped: u32,
}

impl From<&AppSyncReport> for SyncReport {
    fn from(report: &AppSyncReport) -> Self {
        let r = &report.records;
        Self {
            pushed: r.pushed,
            pulled: r.pulled,
            merged: r.merged,
            conflict_copies: r.conflict_copies,
            round_trips: r.round_trips,
            complete: r.complete,
            messages_arrived: u32::try_from(report.inbox.arrived.len()).unwrap_or(u32::MAX),
            quarantined: r.quarantined,
            refused: r.refused,
            damaged_skipped: r.damaged_skipped,
        }
    }
}

// Kept: the core's budget is a struct of limits; the apps choose one of two presets.
/// How much work one sync may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncBudget {
    /// Until done (the person pressed "sync").
    Unlimited,
    /// What a background refresh allows (~25 s, then stop cleanly; call again later).
    Background,
}

impl From<SyncBudget> for core::SyncBudget {
    fn from(b: SyncBudget) -> Self {
        match b {
            SyncBudget::Unlimited => Self::unlimited(),
            SyncBudget::Background => Self::background(),
        }
    }
}

// Kept: the core's account also holds the account id, which the apps never see.
/// The sync account a store is connected to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncAccount {
    /// Server base URL.
    pub server_url: String,
    /// Account name.
    pub username: String,
    /// This device's id on the server.
    pub device_id: String,
}

// Kept: the wire's device entry also carries the server's mutation counter.
/// One device of the sync account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceInfo {
    /// Device id (what `revoke_device` takes).
    pub device_id: String,
    /// Its name.
    pub name: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// Sync of one store (get it from [`crate::Solace::sync`]).
#[derive(uniffi::Object)]
pub struct SyncService {
    pub(crate) inner: Arc<Inner>,
}

#[uniffi::export]
impl SyncService {
    /// Creates the account on `server_url` from this store (first device). Does not sync;
    /// call [`SyncService::sync_now`] next.
    pub async fn register(
        &self,
        server_url: String,
        username: String,
        passphrase: String,
        device_name: String,
    ) -> Result<()> {
        let credentials = Credentials {
            username,
            passphrase: Zeroizing::new(passphrase),
            device_name,
        };
        Ok(self.inner.app.register(server_url, credentials).await?)
    }

    /// Logs this connected store in again after its token expired or was revoked
    /// (`Unauthorized`): new token, same store, pending edits and messaging identity. Refused
    /// (`AccountMismatch`) for another account name.
    pub async fn relogin(
        &self,
        username: String,
        passphrase: String,
        device_name: String,
    ) -> Result<()> {
        let credentials = Credentials {
            username,
            passphrase: Zeroizing::new(passphrase),
            device_name,
        };
        Ok(self.inner.app.relogin(credentials).await?)
    }

    /// The account's devices, oldest first.
    pub async fn devices(&self) -> Result<Vec<DeviceInfo>> {
        Ok(self
            .inner
            .app
            .devices()
            .await?
            .devices
            .into_iter()
            .map(|d| DeviceInfo {
                device_id: d.device_id,
                name: d.name,
                revoked: d.revoked,
            })
            .collect())
    }

    /// Revokes one device (not this one), proving the account key and, when given, the
    /// passphrase (needed for accounts created before account-key proofs: the server then
    /// answers `ServerRejected { code: "proof_required" }`).
    pub async fn revoke_device(&self, device_id: String, passphrase: Option<String>) -> Result<()> {
        let target = core::RevokeTarget::Device(device_id);
        Ok(self
            .inner
            .app
            .revoke(target, passphrase.map(Zeroizing::new))
            .await?)
    }

    /// Signs out every other device of the account (same proofs as `revoke_device`).
    pub async fn sign_out_other_devices(&self, passphrase: Option<String>) -> Result<()> {
        let target = core::RevokeTarget::AllOthers;
        Ok(self
            .inner
            .app
            .revoke(target, passphrase.map(Zeroizing::new))
            .await?)
    }

    /// Deletes the sync account on the server for good (records, keys, devices, mailboxes,
    /// profile; links end, and the other person keeps their copy of the conversation) with a
    /// proof of `passphrase`, then disconnects this store, which keeps all its data as a
    /// local-only store. `WrongPassphrase` when the server does not accept the passphrase
    /// (nothing was deleted); `NotRegistered` when the store is not connected.
    pub async fn delete_account(&self, passphrase: String) -> Result<()> {
        Ok(self
            .inner
            .app
            .delete_account(Zeroizing::new(passphrase))
            .await?)
    }

    /// The connected account, or null before `register` / login.
    pub fn account(&self) -> Result<Option<SyncAccount>> {
        self.inner.read(|s| {
            Ok(s.sync_account()?.map(|(a, _)| SyncAccount {
                server_url: a.server_url,
                username: a.username,
                device_id: a.device_id,
            }))
        })
    }

    /// Pushes local changes and pulls remote ones within `budget`, then takes in messages and
    /// sends the message outbox. Reads and writes from other threads go on meanwhile; the
    /// store is consistent at any interruption. Listeners get `Syncing`, then `Finished` or
    /// `Failed`.
    pub async fn sync_now(&self, budget: SyncBudget) -> Result<SyncReport> {
        let sync = async { Ok(self.inner.app.sync(budget.into()).await?) };
        let report = self.inner.cancels.run(sync).await?;
        Ok(SyncReport::from(&report))
    }
}
