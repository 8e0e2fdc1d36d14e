//! Work the console does on its own: lock the store after the idle time, and sync (records
//! and messages) soon after unlocking or replying and then every [`SYNC_EVERY`] while the
//! store is open. A store that was never connected to a server simply stays local.

use std::sync::Arc;
use std::time::Duration;

use solace_core::error::TransportError;
use solace_core::sync::SyncBudget;
use solace_core::CoreError;
use solace_protocol::messaging::LinkState;

use crate::state::{Console, SyncStatus};

/// How often the store is synced while unlocked.
pub const SYNC_EVERY: Duration = Duration::from_secs(15);
/// How often the idle lock is checked.
const TICK: Duration = Duration::from_secs(5);

/// Starts the ticker that locks an idle store and syncs an open one.
pub fn start(console: Arc<Console>) {
    tokio::spawn(async move {
        let mut since_sync = Duration::ZERO;
        loop {
            tokio::time::sleep(TICK).await;
            console.expire_idle();
            since_sync += TICK;
            if since_sync >= SYNC_EVERY {
                since_sync = Duration::ZERO;
                sync_now(&console).await;
            }
        }
    });
}

/// Syncs in the background right away (after unlocking, after a reply).
pub fn sync_soon(console: Arc<Console>) {
    tokio::spawn(async move { sync_now(&console).await });
}

async fn sync_now(console: &Console) {
    let Some(app) = console.app_if_open() else {
        return;
    };
    let status = match app.sync(SyncBudget::background()).await {
        Ok(_) => SyncStatus::Ok,
        Err(CoreError::NotRegistered) => return,
        Err(CoreError::Transport(TransportError::Unauthorized)) => SyncStatus::SignedOut,
        Err(e) => SyncStatus::Failed(e.to_string()),
    };
    console.set_sync_status(status);
    // Requests from clients waiting for this therapist's answer.
    let me = app.read(|s| Ok(s.sync_account()?.map(|(a, _)| a.account_id)));
    if let (Ok(Some(me)), Ok(links)) = (me, app.links().await) {
        console.set_pending_links(
            links
                .into_iter()
                .filter(|l| l.state == LinkState::Pending && l.therapist_id == me)
                .collect(),
        );
    }
}
