//! Cooperative cancellation for long work (sync, messaging rounds).
//!
//! A [`CancelToken`] is shared between the caller that may give up (an async front-end call
//! whose future was dropped, a UI "stop" button) and the work that checks it between steps and
//! races it against every network wait. Work stops only at step boundaries, where every
//! change made so far is committed, so a cancelled sync leaves the store consistent.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{CoreError, Result};

#[derive(Default)]
struct Shared {
    cancelled: AtomicBool,
    notify: tokio::sync::Notify,
}

/// A cheap, cloneable cancellation flag; every clone sees the same state.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<Shared>);

impl std::fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelToken {
    /// A token that has not been cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the work to stop; wakes every waiter. Idempotent.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// `Err(CoreError::Cancelled)` once cancelled: the check work makes between steps.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(CoreError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Completes when the token is cancelled (immediately if it already is); race it against
    /// a network wait with `tokio::select!`.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }

    /// A guard that cancels this token when dropped: hold it in an async call so that
    /// dropping the call's future (the caller cancelled) stops the work it started.
    pub fn drop_guard(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its token when dropped (see [`CancelToken::drop_guard`]).
#[derive(Debug)]
pub struct CancelOnDrop(CancelToken);

impl CancelOnDrop {
    /// Lets the work finish even though the guard goes away (it completed normally).
    pub fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_seen_by_every_clone_and_check_reports_it() {
        let token = CancelToken::new();
        let clone = token.clone();
        assert!(clone.check().is_ok());
        token.cancel();
        assert!(clone.is_cancelled());
        assert!(matches!(clone.check(), Err(CoreError::Cancelled)));
    }

    #[test]
    fn drop_guard_cancels_unless_disarmed() {
        let token = CancelToken::new();
        token.drop_guard().disarm();
        assert!(!token.is_cancelled());
        drop(token.drop_guard());
        assert!(token.is_cancelled());
    }

    #[test]
    fn cancelled_future_wakes_a_waiter() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let token = CancelToken::new();
        let waiter = token.clone();
        rt.block_on(async move {
            let wait = tokio::spawn(async move { waiter.cancelled().await });
            tokio::task::yield_now().await;
            token.cancel();
            tokio::time::timeout(std::time::Duration::from_secs(1), wait)
                .await
                .unwrap()
                .unwrap();
        });
    }
}
