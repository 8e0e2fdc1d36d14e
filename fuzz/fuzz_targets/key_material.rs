//! Fuzzes the parsers of key material: wrapped keys, recovery keys and record ids.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::crypto::{wrap, SecretKey};
use solace_core::vault::RecoveryKey;
use solace_core::RecordId;

fuzz_target!(|data: &[u8]| {
    let key = SecretKey::from_bytes([0x11; 32]);
    assert!(wrap::unwrap(&key, data, "account-key/kek").is_err());
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RecoveryKey::parse(text);
        let _ = text.parse::<RecordId>();
    }
});
