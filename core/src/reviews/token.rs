//! The client side of a review token (RFC 9474, RSABSSA-SHA384-PSS-Deterministic): pick a
//! random nonce, blind the token message for the period's published key, and unblind and
//! verify the server's blind signature. The server sees only the blinded message, so it
//! cannot link the token it later receives with a review to the link that got it.

use base64::Engine as _;
use blind_rsa_signatures::{
    BlindSignature, DefaultRng, PublicKeySha384PSSDeterministic as PublicKey,
};
use sha2::{Digest, Sha256};
use solace_protocol::reviews::{self as r, NONCE_LEN};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{CoreError, Result, ReviewError};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A period's published key, parsed and with its id checked against its bytes.
pub struct PublishedKey {
    /// Period number.
    pub period: u32,
    /// Hex SHA-256 of the SPKI DER.
    pub key_id: String,
    key: PublicKey,
}

impl PublishedKey {
    /// Parses a published key; a key whose id is not the hash of its bytes, or that is not an
    /// RSA-PSS key the crate accepts, is [`ReviewError::KeyMismatch`].
    pub fn parse(wire: &r::ReviewKey) -> Result<Self> {
        let spki = B64
            .decode(&wire.public_key)
            .map_err(|_| ReviewError::KeyMismatch)?;
        if hex::encode(Sha256::digest(&spki)) != wire.key_id {
            return Err(ReviewError::KeyMismatch.into());
        }
        let key = PublicKey::from_spki(&spki).map_err(|_| ReviewError::KeyMismatch)?;
        Ok(Self {
            period: wire.period,
            key_id: wire.key_id.clone(),
            key,
        })
    }
}

/// The key of `period` in a published list.
pub fn key_of(keys: &r::ReviewKeys, period: u32) -> Option<&r::ReviewKey> {
    keys.keys.iter().find(|k| k.period == period)
}

/// A blinded token request and what unblinds its answer (the blinding secret is wiped on
/// drop).
pub struct Pending {
    therapist_id: String,
    period: u32,
    nonce: [u8; NONCE_LEN],
    message: Vec<u8>,
    blinding: blind_rsa_signatures::BlindingResult,
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.nonce.zeroize();
        self.blinding.secret.0.zeroize();
    }
}

impl Pending {
    /// Blinds a fresh token message for `therapist_id` in the key's period.
    pub fn new(key: &PublishedKey, therapist_id: &str) -> Result<Self> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| CoreError::Internal("random"))?;
        let message = r::token_message(therapist_id, key.period, &nonce)
            .ok_or(CoreError::Internal("therapist id too long"))?;
        let blinding = key
            .key
            .blind(&mut DefaultRng, &message)
            .map_err(|_| CoreError::Internal("blinding"))?;
        Ok(Self {
            therapist_id: therapist_id.to_owned(),
            period: key.period,
            nonce,
            message,
            blinding,
        })
    }

    /// The blinded message, base64, for [`r::TokenRequest::blinded`].
    pub fn blinded(&self) -> String {
        B64.encode(&self.blinding.blind_message.0)
    }

    /// Unblinds the server's answer and verifies it under `key` (which must be the key the
    /// answer names: [`ReviewError::KeyMismatch`] otherwise, [`ReviewError::BadToken`] when the
    /// signature does not verify).
    pub fn finish(self, key: &PublishedKey, answer: &r::TokenResponse) -> Result<Token> {
        if answer.key_id != key.key_id {
            return Err(ReviewError::KeyMismatch.into());
        }
        let blind = B64
            .decode(&answer.blind_signature)
            .map_err(|_| ReviewError::BadToken)?;
        let signature = key
            .key
            .finalize(&BlindSignature(blind), &self.blinding, &self.message)
            .map_err(|_| ReviewError::BadToken)?;
        Ok(Token {
            therapist_id: self.therapist_id.clone(),
            period: self.period,
            nonce: self.nonce,
            signature: signature.0,
            key_id: key.key_id.clone(),
        })
    }
}

/// An unblinded review token: spendable once, for one therapist, with the key of one period.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Token {
    /// The therapist it is bound to.
    pub therapist_id: String,
    /// The key period.
    pub period: u32,
    /// The random nonce of the signed message.
    pub nonce: [u8; NONCE_LEN],
    /// The unblinded signature.
    pub signature: Vec<u8>,
    /// Id of the key that signed it (what the published key must still be).
    pub key_id: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// The anonymous submission of this token with a rating and text.
    pub fn submission(&self, rating: u8, text: &str) -> r::ReviewSubmission {
        r::ReviewSubmission {
            therapist_id: self.therapist_id.clone(),
            period: self.period,
            nonce: B64.encode(self.nonce),
            signature: B64.encode(&self.signature),
            rating,
            text: text.to_owned(),
        }
    }
}
