//! The embedded SQLite backend: one connection (one writer) used from tokio's blocking pool,
//! WAL mode, numbered migrations each in a transaction.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use solace_protocol::messaging::{
    ClaimedDevice, InboxMessage, LinkState, TherapistProfile, WireIdentity, WireOneTimeKey,
    MAX_ONE_TIME_KEYS,
};
use solace_protocol::push_rule::next_last;
use solace_protocol::WireKdf;

use super::messaging::{parse_profile, parse_state, profile_text, state_text};
use super::sqlite_accounts as accounts;
use super::{
    decide, page_cut, result_of, AccountLogin, Decision, DepositOutcome, DeviceRow, NewAccount,
    NewCredentials, NewDevice, NewMessage, NewMutation, PushOutcome, Storage, StorageError,
    StorageResult, StoredKeys, StoredLink, StoredRecord,
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
                "INSERT INTO accounts (id, username, auth_hash, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_account_key, recovery_wrap, proof_verifier)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![a.account_id, a.username, a.auth_hash, a.kdf.memory_kib, a.kdf.iterations, a.kdf.parallelism, a.salt, a.wrapped_account_key, a.recovery_wrap, a.proof_verifier],
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
        self.with(move |c| accounts::by_username(c, &username))
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

    async fn account_by_id(&self, account_id: &str) -> StorageResult<Option<AccountLogin>> {
        let account_id = account_id.to_owned();
        self.with(move |c| accounts::by_id(c, &account_id)).await
    }

    async fn set_proof_verifier_if_absent(
        &self,
        account_id: &str,
        verifier: &str,
    ) -> StorageResult<()> {
        let (account_id, verifier) = (account_id.to_owned(), verifier.to_owned());
        self.with(move |c| accounts::set_verifier(c, &account_id, &verifier))
            .await
    }

    async fn add_token(
        &self,
        account_id: &str,
        device_id: &str,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StorageResult<bool> {
        let (a, d, t) = (
            account_id.to_owned(),
            device_id.to_owned(),
            token_hash.to_owned(),
        );
        self.with(move |c| accounts::add_token(c, &a, &d, &t, expires_at, now))
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
            let (kdf, salt, wrapped_account_key, recovery_wrap) = c.query_row(
                "SELECT kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_account_key, recovery_wrap FROM accounts WHERE id = ?1",
                [&account_id],
                |r| Ok((WireKdf { memory_kib: r.get(0)?, iterations: r.get(1)?, parallelism: r.get(2)? }, r.get(3)?, r.get(4)?, r.get(5)?)),
            )?;
            let items_keys = c
                .prepare("SELECT key_id, wrapped FROM items_keys WHERE account_id = ?1 ORDER BY key_id")?
                .query_map([&account_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(StoredKeys { kdf, salt, wrapped_account_key, items_keys, recovery_wrap })
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

    async fn update_credentials(
        &self,
        account_id: &str,
        update: NewCredentials,
        sign_out_except: Option<&str>,
    ) -> StorageResult<()> {
        let account_id = account_id.to_owned();
        let keep = sign_out_except.map(str::to_owned);
        self.with(move |c| accounts::update_credentials(c, &account_id, &update, keep.as_deref()))
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
        self.with(move |c| accounts::revoke(c, &account_id, &device_id))
            .await
    }

    async fn revoke_other_devices(
        &self,
        account_id: &str,
        keep_device: &str,
    ) -> StorageResult<u64> {
        let (account_id, keep) = (account_id.to_owned(), keep_device.to_owned());
        self.with(move |c| accounts::revoke_others(c, &account_id, &keep))
            .await
    }

    async fn pull(
        &self,
        account_id: &str,
        cursor: u64,
        limit: u32,
        max_bytes: u64,
    ) -> StorageResult<(Vec<StoredRecord>, bool)> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            // Sizes first (no blobs), then exactly the rows that fit; one connection, so both
            // reads see the same state.
            let sizes: Vec<(i64, i64)> = c
                .prepare_cached(
                    "SELECT server_seq, length(blob) FROM records
                     WHERE account_id = ?1 AND server_seq > ?2 ORDER BY server_seq LIMIT ?3",
                )?
                .query_map(
                    params![account_id, cursor as i64, i64::from(limit) + 1],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect::<rusqlite::Result<_>>()?;
            let lens: Vec<u64> = sizes.iter().map(|&(_, l)| l.max(0) as u64).collect();
            let (n, more) = page_cut(&lens, limit as usize, max_bytes);
            let Some(&(last, _)) = n.checked_sub(1).and_then(|i| sizes.get(i)) else {
                return Ok((Vec::new(), more));
            };
            let rows = c
                .prepare_cached(
                    "SELECT id, kind, blob, deleted, server_seq FROM records
                     WHERE account_id = ?1 AND server_seq > ?2 AND server_seq <= ?3 ORDER BY server_seq",
                )?
                .query_map(params![account_id, cursor as i64, last], record)?
                .collect::<rusqlite::Result<_>>()?;
            Ok((rows, more))
        })
        .await
    }

    async fn push(
        &self,
        account_id: &str,
        device_id: &str,
        mutations: Vec<NewMutation>,
    ) -> StorageResult<PushOutcome> {
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
                let decision = decide(last, m, current.as_ref());
                if decision == Decision::Write {
                    next_seq += 1;
                    tx.prepare_cached(
                        "INSERT INTO records (account_id, id, kind, blob, deleted, server_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (account_id, id) DO UPDATE SET kind = excluded.kind, blob = excluded.blob, deleted = excluded.deleted, server_seq = excluded.server_seq",
                    )?
                    .execute(params![account_id, m.id, m.kind, m.blob, m.deleted, next_seq])?;
                }
                results.push(result_of(decision, m, current.as_ref(), next_seq.max(0) as u64));
                last = next_last(last, m.mutation_seq, decision);
            }
            tx.execute("UPDATE accounts SET next_seq = ?2 WHERE id = ?1", params![account_id, next_seq])?;
            tx.execute("UPDATE devices SET last_mutation_seq = ?2 WHERE id = ?1", params![device_id, last as i64])?;
            tx.commit()?;
            Ok(PushOutcome { results, last_mutation_seq: last })
        })
        .await
    }

    async fn put_profile(&self, account_id: &str, profile: &TherapistProfile) -> StorageResult<()> {
        let (account_id, text) = (account_id.to_owned(), profile_text(profile)?);
        self.with(move |c| {
            c.execute(
                "INSERT INTO profiles (account_id, profile) VALUES (?1, ?2)
                 ON CONFLICT (account_id) DO UPDATE SET profile = excluded.profile",
                params![account_id, text],
            )
            .map(|_| ())
        })
        .await
    }

    async fn profile(&self, account_id: &str) -> StorageResult<Option<TherapistProfile>> {
        let account_id = account_id.to_owned();
        let text: Option<String> = self
            .with(move |c| {
                c.query_row(
                    "SELECT profile FROM profiles WHERE account_id = ?1",
                    [account_id],
                    |r| r.get(0),
                )
                .optional()
            })
            .await?;
        text.as_deref().map(parse_profile).transpose()
    }

    async fn all_profiles(&self) -> StorageResult<Vec<(String, TherapistProfile)>> {
        let rows: Vec<(String, String)> = self
            .with(|c| {
                c.prepare("SELECT account_id, profile FROM profiles")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .await?;
        rows.into_iter()
            .map(|(id, text)| Ok((id, parse_profile(&text)?)))
            .collect()
    }

    async fn username_of(&self, account_id: &str) -> StorageResult<Option<String>> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            c.query_row(
                "SELECT username FROM accounts WHERE id = ?1",
                [account_id],
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    async fn create_link(&self, l: &StoredLink) -> StorageResult<()> {
        let l = l.clone();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let open: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM links WHERE state <> 'ended' AND
                   ((client_id = ?1 AND therapist_id = ?2) OR (client_id = ?2 AND therapist_id = ?1)))",
                params![l.client_id, l.therapist_id],
                |r| r.get(0),
            )?;
            if open {
                return Ok(Err(StorageError::Conflict));
            }
            tx.execute(
                "INSERT INTO links (id, client_id, client_name, therapist_id, therapist_name, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![l.link_id, l.client_id, l.client_name, l.therapist_id, l.therapist_name, state_text(l.state), l.created_at],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await?
    }

    async fn links_for(&self, account_id: &str) -> StorageResult<Vec<StoredLink>> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            c.prepare(&format!(
                "SELECT {LINK_COLUMNS} FROM links WHERE client_id = ?1 OR therapist_id = ?1
                 ORDER BY created_at DESC, rowid DESC"
            ))?
            .query_map([account_id], link)?
            .collect()
        })
        .await
    }

    async fn link(&self, link_id: &str) -> StorageResult<Option<StoredLink>> {
        let link_id = link_id.to_owned();
        self.with(move |c| {
            c.query_row(
                &format!("SELECT {LINK_COLUMNS} FROM links WHERE id = ?1"),
                [link_id],
                link,
            )
            .optional()
        })
        .await
    }

    async fn set_link_state(
        &self,
        link_id: &str,
        from: Option<LinkState>,
        to: LinkState,
    ) -> StorageResult<bool> {
        let link_id = link_id.to_owned();
        self.with(move |c| {
            let n = match from {
                None => c.execute(
                    "UPDATE links SET state = ?2 WHERE id = ?1",
                    params![link_id, state_text(to)],
                )?,
                Some(from) => c.execute(
                    "UPDATE links SET state = ?2 WHERE id = ?1 AND state = ?3",
                    params![link_id, state_text(to), state_text(from)],
                )?,
            };
            Ok(n == 1)
        })
        .await
    }

    async fn linked(&self, a: &str, b: &str) -> StorageResult<bool> {
        let (a, b) = (a.to_owned(), b.to_owned());
        self.with(move |c| {
            c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM links WHERE state = 'active' AND
                   ((client_id = ?1 AND therapist_id = ?2) OR (client_id = ?2 AND therapist_id = ?1)))",
            )?
            .query_row(params![a, b], |r| r.get(0))
        })
        .await
    }

    async fn publish_keys(
        &self,
        account_id: &str,
        device_id: &str,
        identity: &WireIdentity,
        one_time_keys: &[WireOneTimeKey],
    ) -> StorageResult<u32> {
        let (account_id, device_id) = (account_id.to_owned(), device_id.to_owned());
        let (identity, keys) = (identity.clone(), one_time_keys.to_vec());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let live: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND account_id = ?2 AND revoked = 0)",
                params![device_id, account_id],
                |r| r.get(0),
            )?;
            if !live {
                return Ok(Err(StorageError::Conflict));
            }
            tx.execute(
                "INSERT OR IGNORE INTO device_identities (device_id, curve25519, ed25519) VALUES (?1, ?2, ?3)",
                params![device_id, identity.curve25519, identity.ed25519],
            )?;
            let stored: (String, String) = tx.query_row(
                "SELECT curve25519, ed25519 FROM device_identities WHERE device_id = ?1",
                [&device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if stored != (identity.curve25519, identity.ed25519) {
                return Ok(Err(StorageError::Conflict));
            }
            let mut held: i64 = tx.query_row(
                "SELECT COUNT(*) FROM one_time_keys WHERE device_id = ?1",
                [&device_id],
                |r| r.get(0),
            )?;
            for k in &keys {
                if held >= MAX_ONE_TIME_KEYS as i64 {
                    break;
                }
                held += tx
                    .prepare_cached("INSERT OR IGNORE INTO one_time_keys (device_id, key, signature) VALUES (?1, ?2, ?3)")?
                    .execute(params![device_id, k.key, k.signature])? as i64;
            }
            tx.commit()?;
            Ok(Ok(count(held)))
        })
        .await?
    }

    async fn claim_keys(
        &self,
        account_id: &str,
        exclude_device: Option<&str>,
    ) -> StorageResult<Vec<ClaimedDevice>> {
        let account_id = account_id.to_owned();
        let exclude = exclude_device.map(str::to_owned);
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let devices: Vec<(String, WireIdentity)> = tx
                .prepare(
                    "SELECT d.id, i.curve25519, i.ed25519 FROM devices d
                     JOIN device_identities i ON i.device_id = d.id
                     WHERE d.account_id = ?1 AND d.revoked = 0 ORDER BY d.rowid",
                )?
                .query_map([&account_id], |r| {
                    Ok((r.get(0)?, WireIdentity { curve25519: r.get(1)?, ed25519: r.get(2)? }))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut claimed = Vec::with_capacity(devices.len());
            for (device_id, identity) in devices {
                if exclude.as_deref() == Some(device_id.as_str()) {
                    continue;
                }
                let key: Option<(i64, WireOneTimeKey)> = tx
                    .prepare_cached(
                        "SELECT id, key, signature FROM one_time_keys WHERE device_id = ?1 ORDER BY id LIMIT 1",
                    )?
                    .query_row([&device_id], |r| {
                        Ok((r.get(0)?, WireOneTimeKey { key: r.get(1)?, signature: r.get(2)? }))
                    })
                    .optional()?;
                if let Some((id, _)) = &key {
                    tx.execute("DELETE FROM one_time_keys WHERE id = ?1", [id])?;
                }
                claimed.push(ClaimedDevice {
                    device_id,
                    identity,
                    one_time_key: key.map(|(_, k)| k),
                });
            }
            tx.commit()?;
            Ok(claimed)
        })
        .await
    }

    async fn deposit(&self, m: NewMessage) -> StorageResult<DepositOutcome> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let cutoff = m.now.saturating_sub(m.ttl_secs);
            let mut out = DepositOutcome::default();
            for e in &m.envelopes {
                let live: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND account_id = ?2 AND revoked = 0)",
                    )?
                    .query_row(params![e.device_id, m.recipient_account], |r| r.get(0))?;
                if !live {
                    out.skipped.push(e.device_id.clone());
                    continue;
                }
                tx.prepare_cached("DELETE FROM mailbox WHERE recipient_device = ?1 AND received_at < ?2")?
                    .execute(params![e.device_id, cutoff])?;
                let duplicate: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM mailbox WHERE sender_device = ?1 AND client_message_id = ?2 AND recipient_device = ?3)",
                    )?
                    .query_row(params![m.sender_device, m.client_message_id, e.device_id], |r| r.get(0))?;
                if duplicate {
                    out.delivered_to.push(e.device_id.clone());
                    continue;
                }
                let waiting: i64 = tx
                    .prepare_cached("SELECT COUNT(*) FROM mailbox WHERE recipient_device = ?1")?
                    .query_row([&e.device_id], |r| r.get(0))?;
                if waiting >= i64::from(m.mailbox_cap) {
                    return Ok(Err(StorageError::MailboxFull));
                }
                tx.prepare_cached(
                    "INSERT INTO mailbox (recipient_device, sender_account, sender_device, sender_key, client_message_id, kind, body, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![e.device_id, m.sender_account, m.sender_device, m.sender_key, m.client_message_id, e.kind, e.body, m.now])?;
                out.delivered_to.push(e.device_id.clone());
                out.newly_queued.push((e.device_id.clone(), count(waiting + 1)));
            }
            tx.commit()?;
            Ok(Ok(out))
        })
        .await?
    }

    async fn inbox(
        &self,
        device_id: &str,
        limit: u32,
        now: i64,
        ttl_secs: i64,
    ) -> StorageResult<(Vec<InboxMessage>, bool)> {
        let device_id = device_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM mailbox WHERE recipient_device = ?1 AND received_at < ?2",
                params![device_id, now.saturating_sub(ttl_secs)],
            )?;
            let mut rows: Vec<InboxMessage> = tx
                .prepare_cached(
                    "SELECT id, sender_account, sender_device, sender_key, client_message_id, kind, body, received_at
                     FROM mailbox WHERE recipient_device = ?1 ORDER BY id LIMIT ?2",
                )?
                .query_map(params![device_id, i64::from(limit) + 1], |r| {
                    Ok(InboxMessage {
                        id: r.get::<_, i64>(0)?.max(0) as u64,
                        sender_account: r.get(1)?,
                        sender_device: r.get(2)?,
                        sender_key: r.get(3)?,
                        client_message_id: r.get(4)?,
                        kind: r.get(5)?,
                        body: r.get(6)?,
                        received_at: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            tx.commit()?;
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            Ok((rows, more))
        })
        .await
    }

    async fn ack(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64> {
        let device_id = device_id.to_owned();
        let ids: Vec<i64> = ids
            .iter()
            .filter_map(|&id| i64::try_from(id).ok())
            .collect();
        self.with(move |c| {
            let tx = c.transaction()?;
            let mut deleted = 0u64;
            for id in &ids {
                deleted += tx
                    .prepare_cached("DELETE FROM mailbox WHERE id = ?1 AND recipient_device = ?2")?
                    .execute(params![id, device_id])? as u64;
            }
            tx.commit()?;
            Ok(deleted)
        })
        .await
    }

    async fn purge_expired(&self, cutoff: i64) -> StorageResult<u64> {
        self.with(move |c| {
            c.execute("DELETE FROM mailbox WHERE received_at < ?1", [cutoff])
                .map(|n| n as u64)
        })
        .await
    }
}
