//! Cryptographic building blocks, all on well-reviewed RustCrypto crates:
//! Argon2id + HKDF key derivation ([`kdf`]), key wrapping ([`wrap`]) and the record envelope
//! ([`envelope`] v1, [`envelope_v2`]). Nothing here is hand-rolled: these modules only fix formats and labels.

pub mod envelope;
pub mod envelope_v2;
pub mod kdf;
pub mod wrap;

use crate::error::CryptoError;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{CoreError, Result};

/// Length in bytes of every symmetric key in the hierarchy.
pub const KEY_LEN: usize = 32;

/// A 256-bit symmetric key that is wiped from memory when dropped and never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; KEY_LEN]);

impl SecretKey {
    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; KEY_LEN];
        fill_random(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// Wraps raw key bytes (for example just unwrapped, or from a test vector).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// Builds a key from a slice that must be exactly [`KEY_LEN`] bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let array: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(Self(array))
    }

    /// The raw key bytes, for handing to a cipher or a key store.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Fills `buf` from the operating system's CSPRNG.
pub fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| CoreError::Crypto(CryptoError::Random))
}
