//! SQLite backend: accounts, devices, tokens, credentials, proofs and revocation (the
//! statements and the `AccountStore` implementation).

use super::*;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use solace_protocol::WireKdf;

use super::super::{AccountLogin, NewCredentials};

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
            "DELETE FROM fallback_keys WHERE device_id = ?1",
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

#[async_trait::async_trait]
impl AccountStore for SqliteStorage {
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
            if !account_exists(&tx, &account_id)? {
                return Ok(Err(StorageError::Gone));
            }
            for (key_id, wrapped) in &keys {
                tx.execute("INSERT OR IGNORE INTO items_keys (account_id, key_id, wrapped) VALUES (?1, ?2, ?3)", params![account_id, key_id, wrapped])?;
            }
            tx.commit().map(Ok)
        })
        .await?
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
}
