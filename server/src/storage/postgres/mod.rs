//! The PostgreSQL backend: a connection pool, numbered migrations each in a transaction, and
//! push batches in one transaction that locks the account row (so concurrent pushes to one
//! account serialize and sequence numbers stay gap-free per account).

mod accounts;
mod backoff;
mod deletion;
mod expiry;
mod mailbox;
mod messaging;
mod records;
mod reviews;

use std::collections::HashSet;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use solace_protocol::messaging::{
    ClaimedDevice, ExpiredMessage, InboxMessage, KeyCount, LinkState, TherapistProfile,
    WireDeviceList, WireDeviceSignature, WireIdentity, WireOneTimeKey, MAX_ONE_TIME_KEYS,
};
use solace_protocol::push_rule::next_last;
use tokio_postgres::NoTls;

use super::messaging::{parse_profile, parse_state, profile_text, state_text};
use super::{
    decide, result_of, AccountStore, ClusterStore, Decision, DepositOutcome, DeviceRow,
    MessagingStore, NewAccount, NewDevice, NewMessage, NewMutation, PushOutcome, RecordStore,
    Storage, StorageError, StorageResult, StoredKeys, StoredLink, StoredRecord,
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
    // 5: the account identity's signature over each device (signed device record v1) and the
    // account's latest signed device list (JSON of the wire form).
    "ALTER TABLE device_identities ADD COLUMN account_key TEXT;
    ALTER TABLE device_identities ADD COLUMN account_signature TEXT;
    CREATE TABLE device_lists (account_id TEXT PRIMARY KEY, version BIGINT NOT NULL,
        list TEXT NOT NULL);",
    // 6: one signed fallback key per device (replaced on upload, never consumed by a claim),
    // and the index behind the per-sender mailbox quota.
    "CREATE TABLE fallback_keys (device_id TEXT PRIMARY KEY, key TEXT NOT NULL,
        signature TEXT NOT NULL);
    CREATE INDEX mailbox_by_sender ON mailbox (recipient_device, sender_account);",
    // 7: notices of messages that expired in a mailbox, for the recipient device and the
    // sender device (deleted when the device acknowledges them).
    "CREATE TABLE mailbox_expired (id BIGSERIAL PRIMARY KEY, device_id TEXT NOT NULL,
        outbound BOOLEAN NOT NULL, peer_account TEXT NOT NULL, peer_device TEXT NOT NULL,
        client_message_id TEXT NOT NULL, sent_at BIGINT NOT NULL);
    CREATE INDEX mailbox_expired_by_device ON mailbox_expired (device_id, id);",
    // 8: the login backoff every node shares (keyed by a keyed hash of the username).
    "CREATE TABLE login_backoff (key TEXT PRIMARY KEY, failures INTEGER NOT NULL,
        blocked_until BIGINT, updated_at BIGINT NOT NULL);
    CREATE INDEX login_backoff_by_age ON login_backoff (updated_at);",
    // 9: verified, unlinkable reviews (see `storage::reviews`): one RSA key per period, the
    // therapists who take reviews, which link got a token in which period, spent token
    // hashes, and reviews with no account, device, link or time of day.
    "CREATE TABLE review_keys (period BIGINT PRIMARY KEY, secret_der BYTEA NOT NULL,
        public_spki BYTEA NOT NULL);
    CREATE TABLE review_optin (account_id TEXT PRIMARY KEY);
    CREATE TABLE review_issuance (link_id TEXT NOT NULL, period BIGINT NOT NULL,
        PRIMARY KEY (link_id, period));
    CREATE TABLE review_tokens_spent (token_hash TEXT PRIMARY KEY);
    CREATE TABLE reviews (id TEXT PRIMARY KEY, therapist_id TEXT NOT NULL,
        rating SMALLINT NOT NULL, text TEXT NOT NULL, received_day TEXT NOT NULL,
        published_batch BIGINT, reply TEXT);
    CREATE INDEX reviews_by_therapist ON reviews (therapist_id, published_batch);",
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

/// Tells every node (through `LISTEN`, see `crate::live`) that `account_id` has something
/// new; PostgreSQL delivers it when `tx` commits, never before.
pub(super) async fn notify_change(
    tx: &deadpool_postgres::Transaction<'_>,
    account_id: &str,
) -> StorageResult<()> {
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&crate::live::CHANNEL, &account_id],
    )
    .await
    .map_err(pg_err)?;
    Ok(())
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

/// Locks the named account rows for the rest of `tx` (`FOR KEY SHARE`: only a deletion of
/// the row conflicts with it). Writes that add rows of
/// an account take this first: a deletion of one of them then waits for `tx`, or `tx` waits
/// for the deletion and finds the account gone ([`StorageError::Gone`]), so nothing is
/// written for an account deleted while the request was on its way.
async fn lock_accounts(tx: &deadpool_postgres::Transaction<'_>, ids: &[&str]) -> StorageResult<()> {
    let mut wanted: Vec<&str> = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let found = tx
        .query(
            "SELECT id FROM accounts WHERE id = ANY($1) ORDER BY id FOR KEY SHARE",
            &[&wanted],
        )
        .await
        .map_err(pg_err)?;
    if found.len() == wanted.len() {
        Ok(())
    } else {
        Err(StorageError::Gone)
    }
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
    async fn gauges(&self) -> StorageResult<crate::metrics::StorageGauges> {
        let row = self
            .client()
            .await?
            .query_one("SELECT count(*) FROM mailbox", &[])
            .await
            .map_err(pg_err)?;
        let depth: i64 = row.get(0);
        let status = self.pool.status();
        Ok(crate::metrics::StorageGauges {
            mailbox_depth: depth.max(0) as u64,
            pool_max: Some(status.max_size as u64),
            pool_open: Some(status.size as u64),
            pool_idle: Some(status.available as u64),
        })
    }

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
}
