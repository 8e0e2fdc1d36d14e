//! A cap on concurrent Argon2id work (hashing and verifying auth keys): each costs ~19 MiB and
//! a core for tens of milliseconds, so unbounded parallel logins could exhaust the machine.
//! When every slot is busy a request waits briefly, then is answered `503 unavailable`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::ApiErr;

/// How long a request waits for a free slot before `503`.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(2);

/// Runs Argon2id work on the blocking pool, at most `slots` at a time.
pub struct HashGate {
    slots: Arc<Semaphore>,
    wait: Duration,
}

impl HashGate {
    /// A gate with `slots` concurrent jobs (at least one) and `wait` before giving up.
    pub fn new(slots: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
        }
    }

    /// The default number of slots: the machine's available parallelism.
    pub fn default_slots() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// Runs `job` on the blocking pool once a slot is free; `503 unavailable` when none frees
    /// up within the wait, `500` if the job's task fails.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiErr> {
        let permit = tokio::time::timeout(self.wait, Arc::clone(&self.slots).acquire_owned())
            .await
            .map_err(|_| ApiErr::unavailable())?
            .map_err(|_| ApiErr::unavailable())?;
        let out = tokio::task::spawn_blocking(move || {
            let out = job();
            drop(permit);
            out
        })
        .await
        .map_err(|_| ApiErr::internal())?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_saturated_gate_answers_unavailable_after_the_wait() {
        let gate = Arc::new(HashGate::new(1, Duration::from_millis(50)));
        let (hold, release) = std::sync::mpsc::channel::<()>();
        let busy = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.run(move || release.recv().is_ok()).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let refused = gate.run(|| 1).await.unwrap_err();
        assert_eq!(
            (refused.status().as_u16(), refused.code()),
            (503, "unavailable")
        );
        hold.send(()).unwrap();
        assert!(busy.await.unwrap().unwrap());
        assert_eq!(gate.run(|| 2).await.unwrap(), 2, "free again");
    }
}
