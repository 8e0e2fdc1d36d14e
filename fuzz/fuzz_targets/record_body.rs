//! Fuzzes the decoders of decrypted record bodies and the habit schedule syntax.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::habits::{Habit, HabitEvent, Schedule};
use solace_core::journal::JournalEntry;
use solace_core::mood::MoodCheckIn;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<JournalEntry>(data);
    let _ = serde_json::from_slice::<MoodCheckIn>(data);
    let _ = serde_json::from_slice::<Habit>(data);
    let _ = serde_json::from_slice::<HabitEvent>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(schedule) = Schedule::parse(text) {
            let again = Schedule::parse(&schedule.to_string());
            assert_eq!(again.ok(), Some(schedule));
        }
    }
});
