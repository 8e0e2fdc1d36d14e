//! The sync engine against a server that lies: tampered, junk, rolled-back and re-kinded
//! copies, forged deletions, "duplicate" answers, junk keys and absurd KDF parameters. The
//! device's decrypted contents must never change except through quarantine. (The same attacks
//! on a real `solace server`'s database live in `tests/tests/hostile_server.rs`.)

use crate::error::{CryptoError, TransportError};
use base64::Engine as _;
use proptest::prelude::*;

use super::fake::FakeServer;
use super::*;
use crate::crypto::kdf::KdfParams;
use crate::journal::{self, JournalBody, JournalDraft, JournalFilter};
use crate::mood::{self, MoodDraft};
use crate::record::RecordKind;

const PASS: &str = "hostile server test passphrase";

fn free(text: &str) -> JournalDraft {
    JournalDraft {
        title: Some("Day".into()),
        body: JournalBody::Free { text: text.into() },
        tags: vec![],
    }
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2026-11-20T08:00:00+01:00").unwrap()
}

fn device(server: &FakeServer, dir: &std::path::Path) -> Store {
    let (mut a, _) = Store::create(&dir.join("a"), PASS, KdfParams::FLOOR).unwrap();
    register(&mut a, server, "http://fake", "ana", PASS, "phone").unwrap();
    a
}

/// Logs a second device of the account in (in `dir/b`), pulling everything.
fn second_device(server: &FakeServer, dir: &std::path::Path) -> Result<(Store, SyncReport)> {
    login_new_device(
        &dir.join("b"),
        server,
        "http://fake",
        "ana",
        PASS,
        "laptop",
        SyncBudget::unlimited(),
    )
}

fn sync(store: &mut Store, server: &FakeServer) -> SyncReport {
    sync_now(store, server, SyncBudget::unlimited()).unwrap()
}

/// Everything the person sees: journal texts and mood scores, sorted.
fn contents(store: &Store) -> (Vec<String>, Vec<u8>) {
    let mut texts: Vec<String> = journal::list(store, &JournalFilter::default())
        .unwrap()
        .iter()
        .map(|e| e.current.body.text())
        .collect();
    texts.sort();
    let mut moods: Vec<u8> = mood::list(store, None, None)
        .unwrap()
        .iter()
        .map(|m| m.draft.mood)
        .collect();
    moods.sort();
    (texts, moods)
}

fn seeded(server: &FakeServer, dir: &std::path::Path) -> Store {
    let mut a = device(server, dir);
    for text in ["one", "two", "three"] {
        journal::add(&mut a, free(text), now()).unwrap();
    }
    mood::log(
        &mut a,
        MoodDraft {
            mood: 6,
            ..Default::default()
        },
        now(),
    )
    .unwrap();
    sync(&mut a, server);
    a
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn forged_deletions_with_junk_delete_nothing() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = seeded(&server, dir.path());
    let before = contents(&a);
    server.tamper(|records, seq| {
        for r in records.values_mut() {
            *seq += 1;
            r.deleted = true;
            r.blob = b64(b"junk");
            r.server_seq = *seq;
        }
    });
    let report = sync(&mut a, &server);
    // Four entries and the account identity pushed at register.
    assert_eq!(report.quarantined, 5);
    assert_eq!(contents(&a), before);
    assert_eq!(a.quarantined_count().unwrap(), 5);
    // Reported once: the next sync finds nothing new to hold aside.
    assert_eq!(sync(&mut a, &server).quarantined, 0);
}

#[test]
fn a_clear_deleted_flag_on_an_authentic_live_copy_is_ignored() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = seeded(&server, dir.path());
    let before = contents(&a);
    server.tamper(|records, seq| {
        for r in records.values_mut() {
            *seq += 1;
            r.deleted = true;
            r.server_seq = *seq;
        }
    });
    let report = sync(&mut a, &server);
    assert_eq!(report.quarantined, 0, "the copies are authentic and live");
    assert_eq!(contents(&a), before);
}

#[test]
fn a_flipped_byte_is_quarantined_and_the_local_record_kept() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = seeded(&server, dir.path());
    let before = contents(&a);
    server.tamper(|records, seq| {
        let r = records.values_mut().next().unwrap();
        let mut blob = base64::engine::general_purpose::STANDARD
            .decode(&r.blob)
            .unwrap();
        let last = blob.len() - 1;
        blob[last] ^= 1;
        r.blob = b64(&blob);
        *seq += 1;
        r.server_seq = *seq;
    });
    assert_eq!(sync(&mut a, &server).quarantined, 1);
    assert_eq!(contents(&a), before);
}

#[test]
fn a_genuine_older_copy_is_a_refused_rollback() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = device(&server, dir.path());
    let entry = journal::add(&mut a, free("first version"), now()).unwrap();
    sync(&mut a, &server);
    let old = server
        .records()
        .into_iter()
        .find(|r| r.id == entry.id.to_string())
        .unwrap();
    journal::edit(&mut a, &entry.id, free("second version"), now()).unwrap();
    sync(&mut a, &server);
    let before = contents(&a);
    server.tamper(|records, seq| {
        *seq += 1;
        records.insert(
            old.id.clone(),
            p::WireRecord {
                server_seq: *seq,
                ..old.clone()
            },
        );
    });
    let report = sync(&mut a, &server);
    assert_eq!(
        report.quarantined, 1,
        "the replayed genuine copy is a rollback"
    );
    assert_eq!(contents(&a), before);
    assert!(contents(&a).0.contains(&"second version".to_owned()));
}

#[test]
fn a_v1_copy_of_a_record_held_at_v2_is_refused() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = device(&server, dir.path());
    let entry = journal::add(&mut a, free("kept"), now()).unwrap();
    sync(&mut a, &server);
    let before = contents(&a);
    let body = serde_json::to_vec(&entry).unwrap();
    let v1 = a.seal_v1_for_test(RecordKind::Journal, &entry.id, &body);
    server.tamper(|records, seq| {
        let r = records.get_mut(&entry.id.to_string()).unwrap();
        *seq += 1;
        r.blob = b64(&v1);
        r.kind = "journal".into();
        r.server_seq = *seq;
    });
    assert_eq!(sync(&mut a, &server).quarantined, 1);
    assert_eq!(contents(&a), before);
}

#[test]
fn a_copy_moved_to_another_record_or_kind_is_quarantined() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = seeded(&server, dir.path());
    let before = contents(&a);
    server.tamper(|records, seq| {
        let all: Vec<p::WireRecord> = records.values().cloned().collect();
        // Every record gets the next record's blob (a mood blob lands on a journal id...).
        for (i, r) in records.values_mut().enumerate() {
            *seq += 1;
            r.blob = all[(i + 1) % all.len()].blob.clone();
            r.kind = "mood".into();
            r.server_seq = *seq;
        }
    });
    // Four entries and the account identity pushed at register.
    assert_eq!(sync(&mut a, &server).quarantined, 5);
    assert_eq!(contents(&a), before);
}

#[test]
fn duplicate_answers_never_mark_an_edit_synced() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = device(&server, dir.path());
    journal::add(&mut a, free("must arrive"), now()).unwrap();
    server.answer_duplicate(true);
    let err = sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap_err();
    assert!(
        matches!(err, CoreError::Transport(TransportError::Inconsistent(_))),
        "{err:?}"
    );
    assert_eq!(a.pending_changes().unwrap(), 1, "the edit stays pending");
    server.answer_duplicate(false);
    sync(&mut a, &server);
    assert_eq!(a.pending_changes().unwrap(), 0);
    let (b, _) = second_device(&server, dir.path()).unwrap();
    assert_eq!(contents(&b).0, vec!["must arrive".to_owned()]);
}

#[test]
fn a_store_restored_from_an_older_copy_rebases_and_its_edits_arrive() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = device(&server, dir.path());
    journal::add(&mut a, free("before backup"), now()).unwrap();
    sync(&mut a, &server);
    drop(a);
    let backup = dir.path().join("backup");
    std::fs::create_dir_all(&backup).unwrap();
    for f in std::fs::read_dir(dir.path().join("a")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), backup.join(f.file_name())).unwrap();
    }
    let (mut a, _) = Store::open_with_passphrase(&dir.path().join("a"), PASS).unwrap();
    for text in ["after backup 1", "after backup 2"] {
        journal::add(&mut a, free(text), now()).unwrap();
        sync(&mut a, &server);
    }
    drop(a);
    // The phone is restored from the backup: its mutation numbers are behind the server's.
    let (mut restored, _) = Store::open_with_passphrase(&backup, PASS).unwrap();
    journal::add(&mut restored, free("made on the restored phone"), now()).unwrap();
    let report = sync(&mut restored, &server);
    assert!(report.rebased, "{report:?}");
    assert_eq!(restored.pending_changes().unwrap(), 0);
    let (b, _) = second_device(&server, dir.path()).unwrap();
    assert!(contents(&b)
        .0
        .contains(&"made on the restored phone".to_owned()));
    assert_eq!(contents(&b).0.len(), 4);
}

#[test]
fn junk_items_keys_are_skipped_and_login_still_works() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let a = seeded(&server, dir.path());
    server.tamper_keys(|keys| {
        keys.items_keys.push(p::WireItemsKey {
            key_id: 99,
            wrapped: b64(&[7u8; 72]),
        });
    });
    let (b, report) = second_device(&server, dir.path()).unwrap();
    assert_eq!(report.quarantined, 0);
    assert_eq!(contents(&b), contents(&a));
    assert!(!b.has_items_key(99));
}

#[test]
fn absurd_kdf_parameters_from_the_server_are_refused() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let _a = seeded(&server, dir.path());
    server.tamper_keys(|keys| keys.kdf.memory_kib = 4 * 1024 * 1024);
    let err = second_device(&server, dir.path()).map(|_| ()).unwrap_err();
    assert!(
        matches!(err, CoreError::Crypto(CryptoError::KdfTooCostly)),
        "{err:?}"
    );
    assert!(!dir.path().join("b").join(crate::store::DB_FILE).exists());
}

#[test]
fn a_damaged_local_record_hides_nothing_else() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let a = seeded(&server, dir.path());
    let entries = journal::list(&a, &JournalFilter::default()).unwrap();
    drop(a);
    let conn =
        rusqlite::Connection::open(dir.path().join("a").join(crate::store::DB_FILE)).unwrap();
    // One blob with flipped bytes, one cell that is not even a blob any more.
    conn.execute(
        "UPDATE records SET blob = CAST(substr(blob, 1, 40) || randomblob(300) AS BLOB) \
         WHERE id = ?1",
        [&entries[0].id.0[..]],
    )
    .unwrap();
    conn.execute(
        "UPDATE records SET blob = 'garbage' WHERE id = ?1",
        [&entries[1].id.0[..]],
    )
    .unwrap();
    drop(conn);
    let (a, _) = Store::open_with_passphrase(&dir.path().join("a"), PASS).unwrap();
    assert_eq!(contents(&a).0.len(), 1, "the other entry is still listed");
    assert_eq!(a.take_skipped(), 2);
    assert_eq!(a.take_skipped(), 0, "counted once");
}

/// One hostile edit to the server's copy of a record.
#[derive(Debug, Clone)]
enum Edit {
    FlipByte(usize, usize),
    Junk(usize),
    SwapBlobs(usize, usize),
    ForgeDelete(usize),
    Rekind(usize, &'static str),
    Truncate(usize, usize),
    LowerSeq(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(r, b)| Edit::FlipByte(r, b)),
        any::<usize>().prop_map(Edit::Junk),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapBlobs(a, b)),
        any::<usize>().prop_map(Edit::ForgeDelete),
        (
            any::<usize>(),
            prop_oneof![Just("mood"), Just("journal"), Just("sealed")]
        )
            .prop_map(|(r, k)| Edit::Rekind(r, k)),
        (any::<usize>(), any::<usize>()).prop_map(|(r, n)| Edit::Truncate(r, n)),
        any::<usize>().prop_map(Edit::LowerSeq),
    ]
}

fn apply_edit(
    records: &mut std::collections::BTreeMap<String, p::WireRecord>,
    seq: &mut u64,
    e: &Edit,
) {
    let ids: Vec<String> = records.keys().cloned().collect();
    let pick = |i: usize| ids[i % ids.len()].clone();
    let decode = |s: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .unwrap_or_default()
    };
    *seq += 1;
    match e {
        Edit::FlipByte(r, b) => {
            let rec = records.get_mut(&pick(*r)).unwrap();
            let mut blob = decode(&rec.blob);
            if !blob.is_empty() {
                let i = b % blob.len();
                blob[i] ^= 0x20;
            }
            rec.blob = b64(&blob);
            rec.server_seq = *seq;
        }
        Edit::Junk(r) => {
            let rec = records.get_mut(&pick(*r)).unwrap();
            rec.blob = b64(b"SLCE\x02\x01junkjunkjunk");
            rec.server_seq = *seq;
        }
        Edit::SwapBlobs(x, y) => {
            let other = records[&pick(*y)].blob.clone();
            let rec = records.get_mut(&pick(*x)).unwrap();
            if rec.blob != other {
                rec.blob = other;
                rec.server_seq = *seq;
            }
        }
        Edit::ForgeDelete(r) => {
            let rec = records.get_mut(&pick(*r)).unwrap();
            rec.deleted = true;
            rec.blob = String::new();
            rec.server_seq = *seq;
        }
        Edit::Rekind(r, k) => {
            let rec = records.get_mut(&pick(*r)).unwrap();
            rec.kind = (*k).to_owned();
            rec.server_seq = *seq;
        }
        Edit::Truncate(r, n) => {
            let rec = records.get_mut(&pick(*r)).unwrap();
            let blob = decode(&rec.blob);
            rec.blob = b64(&blob[..n % blob.len().max(1)]);
            rec.server_seq = *seq;
        }
        Edit::LowerSeq(r) => {
            let rec = records.get_mut(&pick(*r)).unwrap();
            rec.server_seq = 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random hostile edits to the server's copies never change what a device shows; they
    /// only ever end up in quarantine.
    #[test]
    fn hostile_edits_never_change_what_a_device_shows(edits in proptest::collection::vec(edit(), 1..6)) {
        let server = FakeServer::default();
        let dir = tempfile::tempdir().unwrap();
        let mut a = seeded(&server, dir.path());
        let before = contents(&a);
        server.tamper(|records, seq| {
            for e in &edits {
                apply_edit(records, seq, e);
            }
        });
        let report = sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap();
        prop_assert_eq!(contents(&a), before);
        prop_assert_eq!(a.take_skipped(), 0);
        prop_assert!(u64::from(report.quarantined) <= a.quarantined_count().unwrap());
    }
}

#[test]
fn a_record_the_server_refuses_blocks_neither_the_others_nor_the_pull() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let mut a = device(&server, dir.path());
    let huge = RecordId::generate().unwrap();
    let body = serde_json::to_vec(&"x".repeat(p::MAX_BLOB_BYTES + 1)).unwrap();
    a.put_raw(RecordKind::Journal, &huge, &body).unwrap();
    journal::add(&mut a, free("small and welcome"), now()).unwrap();
    let report = sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap();
    assert_eq!(report.refused, 1);
    assert_eq!(report.pushed, 1);
    assert!(!report.complete, "one record is still pending");
    assert_eq!(a.pending_changes().unwrap(), 1);
    let (b, _) = second_device(&server, dir.path()).unwrap();
    assert_eq!(contents(&b).0, vec!["small and welcome".to_owned()]);
}
