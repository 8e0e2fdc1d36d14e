//! Safety numbers (derivation v1, frozen): what two people compare, aloud or by QR code, to
//! know that no one sits between their account identities.
//!
//! For each side: `h = SHA-512("solace-safety-v1" || len(account_id) as u32 BE || account_id
//! || key)`, then 5200 times `h = SHA-512(h || key)` (key = the 32 raw bytes of the account's
//! Ed25519 identity key). The first 30 bytes of `h` make six 5-byte big-endian numbers, each
//! taken modulo 100000 as five digits: 30 digits per side. The two sides' digit strings are
//! sorted and joined: 60 digits, shown as 12 groups of 5. Both people get the same number.
//! The QR payload is `solace-verify:1:` and the standard base64 of both raw keys, in the same
//! order as the digits.

use base64::Engine as _;
use sha2::{Digest, Sha512};

use super::account::key_bytes;

const ITERATIONS: usize = 5200;
const CONTEXT: &[u8] = b"solace-safety-v1";

/// A conversation's safety number and its QR payload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SafetyNumber {
    /// 60 digits as 12 groups of 5, separated by spaces.
    pub digits: String,
    /// The string a QR code carries (`solace-verify:1:<base64>`).
    pub qr_payload: String,
}

fn half(account_id: &str, key: &[u8; 32]) -> String {
    let mut hasher = Sha512::new();
    hasher.update(CONTEXT);
    hasher.update(
        u32::try_from(account_id.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    hasher.update(account_id.as_bytes());
    hasher.update(key);
    let mut h = hasher.finalize();
    for _ in 0..ITERATIONS {
        let mut next = Sha512::new();
        next.update(h);
        next.update(key);
        h = next.finalize();
    }
    h[..30]
        .chunks(5)
        .map(|c| {
            let n = c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            format!("{:05}", n % 100_000)
        })
        .collect()
}

/// The safety number of the conversation between two accounts, each given as (account id,
/// base64 identity key); `None` when a key is not an Ed25519 public key.
pub fn safety_number(a: (&str, &str), b: (&str, &str)) -> Option<SafetyNumber> {
    let (ka, kb) = (key_bytes(a.1)?, key_bytes(b.1)?);
    let mut sides = [(half(a.0, &ka), ka), (half(b.0, &kb), kb)];
    crate::sort::sort(&mut sides);
    let joined = format!("{}{}", sides[0].0, sides[1].0);
    let digits = joined
        .as_bytes()
        .chunks(5)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let mut keys = sides[0].1.to_vec();
    keys.extend_from_slice(&sides[1].1);
    Some(SafetyNumber {
        digits,
        qr_payload: format!(
            "solace-verify:1:{}",
            base64::engine::general_purpose::STANDARD.encode(keys)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::identity::AccountIdentity;

    /// Frozen vector: safety number derivation v1.
    #[test]
    fn safety_number_v1_is_frozen_and_symmetric() {
        let a = AccountIdentity::from_seed(&[1u8; 32]).public_key();
        let b = AccountIdentity::from_seed(&[2u8; 32]).public_key();
        let n = safety_number(("acc-client", &a), ("acc-therapist", &b)).unwrap();
        assert_eq!(
            n.digits,
            "95386 55415 01375 19480 39549 17949 97720 98529 75297 09215 84420 66922"
        );
        assert_eq!(n.qr_payload, "solace-verify:1:gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5SKiOPddAnxlf1S2y08ul1yymcJvx2UEhvzdIgBtA9vXA==");
        assert_eq!(
            safety_number(("acc-therapist", &b), ("acc-client", &a)).unwrap(),
            n,
            "both people see the same number"
        );
        assert_eq!(n.digits.len(), 60 + 11);
        let c = AccountIdentity::from_seed(&[3u8; 32]).public_key();
        let changed = safety_number(("acc-client", &a), ("acc-therapist", &c)).unwrap();
        assert_ne!(
            changed.digits, n.digits,
            "a changed identity changes the number"
        );
        assert!(safety_number(("acc-client", "junk"), ("acc-therapist", &b)).is_none());
    }
}
