//! Randomized convergence: several devices make random edits while syncing through a server
//! that randomly loses requests and answers; after the network heals and everyone syncs, all
//! devices must hold the same content and nothing may be pending.
//!
//! Seeded and reproducible. `SOLACE_SYNC_SCHEDULES=N` runs N schedules (default 6 in CI);
//! `SOLACE_SYNC_SEED=S` replays one.

use chrono::{DateTime, Duration, FixedOffset};

use super::fake::{FakeServer, Fault};
use super::*;
use crate::crypto::kdf::KdfParams;
use crate::habits::{self, HabitDraft, Schedule};
use crate::journal::{self, JournalBody, JournalDraft, JournalFilter};
use crate::mood::{self, MoodDraft};

const PASS: &str = crate::passphrase::TEST_PASSPHRASE;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn snapshot(store: &Store) -> (Vec<String>, Vec<u8>, Vec<(String, bool)>) {
    let mut journal: Vec<String> = journal::list(store, &JournalFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| {
            format!(
                "{:?}|{}|{}",
                e.current.title,
                e.current.body.text(),
                e.current.tags.join(",")
            )
        })
        .collect();
    journal.sort();
    let mut moods: Vec<u8> = mood::list(store, None, None)
        .unwrap()
        .iter()
        .map(|m| m.draft.mood)
        .collect();
    moods.sort();
    let mut habit_states: Vec<(String, bool)> = habits::list(store, true)
        .unwrap()
        .into_iter()
        .map(|h| (h.draft.name, h.archived))
        .collect();
    habit_states.sort();
    (journal, moods, habit_states)
}

fn run_schedule(seed: u64) {
    let mut rng = Rng(seed.max(1));
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let (mut first, _) = Store::create(&dir.path().join("d0"), PASS, KdfParams::FLOOR).unwrap();
    register(&mut first, &server, "http://fake", "ana", PASS, "d0").unwrap();
    let mut devices = vec![first];
    for i in 1..3 {
        let (s, _) = login_new_device(
            &dir.path().join(format!("d{i}")),
            &server,
            "http://fake",
            "ana",
            PASS,
            "d",
            SyncBudget::unlimited(),
        )
        .unwrap();
        devices.push(s);
    }
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2026-11-01T08:00:00+01:00").unwrap();
    for step in 0..80 {
        let now = start + Duration::minutes(step);
        let d = rng.below(devices.len());
        let store = &mut devices[d];
        match rng.below(9) {
            0 | 1 => {
                let draft = JournalDraft {
                    title: None,
                    body: JournalBody::Free {
                        text: format!("s{seed} e{step}"),
                    },
                    tags: vec![],
                };
                journal::add(store, draft, now).unwrap();
            }
            2 => {
                let entries = journal::list(store, &JournalFilter::default()).unwrap();
                if !entries.is_empty() {
                    let e = &entries[rng.below(entries.len())];
                    let draft = JournalDraft {
                        title: e.current.title.clone(),
                        body: JournalBody::Free {
                            text: format!("edit {step} on d{d}"),
                        },
                        tags: e.current.tags.clone(),
                    };
                    journal::edit(store, &e.id, draft, now).unwrap();
                }
            }
            3 => {
                let entries = journal::list(store, &JournalFilter::default()).unwrap();
                if !entries.is_empty() {
                    journal::delete(store, &entries[rng.below(entries.len())].id).unwrap();
                }
            }
            4 => {
                mood::log(
                    store,
                    MoodDraft {
                        mood: (rng.below(10) + 1) as u8,
                        ..Default::default()
                    },
                    now,
                )
                .unwrap();
            }
            5 => {
                let list = habits::list(store, true).unwrap();
                if list.is_empty() || rng.below(3) == 0 {
                    let draft = HabitDraft {
                        name: format!("h{step}"),
                        schedule: Schedule::Daily,
                        plan: None,
                        reminders: vec![],
                    };
                    habits::add(store, draft, now.date_naive(), now).unwrap();
                } else {
                    let h = &list[rng.below(list.len())];
                    if rng.below(2) == 0 {
                        habits::set_archived(store, &h.id, !h.archived).unwrap();
                    } else {
                        let draft = HabitDraft {
                            name: format!("{} r{step}", h.draft.name),
                            ..h.draft.clone()
                        };
                        habits::update(store, &h.id, draft).unwrap();
                    }
                }
            }
            _ => {
                let fault = match rng.below(4) {
                    0 => Fault::DropRequest,
                    1 => Fault::DropResponse,
                    _ => Fault::None,
                };
                server.inject(&[Fault::None, fault]);
                let budget = SyncBudget {
                    max_round_trips: 1 + rng.below(4) as u32,
                    time_limit: None,
                    attempts: 1,
                };
                let _ = sync_now(store, &server, budget);
            }
        }
    }
    // The network heals; everyone syncs until quiet.
    server.inject(&[]);
    for _round in 0..3 {
        for store in devices.iter_mut() {
            sync_now(store, &server, SyncBudget::unlimited()).unwrap();
        }
    }
    let expected = snapshot(&devices[0]);
    for (i, store) in devices.iter().enumerate() {
        assert_eq!(
            store.pending_changes().unwrap(),
            0,
            "seed {seed}: device {i} has pending changes"
        );
        assert_eq!(
            snapshot(store),
            expected,
            "seed {seed}: device {i} diverged"
        );
    }
}

#[test]
fn random_schedules_converge() {
    if let Some(seed) = std::env::var("SOLACE_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        run_schedule(seed);
        return;
    }
    let schedules: u64 = std::env::var("SOLACE_SYNC_SCHEDULES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    for seed in 1..=schedules {
        run_schedule(seed * 7919);
    }
}
