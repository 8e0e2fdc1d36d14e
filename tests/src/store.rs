//! Store-side helpers the end-to-end tests share: what a journal holds, and a sync run to
//! its end.

use solace_core::journal::{self, JournalFilter};
use solace_core::sync::{self, SyncBudget, SyncReport, Transport};
use solace_core::Store;

/// The current text of every journal entry in `store`, sorted (order-free comparisons).
pub fn journal_texts(store: &Store) -> Vec<String> {
    let mut texts: Vec<String> = journal::list(store, &JournalFilter::default())
        .unwrap()
        .iter()
        .map(|e| e.current.body.text())
        .collect();
    texts.sort();
    texts
}

/// Syncs `store` through `transport` with no budget, until nothing is left to send or pull.
pub fn sync_all(store: &mut Store, transport: &dyn Transport) -> SyncReport {
    sync::sync_now(store, transport, SyncBudget::unlimited()).unwrap()
}
