//! Record envelope v1: how every personal record is sealed before it touches disk or network.
//!
//! Layout: `magic "SLCE" | version 0x01 | alg 0x01 | key id (u32 BE) | nonce (24) | ciphertext+tag`.
//! Cipher: XChaCha20-Poly1305 with a random 24-byte nonce. Associated data binds the header,
//! the record id and the record kind, so a blob copied onto another id or kind fails to open.
//! Plaintext: `record id (16) | body length (u32 BE) | body | zero padding` to a size bucket,
//! so stored sizes reveal little; the repeated id is checked after decryption.
//! Each format version keeps frozen test vectors (`core/tests/vectors/`) that must decode forever.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::{fill_random, SecretKey};
use crate::error::Result;
use crate::record::RecordId;

/// Four-byte magic that starts every envelope.
pub const MAGIC: &[u8; 4] = b"SLCE";
/// Envelope v1: the kind is bound in the associated data; no version or deletion inside.
pub const VERSION_1: u8 = 1;
/// Envelope v2 ([`super::envelope_v2`]): kind, forward-only version and deletion sealed inside.
pub const VERSION_2: u8 = 2;
/// Algorithm id for XChaCha20-Poly1305.
pub const ALG_XCHACHA20POLY1305: u8 = 1;
pub(super) const NONCE_LEN: usize = 24;
pub(super) const TAG_LEN: usize = 16;
pub(super) const HEADER_LEN: usize = 4 + 1 + 1 + 4;
pub(super) const PREFIX_LEN: usize = HEADER_LEN + NONCE_LEN;
const INNER_HEADER_LEN: usize = 16 + 4;
/// Largest body accepted (16 MiB): bigger inputs are refused, not truncated.
pub const MAX_BODY_LEN: usize = 16 * 1024 * 1024;

/// Why an envelope could not be opened. No variant carries content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Shorter than the smallest possible envelope.
    #[error("envelope truncated")]
    Truncated,
    /// Does not start with the envelope magic.
    #[error("not a Solace envelope")]
    BadMagic,
    /// A format version this build cannot read.
    #[error("unsupported envelope version {0}")]
    UnsupportedVersion(u8),
    /// An algorithm id this build cannot read.
    #[error("unsupported envelope algorithm {0}")]
    UnsupportedAlgorithm(u8),
    /// Authentication failed: wrong key, tampered bytes, or the blob belongs to another
    /// record id or kind.
    #[error("envelope failed authentication")]
    Authentication,
    /// Decrypted, but the id inside differs from the id outside.
    #[error("record id inside the envelope does not match")]
    IdMismatch,
    /// Decrypted, but the inner length or padding is inconsistent.
    #[error("envelope padding is malformed")]
    BadPadding,
    /// Decrypted, but the record kind inside differs from the one expected.
    #[error("record kind inside the envelope does not match")]
    KindMismatch,
    /// The body is larger than [`MAX_BODY_LEN`].
    #[error("record too large")]
    TooLarge,
}

/// The clear header of a parsed envelope, borrowed from the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// Format version ([`VERSION_1`] or [`VERSION_2`]).
    pub version: u8,
    /// Algorithm id (always [`ALG_XCHACHA20POLY1305`] today).
    pub alg: u8,
    /// Which items key sealed the record.
    pub key_id: u32,
    pub(super) nonce: &'a [u8],
    pub(super) ciphertext: &'a [u8],
    pub(super) tag: &'a [u8],
}

/// Splits a blob into header fields without decrypting; refuses versions other than v1 and v2.
pub fn parse(blob: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    if blob.len() < 4 {
        return Err(EnvelopeError::Truncated);
    }
    if &blob[..4] != MAGIC {
        return Err(EnvelopeError::BadMagic);
    }
    if blob.len() < HEADER_LEN {
        return Err(EnvelopeError::Truncated);
    }
    let version = blob[4];
    if version != VERSION_1 && version != VERSION_2 {
        return Err(EnvelopeError::UnsupportedVersion(version));
    }
    let alg = blob[5];
    if alg != ALG_XCHACHA20POLY1305 {
        return Err(EnvelopeError::UnsupportedAlgorithm(alg));
    }
    if blob.len() < PREFIX_LEN + INNER_HEADER_LEN + TAG_LEN {
        return Err(EnvelopeError::Truncated);
    }
    let key_id = u32::from_be_bytes([blob[6], blob[7], blob[8], blob[9]]);
    let (ciphertext, tag) = blob[PREFIX_LEN..].split_at(blob.len() - PREFIX_LEN - TAG_LEN);
    Ok(Envelope {
        version,
        alg,
        key_id,
        nonce: &blob[HEADER_LEN..PREFIX_LEN],
        ciphertext,
        tag,
    })
}

/// Size the inner plaintext is padded to: the next step of 2^k or 1.5·2^k from 256 bytes up.
pub fn padded_len(inner_len: usize) -> usize {
    let mut size = 256usize;
    loop {
        if inner_len <= size {
            return size;
        }
        let mid = size + size / 2;
        if inner_len <= mid {
            return mid;
        }
        size *= 2;
    }
}

fn associated_data(header: &[u8], id: &RecordId, kind: &str) -> Vec<u8> {
    let kind = kind.as_bytes();
    let kind_len = kind.len().min(255);
    let mut aad = Vec::with_capacity(header.len() + 16 + 1 + kind_len);
    aad.extend_from_slice(header);
    aad.extend_from_slice(id.as_bytes());
    aad.push(kind_len as u8);
    aad.extend_from_slice(&kind[..kind_len]);
    aad
}

/// Seals `body` for record `id` of `kind` under the items key `key_id` with a random nonce.
pub fn seal(
    key: &SecretKey,
    key_id: u32,
    id: &RecordId,
    kind: &str,
    body: &[u8],
) -> Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    Ok(seal_with_nonce(key, key_id, id, kind, body, nonce)?)
}

/// Deterministic sealing for frozen test vectors and benchmarks of the format itself;
/// production code uses [`seal`].
pub fn seal_with_nonce(
    key: &SecretKey,
    key_id: u32,
    id: &RecordId,
    kind: &str,
    body: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, EnvelopeError> {
    if body.len() > MAX_BODY_LEN {
        return Err(EnvelopeError::TooLarge);
    }
    let header = header_bytes(VERSION_1, key_id);
    let aad = associated_data(&header, id, kind);
    seal_padded(
        key,
        &header,
        &aad,
        nonce,
        INNER_HEADER_LEN + body.len(),
        |out| {
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            out.extend_from_slice(body);
        },
    )
}

/// The clear header of an envelope of `version` sealed under items key `key_id`.
pub(super) fn header_bytes(version: u8, key_id: u32) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[..4].copy_from_slice(MAGIC);
    header[4] = version;
    header[5] = ALG_XCHACHA20POLY1305;
    header[6..].copy_from_slice(&key_id.to_be_bytes());
    header
}

/// Writes `header | nonce`, lets `write_inner` append `inner_len` bytes of plaintext, pads
/// them with zeros to the size bucket and encrypts them in place with `aad`, appending the tag.
pub(super) fn seal_padded(
    key: &SecretKey,
    header: &[u8; HEADER_LEN],
    aad: &[u8],
    nonce: [u8; NONCE_LEN],
    inner_len: usize,
    write_inner: impl FnOnce(&mut Vec<u8>),
) -> Result<Vec<u8>, EnvelopeError> {
    let padded = padded_len(inner_len);
    let mut out = Vec::with_capacity(PREFIX_LEN + padded + TAG_LEN);
    out.extend_from_slice(header);
    out.extend_from_slice(&nonce);
    write_inner(&mut out);
    out.resize(PREFIX_LEN + padded, 0);
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    let tag = cipher
        .encrypt_inout_detached(&XNonce::from(nonce), aad, (&mut out[PREFIX_LEN..]).into())
        .map_err(|_| EnvelopeError::TooLarge)?;
    out.extend_from_slice(tag.as_slice());
    Ok(out)
}

/// Opens a parsed v1 envelope with the items key it names; checks id, kind, padding.
pub fn open(
    envelope: &Envelope<'_>,
    key: &SecretKey,
    id: &RecordId,
    kind: &str,
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    if envelope.version != VERSION_1 {
        return Err(EnvelopeError::UnsupportedVersion(envelope.version));
    }
    let aad = associated_data(&envelope.header(), id, kind);
    let mut plain = decrypt(envelope, key, &aad)?;
    if plain.len() < INNER_HEADER_LEN {
        return Err(EnvelopeError::BadPadding);
    }
    if &plain[..16] != id.as_bytes() {
        return Err(EnvelopeError::IdMismatch);
    }
    let body_len = u32::from_be_bytes([plain[16], plain[17], plain[18], plain[19]]) as usize;
    let body_end = INNER_HEADER_LEN
        .checked_add(body_len)
        .filter(|end| *end <= plain.len())
        .ok_or(EnvelopeError::BadPadding)?;
    if plain[body_end..].iter().any(|b| *b != 0) {
        return Err(EnvelopeError::BadPadding);
    }
    plain.truncate(body_end);
    plain.drain(..INNER_HEADER_LEN);
    Ok(plain)
}

impl Envelope<'_> {
    /// The clear header bytes (magic, version, algorithm, key id) as bound into the AAD.
    pub(super) fn header(&self) -> [u8; HEADER_LEN] {
        let mut header = header_bytes(self.version, self.key_id);
        header[5] = self.alg;
        header
    }
}

/// Authenticates and decrypts the ciphertext of `envelope` with `aad`.
pub(super) fn decrypt(
    envelope: &Envelope<'_>,
    key: &SecretKey,
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    let nonce: [u8; NONCE_LEN] = envelope
        .nonce
        .try_into()
        .map_err(|_| EnvelopeError::Truncated)?;
    let tag: [u8; TAG_LEN] = envelope
        .tag
        .try_into()
        .map_err(|_| EnvelopeError::Truncated)?;
    let mut plain = Zeroizing::new(envelope.ciphertext.to_vec());
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    cipher
        .decrypt_inout_detached(
            &XNonce::from(nonce),
            aad,
            plain.as_mut_slice().into(),
            &Tag::from(tag),
        )
        .map_err(|_| EnvelopeError::Authentication)?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SecretKey {
        SecretKey::from_bytes([0x42; 32])
    }

    fn id(b: u8) -> RecordId {
        RecordId([b; 16])
    }

    fn open_blob(
        blob: &[u8],
        key: &SecretKey,
        id: &RecordId,
        kind: &str,
    ) -> Result<Vec<u8>, EnvelopeError> {
        let env = parse(blob)?;
        open(&env, key, id, kind).map(|p| p.to_vec())
    }

    #[test]
    fn round_trip_and_padding() {
        let blob = seal(&key(), 7, &id(1), "journal", b"hello").unwrap();
        assert_eq!(blob.len(), PREFIX_LEN + 256 + TAG_LEN);
        assert_eq!(parse(&blob).unwrap().key_id, 7);
        assert_eq!(
            open_blob(&blob, &key(), &id(1), "journal").unwrap(),
            b"hello"
        );
        assert_eq!(padded_len(257), 384);
        assert_eq!(padded_len(2068), 3072);
    }

    #[test]
    fn any_flipped_byte_fails_with_a_typed_error() {
        let blob = seal(&key(), 1, &id(1), "mood", b"a secret note").unwrap();
        for i in 0..blob.len() {
            let mut t = blob.clone();
            t[i] ^= 0x80;
            let err = open_blob(&t, &key(), &id(1), "mood").unwrap_err();
            assert!(
                matches!(
                    err,
                    EnvelopeError::Authentication
                        | EnvelopeError::BadMagic
                        | EnvelopeError::UnsupportedVersion(_)
                        | EnvelopeError::UnsupportedAlgorithm(_)
                ),
                "byte {i}: {err:?}"
            );
        }
    }

    #[test]
    fn swapped_id_kind_or_wrong_key_fail() {
        let blob = seal(&key(), 1, &id(1), "mood", b"x").unwrap();
        assert_eq!(
            open_blob(&blob, &key(), &id(2), "mood"),
            Err(EnvelopeError::Authentication)
        );
        assert_eq!(
            open_blob(&blob, &key(), &id(1), "journal"),
            Err(EnvelopeError::Authentication)
        );
        let other = SecretKey::from_bytes([0x43; 32]);
        assert_eq!(
            open_blob(&blob, &other, &id(1), "mood"),
            Err(EnvelopeError::Authentication)
        );
    }

    #[test]
    fn truncated_and_foreign_blobs_are_rejected() {
        assert_eq!(parse(b""), Err(EnvelopeError::Truncated));
        assert_eq!(parse(b"SQLite format 3\0"), Err(EnvelopeError::BadMagic));
        let blob = seal(&key(), 1, &id(1), "mood", b"x").unwrap();
        assert_eq!(parse(&blob[..40]), Err(EnvelopeError::Truncated));
        let mut v3 = blob.clone();
        v3[4] = 3;
        assert_eq!(parse(&v3), Err(EnvelopeError::UnsupportedVersion(3)));
    }

    #[test]
    fn oversized_body_is_refused() {
        let big = vec![0u8; MAX_BODY_LEN + 1];
        assert_eq!(
            seal_with_nonce(&key(), 1, &id(1), "x", &big, [0; 24]),
            Err(EnvelopeError::TooLarge)
        );
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(env) = parse(&bytes) {
                prop_assert!(open(&env, &key(), &id(1), "journal").is_err());
            }
        }

        #[test]
        fn seal_open_round_trips(body in proptest::collection::vec(any::<u8>(), 0..5000), kid in any::<u32>(), b in any::<u8>()) {
            let blob = seal(&key(), kid, &id(b), "journal", &body).unwrap();
            prop_assert_eq!(open_blob(&blob, &key(), &id(b), "journal").unwrap(), body);
        }

        #[test]
        fn magic_prefixed_noise_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut bytes = b"SLCE\x01\x01".to_vec();
            bytes.extend_from_slice(&tail);
            if let Ok(env) = parse(&bytes) {
                prop_assert!(open(&env, &key(), &id(1), "journal").is_err());
            }
        }
    }
}
