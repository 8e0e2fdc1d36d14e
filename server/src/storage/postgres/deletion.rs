//! PostgreSQL backend: account deletion ([`DeletionStore`]), every row of the account in one
//! transaction.
//!
//! The account row is locked first (`FOR UPDATE`), then the device rows: a push (which locks
//! the account row), a deposit, a key upload or a token (which lock device rows) and the
//! writes that check the account with `FOR SHARE` either finish before the deletion reads
//! their rows, or wait and then find the account gone — nothing is left behind.

use solace_protocol::messaging::DELETED_ACCOUNT;

use super::{pg_err, PostgresStorage};
use crate::storage::{DeletionStore, StorageResult};

/// Per-device rows of the account's devices (revoked ones included), deleted before the
/// device rows themselves; `$1` is the account id.
const DEVICE_ROWS: &[&str] = &[
    "DELETE FROM tokens WHERE device_id IN (SELECT id FROM devices WHERE account_id = $1)",
    "DELETE FROM one_time_keys WHERE device_id IN (SELECT id FROM devices WHERE account_id = $1)",
    "DELETE FROM fallback_keys WHERE device_id IN (SELECT id FROM devices WHERE account_id = $1)",
    "DELETE FROM device_identities WHERE device_id IN (SELECT id FROM devices WHERE account_id = $1)",
    "DELETE FROM mailbox WHERE recipient_device IN (SELECT id FROM devices WHERE account_id = $1)",
    "DELETE FROM mailbox_expired WHERE device_id IN (SELECT id FROM devices WHERE account_id = $1)",
];

/// The account's own rows; `$1` is the account id. Review issuance rows of the account's
/// links go before the links are anonymised; a therapist's reviews and opt-in go with them
/// (a client's reviews name no account, so nothing of theirs can be found or deleted).
const ACCOUNT_ROWS: &[&str] = &[
    "DELETE FROM review_issuance WHERE link_id IN
     (SELECT id FROM links WHERE client_id = $1 OR therapist_id = $1)",
    "DELETE FROM reviews WHERE therapist_id = $1",
    "DELETE FROM review_optin WHERE account_id = $1",
    "DELETE FROM devices WHERE account_id = $1",
    "DELETE FROM records WHERE account_id = $1",
    "DELETE FROM items_keys WHERE account_id = $1",
    "DELETE FROM profiles WHERE account_id = $1",
    "DELETE FROM device_lists WHERE account_id = $1",
];

/// Links with the account: ended, the deleted side anonymised; `$1` is the account id, `$2`
/// the stand-in id.
const LINKS: &[&str] = &[
    "UPDATE links SET state = 'ended', client_id = $2, client_name = '' WHERE client_id = $1",
    "UPDATE links SET state = 'ended', therapist_id = $2, therapist_name = ''
     WHERE therapist_id = $1",
];

#[async_trait::async_trait]
impl DeletionStore for PostgresStorage {
    async fn delete_account(&self, account_id: &str) -> StorageResult<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let exists = tx
            .query_opt(
                "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?
            .is_some();
        if !exists {
            return Ok(false);
        }
        tx.query(
            "SELECT id FROM devices WHERE account_id = $1 ORDER BY id FOR UPDATE",
            &[&account_id],
        )
        .await
        .map_err(pg_err)?;
        for sql in DEVICE_ROWS.iter().chain(ACCOUNT_ROWS) {
            tx.execute(*sql, &[&account_id]).await.map_err(pg_err)?;
        }
        for sql in LINKS {
            tx.execute(*sql, &[&account_id, &DELETED_ACCOUNT])
                .await
                .map_err(pg_err)?;
        }
        tx.execute("DELETE FROM accounts WHERE id = $1", &[&account_id])
            .await
            .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok(true)
    }
}
