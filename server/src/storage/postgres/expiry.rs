//! Mailbox expiry on PostgreSQL: a message that outlives the TTL is deleted, and its
//! recipient device and its sender device each get a notice (which message, from or to whom,
//! when) at their next inbox. Copies between one account's own devices expire without notices.

use deadpool_postgres::Transaction;
use solace_protocol::messaging::ExpiredMessage;

use super::{pg_err, u, PostgresStorage};
use crate::storage::{StorageResult, NOTICE_KEEP_SECS};

/// Deletes the messages received before `$1` (and matching `$filter`) and leaves the notices
/// for exactly the rows this statement deleted: a message that a concurrent purge (another
/// node) deleted first is not returned here, so each notice is written once. Answers the
/// number of messages deleted.
macro_rules! expire_sql {
    ($filter:literal) => {
        concat!(
            "WITH gone AS (
                DELETE FROM mailbox WHERE received_at < $1",
            $filter,
            "
                RETURNING recipient_device, sender_account, sender_device, client_message_id, received_at
            ), noted AS (
                INSERT INTO mailbox_expired
                    (device_id, outbound, peer_account, peer_device, client_message_id, sent_at)
                SELECT g.recipient_device, FALSE, g.sender_account, g.sender_device, g.client_message_id, g.received_at
                    FROM gone g JOIN devices d ON d.id = g.recipient_device
                    WHERE d.account_id <> g.sender_account
                UNION ALL
                SELECT g.sender_device, TRUE, d.account_id, g.recipient_device, g.client_message_id, g.received_at
                    FROM gone g JOIN devices d ON d.id = g.recipient_device
                        JOIN devices s ON s.id = g.sender_device
                    WHERE d.account_id <> g.sender_account
            )
            SELECT count(*) FROM gone"
        )
    };
}

/// `expire_sql!` for one recipient device (`$2`).
const EXPIRE_DEVICE: &str = expire_sql!(" AND recipient_device = $2");
/// `expire_sql!` for every mailbox.
const EXPIRE_ALL: &str = expire_sql!("");

/// Deletes the messages received before `cutoff` (of one recipient device, or of all) inside
/// `tx` and leaves the notices. Returns how many expired.
pub(super) async fn expire(
    tx: &Transaction<'_>,
    cutoff: i64,
    device: Option<&str>,
) -> StorageResult<u64> {
    let deleted: i64 = match device {
        Some(device) => {
            let stmt = tx.prepare_cached(EXPIRE_DEVICE).await.map_err(pg_err)?;
            tx.query_one(&stmt, &[&cutoff, &device])
                .await
                .map_err(pg_err)?
                .get(0)
        }
        None => {
            tx.execute(
                "DELETE FROM mailbox_expired WHERE sent_at < $1",
                &[&cutoff.saturating_sub(NOTICE_KEEP_SECS)],
            )
            .await
            .map_err(pg_err)?;
            tx.query_one(EXPIRE_ALL, &[&cutoff])
                .await
                .map_err(pg_err)?
                .get(0)
        }
    };
    Ok(u(deleted))
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
