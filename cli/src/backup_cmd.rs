//! `solace backup` and `solace restore`: one sealed file with every record, and a new store
//! (a new device) built from it. The format and the rules are `solace_core::backup`'s.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use solace_core::app::block_on;
use solace_core::backup::{self, BackupSecret};
use solace_core::App;

use crate::account_cmd::confirm_by_typing;
use crate::error::Result;
use crate::output::{escape_controls, Output};
use crate::passphrase;
use crate::unlock;

/// Stores larger than this show progress while a backup is written.
const PROGRESS_FROM: u64 = 10_000;

/// `solace backup --out FILE [--force]`.
pub fn backup(data_dir: &Path, path: &Path, force: bool, out: &mut Output) -> Result<()> {
    let store = unlock::open(data_dir)?;
    let mut progress = |done: u64, total: u64| {
        if total >= PROGRESS_FROM && (done.is_multiple_of(10_000) || done == total) {
            eprint!("\rbacking up: {done} of {total} records");
            if done == total {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
    };
    let now = chrono::Utc::now().timestamp();
    let summary = backup::write_backup(&store, path, force, now, &mut progress)?;
    if out.json {
        return out.json(&serde_json::json!({
            "file": path,
            "records": summary.records,
            "bytes": summary.bytes,
        }));
    }
    out.line(format!(
        "wrote {}: {} records, {} bytes, sealed (opens with your passphrase or recovery key)",
        path.display(),
        summary.records,
        summary.bytes
    ))?;
    out.line(
        "Keep backups somewhere private and replace them within 30 days: they hold everything.",
    )
}

/// The `solace restore` options.
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// Where to build the store (default: the data directory).
    pub store: Option<PathBuf>,
    /// Open the backup with the recovery key (then a new passphrase is set).
    pub recovery_key: bool,
    /// Replace an existing store without asking.
    pub yes: bool,
    /// Do not remember this device.
    pub no_remember: bool,
    /// Make a word passphrase (with --recovery-key).
    pub generate_passphrase: bool,
}

/// `solace restore FILE [--store DIR] [--recovery-key] [--yes]`.
pub fn restore(data_dir: &Path, args: RestoreArgs, out: &mut Output) -> Result<()> {
    let dir = args.store.clone().unwrap_or_else(|| data_dir.to_path_buf());
    // Read before any question: a file that is not a backup is refused at once.
    let header = backup::read_header(&args.file)?;
    let existing = solace_core::store::existing_store(&dir)?;
    if let Some(existing) = &existing {
        if !args.yes {
            let intro = format!(
                "A store already exists at {}. Replace it with the backup? Its records, messages \
                 and device keys will be gone.",
                escape_controls(&dir.display().to_string())
            );
            match &existing.username {
                Some(name) => {
                    confirm_by_typing(&intro, "Type the account name to confirm: ", name.as_str())?
                }
                None => confirm_by_typing(&intro, "Type \"replace\" to confirm: ", "replace")?,
            }
        }
    }
    let secret = if args.recovery_key {
        let key = passphrase::recovery_key()?;
        solace_core::vault::RecoveryKey::parse(&key)?;
        let new_passphrase =
            passphrase::new_passphrase(passphrase::ENV_NEW_PASSPHRASE, args.generate_passphrase)?;
        BackupSecret::RecoveryKey {
            key,
            new_passphrase,
        }
    } else {
        BackupSecret::Passphrase(passphrase::current()?)
    };
    let keystore = Arc::new(unlock::device_keystore(&dir));
    let (app, summary) = block_on(App::restore_backup(
        args.file.clone(),
        dir.clone(),
        secret,
        keystore.clone(),
        existing.is_some(),
    ))?;
    if args.no_remember {
        app.write(|s| s.forget_device(keystore.as_ref()))?;
    }
    if out.json {
        return out.json(&serde_json::json!({
            "store": dir,
            "records": summary.records,
            "created_at": summary.created_at,
            "replaced": existing.is_some(),
        }));
    }
    let written = chrono::DateTime::from_timestamp(header.created_at, 0)
        .map_or_else(|| "an unknown time".to_owned(), |t| t.to_rfc3339());
    out.line(format!(
        "Restored {} records from a backup written {written} into {}.",
        summary.records,
        dir.display()
    ))?;
    out.line(
        "This is a new device: messages and conversations are not in backups. To sync, run \
         `solace login --server URL --username NAME`; edits made elsewhere since the backup \
         come back, and nothing newer is overwritten.",
    )
}
