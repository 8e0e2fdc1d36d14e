//! PostgreSQL backend: review keys, opt-ins, issuance, spent tokens and reviews
//! ([`ReviewStore`]). Every node agrees on one key per period (`ON CONFLICT DO NOTHING`, then
//! read back) and batches are published under a transaction-scoped advisory lock.

use std::collections::HashMap;

use solace_protocol::reviews::ReviewSummary;

use super::{pg_err, PostgresStorage};
use crate::storage::reviews::summaries;
use crate::storage::{NewReview, ReviewStore, StorageResult, StoredReview, StoredReviewKey};

/// Advisory lock key serializing batch publication across nodes.
const BATCH_LOCK: i64 = 0x5245_5649_4557; // "REVIEW"

fn key_row(r: &tokio_postgres::Row) -> StoredReviewKey {
    StoredReviewKey {
        period: u32::try_from(r.get::<_, i64>(0)).unwrap_or(0),
        secret_der: r.get(1),
        public_spki: r.get(2),
    }
}

#[async_trait::async_trait]
impl ReviewStore for PostgresStorage {
    async fn review_key(&self, period: u32) -> StorageResult<Option<StoredReviewKey>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT period, secret_der, public_spki FROM review_keys WHERE period = $1",
                &[&i64::from(period)],
            )
            .await
            .map_err(pg_err)?;
        Ok(row.as_ref().map(key_row))
    }

    async fn add_review_key(&self, key: &StoredReviewKey) -> StorageResult<StoredReviewKey> {
        let c = self.client().await?;
        let period = i64::from(key.period);
        c.execute(
            "INSERT INTO review_keys (period, secret_der, public_spki) VALUES ($1, $2, $3)
             ON CONFLICT (period) DO NOTHING",
            &[&period, &key.secret_der, &key.public_spki],
        )
        .await
        .map_err(pg_err)?;
        let row = c
            .query_one(
                "SELECT period, secret_der, public_spki FROM review_keys WHERE period = $1",
                &[&period],
            )
            .await
            .map_err(pg_err)?;
        Ok(key_row(&row))
    }

    async fn review_public_keys(
        &self,
        first: u32,
        last: u32,
    ) -> StorageResult<Vec<(u32, Vec<u8>)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT period, public_spki FROM review_keys WHERE period BETWEEN $1 AND $2
                 ORDER BY period",
                &[&i64::from(first), &i64::from(last)],
            )
            .await
            .map_err(pg_err)?;
        Ok(rows
            .iter()
            .map(|r| (u32::try_from(r.get::<_, i64>(0)).unwrap_or(0), r.get(1)))
            .collect())
    }

    async fn set_reviews_enabled(&self, account_id: &str, enabled: bool) -> StorageResult<()> {
        let c = self.client().await?;
        let sql = if enabled {
            "INSERT INTO review_optin (account_id)
             SELECT id FROM (SELECT id FROM accounts WHERE id = $1 FOR KEY SHARE) a
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM review_optin WHERE account_id = $1"
        };
        c.execute(sql, &[&account_id]).await.map_err(pg_err)?;
        Ok(())
    }

    async fn reviews_enabled(&self, account_id: &str) -> StorageResult<bool> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM review_optin WHERE account_id = $1)",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        Ok(row.get(0))
    }

    async fn record_issuance(&self, link_id: &str, period: u32) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO review_issuance (link_id, period) VALUES ($1, $2)",
                &[&link_id, &i64::from(period)],
            )
            .await
            .map_err(pg_err)?;
        Ok(())
    }

    async fn add_review(&self, review: NewReview) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        tx.execute(
            "INSERT INTO review_tokens_spent (token_hash) VALUES ($1)",
            &[&review.token_hash],
        )
        .await
        .map_err(pg_err)?;
        tx.execute(
            "INSERT INTO reviews (id, therapist_id, rating, text, received_day)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &review.review_id,
                &review.therapist_id,
                &i16::from(review.rating),
                &review.text,
                &review.received_day,
            ],
        )
        .await
        .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)
    }

    async fn publish_reviews(&self, min: u32, overdue_day: &str) -> StorageResult<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&BATCH_LOCK])
            .await
            .map_err(pg_err)?;
        let row = tx
            .query_one(
                "SELECT count(*), min(received_day) FROM reviews WHERE published_batch IS NULL",
                &[],
            )
            .await
            .map_err(pg_err)?;
        let pending: i64 = row.get(0);
        let oldest: Option<String> = row.get(1);
        let overdue = oldest.is_some_and(|day| day.as_str() <= overdue_day);
        if pending == 0 || (pending < i64::from(min) && !overdue) {
            return Ok(0);
        }
        let published = tx
            .execute(
                "UPDATE reviews SET published_batch =
                     (SELECT coalesce(max(published_batch), 0) + 1 FROM reviews)
                 WHERE published_batch IS NULL",
                &[],
            )
            .await
            .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok(published)
    }

    async fn published_reviews(&self, therapist_id: &str) -> StorageResult<Vec<StoredReview>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, rating, text, received_day, reply FROM reviews
                 WHERE therapist_id = $1 AND published_batch IS NOT NULL
                 ORDER BY published_batch DESC, id",
                &[&therapist_id],
            )
            .await
            .map_err(pg_err)?;
        Ok(rows
            .iter()
            .map(|r| StoredReview {
                review_id: r.get(0),
                rating: u8::try_from(r.get::<_, i16>(1)).unwrap_or(0),
                text: r.get(2),
                received_day: r.get(3),
                reply: r.get(4),
            })
            .collect())
    }

    async fn review_summaries(&self) -> StorageResult<HashMap<String, ReviewSummary>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT o.account_id, count(r.id), coalesce(sum(r.rating), 0)::BIGINT
                 FROM review_optin o LEFT JOIN reviews r
                   ON r.therapist_id = o.account_id AND r.published_batch IS NOT NULL
                 GROUP BY o.account_id",
                &[],
            )
            .await
            .map_err(pg_err)?;
        Ok(summaries(
            rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))),
        ))
    }

    async fn reply_to_review(
        &self,
        therapist_id: &str,
        review_id: &str,
        reply: Option<String>,
    ) -> StorageResult<bool> {
        let changed = self
            .client()
            .await?
            .execute(
                "UPDATE reviews SET reply = $3
                 WHERE id = $1 AND therapist_id = $2 AND published_batch IS NOT NULL",
                &[&review_id, &therapist_id, &reply],
            )
            .await
            .map_err(pg_err)?;
        Ok(changed == 1)
    }
}
