//! The sync use case: records, then the messaging round, in one call — so every front end
//! (and every background refresh) moves both.

use std::sync::Arc;

use super::events::SyncState;
use super::{runner, App};
use crate::cancel::CancelToken;
use crate::error::{CoreError, Result};
use crate::messaging::{InboxReport, Messenger, OutboxReport};
use crate::sync::{self, SyncBudget, SyncReport};

/// What one [`App::sync`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AppSyncReport {
    /// Records pushed, pulled, merged, quarantined.
    pub records: SyncReport,
    /// Messages taken in (and the discreet notification text, if one is due).
    pub inbox: InboxReport,
    /// Outbox entries sent or still waiting.
    pub outbox: OutboxReport,
}

impl App {
    /// Pushes local changes and pulls remote ones within `budget`, then runs a messaging
    /// round (links, keys, mailbox, outbox). Listeners hear `Syncing` then `Finished` or
    /// `Failed`, and `on_message_arrived` per conversation with new messages. Runs one at a
    /// time per app; dropping the future cancels it at the next step boundary.
    pub async fn sync(&self, budget: SyncBudget) -> Result<AppSyncReport> {
        let one_at_a_time = Arc::clone(&self.shared.sync_gate).lock_owned().await;
        self.notify(&SyncState::Syncing);
        let app = self.clone();
        let result = runner::run_blocking(move |cancel| {
            let report = app.sync_blocking(budget, cancel);
            drop(one_at_a_time);
            report
        })
        .await;
        match &result {
            Ok(report) => {
                for peer in &report.inbox.arrived {
                    self.shared.listeners.each(|l| l.on_message_arrived(peer));
                }
                self.notify(&SyncState::Finished(report.clone()));
            }
            Err(e) => self.notify(&SyncState::Failed(e.to_string())),
        }
        result
    }

    fn sync_blocking(&self, budget: SyncBudget, cancel: &CancelToken) -> Result<AppSyncReport> {
        let http = self.connected_transport(cancel)?;
        let cell = self.cell();
        let records = sync::sync_shared(cell, &http, budget, cancel)?;
        cancel.check()?;
        let (inbox, outbox) = Messenger::new(&http).sync(cell)?;
        // Review tokens for active links: best effort, the next sync tries again.
        let tokens = crate::reviews::refresh_tokens(cell, &http, sync::session::unix_now());
        if let Err(CoreError::Cancelled) = tokens {
            return Err(CoreError::Cancelled);
        }
        Ok(AppSyncReport {
            records,
            inbox,
            outbox,
        })
    }

    fn notify(&self, state: &SyncState) {
        self.shared
            .listeners
            .each(|l| l.on_sync_state_changed(state));
    }
}
