//! Review-token keys: one RSA-2048 key per period (RFC 9474, RSABSSA-SHA384-PSS-Deterministic),
//! made on first use and kept in the database so every node signs with the same key, plus the
//! calendar arithmetic (periods, the day a review arrived).
//!
//! Deterministic rather than Randomized: RFC 9474 asks for the randomized message preparation
//! when messages may have low entropy; every token message carries a 32-byte random nonce
//! chosen by the client, so the randomizer would add a field and nothing else.

use blind_rsa_signatures::{
    BlindSignature, DefaultRng, KeyPairSha384PSSDeterministic as KeyPair,
    PublicKeySha384PSSDeterministic as PublicKey, SecretKeySha384PSSDeterministic as SecretKey,
    Signature,
};
use sha2::{Digest, Sha256};

use crate::error::ApiErr;
use crate::storage::{Storage, StoredReviewKey};

/// RSA modulus size of review keys.
const MODULUS_BITS: usize = 2048;
/// How many periods back the key list reaches (tokens of a link that ended late in one period
/// can still be spent in the next ones).
pub const KEY_HISTORY: u32 = 4;

/// The review settings of a running server.
#[derive(Debug)]
pub struct ReviewPolicy {
    /// Days per key period (at least 1).
    pub period_days: u32,
    /// Seconds a link must exist before its client may get a token.
    pub min_link_age_secs: i64,
    /// Serializes key generation on this node (other nodes agree through the database).
    pub keygen: tokio::sync::Mutex<()>,
}

impl ReviewPolicy {
    /// The period that contains Unix second `now`.
    pub fn period_at(&self, now: i64) -> u32 {
        let days = now.max(0) / 86_400;
        u32::try_from(days / i64::from(self.period_days.max(1))).unwrap_or(u32::MAX)
    }
}

/// Hex SHA-256 of a public key's SPKI DER: the key id clients compare.
pub fn key_id(spki: &[u8]) -> String {
    hex::encode(Sha256::digest(spki))
}

/// The key of `period`, made and stored on first use (RSA key generation runs on the blocking
/// pool; a concurrent node's key wins if it stored one first).
pub async fn key_for(
    storage: &dyn Storage,
    policy: &ReviewPolicy,
    period: u32,
) -> Result<StoredReviewKey, ApiErr> {
    if let Some(key) = storage.review_key(period).await? {
        return Ok(key);
    }
    let _one_at_a_time = policy.keygen.lock().await;
    if let Some(key) = storage.review_key(period).await? {
        return Ok(key);
    }
    let fresh = tokio::task::spawn_blocking(move || generate(period))
        .await
        .map_err(|_| ApiErr::internal())??;
    Ok(storage.add_review_key(&fresh).await?)
}

fn generate(period: u32) -> Result<StoredReviewKey, ApiErr> {
    let pair = KeyPair::generate(&mut DefaultRng, MODULUS_BITS).map_err(|_| ApiErr::internal())?;
    Ok(StoredReviewKey {
        period,
        secret_der: pair.sk.to_der().map_err(|_| ApiErr::internal())?,
        public_spki: pair.pk.to_spki().map_err(|_| ApiErr::internal())?,
    })
}

/// Signs a blinded message with `key`; a blinded message of the wrong size or out of range is
/// `400`.
pub fn blind_sign(key: &StoredReviewKey, blinded: &[u8]) -> Result<Vec<u8>, ApiErr> {
    let secret = SecretKey::from_der(&key.secret_der).map_err(|_| ApiErr::internal())?;
    let signature: BlindSignature = secret
        .blind_sign(blinded)
        .map_err(|_| ApiErr::bad("blinded message is not valid for this key"))?;
    Ok(signature.0)
}

/// Whether `signature` is the key's signature over `message`.
pub fn verify(public_spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
    PublicKey::from_spki(public_spki).is_ok_and(|key| {
        key.verify(&Signature(signature.to_vec()), None, message)
            .is_ok()
    })
}

/// `YYYY-MM-DD` (UTC) of Unix second `now` (civil-from-days, proleptic Gregorian).
pub fn day_of(now: i64) -> String {
    let days = now.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_periods() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(951_782_400), "2000-02-29");
        assert_eq!(day_of(1_795_833_357), "2026-11-28");
        let policy = ReviewPolicy {
            period_days: 90,
            min_link_age_secs: 0,
            keygen: tokio::sync::Mutex::new(()),
        };
        assert_eq!(policy.period_at(0), 0);
        assert_eq!(policy.period_at(90 * 86_400 - 1), 0);
        assert_eq!(policy.period_at(90 * 86_400), 1);
    }
}
