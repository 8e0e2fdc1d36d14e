//! Record envelope v2: the record's kind, a forward-only version and the deletion flag travel
//! **inside** the ciphertext, so the server learns no kind and can neither forge a deletion nor
//! roll a record back unnoticed.
//!
//! Layout: `magic "SLCE" | version 0x02 | alg 0x01 | key id (u32 BE) | nonce (24) |
//! ciphertext+tag`, XChaCha20-Poly1305 with a random nonce. Associated data: the 10-byte
//! header and the 16-byte record id (a blob moved to another id fails to open).
//! Plaintext: `record id (16) | version (u64 BE) | flags (u8; bit 0 = deleted) |
//! kind length (u8) | kind | body length (u32 BE) | body | zero padding` to the same size
//! buckets as v1. The id inside is checked, the kind is compared with what the caller expects,
//! unknown flag bits and non-zero padding are refused. A tombstone has the deleted flag and an
//! empty body. Frozen vectors live in `core/tests/vectors/envelope_v2.json`.
//!
//! [`open_record`] opens either version: a v1 blob is authenticated under the kind it claims
//! (bound by its AAD), has version 0, and counts as deleted when its sealed body is empty (the
//! v1 tombstone convention).

use zeroize::Zeroizing;

use super::envelope::{
    self, decrypt, header_bytes, seal_padded, Envelope, EnvelopeError, MAX_BODY_LEN, NONCE_LEN,
    VERSION_1, VERSION_2,
};
use super::{fill_random, SecretKey};
use crate::record::RecordId;

const FLAG_DELETED: u8 = 0x01;
/// id, version, flags, kind length (the kind and the body length follow).
const FIXED_INNER: usize = 16 + 8 + 1 + 1;
const MAX_KIND_LEN: usize = 64;

/// What a caller seals: everything but the key material.
#[derive(Debug, Clone, Copy)]
pub struct SealInput<'a> {
    /// The record id (bound in the AAD and repeated inside).
    pub id: &'a RecordId,
    /// The record kind tag (sealed inside).
    pub kind: &'a str,
    /// Forward-only version: every write of a record seals a higher one.
    pub version: u64,
    /// Whether this is a tombstone.
    pub deleted: bool,
    /// The body (empty for a tombstone).
    pub body: &'a [u8],
}

/// A record opened from either envelope version.
pub struct OpenedRecord {
    /// Envelope version it was sealed in.
    pub format: u8,
    /// The authenticated kind tag.
    pub kind: String,
    /// The authenticated version (0 for v1).
    pub version: u64,
    /// Whether the sealed content says the record is deleted.
    pub deleted: bool,
    /// The body (empty for a tombstone), zeroized on drop.
    pub body: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for OpenedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedRecord")
            .field("format", &self.format)
            .field("kind", &self.kind)
            .field("version", &self.version)
            .field("deleted", &self.deleted)
            .finish_non_exhaustive()
    }
}

fn associated_data(header: &[u8], id: &RecordId) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + 16);
    aad.extend_from_slice(header);
    aad.extend_from_slice(id.as_bytes());
    aad
}

/// Seals a record in envelope v2 under items key `key_id` with a random nonce.
pub fn seal(key: &SecretKey, key_id: u32, input: SealInput<'_>) -> crate::error::Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    Ok(seal_with_nonce(key, key_id, input, nonce)?)
}

/// Deterministic sealing for frozen vectors; production code uses [`seal`].
pub fn seal_with_nonce(
    key: &SecretKey,
    key_id: u32,
    input: SealInput<'_>,
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, EnvelopeError> {
    if input.body.len() > MAX_BODY_LEN {
        return Err(EnvelopeError::TooLarge);
    }
    let kind = input.kind.as_bytes();
    if kind.is_empty() || kind.len() > MAX_KIND_LEN {
        return Err(EnvelopeError::KindMismatch);
    }
    let header = header_bytes(VERSION_2, key_id);
    let aad = associated_data(&header, input.id);
    let inner_len = FIXED_INNER + kind.len() + 4 + input.body.len();
    seal_padded(key, &header, &aad, nonce, inner_len, |out| {
        out.extend_from_slice(input.id.as_bytes());
        out.extend_from_slice(&input.version.to_be_bytes());
        out.push(if input.deleted { FLAG_DELETED } else { 0 });
        out.push(kind.len() as u8);
        out.extend_from_slice(kind);
        out.extend_from_slice(&(input.body.len() as u32).to_be_bytes());
        out.extend_from_slice(input.body);
    })
}

/// Opens a parsed v2 envelope for record `id`. When `expected_kind` is given, a different kind
/// inside is [`EnvelopeError::KindMismatch`].
pub fn open(
    env: &Envelope<'_>,
    key: &SecretKey,
    id: &RecordId,
    expected_kind: Option<&str>,
) -> Result<OpenedRecord, EnvelopeError> {
    if env.version != VERSION_2 {
        return Err(EnvelopeError::UnsupportedVersion(env.version));
    }
    let aad = associated_data(&env.header(), id);
    let mut plain = decrypt(env, key, &aad)?;
    if plain.len() < FIXED_INNER {
        return Err(EnvelopeError::BadPadding);
    }
    if &plain[..16] != id.as_bytes() {
        return Err(EnvelopeError::IdMismatch);
    }
    let mut version = [0u8; 8];
    version.copy_from_slice(&plain[16..24]);
    let version = u64::from_be_bytes(version);
    let flags = plain[24];
    if flags & !FLAG_DELETED != 0 {
        return Err(EnvelopeError::BadPadding);
    }
    let kind_len = usize::from(plain[25]);
    let kind_end = FIXED_INNER + kind_len;
    let body_start = kind_end + 4;
    if kind_len == 0 || kind_len > MAX_KIND_LEN || plain.len() < body_start {
        return Err(EnvelopeError::BadPadding);
    }
    let kind = std::str::from_utf8(&plain[FIXED_INNER..kind_end])
        .map_err(|_| EnvelopeError::BadPadding)?
        .to_owned();
    if expected_kind.is_some_and(|k| k != kind) {
        return Err(EnvelopeError::KindMismatch);
    }
    let len = &plain[kind_end..body_start];
    let body_len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let body_end = body_start
        .checked_add(body_len)
        .filter(|end| *end <= plain.len())
        .ok_or(EnvelopeError::BadPadding)?;
    if plain[body_end..].iter().any(|b| *b != 0) {
        return Err(EnvelopeError::BadPadding);
    }
    let deleted = flags & FLAG_DELETED != 0;
    if deleted && body_len != 0 {
        return Err(EnvelopeError::BadPadding);
    }
    plain.truncate(body_end);
    plain.drain(..body_start);
    Ok(OpenedRecord {
        format: VERSION_2,
        kind,
        version,
        deleted,
        body: plain,
    })
}

/// Opens a blob of either version. `claimed_kind` is the kind a v1 blob is authenticated under
/// (v1 binds it in the AAD); for v2 it is compared with the sealed kind unless `None`.
pub fn open_record(
    env: &Envelope<'_>,
    key: &SecretKey,
    id: &RecordId,
    claimed_kind: Option<&str>,
) -> Result<OpenedRecord, EnvelopeError> {
    match env.version {
        VERSION_1 => {
            let kind = claimed_kind.ok_or(EnvelopeError::KindMismatch)?;
            let body = envelope::open(env, key, id, kind)?;
            Ok(OpenedRecord {
                format: VERSION_1,
                kind: kind.to_owned(),
                version: 0,
                deleted: body.is_empty(),
                body,
            })
        }
        _ => open(env, key, id, claimed_kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::envelope::parse;
    use proptest::prelude::*;

    fn key() -> SecretKey {
        SecretKey::from_bytes([0x42; 32])
    }

    fn input<'a>(id: &'a RecordId, body: &'a [u8]) -> SealInput<'a> {
        SealInput {
            id,
            kind: "journal",
            version: 7,
            deleted: false,
            body,
        }
    }

    fn open_blob(
        blob: &[u8],
        id: &RecordId,
        kind: Option<&str>,
    ) -> Result<OpenedRecord, EnvelopeError> {
        open(&parse(blob)?, &key(), id, kind)
    }

    #[test]
    fn round_trip_carries_kind_version_and_deletion() {
        let id = RecordId([1; 16]);
        let blob = seal(&key(), 3, input(&id, b"hello")).unwrap();
        assert_eq!(blob[4], VERSION_2);
        let opened = open_blob(&blob, &id, Some("journal")).unwrap();
        assert_eq!(
            (opened.kind.as_str(), opened.version, opened.deleted),
            ("journal", 7, false)
        );
        assert_eq!(opened.body.as_slice(), b"hello");
        let tomb = seal(
            &key(),
            3,
            SealInput {
                deleted: true,
                version: 8,
                ..input(&id, b"")
            },
        )
        .unwrap();
        let opened = open_blob(&tomb, &id, None).unwrap();
        assert!(opened.deleted && opened.body.is_empty() && opened.version == 8);
    }

    #[test]
    fn wrong_id_kind_or_flipped_bytes_fail() {
        let id = RecordId([1; 16]);
        let blob = seal(&key(), 3, input(&id, b"x")).unwrap();
        assert_eq!(
            open_blob(&blob, &RecordId([2; 16]), None).unwrap_err(),
            EnvelopeError::Authentication
        );
        assert_eq!(
            open_blob(&blob, &id, Some("mood")).unwrap_err(),
            EnvelopeError::KindMismatch
        );
        for i in 0..blob.len() {
            let mut t = blob.clone();
            t[i] ^= 0x01;
            assert!(open_blob(&t, &id, Some("journal")).is_err(), "byte {i}");
        }
    }

    #[test]
    fn a_deleted_flag_with_a_body_is_refused_when_sealing_garbage() {
        let id = RecordId([1; 16]);
        let bad = seal(
            &key(),
            1,
            SealInput {
                deleted: true,
                ..input(&id, b"body")
            },
        )
        .unwrap();
        assert_eq!(
            open_blob(&bad, &id, None).unwrap_err(),
            EnvelopeError::BadPadding
        );
    }

    #[test]
    fn v1_blobs_open_as_version_zero() {
        let id = RecordId([1; 16]);
        let live = envelope::seal(&key(), 1, &id, "mood", b"{}").unwrap();
        let opened = open_record(&parse(&live).unwrap(), &key(), &id, Some("mood")).unwrap();
        assert_eq!(
            (opened.format, opened.version, opened.deleted),
            (1, 0, false)
        );
        let tomb = envelope::seal(&key(), 1, &id, "mood", b"").unwrap();
        assert!(
            open_record(&parse(&tomb).unwrap(), &key(), &id, Some("mood"))
                .unwrap()
                .deleted
        );
        assert!(open_record(&parse(&live).unwrap(), &key(), &id, Some("journal")).is_err());
        assert!(open_record(&parse(&live).unwrap(), &key(), &id, None).is_err());
    }

    proptest! {
        #[test]
        fn seal_open_round_trips(body in proptest::collection::vec(any::<u8>(), 0..3000), version in any::<u64>(), b in any::<u8>()) {
            let id = RecordId([b; 16]);
            let blob = seal(&key(), 9, SealInput { version, ..input(&id, &body) }).unwrap();
            let opened = open_blob(&blob, &id, Some("journal")).unwrap();
            prop_assert_eq!(opened.version, version);
            prop_assert_eq!(opened.body.as_slice(), body.as_slice());
        }

        #[test]
        fn noise_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut bytes = b"SLCE\x02\x01".to_vec();
            bytes.extend_from_slice(&tail);
            if let Ok(env) = parse(&bytes) {
                prop_assert!(open(&env, &key(), &RecordId([1; 16]), None).is_err());
            }
        }
    }
}
