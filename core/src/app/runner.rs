//! Where the application layer's slow work runs: a process-wide tokio runtime whose blocking
//! pool takes Argon2id and the sync engine, so an async caller (a Kotlin coroutine, a Swift
//! task, the terminal client's `block_on`) only awaits a join handle.
//!
//! Dropping the awaiting future cancels the work: a [`CancelOnDrop`] guard fires the work's
//! [`CancelToken`], which every network wait races and every step boundary checks.

use std::any::Any;
use std::future::Future;
use std::sync::OnceLock;

use crate::cancel::CancelToken;
use crate::error::{CoreError, Result};

static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, ()>> = OnceLock::new();

/// The shared runtime (one worker for timers and sockets, a blocking pool for the engine),
/// built on first use and kept for the life of the process.
pub(crate) fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .max_blocking_threads(8)
                .thread_name("solace-app")
                .enable_all()
                .build()
                .map_err(|_| ())
        })
        .as_ref()
        .map_err(|()| CoreError::Internal("the background runtime could not start"))
}

/// Runs `work` on the blocking pool and awaits it. The work gets a token that fires when the
/// returned future is dropped before completion (the caller cancelled).
pub(crate) async fn run_blocking<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&CancelToken) -> Result<T> + Send + 'static,
{
    let outcome = run_boxed(Box::new(
        move |cancel: &CancelToken| -> Box<dyn Any + Send> { Box::new(work(cancel)) },
    ))
    .await?;
    match outcome.downcast::<Result<T>>() {
        Ok(result) => *result,
        Err(_) => Err(CoreError::Internal("background work stopped unexpectedly")),
    }
}

/// Work for the blocking pool with its result type erased.
type BoxedWork = Box<dyn FnOnce(&CancelToken) -> Box<dyn Any + Send> + Send>;

/// [`run_blocking`] without generics: one blocking-task type (and one copy of tokio's task
/// machinery for it) for every call site, instead of one per closure — about 85 KB of the
/// mobile library for two boxes per call, next to work that takes milliseconds at least.
async fn run_boxed(work: BoxedWork) -> Result<Box<dyn Any + Send>> {
    let cancel = CancelToken::new();
    let guard = cancel.drop_guard();
    let handle = runtime()?.spawn_blocking(move || work(&cancel));
    let outcome = handle.await;
    guard.disarm();
    outcome.map_err(|_| CoreError::Internal("background work stopped unexpectedly"))
}

/// Drives `future` to completion on the calling thread (for front ends without an async
/// runtime of their own, such as the terminal client). Do not call it from async code.
pub fn block_on<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    runtime()?.block_on(future)
}
