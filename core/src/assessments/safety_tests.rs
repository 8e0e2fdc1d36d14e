//! The safety flow never fails: item 9 > 0 yields crisis resources and the disclaimer when the
//! stored plan, settings or history cannot be read, and when storing the result fails.

use super::*;
use crate::crypto::kdf::KdfParams;
use crate::error::StoreError;
use crate::safety::{Section, Settings};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

const ITEM9: [u8; 9] = [0, 0, 0, 0, 0, 0, 0, 0, 2];

fn store_with_plan(dir: &std::path::Path) -> Store {
    let (mut store, _) =
        Store::create(dir, crate::passphrase::TEST_PASSPHRASE, KdfParams::FLOOR).unwrap();
    let mut plan = safety::SafetyPlan::default();
    plan.section_mut(Section::HelpContacts)
        .push("My sister Ana".into());
    safety::save_plan(&mut store, plan, at("2026-11-01T08:00:00Z")).unwrap();
    let settings = Settings {
        region: Some("GB".into()),
        ..Settings::default()
    };
    safety::save_settings(&mut store, &settings).unwrap();
    store
}

/// Flips every byte of the sealed blob of every record of `kind`, as a server rewriting its
/// copy (or a damaged disk) would, through a second connection to the same file.
fn damage(dir: &std::path::Path, kind: RecordKind) {
    let conn = rusqlite::Connection::open(dir.join(crate::store::DB_FILE)).unwrap();
    let rows: Vec<(Vec<u8>, Vec<u8>)> = conn
        .prepare("SELECT id, blob FROM records WHERE kind = ?1")
        .unwrap()
        .query_map([kind.tag()], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<std::result::Result<_, _>>()
        .unwrap();
    assert!(!rows.is_empty(), "no {} record to damage", kind.tag());
    for (id, blob) in rows {
        let flipped: Vec<u8> = blob.iter().map(|b| b ^ 0xA5).collect();
        conn.execute(
            "UPDATE records SET blob = ?1 WHERE id = ?2",
            rusqlite::params![flipped, id],
        )
        .unwrap();
    }
}

fn assert_crisis_help(prompt: &SafetyPrompt) {
    assert!(prompt.resources.iter().any(|r| r.region == "INTL"));
    assert_eq!(prompt.disclaimer, safety::DISCLAIMER);
    assert!(prompt.disclaimer.contains("cannot respond to emergencies"));
}

#[test]
fn a_readable_plan_is_shown_with_regional_resources() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_plan(dir.path());
    let s = submit(
        &mut store,
        Instrument::Phq9,
        ITEM9.to_vec(),
        at("2026-11-02T09:00:00Z"),
    )
    .unwrap();
    let prompt = s.safety.unwrap();
    assert!(!prompt.plan_unreadable && !prompt.settings_unreadable);
    assert_eq!(prompt.plan.help_contacts, vec!["My sister Ana"]);
    assert_eq!(prompt.resources[0].name, "Samaritans");
    assert_crisis_help(&prompt);
}

#[test]
fn a_tampered_plan_still_opens_the_safety_flow_and_stores_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_plan(dir.path());
    damage(dir.path(), RecordKind::SafetyPlan);
    assert!(safety::plan(&store).is_err(), "the damage must be real");
    let s = submit(
        &mut store,
        Instrument::Phq9,
        ITEM9.to_vec(),
        at("2026-11-02T09:00:00Z"),
    )
    .unwrap();
    let prompt = s.safety.clone().unwrap();
    assert!(prompt.plan_unreadable && !prompt.settings_unreadable);
    assert!(prompt.plan.is_empty());
    assert_eq!(prompt.resources[0].name, "Samaritans");
    assert_crisis_help(&prompt);
    assert!(s.saved());
    assert_eq!(history(&store, Instrument::Phq9).unwrap(), vec![s.result]);
}

#[test]
fn tampered_settings_fall_back_to_builtin_resources() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_plan(dir.path());
    damage(dir.path(), RecordKind::Settings);
    assert!(safety::settings(&store).is_err(), "the damage must be real");
    let s = submit(
        &mut store,
        Instrument::Phq9,
        ITEM9.to_vec(),
        at("2026-11-02T09:00:00Z"),
    )
    .unwrap();
    let prompt = s.safety.unwrap();
    assert!(prompt.settings_unreadable && !prompt.plan_unreadable);
    assert_eq!(prompt.plan.help_contacts, vec!["My sister Ana"]);
    assert_crisis_help(&prompt);
    assert!(s.save_error.is_none());
}

#[test]
fn a_tampered_history_costs_only_the_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_plan(dir.path());
    submit(
        &mut store,
        Instrument::Phq9,
        vec![1; 9],
        at("2026-11-01T09:00:00Z"),
    )
    .unwrap();
    damage(dir.path(), RecordKind::Assessment);
    assert!(
        history(&store, Instrument::Phq9).unwrap().is_empty(),
        "the damaged result is skipped, not shown"
    );
    assert_eq!(store.take_skipped(), 1, "the damage must be real");
    let s = submit(
        &mut store,
        Instrument::Phq9,
        ITEM9.to_vec(),
        at("2026-11-15T09:00:00Z"),
    )
    .unwrap();
    assert!(s.change.is_none());
    assert!(s.saved());
    assert_crisis_help(&s.safety.unwrap());
}

#[test]
fn a_full_disk_still_opens_the_safety_flow_and_reports_the_failed_save() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_plan(dir.path());
    store.cap_size_for_tests().unwrap();
    // Fill the remaining free space with results of the same size bucket until a real write
    // fails, so the next submission cannot fit either.
    let mut filled = false;
    for n in 0..10_000 {
        let r = score(Instrument::Gad7, vec![0; 7], at("2026-11-01T09:00:00Z")).unwrap();
        match store.put(RecordKind::Assessment, &r.id, &r) {
            Ok(()) => {}
            Err(CoreError::Store(StoreError::DiskFull)) => {
                filled = n > 0 || filled;
                break;
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert!(filled, "the capped store never filled up");
    let before = store.count(RecordKind::Assessment).unwrap();
    let s = submit(
        &mut store,
        Instrument::Phq9,
        ITEM9.to_vec(),
        at("2026-11-02T09:00:00Z"),
    )
    .unwrap();
    assert_eq!(s.save_error, Some(SaveError::DiskFull));
    assert!(!s.saved());
    let prompt = s.safety.unwrap();
    assert_eq!(prompt.plan.help_contacts, vec!["My sister Ana"]);
    assert_crisis_help(&prompt);
    assert_eq!(s.result.total, 2);
    assert_eq!(store.count(RecordKind::Assessment).unwrap(), before);
}

#[test]
fn invalid_answers_are_the_only_error_and_the_builtin_prompt_needs_no_store() {
    assert!(score(Instrument::Phq9, vec![4; 9], at("2026-11-02T09:00:00Z")).is_err());
    assert!(needs_safety_flow(Instrument::Phq9, &ITEM9));
    assert!(!needs_safety_flow(Instrument::Gad7, &[3; 7]));
    let prompt = SafetyPrompt::builtin();
    assert!(prompt.plan_unreadable);
    assert_crisis_help(&prompt);
}
