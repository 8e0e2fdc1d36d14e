//! Mailbox expiry on SQLite: a message that outlives the TTL is deleted, and its recipient
//! device and its sender device each get a notice (which message, from or to whom, when) at
//! their next inbox. Copies between one account's own devices expire without notices, and a
//! sender device that no longer exists (its account was deleted) gets none.

use rusqlite::{params, Connection};
use solace_protocol::messaging::ExpiredMessage;

use super::SqliteStorage;
use crate::storage::{StorageResult, NOTICE_KEEP_SECS};

/// Notices for the messages about to expire; `?1` is the cutoff, `?2` (when filtered) the
/// recipient device.
const NOTE_ALL: &str = "INSERT INTO mailbox_expired
        (device_id, outbound, peer_account, peer_device, client_message_id, sent_at)
    SELECT m.recipient_device, 0, m.sender_account, m.sender_device, m.client_message_id, m.received_at
        FROM mailbox m JOIN devices d ON d.id = m.recipient_device
        WHERE m.received_at < ?1 AND d.account_id <> m.sender_account
    UNION ALL
    SELECT m.sender_device, 1, d.account_id, m.recipient_device, m.client_message_id, m.received_at
        FROM mailbox m JOIN devices d ON d.id = m.recipient_device
            JOIN devices s ON s.id = m.sender_device
        WHERE m.received_at < ?1 AND d.account_id <> m.sender_account";
const NOTE_DEVICE: &str = "INSERT INTO mailbox_expired
        (device_id, outbound, peer_account, peer_device, client_message_id, sent_at)
    SELECT m.recipient_device, 0, m.sender_account, m.sender_device, m.client_message_id, m.received_at
        FROM mailbox m JOIN devices d ON d.id = m.recipient_device
        WHERE m.recipient_device = ?2 AND m.received_at < ?1 AND d.account_id <> m.sender_account
    UNION ALL
    SELECT m.sender_device, 1, d.account_id, m.recipient_device, m.client_message_id, m.received_at
        FROM mailbox m JOIN devices d ON d.id = m.recipient_device
            JOIN devices s ON s.id = m.sender_device
        WHERE m.recipient_device = ?2 AND m.received_at < ?1 AND d.account_id <> m.sender_account";

/// Deletes the messages received before `cutoff` (of one recipient device, or of all) and
/// leaves the notices; call inside a transaction. Returns how many expired.
pub(super) fn expire(c: &Connection, cutoff: i64, device: Option<&str>) -> rusqlite::Result<u64> {
    let deleted = match device {
        Some(device) => {
            c.prepare_cached(NOTE_DEVICE)?
                .execute(params![cutoff, device])?;
            c.prepare_cached(
                "DELETE FROM mailbox WHERE recipient_device = ?2 AND received_at < ?1",
            )?
            .execute(params![cutoff, device])?
        }
        None => {
            c.prepare_cached(NOTE_ALL)?.execute([cutoff])?;
            c.prepare_cached("DELETE FROM mailbox_expired WHERE sent_at < ?1")?
                .execute([cutoff.saturating_sub(NOTICE_KEEP_SECS)])?;
            c.prepare_cached("DELETE FROM mailbox WHERE received_at < ?1")?
                .execute([cutoff])?
        }
    };
    Ok(deleted as u64)
}

impl SqliteStorage {
    /// The device's expiry notices, oldest first (at most `limit`).
    pub(super) async fn notices(
        &self,
        device_id: &str,
        limit: u32,
    ) -> StorageResult<Vec<ExpiredMessage>> {
        let device_id = device_id.to_owned();
        self.with(move |c| {
            c.prepare_cached(
                "SELECT id, outbound, peer_account, peer_device, client_message_id, sent_at
                 FROM mailbox_expired WHERE device_id = ?1 ORDER BY id LIMIT ?2",
            )?
            .query_map(params![device_id, limit], |r| {
                Ok(ExpiredMessage {
                    id: r.get::<_, i64>(0)?.max(0) as u64,
                    outbound: r.get::<_, i64>(1)? != 0,
                    peer_account: r.get(2)?,
                    peer_device: r.get(3)?,
                    client_message_id: r.get(4)?,
                    sent_at: r.get(5)?,
                })
            })?
            .collect()
        })
        .await
    }

    /// Deletes the device's notices with these ids (others' ids are ignored).
    pub(super) async fn drop_notices(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64> {
        let device_id = device_id.to_owned();
        let ids: Vec<i64> = ids
            .iter()
            .filter_map(|&id| i64::try_from(id).ok())
            .collect();
        self.with(move |c| {
            let tx = c.transaction()?;
            let mut deleted = 0u64;
            for id in &ids {
                deleted += tx
                    .prepare_cached("DELETE FROM mailbox_expired WHERE id = ?1 AND device_id = ?2")?
                    .execute(params![id, device_id])? as u64;
            }
            tx.commit()?;
            Ok(deleted)
        })
        .await
    }
}
