//! The hostile-server harness (issue 11, requirement 13): a real `solace server` on SQLite and
//! PostgreSQL whose own database is edited the way a malicious operator would edit it — or
//! with a lying proxy in front of it — and real `solace` devices syncing with it.
//!
//! Each test compares a device's full decrypted contents before and after the attack (nothing
//! local lost or changed), checks that the person is told (quarantine count in
//! `solace status --json` and one `warning:` line from `solace sync`, once), and runs the
//! safety flow afterwards.

use serde_json::Value;
use solace_tests::device::{is_subset, Device, Run};
use solace_tests::hostile::{junk, ServerDb};
use solace_tests::proxy::{Mode, Proxy};
use solace_tests::{backends, Backend, TestServer};

const USER: &str = "ana";

/// A server with one account whose first device holds a realistic, synced store.
struct World {
    _server: TestServer,
    db: ServerDb,
    account: String,
    /// The URL devices use (the server's, or a proxy's).
    url: String,
    a: Device,
    backend: Backend,
}

impl World {
    fn new(backend: Backend) -> World {
        let server = TestServer::start(backend, &[]);
        let url = server.url.clone();
        World::with_url(backend, server, url)
    }

    fn with_url(backend: Backend, server: TestServer, url: String) -> World {
        let a = Device::new();
        a.init();
        a.seed();
        a.register(&url, USER);
        expect_ok(&a.sync(), "first sync");
        let db = server.db();
        let account = db.account_id(USER);
        World {
            _server: server,
            db,
            account,
            url,
            a,
            backend,
        }
    }

    /// Another device of the account, set up by logging in now.
    fn second_device(&self) -> Device {
        let b = Device::new();
        let run = b.login(&self.url, USER);
        expect_ok(
            &run,
            &format!("{:?}: login of a second device", self.backend),
        );
        b
    }

    fn id(&self, kind: &str, i: usize) -> String {
        self.a.ids(kind)[i].clone()
    }
}

fn expect_ok(run: &Run, context: &str) {
    assert_eq!(
        run.code,
        Some(0),
        "{context}: exit {:?}\nstdout: {}\nstderr: {}",
        run.code,
        run.stdout,
        run.stderr
    );
}

/// Syncs `d` after an attack and checks the device is unharmed: exit 0, contents equal to
/// `before`, `expect` more records quarantined (at least `expect` when `exact` is false),
/// one warning saying so, and no second warning on the next sync.
fn assert_unharmed(d: &Device, before: &Value, q_before: u64, expect: u64, exact: bool, ctx: &str) {
    let run = d.sync();
    expect_ok(&run, &format!("{ctx}: sync after the attack"));
    let after = d.contents();
    assert_eq!(&after, before, "{ctx}: the device's contents changed");
    let q = d.quarantined();
    let delta = q - q_before;
    if exact {
        assert_eq!(delta, expect, "{ctx}: quarantined records");
    } else {
        assert!(
            delta >= expect,
            "{ctx}: {delta} quarantined, expected >= {expect}"
        );
    }
    let warnings = run.quarantine_warnings();
    if delta > 0 {
        assert_eq!(
            warnings.len(),
            1,
            "{ctx}: one warning expected:\n{}",
            run.stderr
        );
        let says_count = warnings[0]
            .split(|c: char| !c.is_ascii_digit())
            .any(|w| w == delta.to_string() || w == q.to_string());
        assert!(
            says_count,
            "{ctx}: the warning does not say how many: {}",
            warnings[0]
        );
    } else {
        assert!(
            warnings.is_empty(),
            "{ctx}: warning without quarantine:\n{}",
            run.stderr
        );
    }
    let again = d.sync();
    expect_ok(&again, &format!("{ctx}: second sync"));
    assert!(
        again.quarantine_warnings().is_empty(),
        "{ctx}: the warning was repeated:\n{}",
        again.stderr
    );
    assert_eq!(&d.contents(), before, "{ctx}: changed on the second sync");
    assert_eq!(
        d.quarantined(),
        q,
        "{ctx}: the quarantine count moved without new copies"
    );
    d.ok(&["journal", "list"]);
}

#[test]
fn flipped_bytes_are_quarantined_and_the_safety_flow_still_runs() {
    for backend in backends() {
        let w = World::new(backend);
        let b = w.second_device();
        let targets = [
            (w.id("journal", 0), usize::MAX / 2),
            (w.id("safety_plan", 0), 40),
            (w.id("assessment", 0), 60),
            (w.id("mood", 0), 0),
        ];
        let (before_a, before_b) = (w.a.contents(), b.contents());
        let (qa, qb) = (w.a.quarantined_before(), b.quarantined_before());
        for (id, at) in &targets {
            let len = w.db.record(&w.account, id).blob.len();
            let at = if *at == usize::MAX / 2 { len / 2 } else { *at };
            w.db.flip_byte(&w.account, id, at);
        }
        let ctx = format!("{backend:?} flipped bytes");
        assert_unharmed(&w.a, &before_a, qa, 4, true, &format!("{ctx} (device A)"));
        assert_unharmed(&b, &before_b, qb, 4, true, &format!("{ctx} (device B)"));
        w.a.assert_safety_flow(&ctx);
        b.assert_safety_flow(&ctx);
    }
}

#[test]
fn junk_deletions_and_clear_deleted_flags_delete_nothing() {
    for backend in backends() {
        let w = World::new(backend);
        let b = w.second_device();
        let journal = w.a.ids("journal");
        let (before_a, before_b) = (w.a.contents(), b.contents());
        let (qa, qb) = (w.a.quarantined_before(), b.quarantined_before());
        w.db.delete_with_junk(&w.account, &journal[0], &junk(1, 96));
        w.db.delete_with_junk(&w.account, &journal[1], &[]);
        // The genuine blob kept, only the advisory flag in clear says deleted.
        w.db.flag_deleted(&w.account, &journal[2]);
        let ctx = format!("{backend:?} junk deletions");
        assert_unharmed(&w.a, &before_a, qa, 2, false, &format!("{ctx} (device A)"));
        assert_unharmed(&b, &before_b, qb, 2, false, &format!("{ctx} (device B)"));
        w.a.assert_safety_flow(&ctx);
    }
}

#[test]
fn ciphertexts_moved_to_other_records_are_quarantined() {
    for backend in backends() {
        let w = World::new(backend);
        let before = w.a.contents();
        let q = w.a.quarantined_before();
        let (j0, j1) = (w.id("journal", 0), w.id("journal", 1));
        w.db.move_blob(&w.account, &j1, &j0);
        w.db.move_blob(&w.account, &j1, &w.id("mood", 0));
        w.db.move_blob(&w.account, &w.id("safety_plan", 0), &w.id("settings", 0));
        let ctx = format!("{backend:?} moved ciphertexts");
        assert_unharmed(&w.a, &before, q, 3, true, &ctx);
        w.a.assert_safety_flow(&ctx);
    }
}

#[test]
fn changed_kinds_change_nothing_and_forge_nothing_on_a_new_device() {
    for backend in backends() {
        let w = World::new(backend);
        let before = w.a.contents();
        let q = w.a.quarantined_before();
        for r in w.db.records(&w.account) {
            let kind = match r.kind.as_str() {
                "journal" => "mood",
                "mood" => "journal",
                "safety_plan" => "settings",
                "settings" => "safety_plan",
                _ => "journal",
            };
            w.db.set_kind(&w.account, &r.id, kind);
        }
        let ctx = format!("{backend:?} changed kinds");
        assert_unharmed(&w.a, &before, q, 0, false, &ctx);
        let c = Device::new();
        expect_ok(&c.login(&w.url, USER), &format!("{ctx}: new device login"));
        let shown = c.contents();
        assert!(
            is_subset(&shown, &before),
            "{ctx}: a new device shows records the person never wrote:\n{shown}"
        );
        w.a.assert_safety_flow(&ctx);
        c.assert_safety_flow(&ctx);
    }
}

#[test]
fn replayed_older_genuine_versions_are_refused() {
    for backend in backends() {
        let w = World::new(backend);
        let (j0, j1) = (w.id("journal", 0), w.id("journal", 1));
        let plan = w.id("safety_plan", 0);
        let old: Vec<_> = [&j0, &j1, &plan]
            .iter()
            .map(|id| w.db.record(&w.account, id))
            .collect();
        w.a.ok(&["journal", "edit", &j0, "rewritten after a good talk"]);
        w.a.ok(&["journal", "delete", &j1]);
        w.a.ok(&["safety-plan", "add", "warning-signs", "Skipping meals"]);
        expect_ok(&w.a.sync(), "sync of the newer versions");
        for r in &old {
            assert_ne!(
                w.db.record(&w.account, &r.id).blob,
                r.blob,
                "a newer version is on the server"
            );
        }
        let b = w.second_device();
        let (before_a, before_b) = (w.a.contents(), b.contents());
        let (qa, qb) = (w.a.quarantined_before(), b.quarantined_before());
        for r in &old {
            w.db.replay(&w.account, r);
        }
        let ctx = format!("{backend:?} rollback");
        assert_unharmed(&w.a, &before_a, qa, 3, true, &format!("{ctx} (device A)"));
        assert_unharmed(&b, &before_b, qb, 3, true, &format!("{ctx} (device B)"));
        w.a.assert_safety_flow(&ctx);
    }
}

#[test]
fn junk_items_keys_are_skipped_and_login_still_works() {
    for backend in backends() {
        let w = World::new(backend);
        let before = w.a.contents();
        let q = w.a.quarantined_before();
        let top =
            w.db.items_key_ids(&w.account)
                .into_iter()
                .max()
                .unwrap_or(0);
        w.db.insert_items_key(&w.account, top + 1, &junk(7, 72));
        w.db.insert_items_key(&w.account, top + 7, &junk(8, 5));
        let ctx = format!("{backend:?} junk items keys");
        let c = Device::new();
        expect_ok(&c.login(&w.url, USER), &format!("{ctx}: new device login"));
        assert_eq!(
            c.contents()["records"],
            before["records"],
            "{ctx}: new device"
        );
        assert_unharmed(&w.a, &before, q, 0, true, &ctx);
        w.a.ok(&["journal", "add", "written after the junk keys"]);
        expect_ok(&w.a.sync(), &ctx);
        expect_ok(&c.sync(), &ctx);
        assert_eq!(
            c.contents()["records"],
            w.a.contents()["records"],
            "{ctx}: after an edit"
        );
        c.assert_safety_flow(&ctx);
    }
}

#[test]
fn a_server_answering_duplicate_to_everything_loses_no_edit() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let proxy = Proxy::start(&server.url);
        let w = World::with_url(backend, server, proxy.url.clone());
        let b = w.second_device();
        proxy.set_mode(Mode::DuplicateEverything);
        let j0 = w.id("journal", 0);
        w.a.ok(&["journal", "add", "written while the server lies"]);
        w.a.ok(&["journal", "edit", &j0, "edited while the server lies"]);
        w.a.ok(&["mood", "log", "9", "--at", "2026-11-22T08:00:00+01:00"]);
        let before = w.a.contents();
        let ctx = format!("{backend:?} duplicate to everything");
        let run = w.a.sync();
        assert_ne!(run.code, Some(0), "{ctx}: sync must fail:\n{}", run.stdout);
        assert!(
            run.stderr.to_lowercase().contains("inconsisten"),
            "{ctx}: the error should say the server answered inconsistently:\n{}",
            run.stderr
        );
        assert_eq!(
            w.a.contents(),
            before,
            "{ctx}: the device lost or changed something"
        );
        assert!(w.a.pending() > 0, "{ctx}: edits were marked synced");
        w.a.assert_safety_flow(&ctx);
        let before = w.a.contents();
        proxy.set_mode(Mode::Honest);
        expect_ok(&w.a.sync(), &format!("{ctx}: honest again"));
        assert_eq!(w.a.pending(), 0, "{ctx}: edits still pending");
        expect_ok(&b.sync(), &format!("{ctx}: second device"));
        assert_eq!(
            b.contents()["records"],
            before["records"],
            "{ctx}: the edits reach B"
        );
    }
}

#[test]
fn expired_tokens_need_a_new_login_that_keeps_pending_edits() {
    for backend in backends() {
        let w = World::new(backend);
        w.a.ok(&["journal", "add", "written before the token expired"]);
        let before = w.a.contents();
        w.db.expire_tokens();
        let ctx = format!("{backend:?} expired tokens");
        let run = w.a.sync();
        assert_ne!(run.code, Some(0), "{ctx}: sync must fail");
        assert!(
            run.stderr.to_lowercase().contains("log in again"),
            "{ctx}: the error should say to log in again:\n{}",
            run.stderr
        );
        assert_eq!(w.a.contents(), before, "{ctx}: changed by the failed sync");
        assert!(w.a.pending() > 0, "{ctx}: the edit is no longer pending");
        w.a.assert_safety_flow(&ctx);
        let before = w.a.contents();
        expect_ok(
            &w.a.login(&w.url, USER),
            &format!("{ctx}: login on the connected store"),
        );
        assert_eq!(w.a.contents(), before, "{ctx}: changed by the new login");
        assert!(
            w.a.pending() > 0,
            "{ctx}: the login dropped the pending edit"
        );
        expect_ok(&w.a.sync(), &format!("{ctx}: sync after login"));
        assert_eq!(w.a.pending(), 0, "{ctx}: still pending after the sync");
        let c = Device::new();
        expect_ok(&c.login(&w.url, USER), &format!("{ctx}: new device"));
        assert_eq!(
            c.contents()["records"],
            before["records"],
            "{ctx}: the edit reached C"
        );
    }
}

#[test]
fn withheld_records_stay_on_the_device() {
    for backend in backends() {
        let w = World::new(backend);
        let before = w.a.contents();
        let q = w.a.quarantined_before();
        for id in w.a.ids("journal").iter().chain(&w.a.ids("safety_plan")) {
            w.db.delete_row(&w.account, id);
        }
        let ctx = format!("{backend:?} withholding");
        assert_unharmed(&w.a, &before, q, 0, true, &ctx);
        let c = Device::new();
        expect_ok(&c.login(&w.url, USER), &format!("{ctx}: new device"));
        assert!(
            is_subset(&c.contents(), &before),
            "{ctx}: forged on a new device"
        );
        w.a.assert_safety_flow(&ctx);
        c.assert_safety_flow(&ctx);
    }
}

/// The harness itself, on every build: edits land in the server's own database (both
/// backends) as described, and the proxy is transparent when honest and swallows pushes when
/// lying.
#[test]
fn the_harness_edits_the_server_database_and_the_proxy_lies_on_demand() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let proxy = Proxy::start(&server.url);
        let w = World::with_url(backend, server, proxy.url.clone());
        let ctx = format!("{backend:?} harness");
        let rows = w.db.records(&w.account);
        let exported: usize = w.a.contents()["records"]
            .as_object()
            .map(|m| m.values().filter_map(Value::as_array).map(Vec::len).sum())
            .unwrap_or(0);
        // The account identity syncs too but is never exported.
        assert_eq!(
            rows.len(),
            exported + 1,
            "{ctx}: every record is on the server"
        );
        let top = rows.iter().map(|r| r.server_seq).max().unwrap_or(0);

        let j = w.id("journal", 0);
        let old = w.db.record(&w.account, &j);
        w.db.flip_byte(&w.account, &j, 10);
        let flipped = w.db.record(&w.account, &j);
        let bits: u32 = old
            .blob
            .iter()
            .zip(&flipped.blob)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum();
        assert_eq!(bits, 1, "{ctx}: one bit flipped");
        assert!(
            flipped.server_seq > top,
            "{ctx}: re-sequenced after the cursor"
        );
        w.db.replay(&w.account, &old);
        let replayed = w.db.record(&w.account, &j);
        assert_eq!(replayed.blob, old.blob, "{ctx}: replayed");
        assert!(
            replayed.server_seq > flipped.server_seq,
            "{ctx}: replay re-sequenced"
        );
        w.db.set_kind(&w.account, &j, "habit");
        assert_eq!(w.db.record(&w.account, &j).kind, "habit", "{ctx}: kind");
        w.db.delete_with_junk(&w.account, &j, &junk(3, 20));
        let deleted = w.db.record(&w.account, &j);
        assert!(
            deleted.deleted && deleted.blob == junk(3, 20),
            "{ctx}: junk deletion"
        );
        w.db.delete_row(&w.account, &j);
        assert_eq!(
            w.db.records(&w.account).len(),
            rows.len() - 1,
            "{ctx}: withheld"
        );
        w.db.restore(&w.account, &rows);
        assert_eq!(w.db.records(&w.account), rows, "{ctx}: restored");
        let keys = w.db.items_key_ids(&w.account);
        w.db.insert_items_key(&w.account, 99, &junk(4, 40));
        assert_eq!(
            w.db.items_key_ids(&w.account).len(),
            keys.len() + 1,
            "{ctx}: items key"
        );

        proxy.set_mode(Mode::DuplicateEverything);
        w.a.ok(&["journal", "add", "never reaches the server"]);
        let _ = w.a.sync();
        assert_eq!(
            w.db.records(&w.account),
            rows,
            "{ctx}: the lying proxy forwarded a push"
        );
        proxy.set_mode(Mode::Honest);
        w.db.expire_tokens();
        let run = w.a.sync();
        assert_ne!(
            run.code,
            Some(0),
            "{ctx}: sync with expired tokens succeeded"
        );
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("backup dir");
    for entry in std::fs::read_dir(from).expect("read data dir") {
        let entry = entry.expect("dir entry");
        if entry.file_type().expect("file type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

/// Requirement 7: a phone restored from an older copy of its store reuses mutation numbers the
/// server already took. Its new edits must still reach the other devices (the device re-bases
/// its numbering instead of trusting "duplicate" answers).
#[test]
fn a_device_restored_from_an_older_backup_still_delivers_its_edits() {
    for backend in backends() {
        let w = World::new(backend);
        let ctx = format!("{backend:?} restored from backup");
        let backup = tempfile::tempdir().expect("tempdir");
        copy_dir(w.a.data_dir(), backup.path());
        for text in ["after the backup, one", "after the backup, two"] {
            w.a.ok(&["journal", "add", text]);
            expect_ok(&w.a.sync(), &format!("{ctx}: sync after the backup"));
        }
        // The phone is restored: its store goes back to the backup.
        for entry in std::fs::read_dir(w.a.data_dir()).expect("data dir") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::remove_file(path).expect("remove");
            }
        }
        copy_dir(backup.path(), w.a.data_dir());
        w.a.ok(&["journal", "add", "written on the restored phone"]);
        expect_ok(&w.a.sync(), &format!("{ctx}: sync of the restored phone"));
        assert_eq!(w.a.pending(), 0, "{ctx}: the edit is still pending");
        let b = w.second_device();
        let texts = b.ok(&["journal", "list"]);
        assert!(
            texts.contains("written on the restored phone"),
            "{ctx}: the restored phone's edit did not reach B:\n{texts}"
        );
        assert!(
            texts.contains("after the backup, two"),
            "{ctx}: edits made before the restore are kept on the server:\n{texts}"
        );
    }
}
