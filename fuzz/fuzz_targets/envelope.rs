//! Fuzzes the record envelope parser and opener: no input may panic, and nothing but a
//! correctly sealed blob may open.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::crypto::envelope;
use solace_core::crypto::SecretKey;
use solace_core::RecordId;

fuzz_target!(|data: &[u8]| {
    let key = SecretKey::from_bytes([0x42; 32]);
    if let Ok(env) = envelope::parse(data) {
        let opened = envelope::open(&env, &key, &RecordId([1; 16]), "journal");
        assert!(opened.is_err(), "random bytes authenticated");
    }
    // Sealing arbitrary bodies must round-trip.
    if data.len() < 4096 {
        let id = RecordId([7; 16]);
        if let Ok(blob) = envelope::seal(&key, 1, &id, "mood", data) {
            let env = envelope::parse(&blob).expect("own blob parses");
            let body = envelope::open(&env, &key, &id, "mood").expect("own blob opens");
            assert_eq!(body.as_slice(), data);
        }
    }
});
