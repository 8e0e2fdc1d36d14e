//! Cancelling a sync part-way: it stops at the next step boundary, keeps every page it
//! applied (each page and its cursor are one transaction) and the next sync resumes.

use std::cell::Cell;

use super::fake::FakeServer;
use super::*;
use crate::crypto::kdf::KdfParams;
use crate::journal::{self, JournalBody, JournalDraft, JournalFilter};
use crate::record::RecordKind;

const PASS: &str = crate::passphrase::TEST_PASSPHRASE;

/// A cell that fires `cancel` from inside the first store step taken once the device holds
/// at least `after` journal entries — i.e. while the next page is being applied.
struct CancelDuringStep<'a> {
    inner: Exclusive<'a>,
    cancel: CancelToken,
    after: u64,
    fired: Cell<bool>,
}

impl StoreCell for CancelDuringStep<'_> {
    fn enter(&self, f: &mut dyn FnMut(&mut Store)) -> Result<()> {
        let cancel = &self.cancel;
        let after = self.after;
        let fired = &self.fired;
        self.inner.enter(&mut |store: &mut Store| {
            let held = store.count(RecordKind::Journal).unwrap_or(0);
            if !fired.get() && held >= after {
                fired.set(true);
                cancel.cancel();
            }
            f(store);
        })
    }
}

fn entry(i: usize) -> JournalDraft {
    JournalDraft {
        title: None,
        body: JournalBody::Free {
            text: format!("entry {i}"),
        },
        tags: vec![],
    }
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
fn a_sync_cancelled_while_applying_a_page_keeps_whole_pages_and_resumes() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _) = Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
    register(&mut a, &server, "http://fake", "ana", PASS, "phone").unwrap();
    let (mut b, _) = login_new_device(
        &dir.path().join("b"),
        &server,
        "http://fake",
        "ana",
        PASS,
        "laptop",
        SyncBudget::unlimited(),
    )
    .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T09:00:00+01:00").unwrap();
    let total = 2 * PULL_PAGE as usize + 100;
    for i in 0..total {
        journal::add(&mut a, entry(i), now).unwrap();
    }
    sync_now(&mut a, &server, SyncBudget::unlimited()).unwrap();

    let cancel = CancelToken::new();
    let cell = CancelDuringStep {
        inner: Exclusive::new(&mut b),
        cancel: cancel.clone(),
        after: u64::from(PULL_PAGE),
        fired: Cell::new(false),
    };
    let outcome = sync_shared(&cell, &server, SyncBudget::unlimited(), &cancel);
    assert!(cell.fired.get(), "the cancel fired during a store step");
    assert!(matches!(outcome, Err(CoreError::Cancelled)), "{outcome:?}");
    drop(cell);

    // Whole pages only: the page being applied when the cancel came finished (one
    // transaction), nothing after it started.
    let held = b.count(RecordKind::Journal).unwrap();
    assert_eq!(held % u64::from(PULL_PAGE), 0, "held {held}");
    assert!(
        held >= u64::from(PULL_PAGE) && held < total as u64,
        "held {held}"
    );
    assert_eq!(
        b.pending_changes().unwrap(),
        0,
        "nothing local became dirty"
    );

    // The next sync resumes from the cursor and converges.
    let report = sync_now(&mut b, &server, SyncBudget::unlimited()).unwrap();
    assert!(report.complete);
    assert_eq!(u64::from(report.pulled) + held, total as u64);
    assert_eq!(texts(&b), texts(&a));
}

#[test]
fn a_cancelled_token_stops_a_sync_before_it_asks_the_server() {
    let server = FakeServer::default();
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _) = Store::create(&dir.path().join("a"), PASS, KdfParams::FLOOR).unwrap();
    register(&mut a, &server, "http://fake", "ana", PASS, "phone").unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T09:00:00+01:00").unwrap();
    journal::add(&mut a, entry(1), now).unwrap();
    let cancel = CancelToken::new();
    cancel.cancel();
    let outcome = sync_shared(
        &Exclusive::new(&mut a),
        &server,
        SyncBudget::unlimited(),
        &cancel,
    );
    assert!(matches!(outcome, Err(CoreError::Cancelled)));
    // Only the account identity register pushed is there.
    assert_eq!(server.records().len(), 1, "nothing was sent");
    assert_eq!(a.pending_changes().unwrap(), 1, "the edit stays pending");
}
