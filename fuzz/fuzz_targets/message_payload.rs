//! Fuzzes decoding of decrypted message payloads and mailbox pages: no input may panic, and a
//! payload that decodes re-encodes to one that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::messaging::payload::Payload;
use solace_protocol::messaging::Inbox;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = Payload::decode(data) {
        let again = Payload::decode(&payload.encode().expect("a decoded payload encodes"))
            .expect("an encoded payload decodes");
        assert_eq!(again, payload);
    }
    let _ = serde_json::from_slice::<Inbox>(data);
});
