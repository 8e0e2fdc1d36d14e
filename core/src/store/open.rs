//! Creating and unlocking a store, and read-only handles over the same database.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};

use rusqlite::{Connection, OpenFlags};

use super::{checkpoint, schema, Store, WriterParts};
use crate::crypto::kdf::{DerivedKeys, KdfParams};
use crate::error::{CoreError, Result, StoreError};
use crate::keystore::KeyStore;
use crate::vault::{self, RecoveryKey, Unlocked};

/// File name of the SQLite database inside a data directory.
pub const DB_FILE: &str = "solace.db";
const LOCK_FILE: &str = "solace.lock";
/// Prepared statements kept per connection (every query the store runs fits).
const STATEMENT_CACHE: usize = 32;

pub(super) fn lock_dir(dir: &Path) -> Result<File> {
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

pub(super) fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Page size of a new store's database file. A 2 KB entry seals to a ~2.1 KB blob, which never
/// shares a 4 KB page with another, so a 4 KB page costs a save five full 4 KB WAL frames
/// (new leaf, table interior, header page, two index leaves); with 2 KB pages the same save
/// writes about half the bytes (the blob spills into one overflow page) and small records
/// (mood check-ins, habit events) still pack several to a page. Measured with
/// `cargo xtask bench`: save p50 17.5 → 14.2 µs. Existing stores keep the size they were made
/// with (SQLite cannot change it in WAL mode), which is fine: it is a speed choice only.
const NEW_STORE_PAGE_SIZE: i64 = 2048;

/// Opens a connection that creates a new database file at `path`, with the page size set
/// before the first write (it is fixed from then on).
fn create_database(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "page_size", NEW_STORE_PAGE_SIZE)?;
    Ok(conn)
}

/// The writer connection's settings. Automatic checkpoints are replaced by the background
/// checkpointer (see [`checkpoint`]), so a commit never pays for one.
pub(super) fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

fn open_existing(dir: &Path) -> Result<(Connection, File)> {
    let path = dir.join(DB_FILE);
    if !path.is_file() {
        return Err(CoreError::NotInitialized);
    }
    let lock = lock_dir(dir)?;
    super::restore::remove_stale_staging(dir);
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
        super::restore::remove_stale_staging(dir);
        let path = dir.join(DB_FILE);
        if path.exists() {
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            if schema::version(&conn)? > 0 {
                return Err(CoreError::AlreadyInitialized);
            }
        }
        let mut conn = create_database(&path)?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let tx = conn.transaction()?;
        let (unlocked, recovery) = vault::create(&tx, passphrase, params)?;
        tx.commit()?;
        Ok((Self::writer(conn, unlocked, dir, lock)?, recovery))
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
        let params = store.kdf_params();
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
        super::restore::remove_stale_staging(dir);
        let path = dir.join(DB_FILE);
        if path.exists() {
            return Err(CoreError::AlreadyInitialized);
        }
        // Check the keys before anything touches the disk.
        vault::unwrap_account_key(derived, keys)?;
        let mut conn = create_database(&path)?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let tx = conn.transaction()?;
        let unlocked = vault::create_from_portable(&tx, derived, keys)?;
        tx.commit()?;
        Self::writer(conn, unlocked, dir, lock)
    }

    fn finish_open(
        mut conn: Connection,
        unlocked: Unlocked,
        dir: &Path,
        lock: File,
    ) -> Result<Store> {
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        Self::writer(conn, unlocked, dir, lock)
    }

    /// Wraps a configured, migrated writer connection: starts its background checkpointer.
    pub(super) fn writer(
        mut conn: Connection,
        unlocked: Unlocked,
        dir: &Path,
        lock: File,
    ) -> Result<Store> {
        let checkpointer = checkpoint::Checkpointer::start(&mut conn, &dir.join(DB_FILE));
        Ok(Store {
            conn,
            vault_id: unlocked.header.vault_id.clone(),
            unlocked: Arc::new(RwLock::new(unlocked)),
            dir: dir.to_path_buf(),
            skipped: AtomicU64::new(0),
            writer: Some(WriterParts {
                checkpointer,
                _lock: lock,
            }),
        })
    }

    /// A read-only handle on the same database: its own WAL read connection (opened
    /// `SQLITE_OPEN_READ_ONLY`, no lock file), so its reads never wait for this writer's
    /// transactions and see every commit made before each read starts. It shares this
    /// store's key state: an items key added here later (passphrase change, a key synced from
    /// another device) opens records through every reader too. Every read method works on
    /// it; every write is [`CoreError::ReadOnlyHandle`]. Its skipped-record counter is its own.
    /// Made from a reader, it is another reader.
    pub fn open_reader(&self) -> Result<Store> {
        let conn = Connection::open_with_flags(
            self.dir.join(DB_FILE),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Defence in depth: even a statement that slipped past `writable` cannot write.
        conn.pragma_update(None, "query_only", true)?;
        Ok(Store {
            conn,
            unlocked: Arc::clone(&self.unlocked),
            dir: self.dir.clone(),
            vault_id: self.vault_id.clone(),
            skipped: AtomicU64::new(0),
            writer: None,
        })
    }
}
