//! Wire types for verified, unlinkable reviews (protocol v1 addition).
//!
//! A client's device obtains a blind RSA signature (RFC 9474, RSABSSA-SHA384-PSS-Deterministic)
//! from the server while its link with a therapist is active, unblinds it, and after the link
//! ended submits a review with the unblinded token over a fresh connection that carries no
//! account token. The server checks the signature with the period's published key and that
//! the token was not spent before; it never learns which link a token came from.
//!
//! | method and path | auth | request | response |
//! |---|---|---|---|
//! | `GET /v1/reviews/keys` | none | — | [`ReviewKeys`] |
//! | `POST /v1/reviews/token` | bearer (the client) | [`TokenRequest`] | [`TokenResponse`] |
//! | `POST /v1/reviews` | **none** | [`ReviewSubmission`] | `204` (pending until a batch is published) |
//! | `POST /v1/directory/reviews` | bearer | [`ReviewListRequest`] | [`ReviewList`] |
//! | `POST /v1/reviews/reply` | bearer (the therapist) | [`ReviewReply`] | `204` |
//! | `PUT /v1/therapist/reviews` | bearer (the therapist) | [`ReviewSettings`] | `204` |

use serde::{Deserialize, Serialize};

/// Domain separation of the signed token message ([`token_message`]).
pub const TOKEN_DOMAIN: &[u8] = b"solace-review-v1";
/// Bytes of the client's random token nonce.
pub const NONCE_LEN: usize = 32;
/// Longest review text or reply, in characters.
pub const MAX_REVIEW_CHARS: usize = 1000;
/// Bytes of an RSA-2048 signature, blinded message or blind signature.
pub const RSA_BYTES: usize = 256;

/// The message a review token signs: `"solace-review-v1" || len(therapist_id) as u8 ||
/// therapist_id || period as u32 big-endian || nonce`, so a token is bound to one therapist
/// and one key period. `None` when the therapist id is longer than 255 bytes.
pub fn token_message(therapist_id: &str, period: u32, nonce: &[u8; NONCE_LEN]) -> Option<Vec<u8>> {
    let id_len = u8::try_from(therapist_id.len()).ok()?;
    let mut message =
        Vec::with_capacity(TOKEN_DOMAIN.len() + 1 + therapist_id.len() + 4 + NONCE_LEN);
    message.extend_from_slice(TOKEN_DOMAIN);
    message.push(id_len);
    message.extend_from_slice(therapist_id.as_bytes());
    message.extend_from_slice(&period.to_be_bytes());
    message.extend_from_slice(nonce);
    Some(message)
}

/// One period's signing key as the server publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewKey {
    /// Period number (Unix days / period length).
    pub period: u32,
    /// RSA public key, SubjectPublicKeyInfo DER, standard base64.
    pub public_key: String,
    /// Hex SHA-256 of the SPKI DER bytes.
    pub key_id: String,
}

/// `GET /v1/reviews/keys`: the one key of each recent period (no per-client keys: every
/// caller, signed in or not, gets the same list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewKeys {
    /// The period tokens are issued for now.
    pub current_period: u32,
    /// Keys of the current and recent periods, oldest first.
    pub keys: Vec<ReviewKey>,
}

/// `POST /v1/reviews/token`: a blinded token for the therapist of an active link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// The active link (the caller must be its client).
    pub link_id: String,
    /// Must be the current period.
    pub period: u32,
    /// Blinded message, base64 ([`RSA_BYTES`] bytes).
    pub blinded: String,
}

/// The blind signature over [`TokenRequest::blinded`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Blind signature, base64.
    pub blind_signature: String,
    /// Id of the key that signed (the client compares it with the published key).
    pub key_id: String,
}

/// `POST /v1/reviews`: an anonymous review with its unblinded token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSubmission {
    /// The reviewed therapist's account id.
    pub therapist_id: String,
    /// The period whose key signed the token.
    pub period: u32,
    /// The token nonce, base64 ([`NONCE_LEN`] bytes).
    pub nonce: String,
    /// The unblinded signature, base64.
    pub signature: String,
    /// 1 to 5.
    pub rating: u8,
    /// At most [`MAX_REVIEW_CHARS`] characters (may be empty).
    pub text: String,
}

/// `POST /v1/directory/reviews`: the published reviews of one therapist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewListRequest {
    /// The therapist's account id.
    pub therapist_id: String,
}

/// Count and sum of a therapist's published ratings (the average is `rating_sum / count`;
/// integers on the wire, so every client rounds the same way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSummary {
    /// Published reviews.
    pub count: u32,
    /// Sum of their ratings.
    pub rating_sum: u32,
}

/// One published review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedReview {
    /// Random review id (for the therapist's reply).
    pub review_id: String,
    /// 1 to 5.
    pub rating: u8,
    /// The review text.
    pub text: String,
    /// Month it arrived, `YYYY-MM` (no day or time is shown).
    pub month: String,
    /// The therapist's public reply, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// A therapist's published reviews, newest batch first (random order inside a batch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewList {
    /// Whether the therapist takes reviews.
    pub enabled: bool,
    /// Count and sum of the ratings.
    pub summary: ReviewSummary,
    /// The reviews.
    pub reviews: Vec<PublishedReview>,
}

/// `POST /v1/reviews/reply`: the therapist's public reply to one of their reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewReply {
    /// The review.
    pub review_id: String,
    /// At most [`MAX_REVIEW_CHARS`] characters; empty removes the reply.
    pub text: String,
}

/// `PUT /v1/therapist/reviews`: the therapist opts in or out of reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSettings {
    /// Whether clients may obtain tokens and submit reviews.
    pub enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen: the signed message and every body of the review endpoints.
    #[test]
    fn review_v1_vectors_are_stable() {
        let message = token_message("ab12", 227, &[7u8; NONCE_LEN]).unwrap();
        assert_eq!(
            hex(&message),
            concat!(
                "736f6c6163652d7265766965772d76310461623132000000e3",
                "0707070707070707070707070707070707070707070707070707070707070707"
            )
        );
        assert!(token_message(&"x".repeat(256), 1, &[0; NONCE_LEN]).is_none());
        fn same<T: Serialize + serde::de::DeserializeOwned>(json: &str) {
            let parsed: T = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&parsed).unwrap(), json);
        }
        same::<ReviewKeys>(
            r#"{"current_period":227,"keys":[{"period":227,"public_key":"MIIB","key_id":"00ff"}]}"#,
        );
        same::<TokenRequest>(r#"{"link_id":"l1","period":227,"blinded":"AAEC"}"#);
        same::<TokenResponse>(r#"{"blind_signature":"AAEC","key_id":"00ff"}"#);
        same::<ReviewSubmission>(
            r#"{"therapist_id":"t1","period":227,"nonce":"BwcH","signature":"AAEC","rating":5,"text":"Kind and clear."}"#,
        );
        same::<ReviewListRequest>(r#"{"therapist_id":"t1"}"#);
        same::<ReviewList>(
            r#"{"enabled":true,"summary":{"count":2,"rating_sum":9},"reviews":[{"review_id":"r1","rating":5,"text":"Good.","month":"2026-11","reply":"Thank you."},{"review_id":"r2","rating":4,"text":"","month":"2026-10"}]}"#,
        );
        same::<ReviewReply>(r#"{"review_id":"r1","text":"Thank you."}"#);
        same::<ReviewSettings>(r#"{"enabled":false}"#);
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
