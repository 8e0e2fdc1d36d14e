//! A whole user story through the public core API: create, write every kind, change the
//! passphrase, lock/unlock with a file-backed device key, recover, and check that no plaintext
//! ever reached the data directory.

use chrono::{DateTime, FixedOffset, NaiveDate};
use solace_core::crypto::kdf::KdfParams;
use solace_core::habits::{self, HabitAction, HabitDraft, Schedule};
use solace_core::journal::{self, JournalBody, JournalDraft};
use solace_core::mood::{self, MoodDraft};
use solace_core::vault::RecoveryKey;
use solace_core::{CoreError, FileKeyStore, Store};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn scan_for(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            hits.push(entry.display().to_string());
        }
    }
    hits
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_user_story_keeps_data_and_leaks_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let keystore = FileKeyStore::new(data.join("device"));
    let canary_journal = "CANARY-journal-5b1e";
    let canary_mood = "CANARY-mood-77c0";
    let canary_habit = "CANARY-habit-a9d2";

    let (mut store, recovery) =
        Store::create(&data, "first cobalt meadow pelican", KdfParams::FLOOR).unwrap();
    let recovery_text = recovery.display_text().to_string();
    store.remember_device(&keystore).unwrap();
    let entry = journal::add(
        &mut store,
        JournalDraft {
            title: None,
            body: JournalBody::Free {
                text: format!("{canary_journal} today was fine"),
            },
            tags: vec!["daily".into()],
        },
        at("2026-11-20T21:00:00+01:00"),
    )
    .unwrap();
    mood::log(
        &mut store,
        MoodDraft {
            mood: 7,
            note: Some(canary_mood.into()),
            ..MoodDraft::default()
        },
        at("2026-11-20T21:05:00+01:00"),
    )
    .unwrap();
    let habit = habits::add(
        &mut store,
        HabitDraft {
            name: canary_habit.into(),
            schedule: Schedule::Daily,
            plan: None,
            reminders: vec![],
        },
        NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
        at("2026-11-18T08:00:00+01:00"),
    )
    .unwrap();
    for d in 18..=20 {
        habits::record(
            &mut store,
            &habit.id,
            NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            HabitAction::Check,
            at(&format!("2026-11-{d}T20:00:00+01:00")),
        )
        .unwrap();
    }
    store
        .change_passphrase("second cobalt meadow pelican", KdfParams::FLOOR)
        .unwrap();
    drop(store);

    // Daily unlock with the device key, no passphrase.
    let store = Store::open_with_device_key(&data, &keystore).unwrap();
    assert_eq!(
        journal::get(&store, &entry.id).unwrap().current.tags,
        vec!["daily"]
    );
    let stats = habits::stats(
        &store,
        &habit.id,
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
    )
    .unwrap();
    assert_eq!(stats.streaks.current, 3);
    let mut store = store;
    store.forget_device(&keystore).unwrap();
    drop(store);
    assert!(matches!(
        Store::open_with_device_key(&data, &keystore).map(|_| ()),
        Err(CoreError::DeviceNotRemembered)
    ));
    assert!(matches!(
        Store::open_with_passphrase(&data, "first cobalt meadow pelican").map(|_| ()),
        Err(CoreError::WrongPassphrase)
    ));

    // Forgotten passphrase: the recovery key resets it and nothing is lost.
    let recovery = RecoveryKey::parse(&recovery_text).unwrap();
    drop(
        Store::reset_passphrase_with_recovery(&data, &recovery, "third cobalt meadow pelican")
            .unwrap(),
    );
    let (store, _) = Store::open_with_passphrase(&data, "third cobalt meadow pelican").unwrap();
    assert_eq!(
        mood::list(&store, None, None).unwrap()[0]
            .draft
            .note
            .as_deref(),
        Some(canary_mood)
    );
    assert!(journal::get(&store, &entry.id)
        .unwrap()
        .current
        .body
        .text()
        .contains(canary_journal));
    drop(store);

    for canary in [canary_journal, canary_mood, canary_habit] {
        assert_eq!(
            scan_for(&data, canary),
            Vec::<String>::new(),
            "{canary} leaked"
        );
    }
}
