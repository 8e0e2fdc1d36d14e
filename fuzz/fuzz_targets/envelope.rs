//! Fuzzes the record envelope parser and both openers (v1 and v2): no input may panic, and
//! nothing but a correctly sealed blob may open.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::crypto::envelope;
use solace_core::crypto::envelope_v2::{self, SealInput};
use solace_core::crypto::SecretKey;
use solace_core::RecordId;

fuzz_target!(|data: &[u8]| {
    let key = SecretKey::from_bytes([0x42; 32]);
    if let Ok(env) = envelope::parse(data) {
        let opened = envelope::open(&env, &key, &RecordId([1; 16]), "journal");
        assert!(opened.is_err(), "random bytes authenticated");
        let opened = envelope_v2::open_record(&env, &key, &RecordId([1; 16]), Some("journal"));
        assert!(opened.is_err(), "random bytes authenticated as v2");
    }
    // Sealing arbitrary bodies must round-trip in both versions.
    if data.len() < 4096 {
        let id = RecordId([7; 16]);
        if let Ok(blob) = envelope::seal(&key, 1, &id, "mood", data) {
            let env = envelope::parse(&blob).expect("own blob parses");
            let body = envelope::open(&env, &key, &id, "mood").expect("own blob opens");
            assert_eq!(body.as_slice(), data);
        }
        let input = SealInput {
            id: &id,
            kind: "mood",
            version: data.len() as u64,
            deleted: false,
            body: data,
        };
        if let Ok(blob) = envelope_v2::seal(&key, 2, input) {
            let env = envelope::parse(&blob).expect("own v2 blob parses");
            let opened = envelope_v2::open(&env, &key, &id, Some("mood")).expect("own v2 opens");
            assert_eq!(opened.body.as_slice(), data);
            assert_eq!(opened.version, data.len() as u64);
        }
    }
});
