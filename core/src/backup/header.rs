//! The clear header of a backup file (format v1): what is needed to open the body, and
//! nothing personal. Parsed before anything is decrypted, so it is a fuzz target
//! (`backup_header`).

use crate::crypto::kdf::{KdfParams, SALT_LEN};
use crate::crypto::wrap::WRAPPED_LEN;
use crate::error::{BackupError, CoreError, Result};

/// The file's first bytes.
pub const MAGIC: &[u8; 14] = b"SOLACE-BACKUP\0";
/// The format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Length of the random per-backup salt of the body key.
pub const BODY_SALT_LEN: usize = 32;
/// Smallest and largest body chunk a reader accepts (bounds its memory).
pub const MIN_CHUNK: u32 = 1024;
/// See [`MIN_CHUNK`].
pub const MAX_CHUNK: u32 = 1 << 20;

/// The clear header of a backup (see the format in [`crate::backup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// When the backup was written, Unix seconds (device clock).
    pub created_at: i64,
    /// Argon2id parameters of the passphrase, as the vault had them.
    pub kdf: KdfParams,
    /// The passphrase salt, as the vault had it.
    pub kdf_salt: [u8; SALT_LEN],
    /// The account key wrapped by the passphrase KEK (wrap v1 bytes, as in the vault).
    pub by_kek: Vec<u8>,
    /// The account key wrapped by the recovery key (wrap v1), if the vault has that wrap.
    pub by_recovery: Option<Vec<u8>>,
    /// Salt of the body key (`HKDF-SHA256(salt, account key, "solace/backup/v1")`).
    pub body_salt: [u8; BODY_SALT_LEN],
    /// Plaintext bytes per body chunk (every chunk but the last is exactly this long).
    pub chunk_size: u32,
    /// Items keys in the body.
    pub items_keys: u32,
    /// Record rows in the body.
    pub records: u64,
}

impl Header {
    /// The header's bytes as written (and authenticated as every chunk's associated data).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.created_at.to_be_bytes());
        out.extend_from_slice(&self.kdf.memory_kib.to_be_bytes());
        out.extend_from_slice(&self.kdf.iterations.to_be_bytes());
        out.extend_from_slice(&self.kdf.parallelism.to_be_bytes());
        out.extend_from_slice(&self.kdf_salt);
        out.extend_from_slice(&self.by_kek);
        match &self.by_recovery {
            Some(wrapped) => {
                out.push(1);
                out.extend_from_slice(wrapped);
            }
            None => out.push(0),
        }
        out.extend_from_slice(&self.body_salt);
        out.extend_from_slice(&self.chunk_size.to_be_bytes());
        out.extend_from_slice(&self.items_keys.to_be_bytes());
        out.extend_from_slice(&self.records.to_be_bytes());
        out
    }

    /// Parses a header from the start of `bytes`; returns it and its length. Anything but a
    /// well-formed v1 header is [`BackupError::Malformed`] (or
    /// [`BackupError::UnsupportedVersion`]). Key-derivation parameters are checked later,
    /// where they are used (floor and ceiling).
    pub fn parse(bytes: &[u8]) -> Result<(Header, usize)> {
        let mut r = Cursor { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(malformed());
        }
        let version = r.array::<1>()?[0];
        if version != VERSION {
            return Err(CoreError::Backup(BackupError::UnsupportedVersion(version)));
        }
        let created_at = i64::from_be_bytes(r.array()?);
        let kdf = KdfParams {
            memory_kib: r.u32()?,
            iterations: r.u32()?,
            parallelism: r.u32()?,
        };
        let kdf_salt = r.array::<SALT_LEN>()?;
        let by_kek = r.take(WRAPPED_LEN)?.to_vec();
        let by_recovery = match r.array::<1>()?[0] {
            0 => None,
            1 => Some(r.take(WRAPPED_LEN)?.to_vec()),
            _ => return Err(malformed()),
        };
        let body_salt = r.array::<BODY_SALT_LEN>()?;
        let chunk_size = r.u32()?;
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
            return Err(malformed());
        }
        let items_keys = r.u32()?;
        let records = u64::from_be_bytes(r.array()?);
        Ok((
            Header {
                created_at,
                kdf,
                kdf_salt,
                by_kek,
                by_recovery,
                body_salt,
                chunk_size,
                items_keys,
                records,
            },
            r.at,
        ))
    }
}

fn malformed() -> CoreError {
    CoreError::Backup(BackupError::Malformed)
}

/// Reads fields off the front of a byte slice; running short is [`BackupError::Malformed`].
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or_else(malformed)?;
        let part = self.bytes.get(self.at..end).ok_or_else(malformed)?;
        self.at = end;
        Ok(part)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| malformed())
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(by_recovery: Option<Vec<u8>>) -> Header {
        Header {
            created_at: 1_700_000_000,
            kdf: KdfParams::FLOOR,
            kdf_salt: [7; SALT_LEN],
            by_kek: vec![1; WRAPPED_LEN],
            by_recovery,
            body_salt: [9; BODY_SALT_LEN],
            chunk_size: 65536,
            items_keys: 2,
            records: 3,
        }
    }

    #[test]
    fn round_trips_with_and_without_a_recovery_wrap() {
        for h in [sample(Some(vec![2; WRAPPED_LEN])), sample(None)] {
            let mut bytes = h.encode();
            let len = bytes.len();
            bytes.extend_from_slice(b"body");
            assert_eq!(Header::parse(&bytes).unwrap(), (h, len));
        }
    }

    #[test]
    fn every_truncation_and_bad_field_is_refused() {
        let bytes = sample(Some(vec![2; WRAPPED_LEN])).encode();
        for cut in 0..bytes.len() {
            assert!(
                matches!(
                    Header::parse(&bytes[..cut]),
                    Err(CoreError::Backup(BackupError::Malformed))
                ),
                "cut at {cut}"
            );
        }
        let mut wrong_version = bytes.clone();
        wrong_version[MAGIC.len()] = 2;
        assert!(matches!(
            Header::parse(&wrong_version),
            Err(CoreError::Backup(BackupError::UnsupportedVersion(2)))
        ));
        let mut wrong_magic = bytes.clone();
        wrong_magic[0] = b's';
        assert!(Header::parse(&wrong_magic).is_err());
        let flag = MAGIC.len() + 1 + 8 + 12 + SALT_LEN + WRAPPED_LEN;
        let mut wrong_flag = bytes.clone();
        wrong_flag[flag] = 2;
        assert!(Header::parse(&wrong_flag).is_err());
        let mut tiny_chunks = sample(None);
        tiny_chunks.chunk_size = MIN_CHUNK - 1;
        assert!(Header::parse(&tiny_chunks.encode()).is_err());
    }
}
