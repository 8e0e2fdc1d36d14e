//! Account use cases: register, log in a new device, log in again, devices, passphrase
//! changes that also tell the server (on the next sync), and deleting the account.

use std::path::{Path, PathBuf};

use solace_protocol as p;
use zeroize::Zeroizing;

use super::{runner, App};
use crate::crypto::kdf::KdfParams;
use crate::error::Result;
use crate::store::Store;
use crate::sync::{self, CredentialOptions, Login, RevokeTarget, SyncBudget, SyncReport};
use crate::vault::RecoveryKey;

/// Who logs in: the account name, the passphrase (used on the device only) and this
/// device's name as the account's device list shows it.
#[derive(Clone)]
pub struct Credentials {
    /// Account name.
    pub username: String,
    /// The passphrase (zeroized on drop; never sent, only keys derived from it).
    pub passphrase: Zeroizing<String>,
    /// This device's name.
    pub device_name: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("passphrase", &"<redacted>")
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// Key-derivation parameters for a new passphrase: never weaker than the store's current
/// ones, raised to today's default when they are below it.
pub(super) fn strengthened(current: KdfParams) -> KdfParams {
    let default = KdfParams::DEFAULT;
    KdfParams {
        memory_kib: current.memory_kib.max(default.memory_kib),
        iterations: current.iterations.max(default.iterations),
        parallelism: current.parallelism.max(default.parallelism),
    }
}

/// Opens with the recovery key, sets the new passphrase and stages the new login material.
pub(super) fn reset_with_recovery(
    dir: &Path,
    recovery_key: &str,
    new_passphrase: &str,
    sign_out_other_devices: bool,
) -> Result<Store> {
    let recovery = RecoveryKey::parse(recovery_key)?;
    let mut store = Store::reset_passphrase_with_recovery(dir, &recovery, new_passphrase)?;
    let options = CredentialOptions {
        current_auth_key: None,
        sign_out_other_devices,
    };
    sync::stage_credentials_with(&mut store, new_passphrase, &options)?;
    Ok(store)
}

impl App {
    /// Sets up this device for an existing sync account: creates the store in `dir` from the
    /// server's wrapped keys and pulls everything within `budget` (network and Argon2id).
    pub async fn login_new_device(
        dir: PathBuf,
        server_url: String,
        credentials: Credentials,
        budget: SyncBudget,
        transport: sync::TransportOptions,
    ) -> Result<(Self, SyncReport)> {
        let (store, report) = runner::run_blocking(move |cancel| {
            let client = sync::HttpClient::new(&transport)?;
            let http =
                sync::HttpTransport::with_client(&client, &server_url)?.with_cancel(cancel.clone());
            let (store, report) = sync::login_new_device(
                &dir,
                &http,
                &server_url,
                &credentials.username,
                &credentials.passphrase,
                &credentials.device_name,
                budget,
            )?;
            let app = App::with_transport(store, transport);
            app.keep_http(client);
            Ok((app, report))
        })
        .await?;
        Ok((store, report))
    }

    /// Creates the sync account on `server_url` from this store (first device). Does not
    /// sync; call [`App::sync`] next.
    pub async fn register(&self, server_url: String, credentials: Credentials) -> Result<()> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.transport_to(&server_url, cancel)?;
            let login = Login {
                server_url: &server_url,
                username: &credentials.username,
                passphrase: &credentials.passphrase,
                device_name: &credentials.device_name,
            };
            sync::register_shared(app.cell(), &http, &login)
        })
        .await
    }

    /// Logs this connected store in again after its token expired or was revoked: new
    /// token, same store, pending edits and messaging identity.
    pub async fn relogin(&self, credentials: Credentials) -> Result<()> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            sync::relogin_shared(
                app.cell(),
                &http,
                &credentials.username,
                &credentials.passphrase,
                &credentials.device_name,
            )
        })
        .await
    }

    /// The account's devices, oldest first.
    pub async fn devices(&self) -> Result<p::DeviceList> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            sync::list_devices_shared(app.cell(), &http)
        })
        .await
    }

    /// Revokes one device or signs out all others, with the account-key proof and, when
    /// given, the passphrase (accounts from before account-key proofs need it), then drops
    /// them from the account's signed device list so no one encrypts to them again.
    pub async fn revoke(
        &self,
        target: RevokeTarget,
        passphrase: Option<Zeroizing<String>>,
    ) -> Result<()> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.connected_transport(cancel)?;
            sync::revoke_shared(
                app.cell(),
                &http,
                &target,
                passphrase.as_deref().map(|p| p.as_str()),
            )?;
            let messenger = crate::messaging::Messenger::new(&http);
            match &target {
                RevokeTarget::Device(id) => {
                    messenger.drop_from_device_list(app.cell(), std::slice::from_ref(id), false)
                }
                RevokeTarget::AllOthers => messenger.drop_from_device_list(app.cell(), &[], true),
            }
        })
        .await
    }

    /// Deletes the sync account on the server — records, keys, devices, mailboxes, profile;
    /// links end for the other party, who keeps their copy of the conversation — with a proof
    /// of `passphrase` (the server refuses a device token alone), then forgets the connection
    /// on this device. Everything stored here stays, as a local-only store. Holds the sync
    /// gate, so no sync runs meanwhile. [`crate::CoreError::WrongPassphrase`] when the server
    /// does not accept the passphrase (nothing was deleted).
    pub async fn delete_account(&self, passphrase: Zeroizing<String>) -> Result<()> {
        let one_at_a_time = std::sync::Arc::clone(&self.shared.sync_gate)
            .lock_owned()
            .await;
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let result = app
                .connected_transport(cancel)
                .and_then(|http| sync::delete_account_shared(app.cell(), &http, &passphrase));
            drop(one_at_a_time);
            result
        })
        .await
    }

    /// Changes the passphrase: checks the current one, re-wraps the keys under the new one
    /// (never weaker Argon2id parameters) and stages the new login material with a proof of
    /// the old passphrase, which the next sync sends (signing out every other device when
    /// `sign_out_other_devices`). Works offline.
    pub async fn change_passphrase(
        &self,
        current: Zeroizing<String>,
        new_passphrase: Zeroizing<String>,
        sign_out_other_devices: bool,
    ) -> Result<()> {
        let app = self.clone();
        runner::run_blocking(move |_| {
            // Argon2id for the proof runs before the writer is taken.
            let old = app.read(|s| s.derive_with_passphrase(&current))?;
            app.write(|s| {
                s.change_passphrase(&new_passphrase, strengthened(s.kdf_params()))?;
                let options = CredentialOptions {
                    current_auth_key: Some(old.auth_key),
                    sign_out_other_devices,
                };
                sync::stage_credentials_with(s, &new_passphrase, &options)
            })
        })
        .await
    }
}
