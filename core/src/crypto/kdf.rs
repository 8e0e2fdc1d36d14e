//! Passphrase → Argon2id → HKDF-SHA256 → (`auth_key`, `kek`).
//!
//! The Argon2id output (64 bytes) never leaves this module: HKDF splits it into an auth secret,
//! which a later sync layer sends to the server as a login secret, and the key-encryption key,
//! which never leaves the device. Parameters are stored with the vault; a hard floor is enforced
//! on every derivation so a tampered store or a hostile server cannot talk the client into a
//! cheap derivation, and a passphrase change may never weaken them.

use crate::error::CryptoError;
use argon2::{Algorithm, Argon2, Params, Version};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{SecretKey, KEY_LEN};
use crate::error::{CoreError, Result};

/// Length of the random per-vault salt.
pub const SALT_LEN: usize = 16;

const HKDF_SALT: &[u8] = b"solace/kdf/v1";
const INFO_AUTH: &[u8] = b"solace/v1/auth-key";
const INFO_KEK: &[u8] = b"solace/v1/key-encryption-key";

/// Argon2id cost parameters, stored with each vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism.
    pub parallelism: u32,
}

impl KdfParams {
    /// The default for new vaults: 64 MiB, 3 passes, 1 lane (≈190 ms on the reference machine).
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };

    /// The hard floor: nothing weaker is ever used, whatever the store or a server says.
    /// (OWASP's minimum recommendation for Argon2id: 19 MiB, 2 passes.)
    pub const FLOOR: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The ceiling: a hostile server or store must not be able to make a login or unlock
    /// allocate gigabytes or spin for minutes (1 GiB, 10 passes, 16 lanes).
    pub const CEILING: KdfParams = KdfParams {
        memory_kib: 1024 * 1024,
        iterations: 10,
        parallelism: 16,
    };

    /// Refuses parameters below [`KdfParams::FLOOR`] or above [`KdfParams::CEILING`].
    pub fn check(&self) -> Result<()> {
        if self.memory_kib < Self::FLOOR.memory_kib
            || self.iterations < Self::FLOOR.iterations
            || self.parallelism < Self::FLOOR.parallelism
        {
            return Err(CoreError::Crypto(CryptoError::KdfTooWeak));
        }
        if self.memory_kib > Self::CEILING.memory_kib
            || self.iterations > Self::CEILING.iterations
            || self.parallelism > Self::CEILING.parallelism
        {
            return Err(CoreError::Crypto(CryptoError::KdfTooCostly));
        }
        Ok(())
    }

    /// Refuses `new` if any cost is lower than in `self` (a passphrase change never weakens).
    pub fn check_not_weaker(&self, new: &KdfParams) -> Result<()> {
        new.check()?;
        if new.memory_kib < self.memory_kib
            || new.iterations < self.iterations
            || new.parallelism < self.parallelism
        {
            return Err(CoreError::Crypto(CryptoError::KdfDowngrade));
        }
        Ok(())
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The two keys a passphrase yields.
pub struct DerivedKeys {
    /// Login secret for the provider server; the server stores only a slow hash of it.
    pub auth_key: SecretKey,
    /// Key-encryption key that wraps the account key; never leaves the device.
    pub kek: SecretKey,
}

impl std::fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKeys(<redacted>)")
    }
}

/// Runs Argon2id with `params` (after checking the floor) and splits the output with HKDF.
pub fn derive(passphrase: &[u8], salt: &[u8; SALT_LEN], params: &KdfParams) -> Result<DerivedKeys> {
    params.check()?;
    if passphrase.is_empty() {
        return Err(CoreError::WeakPassphrase("it is empty"));
    }
    let argon_params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(64),
    )
    .map_err(|_| CoreError::Crypto(CryptoError::KdfTooWeak))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut master = Zeroizing::new([0u8; 64]);
    argon
        .hash_password_into(passphrase, salt, master.as_mut())
        .map_err(|_| CoreError::Crypto(CryptoError::KeyLength))?;
    split(master.as_ref())
}

/// HKDF-SHA256 expansion of the Argon2id output into the auth key and the KEK.
fn split(master: &[u8]) -> Result<DerivedKeys> {
    let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), master);
    let mut auth = Zeroizing::new([0u8; KEY_LEN]);
    let mut kek = Zeroizing::new([0u8; KEY_LEN]);
    hkdf.expand(INFO_AUTH, auth.as_mut())
        .and_then(|_| hkdf.expand(INFO_KEK, kek.as_mut()))
        .map_err(|_| CoreError::Crypto(CryptoError::KeyLength))?;
    Ok(DerivedKeys {
        auth_key: SecretKey::from_bytes(*auth),
        kek: SecretKey::from_bytes(*kek),
    })
}

/// Derives a wrapping key from a high-entropy secret (the recovery key) without Argon2:
/// 256 random bits need no stretching, only domain separation.
pub fn derive_from_high_entropy(secret: &[u8], info: &[u8]) -> Result<SecretKey> {
    let hkdf = Hkdf::<Sha256>::new(Some(HKDF_SALT), secret);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    hkdf.expand(info, out.as_mut())
        .map_err(|_| CoreError::Crypto(CryptoError::KeyLength))?;
    Ok(SecretKey::from_bytes(*out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_downgrade_are_refused() {
        let weak = KdfParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        assert!(matches!(
            weak.check(),
            Err(CoreError::Crypto(CryptoError::KdfTooWeak))
        ));
        assert!(matches!(
            derive(b"pw", &[0; SALT_LEN], &weak),
            Err(CoreError::Crypto(CryptoError::KdfTooWeak))
        ));
        let lower = KdfParams {
            memory_kib: 32 * 1024,
            ..KdfParams::DEFAULT
        };
        assert!(matches!(
            KdfParams::DEFAULT.check_not_weaker(&lower),
            Err(CoreError::Crypto(CryptoError::KdfDowngrade))
        ));
        let higher = KdfParams {
            iterations: 4,
            ..KdfParams::DEFAULT
        };
        assert!(KdfParams::DEFAULT.check_not_weaker(&higher).is_ok());
    }

    #[test]
    fn derivation_is_deterministic_and_keys_differ() {
        let salt = [7u8; SALT_LEN];
        let a = derive(b"correct horse", &salt, &KdfParams::FLOOR).unwrap();
        let b = derive(b"correct horse", &salt, &KdfParams::FLOOR).unwrap();
        let c = derive(b"correct horsf", &salt, &KdfParams::FLOOR).unwrap();
        assert_eq!(a.kek, b.kek);
        assert_eq!(a.auth_key, b.auth_key);
        assert_ne!(a.kek, a.auth_key);
        assert_ne!(a.kek, c.kek);
    }

    #[test]
    fn empty_passphrase_is_refused() {
        assert!(matches!(
            derive(b"", &[0; SALT_LEN], &KdfParams::FLOOR),
            Err(CoreError::WeakPassphrase(_))
        ));
    }
}
