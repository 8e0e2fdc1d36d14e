//! Postgres backend: the login backoff every node shares and the live-update check.

use super::*;

#[async_trait::async_trait]
impl ClusterStore for PostgresStorage {
    async fn login_blocked_until(&self, key: &str) -> StorageResult<Option<i64>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT blocked_until FROM login_backoff WHERE key = $1",
                &[&key],
            )
            .await
            .map_err(pg_err)?;
        Ok(row.and_then(|r| r.get::<_, Option<i64>>(0)))
    }

    async fn login_failed(&self, key: &str, now: i64) -> StorageResult<u32> {
        let c = self.client().await?;
        c.execute(
            "DELETE FROM login_backoff WHERE updated_at < $1",
            &[&(now - 86_400_000)],
        )
        .await
        .map_err(pg_err)?;
        // One statement: concurrent failures on different nodes each count.
        let failures: i32 = c
            .query_one(
                "INSERT INTO login_backoff (key, failures, updated_at) VALUES ($1, 1, $2)
                 ON CONFLICT (key) DO UPDATE
                 SET failures = login_backoff.failures + 1, updated_at = $2
                 RETURNING failures",
                &[&key, &now],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        Ok(u32::try_from(failures).unwrap_or(0))
    }

    async fn block_login(&self, key: &str, until: i64) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "UPDATE login_backoff SET blocked_until = GREATEST(COALESCE(blocked_until, 0), $2)
                 WHERE key = $1",
                &[&key, &until],
            )
            .await
            .map_err(pg_err)?;
        Ok(())
    }

    async fn login_succeeded(&self, key: &str) -> StorageResult<()> {
        self.client()
            .await?
            .execute("DELETE FROM login_backoff WHERE key = $1", &[&key])
            .await
            .map_err(pg_err)?;
        Ok(())
    }

    async fn changes_for(
        &self,
        account_id: &str,
        device_id: &str,
        cursor: u64,
    ) -> StorageResult<solace_protocol::live::Changes> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT
                   EXISTS (SELECT 1 FROM records WHERE account_id = $1 AND server_seq > $3),
                   EXISTS (SELECT 1 FROM mailbox WHERE recipient_device = $2)
                   OR EXISTS (SELECT 1 FROM mailbox_expired WHERE device_id = $2)",
                &[
                    &account_id,
                    &device_id,
                    &(cursor.min(i64::MAX as u64) as i64),
                ],
            )
            .await
            .map_err(pg_err)?;
        Ok(solace_protocol::live::Changes {
            records: row.get(0),
            messages: row.get(1),
        })
    }
}
