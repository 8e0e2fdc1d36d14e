//! Reader handles, the background checkpointer and the parallel decrypt-scan.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::checkpoint::HARD_LIMIT_PAGES;
use super::*;
use crate::crypto::kdf::KdfParams;

const PASS: &str = crate::passphrase::TEST_PASSPHRASE;
const NEW_PASS: &str = "tundra whistle cobalt meadow";

fn new_store(dir: &Path) -> Store {
    Store::create(dir, PASS, KdfParams::FLOOR).unwrap().0
}

fn wal_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("solace.db-wal")).map_or(0, |m| m.len())
}

#[test]
fn a_reader_sees_the_writers_commits() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let reader = store.open_reader().unwrap();
    assert!(reader.is_read_only() && !store.is_read_only());
    let id = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &id, &"first").unwrap();
    assert_eq!(
        reader
            .get::<String>(RecordKind::Journal, &id)
            .unwrap()
            .as_deref(),
        Some("first")
    );
    store.put(RecordKind::Journal, &id, &"second").unwrap();
    store
        .put(
            RecordKind::Journal,
            &RecordId::generate().unwrap(),
            &"other",
        )
        .unwrap();
    assert_eq!(
        reader
            .get::<String>(RecordKind::Journal, &id)
            .unwrap()
            .as_deref(),
        Some("second")
    );
    assert_eq!(reader.count(RecordKind::Journal).unwrap(), 2);
    assert_eq!(reader.list::<String>(RecordKind::Journal).unwrap().len(), 2);
    assert_eq!(
        reader
            .resolve_prefix(RecordKind::Journal, &id.short())
            .unwrap(),
        id
    );
    assert_eq!(reader.vault_id(), store.vault_id());
    // Domain modules run unchanged on a reader.
    assert!(crate::journal::list(&reader, &Default::default()).is_ok());
}

#[test]
fn a_read_is_not_blocked_by_an_open_write_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let old = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &old, &"committed").unwrap();
    let reader = store.open_reader().unwrap();
    let new = RecordId::generate().unwrap();
    let (in_tx, wait_in_tx) = mpsc::channel();
    let (release, wait_release) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let (writer_store, new_id) = (&mut store, &new);
        let writer = scope.spawn(move || {
            writer_store
                .atomically(|s| {
                    s.put(RecordKind::Journal, new_id, &"uncommitted")?;
                    in_tx.send(()).unwrap();
                    wait_release.recv().unwrap();
                    Ok(())
                })
                .unwrap();
        });
        wait_in_tx.recv().unwrap();
        // The writer holds its write transaction open until we release it.
        let start = Instant::now();
        let read = reader.get::<String>(RecordKind::Journal, &old).unwrap();
        let unseen = reader.get::<String>(RecordKind::Journal, &new).unwrap();
        let listed = reader.list_raw(RecordKind::Journal).unwrap().len();
        assert!(start.elapsed() < Duration::from_secs(1), "the read waited");
        assert_eq!(read.as_deref(), Some("committed"));
        assert!(unseen.is_none(), "an uncommitted write is invisible");
        assert_eq!(listed, 1);
        release.send(()).unwrap();
        writer.join().unwrap();
    });
    assert_eq!(
        reader
            .get::<String>(RecordKind::Journal, &new)
            .unwrap()
            .as_deref(),
        Some("uncommitted")
    );
}

#[test]
fn a_key_added_on_the_writer_opens_records_through_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let reader = store.open_reader().unwrap();
    store.change_passphrase(NEW_PASS, KdfParams::FLOOR).unwrap();
    assert_eq!(store.current_key_id(), 2);
    assert_eq!(reader.current_key_id(), 2);
    let id = RecordId::generate().unwrap();
    store.put(RecordKind::Mood, &id, &7u8).unwrap();
    assert_eq!(reader.get::<u8>(RecordKind::Mood, &id).unwrap(), Some(7));
    assert_eq!(reader.kdf_params(), store.kdf_params());
}

#[test]
fn writing_through_a_reader_fails_cleanly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let id = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &id, &"kept").unwrap();
    let mut reader = store.open_reader().unwrap();
    let ro = |r: Result<_>| matches!(r, Err(CoreError::Store(crate::error::StoreError::ReadOnly)));
    assert!(ro(reader.put(RecordKind::Journal, &id, &"changed")));
    assert!(ro(reader.put_raw(
        RecordKind::Journal,
        &RecordId::generate().unwrap(),
        b"x"
    )));
    assert!(ro(reader.delete(RecordKind::Journal, &id).map(|_| ())));
    assert!(ro(reader.atomically(|_| Ok(()))));
    assert!(ro(reader.change_passphrase(NEW_PASS, KdfParams::FLOOR)));
    assert!(ro(reader.add_wrapped_items_keys(&[(9, vec![0; 60])])));
    assert!(ro(
        reader.remember_device(&crate::keystore::MemoryKeyStore::new())
    ));
    assert!(ro(reader.set_sync_cursor(5)));
    assert!(ro(reader.put_device_state("x", b"secret")));
    assert!(ro(reader
        .enqueue_outbox("m1", "peer", b"payload")
        .map(|_| ())));
    assert!(ro(reader.mark_inbound_seen("k", "m1")));
    assert_eq!(reader.current_key_id(), 1, "no key was added");
    assert!(!store.device_remembered());
    assert_eq!(
        store
            .get::<String>(RecordKind::Journal, &id)
            .unwrap()
            .as_deref(),
        Some("kept")
    );
    assert_eq!(store.count(RecordKind::Journal).unwrap(), 1);
    assert_eq!(store.sync_cursor().unwrap(), 0);
    // Even a raw statement cannot write through the reader's connection.
    assert!(reader.conn.execute("DELETE FROM records", []).is_err());
    // A reader of a reader is a reader.
    assert!(reader.open_reader().unwrap().is_read_only());
}

#[test]
fn the_skipped_count_is_per_handle() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let bad = RecordId::generate().unwrap();
    store.put(RecordKind::Journal, &bad, &"one").unwrap();
    store
        .put(RecordKind::Journal, &RecordId::generate().unwrap(), &"two")
        .unwrap();
    store
        .conn
        .execute(
            "UPDATE records SET blob = x'00' WHERE id = ?1",
            [&bad.0[..]],
        )
        .unwrap();
    let reader = store.open_reader().unwrap();
    assert_eq!(reader.list_raw(RecordKind::Journal).unwrap().len(), 1);
    assert_eq!(store.take_skipped(), 0);
    assert_eq!(reader.take_skipped(), 1);
}

/// Enough rows for the parallel path, with damage scattered through them: order and the
/// skipped count must be exactly those of a sequential scan.
#[test]
fn the_parallel_scan_keeps_order_and_counts_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let total = 2_000usize;
    store
        .atomically(|s| {
            for i in 0..total {
                s.put(RecordKind::Journal, &RecordId::generate()?, &i)?;
            }
            Ok(())
        })
        .unwrap();
    // Damage every 97th row three ways: junk blob, a cell of the wrong type, another
    // record's (authentic) blob.
    let order: Vec<Vec<u8>> = {
        let mut stmt = store
            .conn
            .prepare("SELECT id FROM records WHERE kind = 'journal' AND deleted = 0")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    };
    let mut damaged_ids = Vec::new();
    for (n, id) in order.iter().enumerate().filter(|(n, _)| n % 97 == 5) {
        let sql = match n % 3 {
            0 => "UPDATE records SET blob = x'01020304' WHERE id = ?1",
            1 => "UPDATE records SET blob = 42 WHERE id = ?1",
            _ => "UPDATE records SET blob = (SELECT blob FROM records WHERE id = ?2) WHERE id = ?1",
        };
        let other = &order[0];
        if sql.contains("?2") {
            store.conn.execute(sql, [id, other]).unwrap();
        } else {
            store.conn.execute(sql, [id]).unwrap();
        }
        damaged_ids.push(id.clone());
    }
    let damaged = damaged_ids.len() as u64;
    let expected: Vec<Vec<u8>> = order
        .iter()
        .filter(|id| !damaged_ids.contains(id))
        .cloned()
        .collect();
    let reader = store.open_reader().unwrap();
    for handle in [&store, &reader] {
        let listed = handle.list_raw(RecordKind::Journal).unwrap();
        assert_eq!(handle.take_skipped(), damaged);
        let got: Vec<Vec<u8>> = listed.iter().map(|r| r.id.0.to_vec()).collect();
        assert_eq!(got, expected);
        assert_eq!(got.len() as u64, total as u64 - damaged);
        let values = handle.list::<usize>(RecordKind::Journal).unwrap();
        assert_eq!(handle.take_skipped(), damaged);
        assert_eq!(
            values
                .iter()
                .map(|(id, _)| id.0.to_vec())
                .collect::<Vec<_>>(),
            got
        );
    }
}

#[test]
fn commits_do_not_checkpoint_the_background_thread_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let db_before = std::fs::metadata(dir.path().join(DB_FILE)).unwrap().len();
    // Enough autocommit saves to cross the threshold, too few to reach the inline limit.
    let body = vec![b'a'; 2000];
    let mut saves = 0;
    while wal_len(dir.path()) < 1_200 * 4096 {
        store
            .put_raw(RecordKind::Journal, &RecordId::generate().unwrap(), &body)
            .unwrap();
        saves += 1;
    }
    let checkpointer = &store.writer.as_ref().unwrap().checkpointer;
    // Only a checkpoint writes the database file in WAL mode: its growth is the thread's work.
    let deadline = Instant::now() + Duration::from_secs(10);
    while checkpointer.runs().0 == 0
        || std::fs::metadata(dir.path().join(DB_FILE)).unwrap().len() <= db_before
    {
        assert!(
            Instant::now() < deadline,
            "the checkpointer never ran ({saves} saves, runs {:?}, db {} -> {})",
            checkpointer.runs(),
            db_before,
            std::fs::metadata(dir.path().join(DB_FILE)).unwrap().len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(checkpointer.runs().1, 0, "no commit checkpointed inline");
}

#[test]
fn once_the_writer_pauses_the_wal_starts_over_instead_of_growing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let body = vec![b'w'; 2000];
    let page: i64 = store
        .conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let page = page as u64;
    let mut saves = 0;
    // Just past the checkpointer's threshold (1,000 pages).
    while wal_len(dir.path()) < 1_200 * page {
        store
            .put_raw(RecordKind::Journal, &RecordId::generate().unwrap(), &body)
            .unwrap();
        saves += 1;
    }
    fn checkpointer(store: &Store) -> &super::checkpoint::Checkpointer {
        &store.writer.as_ref().unwrap().checkpointer
    }
    let runs = |store: &Store| checkpointer(store).runs();
    // Wait until the checkpointer has caught up with the paused writer: it ran, nothing is
    // asked of it any more, and no run happened for a while (under load a run can also come
    // in the middle of the saves above, leaving later frames for the next one).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let before = runs(&store).0;
        std::thread::sleep(super::checkpoint::IDLE * 4);
        if before > 0 && runs(&store).0 == before && checkpointer(&store).idle() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the idle writer was never checkpointed"
        );
    }
    let size = wal_len(dir.path());
    // As many saves again: a WAL that started over is overwritten from its start, so it ends
    // near its old length (a few more frames: the bigger trees split more), where one that
    // kept growing would end near twice it.
    for _ in 0..saves {
        store
            .put_raw(RecordKind::Journal, &RecordId::generate().unwrap(), &body)
            .unwrap();
    }
    assert!(
        wal_len(dir.path()) <= size + size / 4,
        "the WAL grew from {size} to {} bytes instead of starting over",
        wal_len(dir.path())
    );
    assert_eq!(runs(&store).1, 0, "no commit checkpointed inline");
}

#[test]
fn the_wal_stays_bounded_and_closing_truncates_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let reader = store.open_reader().unwrap();
    let page: i64 = store
        .conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    // A WAL is a 32-byte header then frames of a 24-byte header and one page; allow one
    // commit's worth of frames past the limit.
    let bound = 32 + (HARD_LIMIT_PAGES as u64 + 64) * (page as u64 + 24);
    // Write well over the bound (16 KiB bodies, ~48 MiB in all), reading now and then.
    let body = vec![b'z'; 16 * 1024];
    let mut max_wal = 0;
    for i in 0..3_000u32 {
        store
            .put_raw(RecordKind::Journal, &RecordId::generate().unwrap(), &body)
            .unwrap();
        if i % 100 == 0 {
            assert_eq!(reader.count(RecordKind::Journal).unwrap(), u64::from(i) + 1);
            max_wal = max_wal.max(wal_len(dir.path()));
        }
    }
    max_wal = max_wal.max(wal_len(dir.path()));
    assert!(
        3_000 * body.len() as u64 > 2 * bound,
        "the test writes more than the bound"
    );
    assert!(
        max_wal <= bound,
        "WAL grew to {max_wal} bytes (bound {bound})"
    );
    drop(reader);
    let probe = store.writer.as_ref().unwrap().checkpointer.probe();
    assert!(
        probe.upgrade().is_some(),
        "the checkpointer runs while the store is open"
    );
    drop(store);
    assert!(
        probe.upgrade().is_none(),
        "dropping the store stops the checkpointer"
    );
    assert_eq!(
        wal_len(dir.path()),
        0,
        "closing folds the WAL into the database"
    );
    let (store, _) = Store::open_with_passphrase(dir.path(), PASS).unwrap();
    assert_eq!(store.count(RecordKind::Journal).unwrap(), 3_000);
}

/// A crash is modelled by copying the files of a store that was never closed (no final
/// checkpoint): every commit must be there.
#[test]
fn an_unclosed_store_loses_no_commit() {
    let dir = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let body = vec![b'q'; 2000];
    let mut ids = Vec::new();
    for _ in 0..1_500 {
        let id = RecordId::generate().unwrap();
        store.put_raw(RecordKind::Journal, &id, &body).unwrap();
        ids.push(id);
    }
    // Let a background checkpoint run (or not): either way nothing may be lost.
    std::thread::sleep(Duration::from_millis(50));
    for name in [DB_FILE, "solace.db-wal"] {
        std::fs::copy(dir.path().join(name), copy.path().join(name)).unwrap();
    }
    let (crashed, _) = Store::open_with_passphrase(copy.path(), PASS).unwrap();
    assert_eq!(
        crashed.count(RecordKind::Journal).unwrap(),
        ids.len() as u64
    );
    for id in ids.iter().step_by(97) {
        assert_eq!(
            crashed
                .get_raw(RecordKind::Journal, id)
                .unwrap()
                .as_deref()
                .map(|b| b.len()),
            Some(2000)
        );
    }
    drop(store);
}
