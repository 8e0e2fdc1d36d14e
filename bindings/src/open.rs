//! Opening a store: first run, passphrase unlock, recovery, and a new device's login. All
//! run Argon2id (and the login talks to the server), so all are async.

use std::path::PathBuf;
use std::sync::Arc;

use solace_core::app::Credentials;
use solace_core::sync::{SyncBudget, TransportOptions};
use solace_core::App;
use zeroize::Zeroizing;

use crate::error::Result;
use crate::{CreatedStore, KdfPreset, Solace};

/// Creates a new encrypted store in `dir` protected by `passphrase`. A passphrase below the
/// bar (see [`crate::passphrase_strength`]) is `SolaceError.WeakPassphrase`. Call
/// [`Solace::remember_device`] afterwards for passphrase-free daily unlock.
#[uniffi::export(default(kdf = None))]
pub async fn create_store(
    dir: String,
    passphrase: String,
    kdf: Option<KdfPreset>,
) -> Result<CreatedStore> {
    let params = kdf.unwrap_or(KdfPreset::Standard).into();
    let (app, recovery) =
        App::create(PathBuf::from(dir), Zeroizing::new(passphrase), params).await?;
    Ok(CreatedStore {
        solace: Solace::wrap(app),
        recovery_key: recovery.display_text().to_string(),
    })
}

/// Opens the store in `dir` with the passphrase. A wrong passphrase is
/// `SolaceError.WrongPassphrase`.
#[uniffi::export]
pub async fn open_with_passphrase(dir: String, passphrase: String) -> Result<Arc<Solace>> {
    let app = App::open_with_passphrase(PathBuf::from(dir), Zeroizing::new(passphrase)).await?;
    Ok(Solace::wrap(app))
}

/// Opens the store with the recovery key and sets a new passphrase (forgotten passphrase);
/// the next sync tells the server, and signs out every other device of the sync account when
/// `sign_out_other_devices` (e.g. after a lost phone).
#[uniffi::export]
pub async fn reset_passphrase(
    dir: String,
    recovery_key: String,
    new_passphrase: String,
    sign_out_other_devices: bool,
) -> Result<Arc<Solace>> {
    let app = App::reset_passphrase(
        PathBuf::from(dir),
        Zeroizing::new(recovery_key),
        Zeroizing::new(new_passphrase),
        sign_out_other_devices,
    )
    .await?;
    Ok(Solace::wrap(app))
}

/// Sets up this device for an existing sync account: creates the store in `dir` from the
/// server's wrapped keys and pulls everything.
#[uniffi::export]
pub async fn login_new_device(
    dir: String,
    server_url: String,
    username: String,
    passphrase: String,
    device_name: String,
) -> Result<Arc<Solace>> {
    let credentials = Credentials {
        username,
        passphrase: Zeroizing::new(passphrase),
        device_name,
    };
    let (app, _) = App::login_new_device(
        PathBuf::from(dir),
        server_url,
        credentials,
        SyncBudget::unlimited(),
        TransportOptions::from_env()?,
    )
    .await?;
    Ok(Solace::wrap(app))
}
