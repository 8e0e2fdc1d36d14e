//! Encrypted backups: one sealed file holding every record of the store, openable with the
//! passphrase or the recovery key, restorable on a fresh machine as a new device.
//!
//! # Format v1
//!
//! ```text
//! header (clear, authenticated as every chunk's associated data):
//!   "SOLACE-BACKUP\0" | version u8 = 1 | created_at i64 (Unix s)
//!   | kdf memory_kib u32 | iterations u32 | parallelism u32 | kdf salt [16]
//!   | account key by KEK (wrap v1, 77 bytes, as in the vault)
//!   | has_recovery u8 (0/1) | [account key by recovery key (wrap v1, 77 bytes)]
//!   | body salt [32] | chunk_size u32 | items_keys u32 | records u64
//! body: chunks sealed with XChaCha20-Poly1305 in the STREAM construction (see `stream`)
//!   under body key = HKDF-SHA256(salt = body salt, ikm = account key, info "solace/backup/v1");
//!   plaintext: the items keys (wrapped by the account key, as stored) then every row of
//!   `records` (see `body`).
//! ```
//!
//! Integers are big-endian. The passphrase opens the KEK wrap exactly as the vault does
//! (Argon2id with the header's parameters, floor and ceiling enforced); the recovery key
//! opens the recovery wrap. A wrong secret is the store's own error
//! ([`CoreError::WrongPassphrase`] / [`CoreError::WrongRecoveryKey`]); a changed header
//! either stops its wrap from opening (the same error) or, being the associated data, the
//! body; any change, cut or extension of the body is [`BackupError::Damaged`] and restores
//! nothing — the new store is built aside and put in place only after the final chunk opened.
//!
//! What a backup never holds: the device state (Olm account and sessions, the device token,
//! device-local flags), messages, conversations, the outbox, the quarantine and the device
//! key wrap. A restored store is a new device: new vault id, new device key, not signed in;
//! its records keep their versions and server bookkeeping, so the rollback floor holds and
//! the first sync after a login (`App::login_restored`) follows the usual rules.

mod body;
pub mod header;
mod stream;
#[cfg(test)]
mod tests;

use std::io::{BufReader, Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

pub use header::Header;

use crate::crypto::{fill_random, SecretKey};
use crate::error::{BackupError, CoreError, Result};
use crate::keystore::KeyStore;
use crate::store::{RestoreTarget, Store};
use crate::vault::{self, PortableKeys, RecoveryKey};

/// Plaintext bytes per body chunk written by this build.
pub const CHUNK_SIZE: u32 = 64 * 1024;
const BODY_INFO: &[u8] = b"solace/backup/v1";
/// Longest possible v1 header.
const MAX_HEADER: usize = 14 + 1 + 8 + 12 + 16 + 77 + 1 + 77 + 32 + 4 + 4 + 8;
/// Most items keys a reader accepts (one per passphrase change).
const MAX_ITEMS_KEYS: u32 = 65_536;

/// What a written backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BackupSummary {
    /// Record rows (live records and tombstones).
    pub records: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// What a restore brought back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RestoreSummary {
    /// Record rows restored.
    pub records: u64,
    /// When the backup was written, Unix seconds.
    pub created_at: i64,
}

/// The secret that opens a backup.
pub enum BackupSecret {
    /// The passphrase the store had when the backup was written.
    Passphrase(Zeroizing<String>),
    /// The recovery key, and the new passphrase the restored store gets (as after
    /// `solace recover`). A new passphrase below the strength bar is refused before anything
    /// is read.
    RecoveryKey {
        /// The recovery key as shown once (spaces, dashes and case ignored).
        key: Zeroizing<String>,
        /// The restored store's passphrase.
        new_passphrase: Zeroizing<String>,
    },
}

impl std::fmt::Debug for BackupSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BackupSecret::Passphrase(_) => "BackupSecret::Passphrase(<redacted>)",
            BackupSecret::RecoveryKey { .. } => "BackupSecret::RecoveryKey(<redacted>)",
        })
    }
}

/// Writes a backup of `store` to `path` atomically (a private temporary file beside it,
/// flushed, renamed). An existing file is [`BackupError::FileExists`] unless `overwrite`.
/// `progress` is called with (records written, records in all) every 1,000 records.
pub fn write_backup(
    store: &Store,
    path: &Path,
    overwrite: bool,
    created_at: i64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<BackupSummary> {
    if !overwrite && path.exists() {
        return Err(CoreError::Backup(BackupError::FileExists));
    }
    let mut salt = [0u8; header::BODY_SALT_LEN];
    fill_random(&mut salt)?;
    let mut records = 0;
    let mut bytes = 0;
    crate::export::write_atomically_with(path, |file| {
        let out = std::io::BufWriter::new(file);
        let (out, count) = write_to(store, out, created_at, salt, CHUNK_SIZE, progress)?;
        let file = out
            .into_inner()
            .map_err(|e| CoreError::Io(e.into_error()))?;
        bytes = file.metadata()?.len();
        records = count;
        Ok(())
    })?;
    Ok(BackupSummary { records, bytes })
}

/// Writes a backup of `store` to `out` with the given time, body salt and chunk size (the
/// frozen vectors fix them; [`write_backup`] draws a random salt). Returns the output and
/// the number of record rows written. Reads one snapshot of the store.
pub fn write_to<W: Write>(
    store: &Store,
    mut out: W,
    created_at: i64,
    body_salt: [u8; header::BODY_SALT_LEN],
    chunk_size: u32,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(W, u64)> {
    store.snapshot(|s| {
        let keys = s.portable_keys()?;
        let records = s.record_rows()?;
        let head = Header {
            created_at,
            kdf: keys.kdf,
            kdf_salt: keys.salt,
            by_kek: keys.wrapped_account_key.clone(),
            by_recovery: keys.recovery_wrapped_account_key.clone(),
            body_salt,
            chunk_size,
            items_keys: u32::try_from(keys.items_keys.len())
                .map_err(|_| CoreError::Internal("items key count"))?,
            records,
        };
        let encoded = head.encode();
        out.write_all(&encoded)?;
        let key = s.derive_subkey(&body_salt, BODY_INFO)?;
        let mut w = stream::SealingWriter::new(&key, encoded, chunk_size as usize, out);
        for (key_id, wrapped) in &keys.items_keys {
            body::write_items_key(&mut w, *key_id, wrapped)?;
        }
        let mut written = 0u64;
        s.for_each_backup_row(|row| {
            body::write_row(&mut w, &row)?;
            written += 1;
            if written.is_multiple_of(1000) {
                progress(written, records);
            }
            Ok(())
        })?;
        if written != records {
            return Err(CoreError::Internal("backup snapshot changed"));
        }
        progress(written, records);
        Ok((w.finish()?, written))
    })
}

/// Reads only the clear header of the backup at `file` (what it is, when it was written,
/// how many records), without any secret.
pub fn read_header(file: &Path) -> Result<Header> {
    let (head, _, _) = open_file(file)?;
    Ok(head)
}

/// Restores the backup at `file` into a new store in `dir`, opened with `secret`: a new
/// device (new vault id, a device key saved in `keystore`, not signed in). Nothing is put in
/// place unless the whole body opened; a store already in `dir` is
/// [`CoreError::AlreadyInitialized`] unless `overwrite`, and is then replaced in one rename.
pub fn restore(
    file: &Path,
    dir: &Path,
    secret: &BackupSecret,
    keystore: &dyn KeyStore,
    overwrite: bool,
) -> Result<(Store, RestoreSummary)> {
    if let BackupSecret::RecoveryKey { new_passphrase, .. } = secret {
        crate::passphrase::check_new(new_passphrase)?;
    }
    let (head, encoded, input) = open_file(file)?;
    if head.items_keys > MAX_ITEMS_KEYS {
        return Err(CoreError::Backup(BackupError::Malformed));
    }
    let mut keys = PortableKeys {
        kdf: head.kdf,
        salt: head.kdf_salt,
        wrapped_account_key: head.by_kek.clone(),
        items_keys: Vec::new(),
        recovery_wrapped_account_key: head.by_recovery.clone(),
    };
    let (account_key, new_passphrase) = match secret {
        BackupSecret::Passphrase(pass) => (vault::open_with_passphrase(&keys, pass)?, None),
        BackupSecret::RecoveryKey {
            key,
            new_passphrase,
        } => {
            let recovery = RecoveryKey::parse(key)?;
            (
                vault::open_with_recovery(&keys, &recovery)?,
                Some(new_passphrase.as_str()),
            )
        }
    };
    let body_key: SecretKey = vault::derive_subkey(&account_key, &head.body_salt, BODY_INFO)?;
    let mut reader =
        stream::OpeningReader::new(&body_key, encoded, head.chunk_size as usize, input);
    for _ in 0..head.items_keys {
        keys.items_keys.push(body::read_items_key(&mut reader)?);
    }
    let target = RestoreTarget {
        overwrite,
        new_passphrase,
        keystore,
    };
    let store = Store::create_restored(dir, target, &keys, account_key, |sink| {
        for _ in 0..head.records {
            sink.insert(&body::read_row(&mut reader)?)?;
        }
        reader.finish()
    })?;
    Ok((
        store,
        RestoreSummary {
            records: head.records,
            created_at: head.created_at,
        },
    ))
}

/// The body's input after the header.
type BodyInput = BufReader<std::io::Chain<std::io::Cursor<Vec<u8>>, std::fs::File>>;

/// Opens a backup file: its parsed header, the header's bytes, and the body's input.
fn open_file(file: &Path) -> Result<(Header, Vec<u8>, BodyInput)> {
    let mut f = std::fs::File::open(file)?;
    let mut start = Vec::with_capacity(MAX_HEADER);
    (&mut f).take(MAX_HEADER as u64).read_to_end(&mut start)?;
    let (head, len) = Header::parse(&start)?;
    let rest = start.split_off(len);
    let input = BufReader::new(std::io::Cursor::new(rest).chain(f));
    Ok((head, start, input))
}
