//! `solace-ffi`: the UniFFI facade that Kotlin (Android) and Swift (iOS) call. It holds no
//! logic: every method converts its arguments, calls one `solace_core` function and converts
//! the result (small `From` impls), so the apps and the terminal client behave identically.
//!
//! Entry points: [`create_store`] (first run, returns the recovery key once),
//! [`open_with_passphrase`], [`Solace::open_with_device_key`] (daily unlock through the
//! platform [`KeyStore`]), [`reset_passphrase`] and [`login_new_device`] (second device, via
//! sync).
//! A [`Solace`] hands out method groups: [`Solace::journal`], [`Solace::mood`],
//! [`Solace::habits`], [`Solace::sessions`], [`Solace::assessments`] (with the safety plan)
//! and [`Solace::sync`]; [`Solace::insights`] returns the insights screen's charts.
//! [`passphrase_strength`] (fast, main-thread safe) and [`generate_passphrase`] serve the
//! passphrase screens.
//!
//! Threading: everything that talks to the server or runs Argon2id is `async` (Kotlin
//! `suspend`, Swift `async`) and runs on the core's background pool; cancelling the coroutine
//! or task cancels the work at its next step, leaving the store consistent. Local reads and
//! writes are synchronous and fast: reads go to their own WAL reader connections and never
//! wait on a sync, writes take the writer for one short step (a sync never holds it while
//! it waits on the network). Every use case is composed once in `solace_core::app`; this
//! crate only converts and forwards.

#![warn(missing_docs)]
#![deny(clippy::await_holding_lock)]

use std::path::PathBuf;
use std::sync::Arc;
#[cfg(test)]
use std::sync::Mutex;

use solace_core::crypto::kdf::KdfParams;
use solace_core::{App, Store};

mod backup;
mod cancel;
mod care;
mod common;
mod error;
mod events;
mod habits;
mod health;
mod identity;
mod insights;
mod journal;
mod keystore;
mod messages;
mod mood;
mod open;
mod passphrase;
mod present;
mod reminders;
mod sessions;
mod sync;
mod today;

pub mod assessments;

pub use assessments::*;
pub use backup::{restore_backup, BackupInfo, BackupSecret, RestoredStore};
pub use care::*;
pub use common::Weekday;
pub use error::SolaceError;
pub use events::{SolaceListener, Subscription, SyncState};
pub use habits::*;
pub use insights::*;
pub use journal::*;
pub use keystore::{KeyStore, KeyStoreError};
pub use messages::*;
pub use mood::*;
pub use open::{create_store, login_new_device, open_with_passphrase, reset_passphrase};
pub use passphrase::{generate_passphrase, passphrase_strength, PassphraseStrength};
pub use present::*;
pub use sessions::*;
pub use sync::{SyncAccount, SyncBudget, SyncReport, SyncService};

use crate::error::Result;
use crate::keystore::ForeignKeyStore;

uniffi::setup_scaffolding!();

/// State shared by a [`Solace`] and its method groups: the core application.
pub(crate) struct Inner {
    pub(crate) app: App,
    /// Explicit cancellation of syncs in flight (Swift tasks do not drop Rust futures).
    pub(crate) cancels: cancel::Cancels,
}

impl Inner {
    fn new(app: App) -> Arc<Self> {
        Arc::new(Self {
            app,
            cancels: cancel::Cancels::default(),
        })
    }

    /// Runs a local write on the store (one short step), mapping core errors.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Store) -> solace_core::Result<T>,
    ) -> Result<T> {
        Ok(self.app.write(f)?)
    }

    /// Runs a read on a reader connection of its own (never waits on a sync).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Store) -> solace_core::Result<T>) -> Result<T> {
        Ok(self.app.read(f)?)
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

pub use solace_core::export::ExportFormat;

/// Format of an export.
#[uniffi::remote(Enum)]
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

impl Solace {
    pub(crate) fn wrap(app: App) -> Arc<Self> {
        Arc::new(Self {
            inner: Inner::new(app),
        })
    }
}

#[uniffi::export]
impl Solace {
    /// Opens the store in `dir` with the device key held by `keystore` (daily unlock, no
    /// passphrase). `DeviceNotRemembered` means: ask for the passphrase.
    #[uniffi::constructor]
    pub fn open_with_device_key(dir: String, keystore: Arc<dyn KeyStore>) -> Result<Arc<Self>> {
        let app = App::open_with_device_key(&PathBuf::from(dir), &ForeignKeyStore(keystore))?;
        Ok(Self::wrap(app))
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

    /// Intake forms and referral cards.
    pub fn care(&self) -> Arc<Care> {
        Arc::new(Care {
            inner: Arc::clone(&self.inner),
        })
    }

    /// The insights screen over the `days` days ending `today` (`YYYY-MM-DD`; the local today
    /// when null): mood line, weekday bars, habit strength, technique helpfulness, each with
    /// its screen-reader sentence, and the headline. A fast local read.
    #[uniffi::method(default(today = None))]
    pub fn insights(&self, days: u32, today: Option<String>) -> Result<InsightCharts> {
        let today = common::date_or_today(today)?;
        self.inner
            .read(|s| solace_core::app::insights::insights(s, days, today))
    }

    /// The store's vault id (the key under which the device key is saved).
    pub fn vault_id(&self) -> Result<String> {
        self.inner.read(|s| Ok(s.vault_id().to_owned()))
    }

    /// Whether a device key is set up for this store.
    pub fn device_remembered(&self) -> Result<bool> {
        self.inner.read(|s| Ok(s.device_remembered()))
    }

    /// Local changes not yet synced.
    pub fn pending_changes(&self) -> Result<u64> {
        self.inner.read(|s| s.pending_changes())
    }

    /// Server copies held aside because they failed authentication (never applied).
    pub fn quarantined_count(&self) -> Result<u64> {
        self.inner.read(|s| s.quarantined_count())
    }

    /// How many damaged records lists, statistics and exports skipped since the last call
    /// (then 0 again): show "N records could not be read" once.
    pub fn take_skipped_count(&self) -> Result<u64> {
        Ok(self.inner.app.take_skipped()?)
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

    /// Changes the passphrase (re-wraps keys; nothing is re-encrypted), proving the current
    /// one, and stages the new login material that the next sync sends to the server (which
    /// also signs out every other device when `sign_out_other_devices`). Async (Argon2id).
    pub async fn change_passphrase(
        &self,
        current_passphrase: String,
        new_passphrase: String,
        sign_out_other_devices: bool,
    ) -> Result<()> {
        Ok(self
            .inner
            .app
            .change_passphrase(
                zeroize::Zeroizing::new(current_passphrase),
                zeroize::Zeroizing::new(new_passphrase),
                sign_out_other_devices,
            )
            .await?)
    }

    /// Writes an export to `path` (a file; a directory for CSV) and returns the files
    /// written. Blocking: call off the main thread.
    pub fn export_to(&self, format: ExportFormat, path: String) -> Result<Vec<String>> {
        self.inner
            .read(|s| {
                solace_core::export::export_to(s, format, &PathBuf::from(path), common::now())
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
        events::subscribe(&self.inner.app, listener)
    }

    /// Closes the store now (releases the writer lock); later calls raise `Closed`.
    pub fn close_store(&self) {
        self.inner.app.close();
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
        let created = solace_core::app::block_on(async {
            Ok(create_store(
                path.clone(),
                "cobalt lantern tundra oyster".into(),
                Some(KdfPreset::Minimum),
            )
            .await)
        })
        .unwrap()
        .unwrap();
        let open = |pass: &str| {
            let (path, pass) = (path.clone(), pass.to_owned());
            solace_core::app::block_on(async { Ok(open_with_passphrase(path, pass).await) })
                .unwrap()
        };
        let keys: Arc<dyn KeyStore> = Arc::new(Keys(Mutex::new(None)));
        created.solace.remember_device(Arc::clone(&keys)).unwrap();
        assert!(matches!(
            open("cobalt lantern tundra oyster"),
            Err(SolaceError::StoreBusy)
        ));
        created.solace.close_store();
        assert!(matches!(
            created.solace.vault_id(),
            Err(SolaceError::Closed)
        ));
        assert!(matches!(open("wrong"), Err(SolaceError::WrongPassphrase)));
        let reopened = Solace::open_with_device_key(path, keys).unwrap();
        assert!(reopened.device_remembered().unwrap());
        assert!(matches!(
            reopened.journal().get("00".repeat(16)),
            Err(SolaceError::NotFound { .. })
        ));
    }
}
