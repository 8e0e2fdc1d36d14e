//! Listeners a front end registers for what happens in the background (sync state, arriving
//! messages), and the handles that stop delivery.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::AppSyncReport;

/// The sync engine's state, as a UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncState {
    /// A sync started.
    Syncing,
    /// A sync finished; `report.records.complete` is false when the budget ran out.
    Finished(AppSyncReport),
    /// A sync failed (or was cancelled); the store is consistent and the next sync resumes.
    Failed(String),
}

/// Receives background events. Called on the thread that did the work (never the UI
/// thread): hop to the UI thread before touching views.
pub trait AppListener: Send + Sync {
    /// The sync state changed.
    fn on_sync_state_changed(&self, state: &SyncState);
    /// New messages arrived in the conversation with `peer_account` (show only a discreet
    /// notification).
    fn on_message_arrived(&self, peer_account: &str);
}

/// Listeners by registration id.
type Entries = Vec<(u64, Arc<dyn AppListener>)>;

/// The registered listeners of one app.
#[derive(Default)]
pub(crate) struct Listeners {
    entries: Mutex<(u64, Entries)>,
}

impl Listeners {
    fn add(&self, listener: Arc<dyn AppListener>) -> u64 {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.0 += 1;
        let id = entries.0;
        entries.1.push((id, listener));
        id
    }

    fn remove(&self, id: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.1.retain(|(i, _)| *i != id);
    }

    /// Calls `f` on every listener, outside the lock (a listener may subscribe or cancel).
    pub(crate) fn each(&self, f: impl Fn(&dyn AppListener)) {
        let snapshot: Vec<Arc<dyn AppListener>> = {
            let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            entries.1.iter().map(|(_, l)| Arc::clone(l)).collect()
        };
        for listener in snapshot {
            f(listener.as_ref());
        }
    }
}

/// Registers `listener`; delivery lasts as long as the returned handle.
pub(crate) fn subscribe(
    listeners: &Arc<Listeners>,
    listener: Arc<dyn AppListener>,
) -> Subscription {
    let id = listeners.add(listener);
    Subscription {
        listeners: Arc::downgrade(listeners),
        id,
    }
}

/// A registered listener. Delivery stops on [`Subscription::cancel`] or when the handle is
/// dropped, whichever comes first.
pub struct Subscription {
    listeners: Weak<Listeners>,
    id: u64,
}

impl Subscription {
    /// Stops delivery now (idempotent).
    pub fn cancel(&self) {
        if let Some(listeners) = self.listeners.upgrade() {
            listeners.remove(self.id);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}
