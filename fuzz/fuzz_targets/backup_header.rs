//! Fuzzes the clear header of a backup file: parsed before any secret is asked for, so it
//! must refuse anything malformed without panicking, and what it accepts must re-encode to
//! the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::backup::Header;

fuzz_target!(|data: &[u8]| {
    if let Ok((header, len)) = Header::parse(data) {
        assert!(len <= data.len());
        assert_eq!(header.encode(), &data[..len]);
    }
});
