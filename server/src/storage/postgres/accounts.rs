//! PostgreSQL backend: accounts, devices, tokens, credentials, proofs and revocation (the
//! statements and the `AccountStore` implementation).

use super::*;
use deadpool_postgres::Transaction;
use solace_protocol::WireKdf;

use super::super::{AccountLogin, NewCredentials, StorageResult};
use super::pg_err;

const LOGIN_COLUMNS: &str =
    "id, auth_hash, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, proof_verifier";

fn login_row(r: &tokio_postgres::Row) -> AccountLogin {
    AccountLogin {
        account_id: r.get(0),
        auth_hash: r.get(1),
        kdf: WireKdf {
            memory_kib: u32::try_from(r.get::<_, i64>(2)).unwrap_or(0),
            iterations: u32::try_from(r.get::<_, i64>(3)).unwrap_or(0),
            parallelism: u32::try_from(r.get::<_, i64>(4)).unwrap_or(0),
        },
        salt: r.get(5),
        proof_verifier: r.get(6),
    }
}

/// Login data where `column` (`username` or `id`) equals `value`.
pub(super) async fn login_by(
    c: &tokio_postgres::Client,
    column: &'static str,
    value: &str,
) -> StorageResult<Option<AccountLogin>> {
    let row = c
        .query_opt(
            &format!("SELECT {LOGIN_COLUMNS} FROM accounts WHERE {column} = $1"),
            &[&value],
        )
        .await
        .map_err(pg_err)?;
    Ok(row.as_ref().map(login_row))
}

/// Adds a token to a live device of the account (locking the device row); drops its expired
/// tokens.
pub(super) async fn add_token(
    tx: &Transaction<'_>,
    account_id: &str,
    device_id: &str,
    token_hash: &str,
    expires_at: i64,
    now: i64,
) -> StorageResult<bool> {
    let live = tx
        .query_opt(
            "SELECT 1 FROM devices WHERE id = $1 AND account_id = $2 AND NOT revoked FOR UPDATE",
            &[&device_id, &account_id],
        )
        .await
        .map_err(pg_err)?
        .is_some();
    if live {
        tx.execute(
            "DELETE FROM tokens WHERE device_id = $1 AND expires_at <= $2",
            &[&device_id, &now],
        )
        .await
        .map_err(pg_err)?;
        tx.execute(
            "INSERT INTO tokens (hash, device_id, expires_at) VALUES ($1, $2, $3)",
            &[&token_hash, &device_id, &expires_at],
        )
        .await
        .map_err(pg_err)?;
    }
    Ok(live)
}

/// Marks one device revoked and deletes its tokens, mailbox and Olm keys; false if it is not
/// a device of this account.
pub(super) async fn revoke_in(
    tx: &Transaction<'_>,
    account_id: &str,
    device_id: &str,
) -> StorageResult<bool> {
    let n = tx
        .execute(
            "UPDATE devices SET revoked = TRUE WHERE id = $1 AND account_id = $2",
            &[&device_id, &account_id],
        )
        .await
        .map_err(pg_err)?;
    if n == 1 {
        for sql in [
            "DELETE FROM tokens WHERE device_id = $1",
            "DELETE FROM mailbox WHERE recipient_device = $1",
            "DELETE FROM one_time_keys WHERE device_id = $1",
            "DELETE FROM fallback_keys WHERE device_id = $1",
            "DELETE FROM device_identities WHERE device_id = $1",
        ] {
            tx.execute(sql, &[&device_id]).await.map_err(pg_err)?;
        }
    }
    Ok(n == 1)
}

/// Revokes every live device of the account but `keep`; returns how many.
pub(super) async fn revoke_others_in(
    tx: &Transaction<'_>,
    account_id: &str,
    keep: &str,
) -> StorageResult<u64> {
    let others = tx
        .query(
            "SELECT id FROM devices WHERE account_id = $1 AND id <> $2 AND NOT revoked FOR UPDATE",
            &[&account_id, &keep],
        )
        .await
        .map_err(pg_err)?;
    for row in &others {
        let id: String = row.get(0);
        revoke_in(tx, account_id, &id).await?;
    }
    Ok(others.len() as u64)
}

/// New credentials, and optionally every other device signed out, in the caller's
/// transaction.
pub(super) async fn update_credentials(
    tx: &Transaction<'_>,
    account_id: &str,
    u: &NewCredentials,
    sign_out_except: Option<&str>,
) -> StorageResult<()> {
    tx.execute(
        "UPDATE accounts SET auth_hash = $2, kdf_memory_kib = $3, kdf_iterations = $4, kdf_parallelism = $5, salt = $6, wrapped_account_key = $7 WHERE id = $1",
        &[&account_id, &u.auth_hash, &i64::from(u.kdf.memory_kib), &i64::from(u.kdf.iterations), &i64::from(u.kdf.parallelism), &u.salt, &u.wrapped_account_key],
    )
    .await
    .map_err(pg_err)?;
    if let Some(keep) = sign_out_except {
        revoke_others_in(tx, account_id, keep).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl AccountStore for PostgresStorage {
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
        lock_accounts(&tx, &[account_id]).await?;
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
}
