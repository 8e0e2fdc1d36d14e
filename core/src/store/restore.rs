//! The store's side of backups: reading every record row in one snapshot (writing a
//! backup), and building a new store from a backup's rows then putting it in place (a
//! restore) — built beside the target, flushed, and renamed over it, so a crash leaves either
//! the old store or the new one, never a mix.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::open::{configure, create_private_dir, lock_dir};
use super::{schema, Store, DB_FILE};
use crate::crypto::kdf::KdfParams;
use crate::crypto::{fill_random, SecretKey};
use crate::error::{CoreError, Result, StoreError};
use crate::keystore::KeyStore;
use crate::record::RecordId;
use crate::vault::{self, PortableKeys};

/// One row of `records` as a backup carries it: the sealed blob exactly as stored and the
/// bookkeeping a restored device needs to follow the sync rules (its versions, the server
/// copy it was based on, whether it still waits for upload). Nothing device-local.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRow {
    /// Record id.
    pub id: RecordId,
    /// Kind tag as stored (in clear, like in the store).
    pub kind: String,
    /// The sealed envelope as stored.
    pub blob: Vec<u8>,
    /// The clear deleted flag (advisory, as in the store; the sealed one decides).
    pub deleted: bool,
    /// Sealed version of `blob`.
    pub version: u64,
    /// Version of the copy last accepted from the server (the rollback floor).
    pub base_version: u64,
    /// The server's sequence number of the copy this one is based on, if any.
    pub server_seq: Option<u64>,
    /// The sealed copy last agreed with the server (the base of three-way merges), if any.
    pub base_blob: Option<Vec<u8>>,
    /// Changed locally and not yet acknowledged by the server.
    pub dirty: bool,
}

fn seq(v: Option<i64>) -> Option<u64> {
    v.map(|v| v.max(0) as u64)
}

impl Store {
    /// Runs `f` inside one read transaction, so everything it reads is one snapshot (a
    /// backup's record count and its rows agree). Inside a transaction already, joins it.
    pub(crate) fn snapshot<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.conn.execute_batch("BEGIN DEFERRED")?;
        let result = f(self);
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        match (result, self.conn.execute_batch(end)) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(err)) => Err(err.into()),
            (Err(err), _) => Err(err),
        }
    }

    /// Number of rows in `records` (live records and tombstones).
    pub(crate) fn record_rows(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// Calls `f` with every row of `records`, in insertion order, one at a time (memory stays
    /// bounded however many records there are).
    pub(crate) fn for_each_backup_row(
        &self,
        mut f: impl FnMut(BackupRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, blob, deleted, version, base_version, server_seq, base_blob,
                    change_counter > synced_counter
             FROM records ORDER BY rowid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let raw: Vec<u8> = r.get(0)?;
            let id = RecordId::from_slice(&raw).ok_or(CoreError::Store(StoreError::Corrupt))?;
            f(BackupRow {
                id,
                kind: r.get(1)?,
                blob: r.get(2)?,
                deleted: r.get(3)?,
                version: r.get::<_, i64>(4)?.max(0) as u64,
                base_version: r.get::<_, i64>(5)?.max(0) as u64,
                server_seq: seq(r.get(6)?),
                base_blob: r.get(7)?,
                dirty: r.get(8)?,
            })?;
        }
        Ok(())
    }

    /// A key derived from the account key for one purpose (see
    /// [`crate::vault::Unlocked`]'s `derive_subkey`).
    pub(crate) fn derive_subkey(&self, salt: &[u8], info: &[u8]) -> Result<SecretKey> {
        self.keys().derive_subkey(salt, info)
    }

    /// Builds a new store in `dir` from a backup: the vault from `keys` (opened with
    /// `account_key`), a new vault id, a device key saved in `keystore`, and the rows `fill`
    /// inserts — all in one transaction of a database built in a private directory beside
    /// the target, then renamed over `dir`'s database. With `new_passphrase` (a restore with
    /// the recovery key), the account key is re-wrapped under it and a new items key added,
    /// exactly as [`Store::reset_passphrase_with_recovery`] does. Nothing is in place until
    /// `fill` succeeded: a failure leaves `dir` as it was.
    ///
    /// A store already in `dir` is [`CoreError::AlreadyInitialized`] unless `overwrite`; it is
    /// replaced only when no other process holds it ([`StoreError::Busy`]).
    pub(crate) fn create_restored(
        dir: &Path,
        target: RestoreTarget<'_>,
        keys: &PortableKeys,
        account_key: SecretKey,
        fill: impl FnOnce(&mut RestoreSink<'_, '_>) -> Result<()>,
    ) -> Result<Store> {
        if let Some(pass) = target.new_passphrase {
            crate::passphrase::check_new(pass)?;
        }
        create_private_dir(dir)?;
        let lock = lock_dir(dir)?;
        let path = dir.join(DB_FILE);
        let replaced = existing_vault_id(&path)?;
        let exists = replaced.is_some();
        if exists && !target.overwrite {
            return Err(CoreError::AlreadyInitialized);
        }
        remove_stale_staging(dir);
        let staging = Staging::new(dir)?;
        let staged = staging.dir.join(DB_FILE);
        let (unlocked, device_key) = {
            let mut conn = Connection::open(&staged)?;
            configure(&conn)?;
            schema::migrate(&mut conn)?;
            let tx = conn.transaction()?;
            let mut unlocked = vault::create_restored(&tx, keys, account_key)?;
            fill(&mut RestoreSink { tx: &tx })?;
            if let Some(pass) = target.new_passphrase {
                let params: KdfParams = unlocked.header.kdf;
                unlocked.change_passphrase(&tx, pass, params)?;
            }
            let device_key = unlocked.remember_device(&tx)?;
            tx.commit()?;
            // Closing the only connection checkpoints the WAL into the file and removes it.
            conn.close().map_err(|(_, e)| CoreError::from(e))?;
            std::fs::File::open(&staged)?.sync_all()?;
            (unlocked, device_key)
        };
        target
            .keystore
            .save(&unlocked.header.vault_id, &device_key)?;
        if exists {
            fold_wal(&path)?;
        }
        std::fs::rename(&staged, &path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        drop(staging);
        // The replaced store's device key opens nothing any more (best effort: a key left
        // behind is useless without that store's file).
        if let Some(old) = replaced.filter(|old| *old != unlocked.header.vault_id) {
            let _ = target.keystore.delete(&old);
        }
        let conn = Connection::open(&path)?;
        configure(&conn)?;
        Self::writer(conn, unlocked, dir, lock)
    }
}

/// Where and how a restore lands (see [`Store::create_restored`]).
pub(crate) struct RestoreTarget<'a> {
    /// Replace a store already there.
    pub overwrite: bool,
    /// Set this passphrase (after a restore with the recovery key).
    pub new_passphrase: Option<&'a str>,
    /// The platform key store that gets the new device key.
    pub keystore: &'a dyn KeyStore,
}

/// Inserts a backup's rows into the store being built.
pub struct RestoreSink<'a, 'c> {
    tx: &'a Transaction<'c>,
}

impl RestoreSink<'_, '_> {
    /// Inserts one record row as the backup holds it: a row that waited for upload waits
    /// again; one that was in step with the server keeps its server copy and versions, so
    /// the rollback floor holds on the new device. The in-flight upload number is not kept:
    /// this is a new device with its own numbering.
    pub fn insert(&mut self, row: &BackupRow) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO records (id, kind, blob, deleted, change_counter, synced_counter,
                                      server_seq, base_blob, version, base_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                &row.id.0[..],
                row.kind,
                row.blob,
                row.deleted,
                i64::from(row.dirty),
                row.server_seq.map(|s| s as i64),
                row.base_blob,
                row.version as i64,
                row.base_version as i64,
            ])?;
        Ok(())
    }
}

/// Whether `path` is an initialised store.
fn holds_store(path: &Path) -> Result<bool> {
    if !path.is_file() {
        return Ok(false);
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    Ok(schema::version(&conn)? > 0)
}

/// The vault id of the store at `path` (read in clear, no key needed), if there is one.
fn existing_vault_id(path: &Path) -> Result<Option<String>> {
    if !holds_store(path)? {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let id: Option<String> = conn
        .query_row("SELECT vault_id FROM vault WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    // An initialised file without a vault row is still a store to replace.
    Ok(Some(id.unwrap_or_default()))
}

/// Folds the old store's WAL into its file and removes the WAL and shared-memory files, so
/// nothing of the old store can be replayed into the new file renamed over it. (Record
/// bodies are sealed; no key is needed for this.)
fn fold_wal(path: &Path) -> Result<()> {
    let conn = Connection::open(path)?;
    let _: Option<(i64, i64, i64)> = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    conn.close().map_err(|(_, e)| CoreError::from(e))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(())
}

/// A private directory beside the target where the new store is built; removed on drop
/// (after the rename it is empty; after a failure it holds the half-built database). One a
/// killed restore left behind is removed at the next open, create or restore of the directory
/// ([`remove_stale_staging`]).
struct Staging {
    dir: PathBuf,
}

/// The name of every staging directory starts with this.
const STAGING_PREFIX: &str = ".restore-";

impl Staging {
    fn new(parent: &Path) -> Result<Self> {
        let mut suffix = [0u8; 6];
        fill_random(&mut suffix)?;
        let dir = parent.join(format!("{STAGING_PREFIX}{}", hex::encode(suffix)));
        create_private_dir(&dir)?;
        Ok(Self { dir })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Removes the staging directories of restores that were killed before they finished (their
/// `Drop` never ran): half-built databases nobody will open. Call it holding the directory
/// lock, which every restore holds from start to end, so none of them is still in use.
/// Best effort: a directory that cannot be removed is tried again at the next open.
pub(super) fn remove_stale_staging(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGING_PREFIX)
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Store {
    /// Whether `key` is this vault's account key (a login of a restored store checks that the
    /// account it signs in to is the one its keys belong to).
    pub(crate) fn is_account_key(&self, key: &SecretKey) -> Result<bool> {
        self.keys().is_account_key(key)
    }
}

#[cfg(test)]
impl Store {
    /// Test hook: the sealed bytes of a device-state entry as stored.
    pub(crate) fn raw_device_state(&self, name: &str) -> Option<Vec<u8>> {
        self.conn
            .query_row(
                "SELECT sealed FROM device_state WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .ok()
    }
}

/// A store found where a restore would land, as read without unlocking it (only what is in
/// clear): front ends ask before replacing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingStore {
    /// The account name it syncs with, if it is connected.
    pub username: Option<String>,
}

/// The store in `dir`, if there is one (see [`ExistingStore`]). Opens the file read-only and
/// reads no sealed data.
pub fn existing_store(dir: &Path) -> Result<Option<ExistingStore>> {
    let path = dir.join(DB_FILE);
    if !holds_store(&path)? {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let username = conn
        .query_row("SELECT username FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(Some(ExistingStore { username }))
}
