//! HTTP handlers for verified, unlinkable reviews (`solace_protocol::reviews`).
//!
//! Issuance (`POST /v1/reviews/token`) is authenticated: the caller must be the client of an
//! active link with a therapist who takes reviews, the link must be old enough, and each link
//! gets one token per period. Submission (`POST /v1/reviews`) is anonymous: no [`Caller`], no
//! address, no rate limit keyed by anything of the writer; the token is checked against the
//! period's key and spent once. The request log line of a submission carries method, path,
//! status and latency only (no account tag is ever set on it).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use solace_protocol::messaging::LinkState;
use solace_protocol::reviews as r;

use crate::api::{now, parse, Caller, Shared};
use crate::auth;
use crate::error::ApiErr;
use crate::messaging_api::plain_id;
use crate::review_keys::{self, KEY_HISTORY};
use crate::storage::{NewReview, Storage, StorageError};

type Body = Result<Bytes, BytesRejection>;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn b64(text: &str, what: &str, max: usize) -> Result<Vec<u8>, ApiErr> {
    if text.len() > max.div_ceil(3) * 4 {
        return Err(ApiErr::bad(format!("{what} is too long")));
    }
    B64.decode(text)
        .map_err(|_| ApiErr::bad(format!("{what} must be base64")))
}

fn check_text(text: &str, what: &str) -> Result<(), ApiErr> {
    if text.chars().count() > r::MAX_REVIEW_CHARS {
        return Err(ApiErr::bad(format!(
            "{what} must be at most {} characters",
            r::MAX_REVIEW_CHARS
        )));
    }
    Ok(())
}

/// `GET /v1/reviews/keys`: the one key of the current period (made on first use) and those of
/// the few periods before it. Every caller gets the same list.
pub async fn keys(State(state): State<Shared>) -> Result<Json<r::ReviewKeys>, ApiErr> {
    let policy = &state.reviews;
    let current = policy.period_at(now());
    review_keys::key_for(state.storage.as_ref(), policy, current).await?;
    let keys = state
        .storage
        .review_public_keys(current.saturating_sub(KEY_HISTORY), current)
        .await?
        .into_iter()
        .map(|(period, spki)| r::ReviewKey {
            period,
            key_id: review_keys::key_id(&spki),
            public_key: B64.encode(&spki),
        })
        .collect();
    Ok(Json(r::ReviewKeys {
        current_period: current,
        keys,
    }))
}

/// `POST /v1/reviews/token`: a blind signature for the client of an active link with a
/// therapist who takes reviews, once per link and period.
pub async fn token(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<Json<r::TokenResponse>, ApiErr> {
    let req: r::TokenRequest = parse(body)?;
    let policy = &state.reviews;
    let now = now();
    if req.period != policy.period_at(now) {
        return Err(ApiErr::conflict(
            "tokens are issued for the current period only",
        ));
    }
    let blinded = b64(&req.blinded, "blinded", r::RSA_BYTES)?;
    if !plain_id(&req.link_id) {
        return Err(ApiErr::not_found("link"));
    }
    let link = state
        .storage
        .link(&req.link_id)
        .await?
        .filter(|l| l.client_id == caller.account_id)
        .ok_or_else(|| ApiErr::not_found("link"))?;
    if link.state != LinkState::Active {
        return Err(ApiErr::forbidden("the link is not active"));
    }
    if !state.storage.reviews_enabled(&link.therapist_id).await? {
        return Err(ApiErr::forbidden("this therapist does not take reviews"));
    }
    if now - link.created_at < policy.min_link_age_secs {
        return Err(ApiErr::forbidden(
            "the link is too young for a review token",
        ));
    }
    let key = review_keys::key_for(state.storage.as_ref(), policy, req.period).await?;
    let signature = review_keys::blind_sign(&key, &blinded)?;
    match state
        .storage
        .record_issuance(&link.link_id, req.period)
        .await
    {
        Err(StorageError::Conflict) => {
            return Err(ApiErr::conflict(
                "this link already has its token for this period",
            ))
        }
        other => other?,
    }
    Ok(Json(r::TokenResponse {
        blind_signature: B64.encode(signature),
        key_id: review_keys::key_id(&key.public_spki),
    }))
}

/// `POST /v1/reviews`: an anonymous review. Verifies the token with its period's key, spends
/// it and stores the review as pending (published with the next batch).
pub async fn submit(State(state): State<Shared>, body: Body) -> Result<StatusCode, ApiErr> {
    let req: r::ReviewSubmission = parse(body)?;
    if !(1..=5).contains(&req.rating) {
        return Err(ApiErr::bad("rating must be 1 to 5"));
    }
    check_text(&req.text, "text")?;
    if !plain_id(&req.therapist_id) {
        return Err(ApiErr::forbidden("invalid review token"));
    }
    let nonce: [u8; r::NONCE_LEN] = b64(&req.nonce, "nonce", r::NONCE_LEN)?
        .try_into()
        .map_err(|_| ApiErr::bad("nonce must be 32 bytes"))?;
    let signature = b64(&req.signature, "signature", r::RSA_BYTES)?;
    let message = r::token_message(&req.therapist_id, req.period, &nonce)
        .ok_or_else(|| ApiErr::forbidden("invalid review token"))?;
    let key = state
        .storage
        .review_key(req.period)
        .await?
        .ok_or_else(|| ApiErr::forbidden("invalid review token"))?;
    if !review_keys::verify(&key.public_spki, &message, &signature) {
        return Err(ApiErr::forbidden("invalid review token"));
    }
    if !state.storage.reviews_enabled(&req.therapist_id).await? {
        return Err(ApiErr::forbidden("this therapist does not take reviews"));
    }
    let review = NewReview {
        review_id: auth::random_id().ok_or_else(ApiErr::internal)?,
        therapist_id: req.therapist_id,
        rating: req.rating,
        text: req.text,
        received_day: review_keys::day_of(now()),
        token_hash: hex::encode(Sha256::digest(&message)),
    };
    match state.storage.add_review(review).await {
        Err(StorageError::Conflict) => Err(ApiErr::conflict("this review token was used already")),
        other => other.map(|()| StatusCode::NO_CONTENT).map_err(Into::into),
    }
}

/// `POST /v1/directory/reviews`: a therapist's published reviews with their summary.
pub async fn list(
    State(state): State<Shared>,
    _caller: Caller,
    body: Body,
) -> Result<Json<r::ReviewList>, ApiErr> {
    let req: r::ReviewListRequest = parse(body)?;
    if !plain_id(&req.therapist_id) {
        return Err(ApiErr::not_found("therapist"));
    }
    let enabled = state.storage.reviews_enabled(&req.therapist_id).await?;
    let stored = state.storage.published_reviews(&req.therapist_id).await?;
    let summary = r::ReviewSummary {
        count: u32::try_from(stored.len()).unwrap_or(u32::MAX),
        rating_sum: stored.iter().map(|s| u32::from(s.rating)).sum(),
    };
    let reviews = stored
        .into_iter()
        .map(|s| r::PublishedReview {
            review_id: s.review_id,
            rating: s.rating,
            text: s.text,
            month: s.received_day.chars().take(7).collect(),
            reply: s.reply,
        })
        .collect();
    Ok(Json(r::ReviewList {
        enabled,
        summary,
        reviews,
    }))
}

/// `POST /v1/reviews/reply`: the therapist sets (or with empty text removes) a public reply
/// to one of their published reviews.
pub async fn reply(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<StatusCode, ApiErr> {
    let req: r::ReviewReply = parse(body)?;
    check_text(&req.text, "reply")?;
    if !plain_id(&req.review_id) {
        return Err(ApiErr::not_found("review"));
    }
    let text = Some(req.text).filter(|t| !t.trim().is_empty());
    if state
        .storage
        .reply_to_review(&caller.account_id, &req.review_id, text)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiErr::not_found("review"))
    }
}

/// `PUT /v1/therapist/reviews`: a therapist (an account with a profile) opts in or out.
pub async fn settings(
    State(state): State<Shared>,
    caller: Caller,
    body: Body,
) -> Result<StatusCode, ApiErr> {
    let req: r::ReviewSettings = parse(body)?;
    if state.storage.profile(&caller.account_id).await?.is_none() {
        return Err(ApiErr::forbidden("publish a therapist profile first"));
    }
    state
        .storage
        .set_reviews_enabled(&caller.account_id, req.enabled)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Publishes pending reviews as one batch when enough wait or the oldest waited too long.
pub async fn publish_batch(
    storage: &dyn Storage,
    min: u32,
    max_wait_days: u32,
) -> Result<u64, StorageError> {
    let overdue = review_keys::day_of(now() - i64::from(max_wait_days) * 86_400);
    storage.publish_reviews(min, &overdue).await
}

/// Runs [`publish_batch`] every `every_secs` until the server stops (failures are logged and
/// retried at the next tick).
pub fn spawn_batches(
    state: std::sync::Weak<crate::api::AppState>,
    every_secs: u64,
    min: u32,
    max_wait_days: u32,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(every_secs.max(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(state) = state.upgrade() else { return };
            match publish_batch(state.storage.as_ref(), min, max_wait_days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(published = n, "review batch published"),
                Err(e) => tracing::warn!(error = %e, "review batch failed"),
            }
        }
    });
}
