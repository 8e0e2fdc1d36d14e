//! The encrypted record store: one SQLite file per vault, one writer, WAL.
//!
//! Only record ids, kind tags and sync metadata are in clear; every body is a sealed
//! [`envelope`](crate::crypto::envelope). Opening takes an exclusive lock file so exactly one
//! process writes a store; a second opener gets [`CoreError::Store(StoreError::Busy)`].

pub mod messages;
mod reader_stub;
pub mod schema;
pub mod sync_state;

use crate::error::InputProblem;
use crate::error::StoreError;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::crypto::envelope;
use crate::crypto::envelope_v2::{self, SealInput};
use crate::crypto::kdf::{DerivedKeys, KdfParams};
use crate::error::{CoreError, Result};
use crate::keystore::KeyStore;
use crate::record::{RecordId, RecordKind};
use crate::vault::{self, RecoveryKey, Unlocked};

/// File name of the SQLite database inside a data directory.
pub const DB_FILE: &str = "solace.db";
const LOCK_FILE: &str = "solace.lock";

/// An open, unlocked store. Dropping it closes the database and releases the writer lock.
pub struct Store {
    conn: Connection,
    unlocked: Unlocked,
    dir: PathBuf,
    /// Records skipped by scans because they did not open (see [`Store::take_skipped`]).
    skipped: AtomicU64,
    _lock: File,
}

/// One decrypted record as the store holds it.
pub struct RawRecord {
    /// The record's id.
    pub id: RecordId,
    /// Decrypted body bytes (zeroized on drop).
    pub body: Zeroizing<Vec<u8>>,
}

fn lock_dir(dir: &Path) -> Result<File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(CoreError::Store(StoreError::Busy)),
        Err(std::fs::TryLockError::Error(err)) => Err(CoreError::Io(err)),
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(())
}

fn open_existing(dir: &Path) -> Result<(Connection, File)> {
    let path = dir.join(DB_FILE);
    if !path.is_file() {
        return Err(CoreError::NotInitialized);
    }
    let lock = lock_dir(dir)?;
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let version = schema::version(&conn)?;
    if version == 0 {
        return Err(CoreError::NotInitialized);
    }
    schema::check_supported(version)?;
    Ok((conn, lock))
}

impl Store {
    /// Creates a new store in `dir` (made private to the user) protected by `passphrase`.
    /// Returns the store and the recovery key, which must be shown to the user exactly once.
    /// A passphrase below the strength bar is [`CoreError::WeakPassphrase`] and creates nothing.
    pub fn create(dir: &Path, passphrase: &str, params: KdfParams) -> Result<(Store, RecoveryKey)> {
        crate::passphrase::check_new(passphrase)?;
        create_private_dir(dir)?;
        let lock = lock_dir(dir)?;
        let path = dir.join(DB_FILE);
        if path.exists() {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            if schema::version(&conn)? > 0 {
                return Err(CoreError::AlreadyInitialized);
            }
        }
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let tx = conn.transaction()?;
        let (unlocked, recovery) = vault::create(&tx, passphrase, params)?;
        tx.commit()?;
        Ok((
            Store {
                conn,
                unlocked,
                dir: dir.to_path_buf(),
                skipped: AtomicU64::new(0),
                _lock: lock,
            },
            recovery,
        ))
    }

    /// Opens the store with the passphrase. A wrong passphrase is [`CoreError::WrongPassphrase`]
    /// and leaves the store untouched. Also returns the derived keys for a server login.
    pub fn open_with_passphrase(dir: &Path, passphrase: &str) -> Result<(Store, DerivedKeys)> {
        let (conn, lock) = open_existing(dir)?;
        let header = vault::load_header(&conn)?;
        let (unlocked, derived) = header.unlock_with_passphrase(&conn, passphrase)?;
        Ok((Self::finish_open(conn, unlocked, dir, lock)?, derived))
    }

    /// Opens the store with this device's key from `keystore` (daily unlock, no passphrase).
    pub fn open_with_device_key(dir: &Path, keystore: &dyn KeyStore) -> Result<Store> {
        let (conn, lock) = open_existing(dir)?;
        let header = vault::load_header(&conn)?;
        let device_key = keystore
            .load(&header.vault_id)?
            .ok_or(CoreError::DeviceNotRemembered)?;
        let unlocked = header.unlock_with_device_key(&conn, &device_key)?;
        Self::finish_open(conn, unlocked, dir, lock)
    }

    /// Opens the store with the recovery key and sets a new passphrase (forgotten passphrase).
    /// A new passphrase below the strength bar is [`CoreError::WeakPassphrase`].
    pub fn reset_passphrase_with_recovery(
        dir: &Path,
        recovery: &RecoveryKey,
        new_passphrase: &str,
    ) -> Result<Store> {
        crate::passphrase::check_new(new_passphrase)?;
        let (conn, lock) = open_existing(dir)?;
        let header = vault::load_header(&conn)?;
        let unlocked = header.unlock_with_recovery(&conn, recovery)?;
        let mut store = Self::finish_open(conn, unlocked, dir, lock)?;
        let params = store.unlocked.header.kdf;
        store.change_passphrase(new_passphrase, params)?;
        Ok(store)
    }

    /// Creates a store on a new device from the key material the server keeps, unlocking it
    /// with keys derived from the passphrase (derived once by the caller, who also needed the
    /// auth key to log in). Keys from a wrong passphrase give [`CoreError::WrongPassphrase`]
    /// and leave nothing behind.
    pub fn create_from_portable(
        dir: &Path,
        derived: &DerivedKeys,
        keys: &vault::PortableKeys,
    ) -> Result<Store> {
        create_private_dir(dir)?;
        let lock = lock_dir(dir)?;
        let path = dir.join(DB_FILE);
        if path.exists() {
            return Err(CoreError::AlreadyInitialized);
        }
        // Check the keys before anything touches the disk.
        vault::unwrap_account_key(derived, keys)?;
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let tx = conn.transaction()?;
        let unlocked = vault::create_from_portable(&tx, derived, keys)?;
        tx.commit()?;
        Ok(Store {
            conn,
            unlocked,
            dir: dir.to_path_buf(),
            skipped: AtomicU64::new(0),
            _lock: lock,
        })
    }

    /// Checks `passphrase` against this vault and returns the keys it derives (the auth key
    /// is what a sync server login needs). Changes nothing.
    pub fn derive_with_passphrase(&self, passphrase: &str) -> Result<DerivedKeys> {
        let header = vault::load_header(&self.conn)?;
        let (_, derived) = header.unlock_with_passphrase(&self.conn, passphrase)?;
        Ok(derived)
    }

    /// This vault's portable key material (what a sync server keeps for new devices).
    pub fn portable_keys(&self) -> Result<vault::PortableKeys> {
        self.unlocked.portable_keys(&self.conn)
    }

    /// Adds items keys created on other devices of the same account.
    pub fn add_wrapped_items_keys(&mut self, keys: &[(u32, Vec<u8>)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        self.unlocked.add_wrapped_items_keys(&tx, keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether this vault holds items key `key_id`.
    pub fn has_items_key(&self, key_id: u32) -> bool {
        self.unlocked.keyring.get(key_id).is_ok()
    }

    fn finish_open(
        mut conn: Connection,
        unlocked: Unlocked,
        dir: &Path,
        lock: File,
    ) -> Result<Store> {
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn,
            unlocked,
            dir: dir.to_path_buf(),
            skipped: AtomicU64::new(0),
            _lock: lock,
        })
    }

    /// The id of this vault (names the device key in the key store).
    pub fn vault_id(&self) -> &str {
        &self.unlocked.header.vault_id
    }

    /// The directory holding this store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The Argon2id parameters currently protecting the passphrase.
    pub fn kdf_params(&self) -> KdfParams {
        self.unlocked.header.kdf
    }

    /// Whether the vault holds a device wrap (so this device can unlock without passphrase).
    pub fn device_remembered(&self) -> bool {
        self.unlocked.device_remembered()
    }

    /// The items key id that seals new records (grows with each passphrase change).
    pub fn current_key_id(&self) -> u32 {
        self.unlocked.keyring.current_id()
    }

    /// Sets a new passphrase: re-wraps the account key, adds a new items key, re-encrypts no
    /// record. Parameters may only be equal or stronger. A new passphrase below the strength
    /// bar is [`CoreError::WeakPassphrase`] and changes nothing.
    pub fn change_passphrase(&mut self, new_passphrase: &str, params: KdfParams) -> Result<()> {
        crate::passphrase::check_new(new_passphrase)?;
        let tx = self.conn.transaction()?;
        self.unlocked
            .change_passphrase(&tx, new_passphrase, params)?;
        tx.commit()?;
        Ok(())
    }

    /// Lets this device unlock without the passphrase: a new device key goes into `keystore`.
    pub fn remember_device(&mut self, keystore: &dyn KeyStore) -> Result<()> {
        let tx = self.conn.transaction()?;
        let device_key = self.unlocked.remember_device(&tx)?;
        keystore.save(&self.unlocked.header.vault_id, &device_key)?;
        tx.commit()?;
        Ok(())
    }

    /// Removes this device's ability to unlock without the passphrase.
    pub fn forget_device(&mut self, keystore: &dyn KeyStore) -> Result<()> {
        self.unlocked.forget_device(&self.conn)?;
        keystore.delete(&self.unlocked.header.vault_id)?;
        Ok(())
    }

    /// Seals `body` and writes it as record `id` of `kind`, replacing an earlier version and
    /// marking it changed for sync. Each write seals the next forward-only version (envelope
    /// v2). An id already used by another kind is refused.
    pub fn put_raw(&mut self, kind: RecordKind, id: &RecordId, body: &[u8]) -> Result<()> {
        let current = self.current_version(kind, id)?;
        let blob = self.seal_record(SealInput {
            id,
            kind: kind.tag(),
            version: current + 1,
            deleted: false,
            body,
        })?;
        // `current_version` refused an id of another kind; one writer holds the store.
        self.conn
            .prepare_cached(
                "INSERT INTO records (id, kind, blob, version) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET blob = excluded.blob, deleted = 0,
                     change_counter = change_counter + 1, version = excluded.version",
            )?
            .execute(params![&id.0[..], kind.tag(), blob, (current + 1) as i64])?;
        Ok(())
    }

    /// The version of the local copy of `id` (0 if absent); another kind's id is refused.
    fn current_version(&self, kind: RecordKind, id: &RecordId) -> Result<u64> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, version FROM records WHERE id = ?1")?;
        let row: Option<(String, i64)> = stmt
            .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match row {
            None => Ok(0),
            Some((k, _)) if k != kind.tag() => Err(CoreError::invalid(
                "record id",
                InputProblem::Rule("is already used by another kind"),
            )),
            Some((_, v)) => Ok(v.max(0) as u64),
        }
    }

    /// Seals a body in the legacy envelope v1 (tests of downgrade refusal only).
    #[cfg(test)]
    pub(crate) fn seal_v1_for_test(&self, kind: RecordKind, id: &RecordId, body: &[u8]) -> Vec<u8> {
        let keyring = &self.unlocked.keyring;
        envelope::seal(
            keyring.current().unwrap(),
            keyring.current_id(),
            id,
            kind.tag(),
            body,
        )
        .unwrap()
    }

    /// Seals a record in envelope v2 under the current items key.
    pub(crate) fn seal_record(&self, input: SealInput<'_>) -> Result<Vec<u8>> {
        let keyring = &self.unlocked.keyring;
        envelope_v2::seal(keyring.current()?, keyring.current_id(), input)
    }

    /// Serializes `value` and stores it like [`Store::put_raw`].
    pub fn put<T: Serialize>(&mut self, kind: RecordKind, id: &RecordId, value: &T) -> Result<()> {
        let body = Zeroizing::new(
            serde_json::to_vec(value)
                .map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })?,
        );
        self.put_raw(kind, id, &body)
    }

    fn open_blob(
        &self,
        kind: RecordKind,
        id: &RecordId,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let opened = self.open_record(Some(kind.tag()), id, blob)?;
        if opened.deleted {
            return Err(CoreError::MalformedRecord { kind: kind.tag() });
        }
        Ok(opened.body)
    }

    /// Authenticates and opens a record blob of either envelope version. `kind` is what a v1
    /// blob is opened under and what a v2 blob must contain (any kind when `None`, v2 only).
    pub fn open_record(
        &self,
        kind: Option<&str>,
        id: &RecordId,
        blob: &[u8],
    ) -> Result<envelope_v2::OpenedRecord> {
        let env = envelope::parse(blob)?;
        let key = self.unlocked.keyring.get(env.key_id)?;
        Ok(envelope_v2::open_record(&env, key, id, kind)?)
    }

    /// The decrypted body of a live record, or `None` if it is absent or deleted.
    pub fn get_raw(&self, kind: RecordKind, id: &RecordId) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT blob FROM records WHERE id = ?1 AND kind = ?2 AND deleted = 0",
        )?;
        let blob: Option<Vec<u8>> = stmt
            .query_row(params![&id.0[..], kind.tag()], |r| r.get(0))
            .optional()?;
        blob.map(|b| self.open_blob(kind, id, &b)).transpose()
    }

    /// The decoded value of a live record, or `None` if it is absent or deleted.
    pub fn get<T: DeserializeOwned>(&self, kind: RecordKind, id: &RecordId) -> Result<Option<T>> {
        self.get_raw(kind, id)?
            .map(|body| decode(kind, &body))
            .transpose()
    }

    /// Every live record of `kind`, decrypted (the on-device scan behind search and stats).
    /// A record that does not open (damaged on disk) is skipped, never fatal: it is counted
    /// for [`Store::take_skipped`] so the front end can say how many were left out.
    pub fn list_raw(&self, kind: RecordKind) -> Result<Vec<RawRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, blob FROM records WHERE kind = ?1 AND deleted = 0")?;
        let rows = stmt.query_map([kind.tag()], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, blob) = match row {
                Ok(row) => row,
                // A cell of the wrong type is damage to one record, not to the store.
                Err(
                    rusqlite::Error::InvalidColumnType(..)
                    | rusqlite::Error::FromSqlConversionFailure(..),
                ) => {
                    self.skipped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                Err(other) => return Err(other.into()),
            };
            let Some(id) = RecordId::from_slice(&id) else {
                self.skipped.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            match self.open_blob(kind, &id, &blob) {
                Ok(body) => out.push(RawRecord { id, body }),
                Err(_) => {
                    self.skipped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(out)
    }

    /// How many damaged records scans skipped since the last call (then resets to 0): lists,
    /// statistics, insights and export report it ("N records could not be read").
    pub fn take_skipped(&self) -> u64 {
        self.skipped.swap(0, Ordering::Relaxed)
    }

    /// Every live record of `kind`, decoded; one that does not decode is skipped and counted
    /// like one that does not open.
    pub fn list<T: DeserializeOwned>(&self, kind: RecordKind) -> Result<Vec<(RecordId, T)>> {
        let mut out = Vec::new();
        for r in self.list_raw(kind)? {
            match decode(kind, &r.body) {
                Ok(value) => out.push((r.id, value)),
                Err(_) => {
                    self.skipped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(out)
    }

    /// Number of live records of `kind`.
    pub fn count(&self, kind: RecordKind) -> Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM records WHERE kind = ?1 AND deleted = 0",
            [kind.tag()],
            |r| r.get(0),
        )?;
        Ok(count.unsigned_abs())
    }

    /// Deletes a record as a sealed tombstone (envelope v2 with the deleted flag and the next
    /// version): the id stays, so the deletion can sync and other devices can authenticate it.
    /// Returns false if there was no live record.
    pub fn delete(&mut self, kind: RecordKind, id: &RecordId) -> Result<bool> {
        let live: Option<i64> = self
            .conn
            .query_row(
                "SELECT version FROM records WHERE id = ?1 AND kind = ?2 AND deleted = 0",
                params![&id.0[..], kind.tag()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(current) = live else {
            return Ok(false);
        };
        let version = current.max(0) as u64 + 1;
        let blob = self.seal_record(SealInput {
            id,
            kind: kind.tag(),
            version,
            deleted: true,
            body: b"",
        })?;
        let changed = self.conn.execute(
            "UPDATE records SET blob = ?3, deleted = 1, change_counter = change_counter + 1,
                 version = ?4
             WHERE id = ?1 AND kind = ?2 AND deleted = 0",
            params![&id.0[..], kind.tag(), blob, version as i64],
        )?;
        Ok(changed == 1)
    }

    /// Finds the live record of `kind` whose hex id starts with `prefix` (at least 4 chars).
    pub fn resolve_prefix(&self, kind: RecordKind, prefix: &str) -> Result<RecordId> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(CoreError::invalid("id", InputProblem::TooShort { min: 4 }));
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM records WHERE kind = ?1 AND deleted = 0
             AND lower(hex(id)) LIKE ?2 || '%' LIMIT 2",
        )?;
        let ids = stmt
            .query_map(params![kind.tag(), prefix], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        match ids.as_slice() {
            [one] => RecordId::from_slice(one).ok_or(CoreError::Store(StoreError::Corrupt)),
            [] => Err(CoreError::NotFound(kind.tag())),
            _ => Err(CoreError::AmbiguousId),
        }
    }

    /// Runs `f` inside one SQLite transaction: all of its writes land, or none do.
    pub fn atomically<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match f(self) {
            Ok(value) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(value)
            }
            Err(err) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(err)
            }
        }
    }

    /// Number of records (of any kind, tombstones included) changed locally since their last
    /// upload: what `solace status` reports as pending.
    pub fn pending_changes(&self) -> Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM records WHERE change_counter > synced_counter",
            [],
            |r| r.get(0),
        )?;
        Ok(count.unsigned_abs())
    }

    /// Test hook: caps the database at its current size (`PRAGMA max_page_count` on this
    /// connection), so the next write needing a new page fails with a real `SQLITE_FULL`
    /// (`CoreError::Store(StoreError::DiskFull)`), as on a full disk.
    #[cfg(test)]
    pub(crate) fn cap_size_for_tests(&self) -> Result<()> {
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "max_page_count", pages)?;
        Ok(())
    }
}

fn decode<T: DeserializeOwned>(kind: RecordKind, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })
}

#[cfg(test)]
mod tests;
