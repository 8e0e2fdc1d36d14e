//! Finding, creating and unlocking the store, and the commands about its keys:
//! `init`, `unlock`, `lock`, `passwd`, `recover` and `status`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, Local, NaiveDate};
use serde::Serialize;
use solace_core::crypto::kdf::KdfParams;
use solace_core::crypto::SecretKey;
use solace_core::keystore::{KeyStore, KeyStoreError};
use solace_core::store::DB_FILE;
use solace_core::sync::TransportOptions;
use solace_core::vault::RecoveryKey;
use solace_core::{App, CoreError, FileKeyStore, RecordKind, Store};

use crate::error::{CliError, Result};
use crate::output::{count, Output};
use crate::passphrase;

/// Name of the directory inside the data directory where older builds kept the device key
/// (moved to the key directory on first use).
const LEGACY_DEVICE_DIR: &str = "device";

/// The key directory chosen for this process (see [`resolve_key_dir`]).
static KEY_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Where the store lives: `--data-dir`/`SOLACE_DATA_DIR`, else `$XDG_DATA_HOME/solace`, else
/// `$HOME/.local/share/solace`.
pub fn resolve_data_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    let non_empty = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty());
    if let Some(xdg) = non_empty("XDG_DATA_HOME").map(PathBuf::from) {
        if xdg.is_absolute() {
            return Ok(xdg.join("solace"));
        }
    }
    let home = non_empty("HOME").ok_or(CliError::NoDataDir)?;
    Ok(PathBuf::from(home).join(".local/share/solace"))
}

/// Where remembered device keys live, outside every data directory so a copy of a data
/// directory alone does not open: `--key-dir`/`SOLACE_KEY_DIR`, else
/// `$XDG_STATE_HOME/solace/device-keys`, else `$HOME/.local/state/solace/device-keys`.
/// Keys are files named by vault id, so one directory serves every store.
pub fn resolve_key_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(dir);
    }
    let non_empty = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty());
    if let Some(xdg) = non_empty("XDG_STATE_HOME").map(PathBuf::from) {
        if xdg.is_absolute() {
            return Ok(xdg.join("solace/device-keys"));
        }
    }
    let home = non_empty("HOME").ok_or(CliError::NoKeyDir)?;
    Ok(PathBuf::from(home).join(".local/state/solace/device-keys"))
}

/// Sets the key directory for this process (once, from `main`).
pub fn set_key_dir(dir: PathBuf) {
    let _ = KEY_DIR.set(dir);
}

/// This device's key store for the store in `data_dir`: the per-user key directory, taking
/// over (and deleting) a key an older build left in `<data-dir>/device/`.
pub fn device_keystore(data_dir: &Path) -> DeviceKeyStore {
    let dir = match KEY_DIR.get() {
        Some(dir) => dir.clone(),
        None => resolve_key_dir(None).unwrap_or_else(|_| data_dir.join(LEGACY_DEVICE_DIR)),
    };
    DeviceKeyStore {
        current: FileKeyStore::new(dir.clone()),
        dir,
        legacy_dir: data_dir.join(LEGACY_DEVICE_DIR),
    }
}

/// The CLI's device key store: files in the per-user key directory (mode 0700, keys 0600),
/// migrating a key from the data directory the first time it is loaded.
pub struct DeviceKeyStore {
    current: FileKeyStore,
    dir: PathBuf,
    legacy_dir: PathBuf,
}

impl DeviceKeyStore {
    fn ensure_dir(&self) -> Result<(), KeyStoreError> {
        let backend = |e: std::io::Error| KeyStoreError::Backend(e.kind().to_string());
        std::fs::create_dir_all(&self.dir).map_err(backend)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(backend)?;
        }
        Ok(())
    }

    fn legacy(&self) -> Option<FileKeyStore> {
        (self.legacy_dir != self.dir && self.legacy_dir.is_dir())
            .then(|| FileKeyStore::new(self.legacy_dir.clone()))
    }

    /// Removes the legacy directory once it holds nothing more.
    fn tidy_legacy(&self) {
        let _ = std::fs::remove_dir(&self.legacy_dir);
    }
}

impl KeyStore for DeviceKeyStore {
    fn load(&self, vault_id: &str) -> Result<Option<SecretKey>, KeyStoreError> {
        if let Some(key) = self.current.load(vault_id)? {
            return Ok(Some(key));
        }
        let Some(legacy) = self.legacy() else {
            return Ok(None);
        };
        let Some(key) = legacy.load(vault_id)? else {
            return Ok(None);
        };
        // Move it: write the new copy first, then delete the old one.
        self.save(vault_id, &key)?;
        legacy.delete(vault_id)?;
        self.tidy_legacy();
        Ok(Some(key))
    }

    fn save(&self, vault_id: &str, key: &SecretKey) -> Result<(), KeyStoreError> {
        self.ensure_dir()?;
        self.current.save(vault_id, key)
    }

    fn delete(&self, vault_id: &str) -> Result<(), KeyStoreError> {
        if let Some(legacy) = self.legacy() {
            legacy.delete(vault_id)?;
            self.tidy_legacy();
        }
        self.current.delete(vault_id)
    }
}

/// The current local time, with its UTC offset.
pub fn now() -> DateTime<FixedOffset> {
    Local::now().fixed_offset()
}

/// Today's local date.
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// Opens the store with this device's key, falling back to the passphrase when the device is
/// not remembered (or its key no longer matches).
pub fn open(data_dir: &Path) -> Result<OpenStore> {
    Ok(OpenStore(open_store(data_dir)?))
}

fn open_store(data_dir: &Path) -> Result<Store> {
    match Store::open_with_device_key(data_dir, &device_keystore(data_dir)) {
        Ok(store) => Ok(store),
        Err(CoreError::DeviceNotRemembered | CoreError::DeviceKeyMismatch) => {
            open_with_passphrase(data_dir)
        }
        Err(err) => Err(err.into()),
    }
}

/// The store opened for a use case that may talk to the server (sync, accounts, messaging):
/// the core's application layer, which composes every multi-step use case. Transport
/// settings: `ca_cert` (a PEM file) when given, else `SOLACE_CA_CERT`.
pub fn open_app(data_dir: &Path, ca_cert: Option<&Path>) -> Result<App> {
    let options = transport_options(ca_cert)?;
    Ok(App::with_transport(open_store(data_dir)?, options))
}

/// Transport settings: `ca_cert` (a PEM file) when given, else `SOLACE_CA_CERT`.
pub fn transport_options(ca_cert: Option<&Path>) -> Result<TransportOptions> {
    Ok(match ca_cert {
        Some(path) => TransportOptions::with_ca_cert_file(path)?,
        None => TransportOptions::from_env()?,
    })
}

/// An open store for one command. When it closes it says, on one stderr line, how many
/// damaged records the command's lists, statistics or export had to skip — the rest were
/// shown; nothing is hidden silently.
pub struct OpenStore(Store);

impl std::ops::Deref for OpenStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.0
    }
}

impl std::ops::DerefMut for OpenStore {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.0
    }
}

impl Drop for OpenStore {
    fn drop(&mut self) {
        let skipped = self.0.take_skipped();
        if skipped > 0 {
            eprintln!(
                "warning: {skipped} record(s) could not be decrypted and were skipped; \
                 everything else is shown"
            );
        }
    }
}

/// Opens the store with the passphrase only.
fn open_with_passphrase(data_dir: &Path) -> Result<Store> {
    if !data_dir.join(DB_FILE).is_file() {
        return Err(CoreError::NotInitialized.into());
    }
    let pass = passphrase::current()?;
    let (store, _derived) = Store::open_with_passphrase(data_dir, &pass)?;
    Ok(store)
}

#[derive(Serialize)]
struct InitReport<'a> {
    data_dir: &'a Path,
    vault_id: &'a str,
    recovery_key: &'a str,
    warning: &'static str,
    device_remembered: bool,
}

/// Shown with the recovery key, the only time it is ever displayed.
const RECOVERY_WARNING: &str = "Write the recovery key down and keep it away from this device: \
     it is shown only once and is the only way back in if the passphrase is forgotten.";

/// `solace init`: creates the store, shows the recovery key once, remembers this device.
/// `generate` makes a word passphrase and shows it once instead of asking for one.
pub fn init(data_dir: &Path, remember: bool, generate: bool, out: &mut Output) -> Result<()> {
    if data_dir.join(DB_FILE).is_file() {
        return Err(CoreError::AlreadyInitialized.into());
    }
    let pass = passphrase::new_passphrase(passphrase::ENV_PASSPHRASE, generate)?;
    let (mut store, recovery) = Store::create(data_dir, &pass, KdfParams::DEFAULT)?;
    if remember {
        store.remember_device(&device_keystore(data_dir))?;
    }
    let recovery_text = recovery.display_text();
    if out.json {
        return out.json(&InitReport {
            data_dir,
            vault_id: store.vault_id(),
            recovery_key: &recovery_text,
            warning: RECOVERY_WARNING,
            device_remembered: store.device_remembered(),
        });
    }
    out.line(format!("Created a Solace store in {}", data_dir.display()))?;
    out.line("")?;
    out.line("Your recovery key (shown only this once):")?;
    out.line("")?;
    out.line(format!("    {}", recovery_text.as_str()))?;
    out.line("")?;
    out.line("WRITE IT DOWN and keep it somewhere safe, away from this device.")?;
    out.line("It is the only way back in if you forget your passphrase;")?;
    out.line("nobody, including the Solace team, can recover your data without it.")?;
    out.line("")?;
    if store.device_remembered() {
        out.line("This device is remembered: commands will not ask for the passphrase.")?;
        out.line("Run `solace lock` to require the passphrase again.")
    } else {
        out.line("This device is not remembered: every command will ask for the passphrase.")
    }
}

/// `solace unlock`: checks the passphrase and remembers this device.
pub fn unlock(data_dir: &Path, out: &mut Output) -> Result<()> {
    let mut store = open_with_passphrase(data_dir)?;
    store.remember_device(&device_keystore(data_dir))?;
    if out.json {
        return out.json(&serde_json::json!({ "device_remembered": true }));
    }
    out.line("Unlocked: this device is remembered and will not ask for the passphrase.")
}

/// `solace lock`: forgets this device, so only the passphrase unlocks the store.
pub fn lock(data_dir: &Path, out: &mut Output) -> Result<()> {
    let mut store = open(data_dir)?;
    let was_remembered = store.device_remembered();
    store.forget_device(&device_keystore(data_dir))?;
    if out.json {
        return out.json(&serde_json::json!({
            "device_remembered": false,
            "was_remembered": was_remembered,
        }));
    }
    if was_remembered {
        out.line("Locked: this device is forgotten; the passphrase is needed from now on.")
    } else {
        out.line("This device was not remembered; the passphrase is needed as before.")
    }
}

/// `solace passwd`: changes the passphrase (the current one is always asked); `generate`
/// makes a word passphrase and shows it once.
pub fn passwd(
    data_dir: &Path,
    sign_out_others: bool,
    generate: bool,
    out: &mut Output,
) -> Result<()> {
    if !data_dir.join(DB_FILE).is_file() {
        return Err(CoreError::NotInitialized.into());
    }
    let pass = passphrase::current()?;
    let (store, _) = Store::open_with_passphrase(data_dir, &pass)?;
    let new = passphrase::new_passphrase(passphrase::ENV_NEW_PASSPHRASE, generate)?;
    let app = App::with_transport(store, TransportOptions::default());
    // The app re-wraps the keys and stages the new login material (sent by the next sync,
    // with proofs of the old passphrase and of the account key).
    solace_core::app::block_on(app.change_passphrase(pass, new, sign_out_others))?;
    let (connected, key_id) =
        app.read(|s| Ok((s.sync_account()?.is_some(), s.current_key_id())))?;
    if out.json {
        return out.json(&serde_json::json!({
            "changed": true,
            "key_id": key_id,
        }));
    }
    out.line("Passphrase changed. Your recovery key stays the same.")?;
    if connected {
        out.line("Your other devices keep working; new devices log in with the new passphrase after the next `solace sync`.")?;
    }
    Ok(())
}

/// `solace recover`: sets a new passphrase using the recovery key; `generate` makes a word
/// passphrase and shows it once.
pub fn recover(
    data_dir: &Path,
    sign_out_others: bool,
    generate: bool,
    out: &mut Output,
) -> Result<()> {
    if !data_dir.join(DB_FILE).is_file() {
        return Err(CoreError::NotInitialized.into());
    }
    let text = passphrase::recovery_key()?;
    RecoveryKey::parse(&text)?;
    let new = passphrase::new_passphrase(passphrase::ENV_NEW_PASSPHRASE, generate)?;
    let app = solace_core::app::block_on(App::reset_passphrase(
        data_dir.to_path_buf(),
        text,
        new,
        sign_out_others,
    ))?;
    if out.json {
        return out.json(&serde_json::json!({
            "recovered": true,
            "key_id": app.read(|s| Ok(s.current_key_id()))?,
        }));
    }
    out.line("New passphrase set. Your recovery key stays valid; keep it safe.")
}

#[derive(Serialize)]
struct Status<'a> {
    data_dir: &'a Path,
    vault_id: &'a str,
    pending_changes: u64,
    device_remembered: bool,
    key_id: u32,
    kdf: KdfParams,
    journal_entries: u64,
    mood_check_ins: u64,
    habits: u64,
    /// Server copies held aside because they failed authentication.
    quarantined: u64,
    sync: solace_core::store::sync_state::SyncStatus,
}

/// `solace status`: facts about the store, never its content.
pub fn status(data_dir: &Path, out: &mut Output) -> Result<()> {
    let store = open(data_dir)?;
    let sync = store.sync_status()?;
    let status = Status {
        data_dir,
        vault_id: store.vault_id(),
        pending_changes: store.pending_changes()?,
        device_remembered: store.device_remembered(),
        key_id: store.current_key_id(),
        kdf: store.kdf_params(),
        journal_entries: store.count(RecordKind::Journal)?,
        mood_check_ins: store.count(RecordKind::Mood)?,
        habits: store.count(RecordKind::Habit)?,
        quarantined: sync.quarantined,
        sync,
    };
    if out.json {
        return out.json(&status);
    }
    let yes_no = |b: bool| if b { "yes" } else { "no (passphrase needed)" };
    let rows = [
        ("data dir", status.data_dir.display().to_string()),
        ("vault id", status.vault_id.to_owned()),
        (
            "pending sync",
            format!("{} records", status.pending_changes),
        ),
        ("device remembered", yes_no(status.device_remembered).into()),
        ("items key id", status.key_id.to_string()),
        (
            "kdf",
            format!(
                "Argon2id, {} MiB, {} passes, {} lane(s)",
                status.kdf.memory_kib / 1024,
                status.kdf.iterations,
                status.kdf.parallelism
            ),
        ),
        (
            "sync",
            match (&status.sync.server_url, &status.sync.username) {
                (Some(url), Some(user)) => format!(
                    "{user} at {url}; last sync {}{}",
                    status.sync.last_sync_at.as_deref().unwrap_or("never"),
                    status
                        .sync
                        .last_error
                        .as_deref()
                        .map(|e| format!(" (last attempt failed: {e})"))
                        .unwrap_or_default()
                ),
                _ => "not connected (solace register / solace login)".into(),
            },
        ),
        (
            "records",
            format!(
                "{}, {}, {}",
                count(status.journal_entries, "journal entry", "journal entries"),
                count(status.mood_check_ins, "mood check-in", "mood check-ins"),
                count(status.habits, "habit", "habits")
            ),
        ),
        (
            "quarantined",
            if status.quarantined == 0 {
                "none".into()
            } else {
                format!(
                    "{} server copies failed authentication and were set aside \
                     (your records were not changed)",
                    status.quarantined
                )
            },
        ),
    ];
    for (label, value) in rows {
        out.line(format!("{label:<18} {value}"))?;
    }
    Ok(())
}
