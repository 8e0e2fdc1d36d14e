//! SQLite backend: review keys, opt-ins, issuance, spent tokens and reviews ([`ReviewStore`]).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use solace_protocol::reviews::ReviewSummary;

use super::SqliteStorage;
use crate::storage::reviews::summaries;
use crate::storage::{NewReview, ReviewStore, StorageResult, StoredReview, StoredReviewKey};

fn key_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredReviewKey> {
    Ok(StoredReviewKey {
        period: r.get(0)?,
        secret_der: r.get(1)?,
        public_spki: r.get(2)?,
    })
}

#[async_trait::async_trait]
impl ReviewStore for SqliteStorage {
    async fn review_key(&self, period: u32) -> StorageResult<Option<StoredReviewKey>> {
        self.with(move |c| {
            c.prepare_cached(
                "SELECT period, secret_der, public_spki FROM review_keys WHERE period = ?1",
            )?
            .query_row([period], key_row)
            .optional()
        })
        .await
    }

    async fn add_review_key(&self, key: &StoredReviewKey) -> StorageResult<StoredReviewKey> {
        let key = key.clone();
        self.with(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO review_keys (period, secret_der, public_spki)
                 VALUES (?1, ?2, ?3)",
                params![key.period, key.secret_der, key.public_spki],
            )?;
            c.query_row(
                "SELECT period, secret_der, public_spki FROM review_keys WHERE period = ?1",
                [key.period],
                key_row,
            )
        })
        .await
    }

    async fn review_public_keys(
        &self,
        first: u32,
        last: u32,
    ) -> StorageResult<Vec<(u32, Vec<u8>)>> {
        self.with(move |c| {
            c.prepare_cached(
                "SELECT period, public_spki FROM review_keys WHERE period BETWEEN ?1 AND ?2
                 ORDER BY period",
            )?
            .query_map([first, last], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
        })
        .await
    }

    async fn set_reviews_enabled(&self, account_id: &str, enabled: bool) -> StorageResult<()> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            if enabled {
                c.execute(
                    "INSERT OR IGNORE INTO review_optin (account_id)
                     SELECT id FROM accounts WHERE id = ?1",
                    [&account_id],
                )?;
            } else {
                c.execute(
                    "DELETE FROM review_optin WHERE account_id = ?1",
                    [&account_id],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn reviews_enabled(&self, account_id: &str) -> StorageResult<bool> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM review_optin WHERE account_id = ?1)",
                [account_id],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn record_issuance(&self, link_id: &str, period: u32) -> StorageResult<()> {
        let link_id = link_id.to_owned();
        self.with(move |c| {
            c.execute(
                "INSERT INTO review_issuance (link_id, period) VALUES (?1, ?2)",
                params![link_id, period],
            )
            .map(|_| ())
        })
        .await
    }

    async fn add_review(&self, review: NewReview) -> StorageResult<()> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO review_tokens_spent (token_hash) VALUES (?1)",
                [&review.token_hash],
            )?;
            tx.execute(
                "INSERT INTO reviews (id, therapist_id, rating, text, received_day)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    review.review_id,
                    review.therapist_id,
                    review.rating,
                    review.text,
                    review.received_day
                ],
            )?;
            tx.commit()
        })
        .await
    }

    async fn publish_reviews(&self, min: u32, overdue_day: &str) -> StorageResult<u64> {
        let overdue_day = overdue_day.to_owned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (pending, oldest): (i64, Option<String>) = tx.query_row(
                "SELECT count(*), min(received_day) FROM reviews WHERE published_batch IS NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let overdue = oldest.is_some_and(|day| day <= overdue_day);
            if pending == 0 || (pending < i64::from(min) && !overdue) {
                return Ok(0);
            }
            let published = tx.execute(
                "UPDATE reviews SET published_batch =
                     (SELECT coalesce(max(published_batch), 0) + 1 FROM reviews)
                 WHERE published_batch IS NULL",
                [],
            )?;
            tx.commit()?;
            Ok(published as u64)
        })
        .await
    }

    async fn published_reviews(&self, therapist_id: &str) -> StorageResult<Vec<StoredReview>> {
        let therapist_id = therapist_id.to_owned();
        self.with(move |c| {
            c.prepare_cached(
                "SELECT id, rating, text, received_day, reply FROM reviews
                 WHERE therapist_id = ?1 AND published_batch IS NOT NULL
                 ORDER BY published_batch DESC, id",
            )?
            .query_map([therapist_id], |r| {
                Ok(StoredReview {
                    review_id: r.get(0)?,
                    rating: r.get(1)?,
                    text: r.get(2)?,
                    received_day: r.get(3)?,
                    reply: r.get(4)?,
                })
            })?
            .collect()
        })
        .await
    }

    async fn review_summaries(&self) -> StorageResult<HashMap<String, ReviewSummary>> {
        self.with(|c| {
            let rows = c
                .prepare_cached(
                    "SELECT o.account_id, count(r.id), coalesce(sum(r.rating), 0)
                     FROM review_optin o LEFT JOIN reviews r
                       ON r.therapist_id = o.account_id AND r.published_batch IS NOT NULL
                     GROUP BY o.account_id",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<(String, i64, i64)>>>()?;
            Ok(summaries(rows))
        })
        .await
    }

    async fn reply_to_review(
        &self,
        therapist_id: &str,
        review_id: &str,
        reply: Option<String>,
    ) -> StorageResult<bool> {
        let (therapist_id, review_id) = (therapist_id.to_owned(), review_id.to_owned());
        self.with(move |c| {
            let changed = c.execute(
                "UPDATE reviews SET reply = ?3
                 WHERE id = ?1 AND therapist_id = ?2 AND published_batch IS NOT NULL",
                params![review_id, therapist_id, reply],
            )?;
            Ok(changed == 1)
        })
        .await
    }
}
