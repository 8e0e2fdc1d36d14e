//! The encrypted record store: one SQLite file per vault, one writer, WAL.
//!
//! Only record ids, kind tags and sync metadata are in clear; every body is a sealed
//! [`envelope`](crate::crypto::envelope). Opening takes an exclusive lock file so exactly one
//! process writes a store; a second opener gets `CoreError::Store(StoreError::Busy)`.
//!
//! Seams: [`open`] (create, unlock, reader handles), [`keys`] (vault key operations),
//! [`records`] (sealed record CRUD), [`scan`] (the parallel decrypt-scan), [`checkpoint`] (WAL
//! checkpoints off the committing path), [`sync_state`], [`messages`], `restore` (a backup's rows out, a restored store in) and
//! `disconnect`
//! (forgetting the sync account once it was deleted).
//!
//! A writer [`Store`] can hand out read-only handles ([`Store::open_reader`]): each has its own
//! WAL read connection, so a read never waits for a write transaction, and all of them share
//! the writer's key state, so an items key added on the writer opens records everywhere.

mod checkpoint;
mod disconnect;
mod keys;
pub mod messages;
mod open;
mod records;
mod restore;
mod scan;
pub mod schema;
pub mod sync_state;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rusqlite::Connection;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::{CoreError, Result, StoreError};
use crate::record::{RecordId, RecordKind};
use crate::vault::Unlocked;

pub use open::DB_FILE;
pub(crate) use restore::RestoreTarget;
pub use restore::{existing_store, BackupRow, ExistingStore, RestoreSink};

/// An open, unlocked store: the writer (one per store, holding the lock file) or a read-only
/// handle made by [`Store::open_reader`]. Dropping the writer stops its checkpointer, folds
/// the WAL back into the database and releases the writer lock.
pub struct Store {
    conn: Connection,
    /// Key state, shared by the writer and every reader handle made from it.
    unlocked: Arc<RwLock<Unlocked>>,
    dir: PathBuf,
    /// The vault's id (fixed for its lifetime; kept here so it can be lent out).
    vault_id: String,
    /// Records skipped by scans because they did not open (see [`Store::take_skipped`]);
    /// counted per handle.
    skipped: AtomicU64,
    /// `Some` on the writer only.
    writer: Option<WriterParts>,
}

/// What only the writer owns. Declared (and so dropped) after the connection: the lock is
/// released only once the database is closed.
struct WriterParts {
    checkpointer: checkpoint::Checkpointer,
    _lock: File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys and paths are left out: the directory may name the person.
        f.debug_struct("Store")
            .field("read_only", &self.is_read_only())
            .finish_non_exhaustive()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.as_mut() {
            writer.checkpointer.stop();
            // Fold the WAL back into the database and truncate it (best effort: a reader
            // handle still open may keep part of it, which the next open recovers).
            checkpoint::truncate(&self.conn);
        }
    }
}

/// One decrypted record as the store holds it.
pub struct RawRecord {
    /// The record's id.
    pub id: RecordId,
    /// Decrypted body bytes (zeroized on drop).
    pub body: Zeroizing<Vec<u8>>,
}

impl Store {
    /// Whether this is a read-only handle (see [`Store::open_reader`]); writes through it are
    /// [`CoreError::ReadOnlyHandle`].
    pub fn is_read_only(&self) -> bool {
        self.writer.is_none()
    }

    /// The directory holding this store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Refuses a write on a read-only handle with a typed error (before anything is done).
    fn writable(&self) -> Result<()> {
        if self.writer.is_none() {
            return Err(CoreError::Store(StoreError::ReadOnly));
        }
        Ok(())
    }

    /// The shared key state for reading. A poisoned lock is still usable: key state is only
    /// changed after the database write it mirrors succeeded.
    fn keys(&self) -> RwLockReadGuard<'_, Unlocked> {
        self.unlocked.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The shared key state for changing (writer only; see [`Store::writable`]).
fn keys_mut(unlocked: &RwLock<Unlocked>) -> RwLockWriteGuard<'_, Unlocked> {
    unlocked.write().unwrap_or_else(PoisonError::into_inner)
}

fn decode<T: DeserializeOwned>(kind: RecordKind, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })
}

#[cfg(test)]
mod reader_tests;
#[cfg(test)]
mod tests;
