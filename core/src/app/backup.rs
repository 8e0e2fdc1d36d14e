//! Backup use cases: write a backup of the open store, restore one into a new store (a new
//! device), and sign a restored store in to its account.

use std::path::PathBuf;
use std::sync::Arc;

use super::account::Credentials;
use super::{runner, App, AppSyncReport};
use crate::backup::{self, BackupSecret, BackupSummary, RestoreSummary};
use crate::error::Result;
use crate::keystore::KeyStore;
use crate::sync::{self, Login, SyncBudget};

impl App {
    /// Writes a backup of every record to `path` (atomically; an existing file is
    /// `BackupError::FileExists` unless `overwrite`). No Argon2id: the account key is in
    /// memory while the store is open. Reads one snapshot on a reader handle, so a sync may
    /// run meanwhile.
    pub async fn backup(&self, path: PathBuf, overwrite: bool) -> Result<BackupSummary> {
        let app = self.clone();
        runner::run_blocking(move |_| {
            let now = chrono::Utc::now().timestamp();
            app.read(|s| backup::write_backup(s, &path, overwrite, now, &mut |_, _| {}))
        })
        .await
    }

    /// Restores the backup at `file` into a new store in `dir`, opened with `secret`
    /// (Argon2id for a passphrase: async). The store is a new device, remembered in
    /// `keystore`, not signed in: [`App::login_restored`] connects it. A store already in
    /// `dir` is `CoreError::AlreadyInitialized` unless `overwrite`.
    pub async fn restore_backup(
        file: PathBuf,
        dir: PathBuf,
        secret: BackupSecret,
        keystore: Arc<dyn KeyStore>,
        overwrite: bool,
    ) -> Result<(Self, RestoreSummary)> {
        let (store, summary) = runner::run_blocking(move |_| {
            backup::restore(&file, &dir, &secret, keystore.as_ref(), overwrite)
        })
        .await?;
        Ok((Self::from_store(store)?, summary))
    }

    /// Signs this restored (not yet connected) store in to its account on `server_url` as a
    /// new device, then syncs within `budget`: what waited for upload is pushed, the
    /// account's newer versions are pulled, nothing is rolled back.
    /// `CoreError::AccountMismatch` when the account's key is not this store's.
    pub async fn login_restored(
        &self,
        server_url: String,
        credentials: Credentials,
        budget: SyncBudget,
    ) -> Result<AppSyncReport> {
        let app = self.clone();
        runner::run_blocking(move |cancel| {
            let http = app.transport_to(&server_url, cancel)?;
            let login = Login {
                server_url: &server_url,
                username: &credentials.username,
                passphrase: &credentials.passphrase,
                device_name: &credentials.device_name,
            };
            sync::login_restored_shared(app.cell(), &http, &login)
        })
        .await?;
        self.sync(budget).await
    }
}
