//! SQLite backend: account deletion ([`DeletionStore`]), every row of the account in one
//! `IMMEDIATE` transaction.

use rusqlite::{params, Connection, TransactionBehavior};
use solace_protocol::messaging::DELETED_ACCOUNT;

use super::SqliteStorage;
use crate::storage::{DeletionStore, StorageResult};

/// Per-device rows of the account's devices (revoked ones included), deleted before the
/// device rows themselves; `?1` is the account id.
const DEVICE_ROWS: &[&str] = &[
    "DELETE FROM tokens WHERE device_id IN (SELECT id FROM devices WHERE account_id = ?1)",
    "DELETE FROM one_time_keys WHERE device_id IN (SELECT id FROM devices WHERE account_id = ?1)",
    "DELETE FROM fallback_keys WHERE device_id IN (SELECT id FROM devices WHERE account_id = ?1)",
    "DELETE FROM device_identities WHERE device_id IN (SELECT id FROM devices WHERE account_id = ?1)",
    "DELETE FROM mailbox WHERE recipient_device IN (SELECT id FROM devices WHERE account_id = ?1)",
    "DELETE FROM mailbox_expired WHERE device_id IN (SELECT id FROM devices WHERE account_id = ?1)",
];

/// The account's own rows; `?1` is the account id. Review issuance rows of the account's
/// links go before the links are anonymised; a therapist's reviews and opt-in go with them
/// (a client's reviews name no account, so nothing of theirs can be found or deleted).
const ACCOUNT_ROWS: &[&str] = &[
    "DELETE FROM review_issuance WHERE link_id IN
     (SELECT id FROM links WHERE client_id = ?1 OR therapist_id = ?1)",
    "DELETE FROM reviews WHERE therapist_id = ?1",
    "DELETE FROM review_optin WHERE account_id = ?1",
    "DELETE FROM devices WHERE account_id = ?1",
    "DELETE FROM records WHERE account_id = ?1",
    "DELETE FROM items_keys WHERE account_id = ?1",
    "DELETE FROM profiles WHERE account_id = ?1",
    "DELETE FROM device_lists WHERE account_id = ?1",
];

/// Links with the account: ended, the deleted side anonymised; `?1` is the account id, `?2`
/// the stand-in id.
const LINKS: &[&str] = &[
    "UPDATE links SET state = 'ended', client_id = ?2, client_name = '' WHERE client_id = ?1",
    "UPDATE links SET state = 'ended', therapist_id = ?2, therapist_name = ''
     WHERE therapist_id = ?1",
];

/// Deletes the account in one transaction; false when it does not exist.
fn delete(c: &mut Connection, account_id: &str) -> rusqlite::Result<bool> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ?1)",
        [account_id],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(false);
    }
    for sql in DEVICE_ROWS.iter().chain(ACCOUNT_ROWS) {
        tx.execute(sql, [account_id])?;
    }
    for sql in LINKS {
        tx.execute(sql, params![account_id, DELETED_ACCOUNT])?;
    }
    tx.execute("DELETE FROM accounts WHERE id = ?1", [account_id])?;
    tx.commit()?;
    Ok(true)
}

#[async_trait::async_trait]
impl DeletionStore for SqliteStorage {
    async fn delete_account(&self, account_id: &str) -> StorageResult<bool> {
        let account_id = account_id.to_owned();
        self.with(move |c| delete(c, &account_id)).await
    }
}
