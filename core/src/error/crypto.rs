//! Failures of the device's own cryptography: sealed records and state, keys, key
//! derivation and the random number generator.

use crate::crypto::envelope::EnvelopeError;

/// Why a local cryptographic step failed. Never carries key material or plaintext.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A sealed record or state blob failed to parse or authenticate (damage or tampering).
    #[error("record could not be decrypted: {0}")]
    Envelope(#[from] EnvelopeError),
    /// The blob was sealed under a key id this vault does not have.
    #[error("record sealed with unknown key {0}")]
    UnknownKey(u32),
    /// Key-derivation parameters below the hard floor were requested or found on disk.
    #[error("key-derivation parameters are below the allowed minimum")]
    KdfTooWeak,
    /// Key-derivation parameters above the ceiling (1 GiB, 10 passes) were requested or sent
    /// by a server: refused rather than letting it exhaust the device.
    #[error("key-derivation parameters are above the allowed maximum")]
    KdfTooCostly,
    /// New key-derivation parameters would be weaker than the current ones.
    #[error("key-derivation parameters may not be weakened")]
    KdfDowngrade,
    /// A key derivation step refused its input lengths (a salt or output of the wrong size).
    #[error("key derivation failed: unusable key or salt length")]
    KeyLength,
    /// This device's own messaging state (its Olm account or sessions) is damaged: the sealed
    /// row does not open or its content does not decode. Local damage, never a peer's fault:
    /// restore the store from a backup to repair it.
    #[error("this device's messaging keys are damaged; restore the store from a backup")]
    DeviceStateDamaged,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}
