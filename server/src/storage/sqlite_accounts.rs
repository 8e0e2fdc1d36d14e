//! SQLite account and device statements (credentials, proofs, tokens, revocation), kept out of
//! `sqlite.rs` so each file stays small. Each function runs on the one connection, inside the
//! transaction it opens itself.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use solace_protocol::WireKdf;

use super::{AccountLogin, NewCredentials};

const LOGIN_COLUMNS: &str =
    "id, auth_hash, kdf_memory_kib, kdf_iterations, kdf_parallelism, salt, proof_verifier";

fn login_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountLogin> {
    Ok(AccountLogin {
        account_id: r.get(0)?,
        auth_hash: r.get(1)?,
        kdf: WireKdf {
            memory_kib: r.get(2)?,
            iterations: r.get(3)?,
            parallelism: r.get(4)?,
        },
        salt: r.get(5)?,
        proof_verifier: r.get(6)?,
    })
}

/// Login data by username.
pub(super) fn by_username(
    c: &Connection,
    username: &str,
) -> rusqlite::Result<Option<AccountLogin>> {
    c.query_row(
        &format!("SELECT {LOGIN_COLUMNS} FROM accounts WHERE username = ?1"),
        [username],
        login_row,
    )
    .optional()
}

/// Login data by account id.
pub(super) fn by_id(c: &Connection, account_id: &str) -> rusqlite::Result<Option<AccountLogin>> {
    c.query_row(
        &format!("SELECT {LOGIN_COLUMNS} FROM accounts WHERE id = ?1"),
        [account_id],
        login_row,
    )
    .optional()
}

/// Stores the verifier only where none is stored.
pub(super) fn set_verifier(
    c: &Connection,
    account_id: &str,
    verifier: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE accounts SET proof_verifier = ?2 WHERE id = ?1 AND proof_verifier IS NULL",
        params![account_id, verifier],
    )
    .map(|_| ())
}

/// Adds a token to a live device of the account; drops its expired tokens.
pub(super) fn add_token(
    c: &mut Connection,
    account_id: &str,
    device_id: &str,
    token_hash: &str,
    expires_at: i64,
    now: i64,
) -> rusqlite::Result<bool> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let live: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND account_id = ?2 AND revoked = 0)",
        params![device_id, account_id],
        |r| r.get(0),
    )?;
    if live {
        tx.execute(
            "DELETE FROM tokens WHERE device_id = ?1 AND expires_at <= ?2",
            params![device_id, now],
        )?;
        tx.execute(
            "INSERT INTO tokens (hash, device_id, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash, device_id, expires_at],
        )?;
    }
    tx.commit()?;
    Ok(live)
}

/// Marks one device revoked and deletes its tokens, mailbox and Olm keys; false if it is not
/// a device of this account.
fn revoke_in(tx: &Connection, account_id: &str, device_id: &str) -> rusqlite::Result<bool> {
    let n = tx.execute(
        "UPDATE devices SET revoked = 1 WHERE id = ?1 AND account_id = ?2",
        params![device_id, account_id],
    )?;
    if n == 1 {
        for sql in [
            "DELETE FROM tokens WHERE device_id = ?1",
            "DELETE FROM mailbox WHERE recipient_device = ?1",
            "DELETE FROM one_time_keys WHERE device_id = ?1",
            "DELETE FROM device_identities WHERE device_id = ?1",
        ] {
            tx.execute(sql, [device_id])?;
        }
    }
    Ok(n == 1)
}

/// Revokes every live device of the account but `keep`; returns how many.
fn revoke_others_in(tx: &Connection, account_id: &str, keep: &str) -> rusqlite::Result<u64> {
    let others: Vec<String> = tx
        .prepare("SELECT id FROM devices WHERE account_id = ?1 AND id <> ?2 AND revoked = 0")?
        .query_map(params![account_id, keep], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &others {
        revoke_in(tx, account_id, id)?;
    }
    Ok(others.len() as u64)
}

/// One device, in its own transaction.
pub(super) fn revoke(
    c: &mut Connection,
    account_id: &str,
    device_id: &str,
) -> rusqlite::Result<bool> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let done = revoke_in(&tx, account_id, device_id)?;
    tx.commit()?;
    Ok(done)
}

/// Every other device, in one transaction.
pub(super) fn revoke_others(
    c: &mut Connection,
    account_id: &str,
    keep: &str,
) -> rusqlite::Result<u64> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = revoke_others_in(&tx, account_id, keep)?;
    tx.commit()?;
    Ok(n)
}

/// New credentials, and optionally every other device signed out, in one transaction.
pub(super) fn update_credentials(
    c: &mut Connection,
    account_id: &str,
    u: &NewCredentials,
    sign_out_except: Option<&str>,
) -> rusqlite::Result<()> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE accounts SET auth_hash = ?2, kdf_memory_kib = ?3, kdf_iterations = ?4, kdf_parallelism = ?5, salt = ?6, wrapped_account_key = ?7 WHERE id = ?1",
        params![account_id, u.auth_hash, u.kdf.memory_kib, u.kdf.iterations, u.kdf.parallelism, u.salt, u.wrapped_account_key],
    )?;
    if let Some(keep) = sign_out_except {
        revoke_others_in(&tx, account_id, keep)?;
    }
    tx.commit()
}
