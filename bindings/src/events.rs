//! Event listeners implemented by the UI, adapted to the core's
//! [`solace_core::app::AppListener`], and subscription handles that stop delivery when
//! cancelled or dropped (garbage-collected / `close()`d in Kotlin, released in Swift).

use std::sync::{Arc, Mutex, PoisonError};

use solace_core::app::{self, AppListener};
use solace_core::App;

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

impl From<&app::SyncState> for SyncState {
    fn from(state: &app::SyncState) -> Self {
        match state {
            app::SyncState::Syncing => Self::Syncing,
            app::SyncState::Finished(report) => Self::Finished {
                report: report.into(),
            },
            app::SyncState::Failed(detail) => Self::Failed {
                detail: detail.clone(),
            },
        }
    }
}

/// Receives events from a [`crate::Solace`]. Called on a background thread, so hop to the UI
/// thread before touching views.
#[uniffi::export(with_foreign)]
pub trait SolaceListener: Send + Sync {
    /// The sync state changed.
    fn on_sync_state_changed(&self, state: SyncState);
    /// New messages arrived in the conversation with `conversation_id` (the peer's account
    /// id), during a sync or a messaging round. Show only a discreet notification.
    fn on_message_arrived(&self, conversation_id: String);
}

struct Forward(Arc<dyn SolaceListener>);

impl AppListener for Forward {
    fn on_sync_state_changed(&self, state: &app::SyncState) {
        self.0.on_sync_state_changed(state.into());
    }

    fn on_message_arrived(&self, peer_account: &str) {
        self.0.on_message_arrived(peer_account.to_owned());
    }
}

/// Registers `listener` with `app` and returns the handle that keeps it registered.
pub(crate) fn subscribe(app: &App, listener: Arc<dyn SolaceListener>) -> Arc<Subscription> {
    Arc::new(Subscription {
        inner: Mutex::new(Some(app.subscribe(Arc::new(Forward(listener))))),
    })
}

/// A registered listener. Delivery stops on [`Subscription::cancel`] or when the handle is
/// dropped, whichever comes first.
#[derive(uniffi::Object)]
pub struct Subscription {
    inner: Mutex<Option<app::Subscription>>,
}

#[uniffi::export]
impl Subscription {
    /// Stops delivery now (idempotent).
    pub fn cancel(&self) {
        let taken = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(taken);
    }
}
