//! Event listeners implemented by the UI, and subscription handles that stop delivery when
//! cancelled or dropped (garbage-collected / `close()`d in Kotlin, released in Swift).

use std::sync::{Arc, Mutex, Weak};

use crate::sync::SyncReport;

/// The sync engine's state, as a UI shows it.
#[derive(Debug, Clone, uniffi::Enum)]
pub enum SyncState {
    /// A sync started.
    Syncing,
    /// A sync finished; `report.complete` is false when the budget ran out (call again).
    Finished {
        /// What the sync did.
        report: SyncReport,
    },
    /// A sync failed; the store is consistent and the next sync resumes.
    Failed {
        /// The error, as text (the call itself raised the typed error).
        detail: String,
    },
}

/// Receives events from a [`crate::Solace`]. Called on the thread that did the work, so hop to
/// the UI thread before touching views.
#[uniffi::export(with_foreign)]
pub trait SolaceListener: Send + Sync {
    /// The sync state changed.
    fn on_sync_state_changed(&self, state: SyncState);
    /// New messages arrived in the conversation with `conversation_id` (the peer's account
    /// id), during a sync or a messaging round. Show only a discreet notification.
    fn on_message_arrived(&self, conversation_id: String);
}

#[derive(Default)]
pub(crate) struct Listeners {
    next_id: Mutex<u64>,
    entries: Mutex<Vec<(u64, Arc<dyn SolaceListener>)>>,
}

impl Listeners {
    fn add(&self, listener: Arc<dyn SolaceListener>) -> u64 {
        let id = match self.next_id.lock() {
            Ok(mut next) => {
                *next += 1;
                *next
            }
            Err(_) => 0,
        };
        if let Ok(mut entries) = self.entries.lock() {
            entries.push((id, listener));
        }
        id
    }

    fn remove(&self, id: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(i, _)| *i != id);
        }
    }

    /// Calls `f` on every listener, outside the lock (a listener may subscribe or cancel).
    pub(crate) fn each(&self, f: impl Fn(&dyn SolaceListener)) {
        let snapshot: Vec<Arc<dyn SolaceListener>> = match self.entries.lock() {
            Ok(entries) => entries.iter().map(|(_, l)| Arc::clone(l)).collect(),
            Err(_) => Vec::new(),
        };
        for listener in snapshot {
            f(listener.as_ref());
        }
    }
}

/// Registers `listener` and returns the handle that keeps it registered.
pub(crate) fn subscribe(
    listeners: &Arc<Listeners>,
    listener: Arc<dyn SolaceListener>,
) -> Arc<Subscription> {
    let id = listeners.add(listener);
    Arc::new(Subscription {
        listeners: Arc::downgrade(listeners),
        id,
    })
}

/// A registered listener. Delivery stops on [`Subscription::cancel`] or when the handle is
/// dropped, whichever comes first.
#[derive(uniffi::Object)]
pub struct Subscription {
    listeners: Weak<Listeners>,
    id: u64,
}

#[uniffi::export]
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
