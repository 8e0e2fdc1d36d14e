//! Explicit cancellation of a store's syncs in flight, for callers whose task cancellation
//! does not reach the Rust future: Kotlin's coroutine cancellation drops the future (which
//! cancels the work), but a Swift `Task.cancel()` does not, so Swift calls
//! [`SyncService::cancel_running`] from `withTaskCancellationHandler`.

use std::future::Future;
use std::pin::pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Poll, Waker};

use crate::error::{Result, SolaceError};
use crate::sync::SyncService;

/// Cancellation state shared by every handle of one store.
#[derive(Default)]
pub(crate) struct Cancels {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Bumped by every cancel: a call started before the bump is cancelled.
    generation: u64,
    next_id: u64,
    waiting: Vec<(u64, Waker)>,
}

impl Cancels {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Cancels every call run through [`Cancels::run`] that is in flight now.
    pub(crate) fn cancel_all(&self) {
        let waiting = {
            let mut state = self.lock();
            state.generation += 1;
            std::mem::take(&mut state.waiting)
        };
        for (_, waker) in waiting {
            waker.wake();
        }
    }

    /// Runs `work` until it finishes or [`Cancels::cancel_all`] is called, whichever comes
    /// first; then the work's future is dropped, which cancels it at its next step
    /// (`SolaceError::Cancelled`).
    pub(crate) async fn run<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        let (generation, id) = {
            let mut state = self.lock();
            state.next_id += 1;
            (state.generation, state.next_id)
        };
        let _unregister = Unregister { cancels: self, id };
        let mut work = pin!(work);
        std::future::poll_fn(|cx| {
            {
                let mut state = self.lock();
                if state.generation != generation {
                    return Poll::Ready(Err(SolaceError::Cancelled));
                }
                state.waiting.retain(|(i, _)| *i != id);
                state.waiting.push((id, cx.waker().clone()));
            }
            work.as_mut().poll(cx)
        })
        .await
    }
}

/// Forgets a finished (or dropped) call's waker.
struct Unregister<'a> {
    cancels: &'a Cancels,
    id: u64,
}

impl Drop for Unregister<'_> {
    fn drop(&mut self) {
        self.cancels.lock().waiting.retain(|(i, _)| *i != self.id);
    }
}

#[uniffi::export]
impl SyncService {
    /// Cancels this store's syncs in flight: each raises `Cancelled` at once and its work
    /// stops at its next step, leaving the store consistent. Swift calls it from
    /// `withTaskCancellationHandler`; Kotlin only needs to cancel the coroutine.
    pub fn cancel_running(&self) {
        self.inner.cancels.cancel_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_ends_calls_in_flight_but_not_later_ones() {
        let cancels = std::sync::Arc::new(Cancels::default());
        let started = std::sync::Arc::new(std::sync::Barrier::new(2));
        let (c, s) = (
            std::sync::Arc::clone(&cancels),
            std::sync::Arc::clone(&started),
        );
        let waiter = std::thread::spawn(move || {
            solace_core::app::block_on(async {
                let never = std::future::pending::<Result<()>>();
                s.wait();
                Ok(c.run(never).await)
            })
        });
        started.wait();
        // Give the waiter time to register, then cancel; it must end with Cancelled.
        std::thread::sleep(std::time::Duration::from_millis(50));
        cancels.cancel_all();
        let outcome = waiter.join().unwrap().unwrap();
        assert!(matches!(outcome, Err(SolaceError::Cancelled)));
        assert!(cancels.lock().waiting.is_empty());
        let later = solace_core::app::block_on(async { Ok(cancels.run(async { Ok(7) }).await) });
        assert_eq!(later.unwrap().unwrap(), 7);
    }
}
