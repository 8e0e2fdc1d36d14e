//! Fuzzes the JSON export parser that `solace import` runs on untrusted files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::export;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(records) = export::parse_json(text) {
            for r in records {
                assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_ok());
            }
        }
    }
});
