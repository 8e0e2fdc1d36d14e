//! Review storage ([`ReviewStore`]): the one signing key per period, therapists' opt-in, which
//! link got a token in which period, spent tokens and the reviews themselves.
//!
//! The tables are kept apart on purpose: `review_issuance` knows which link got a token (never
//! which review it became), `review_tokens_spent` holds only hashes of spent token messages,
//! and a `reviews` row holds the therapist, rating, text, the day it arrived (no time), its
//! batch and the reply — no account, device, link, token or address. SQLite keeps these
//! tables `WITHOUT ROWID`, so no hidden insertion counter relates a spent token to a review.

use std::collections::HashMap;

use solace_protocol::reviews::ReviewSummary;

use super::StorageResult;

/// One period's RSA key pair. The private key is the server's own secret, stored like the
/// server secret (in its database, which the operator protects and backs up).
#[derive(Clone)]
pub struct StoredReviewKey {
    /// Period number.
    pub period: u32,
    /// PKCS#1 DER of the private key.
    pub secret_der: Vec<u8>,
    /// SubjectPublicKeyInfo DER of the public key.
    pub public_spki: Vec<u8>,
}

impl std::fmt::Debug for StoredReviewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredReviewKey")
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

/// A verified review about to be stored.
#[derive(Debug, Clone)]
pub struct NewReview {
    /// Random review id.
    pub review_id: String,
    /// The reviewed therapist.
    pub therapist_id: String,
    /// 1 to 5.
    pub rating: u8,
    /// Review text.
    pub text: String,
    /// `YYYY-MM-DD` (UTC) it arrived.
    pub received_day: String,
    /// Hex SHA-256 of the token message, recorded as spent in the same transaction.
    pub token_hash: String,
}

/// A published review as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReview {
    /// Random review id.
    pub review_id: String,
    /// 1 to 5.
    pub rating: u8,
    /// Review text.
    pub text: String,
    /// `YYYY-MM-DD` it arrived.
    pub received_day: String,
    /// The therapist's reply.
    pub reply: Option<String>,
}

/// Review keys, opt-ins, issuance, spent tokens and reviews.
#[async_trait::async_trait]
pub trait ReviewStore: Send + Sync {
    /// The key of `period`, if one was made.
    async fn review_key(&self, period: u32) -> StorageResult<Option<StoredReviewKey>>;

    /// Stores `key` unless its period already has one, and returns the period's stored key
    /// (so concurrent nodes agree on one key per period).
    async fn add_review_key(&self, key: &StoredReviewKey) -> StorageResult<StoredReviewKey>;

    /// Public keys (SPKI DER) of periods `first..=last`, oldest first.
    async fn review_public_keys(&self, first: u32, last: u32)
        -> StorageResult<Vec<(u32, Vec<u8>)>>;

    /// Opts the therapist in or out of reviews.
    async fn set_reviews_enabled(&self, account_id: &str, enabled: bool) -> StorageResult<()>;

    /// Whether the therapist takes reviews.
    async fn reviews_enabled(&self, account_id: &str) -> StorageResult<bool>;

    /// Records that `link_id` got its token of `period`;
    /// [`super::StorageError::Conflict`] when it already did.
    async fn record_issuance(&self, link_id: &str, period: u32) -> StorageResult<()>;

    /// Marks the token spent and stores the review (pending) in one transaction;
    /// [`super::StorageError::Conflict`] when the token was spent before.
    async fn add_review(&self, review: NewReview) -> StorageResult<()>;

    /// Publishes every pending review as one new batch when at least `min` are pending or the
    /// oldest arrived on or before `overdue_day` (`YYYY-MM-DD`); returns how many.
    async fn publish_reviews(&self, min: u32, overdue_day: &str) -> StorageResult<u64>;

    /// The therapist's published reviews, newest batch first, random order within a batch.
    async fn published_reviews(&self, therapist_id: &str) -> StorageResult<Vec<StoredReview>>;

    /// Count and rating sum of published reviews of every therapist who takes reviews.
    async fn review_summaries(&self) -> StorageResult<HashMap<String, ReviewSummary>>;

    /// Sets (or with `None` removes) the therapist's reply to one of their published reviews;
    /// false when no such review of theirs exists.
    async fn reply_to_review(
        &self,
        therapist_id: &str,
        review_id: &str,
        reply: Option<String>,
    ) -> StorageResult<bool>;
}

/// Summaries from `(therapist, count, sum)` rows.
pub(crate) fn summaries(
    rows: impl IntoIterator<Item = (String, i64, i64)>,
) -> HashMap<String, ReviewSummary> {
    rows.into_iter()
        .map(|(id, count, sum)| {
            let clamp = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
            (
                id,
                ReviewSummary {
                    count: clamp(count),
                    rating_sum: clamp(sum),
                },
            )
        })
        .collect()
}
