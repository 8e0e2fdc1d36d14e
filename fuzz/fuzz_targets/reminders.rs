//! Fuzzes the reminder formats and the planner: the device-local snooze list (format v1),
//! reminder settings as stored in the settings record, and a plan over whatever settings and
//! snoozes decode — sorted, unique by id, in the future, never in quiet hours.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration};
use libfuzzer_sys::fuzz_target;
use solace_core::reminders::{plan, snooze, PlanInputs, ReminderSettings};

fuzz_target!(|data: &[u8]| {
    if let Ok(snoozes) = snooze::decode(data) {
        let again = snooze::encode(&snoozes).map(|b| snooze::decode(&b).ok());
        assert_eq!(again.ok().flatten(), Some(snoozes));
    }
    let Ok(settings) = serde_json::from_slice::<ReminderSettings>(data) else {
        return;
    };
    let Ok(settings) = settings.validated() else {
        return;
    };
    let Ok(now) = DateTime::parse_from_rfc3339("2026-03-08T01:59:00-05:00") else {
        return;
    };
    let check_ins: Vec<_> = (1..30).map(|d| now - Duration::days(d)).collect();
    let inputs = PlanInputs {
        settings: &settings,
        habits: &[],
        habit_days: &BTreeMap::new(),
        check_ins: &check_ins,
        sessions_finished: &[],
        snoozes: &[],
        discreet: true,
    };
    let list = plan::plan(&inputs, &now, 64);
    let mut ids = BTreeSet::new();
    for pair in list.windows(2) {
        assert!(pair[0].fire_at <= pair[1].fire_at);
    }
    for r in &list {
        assert!(ids.insert(r.id.clone()));
        assert!(r.fire_at > now);
        if let Some(q) = &settings.quiet_hours {
            assert!(!q.contains(r.local_time));
        }
    }
});
