//! Store behaviour: unlock paths, tamper detection, atomicity and the writer lock.

use std::path::Path;

use super::*;
use crate::crypto::envelope;
use crate::crypto::kdf::KdfParams;
use crate::error::{CryptoError, StoreError};
use crate::keystore::KeyStore;
use crate::keystore::MemoryKeyStore;
use crate::vault::RecoveryKey;

const PASS: &str = crate::passphrase::TEST_PASSPHRASE;
const NEW_PASS: &str = "tundra whistle cobalt meadow";

fn new_store(dir: &Path) -> (Store, RecoveryKey) {
    Store::create(dir, PASS, KdfParams::FLOOR).unwrap()
}

fn file_bytes(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join(DB_FILE)).unwrap()
}

#[test]
fn put_get_list_delete_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = new_store(dir.path());
    let id = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &id, &"dear diary").unwrap();
    assert_eq!(
        store
            .get::<String>(RecordKind::Journal, &id)
            .unwrap()
            .as_deref(),
        Some("dear diary")
    );
    assert!(store
        .get::<String>(RecordKind::Mood, &id)
        .unwrap()
        .is_none());
    assert!(store.put(RecordKind::Mood, &id, &"x").is_err());
    assert_eq!(store.list::<String>(RecordKind::Journal).unwrap().len(), 1);
    assert_eq!(
        store
            .resolve_prefix(RecordKind::Journal, &id.short())
            .unwrap(),
        id
    );
    assert!(store.delete(RecordKind::Journal, &id).unwrap());
    assert!(!store.delete(RecordKind::Journal, &id).unwrap());
    assert!(store
        .get::<String>(RecordKind::Journal, &id)
        .unwrap()
        .is_none());
    assert_eq!(store.count(RecordKind::Journal).unwrap(), 0);
    assert_eq!(store.pending_changes().unwrap(), 1);
}

#[test]
fn new_stores_use_small_pages_and_keep_them_across_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = new_store(dir.path());
    let page = |s: &Store| -> i64 {
        s.conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(page(&store), 2048);
    drop(store);
    let (store, _) = Store::open_with_passphrase(dir.path(), PASS).unwrap();
    assert_eq!(page(&store), 2048);
}

#[test]
fn plaintext_never_reaches_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = new_store(dir.path());
    let canary = "CANARY-7f3a-plaintext";
    store
        .put(RecordKind::Journal, &RecordId::generate().unwrap(), &canary)
        .unwrap();
    drop(store);
    for name in [DB_FILE, "solace.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
            assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()));
        }
    }
}

#[test]
fn wrong_passphrase_is_typed_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = new_store(dir.path());
    drop(store);
    let before = file_bytes(dir.path());
    assert!(matches!(
        Store::open_with_passphrase(dir.path(), "wrong"),
        Err(CoreError::WrongPassphrase)
    ));
    assert_eq!(file_bytes(dir.path()), before);
    assert!(Store::open_with_passphrase(dir.path(), PASS).is_ok());
}

#[test]
fn missing_and_busy_stores_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Store::open_with_passphrase(dir.path(), PASS),
        Err(CoreError::NotInitialized)
    ));
    let (_store, _) = new_store(dir.path());
    assert!(matches!(
        Store::open_with_passphrase(dir.path(), PASS),
        Err(CoreError::Store(StoreError::Busy))
    ));
    assert!(matches!(
        Store::create(dir.path(), PASS, KdfParams::FLOOR),
        Err(CoreError::Store(StoreError::Busy))
    ));
}

#[test]
fn init_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(new_store(dir.path()));
    assert!(matches!(
        Store::create(dir.path(), PASS, KdfParams::FLOOR),
        Err(CoreError::AlreadyInitialized)
    ));
}

#[test]
fn device_key_unlocks_and_forgetting_it_locks() {
    let dir = tempfile::tempdir().unwrap();
    let keystore = MemoryKeyStore::new();
    let (mut store, _) = new_store(dir.path());
    let id = RecordId::generate().unwrap();
    store.put(RecordKind::Mood, &id, &5u8).unwrap();
    assert!(matches!(
        Store::open_with_device_key(dir.path(), &keystore).map(|_| ()),
        Err(CoreError::Store(StoreError::Busy))
    ));
    store.remember_device(&keystore).unwrap();
    drop(store);
    let mut store = Store::open_with_device_key(dir.path(), &keystore).unwrap();
    assert_eq!(store.get::<u8>(RecordKind::Mood, &id).unwrap(), Some(5));
    store.forget_device(&keystore).unwrap();
    drop(store);
    assert!(matches!(
        Store::open_with_device_key(dir.path(), &keystore).map(|_| ()),
        Err(CoreError::DeviceNotRemembered)
    ));
}

#[test]
fn a_foreign_device_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keystore = MemoryKeyStore::new();
    let (mut store, _) = new_store(dir.path());
    store.remember_device(&keystore).unwrap();
    let vault_id = store.vault_id().to_owned();
    drop(store);
    keystore
        .save(&vault_id, &crate::crypto::SecretKey::generate().unwrap())
        .unwrap();
    assert!(matches!(
        Store::open_with_device_key(dir.path(), &keystore).map(|_| ()),
        Err(CoreError::DeviceKeyMismatch)
    ));
}

#[test]
fn passphrase_change_rewraps_without_reencrypting() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = new_store(dir.path());
    let old = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &old, &"before").unwrap();
    let blob_before: Vec<u8> = store
        .conn
        .query_row(
            "SELECT blob FROM records WHERE id = ?1",
            [&old.0[..]],
            |r| r.get(0),
        )
        .unwrap();
    let weaker = KdfParams {
        memory_kib: KdfParams::FLOOR.memory_kib,
        iterations: 1,
        parallelism: 1,
    };
    assert!(store.change_passphrase(NEW_PASS, weaker).is_err());
    store.change_passphrase(NEW_PASS, KdfParams::FLOOR).unwrap();
    assert_eq!(store.current_key_id(), 2);
    let new = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &new, &"after").unwrap();
    let blob_after: Vec<u8> = store
        .conn
        .query_row(
            "SELECT blob FROM records WHERE id = ?1",
            [&old.0[..]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(blob_before, blob_after);
    drop(store);
    assert!(matches!(
        Store::open_with_passphrase(dir.path(), PASS).map(|_| ()),
        Err(CoreError::WrongPassphrase)
    ));
    let (store, _) = Store::open_with_passphrase(dir.path(), NEW_PASS).unwrap();
    assert_eq!(
        store
            .get::<String>(RecordKind::Journal, &old)
            .unwrap()
            .as_deref(),
        Some("before")
    );
    assert_eq!(
        store
            .get::<String>(RecordKind::Journal, &new)
            .unwrap()
            .as_deref(),
        Some("after")
    );
}

#[test]
fn recovery_key_resets_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, recovery) = new_store(dir.path());
    let id = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &id, &"kept").unwrap();
    drop(store);
    let text = recovery.display_text();
    assert_eq!(text.len(), 64 + 15);
    let wrong = RecoveryKey::parse(&"0".repeat(64)).unwrap();
    assert!(matches!(
        Store::reset_passphrase_with_recovery(dir.path(), &wrong, NEW_PASS).map(|_| ()),
        Err(CoreError::WrongRecoveryKey)
    ));
    assert!(matches!(
        RecoveryKey::parse("nope"),
        Err(CoreError::MalformedRecoveryKey)
    ));
    let parsed = RecoveryKey::parse(&text.to_uppercase()).unwrap();
    drop(Store::reset_passphrase_with_recovery(dir.path(), &parsed, NEW_PASS).unwrap());
    let (store, _) = Store::open_with_passphrase(dir.path(), NEW_PASS).unwrap();
    assert_eq!(
        store
            .get::<String>(RecordKind::Journal, &id)
            .unwrap()
            .as_deref(),
        Some("kept")
    );
}

#[test]
fn tampered_or_swapped_blobs_fail_with_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = new_store(dir.path());
    let a = RecordId::generate().unwrap();
    let b = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &a, &"a").unwrap();
    store.put(RecordKind::Journal, &b, &"b").unwrap();
    store
        .conn
        .execute(
            "UPDATE records SET blob = (SELECT blob FROM records WHERE id = ?1) WHERE id = ?2",
            [&a.0[..], &b.0[..]],
        )
        .unwrap();
    assert!(matches!(
        store.get::<String>(RecordKind::Journal, &b),
        Err(CoreError::Crypto(CryptoError::Envelope(
            envelope::EnvelopeError::Authentication
        )))
    ));
    let mut blob: Vec<u8> = store
        .conn
        .query_row("SELECT blob FROM records WHERE id = ?1", [&a.0[..]], |r| {
            r.get(0)
        })
        .unwrap();
    blob[50] ^= 0x01;
    store
        .conn
        .execute(
            "UPDATE records SET blob = ?2 WHERE id = ?1",
            rusqlite::params![&a.0[..], blob],
        )
        .unwrap();
    assert!(matches!(
        store.get::<String>(RecordKind::Journal, &a),
        Err(CoreError::Crypto(CryptoError::Envelope(
            envelope::EnvelopeError::Authentication
        )))
    ));
    store
        .conn
        .execute("UPDATE records SET kind = 'mood' WHERE id = ?1", [&a.0[..]])
        .unwrap();
    assert!(store.get::<String>(RecordKind::Mood, &a).is_err());
}

#[test]
fn weakened_kdf_params_on_disk_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = new_store(dir.path());
    store
        .conn
        .execute(
            "UPDATE vault SET kdf_memory_kib = 1024, kdf_iterations = 1",
            [],
        )
        .unwrap();
    drop(store);
    assert!(matches!(
        Store::open_with_passphrase(dir.path(), PASS).map(|_| ()),
        Err(CoreError::Crypto(CryptoError::KdfTooWeak))
    ));
}

#[test]
fn atomically_rolls_back_every_write_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = new_store(dir.path());
    let id = RecordId::generate().unwrap();
    let result: Result<()> = store.atomically(|s| {
        s.put(RecordKind::Journal, &id, &"half")?;
        Err(CoreError::invalid(
            "test",
            crate::error::InputProblem::Empty,
        ))
    });
    assert!(result.is_err());
    assert!(store
        .get::<String>(RecordKind::Journal, &id)
        .unwrap()
        .is_none());
}

#[test]
fn a_non_solace_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(DB_FILE),
        b"this is not sqlite at all, just text",
    )
    .unwrap();
    assert!(matches!(
        Store::open_with_passphrase(dir.path(), PASS).map(|_| ()),
        Err(CoreError::Store(StoreError::Corrupt))
    ));
}

#[test]
fn a_record_changed_during_upload_stays_dirty() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = new_store(dir.path());
    store
        .set_sync_account(
            &crate::store::sync_state::SyncAccount {
                server_url: "http://x".into(),
                username: "u".into(),
                account_id: "a".into(),
                device_id: "d".into(),
            },
            "token",
        )
        .unwrap();
    let id = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &id, &"v1").unwrap();
    let taken = store.take_dirty(10).unwrap();
    assert_eq!(taken.len(), 1);
    // A retry before any change reuses the same mutation number.
    assert_eq!(
        store.take_dirty(10).unwrap()[0].mutation_seq,
        taken[0].mutation_seq
    );
    store
        .put(RecordKind::Journal, &id, &"v2 written while uploading")
        .unwrap();
    store.mark_uploaded(&taken[0], 7).unwrap();
    assert_eq!(
        store.pending_changes().unwrap(),
        1,
        "the newer edit still needs uploading"
    );
    let again = store.take_dirty(10).unwrap();
    assert_eq!(again[0].base_seq, 7);
    assert!(again[0].mutation_seq > taken[0].mutation_seq);
    store.mark_uploaded(&again[0], 8).unwrap();
    assert_eq!(store.pending_changes().unwrap(), 0);
    assert_eq!(store.sync_account().unwrap().unwrap().1.as_str(), "token");
}

#[test]
fn weak_passphrases_are_refused_wherever_one_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh");
    assert!(matches!(
        Store::create(&fresh, "hunter22", KdfParams::FLOOR).map(|_| ()),
        Err(CoreError::WeakPassphrase(_))
    ));
    assert!(
        !fresh.join(DB_FILE).exists(),
        "a refused create leaves no store"
    );

    let (mut store, recovery) = new_store(dir.path());
    assert!(matches!(
        store.change_passphrase("password1", KdfParams::FLOOR),
        Err(CoreError::WeakPassphrase(_))
    ));
    assert_eq!(
        store.current_key_id(),
        1,
        "a refused change changes nothing"
    );
    drop(store);
    assert!(matches!(
        Store::reset_passphrase_with_recovery(dir.path(), &recovery, "qwertyuiop").map(|_| ()),
        Err(CoreError::WeakPassphrase(_))
    ));
    // The old passphrase still opens after both refusals.
    let (store, _) = Store::open_with_passphrase(dir.path(), PASS).unwrap();
    assert_eq!(store.current_key_id(), 1);
}

#[test]
fn a_nested_atomically_joins_the_outer_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::create(dir.path(), PASS, KdfParams::FLOOR).unwrap();
    let a = RecordId::generate().unwrap();
    let b = RecordId::generate().unwrap();
    // The inner block's write is undone with the outer one's failure.
    let failed: Result<()> = store.atomically(|s| {
        s.atomically(|s| s.put_raw(RecordKind::Journal, &a, b"inner"))?;
        s.put_raw(RecordKind::Journal, &b, b"outer")?;
        Err(CoreError::NotFound("on purpose"))
    });
    assert!(failed.is_err());
    assert!(store.get_raw(RecordKind::Journal, &a).unwrap().is_none());
    store
        .atomically(|s| s.atomically(|s| s.put_raw(RecordKind::Journal, &a, b"kept")))
        .unwrap();
    assert!(store.get_raw(RecordKind::Journal, &a).unwrap().is_some());
}
