//! The application layer against a server that accepts connections and never answers: reads
//! go on while a sync waits, and cancelling the sync stops its background work promptly.

use std::time::{Duration, Instant};

use super::*;
use crate::journal::{self, JournalBody, JournalDraft, JournalFilter};
use crate::store::sync_state::{SyncAccount, TokenTimes};
use crate::sync::SyncBudget;

const PASS: &str = crate::passphrase::TEST_PASSPHRASE;

/// A registered store whose server is `listener`: the kernel completes every TCP handshake
/// into the listen backlog, and nothing ever answers.
fn stalled_app(dir: &Path, listener: &std::net::TcpListener) -> App {
    let (mut store, _) = Store::create(dir, PASS, KdfParams::FLOOR).unwrap();
    let now = chrono::Utc::now().timestamp();
    store
        .set_sync_session(
            &SyncAccount {
                server_url: format!("http://{}", listener.local_addr().unwrap()),
                username: "ana".into(),
                account_id: "acct".into(),
                device_id: "dev".into(),
            },
            "token",
            TokenTimes {
                issued_at: Some(now),
                expires_at: Some(now + 3600),
            },
        )
        .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T09:00:00+01:00").unwrap();
    for i in 0..20 {
        let draft = JournalDraft {
            title: None,
            body: JournalBody::Free {
                text: format!("entry {i}"),
            },
            tags: vec![],
        };
        store
            .atomically(|s| journal::add(s, draft, now).map(|_| ()))
            .unwrap();
    }
    App::with_transport(store, TransportOptions::default())
}

#[test]
fn reads_and_writes_go_on_while_a_sync_waits_and_a_cancelled_sync_stops() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let app = stalled_app(dir.path(), &listener);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let syncing = app.clone();
        let sync = tokio::spawn(async move { syncing.sync(SyncBudget::unlimited()).await });
        // The sync has started and is waiting on the server.
        let started = Instant::now();
        while app.shared.sync_gate.try_lock().is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "sync never started"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;

        for _ in 0..20 {
            let entries = app
                .read(|s| journal::list(s, &JournalFilter::default()))
                .unwrap();
            assert_eq!(entries.len(), 20);
        }
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00+01:00").unwrap();
        let draft = JournalDraft {
            title: None,
            body: JournalBody::Free {
                text: "written during the sync".into(),
            },
            tags: vec![],
        };
        app.write(|s| journal::add(s, draft, now)).unwrap();
        assert!(
            !sync.is_finished(),
            "the reads did not wait for the stalled sync"
        );

        // Cancelling the call stops the background work: the sync gate frees promptly.
        sync.abort();
        assert!(sync.await.unwrap_err().is_cancelled());
        let stopped = tokio::time::timeout(Duration::from_secs(3), app.shared.sync_gate.lock())
            .await
            .is_ok();
        assert!(stopped, "the cancelled sync kept waiting on the server");
    });
    let count = app
        .read(|s| journal::list(s, &JournalFilter::default()))
        .unwrap()
        .len();
    assert_eq!(count, 21, "the write made during the sync is kept");
    drop(listener);
}

#[test]
fn reads_reuse_a_pooled_reader_handle_instead_of_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::create(dir.path(), PASS, KdfParams::FLOOR).unwrap();
    let app = App::with_transport(store, TransportOptions::default());
    for _ in 0..3 {
        let read_only = app.read(|s| Ok(s.is_read_only())).unwrap();
        assert!(read_only, "the read ran on a reader handle");
    }
    let idle = app
        .shared
        .readers
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len();
    assert_eq!(idle, 1, "one reader handle, opened once and reused");
}
