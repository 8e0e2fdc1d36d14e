//! Live updates without polling: `POST /v1/changes/wait` holds a request open until records
//! or messages wait for the calling device, or [`p::live::MAX_WAIT_SECS`] pass. Each node
//! keeps a [`Hub`] of waiters per account; a push or a send wakes them on this node at once,
//! and through PostgreSQL `LISTEN/NOTIFY` on every other node (the storage notifies inside the
//! committing transaction, so a wake-up never comes before the data is visible). A wake-up
//! only makes a waiter look in the database again: a lost one delays, never loses, anything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use solace_protocol as p;
use tokio::sync::Notify;

use crate::api::{Caller, Shared};
use crate::error::ApiErr;

/// The PostgreSQL channel every node listens on; the payload is an account id.
pub const CHANNEL: &str = "solace_changes";

/// Waiters by account on this node.
#[derive(Default)]
pub struct Hub {
    accounts: Mutex<HashMap<String, Arc<Notify>>>,
    everyone: Notify,
}

impl Hub {
    fn entry(&self, account: &str) -> Arc<Notify> {
        let mut map = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(account.to_owned()).or_default().clone()
    }

    /// Drops the entry of `account` when no waiter holds it any more.
    fn release(&self, account: &str, held: Arc<Notify>) {
        let mut map = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        drop(held);
        if map.get(account).is_some_and(|n| Arc::strong_count(n) == 1) {
            map.remove(account);
        }
    }

    /// Wakes the waiters of `account` on this node.
    pub fn wake(&self, account: &str) {
        let map = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(notify) = map.get(account) {
            notify.notify_waiters();
        }
    }

    /// Wakes every waiter (after the notification connection was lost and came back, or
    /// when the node drains).
    pub fn wake_all(&self) {
        self.everyone.notify_waiters();
    }

    /// How many accounts have a waiter now.
    pub fn waiting_accounts(&self) -> usize {
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// `POST /v1/changes/wait`.
pub async fn wait(
    State(state): State<Shared>,
    caller: Caller,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<p::live::Changes>, ApiErr> {
    let req: p::live::WaitRequest = crate::api::parse(body)?;
    let wait = Duration::from_secs(u64::from(req.timeout_secs.min(p::live::MAX_WAIT_SECS)));
    let deadline = tokio::time::Instant::now() + wait;
    let notify = state.live.entry(&caller.account_id);
    let answer = loop {
        // Armed before looking, so a change committed after the look still wakes us.
        let woken = notify.notified();
        let everyone = state.live.everyone.notified();
        let draining = state.drain.notified();
        tokio::pin!(woken, everyone, draining);
        woken.as_mut().enable();
        everyone.as_mut().enable();
        draining.as_mut().enable();
        let changes = match state
            .storage
            .changes_for(&caller.account_id, &caller.device_id, req.cursor)
            .await
        {
            Ok(c) => c,
            Err(e) => break Err(e.into()),
        };
        if changes.any() || state.drain.is_draining() {
            break Ok(changes);
        }
        tokio::select! {
            _ = &mut woken => {}
            _ = &mut everyone => {}
            _ = &mut draining => {}
            _ = tokio::time::sleep_until(deadline) => break Ok(changes),
        }
    };
    state.live.release(&caller.account_id, notify);
    answer.map(Json)
}

/// Listens for other nodes' changes on PostgreSQL and wakes this node's waiters; reconnects
/// after a lost connection (waking everyone, since notifications may have been missed).
pub fn listen_postgres(url: String, state: std::sync::Weak<crate::api::AppState>) {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(200);
        loop {
            match listen_once(&url, &state).await {
                Ok(()) => return, // the node is gone
                Err(e) => {
                    tracing::warn!(error = %e, "live-update listener lost its connection");
                    if let Some(state) = state.upgrade() {
                        state.live.wake_all();
                    } else {
                        return;
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    });
}

async fn listen_once(
    url: &str,
    state: &std::sync::Weak<crate::api::AppState>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let (send, mut received) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        loop {
            let message = std::future::poll_fn(|cx| connection.poll_message(cx)).await;
            match message {
                Some(Ok(tokio_postgres::AsyncMessage::Notification(n))) => {
                    if send.send(Ok(n.payload().to_owned())).is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    let _ = send.send(Err(e));
                    return;
                }
                None => return,
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    // Anything that changed while the listener was (re)connecting.
    if let Some(state) = state.upgrade() {
        state.live.wake_all();
    }
    // Checked every second: once the node has stopped, its connection closes too.
    let mut alive = tokio::time::interval(Duration::from_secs(1));
    loop {
        let item = tokio::select! {
            item = received.recv() => item,
            _ = alive.tick() => {
                if state.strong_count() == 0 {
                    driver.abort();
                    return Ok(());
                }
                continue;
            }
        };
        let Some(item) = item else { break };
        let Some(state) = state.upgrade() else {
            driver.abort();
            return Ok(());
        };
        state.live.wake(&item?);
    }
    driver.abort();
    // The connection closed without an error: treat it as lost.
    client.batch_execute("SELECT 1").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wake_reaches_only_that_accounts_waiters_and_entries_are_released() {
        let hub = Hub::default();
        let ana = hub.entry("ana");
        let ben = hub.entry("ben");
        {
            let (woken_ana, woken_ben) = (ana.notified(), ben.notified());
            tokio::pin!(woken_ana, woken_ben);
            woken_ana.as_mut().enable();
            woken_ben.as_mut().enable();
            hub.wake("ana");
            tokio::time::timeout(Duration::from_secs(1), &mut woken_ana)
                .await
                .expect("ana's waiter woke");
            assert!(
                tokio::time::timeout(Duration::from_millis(50), &mut woken_ben)
                    .await
                    .is_err(),
                "ben's did not"
            );
        }
        assert_eq!(hub.waiting_accounts(), 2);
        hub.release("ana", ana);
        hub.release("ben", ben);
        assert_eq!(hub.waiting_accounts(), 0);
    }
}
