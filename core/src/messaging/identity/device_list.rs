//! The signed device list (format v1, frozen): the account identity's signature over the
//! account's current device ids and a version that only grows, so the server can neither list
//! a device the person dropped (revoked) again nor serve an older list. Canonical bytes: the
//! context `solace-device-list-v1`, the account id (big-endian `u32` length, then UTF-8), the
//! version (big-endian `u64`), the number of ids (big-endian `u32`), then each device id
//! (length-prefixed like the account id), sorted and without duplicates.

use solace_protocol::messaging as m;

use super::account::{self, AccountIdentity};

const CONTEXT: &[u8] = b"solace-device-list-v1";

fn push_field(out: &mut Vec<u8>, field: &str) {
    out.extend_from_slice(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(field.as_bytes());
}

/// Sorted, without duplicates: the order the list is signed and sent in.
pub fn normalized(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    crate::sort::sort(&mut ids);
    ids.dedup();
    ids
}

/// The bytes the account identity signs for a list.
pub fn canonical_bytes(account_id: &str, version: u64, device_ids: &[String]) -> Vec<u8> {
    let ids = normalized(device_ids);
    let mut out = CONTEXT.to_vec();
    push_field(&mut out, account_id);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&u32::try_from(ids.len()).unwrap_or(u32::MAX).to_be_bytes());
    for id in &ids {
        push_field(&mut out, id);
    }
    out
}

/// Signs a list of this account's devices.
pub fn sign(
    identity: &AccountIdentity,
    account_id: &str,
    version: u64,
    device_ids: &[String],
) -> m::WireDeviceList {
    let device_ids = normalized(device_ids);
    m::WireDeviceList {
        version,
        signature: identity.sign(&canonical_bytes(account_id, version, &device_ids)),
        device_ids,
        account_key: identity.public_key(),
    }
}

/// Whether `list` is `account_key`'s signed list for `account_id`.
pub fn verify(account_key: &str, account_id: &str, list: &m::WireDeviceList) -> bool {
    account::verify(
        account_key,
        &canonical_bytes(account_id, list.version, &list.device_ids),
        &list.signature,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen vector: signed device list v1.
    #[test]
    fn signed_device_list_v1_is_frozen() {
        let identity = AccountIdentity::from_seed(&[7u8; 32]);
        let ids = vec!["dev-2".to_owned(), "dev-1".to_owned(), "dev-2".to_owned()];
        assert_eq!(
            hex::encode(canonical_bytes("acc-1", 3, &ids)),
            concat!(
                "736f6c6163652d6465766963652d6c6973742d7631",
                "00000005",
                "6163632d31",
                "0000000000000003",
                "00000002",
                "00000005",
                "6465762d31",
                "00000005",
                "6465762d32"
            )
        );
        let list = sign(&identity, "acc-1", 3, &ids);
        assert_eq!(list.device_ids, ["dev-1", "dev-2"]);
        assert_eq!(list.signature, "qTA12cbmEOJNXioC+aBxT5GtV2WmZ3/eSiULm8qEpZASdgQ/4n5VGvYB2KsddBecjdZSXQeFhqKxrgdgtjKABQ");
        let key = identity.public_key();
        assert!(verify(&key, "acc-1", &list));
        assert!(!verify(&key, "acc-2", &list));
        let mut older = list.clone();
        older.version = 2;
        assert!(!verify(&key, "acc-1", &older), "the version is signed");
        let mut grown = list.clone();
        grown.device_ids.push("ghost".into());
        assert!(!verify(&key, "acc-1", &grown), "the ids are signed");
        let other = AccountIdentity::from_seed(&[8u8; 32]).public_key();
        assert!(!verify(&other, "acc-1", &list));
    }
}
