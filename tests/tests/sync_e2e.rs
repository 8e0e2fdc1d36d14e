//! End-to-end sync against a real `solace server` process on a loopback port, on SQLite and
//! on PostgreSQL: convergence of offline edits across devices, interrupted syncs (dropped
//! connections, a killed process), duplicated and reordered pushes, account isolation, and a
//! plaintext canary scan of the server's database and logs.

use solace_core::error::TransportError;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, FixedOffset};
use solace_core::crypto::kdf::KdfParams;
use solace_core::habits::{self, HabitDraft, Schedule};
use solace_core::journal::{self, JournalBody, JournalDraft};
use solace_core::mood::{self, MoodDraft};
use solace_core::sync::{self, HttpTransport, SyncBudget, Transport};
use solace_core::{CoreError, Store};
use solace_protocol as p;
use solace_protocol::endpoint as ep;
use solace_tests::http::{mutation, RawApi};
use solace_tests::store::{journal_texts, sync_all};
use solace_tests::{backends, contains, dump_database, TestServer};

const PASS: &str = "granite meadow oyster whistle";

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

/// Device A registers `user`; device B logs in with the passphrase.
fn two_devices(
    server: &TestServer,
    dir: &std::path::Path,
    user: &str,
) -> (Store, Store, HttpTransport) {
    let t = HttpTransport::new(&server.url).unwrap();
    let (mut a, _) = Store::create(&dir.join("a"), PASS, KdfParams::FLOOR).unwrap();
    sync::register(&mut a, &t, &server.url, user, PASS, "phone").unwrap();
    let (b, _) = sync::login_new_device(
        &dir.join("b"),
        &t,
        &server.url,
        user,
        PASS,
        "laptop",
        SyncBudget::unlimited(),
    )
    .unwrap();
    (a, b, t)
}

#[test]
fn offline_edits_on_two_devices_converge_and_no_plaintext_reaches_the_server() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut a, mut b, t) = two_devices(&server, dir.path(), "ana");
        let canary = "CANARY-e2e-9f41-journal";
        let shared = journal::add(&mut a, free(&format!("{canary} original")), at(8)).unwrap();
        mood::log(
            &mut a,
            MoodDraft {
                mood: 6,
                note: Some("CANARY-e2e-mood-note".into()),
                ..Default::default()
            },
            at(8),
        )
        .unwrap();
        habits::add(
            &mut a,
            HabitDraft {
                name: "CANARY-e2e-habit".into(),
                schedule: Schedule::Daily,
                plan: None,
                reminders: vec![],
            },
            at(8).date_naive(),
            at(8),
        )
        .unwrap();
        sync_all(&mut a, &t);
        sync_all(&mut b, &t);
        assert_eq!(journal_texts(&b).len(), 1, "{backend:?}");

        // Offline on both sides: the same entry edited twice, new moods on each.
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
        sync_all(&mut a, &t);
        let report = sync_all(&mut b, &t);
        assert_eq!(report.conflict_copies, 1, "{backend:?}");
        sync_all(&mut a, &t);
        assert_eq!(
            journal_texts(&a),
            vec!["from laptop", "from phone"],
            "{backend:?}: nothing lost"
        );
        assert_eq!(journal_texts(&a), journal_texts(&b));
        assert_eq!(mood::list(&b, None, None).unwrap().len(), 3);
        assert_eq!(
            (a.pending_changes().unwrap(), b.pending_changes().unwrap()),
            (0, 0)
        );

        let db = dump_database(&server);
        let logs = server.logs();
        assert!(!logs.is_empty(), "the server should log requests");
        for needle in [
            canary,
            "CANARY-e2e-mood-note",
            "CANARY-e2e-habit",
            "from laptop",
            PASS,
        ] {
            assert!(
                !contains(&db, needle),
                "{backend:?}: '{needle}' found in the server database"
            );
            assert!(
                !contains(&logs, needle),
                "{backend:?}: '{needle}' found in the server logs"
            );
        }
    }
}

/// Wraps the real transport and fails chosen calls: before sending, or after the server
/// applied the request.
struct Flaky {
    inner: HttpTransport,
    plan: Mutex<Vec<&'static str>>,
}

impl Flaky {
    fn step<T>(&self, call: impl FnOnce() -> solace_core::Result<T>) -> solace_core::Result<T> {
        let next = self.plan.lock().unwrap().pop().unwrap_or("ok");
        match next {
            "drop-request" => Err(CoreError::Transport(TransportError::unreachable(
                "injected",
            ))),
            "drop-response" => {
                let _ = call();
                Err(CoreError::Transport(TransportError::unreachable(
                    "injected",
                )))
            }
            _ => call(),
        }
    }
}

impl Transport for Flaky {
    fn prelogin(&self, r: &p::PreloginRequest) -> solace_core::Result<p::PreloginResponse> {
        self.step(|| self.inner.prelogin(r))
    }
    fn register(&self, r: &p::RegisterRequest) -> solace_core::Result<p::SessionResponse> {
        self.step(|| self.inner.register(r))
    }
    fn login(&self, r: &p::LoginRequest) -> solace_core::Result<p::SessionResponse> {
        self.step(|| self.inner.login(r))
    }
    fn account_keys(&self, t: &str) -> solace_core::Result<p::AccountKeys> {
        self.step(|| self.inner.account_keys(t))
    }
    fn upload_items_keys(&self, t: &str, r: &p::ItemsKeysUpload) -> solace_core::Result<()> {
        self.step(|| self.inner.upload_items_keys(t, r))
    }
    fn update_credentials(&self, t: &str, r: &p::CredentialsUpdate) -> solace_core::Result<()> {
        self.step(|| self.inner.update_credentials(t, r))
    }
    fn pull(&self, t: &str, r: &p::PullRequest) -> solace_core::Result<p::PullResponse> {
        self.step(|| self.inner.pull(t, r))
    }
    fn push(&self, t: &str, r: &p::PushRequest) -> solace_core::Result<p::PushResponse> {
        self.step(|| self.inner.push(t, r))
    }
}

#[test]
fn dropped_connections_and_lost_answers_resume_correctly() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut a, mut b, t) = two_devices(&server, dir.path(), "ben");
        for i in 0..20 {
            journal::add(&mut a, free(&format!("entry {i}")), at(8)).unwrap();
        }
        // Calls pop from the end: keys upload ok, push applied but answer lost, then the
        // retry (same mutation numbers) is a duplicate the server ignores.
        let flaky = Flaky {
            inner: HttpTransport::new(&server.url).unwrap(),
            plan: Mutex::new(vec!["ok", "drop-response", "ok"]),
        };
        let report = sync::sync_now(&mut a, &flaky, SyncBudget::unlimited()).unwrap();
        assert!(report.complete, "{backend:?}");
        // A sync whose every request is lost fails cleanly and leaves work pending.
        journal::add(&mut a, free("late"), at(9)).unwrap();
        let dead = Flaky {
            inner: HttpTransport::new(&server.url).unwrap(),
            plan: Mutex::new(vec!["drop-request"; 10]),
        };
        assert!(matches!(
            sync::sync_now(&mut a, &dead, SyncBudget::unlimited()),
            Err(CoreError::Transport(TransportError::Unreachable(_)))
        ));
        assert_eq!(a.pending_changes().unwrap(), 1);
        sync_all(&mut a, &t);
        sync_all(&mut b, &t);
        assert_eq!(
            journal_texts(&b).len(),
            21,
            "{backend:?}: each entry exactly once"
        );
    }
}

const CHILD_ENV: &str = "SOLACE_E2E_CHILD_SYNC";

#[test]
fn child_sync_process() {
    // Only acts when started by `a_sync_killed_mid_pull_resumes`.
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (dir, url) = spec.split_once('|').unwrap();
    let mut store = Store::open_with_passphrase(std::path::Path::new(dir), PASS)
        .unwrap()
        .0;
    let t = HttpTransport::new(url).unwrap();
    println!("STARTED");
    let _ = sync::sync_now(&mut store, &t, SyncBudget::unlimited());
}

#[test]
fn a_sync_killed_mid_pull_resumes() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let t = HttpTransport::new(&server.url).unwrap();
        let (mut a, _) = Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
        a.atomically(|s| {
            for i in 0..3000 {
                mood::log(
                    s,
                    MoodDraft {
                        mood: (i % 10 + 1) as u8,
                        note: Some(format!("n{i}")),
                        ..Default::default()
                    },
                    at(8),
                )?;
            }
            Ok(())
        })
        .unwrap();
        sync::register(&mut a, &t, &server.url, "cleo", PASS, "a").unwrap();
        sync_all(&mut a, &t);
        let b_dir = dir.path().join("b");
        let none = SyncBudget {
            max_round_trips: 0,
            time_limit: None,
            attempts: 1,
        };
        drop(sync::login_new_device(&b_dir, &t, &server.url, "cleo", PASS, "b", none).unwrap());

        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_sync_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{}|{}", b_dir.display(), server.url))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let it get into the pull (Argon2id unlock takes ~0.1 s first), then kill it.
        std::thread::sleep(Duration::from_millis(400));
        child.kill().unwrap();
        child.wait().unwrap();

        let (mut b, _) = Store::open_with_passphrase(&b_dir, PASS).unwrap();
        let before = mood::list(&b, None, None).unwrap().len();
        let report = sync_all(&mut b, &t);
        assert!(report.complete, "{backend:?}");
        let moods = mood::list(&b, None, None).unwrap();
        assert_eq!(
            moods.len(),
            3000,
            "{backend:?}: had {before} before resuming"
        );
        let mut ids: Vec<_> = moods.iter().map(|m| m.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), 3000);
    }
}

fn push(c: &RawApi, token: &str, muts: Vec<p::Mutation>) -> reqwest::blocking::Response {
    c.send::<ep::Push>(Some(token), &p::PushRequest { mutations: muts })
}

fn pull(c: &RawApi, token: &str) -> p::PullResponse {
    c.ok::<ep::Pull>(
        Some(token),
        &p::PullRequest {
            cursor: 0,
            limit: 100,
        },
    )
}

#[test]
fn duplicated_and_reordered_pushes_are_harmless() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let c = RawApi::new(&server.url);
        let token = c.register("dora");
        let id1 = "01".repeat(16);
        let id2 = "02".repeat(16);
        let batch = vec![mutation(1, &id1, 0, "v1"), mutation(2, &id2, 0, "w1")];
        let first: p::PushResponse = push(&c, &token, batch.clone()).json().unwrap();
        // A retry whose versions the server still holds gets the original outcome, once.
        let again: p::PushResponse = push(&c, &token, batch).json().unwrap();
        assert_eq!(again.results, first.results, "{backend:?}");
        assert_eq!(again.last_mutation_seq, Some(2), "{backend:?}");
        assert_eq!(pull(&c, &token).records.len(), 2, "{backend:?}");
        // A stale (reordered) mutation arriving after a newer one is not applied.
        let newer: p::PushResponse = push(&c, &token, vec![mutation(5, &id1, 1, "v2")])
            .json()
            .unwrap();
        assert!(matches!(
            newer.results[0],
            p::MutationResult::Applied { .. }
        ));
        let stale: p::PushResponse = push(&c, &token, vec![mutation(4, &id1, 1, "v-stale")])
            .json()
            .unwrap();
        assert!(
            matches!(stale.results[0], p::MutationResult::Duplicate { .. }),
            "{backend:?}: {stale:?}"
        );
        let page = pull(&c, &token);
        assert_eq!(page.records.len(), 2);
        let r1 = page.records.iter().find(|r| r.id == id1).unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&r1.blob)
                .unwrap(),
            b"v2"
        );
    }
}

#[test]
fn one_account_cannot_read_or_write_another_accounts_records() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let c = RawApi::new(&server.url);
        let alice = c.register("alice");
        let mallory = c.register("mallory");
        let stolen = "0a".repeat(16);
        assert!(
            push(&c, &alice, vec![mutation(1, &stolen, 0, "alice secret")])
                .status()
                .is_success()
        );
        assert!(pull(&c, &mallory).records.is_empty(), "{backend:?}");
        // Writing the stolen id creates Mallory's own record; Alice's is untouched.
        let r: p::PushResponse = push(&c, &mallory, vec![mutation(1, &stolen, 0, "overwrite")])
            .json()
            .unwrap();
        let p::MutationResult::Applied { server_seq, .. } = r.results[0] else {
            panic!("{backend:?}: {r:?}")
        };
        let r: p::PushResponse = push(
            &c,
            &mallory,
            vec![mutation(2, &stolen, server_seq, "overwrite 2")],
        )
        .json()
        .unwrap();
        assert!(
            matches!(r.results[0], p::MutationResult::Applied { .. }),
            "{backend:?}: {r:?}"
        );
        assert_eq!(pull(&c, &mallory).records.len(), 1);
        let alice_view = pull(&c, &alice);
        assert_eq!(alice_view.records.len(), 1);
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&alice_view.records[0].blob)
                .unwrap(),
            b"alice secret"
        );
        // No token, a forged token: refused.
        let page = p::PullRequest {
            cursor: 0,
            limit: 10,
        };
        let anon = c.send::<ep::Pull>(None, &page);
        assert_eq!(anon.status().as_u16(), 401);
        let forged = c.send::<ep::Pull>(Some(&"00".repeat(32)), &page);
        assert_eq!(forged.status().as_u16(), 401);
    }
}

#[test]
fn a_passphrase_change_reaches_the_server_on_the_next_sync() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let (mut a, _b, t) = two_devices(&server, dir.path(), "pat");
        journal::add(&mut a, free("before the change"), at(8)).unwrap();
        sync_all(&mut a, &t);
        let new_pass = "brand new velvet tundra harbor";
        let params = a.kdf_params();
        a.change_passphrase(new_pass, params).unwrap();
        sync::stage_credentials(&mut a, new_pass).unwrap();
        journal::add(&mut a, free("after the change"), at(9)).unwrap();
        let login = |name: &str, pass: &str| {
            sync::login_new_device(
                &dir.path().join(name),
                &t,
                &server.url,
                "pat",
                pass,
                name,
                SyncBudget::unlimited(),
            )
        };
        assert!(
            login("too-early", new_pass).is_err(),
            "{backend:?}: the server learns it on the next sync, not before"
        );
        sync_all(&mut a, &t);
        assert!(
            matches!(
                login("old", PASS),
                Err(CoreError::WrongPassphrase | CoreError::Transport(TransportError::Unauthorized))
            ),
            "{backend:?}: the old passphrase no longer logs in"
        );
        let (c, _) = login("new", new_pass).unwrap();
        assert_eq!(
            journal_texts(&c),
            vec!["after the change", "before the change"],
            "{backend:?}: records sealed under both items keys open"
        );
        assert_eq!(a.sync_status().unwrap().pending, 0);
    }
}

#[test]
fn the_recovery_key_works_on_a_device_that_logged_in() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let t = HttpTransport::new(&server.url).unwrap();
        let (mut a, recovery) =
            Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
        journal::add(&mut a, free("kept safe"), at(8)).unwrap();
        sync::register(&mut a, &t, &server.url, "rory", PASS, "phone").unwrap();
        sync_all(&mut a, &t);
        let (b, _) = sync::login_new_device(
            &dir.path().join("b"),
            &t,
            &server.url,
            "rory",
            PASS,
            "laptop",
            SyncBudget::unlimited(),
        )
        .unwrap();
        drop(b);
        // The phone is lost and the passphrase forgotten: the laptop resets it with the
        // recovery key written down at the start.
        let mut b = Store::reset_passphrase_with_recovery(
            &dir.path().join("b"),
            &recovery,
            "a new passphrase after recovery",
        )
        .unwrap();
        assert_eq!(journal_texts(&b), vec!["kept safe"], "{backend:?}");
        sync::stage_credentials(&mut b, "a new passphrase after recovery").unwrap();
        sync_all(&mut b, &t);
        let (c, _) = sync::login_new_device(
            &dir.path().join("c"),
            &t,
            &server.url,
            "rory",
            "a new passphrase after recovery",
            "new phone",
            SyncBudget::unlimited(),
        )
        .unwrap();
        assert_eq!(journal_texts(&c), vec!["kept safe"], "{backend:?}");
    }
}
