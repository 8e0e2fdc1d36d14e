//! The embedded SQLite backend: one connection (one writer) used from tokio's blocking pool,
//! WAL mode, numbered migrations each in a transaction.

mod accounts;
mod backoff;
mod deletion;
mod expiry;
mod messaging;
mod records;
mod reviews;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use solace_protocol::messaging::{
    ClaimedDevice, ExpiredMessage, InboxMessage, KeyCount, LinkState, TherapistProfile,
    WireDeviceList, WireDeviceSignature, WireIdentity, WireOneTimeKey, MAX_ONE_TIME_KEYS,
};
use solace_protocol::push_rule::next_last;

use super::messaging::{parse_profile, parse_state, profile_text, state_text};
use super::{
    decide, page_cut, result_of, AccountStore, ClusterStore, Decision, DepositOutcome, DeviceRow,
    MessagingStore, NewAccount, NewDevice, NewMessage, NewMutation, PushOutcome, RecordStore,
    Storage, StorageError, StorageResult, StoredKeys, StoredLink, StoredRecord,
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
    CREATE INDEX records_by_seq ON records (account_id, server_seq);",
    // 2: messaging (therapist profiles, links, the Olm key directory, per-device mailboxes).
    "CREATE TABLE profiles (account_id TEXT PRIMARY KEY, profile TEXT NOT NULL);
    CREATE TABLE links (id TEXT PRIMARY KEY, client_id TEXT NOT NULL, client_name TEXT NOT NULL,
        therapist_id TEXT NOT NULL, therapist_name TEXT NOT NULL, state TEXT NOT NULL,
        created_at INTEGER NOT NULL);
    CREATE INDEX links_by_client ON links (client_id);
    CREATE INDEX links_by_therapist ON links (therapist_id);
    CREATE UNIQUE INDEX links_open_pair ON links (client_id, therapist_id) WHERE state <> 'ended';
    CREATE TABLE device_identities (device_id TEXT PRIMARY KEY, curve25519 TEXT NOT NULL,
        ed25519 TEXT NOT NULL);
    CREATE TABLE one_time_keys (id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL,
        key TEXT NOT NULL, signature TEXT NOT NULL, UNIQUE (device_id, key));
    CREATE TABLE mailbox (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient_device TEXT NOT NULL,
        sender_account TEXT NOT NULL, sender_device TEXT NOT NULL, sender_key TEXT NOT NULL,
        client_message_id TEXT NOT NULL, kind INTEGER NOT NULL, body TEXT NOT NULL,
        received_at INTEGER NOT NULL, UNIQUE (sender_device, client_message_id, recipient_device));
    CREATE INDEX mailbox_by_recipient ON mailbox (recipient_device, id);
    CREATE INDEX mailbox_by_age ON mailbox (recipient_device, received_at);",
    // 3: the account key wrapped by the recovery key, so every device can use the recovery key.
    "ALTER TABLE accounts ADD COLUMN recovery_wrap BLOB;",
    // 4: the verifier of the account-key proof (hex of SHA-256 of the proof).
    "ALTER TABLE accounts ADD COLUMN proof_verifier TEXT;",
    // 5: the account identity's signature over each device (signed device record v1) and the
    // account's latest signed device list (JSON of the wire form).
    "ALTER TABLE device_identities ADD COLUMN account_key TEXT;
    ALTER TABLE device_identities ADD COLUMN account_signature TEXT;
    CREATE TABLE device_lists (account_id TEXT PRIMARY KEY, version INTEGER NOT NULL,
        list TEXT NOT NULL);",
    // 6: one signed fallback key per device (replaced on upload, never consumed by a claim),
    // and the index behind the per-sender mailbox quota.
    "CREATE TABLE fallback_keys (device_id TEXT PRIMARY KEY, key TEXT NOT NULL,
        signature TEXT NOT NULL);
    CREATE INDEX mailbox_by_sender ON mailbox (recipient_device, sender_account);",
    // 7: notices of messages that expired in a mailbox, for the recipient device and the
    // sender device (deleted when the device acknowledges them).
    "CREATE TABLE mailbox_expired (id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL,
        outbound INTEGER NOT NULL, peer_account TEXT NOT NULL, peer_device TEXT NOT NULL,
        client_message_id TEXT NOT NULL, sent_at INTEGER NOT NULL);
    CREATE INDEX mailbox_expired_by_device ON mailbox_expired (device_id, id);",
    // 8: the login backoff every node shares (keyed by a keyed hash of the username).
    "CREATE TABLE login_backoff (key TEXT PRIMARY KEY, failures INTEGER NOT NULL,
        blocked_until INTEGER, updated_at INTEGER NOT NULL);
    CREATE INDEX login_backoff_by_age ON login_backoff (updated_at);",
    // 9: verified, unlinkable reviews (see `storage::reviews`): one RSA key per period, the
    // therapists who take reviews, which link got a token in which period, spent token
    // hashes, and reviews with no account, device, link or time of day. No rowid, so no
    // insertion counter relates a spent token to a review.
    "CREATE TABLE review_keys (period INTEGER PRIMARY KEY, secret_der BLOB NOT NULL,
        public_spki BLOB NOT NULL);
    CREATE TABLE review_optin (account_id TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE review_issuance (link_id TEXT NOT NULL, period INTEGER NOT NULL,
        PRIMARY KEY (link_id, period)) WITHOUT ROWID;
    CREATE TABLE review_tokens_spent (token_hash TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE reviews (id TEXT PRIMARY KEY, therapist_id TEXT NOT NULL,
        rating INTEGER NOT NULL, text TEXT NOT NULL, received_day TEXT NOT NULL,
        published_batch INTEGER, reply TEXT) WITHOUT ROWID;
    CREATE INDEX reviews_by_therapist ON reviews (therapist_id, published_batch);",
];

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
        // Deleted rows (acknowledged messages, deleted accounts) are overwritten with zeros,
        // not left readable in free pages of the file.
        conn.pragma_update(None, "secure_delete", "ON")
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

/// Whether an account with this id exists. Writes that add rows of an account check it in
/// the same call: the one connection serializes that call with a deletion, so nothing is
/// written for an account deleted while the request was on its way.
fn account_exists(c: &Connection, account_id: &str) -> rusqlite::Result<bool> {
    c.prepare_cached("SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ?1)")?
        .query_row([account_id], |r| r.get(0))
}

const LINK_COLUMNS: &str =
    "id, client_id, client_name, therapist_id, therapist_name, state, created_at";

fn link(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredLink> {
    let state: String = r.get(5)?;
    Ok(StoredLink {
        link_id: r.get(0)?,
        client_id: r.get(1)?,
        client_name: r.get(2)?,
        therapist_id: r.get(3)?,
        therapist_name: r.get(4)?,
        state: parse_state(&state).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: r.get(6)?,
    })
}

fn count(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
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

    async fn gauges(&self) -> StorageResult<crate::metrics::StorageGauges> {
        let depth: i64 = self
            .with(|c| c.query_row("SELECT count(*) FROM mailbox", [], |r| r.get(0)))
            .await?;
        Ok(crate::metrics::StorageGauges {
            mailbox_depth: depth.max(0) as u64,
            ..Default::default()
        })
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
}
