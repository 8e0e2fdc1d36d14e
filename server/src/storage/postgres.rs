//! The PostgreSQL backend: a connection pool, numbered migrations each in a transaction, and
//! push batches in one transaction that locks the account row (so concurrent pushes to one
//! account serialize and sequence numbers stay gap-free per account).

use std::collections::HashSet;

use super::postgres_accounts as accounts;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use solace_protocol::messaging::{
    ClaimedDevice, InboxMessage, LinkState, TherapistProfile, WireIdentity, WireOneTimeKey,
    MAX_ONE_TIME_KEYS,
};
use solace_protocol::push_rule::next_last;
use solace_protocol::WireKdf;
use tokio_postgres::NoTls;

use super::messaging::{parse_profile, parse_state, profile_text, state_text};
use super::{
    decide, page_cut, result_of, AccountLogin, Decision, DepositOutcome, DeviceRow, NewAccount,
    NewCredentials, NewDevice, NewMessage, NewMutation, PushOutcome, Storage, StorageError,
    StorageResult, StoredKeys, StoredLink, StoredRecord,
};

const MIGRATIONS: &[&str] = &["CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
    CREATE TABLE accounts (
        id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, auth_hash TEXT NOT NULL,
        kdf_memory_kib BIGINT NOT NULL, kdf_iterations BIGINT NOT NULL, kdf_parallelism BIGINT NOT NULL,
        salt TEXT NOT NULL, wrapped_account_key BYTEA NOT NULL, next_seq BIGINT NOT NULL DEFAULT 0);
    CREATE TABLE items_keys (account_id TEXT NOT NULL, key_id BIGINT NOT NULL, wrapped BYTEA NOT NULL,
        PRIMARY KEY (account_id, key_id));
    CREATE TABLE devices (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL,
        revoked BOOLEAN NOT NULL DEFAULT FALSE, last_mutation_seq BIGINT NOT NULL DEFAULT 0,
        created BIGSERIAL);
    CREATE INDEX devices_by_account ON devices (account_id);
    CREATE TABLE tokens (hash TEXT PRIMARY KEY, device_id TEXT NOT NULL, expires_at BIGINT NOT NULL);
    CREATE INDEX tokens_by_device ON tokens (device_id);
    CREATE TABLE records (account_id TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, blob BYTEA NOT NULL,
        deleted BOOLEAN NOT NULL, server_seq BIGINT NOT NULL, PRIMARY KEY (account_id, id));
    CREATE INDEX records_by_seq ON records (account_id, server_seq);",
    // 2: messaging (therapist profiles, links, the Olm key directory, per-device mailboxes).
    "CREATE TABLE profiles (account_id TEXT PRIMARY KEY, profile TEXT NOT NULL);
    CREATE TABLE links (id TEXT PRIMARY KEY, client_id TEXT NOT NULL, client_name TEXT NOT NULL,
        therapist_id TEXT NOT NULL, therapist_name TEXT NOT NULL, state TEXT NOT NULL,
        created_at BIGINT NOT NULL, ord BIGSERIAL);
    CREATE INDEX links_by_client ON links (client_id);
    CREATE INDEX links_by_therapist ON links (therapist_id);
    CREATE UNIQUE INDEX links_open_pair ON links (client_id, therapist_id) WHERE state <> 'ended';
    CREATE TABLE device_identities (device_id TEXT PRIMARY KEY, curve25519 TEXT NOT NULL,
        ed25519 TEXT NOT NULL);
    CREATE TABLE one_time_keys (id BIGSERIAL PRIMARY KEY, device_id TEXT NOT NULL,
        key TEXT NOT NULL, signature TEXT NOT NULL, UNIQUE (device_id, key));
    CREATE TABLE mailbox (id BIGSERIAL PRIMARY KEY, recipient_device TEXT NOT NULL,
        sender_account TEXT NOT NULL, sender_device TEXT NOT NULL, sender_key TEXT NOT NULL,
        client_message_id TEXT NOT NULL, kind SMALLINT NOT NULL, body TEXT NOT NULL,
        received_at BIGINT NOT NULL, UNIQUE (sender_device, client_message_id, recipient_device));
    CREATE INDEX mailbox_by_recipient ON mailbox (recipient_device, id);
    CREATE INDEX mailbox_by_age ON mailbox (recipient_device, received_at);",
    // 3: the account key wrapped by the recovery key, so every device can use the recovery key.
    "ALTER TABLE accounts ADD COLUMN recovery_wrap BYTEA;",
    // 4: the verifier of the account-key proof (hex of SHA-256 of the proof).
    "ALTER TABLE accounts ADD COLUMN proof_verifier TEXT;",
];

fn err(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(e.to_string())
}

pub(super) fn pg_err(e: tokio_postgres::Error) -> StorageError {
    if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
        StorageError::Conflict
    } else {
        err(e)
    }
}

fn u(v: i64) -> u64 {
    v.max(0) as u64
}

/// PostgreSQL storage.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl PostgresStorage {
    /// Connects to `url` (e.g. `postgres://user@127.0.0.1:5432/db`) and migrates.
    pub async fn connect(url: &str, pool_size: usize) -> StorageResult<Self> {
        let config: tokio_postgres::Config = url.parse().map_err(err)?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .build()
            .map_err(err)?;
        let storage = Self { pool };
        storage.migrate().await?;
        Ok(storage)
    }

    async fn migrate(&self) -> StorageResult<()> {
        let mut client = self.pool.get().await.map_err(err)?;
        client
            .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .await
            .map_err(pg_err)?;
        let tx = client.transaction().await.map_err(pg_err)?;
        tx.batch_execute("LOCK TABLE schema_version IN EXCLUSIVE MODE")
            .await
            .map_err(pg_err)?;
        let version: i64 = tx
            .query_opt("SELECT version FROM schema_version", &[])
            .await
            .map_err(pg_err)?
            .map_or(0, |r| r.get(0));
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            tx.batch_execute(sql).await.map_err(pg_err)?;
            tx.execute("DELETE FROM schema_version", &[])
                .await
                .map_err(pg_err)?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&(i as i64 + 1)],
            )
            .await
            .map_err(pg_err)?;
        }
        tx.commit().await.map_err(pg_err)
    }

    async fn client(&self) -> StorageResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(err)
    }
}

async fn insert_device(
    tx: &deadpool_postgres::Transaction<'_>,
    account_id: &str,
    d: &NewDevice,
) -> StorageResult<()> {
    tx.execute(
        "INSERT INTO devices (id, account_id, name) VALUES ($1, $2, $3)",
        &[&d.device_id, &account_id, &d.name],
    )
    .await
    .map_err(pg_err)?;
    tx.execute(
        "INSERT INTO tokens (hash, device_id, expires_at) VALUES ($1, $2, $3)",
        &[&d.token_hash, &d.device_id, &d.expires_at],
    )
    .await
    .map_err(pg_err)?;
    Ok(())
}

const LINK_COLUMNS: &str =
    "id, client_id, client_name, therapist_id, therapist_name, state, created_at";

fn link(r: &tokio_postgres::Row) -> StorageResult<StoredLink> {
    Ok(StoredLink {
        link_id: r.get(0),
        client_id: r.get(1),
        client_name: r.get(2),
        therapist_id: r.get(3),
        therapist_name: r.get(4),
        state: parse_state(r.get(5))?,
        created_at: r.get(6),
    })
}

fn count(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

fn record(r: &tokio_postgres::Row) -> StoredRecord {
    StoredRecord {
        id: r.get(0),
        kind: r.get(1),
        blob: r.get(2),
        deleted: r.get(3),
        server_seq: u(r.get(4)),
    }
}

#[async_trait::async_trait]
impl Storage for PostgresStorage {
    async fn health(&self) -> StorageResult<()> {
        self.client()
            .await?
            .query_one("SELECT 1", &[])
            .await
            .map_err(pg_err)
            .map(|_| ())
    }

    async fn server_secret(&self) -> StorageResult<Vec<u8>> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|_| StorageError::Backend("random".into()))?;
        let c = self.client().await?;
        c.execute(
            "INSERT INTO meta (key, value) VALUES ('server_secret', $1) ON CONFLICT DO NOTHING",
            &[&&fresh[..]],
        )
        .await
        .map_err(pg_err)?;
        Ok(
            c.query_one("SELECT value FROM meta WHERE key = 'server_secret'", &[])
                .await
                .map_err(pg_err)?
                .get(0),
        )
    }

    async fn create_account(&self, a: NewAccount, d: NewDevice) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        tx.execute(
            "INSERT INTO accounts (id, username, auth_hash, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_account_key, recovery_wrap, proof_verifier)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[&a.account_id, &a.username, &a.auth_hash, &i64::from(a.kdf.memory_kib), &i64::from(a.kdf.iterations), &i64::from(a.kdf.parallelism), &a.salt, &a.wrapped_account_key, &a.recovery_wrap, &a.proof_verifier],
        )
        .await
        .map_err(pg_err)?;
        for (key_id, wrapped) in &a.items_keys {
            tx.execute(
                "INSERT INTO items_keys (account_id, key_id, wrapped) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&a.account_id, &i64::from(*key_id), wrapped],
            )
            .await
            .map_err(pg_err)?;
        }
        insert_device(&tx, &a.account_id, &d).await?;
        tx.commit().await.map_err(pg_err)
    }

    async fn find_account(&self, username: &str) -> StorageResult<Option<AccountLogin>> {
        accounts::login_by(&**self.client().await?, "username", username).await
    }

    async fn add_device(&self, account_id: &str, d: NewDevice) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        insert_device(&tx, account_id, &d).await?;
        tx.commit().await.map_err(pg_err)
    }

    async fn account_by_id(&self, account_id: &str) -> StorageResult<Option<AccountLogin>> {
        accounts::login_by(&**self.client().await?, "id", account_id).await
    }

    async fn set_proof_verifier_if_absent(
        &self,
        account_id: &str,
        verifier: &str,
    ) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "UPDATE accounts SET proof_verifier = $2 WHERE id = $1 AND proof_verifier IS NULL",
                &[&account_id, &verifier],
            )
            .await
            .map(|_| ())
            .map_err(pg_err)
    }

    async fn add_token(
        &self,
        account_id: &str,
        device_id: &str,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StorageResult<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let added =
            accounts::add_token(&tx, account_id, device_id, token_hash, expires_at, now).await?;
        tx.commit().await.map_err(pg_err)?;
        Ok(added)
    }

    async fn authenticate(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StorageResult<Option<(String, String)>> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT d.account_id, d.id FROM tokens t JOIN devices d ON d.id = t.device_id
                 WHERE t.hash = $1 AND t.expires_at > $2 AND NOT d.revoked",
            )
            .await
            .map_err(pg_err)?;
        Ok(c.query_opt(&stmt, &[&token_hash, &now])
            .await
            .map_err(pg_err)?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn account_keys(&self, account_id: &str) -> StorageResult<StoredKeys> {
        let c = self.client().await?;
        let r = c
            .query_one(
                "SELECT kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_account_key, recovery_wrap FROM accounts WHERE id = $1",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        let items = c
            .query(
                "SELECT key_id, wrapped FROM items_keys WHERE account_id = $1 ORDER BY key_id",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        Ok(StoredKeys {
            kdf: WireKdf {
                memory_kib: u32::try_from(r.get::<_, i64>(0)).unwrap_or(0),
                iterations: u32::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                parallelism: u32::try_from(r.get::<_, i64>(2)).unwrap_or(0),
            },
            salt: r.get(3),
            wrapped_account_key: r.get(4),
            recovery_wrap: r.get(5),
            items_keys: items
                .iter()
                .map(|r| (u32::try_from(r.get::<_, i64>(0)).unwrap_or(0), r.get(1)))
                .collect(),
        })
    }

    async fn add_items_keys(
        &self,
        account_id: &str,
        keys: Vec<(u32, Vec<u8>)>,
    ) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        for (key_id, wrapped) in &keys {
            tx.execute(
                "INSERT INTO items_keys (account_id, key_id, wrapped) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&account_id, &i64::from(*key_id), wrapped],
            )
            .await
            .map_err(pg_err)?;
        }
        tx.commit().await.map_err(pg_err)
    }

    async fn update_credentials(
        &self,
        account_id: &str,
        update: NewCredentials,
        sign_out_except: Option<&str>,
    ) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        accounts::update_credentials(&tx, account_id, &update, sign_out_except).await?;
        tx.commit().await.map_err(pg_err)
    }

    async fn devices(&self, account_id: &str) -> StorageResult<Vec<DeviceRow>> {
        let rows = self
            .client()
            .await?
            .query("SELECT id, name, revoked, last_mutation_seq FROM devices WHERE account_id = $1 ORDER BY created", &[&account_id])
            .await
            .map_err(pg_err)?;
        Ok(rows
            .iter()
            .map(|r| DeviceRow {
                device_id: r.get(0),
                name: r.get(1),
                revoked: r.get(2),
                last_mutation_seq: u(r.get(3)),
            })
            .collect())
    }

    async fn revoke_device(&self, account_id: &str, device_id: &str) -> StorageResult<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let done = accounts::revoke_in(&tx, account_id, device_id).await?;
        tx.commit().await.map_err(pg_err)?;
        Ok(done)
    }

    async fn revoke_other_devices(
        &self,
        account_id: &str,
        keep_device: &str,
    ) -> StorageResult<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let n = accounts::revoke_others_in(&tx, account_id, keep_device).await?;
        tx.commit().await.map_err(pg_err)?;
        Ok(n)
    }

    async fn pull(
        &self,
        account_id: &str,
        cursor: u64,
        limit: u32,
        max_bytes: u64,
    ) -> StorageResult<(Vec<StoredRecord>, bool)> {
        let mut c = self.client().await?;
        // Sizes first (no blobs), then exactly the rows that fit, in one snapshot.
        let tx = c
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg_err)?;
        let sizes = tx
            .query(
                "SELECT server_seq, octet_length(blob)::BIGINT FROM records
                 WHERE account_id = $1 AND server_seq > $2 ORDER BY server_seq LIMIT $3",
                &[&account_id, &(cursor as i64), &(i64::from(limit) + 1)],
            )
            .await
            .map_err(pg_err)?;
        let lens: Vec<u64> = sizes.iter().map(|r| u(r.get(1))).collect();
        let (n, more) = page_cut(&lens, limit as usize, max_bytes);
        let Some(last) = n.checked_sub(1).and_then(|i| sizes.get(i)) else {
            return Ok((Vec::new(), more));
        };
        let last: i64 = last.get(0);
        let rows = tx
            .query(
                "SELECT id, kind, blob, deleted, server_seq FROM records
                 WHERE account_id = $1 AND server_seq > $2 AND server_seq <= $3 ORDER BY server_seq",
                &[&account_id, &(cursor as i64), &last],
            )
            .await
            .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok((rows.iter().map(record).collect(), more))
    }

    async fn push(
        &self,
        account_id: &str,
        device_id: &str,
        mutations: Vec<NewMutation>,
    ) -> StorageResult<PushOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let mut next_seq: i64 = tx
            .query_one(
                "SELECT next_seq FROM accounts WHERE id = $1 FOR UPDATE",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        let mut last = u(tx
            .query_one("SELECT last_mutation_seq FROM devices WHERE id = $1 AND account_id = $2 FOR UPDATE", &[&device_id, &account_id])
            .await
            .map_err(pg_err)?
            .get(0));
        let select = tx
            .prepare_cached("SELECT id, kind, blob, deleted, server_seq FROM records WHERE account_id = $1 AND id = $2")
            .await
            .map_err(pg_err)?;
        let upsert = tx
            .prepare_cached(
                "INSERT INTO records (account_id, id, kind, blob, deleted, server_seq) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (account_id, id) DO UPDATE SET kind = EXCLUDED.kind, blob = EXCLUDED.blob, deleted = EXCLUDED.deleted, server_seq = EXCLUDED.server_seq",
            )
            .await
            .map_err(pg_err)?;
        let mut results = Vec::with_capacity(mutations.len());
        for m in &mutations {
            let current = tx
                .query_opt(&select, &[&account_id, &m.id])
                .await
                .map_err(pg_err)?
                .map(|r| record(&r));
            let decision = decide(last, m, current.as_ref());
            if decision == Decision::Write {
                next_seq += 1;
                tx.execute(
                    &upsert,
                    &[&account_id, &m.id, &m.kind, &m.blob, &m.deleted, &next_seq],
                )
                .await
                .map_err(pg_err)?;
            }
            results.push(result_of(decision, m, current.as_ref(), u(next_seq)));
            last = next_last(last, m.mutation_seq, decision);
        }
        tx.execute(
            "UPDATE accounts SET next_seq = $2 WHERE id = $1",
            &[&account_id, &next_seq],
        )
        .await
        .map_err(pg_err)?;
        tx.execute(
            "UPDATE devices SET last_mutation_seq = $2 WHERE id = $1",
            &[&device_id, &(last as i64)],
        )
        .await
        .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok(PushOutcome {
            results,
            last_mutation_seq: last,
        })
    }

    async fn put_profile(&self, account_id: &str, profile: &TherapistProfile) -> StorageResult<()> {
        let text = profile_text(profile)?;
        self.client()
            .await?
            .execute(
                "INSERT INTO profiles (account_id, profile) VALUES ($1, $2)
                 ON CONFLICT (account_id) DO UPDATE SET profile = EXCLUDED.profile",
                &[&account_id, &text],
            )
            .await
            .map_err(pg_err)
            .map(|_| ())
    }

    async fn profile(&self, account_id: &str) -> StorageResult<Option<TherapistProfile>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT profile FROM profiles WHERE account_id = $1",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        row.map(|r| parse_profile(r.get(0))).transpose()
    }

    async fn all_profiles(&self) -> StorageResult<Vec<(String, TherapistProfile)>> {
        let rows = self
            .client()
            .await?
            .query("SELECT account_id, profile FROM profiles", &[])
            .await
            .map_err(pg_err)?;
        rows.iter()
            .map(|r| Ok((r.get(0), parse_profile(r.get(1))?)))
            .collect()
    }

    async fn username_of(&self, account_id: &str) -> StorageResult<Option<String>> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT username FROM accounts WHERE id = $1",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?
            .map(|r| r.get(0)))
    }

    async fn create_link(&self, l: &StoredLink) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        // Serialize link creation per unordered pair, so the either-role check below is exact
        // (the unique index covers only one orientation).
        let (lo, hi) = if l.client_id <= l.therapist_id {
            (&l.client_id, &l.therapist_id)
        } else {
            (&l.therapist_id, &l.client_id)
        };
        let pair = format!("solace-link:{lo}:{hi}");
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&pair])
            .await
            .map_err(pg_err)?;
        let open: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM links WHERE state <> 'ended' AND
                   ((client_id = $1 AND therapist_id = $2) OR (client_id = $2 AND therapist_id = $1)))",
                &[&l.client_id, &l.therapist_id],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        if open {
            return Err(StorageError::Conflict);
        }
        tx.execute(
            "INSERT INTO links (id, client_id, client_name, therapist_id, therapist_name, state, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&l.link_id, &l.client_id, &l.client_name, &l.therapist_id, &l.therapist_name, &state_text(l.state), &l.created_at],
        )
        .await
        .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)
    }

    async fn links_for(&self, account_id: &str) -> StorageResult<Vec<StoredLink>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE client_id = $1 OR therapist_id = $1
                     ORDER BY created_at DESC, ord DESC"
                ),
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        rows.iter().map(link).collect()
    }

    async fn link(&self, link_id: &str) -> StorageResult<Option<StoredLink>> {
        self.client()
            .await?
            .query_opt(
                &format!("SELECT {LINK_COLUMNS} FROM links WHERE id = $1"),
                &[&link_id],
            )
            .await
            .map_err(pg_err)?
            .map(|r| link(&r))
            .transpose()
    }

    async fn set_link_state(
        &self,
        link_id: &str,
        from: Option<LinkState>,
        to: LinkState,
    ) -> StorageResult<bool> {
        let c = self.client().await?;
        let n = match from {
            None => {
                c.execute(
                    "UPDATE links SET state = $2 WHERE id = $1",
                    &[&link_id, &state_text(to)],
                )
                .await
            }
            Some(from) => {
                c.execute(
                    "UPDATE links SET state = $2 WHERE id = $1 AND state = $3",
                    &[&link_id, &state_text(to), &state_text(from)],
                )
                .await
            }
        }
        .map_err(pg_err)?;
        Ok(n == 1)
    }

    async fn linked(&self, a: &str, b: &str) -> StorageResult<bool> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM links WHERE state = 'active' AND
                   ((client_id = $1 AND therapist_id = $2) OR (client_id = $2 AND therapist_id = $1)))",
            )
            .await
            .map_err(pg_err)?;
        Ok(c.query_one(&stmt, &[&a, &b]).await.map_err(pg_err)?.get(0))
    }

    async fn publish_keys(
        &self,
        account_id: &str,
        device_id: &str,
        identity: &WireIdentity,
        one_time_keys: &[WireOneTimeKey],
    ) -> StorageResult<u32> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        // FOR SHARE: a concurrent revocation waits for this transaction (and then deletes
        // what it added) instead of leaving keys behind for a revoked device.
        let live = tx
            .query_opt(
                "SELECT 1 FROM devices WHERE id = $1 AND account_id = $2 AND NOT revoked FOR SHARE",
                &[&device_id, &account_id],
            )
            .await
            .map_err(pg_err)?;
        if live.is_none() {
            return Err(StorageError::Conflict);
        }
        tx.execute(
            "INSERT INTO device_identities (device_id, curve25519, ed25519) VALUES ($1, $2, $3)
             ON CONFLICT (device_id) DO NOTHING",
            &[&device_id, &identity.curve25519, &identity.ed25519],
        )
        .await
        .map_err(pg_err)?;
        // FOR UPDATE serializes uploads of one device, so the cap holds.
        let stored = tx
            .query_one(
                "SELECT curve25519, ed25519 FROM device_identities WHERE device_id = $1 FOR UPDATE",
                &[&device_id],
            )
            .await
            .map_err(pg_err)?;
        if stored.get::<_, &str>(0) != identity.curve25519
            || stored.get::<_, &str>(1) != identity.ed25519
        {
            return Err(StorageError::Conflict);
        }
        let mut held: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM one_time_keys WHERE device_id = $1",
                &[&device_id],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        let insert = tx
            .prepare_cached(
                "INSERT INTO one_time_keys (device_id, key, signature) VALUES ($1, $2, $3)
                 ON CONFLICT (device_id, key) DO NOTHING",
            )
            .await
            .map_err(pg_err)?;
        for k in one_time_keys {
            if held >= MAX_ONE_TIME_KEYS as i64 {
                break;
            }
            held += tx
                .execute(&insert, &[&device_id, &k.key, &k.signature])
                .await
                .map_err(pg_err)? as i64;
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(count(held))
    }

    async fn claim_keys(
        &self,
        account_id: &str,
        exclude_device: Option<&str>,
    ) -> StorageResult<Vec<ClaimedDevice>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let devices = tx
            .query(
                "SELECT d.id, i.curve25519, i.ed25519 FROM devices d
                 JOIN device_identities i ON i.device_id = d.id
                 WHERE d.account_id = $1 AND NOT d.revoked ORDER BY d.created",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        // One statement per device takes the oldest key no concurrent claim holds, so two
        // claims never get the same key (a locked key is skipped, not waited for).
        let take = tx
            .prepare_cached(
                "DELETE FROM one_time_keys WHERE id = (
                   SELECT id FROM one_time_keys WHERE device_id = $1 ORDER BY id LIMIT 1
                   FOR UPDATE SKIP LOCKED)
                 RETURNING key, signature",
            )
            .await
            .map_err(pg_err)?;
        let mut claimed = Vec::with_capacity(devices.len());
        for d in &devices {
            let device_id: String = d.get(0);
            if exclude_device == Some(device_id.as_str()) {
                continue;
            }
            let key = tx
                .query_opt(&take, &[&device_id])
                .await
                .map_err(pg_err)?
                .map(|r| WireOneTimeKey {
                    key: r.get(0),
                    signature: r.get(1),
                });
            claimed.push(ClaimedDevice {
                device_id,
                identity: WireIdentity {
                    curve25519: d.get(1),
                    ed25519: d.get(2),
                },
                one_time_key: key,
            });
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(claimed)
    }

    async fn deposit(&self, m: NewMessage) -> StorageResult<DepositOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let mut addressed: Vec<String> = m.envelopes.iter().map(|e| e.device_id.clone()).collect();
        addressed.sort();
        addressed.dedup();
        // FOR SHARE makes a concurrent revocation wait (it then deletes this message too).
        let live: HashSet<String> = tx
            .query(
                "SELECT id FROM devices WHERE id = ANY($1) AND account_id = $2 AND NOT revoked
                 ORDER BY id FOR SHARE",
                &[&addressed, &m.recipient_account],
            )
            .await
            .map_err(pg_err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        // One mailbox writer at a time per device (locks taken in id order: no deadlock), so
        // concurrent sends cannot overshoot the cap.
        for device_id in addressed.iter().filter(|d| live.contains(*d)) {
            let key = format!("solace-mailbox:{device_id}");
            tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&key])
                .await
                .map_err(pg_err)?;
        }
        let cutoff = m.now.saturating_sub(m.ttl_secs);
        let purge = tx
            .prepare_cached("DELETE FROM mailbox WHERE recipient_device = $1 AND received_at < $2")
            .await
            .map_err(pg_err)?;
        let existing = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM mailbox WHERE sender_device = $1 AND client_message_id = $2 AND recipient_device = $3)",
            )
            .await
            .map_err(pg_err)?;
        let waiting = tx
            .prepare_cached("SELECT COUNT(*) FROM mailbox WHERE recipient_device = $1")
            .await
            .map_err(pg_err)?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO mailbox (recipient_device, sender_account, sender_device, sender_key, client_message_id, kind, body, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .await
            .map_err(pg_err)?;
        let mut out = DepositOutcome::default();
        for e in &m.envelopes {
            if !live.contains(&e.device_id) {
                out.skipped.push(e.device_id.clone());
                continue;
            }
            tx.execute(&purge, &[&e.device_id, &cutoff])
                .await
                .map_err(pg_err)?;
            let duplicate: bool = tx
                .query_one(
                    &existing,
                    &[&m.sender_device, &m.client_message_id, &e.device_id],
                )
                .await
                .map_err(pg_err)?
                .get(0);
            if duplicate {
                out.delivered_to.push(e.device_id.clone());
                continue;
            }
            let held: i64 = tx
                .query_one(&waiting, &[&e.device_id])
                .await
                .map_err(pg_err)?
                .get(0);
            if held >= i64::from(m.mailbox_cap) {
                return Err(StorageError::MailboxFull);
            }
            tx.execute(
                &insert,
                &[
                    &e.device_id,
                    &m.sender_account,
                    &m.sender_device,
                    &m.sender_key,
                    &m.client_message_id,
                    &i16::from(e.kind),
                    &e.body,
                    &m.now,
                ],
            )
            .await
            .map_err(pg_err)?;
            out.delivered_to.push(e.device_id.clone());
            out.newly_queued
                .push((e.device_id.clone(), count(held + 1)));
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(out)
    }

    async fn inbox(
        &self,
        device_id: &str,
        limit: u32,
        now: i64,
        ttl_secs: i64,
    ) -> StorageResult<(Vec<InboxMessage>, bool)> {
        let c = self.client().await?;
        c.execute(
            "DELETE FROM mailbox WHERE recipient_device = $1 AND received_at < $2",
            &[&device_id, &now.saturating_sub(ttl_secs)],
        )
        .await
        .map_err(pg_err)?;
        let stmt = c
            .prepare_cached(
                "SELECT id, sender_account, sender_device, sender_key, client_message_id, kind, body, received_at
                 FROM mailbox WHERE recipient_device = $1 ORDER BY id LIMIT $2",
            )
            .await
            .map_err(pg_err)?;
        let rows = c
            .query(&stmt, &[&device_id, &(i64::from(limit) + 1)])
            .await
            .map_err(pg_err)?;
        let mut messages: Vec<InboxMessage> = rows
            .iter()
            .map(|r| InboxMessage {
                id: u(r.get(0)),
                sender_account: r.get(1),
                sender_device: r.get(2),
                sender_key: r.get(3),
                client_message_id: r.get(4),
                kind: u8::try_from(r.get::<_, i16>(5)).unwrap_or(u8::MAX),
                body: r.get(6),
                received_at: r.get(7),
            })
            .collect();
        let more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        Ok((messages, more))
    }

    async fn ack(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64> {
        let ids: Vec<i64> = ids
            .iter()
            .filter_map(|&id| i64::try_from(id).ok())
            .collect();
        self.client()
            .await?
            .execute(
                "DELETE FROM mailbox WHERE recipient_device = $1 AND id = ANY($2)",
                &[&device_id, &ids],
            )
            .await
            .map_err(pg_err)
    }

    async fn purge_expired(&self, cutoff: i64) -> StorageResult<u64> {
        self.client()
            .await?
            .execute("DELETE FROM mailbox WHERE received_at < $1", &[&cutoff])
            .await
            .map_err(pg_err)
    }
}
