//! The signed device record (format v1, frozen): the account identity's signature over one
//! device's Olm identity, so a sender can tell the person's real devices from any the server
//! lists. Canonical bytes: the context `solace-device-v1`, then account id, device id,
//! Curve25519 key and Ed25519 key (both base64 as published), each as a big-endian `u32`
//! length followed by its UTF-8 bytes.

use super::account::{self, AccountIdentity};

const CONTEXT: &[u8] = b"solace-device-v1";

/// The bytes the account identity signs for one device.
pub fn canonical_bytes(
    account_id: &str,
    device_id: &str,
    curve25519: &str,
    ed25519: &str,
) -> Vec<u8> {
    let mut out = CONTEXT.to_vec();
    for field in [account_id, device_id, curve25519, ed25519] {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// Signs a device of this account (base64 signature).
pub fn sign(
    identity: &AccountIdentity,
    account_id: &str,
    device_id: &str,
    curve25519: &str,
    ed25519: &str,
) -> String {
    identity.sign(&canonical_bytes(account_id, device_id, curve25519, ed25519))
}

/// Whether `signature` by `account_key` covers exactly this device of this account.
pub fn verify(
    account_key: &str,
    account_id: &str,
    device_id: &str,
    curve25519: &str,
    ed25519: &str,
    signature: &str,
) -> bool {
    account::verify(
        account_key,
        &canonical_bytes(account_id, device_id, curve25519, ed25519),
        signature,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen vector: signed device record v1. Clients of every version must keep producing
    /// and accepting exactly these bytes and this signature.
    #[test]
    fn signed_device_record_v1_is_frozen() {
        let identity = AccountIdentity::from_seed(&[7u8; 32]);
        let bytes = canonical_bytes("acc-1", "dev-1", "Y3VydmU=", "ZWQ=");
        assert_eq!(
            hex::encode(&bytes),
            concat!(
                "736f6c6163652d6465766963652d7631",
                "00000005",
                "6163632d31",
                "00000005",
                "6465762d31",
                "00000008",
                "59335679646d553d",
                "00000004",
                "5a57513d"
            )
        );
        assert_eq!(
            identity.public_key(),
            "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw"
        );
        let signature = sign(&identity, "acc-1", "dev-1", "Y3VydmU=", "ZWQ=");
        assert_eq!(signature, "W4EcW8pZWUsOwqAeWjXXkgxJqZcWzFEwTN+rGO8I0FemXkUnDmeqBDH7Z5IKv0kutuI0SKtRfYzU3Cx2gGkPBA");
        let key = identity.public_key();
        assert!(verify(
            &key, "acc-1", "dev-1", "Y3VydmU=", "ZWQ=", &signature
        ));
        // Any other account, device or key is a different record.
        assert!(!verify(
            &key, "acc-2", "dev-1", "Y3VydmU=", "ZWQ=", &signature
        ));
        assert!(!verify(
            &key, "acc-1", "dev-2", "Y3VydmU=", "ZWQ=", &signature
        ));
        assert!(!verify(
            &key, "acc-1", "dev-1", "Y3VydmV=", "ZWQ=", &signature
        ));
        let other = AccountIdentity::from_seed(&[8u8; 32]).public_key();
        assert!(!verify(
            &other, "acc-1", "dev-1", "Y3VydmU=", "ZWQ=", &signature
        ));
    }
}
