//! Backup and restore against a real `solace server` on loopback: a store restored from a
//! backup logs in as a new device, gets the account's newer edits without rolling them back,
//! and sends what was written before the backup but never synced.

use chrono::{DateTime, FixedOffset};
use solace_core::backup::{self, BackupSecret};
use solace_core::crypto::kdf::KdfParams;
use solace_core::journal::{self, JournalBody, JournalDraft};
use solace_core::sync::{self, Exclusive, HttpTransport, Login, SyncBudget};
use solace_core::{CoreError, MemoryKeyStore, Store};
use solace_tests::store::{journal_texts, sync_all};
use solace_tests::{backends, TestServer};
use zeroize::Zeroizing;

const PASS: &str = "granite meadow oyster whistle";

fn at(h: u32) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("2026-11-20T{h:02}:00:00+01:00")).unwrap()
}

fn free(text: &str) -> JournalDraft {
    JournalDraft {
        title: None,
        body: JournalBody::Free { text: text.into() },
        tags: vec![],
    }
}

fn login<'a>(server: &'a TestServer, device: &'a str) -> Login<'a> {
    Login {
        server_url: &server.url,
        username: "cleo",
        passphrase: PASS,
        device_name: device,
    }
}

#[test]
fn a_restored_store_is_a_new_device_that_loses_nothing_and_rolls_nothing_back() {
    for backend in backends() {
        let server = TestServer::start(backend, &[]);
        let dir = tempfile::tempdir().unwrap();
        let t = HttpTransport::new(&server.url).unwrap();
        // Device A registers and syncs a first entry; device B joins.
        let (mut a, _) = Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
        sync::register(&mut a, &t, &server.url, "cleo", PASS, "phone").unwrap();
        let first = journal::add(&mut a, free("first, synced"), at(8)).unwrap();
        sync_all(&mut a, &t);
        let (mut b, _) = sync::login_new_device(
            &dir.path().join("b"),
            &t,
            &server.url,
            "cleo",
            PASS,
            "laptop",
            SyncBudget::unlimited(),
        )
        .unwrap();
        // A writes an entry it never syncs, keeps a device secret, and is backed up.
        journal::add(
            &mut a,
            free("written before the backup, never synced"),
            at(9),
        )
        .unwrap();
        a.put_device_state("olm/account", b"OLM-CANARY-e2e")
            .unwrap();
        let file = dir.path().join("phone.solace-backup");
        backup::write_backup(&a, &file, false, 1, &mut |_, _| {}).unwrap();
        // The phone is lost. The account moves on: B edits the first entry and adds one.
        drop(a);
        journal::edit(
            &mut b,
            &first.id,
            free("first, edited after the backup"),
            at(10),
        )
        .unwrap();
        journal::add(&mut b, free("added after the backup"), at(11)).unwrap();
        sync_all(&mut b, &t);

        // Restore on a fresh machine, log in as a new device, sync.
        let keys = MemoryKeyStore::new();
        let secret = BackupSecret::Passphrase(Zeroizing::new(PASS.into()));
        let (mut restored, _) =
            backup::restore(&file, &dir.path().join("new"), &secret, &keys, false).unwrap();
        assert!(restored.sync_account().unwrap().is_none());
        assert!(restored.device_state("olm/account").unwrap().is_none());
        sync::login_restored_shared(
            &Exclusive::new(&mut restored),
            &t,
            &login(&server, "new phone"),
        )
        .unwrap();
        let report = sync_all(&mut restored, &t);
        assert_eq!(report.quarantined, 0, "{backend:?}");
        assert_eq!(restored.pending_changes().unwrap(), 0, "{backend:?}");
        let want = vec![
            "added after the backup".to_owned(),
            "first, edited after the backup".to_owned(),
            "written before the backup, never synced".to_owned(),
        ];
        assert_eq!(
            journal_texts(&restored),
            want,
            "{backend:?}: newer edits kept, nothing lost"
        );
        // What only the backup held reached the server: B gets it.
        sync_all(&mut b, &t);
        assert_eq!(journal_texts(&b), want, "{backend:?}");
        let account = restored.sync_account().unwrap().unwrap().0;
        let b_account = b.sync_account().unwrap().unwrap().0;
        assert_ne!(account.device_id, b_account.device_id);
        assert_eq!(account.account_id, b_account.account_id);

        // A store whose keys are not the account's is refused (here: a fresh local store).
        let (mut stranger, _) =
            Store::create(&dir.path().join("stranger"), PASS, KdfParams::FLOOR).unwrap();
        assert!(matches!(
            sync::login_restored_shared(
                &Exclusive::new(&mut stranger),
                &t,
                &login(&server, "stranger")
            ),
            Err(CoreError::AccountMismatch)
        ));
        assert!(stranger.sync_account().unwrap().is_none());
    }
}
