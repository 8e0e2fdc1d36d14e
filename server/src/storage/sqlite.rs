//! The embedded SQLite backend: one connection (one writer) used from tokio's blocking pool,
//! WAL mode, numbered migrations each in a transaction.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use solace_protocol::{MutationResult, WireKdf};

use super::{
    conflict, decide, AccountLogin, Decision, DeviceRow, NewAccount, NewDevice, NewMutation,
    Storage, StorageError, StorageResult, StoredKeys, StoredRecord,
};

const MIGRATIONS: &[&str] = &["CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE accounts (
        id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, auth_hash TEXT NOT NULL,
        kdf_memory_kib INTEGER NOT NULL, kdf_iterations INTEGER NOT NULL, kdf_parallelism INTEGER NOT NULL,
        salt TEXT NOT NULL, wrapped_account_key BLOB NOT NULL, next_seq INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE items_keys (account_id TEXT NOT NULL, key_id INTEGER NOT NULL, wrapped BLOB NOT NULL,
        PRIMARY KEY (account_id, key_id));
    CREATE TABLE devices (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0, last_mutation_seq INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX devices_by_account ON devices (account_id);
    CREATE TABLE tokens (hash TEXT PRIMARY KEY, device_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE INDEX tokens_by_device ON tokens (device_id);
    CREATE TABLE records (account_id TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, blob BLOB NOT NULL,
        deleted INTEGER NOT NULL, server_seq INTEGER NOT NULL, PRIMARY KEY (account_id, id));
    CREATE INDEX records_by_seq ON records (account_id, server_seq);"];

fn err(e: rusqlite::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}

/// SQLite storage.
#[derive(Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStorage {
    /// Opens (creating and migrating) the database file at `path`.
    pub fn open(path: &Path) -> StorageResult<Self> {
        let mut conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = conn.transaction().map_err(err)?;
            tx.execute_batch(sql).map_err(err)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StorageResult<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| StorageError::Backend("poisoned lock".into()))?;
            f(&mut guard).map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => StorageError::Conflict,
                _ => err(e),
            })
        })
        .await
        .map_err(|_| StorageError::Backend("storage task failed".into()))?
    }
}

fn insert_device(tx: &Connection, account_id: &str, d: &NewDevice) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO devices (id, account_id, name) VALUES (?1, ?2, ?3)",
        params![d.device_id, account_id, d.name],
    )?;
    tx.execute(
        "INSERT INTO tokens (hash, device_id, expires_at) VALUES (?1, ?2, ?3)",
        params![d.token_hash, d.device_id, d.expires_at],
    )?;
    Ok(())
}

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRecord> {
    Ok(StoredRecord {
        id: r.get(0)?,
        kind: r.get(1)?,
        blob: r.get(2)?,
        deleted: r.get(3)?,
        server_seq: r.get::<_, i64>(4)?.max(0) as u64,
    })
}

#[async_trait::async_trait]
impl Storage for SqliteStorage {
    async fn health(&self) -> StorageResult<()> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }

    async fn server_secret(&self) -> StorageResult<Vec<u8>> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|_| StorageError::Backend("random".into()))?;
        self.with(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('server_secret', ?1)",
                [&fresh[..]],
            )?;
            c.query_row(
                "SELECT value FROM meta WHERE key = 'server_secret'",
                [],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn create_account(&self, a: NewAccount, d: NewDevice) -> StorageResult<()> {
        self.with(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO accounts (id, username, auth_hash, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_account_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![a.account_id, a.username, a.auth_hash, a.kdf.memory_kib, a.kdf.iterations, a.kdf.parallelism, a.salt, a.wrapped_account_key],
            )?;
            for (key_id, wrapped) in &a.items_keys {
                tx.execute("INSERT OR IGNORE INTO items_keys (account_id, key_id, wrapped) VALUES (?1, ?2, ?3)", params![a.account_id, key_id, wrapped])?;
            }
            insert_device(&tx, &a.account_id, &d)?;
            tx.commit()
        })
        .await
    }

    async fn find_account(&self, username: &str) -> StorageResult<Option<AccountLogin>> {
        let username = username.to_owned();
        self.with(move |c| {
            c.query_row(
                "SELECT id, auth_hash, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt FROM accounts WHERE username = ?1",
                [username],
                |r| {
                    Ok(AccountLogin {
                        account_id: r.get(0)?,
                        auth_hash: r.get(1)?,
                        kdf: WireKdf { memory_kib: r.get(2)?, iterations: r.get(3)?, parallelism: r.get(4)? },
                        salt: r.get(5)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn add_device(&self, account_id: &str, d: NewDevice) -> StorageResult<()> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction()?;
            insert_device(&tx, &account_id, &d)?;
            tx.commit()
        })
        .await
    }

    async fn authenticate(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StorageResult<Option<(String, String)>> {
        let token_hash = token_hash.to_owned();
        self.with(move |c| {
            c.prepare_cached(
                "SELECT d.account_id, d.id FROM tokens t JOIN devices d ON d.id = t.device_id
                 WHERE t.hash = ?1 AND t.expires_at > ?2 AND d.revoked = 0",
            )?
            .query_row(params![token_hash, now], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
        })
        .await
    }

    async fn account_keys(&self, account_id: &str) -> StorageResult<StoredKeys> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            let (kdf, salt, wrapped_account_key) = c.query_row(
                "SELECT kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_account_key FROM accounts WHERE id = ?1",
                [&account_id],
                |r| Ok((WireKdf { memory_kib: r.get(0)?, iterations: r.get(1)?, parallelism: r.get(2)? }, r.get(3)?, r.get(4)?)),
            )?;
            let items_keys = c
                .prepare("SELECT key_id, wrapped FROM items_keys WHERE account_id = ?1 ORDER BY key_id")?
                .query_map([&account_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(StoredKeys { kdf, salt, wrapped_account_key, items_keys })
        })
        .await
    }

    async fn add_items_keys(
        &self,
        account_id: &str,
        keys: Vec<(u32, Vec<u8>)>,
    ) -> StorageResult<()> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction()?;
            for (key_id, wrapped) in &keys {
                tx.execute("INSERT OR IGNORE INTO items_keys (account_id, key_id, wrapped) VALUES (?1, ?2, ?3)", params![account_id, key_id, wrapped])?;
            }
            tx.commit()
        })
        .await
    }

    async fn devices(&self, account_id: &str) -> StorageResult<Vec<DeviceRow>> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            c.prepare("SELECT id, name, revoked, last_mutation_seq FROM devices WHERE account_id = ?1 ORDER BY rowid")?
                .query_map([account_id], |r| {
                    Ok(DeviceRow { device_id: r.get(0)?, name: r.get(1)?, revoked: r.get(2)?, last_mutation_seq: r.get::<_, i64>(3)?.max(0) as u64 })
                })?
                .collect()
        })
        .await
    }

    async fn revoke_device(&self, account_id: &str, device_id: &str) -> StorageResult<bool> {
        let (account_id, device_id) = (account_id.to_owned(), device_id.to_owned());
        self.with(move |c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE devices SET revoked = 1 WHERE id = ?1 AND account_id = ?2",
                params![device_id, account_id],
            )?;
            if n == 1 {
                tx.execute("DELETE FROM tokens WHERE device_id = ?1", [&device_id])?;
            }
            tx.commit()?;
            Ok(n == 1)
        })
        .await
    }

    async fn pull(
        &self,
        account_id: &str,
        cursor: u64,
        limit: u32,
    ) -> StorageResult<(Vec<StoredRecord>, bool)> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            let mut rows: Vec<StoredRecord> = c
                .prepare_cached(
                    "SELECT id, kind, blob, deleted, server_seq FROM records
                     WHERE account_id = ?1 AND server_seq > ?2 ORDER BY server_seq LIMIT ?3",
                )?
                .query_map(
                    params![account_id, cursor as i64, i64::from(limit) + 1],
                    record,
                )?
                .collect::<rusqlite::Result<_>>()?;
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            Ok((rows, more))
        })
        .await
    }

    async fn push(
        &self,
        account_id: &str,
        device_id: &str,
        mutations: Vec<NewMutation>,
    ) -> StorageResult<Vec<MutationResult>> {
        let (account_id, device_id) = (account_id.to_owned(), device_id.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut last: u64 = tx
                .query_row("SELECT last_mutation_seq FROM devices WHERE id = ?1 AND account_id = ?2", params![device_id, account_id], |r| r.get::<_, i64>(0))?
                .max(0) as u64;
            let mut next_seq: i64 = tx.query_row("SELECT next_seq FROM accounts WHERE id = ?1", [&account_id], |r| r.get(0))?;
            let mut results = Vec::with_capacity(mutations.len());
            for m in &mutations {
                let current = tx
                    .prepare_cached("SELECT id, kind, blob, deleted, server_seq FROM records WHERE account_id = ?1 AND id = ?2")?
                    .query_row(params![account_id, m.id], record)
                    .optional()?;
                let result = match decide(last, m, current.as_ref()) {
                    Decision::Duplicate => MutationResult::Duplicate { mutation_seq: m.mutation_seq, server_seq: current.map_or(0, |c| c.server_seq) },
                    Decision::Write => {
                        next_seq += 1;
                        tx.prepare_cached(
                            "INSERT INTO records (account_id, id, kind, blob, deleted, server_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                             ON CONFLICT (account_id, id) DO UPDATE SET blob = excluded.blob, deleted = excluded.deleted, server_seq = excluded.server_seq",
                        )?
                        .execute(params![account_id, m.id, m.kind, m.blob, m.deleted, next_seq])?;
                        MutationResult::Applied { mutation_seq: m.mutation_seq, server_seq: next_seq as u64 }
                    }
                    Decision::Identical => MutationResult::Applied { mutation_seq: m.mutation_seq, server_seq: current.map_or(0, |c| c.server_seq) },
                    Decision::Conflict => conflict(m, current.as_ref()),
                };
                last = last.max(m.mutation_seq);
                results.push(result);
            }
            tx.execute("UPDATE accounts SET next_seq = ?2 WHERE id = ?1", params![account_id, next_seq])?;
            tx.execute("UPDATE devices SET last_mutation_seq = ?2 WHERE id = ?1", params![device_id, last as i64])?;
            tx.commit()?;
            Ok(results)
        })
        .await
    }
}
