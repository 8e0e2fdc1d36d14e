//! Sync with the provider server (thin wrappers over [`solace_core::sync`]). Every call here
//! does network I/O and blocks: call it off the main thread.

use std::sync::Arc;

use solace_core::sync as core;

use crate::error::Result;
use crate::events::SyncState;
use crate::Inner;

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

impl From<core::SyncReport> for SyncReport {
    fn from(r: core::SyncReport) -> Self {
        Self {
            pushed: r.pushed,
            pulled: r.pulled,
            merged: r.merged,
            conflict_copies: r.conflict_copies,
            round_trips: r.round_trips,
            complete: r.complete,
            messages_arrived: 0,
            quarantined: r.quarantined,
            refused: r.refused,
            damaged_skipped: r.damaged_skipped,
        }
    }
}

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

fn connected_url(s: &solace_core::Store) -> solace_core::Result<String> {
    s.sync_account()?
        .map(|(a, _)| a.server_url)
        .ok_or(solace_core::CoreError::NotRegistered)
}

impl SyncService {
    fn revoke(&self, target: core::RevokeTarget, passphrase: Option<String>) -> Result<()> {
        let passphrase = passphrase.map(zeroize::Zeroizing::new);
        self.inner.with(|s| {
            let transport = core::HttpTransport::new(&connected_url(s)?)?;
            core::revoke(
                s,
                &transport,
                &target,
                passphrase.as_deref().map(|p| p.as_str()),
            )
        })
    }
}

/// Sync of one store (get it from [`crate::Solace::sync`]).
#[derive(uniffi::Object)]
pub struct SyncService {
    pub(crate) inner: Arc<Inner>,
}

#[uniffi::export]
impl SyncService {
    /// Creates the account on `server_url` from this store (first device). Blocking: call off
    /// the main thread. Does not sync; call [`SyncService::sync_now`] next.
    pub fn register(
        &self,
        server_url: String,
        username: String,
        passphrase: String,
        device_name: String,
    ) -> Result<()> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        let transport = core::HttpTransport::new(&server_url)?;
        self.inner.with(|s| {
            core::register(
                s,
                &transport,
                &server_url,
                &username,
                &passphrase,
                &device_name,
            )
        })
    }

    /// Logs this connected store in again after its token expired or was revoked
    /// (`Unauthorized`): new token, same store, pending edits and messaging identity. Refused
    /// (`AccountMismatch`) for another account name. Blocking (network, Argon2id).
    pub fn relogin(&self, username: String, passphrase: String, device_name: String) -> Result<()> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        self.inner.with(|s| {
            let url = connected_url(s)?;
            let transport = core::HttpTransport::new(&url)?;
            core::relogin(s, &transport, &username, &passphrase, &device_name)
        })
    }

    /// The account's devices, oldest first. Blocking (network).
    pub fn devices(&self) -> Result<Vec<DeviceInfo>> {
        self.inner.with(|s| {
            let transport = core::HttpTransport::new(&connected_url(s)?)?;
            Ok(core::list_devices(s, &transport)?
                .devices
                .into_iter()
                .map(|d| DeviceInfo {
                    device_id: d.device_id,
                    name: d.name,
                    revoked: d.revoked,
                })
                .collect())
        })
    }

    /// Revokes one device (not this one), proving the account key and, when given, the
    /// passphrase (needed for accounts created before account-key proofs: the server then
    /// answers `ServerRejected { code: "proof_required" }`). Blocking (network).
    pub fn revoke_device(&self, device_id: String, passphrase: Option<String>) -> Result<()> {
        self.revoke(core::RevokeTarget::Device(device_id), passphrase)
    }

    /// Signs out every other device of the account (same proofs as `revoke_device`).
    pub fn sign_out_other_devices(&self, passphrase: Option<String>) -> Result<()> {
        self.revoke(core::RevokeTarget::AllOthers, passphrase)
    }

    /// The connected account, or null before `register` / login.
    pub fn account(&self) -> Result<Option<SyncAccount>> {
        self.inner.with(|s| {
            Ok(s.sync_account()?.map(|(a, _)| SyncAccount {
                server_url: a.server_url,
                username: a.username,
                device_id: a.device_id,
            }))
        })
    }

    /// Pushes local changes and pulls remote ones within `budget`, then takes in messages and
    /// sends the message outbox; the store is consistent at any interruption. Blocking: call off the main thread. Listeners get `Syncing`, then
    /// `Finished` or `Failed`.
    pub fn sync_now(&self, budget: SyncBudget) -> Result<SyncReport> {
        self.inner
            .listeners
            .each(|l| l.on_sync_state_changed(SyncState::Syncing));
        let result = self.inner.with(|s| {
            let url = s
                .sync_account()?
                .map(|(a, _)| a.server_url)
                .ok_or(solace_core::CoreError::NotRegistered)?;
            let transport = core::HttpTransport::new(&url)?;
            core::sync_now(s, &transport, budget.into())
        });
        // Messages flow in the same call (and so in background refreshes too).
        let result = result.and_then(|report| {
            let messages = crate::messages::sync_round(&self.inner)?;
            Ok(SyncReport {
                messages_arrived: messages.conversations_with_new_messages,
                ..SyncReport::from(report)
            })
        });
        let state = match &result {
            Ok(report) => SyncState::Finished {
                report: report.clone(),
            },
            Err(e) => SyncState::Failed {
                detail: e.to_string(),
            },
        };
        self.inner
            .listeners
            .each(|l| l.on_sync_state_changed(state.clone()));
        result
    }
}
