//! Fuzzes the Daylio CSV parser that `solace import --from daylio` runs on untrusted files:
//! arbitrary bytes must be refused or parsed, never panic, and what parses must hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::import::{self, CsvOptions, CsvSource, MoodScale};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options, so both scales and a custom label are reached.
    let (options, bytes) = match data.split_first() {
        Some((choice, rest)) => {
            let mut options = CsvOptions::default();
            if choice & 1 == 1 {
                options.mood_scale = MoodScale::Five;
            }
            if choice & 2 == 2 {
                let _ = options.mood_map.add_entry("sleepy=4");
            }
            (options, rest)
        }
        None => (CsvOptions::default(), data),
    };
    if let Ok(items) = import::parse_bytes(CsvSource::Daylio, bytes, &options) {
        for item in items {
            assert!((1..=10).contains(&item.mood));
            assert!(item.line >= 2);
        }
    }
});
