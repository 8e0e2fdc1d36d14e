//! The PostgreSQL backend: a connection pool, numbered migrations each in a transaction, and
//! push batches in one transaction that locks the account row (so concurrent pushes to one
//! account serialize and sequence numbers stay gap-free per account).

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use solace_protocol::{MutationResult, WireKdf};
use tokio_postgres::NoTls;

use super::{
    conflict, decide, AccountLogin, Decision, DeviceRow, NewAccount, NewDevice, NewMutation,
    Storage, StorageError, StorageResult, StoredKeys, StoredRecord,
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
    CREATE INDEX records_by_seq ON records (account_id, server_seq);"];

fn err(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(e.to_string())
}

fn pg_err(e: tokio_postgres::Error) -> StorageError {
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
            "INSERT INTO accounts (id, username, auth_hash, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_account_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&a.account_id, &a.username, &a.auth_hash, &i64::from(a.kdf.memory_kib), &i64::from(a.kdf.iterations), &i64::from(a.kdf.parallelism), &a.salt, &a.wrapped_account_key],
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
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT id, auth_hash, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt FROM accounts WHERE username = $1",
                &[&username],
            )
            .await
            .map_err(pg_err)?;
        Ok(row.map(|r| AccountLogin {
            account_id: r.get(0),
            auth_hash: r.get(1),
            kdf: WireKdf {
                memory_kib: u32::try_from(r.get::<_, i64>(2)).unwrap_or(0),
                iterations: u32::try_from(r.get::<_, i64>(3)).unwrap_or(0),
                parallelism: u32::try_from(r.get::<_, i64>(4)).unwrap_or(0),
            },
            salt: r.get(5),
        }))
    }

    async fn add_device(&self, account_id: &str, d: NewDevice) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        insert_device(&tx, account_id, &d).await?;
        tx.commit().await.map_err(pg_err)
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
                "SELECT kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, wrapped_account_key FROM accounts WHERE id = $1",
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
        let n = tx
            .execute(
                "UPDATE devices SET revoked = TRUE WHERE id = $1 AND account_id = $2",
                &[&device_id, &account_id],
            )
            .await
            .map_err(pg_err)?;
        if n == 1 {
            tx.execute("DELETE FROM tokens WHERE device_id = $1", &[&device_id])
                .await
                .map_err(pg_err)?;
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(n == 1)
    }

    async fn pull(
        &self,
        account_id: &str,
        cursor: u64,
        limit: u32,
    ) -> StorageResult<(Vec<StoredRecord>, bool)> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT id, kind, blob, deleted, server_seq FROM records
                 WHERE account_id = $1 AND server_seq > $2 ORDER BY server_seq LIMIT $3",
            )
            .await
            .map_err(pg_err)?;
        let rows = c
            .query(
                &stmt,
                &[&account_id, &(cursor as i64), &(i64::from(limit) + 1)],
            )
            .await
            .map_err(pg_err)?;
        let mut records: Vec<StoredRecord> = rows.iter().map(record).collect();
        let more = records.len() > limit as usize;
        records.truncate(limit as usize);
        Ok((records, more))
    }

    async fn push(
        &self,
        account_id: &str,
        device_id: &str,
        mutations: Vec<NewMutation>,
    ) -> StorageResult<Vec<MutationResult>> {
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
                 ON CONFLICT (account_id, id) DO UPDATE SET blob = EXCLUDED.blob, deleted = EXCLUDED.deleted, server_seq = EXCLUDED.server_seq",
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
            let result = match decide(last, m, current.as_ref()) {
                Decision::Duplicate => MutationResult::Duplicate {
                    mutation_seq: m.mutation_seq,
                    server_seq: current.map_or(0, |c| c.server_seq),
                },
                Decision::Write => {
                    next_seq += 1;
                    tx.execute(
                        &upsert,
                        &[&account_id, &m.id, &m.kind, &m.blob, &m.deleted, &next_seq],
                    )
                    .await
                    .map_err(pg_err)?;
                    MutationResult::Applied {
                        mutation_seq: m.mutation_seq,
                        server_seq: u(next_seq),
                    }
                }
                Decision::Identical => MutationResult::Applied {
                    mutation_seq: m.mutation_seq,
                    server_seq: current.map_or(0, |c| c.server_seq),
                },
                Decision::Conflict => conflict(m, current.as_ref()),
            };
            last = last.max(m.mutation_seq);
            results.push(result);
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
        Ok(results)
    }
}
