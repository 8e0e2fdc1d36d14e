//! Fuzzes the decoders of decrypted record bodies and the habit schedule syntax.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solace_core::goals::{Goal, GoalRating, SharedGoal};
use solace_core::habits::{Habit, HabitEvent, Schedule};
use solace_core::journal::JournalEntry;
use solace_core::messaging::intake::IntakeForm;
use solace_core::mood::MoodCheckIn;
use solace_core::sessions::{BreathingPattern, MicroSession};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<JournalEntry>(data);
    let _ = serde_json::from_slice::<MoodCheckIn>(data);
    let _ = serde_json::from_slice::<Habit>(data);
    let _ = serde_json::from_slice::<HabitEvent>(data);
    let _ = serde_json::from_slice::<MicroSession>(data);
    let _ = serde_json::from_slice::<IntakeForm>(data);
    let _ = serde_json::from_slice::<Goal>(data);
    let _ = serde_json::from_slice::<GoalRating>(data);
    // A shared goal arrives from a peer inside a share payload.
    let _ = serde_json::from_slice::<SharedGoal>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(p) = BreathingPattern::parse(text) {
            assert!(p.cycle_seconds() > 0);
        }
        if let Ok(schedule) = Schedule::parse(text) {
            let again = Schedule::parse(&schedule.to_string());
            assert_eq!(again.ok(), Some(schedule));
        }
    }
});
