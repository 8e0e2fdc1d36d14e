//! Key wrapping: one 256-bit key sealed under another.
//!
//! Format v1 (77 bytes): `"SLKW" | 0x01 | nonce(24) | XChaCha20-Poly1305(key) + tag(16)`.
//! The associated data is the header plus a purpose label (for example `account-key/kek`), so a
//! wrapped blob moved to another slot fails to unwrap instead of being misused.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::{fill_random, SecretKey, KEY_LEN};
use crate::error::Result;

const MAGIC: &[u8; 4] = b"SLKW";
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = MAGIC.len() + 1;
/// Length of a wrapped key in format v1.
pub const WRAPPED_LEN: usize = HEADER_LEN + NONCE_LEN + KEY_LEN + 16;

/// Why a wrapped key could not be opened. Deliberately coarse: callers map it to
/// "wrong passphrase", "wrong recovery key" and the like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnwrapError {
    /// Not a v1 wrapped key (length, magic or version).
    #[error("malformed wrapped key")]
    Malformed,
    /// Authentication failed: wrong wrapping key, wrong purpose, or tampered bytes.
    #[error("wrapped key did not authenticate")]
    Authentication,
}

fn aad(purpose: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(HEADER_LEN + purpose.len());
    aad.extend_from_slice(MAGIC);
    aad.push(VERSION);
    aad.extend_from_slice(purpose.as_bytes());
    aad
}

/// Seals `key` under `wrapping_key` with a fresh random nonce.
pub fn wrap(wrapping_key: &SecretKey, key: &SecretKey, purpose: &str) -> Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    Ok(wrap_with_nonce(wrapping_key, key, purpose, nonce))
}

/// Deterministic wrapping for frozen test vectors; production code uses [`wrap`].
pub fn wrap_with_nonce(
    wrapping_key: &SecretKey,
    key: &SecretKey,
    purpose: &str,
    nonce: [u8; NONCE_LEN],
) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(wrapping_key.as_bytes().into());
    let aad = aad(purpose);
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    // Encryption of a 32-byte message cannot fail (the only errors are length overflows).
    if let Ok(ct) = cipher.encrypt(
        &XNonce::from(nonce),
        Payload {
            msg: key.as_bytes(),
            aad: &aad,
        },
    ) {
        out.extend_from_slice(&ct);
    }
    out
}

/// Opens a wrapped key; fails on any tampering, a wrong wrapping key or a wrong purpose.
pub fn unwrap(
    wrapping_key: &SecretKey,
    wrapped: &[u8],
    purpose: &str,
) -> Result<SecretKey, UnwrapError> {
    if wrapped.len() != WRAPPED_LEN || &wrapped[..4] != MAGIC || wrapped[4] != VERSION {
        return Err(UnwrapError::Malformed);
    }
    let nonce: [u8; NONCE_LEN] = wrapped[HEADER_LEN..HEADER_LEN + NONCE_LEN]
        .try_into()
        .map_err(|_| UnwrapError::Malformed)?;
    let cipher = XChaCha20Poly1305::new(wrapping_key.as_bytes().into());
    let aad = aad(purpose);
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &wrapped[HEADER_LEN + NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| UnwrapError::Authentication)?,
    );
    SecretKey::from_slice(&plain).ok_or(UnwrapError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen vector for wrap format v1: must decode forever.
    const VECTOR_HEX: &str = include_str!("../../tests/vectors/wrap_v1.hex");

    fn vector_keys() -> (SecretKey, SecretKey) {
        (
            SecretKey::from_bytes([0x11; KEY_LEN]),
            SecretKey::from_bytes([0x22; KEY_LEN]),
        )
    }

    #[test]
    fn frozen_vector_v1_decodes() {
        let (wrapping, key) = vector_keys();
        let bytes = hex::decode(VECTOR_HEX.trim()).unwrap();
        assert_eq!(unwrap(&wrapping, &bytes, "account-key/kek").unwrap(), key);
        assert_eq!(
            wrap_with_nonce(&wrapping, &key, "account-key/kek", [0x33; NONCE_LEN]),
            bytes
        );
    }

    #[test]
    fn wrong_key_purpose_or_tamper_fails() {
        let (wrapping, key) = vector_keys();
        let wrapped = wrap(&wrapping, &key, "a").unwrap();
        assert_eq!(unwrap(&wrapping, &wrapped, "a").unwrap(), key);
        assert_eq!(
            unwrap(&wrapping, &wrapped, "b"),
            Err(UnwrapError::Authentication)
        );
        assert_eq!(
            unwrap(&key, &wrapped, "a"),
            Err(UnwrapError::Authentication)
        );
        for i in 0..wrapped.len() {
            let mut t = wrapped.clone();
            t[i] ^= 0x01;
            assert!(unwrap(&wrapping, &t, "a").is_err(), "byte {i}");
        }
        assert_eq!(
            unwrap(&wrapping, &wrapped[..10], "a"),
            Err(UnwrapError::Malformed)
        );
    }
}
