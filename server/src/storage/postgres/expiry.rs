//! Mailbox expiry on PostgreSQL: a message that outlives the TTL is deleted, and its
//! recipient device and its sender device each get a notice (which message, from or to whom,
//! when) at their next inbox. Copies between one account's own devices expire without notices.

use deadpool_postgres::Transaction;
use solace_protocol::messaging::ExpiredMessage;

use super::{pg_err, u, PostgresStorage};
use crate::storage::{StorageResult, NOTICE_KEEP_SECS};

/// Notices for the messages about to expire; `$1` is the cutoff, `$2` (when filtered) the
/// recipient device.
const NOTE_ALL: &str = "INSERT INTO mailbox_expired
        (device_id, outbound, peer_account, peer_device, client_message_id, sent_at)
    SELECT m.recipient_device, FALSE, m.sender_account, m.sender_device, m.client_message_id, m.received_at
        FROM mailbox m JOIN devices d ON d.id = m.recipient_device
        WHERE m.received_at < $1 AND d.account_id <> m.sender_account
    UNION ALL
    SELECT m.sender_device, TRUE, d.account_id, m.recipient_device, m.client_message_id, m.received_at
        FROM mailbox m JOIN devices d ON d.id = m.recipient_device
            JOIN devices s ON s.id = m.sender_device
        WHERE m.received_at < $1 AND d.account_id <> m.sender_account";
const NOTE_DEVICE: &str = "INSERT INTO mailbox_expired
        (device_id, outbound, peer_account, peer_device, client_message_id, sent_at)
    SELECT m.recipient_device, FALSE, m.sender_account, m.sender_device, m.client_message_id, m.received_at
        FROM mailbox m JOIN devices d ON d.id = m.recipient_device
        WHERE m.recipient_device = $2 AND m.received_at < $1 AND d.account_id <> m.sender_account
    UNION ALL
    SELECT m.sender_device, TRUE, d.account_id, m.recipient_device, m.client_message_id, m.received_at
        FROM mailbox m JOIN devices d ON d.id = m.recipient_device
            JOIN devices s ON s.id = m.sender_device
        WHERE m.recipient_device = $2 AND m.received_at < $1 AND d.account_id <> m.sender_account";

/// Deletes the messages received before `cutoff` (of one recipient device, or of all) inside
/// `tx` and leaves the notices. Returns how many expired.
pub(super) async fn expire(
    tx: &Transaction<'_>,
    cutoff: i64,
    device: Option<&str>,
) -> StorageResult<u64> {
    let deleted = match device {
        Some(device) => {
            let note = tx.prepare_cached(NOTE_DEVICE).await.map_err(pg_err)?;
            tx.execute(&note, &[&cutoff, &device])
                .await
                .map_err(pg_err)?;
            let delete = tx
                .prepare_cached(
                    "DELETE FROM mailbox WHERE recipient_device = $2 AND received_at < $1",
                )
                .await
                .map_err(pg_err)?;
            tx.execute(&delete, &[&cutoff, &device])
                .await
                .map_err(pg_err)?
        }
        None => {
            tx.execute(NOTE_ALL, &[&cutoff]).await.map_err(pg_err)?;
            tx.execute(
                "DELETE FROM mailbox_expired WHERE sent_at < $1",
                &[&cutoff.saturating_sub(NOTICE_KEEP_SECS)],
            )
            .await
            .map_err(pg_err)?;
            tx.execute("DELETE FROM mailbox WHERE received_at < $1", &[&cutoff])
                .await
                .map_err(pg_err)?
        }
    };
    Ok(deleted)
}

impl PostgresStorage {
    /// The device's expiry notices, oldest first (at most `limit`).
    pub(super) async fn notices(
        &self,
        device_id: &str,
        limit: u32,
    ) -> StorageResult<Vec<ExpiredMessage>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, outbound, peer_account, peer_device, client_message_id, sent_at
                 FROM mailbox_expired WHERE device_id = $1 ORDER BY id LIMIT $2",
                &[&device_id, &i64::from(limit)],
            )
            .await
            .map_err(pg_err)?;
        Ok(rows
            .iter()
            .map(|r| ExpiredMessage {
                id: u(r.get(0)),
                outbound: r.get(1),
                peer_account: r.get(2),
                peer_device: r.get(3),
                client_message_id: r.get(4),
                sent_at: r.get(5),
            })
            .collect())
    }

    /// Deletes the device's notices with these ids (others' ids are ignored).
    pub(super) async fn drop_notices(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64> {
        let ids: Vec<i64> = ids
            .iter()
            .filter_map(|&id| i64::try_from(id).ok())
            .collect();
        self.client()
            .await?
            .execute(
                "DELETE FROM mailbox_expired WHERE device_id = $1 AND id = ANY($2)",
                &[&device_id, &ids],
            )
            .await
            .map_err(pg_err)
    }
}
