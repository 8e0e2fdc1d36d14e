//! Backups: write one sealed file of every record, restore it into a new store (a new
//! device), and sign a restored store in. Each export converts and makes one app call.

use std::path::PathBuf;
use std::sync::Arc;

use solace_core::app::Credentials;
use solace_core::backup::BackupSecret as CoreSecret;
use solace_core::App;
use zeroize::Zeroizing;

use crate::error::Result;
use crate::keystore::{ForeignKeyStore, KeyStore};
use crate::sync::{SyncBudget, SyncReport, SyncService};
use crate::Solace;

/// What a written backup holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupInfo {
    /// Record rows (entries, check-ins, tombstones…).
    pub records: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// The secret that opens a backup.
#[derive(uniffi::Enum)]
pub enum BackupSecret {
    /// The passphrase the store had when the backup was written.
    Passphrase {
        /// The passphrase.
        passphrase: String,
    },
    /// The recovery key; the restored store gets `new_passphrase` (as after a reset).
    RecoveryKey {
        /// The recovery key as shown once.
        recovery_key: String,
        /// The restored store's new passphrase (must clear the strength bar).
        new_passphrase: String,
    },
}

impl From<BackupSecret> for CoreSecret {
    fn from(secret: BackupSecret) -> Self {
        match secret {
            BackupSecret::Passphrase { passphrase } => {
                CoreSecret::Passphrase(Zeroizing::new(passphrase))
            }
            BackupSecret::RecoveryKey {
                recovery_key,
                new_passphrase,
            } => CoreSecret::RecoveryKey {
                key: Zeroizing::new(recovery_key),
                new_passphrase: Zeroizing::new(new_passphrase),
            },
        }
    }
}

/// A store rebuilt from a backup.
#[derive(uniffi::Record)]
pub struct RestoredStore {
    /// The open store: a new device, remembered in the key store, not signed in (see
    /// [`SyncService::login_restored`]).
    pub solace: Arc<Solace>,
    /// Record rows restored.
    pub records: u64,
    /// When the backup was written, Unix seconds.
    pub created_at: i64,
}

/// Restores the backup at `path` into a new store in `store_dir` (a new device; its device
/// key goes to `key_store`). A store already there is `AlreadyInitialized` unless
/// `overwrite` (ask the person first); a damaged backup is `BackupDamaged` and restores
/// nothing; a wrong secret is `WrongPassphrase` / `WrongRecoveryKey`.
#[uniffi::export]
pub async fn restore_backup(
    path: String,
    store_dir: String,
    secret: BackupSecret,
    key_store: Arc<dyn KeyStore>,
    overwrite: bool,
) -> Result<RestoredStore> {
    let (app, summary) = App::restore_backup(
        PathBuf::from(path),
        PathBuf::from(store_dir),
        secret.into(),
        Arc::new(ForeignKeyStore(key_store)),
        overwrite,
    )
    .await?;
    Ok(RestoredStore {
        solace: Solace::wrap(app),
        records: summary.records,
        created_at: summary.created_at,
    })
}

#[uniffi::export]
impl Solace {
    /// Writes a backup of every record to `path` (atomically; `BackupFileExists` unless
    /// `overwrite`). Messages and device keys are never in it.
    pub async fn backup(&self, path: String, overwrite: bool) -> Result<BackupInfo> {
        let summary = self
            .inner
            .app
            .backup(PathBuf::from(path), overwrite)
            .await?;
        Ok(BackupInfo {
            records: summary.records,
            bytes: summary.bytes,
        })
    }
}

#[uniffi::export]
impl SyncService {
    /// Signs this restored store (not yet connected) in to its account as a new device and
    /// syncs within `budget`. `AccountMismatch` when the account's keys are not this store's.
    pub async fn login_restored(
        &self,
        server_url: String,
        username: String,
        passphrase: String,
        device_name: String,
        budget: SyncBudget,
    ) -> Result<SyncReport> {
        let credentials = Credentials {
            username,
            passphrase: Zeroizing::new(passphrase),
            device_name,
        };
        let login = self
            .inner
            .app
            .login_restored(server_url, credentials, budget.into());
        let report = self.inner.cancels.run(async { Ok(login.await?) }).await?;
        Ok(SyncReport::from(&report))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;
    use crate::error::SolaceError;
    use crate::keystore::KeyStoreError;
    use crate::{create_store, KdfPreset};

    const PASS: &str = "cobalt lantern tundra oyster";

    #[derive(Default)]
    struct Keys(Mutex<HashMap<String, Vec<u8>>>);

    impl KeyStore for Keys {
        fn load(&self, id: String) -> std::result::Result<Option<Vec<u8>>, KeyStoreError> {
            Ok(self.0.lock().unwrap().get(&id).cloned())
        }
        fn save(&self, id: String, key: Vec<u8>) -> std::result::Result<(), KeyStoreError> {
            self.0.lock().unwrap().insert(id, key);
            Ok(())
        }
        fn delete(&self, id: String) -> std::result::Result<(), KeyStoreError> {
            self.0.lock().unwrap().remove(&id);
            Ok(())
        }
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        solace_core::app::block_on(async { Ok(f.await) }).unwrap()
    }

    #[test]
    fn backup_and_restore_through_the_ffi_with_typed_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = |n: &str| tmp.path().join(n).to_string_lossy().into_owned();
        let created = run(create_store(
            dir("a"),
            PASS.into(),
            Some(KdfPreset::Minimum),
        ))
        .unwrap();
        let entry = created
            .solace
            .journal()
            .add(solace_core::journal::JournalDraft {
                title: None,
                body: solace_core::journal::JournalBody::Free {
                    text: "kept in the backup".into(),
                },
                tags: vec![],
            })
            .unwrap();
        let file = dir("a.backup");
        let info = run(created.solace.backup(file.clone(), false)).unwrap();
        assert_eq!(info.records, 1);
        assert!(matches!(
            run(created.solace.backup(file.clone(), false)),
            Err(SolaceError::BackupFileExists)
        ));
        let keys: Arc<dyn KeyStore> = Arc::new(Keys::default());
        let secret = |p: &str| BackupSecret::Passphrase {
            passphrase: p.into(),
        };
        assert!(matches!(
            run(restore_backup(
                file.clone(),
                dir("b"),
                secret("wrong"),
                Arc::clone(&keys),
                false
            )),
            Err(SolaceError::WrongPassphrase)
        ));
        let restored = run(restore_backup(
            file.clone(),
            dir("b"),
            secret(PASS),
            Arc::clone(&keys),
            false,
        ))
        .unwrap();
        assert_eq!(restored.records, 1);
        assert!(restored.solace.device_remembered().unwrap());
        assert_eq!(
            restored
                .solace
                .journal()
                .get(entry.id.to_string())
                .unwrap()
                .id,
            entry.id
        );
        restored.solace.close_store();
        assert!(matches!(
            run(restore_backup(
                file.clone(),
                dir("b"),
                secret(PASS),
                Arc::clone(&keys),
                false
            )),
            Err(SolaceError::AlreadyInitialized)
        ));
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.truncate(bytes.len() - 1);
        std::fs::write(&file, bytes).unwrap();
        assert!(matches!(
            run(restore_backup(file, dir("c"), secret(PASS), keys, false)),
            Err(SolaceError::BackupDamaged)
        ));
    }
}
