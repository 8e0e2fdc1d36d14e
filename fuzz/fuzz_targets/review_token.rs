//! Fuzzes what a device parses of the review protocol: the published key list, each key
//! (base64 SPKI, checked against its id) and a token answer. No input may panic; a key that
//! parses has the id its bytes hash to.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::reviews::token::PublishedKey;
use solace_protocol::reviews::{ReviewKeys, TokenResponse};

fuzz_target!(|data: &[u8]| {
    if let Ok(keys) = serde_json::from_slice::<ReviewKeys>(data) {
        for wire in &keys.keys {
            if let Ok(key) = PublishedKey::parse(wire) {
                assert_eq!(key.key_id, wire.key_id);
                assert_eq!(key.period, wire.period);
            }
        }
    }
    let _ = serde_json::from_slice::<TokenResponse>(data);
});
