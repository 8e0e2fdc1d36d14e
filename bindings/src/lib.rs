//! `solace-ffi`: the UniFFI facade that Kotlin (Android) and Swift (iOS) call. It holds no
//! logic: every method converts its arguments, calls one `solace_core` function and converts
//! the result (small `From` impls), so the apps and the terminal client behave identically.
//!
//! Entry points: [`create_store`] (first run, returns the recovery key once),
//! [`Solace::open_with_passphrase`], [`Solace::open_with_device_key`] (daily unlock through
//! the platform [`KeyStore`]) and [`Solace::login_new_device`] (second device, via sync).
//! A [`Solace`] hands out method groups: [`Solace::journal`], [`Solace::mood`],
//! [`Solace::habits`], [`Solace::sessions`], [`Solace::assessments`] (with the safety plan)
//! and [`Solace::sync`]. [`passphrase_strength`] (fast, main-thread safe) and
//! [`generate_passphrase`] serve the passphrase screens.
//!
//! Threading: every call is synchronous. Unlocking (Argon2id, ~0.2 s), sync and export do
//! real work and block: **call them off the main thread** (a coroutine on `Dispatchers.IO`, a
//! `Task.detached`). A `Solace` is safe to share between threads; calls are serialized on the
//! store (one writer).

#![warn(missing_docs)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use solace_core::crypto::kdf::KdfParams;
use solace_core::Store;

mod common;
mod error;
mod events;
mod habits;
mod journal;
mod keystore;
mod messages;
mod mood;
mod passphrase;
mod sessions;
mod sync;

pub mod assessments;

pub use assessments::*;
pub use common::Weekday;
pub use error::SolaceError;
pub use events::{SolaceListener, Subscription, SyncState};
pub use habits::*;
pub use journal::*;
pub use keystore::{KeyStore, KeyStoreError};
pub use messages::*;
pub use mood::*;
pub use passphrase::{generate_passphrase, passphrase_strength, PassphraseStrength};
pub use sessions::*;
pub use sync::{SyncAccount, SyncBudget, SyncReport, SyncService};

use crate::error::Result;
use crate::events::Listeners;
use crate::keystore::ForeignKeyStore;

uniffi::setup_scaffolding!();

/// State shared by a [`Solace`] and its method groups.
pub(crate) struct Inner {
    store: Mutex<Option<Store>>,
    listeners: Arc<Listeners>,
}

impl Inner {
    fn new(store: Store) -> Arc<Self> {
        Arc::new(Self {
            store: Mutex::new(Some(store)),
            listeners: Arc::default(),
        })
    }

    /// Runs `f` on the open store, mapping core errors to [`SolaceError`].
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Store) -> solace_core::Result<T>,
    ) -> Result<T> {
        let mut guard = self.store.lock().map_err(|_| SolaceError::Internal {
            detail: "a previous call panicked while holding the store".into(),
        })?;
        let store = guard.as_mut().ok_or(SolaceError::Closed)?;
        Ok(f(store)?)
    }
}

/// Argon2id cost for a new store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum KdfPreset {
    /// 64 MiB, 3 passes (the default; ~0.2 s on a phone-class core).
    Standard,
    /// The hard floor, 19 MiB, 2 passes (low-memory devices and tests).
    Minimum,
}

impl From<KdfPreset> for KdfParams {
    fn from(p: KdfPreset) -> Self {
        match p {
            KdfPreset::Standard => KdfParams::DEFAULT,
            KdfPreset::Minimum => KdfParams::FLOOR,
        }
    }
}

/// A newly created store and its one-time recovery key.
#[derive(uniffi::Record)]
pub struct CreatedStore {
    /// The open store.
    pub solace: Arc<Solace>,
    /// The recovery key text: show it once, ask the person to write it down, never store it.
    pub recovery_key: String,
}

/// Creates a new encrypted store in `dir` protected by `passphrase`. Blocking (Argon2id):
/// call off the main thread. A passphrase below the bar (see [`passphrase_strength`]) is
/// [`SolaceError::WeakPassphrase`]. Call [`Solace::remember_device`] afterwards for passphrase-free
/// daily unlock.
#[uniffi::export(default(kdf = None))]
pub fn create_store(
    dir: String,
    passphrase: String,
    kdf: Option<KdfPreset>,
) -> Result<CreatedStore> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    let params = kdf.unwrap_or(KdfPreset::Standard).into();
    let (store, recovery) = Store::create(&PathBuf::from(dir), &passphrase, params)?;
    Ok(CreatedStore {
        solace: Arc::new(Solace {
            inner: Inner::new(store),
        }),
        recovery_key: recovery.display_text().to_string(),
    })
}

/// Format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExportFormat {
    /// One complete, re-importable JSON file.
    Json,
    /// A directory with one CSV file per kind.
    Csv,
    /// The journal as one Markdown file.
    Markdown,
    /// Assessments as a FHIR R4 Bundle of QuestionnaireResponses.
    Fhir,
}

journal::mirror_enum!(
    ExportFormat,
    solace_core::export::ExportFormat,
    [Json, Csv, Markdown, Fhir]
);

/// Counts from an import.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    /// Records written.
    pub imported: u32,
    /// Records already present (left unchanged).
    pub skipped: u32,
}

/// An open, unlocked Solace store. Closing (or dropping) it releases the writer lock.
#[derive(uniffi::Object)]
pub struct Solace {
    inner: Arc<Inner>,
}

#[uniffi::export]
impl Solace {
    /// Opens the store in `dir` with the passphrase. Blocking (Argon2id): call off the main
    /// thread. A wrong passphrase is `SolaceError.WrongPassphrase`.
    #[uniffi::constructor]
    pub fn open_with_passphrase(dir: String, passphrase: String) -> Result<Arc<Self>> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        let (store, _) = Store::open_with_passphrase(&PathBuf::from(dir), &passphrase)?;
        Ok(Arc::new(Self {
            inner: Inner::new(store),
        }))
    }

    /// Opens the store in `dir` with the device key held by `keystore` (daily unlock, no
    /// passphrase). `DeviceNotRemembered` means: ask for the passphrase.
    #[uniffi::constructor]
    pub fn open_with_device_key(dir: String, keystore: Arc<dyn KeyStore>) -> Result<Arc<Self>> {
        let store = Store::open_with_device_key(&PathBuf::from(dir), &ForeignKeyStore(keystore))?;
        Ok(Arc::new(Self {
            inner: Inner::new(store),
        }))
    }

    /// Opens the store with the recovery key and sets a new passphrase (forgotten
    /// passphrase). Blocking: call off the main thread.
    #[uniffi::constructor]
    pub fn reset_passphrase(
        dir: String,
        recovery_key: String,
        new_passphrase: String,
    ) -> Result<Arc<Self>> {
        let recovery_key = zeroize::Zeroizing::new(recovery_key);
        let new_passphrase = zeroize::Zeroizing::new(new_passphrase);
        let recovery = solace_core::vault::RecoveryKey::parse(&recovery_key)?;
        let mut store =
            Store::reset_passphrase_with_recovery(&PathBuf::from(dir), &recovery, &new_passphrase)?;
        solace_core::sync::stage_credentials(&mut store, &new_passphrase)?;
        Ok(Arc::new(Self {
            inner: Inner::new(store),
        }))
    }

    /// [`Solace::reset_passphrase`], and when `sign_out_other_devices` the next sync also
    /// signs out every other device of the sync account (e.g. after a lost phone).
    #[uniffi::constructor]
    pub fn reset_passphrase_with(
        dir: String,
        recovery_key: String,
        new_passphrase: String,
        sign_out_other_devices: bool,
    ) -> Result<Arc<Self>> {
        let recovery_key = zeroize::Zeroizing::new(recovery_key);
        let new_passphrase = zeroize::Zeroizing::new(new_passphrase);
        let recovery = solace_core::vault::RecoveryKey::parse(&recovery_key)?;
        let mut store =
            Store::reset_passphrase_with_recovery(&PathBuf::from(dir), &recovery, &new_passphrase)?;
        let options = solace_core::sync::CredentialOptions {
            current_auth_key: None,
            sign_out_other_devices,
        };
        solace_core::sync::stage_credentials_with(&mut store, &new_passphrase, &options)?;
        Ok(Arc::new(Self {
            inner: Inner::new(store),
        }))
    }

    /// Sets up this device for an existing sync account: creates the store in `dir` from the
    /// server's wrapped keys and pulls everything. Blocking (network, Argon2id): call off the
    /// main thread.
    #[uniffi::constructor]
    pub fn login_new_device(
        dir: String,
        server_url: String,
        username: String,
        passphrase: String,
        device_name: String,
    ) -> Result<Arc<Self>> {
        let passphrase = zeroize::Zeroizing::new(passphrase);
        let transport = solace_core::sync::HttpTransport::new(&server_url)?;
        let (store, _) = solace_core::sync::login_new_device(
            &PathBuf::from(dir),
            &transport,
            &server_url,
            &username,
            &passphrase,
            &device_name,
            solace_core::sync::SyncBudget::unlimited(),
        )?;
        Ok(Arc::new(Self {
            inner: Inner::new(store),
        }))
    }

    /// The journal.
    pub fn journal(&self) -> Arc<Journal> {
        Arc::new(Journal {
            inner: Arc::clone(&self.inner),
        })
    }

    /// Mood check-ins and statistics.
    pub fn mood(&self) -> Arc<Mood> {
        Arc::new(Mood {
            inner: Arc::clone(&self.inner),
        })
    }

    /// Habits, streaks and strength.
    pub fn habits(&self) -> Arc<Habits> {
        Arc::new(Habits {
            inner: Arc::clone(&self.inner),
        })
    }

    /// Micro-sessions.
    pub fn sessions(&self) -> Arc<Sessions> {
        Arc::new(Sessions {
            inner: Arc::clone(&self.inner),
        })
    }

    /// PHQ-9 / GAD-7 and the safety plan.
    pub fn assessments(&self) -> Arc<Assessments> {
        Arc::new(Assessments {
            inner: Arc::clone(&self.inner),
        })
    }

    /// Sync with the provider server.
    pub fn sync(&self) -> Arc<SyncService> {
        Arc::new(SyncService {
            inner: Arc::clone(&self.inner),
        })
    }

    /// End-to-end encrypted messaging with a therapist or client.
    pub fn messages(&self) -> Arc<Messages> {
        Arc::new(Messages {
            inner: Arc::clone(&self.inner),
        })
    }

    /// The store's vault id (the key under which the device key is saved).
    pub fn vault_id(&self) -> Result<String> {
        self.inner.with(|s| Ok(s.vault_id().to_owned()))
    }

    /// Whether a device key is set up for this store.
    pub fn device_remembered(&self) -> Result<bool> {
        self.inner.with(|s| Ok(s.device_remembered()))
    }

    /// Local changes not yet synced.
    pub fn pending_changes(&self) -> Result<u64> {
        self.inner.with(|s| s.pending_changes())
    }

    /// Server copies held aside because they failed authentication (never applied).
    pub fn quarantined_count(&self) -> Result<u64> {
        self.inner.with(|s| s.quarantined_count())
    }

    /// How many damaged records lists, statistics and exports skipped since the last call
    /// (then 0 again): show "N records could not be read" once.
    pub fn take_skipped_count(&self) -> Result<u64> {
        self.inner.with(|s| Ok(s.take_skipped()))
    }

    /// Creates a device key, saves it in `keystore` and lets it unlock this store.
    pub fn remember_device(&self, keystore: Arc<dyn KeyStore>) -> Result<()> {
        let keystore = ForeignKeyStore(keystore);
        self.inner.with(|s| s.remember_device(&keystore))
    }

    /// Deletes the device key from `keystore` and the store: only the passphrase (or the
    /// recovery key) opens it afterwards.
    pub fn forget_device(&self, keystore: Arc<dyn KeyStore>) -> Result<()> {
        let keystore = ForeignKeyStore(keystore);
        self.inner.with(|s| s.forget_device(&keystore))
    }

    /// Changes the passphrase (re-wraps keys; nothing is re-encrypted). Blocking: call off
    /// the main thread.
    pub fn change_passphrase(&self, new_passphrase: String) -> Result<()> {
        let new_passphrase = zeroize::Zeroizing::new(new_passphrase);
        self.inner.with(|s| {
            let params = s.kdf_params();
            s.change_passphrase(&new_passphrase, params)?;
            // The server learns the new login material on the next sync.
            solace_core::sync::stage_credentials(s, &new_passphrase)
        })
    }

    /// Changes the passphrase proving the current one to the server (needed for accounts
    /// created before account-key proofs) and, if asked, signs out every other device when
    /// the next sync sends the change. Blocking (Argon2id twice): call off the main thread.
    pub fn change_passphrase_with(
        &self,
        current_passphrase: String,
        new_passphrase: String,
        sign_out_other_devices: bool,
    ) -> Result<()> {
        let current = zeroize::Zeroizing::new(current_passphrase);
        let new_passphrase = zeroize::Zeroizing::new(new_passphrase);
        self.inner.with(|s| {
            let old = s.derive_with_passphrase(&current)?;
            let params = s.kdf_params();
            s.change_passphrase(&new_passphrase, params)?;
            let options = solace_core::sync::CredentialOptions {
                current_auth_key: Some(old.auth_key),
                sign_out_other_devices,
            };
            solace_core::sync::stage_credentials_with(s, &new_passphrase, &options)
        })
    }

    /// Writes an export to `path` (a file; a directory for CSV) and returns the files
    /// written. Blocking: call off the main thread.
    pub fn export_to(&self, format: ExportFormat, path: String) -> Result<Vec<String>> {
        self.inner
            .with(|s| {
                solace_core::export::export_to(
                    s,
                    format.into(),
                    &PathBuf::from(path),
                    common::now(),
                )
            })
            .map(|files| {
                files
                    .into_iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect()
            })
    }

    /// Imports a JSON export (records already present are skipped).
    pub fn import_json(&self, json: String) -> Result<ImportReport> {
        self.inner
            .with(|s| solace_core::export::import_json(s, &json))
            .map(|r| ImportReport {
                imported: r.imported,
                skipped: r.skipped,
            })
    }

    /// Registers a listener; it stays registered while the returned handle lives (or until
    /// `cancel()`).
    pub fn subscribe(&self, listener: Arc<dyn SolaceListener>) -> Arc<Subscription> {
        events::subscribe(&self.inner.listeners, listener)
    }

    /// Closes the store now (releases the writer lock); later calls raise `Closed`.
    pub fn close_store(&self) {
        if let Ok(mut guard) = self.inner.store.lock() {
            guard.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Keys(Mutex<Option<Vec<u8>>>);

    impl KeyStore for Keys {
        fn load(&self, _: String) -> Result<Option<Vec<u8>>, KeyStoreError> {
            Ok(self.0.lock().unwrap().clone())
        }
        fn save(&self, _: String, key: Vec<u8>) -> Result<(), KeyStoreError> {
            *self.0.lock().unwrap() = Some(key);
            Ok(())
        }
        fn delete(&self, _: String) -> Result<(), KeyStoreError> {
            *self.0.lock().unwrap() = None;
            Ok(())
        }
    }

    #[test]
    fn errors_are_typed_and_the_device_key_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_string_lossy().into_owned();
        let created = create_store(
            path.clone(),
            "cobalt lantern tundra oyster".into(),
            Some(KdfPreset::Minimum),
        )
        .unwrap();
        let keys: Arc<dyn KeyStore> = Arc::new(Keys(Mutex::new(None)));
        created.solace.remember_device(Arc::clone(&keys)).unwrap();
        assert!(matches!(
            Solace::open_with_passphrase(path.clone(), "cobalt lantern tundra oyster".into()),
            Err(SolaceError::StoreBusy)
        ));
        created.solace.close_store();
        assert!(matches!(
            created.solace.vault_id(),
            Err(SolaceError::Closed)
        ));
        assert!(matches!(
            Solace::open_with_passphrase(path.clone(), "wrong".into()),
            Err(SolaceError::WrongPassphrase)
        ));
        let reopened = Solace::open_with_device_key(path, keys).unwrap();
        assert!(reopened.device_remembered().unwrap());
        assert!(matches!(
            reopened.journal().get("00".repeat(16)),
            Err(SolaceError::NotFound { .. })
        ));
    }
}
