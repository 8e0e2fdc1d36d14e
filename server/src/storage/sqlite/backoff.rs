//! Sqlite backend: the shared login backoff and the live-update check.

use super::*;

#[async_trait::async_trait]
impl ClusterStore for SqliteStorage {
    async fn login_blocked_until(&self, key: &str) -> StorageResult<Option<i64>> {
        let key = key.to_owned();
        self.with(move |c| {
            Ok(
                c.prepare_cached("SELECT blocked_until FROM login_backoff WHERE key = ?1")?
                    .query_row([key], |r| r.get::<_, Option<i64>>(0))
                    .optional()?
                    .flatten(),
            )
        })
        .await
    }

    async fn login_failed(&self, key: &str, now: i64) -> StorageResult<u32> {
        let key = key.to_owned();
        self.with(move |c| {
            c.prepare_cached("DELETE FROM login_backoff WHERE updated_at < ?1")?
                .execute([now - 86_400_000])?;
            let failures: i64 = c
                .prepare_cached(
                    "INSERT INTO login_backoff (key, failures, updated_at) VALUES (?1, 1, ?2)
                     ON CONFLICT (key) DO UPDATE SET failures = failures + 1, updated_at = ?2
                     RETURNING failures",
                )?
                .query_row(params![key, now], |r| r.get(0))?;
            Ok(u32::try_from(failures).unwrap_or(u32::MAX))
        })
        .await
    }

    async fn block_login(&self, key: &str, until: i64) -> StorageResult<()> {
        let key = key.to_owned();
        self.with(move |c| {
            c.prepare_cached("UPDATE login_backoff SET blocked_until = ?2 WHERE key = ?1")?
                .execute(params![key, until])?;
            Ok(())
        })
        .await
    }

    async fn login_succeeded(&self, key: &str) -> StorageResult<()> {
        let key = key.to_owned();
        self.with(move |c| {
            c.prepare_cached("DELETE FROM login_backoff WHERE key = ?1")?
                .execute([key])?;
            Ok(())
        })
        .await
    }

    async fn changes_for(
        &self,
        account_id: &str,
        device_id: &str,
        cursor: u64,
    ) -> StorageResult<solace_protocol::live::Changes> {
        let (account_id, device_id) = (account_id.to_owned(), device_id.to_owned());
        self.with(move |c| {
            let (records, messages): (bool, bool) = c
                .prepare_cached(
                    "SELECT
                       EXISTS (SELECT 1 FROM records WHERE account_id = ?1 AND server_seq > ?3),
                       EXISTS (SELECT 1 FROM mailbox WHERE recipient_device = ?2)
                       OR EXISTS (SELECT 1 FROM mailbox_expired WHERE device_id = ?2)",
                )?
                .query_row(params![account_id, device_id, cursor as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok(solace_protocol::live::Changes { records, messages })
        })
        .await
    }
}
