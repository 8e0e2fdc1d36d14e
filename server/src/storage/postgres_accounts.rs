//! PostgreSQL account and device statements (credentials, proofs, tokens, revocation), kept
//! out of `postgres.rs` so each file stays small.

use deadpool_postgres::Transaction;
use solace_protocol::WireKdf;

use super::postgres::pg_err;
use super::{AccountLogin, NewCredentials, StorageResult};

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
