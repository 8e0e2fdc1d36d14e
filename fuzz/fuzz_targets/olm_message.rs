//! Fuzzes decoding and decrypting of mailbox messages (Olm wire form): no input may panic or
//! decrypt under an established session.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::messaging::olm::{DeviceCrypto, WireOlmMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(message) = serde_json::from_slice::<WireOlmMessage>(data) else { return };
    let alice = DeviceCrypto::new();
    let mut bob = DeviceCrypto::new();
    let otk = bob.publish_one_time_keys(1);
    if let Ok(mut ratchet) = alice.start_ratchet(&bob.keys(), &otk[0]) {
        assert!(ratchet.decrypt(&message).is_err(), "random input decrypted");
    }
    let _ = bob.accept_ratchet(&alice.keys().curve25519, &message);
});
