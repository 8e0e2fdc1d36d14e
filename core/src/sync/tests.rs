//! Client sync engine against the in-memory server: convergence, conflict rules, retries.

use crate::error::TransportError;
use chrono::{DateTime, FixedOffset};

use super::fake::{FakeServer, Fault};
use super::*;
use crate::crypto::kdf::KdfParams;
use crate::habits::{self, HabitDraft, Schedule};
use crate::journal::{self, JournalBody, JournalDraft, JournalFilter};
use crate::mood::{self, MoodDraft};

const PASS: &str = crate::passphrase::TEST_PASSPHRASE;

fn at(h: u32) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("2026-11-20T{h:02}:00:00+01:00")).unwrap()
}

fn free(text: &str) -> JournalDraft {
    JournalDraft {
        title: Some("Day".into()),
        body: JournalBody::Free { text: text.into() },
        tags: vec![],
    }
}

fn two_devices(server: &FakeServer) -> (tempfile::TempDir, Store, Store) {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _) = Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
    register(&mut a, server, "http://fake", "ana", PASS, "phone").unwrap();
    let (b, _) = login_new_device(
        &dir.path().join("b"),
        server,
        "http://fake",
        "ana",
        PASS,
        "laptop",
        SyncBudget::unlimited(),
    )
    .unwrap();
    (dir, a, b)
}

fn sync(store: &mut Store, server: &FakeServer) -> SyncReport {
    sync_now(store, server, SyncBudget::unlimited()).unwrap()
}

fn texts(store: &Store) -> Vec<String> {
    let mut t: Vec<String> = journal::list(store, &JournalFilter::default())
        .unwrap()
        .iter()
        .map(|e| e.current.body.text())
        .collect();
    t.sort();
    t
}

#[test]
fn offline_edits_on_two_devices_converge_without_loss() {
    let server = FakeServer::default();
    let (_dir, mut a, mut b) = two_devices(&server);
    let shared = journal::add(&mut a, free("original"), at(8)).unwrap();
    mood::log(
        &mut a,
        MoodDraft {
            mood: 6,
            ..Default::default()
        },
        at(8),
    )
    .unwrap();
    sync(&mut a, &server);
    sync(&mut b, &server);
    assert_eq!(texts(&b), vec!["original"]);

    // Both edit the same entry offline, and each logs a mood.
    journal::edit(&mut a, &shared.id, free("from phone"), at(9)).unwrap();
    journal::edit(&mut b, &shared.id, free("from laptop"), at(10)).unwrap();
    mood::log(
        &mut a,
        MoodDraft {
            mood: 3,
            ..Default::default()
        },
        at(9),
    )
    .unwrap();
    mood::log(
        &mut b,
        MoodDraft {
            mood: 8,
            ..Default::default()
        },
        at(10),
    )
    .unwrap();
    sync(&mut a, &server);
    let report = sync(&mut b, &server);
    assert_eq!(report.conflict_copies, 1);
    sync(&mut a, &server);

    assert_eq!(texts(&a), vec!["from laptop", "from phone"]);
    assert_eq!(texts(&a), texts(&b));
    assert_eq!(mood::list(&a, None, None).unwrap().len(), 3);
    assert_eq!(mood::list(&b, None, None).unwrap().len(), 3);
    assert_eq!(a.pending_changes().unwrap(), 0);
    assert_eq!(b.pending_changes().unwrap(), 0);
}

#[test]
fn an_edit_beats_a_concurrent_delete_and_structured_records_merge() {
    let server = FakeServer::default();
    let (_dir, mut a, mut b) = two_devices(&server);
    let e = journal::add(&mut a, free("keep me"), at(8)).unwrap();
    let h = habits::add(
        &mut a,
        HabitDraft {
            name: "Walk".into(),
            schedule: Schedule::Daily,
            plan: None,
            reminders: vec![],
        },
        at(8).date_naive(),
        at(8),
    )
    .unwrap();
    sync(&mut a, &server);
    sync(&mut b, &server);
    journal::delete(&mut a, &e.id).unwrap();
    journal::edit(&mut b, &e.id, free("edited meanwhile"), at(9)).unwrap();
    habits::set_archived(&mut a, &h.id, true).unwrap();
    habits::update(
        &mut b,
        &h.id,
        HabitDraft {
            name: "Evening walk".into(),
            schedule: Schedule::Daily,
            plan: None,
            reminders: vec![],
        },
    )
    .unwrap();
    sync(&mut a, &server);
    sync(&mut b, &server);
    sync(&mut a, &server);
    for store in [&a, &b] {
        assert_eq!(
            journal::get(store, &e.id).unwrap().current.body.text(),
            "edited meanwhile"
        );
        let habit = habits::get(store, &h.id).unwrap();
        assert_eq!(
            (habit.draft.name.as_str(), habit.archived),
            ("Evening walk", true)
        );
    }
}

#[test]
fn lost_requests_and_answers_are_retried_and_applied_once() {
    let server = FakeServer::default();
    let (_dir, mut a, mut b) = two_devices(&server);
    for i in 0..5 {
        journal::add(&mut a, free(&format!("entry {i}")), at(8)).unwrap();
    }
    // items-keys upload ok, then the push is applied but its answer lost, twice.
    server.inject(&[Fault::None, Fault::DropResponse, Fault::DropResponse]);
    let report = sync(&mut a, &server);
    assert!(report.complete);
    // Five entries and the account identity pushed at register.
    assert_eq!(server.records().len(), 6);
    // An interrupted sync (every attempt of the push fails) leaves a consistent store.
    journal::add(&mut a, free("late"), at(9)).unwrap();
    server.inject(&[
        Fault::None,
        Fault::DropRequest,
        Fault::DropRequest,
        Fault::DropRequest,
        Fault::DropRequest,
    ]);
    assert!(matches!(
        sync_now(&mut a, &server, SyncBudget::unlimited()),
        Err(CoreError::Transport(TransportError::Unreachable(_)))
    ));
    assert_eq!(a.pending_changes().unwrap(), 1);
    assert!(a.sync_status().unwrap().last_error.is_some());
    sync(&mut a, &server);
    sync(&mut b, &server);
    assert_eq!(texts(&b).len(), 6);
    assert_eq!(server.records().len(), 7);
}

#[test]
fn a_small_budget_does_bounded_work_and_resumes() {
    let server = FakeServer::default();
    let (_dir, mut a, mut b) = two_devices(&server);
    a.atomically(|s| {
        for i in 0..1200 {
            mood::log(
                s,
                MoodDraft {
                    mood: (i % 10 + 1) as u8,
                    ..Default::default()
                },
                at(8),
            )?;
        }
        Ok(())
    })
    .unwrap();
    sync(&mut a, &server);
    let budget = SyncBudget {
        max_round_trips: 2,
        time_limit: None,
        attempts: 1,
    };
    let first = sync_now(&mut b, &server, budget).unwrap();
    assert!(!first.complete);
    assert_eq!(first.pulled, PULL_PAGE);
    assert_eq!(
        mood::list(&b, None, None).unwrap().len(),
        PULL_PAGE as usize
    );
    let rest = sync(&mut b, &server);
    assert!(rest.complete);
    assert_eq!(mood::list(&b, None, None).unwrap().len(), 1200);
}

#[test]
fn a_wrong_passphrase_on_a_new_device_creates_nothing() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _) = Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
    register(&mut a, &server, "http://fake", "ana", PASS, "phone").unwrap();
    let result = login_new_device(
        &dir.path().join("b"),
        &server,
        "http://fake",
        "ana",
        "wrong",
        "x",
        SyncBudget::unlimited(),
    );
    assert!(matches!(
        result.map(|_| ()),
        Err(CoreError::WrongPassphrase)
    ));
    assert!(!dir.path().join("b").join(crate::store::DB_FILE).exists());
    assert!(matches!(
        sync_now(
            &mut Store::create(&dir.path().join("c"), PASS, KdfParams::FLOOR)
                .unwrap()
                .0,
            &server,
            SyncBudget::unlimited()
        ),
        Err(CoreError::NotRegistered)
    ));
}
