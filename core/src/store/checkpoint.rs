//! WAL checkpoints off the committing path.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so one save
//! in a few hundred pays for copying the WAL into the database. The writer instead registers a
//! WAL hook (which replaces the automatic checkpoint): after a commit that leaves the WAL at
//! [`THRESHOLD_PAGES`] or more it only wakes a background thread, which waits until the writer
//! has been idle for [`IDLE`] and then runs a PASSIVE checkpoint on its own connection (never
//! waiting for readers or the writer). Waiting for a pause matters twice: a checkpoint's
//! fsyncs make concurrent WAL appends stall on the file system's journal (measured: save p99
//! ×2.5 with a checkpoint running beside the writer), and only a checkpoint that copies every
//! frame before the next commit lets the WAL start over instead of growing.
//!
//! A writer that never pauses (an import) would never see a checkpoint, so a commit that leaves
//! the WAL at [`HARD_LIMIT_PAGES`] checkpoints inline, as SQLite would have, once per 4,000
//! pages of WAL (8 MiB with the 2 KB pages of new stores). Closing the store stops the thread
//! and runs a TRUNCATE checkpoint. Durability is unchanged: a checkpoint only copies committed
//! frames, and a crash at any point is recovered from the WAL on the next open.

use std::ffi::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, OpenFlags};

/// WAL size (pages) after a commit that wakes the checkpointer: SQLite's own default.
pub(super) const THRESHOLD_PAGES: c_int = 1000;
/// WAL size (pages) after a commit that checkpoints inline: the bound if the background
/// thread cannot keep up.
pub(super) const HARD_LIMIT_PAGES: c_int = 4 * THRESHOLD_PAGES;
/// How long the writer must have been quiet before the thread checkpoints.
pub(super) const IDLE: Duration = Duration::from_millis(25);
/// How long the closing checkpoint waits for a reader handle still reading.
const CLOSE_WAIT: Duration = Duration::from_millis(100);

struct Signal {
    state: Mutex<State>,
    wake: Condvar,
    /// Set by the commit that asks for a checkpoint, cleared when the thread starts one (so
    /// the commits in between skip the lock).
    asked: AtomicBool,
    /// When the last commit happened, in microseconds since `epoch`.
    last_commit_us: AtomicU64,
    epoch: Instant,
    /// Checkpoints run by the thread, and inline by commits (for tests).
    background_runs: AtomicU64,
    inline_runs: AtomicU64,
}

#[derive(Default)]
struct State {
    /// A commit left the WAL over the threshold since the last checkpoint started.
    pending: bool,
    /// The store is closing.
    stop: bool,
}

impl Signal {
    fn new() -> Self {
        Signal {
            state: Mutex::default(),
            wake: Condvar::new(),
            asked: AtomicBool::new(false),
            last_commit_us: AtomicU64::new(0),
            epoch: Instant::now(),
            background_runs: AtomicU64::new(0),
            inline_runs: AtomicU64::new(0),
        }
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// How long the writer has been quiet.
    fn quiet_for(&self) -> Duration {
        let last = self.last_commit_us.load(Ordering::Relaxed);
        Duration::from_micros(self.now_us().saturating_sub(last))
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
        self.wake.notify_one();
    }
}

/// The writer's background checkpoint thread.
pub(super) struct Checkpointer {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
    /// Dropped by the thread when it ends (lets tests see that it did).
    #[cfg(test)]
    alive: std::sync::Weak<()>,
}

impl Checkpointer {
    /// Starts the thread with its own connection to the database at `path` and hooks the
    /// writer connection `conn` to it. If any of that fails, `conn` keeps SQLite's automatic
    /// checkpoints (slower commits, same safety) and the store opens all the same.
    pub(super) fn start(conn: &mut Connection, path: &Path) -> Checkpointer {
        let signal = Arc::new(Signal::new());
        let alive = Arc::new(());
        let mut checkpointer = Checkpointer {
            signal: Arc::clone(&signal),
            thread: None,
            #[cfg(test)]
            alive: Arc::downgrade(&alive),
        };
        let Ok(own) = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        ) else {
            return checkpointer;
        };
        // A connection sees the WAL only once it has read the database; until then its
        // checkpoints do nothing.
        if own
            .query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0))
            .is_err()
        {
            return checkpointer;
        }
        let spawned = std::thread::Builder::new()
            .name("solace-checkpoint".into())
            .spawn({
                let signal = Arc::clone(&signal);
                move || {
                    let _alive = alive;
                    run(&own, &signal);
                }
            });
        let Ok(thread) = spawned else {
            return checkpointer;
        };
        checkpointer.thread = Some(thread);
        let hooked = conn.wal_hook(Some(move |wal: &mut Wal, pages: c_int| {
            signal
                .last_commit_us
                .store(signal.now_us(), Ordering::Relaxed);
            if pages >= HARD_LIMIT_PAGES {
                // Busy (the thread is mid-checkpoint) or failed: the commit stands either way.
                let _ = wal.checkpoint_v2(CheckpointMode::PASSIVE);
                signal.inline_runs.fetch_add(1, Ordering::Relaxed);
            } else if pages >= THRESHOLD_PAGES && !signal.asked.swap(true, Ordering::AcqRel) {
                signal.update(|state| state.pending = true);
            }
            // Never an error: the commit has happened, and an error here would report it as
            // failed.
            Ok(())
        }));
        if hooked.is_err() {
            // No hook, so SQLite's automatic checkpoint is still on: the thread is not needed.
            checkpointer.stop();
        }
        checkpointer
    }

    /// Stops the thread and waits for it (a checkpoint under way finishes first).
    pub(super) fn stop(&mut self) {
        self.signal.update(|state| state.stop = true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Whether the thread is still running (tests of shutdown).
    #[cfg(test)]
    pub(super) fn probe(&self) -> std::sync::Weak<()> {
        self.alive.clone()
    }

    /// Whether no checkpoint request is outstanding (tests wait for this before measuring).
    #[cfg(test)]
    pub(super) fn idle(&self) -> bool {
        !self.signal.asked.load(Ordering::Acquire)
            && !self
                .signal
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pending
    }

    /// Checkpoints run so far: (by the thread, inline by commits).
    #[cfg(test)]
    pub(super) fn runs(&self) -> (u64, u64) {
        (
            self.signal.background_runs.load(Ordering::Relaxed),
            self.signal.inline_runs.load(Ordering::Relaxed),
        )
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(conn: &Connection, signal: &Signal) {
    let mut state = signal.state.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if state.stop {
            return;
        }
        // Wait to be asked, then for the writer to pause.
        if !state.pending {
            state = signal
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        let quiet = signal.quiet_for();
        if quiet < IDLE {
            state = signal
                .wake
                .wait_timeout(state, IDLE - quiet)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            continue;
        }
        state.pending = false;
        signal.asked.store(false, Ordering::Release);
        drop(state);
        // PASSIVE never waits; what it cannot copy now (frames a reader still needs) the next
        // signal retries.
        let _ = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE);
        signal.background_runs.fetch_add(1, Ordering::Relaxed);
        state = signal.state.lock().unwrap_or_else(PoisonError::into_inner);
    }
}

/// The closing checkpoint: copies the whole WAL into the database and truncates it, waiting
/// at most [`CLOSE_WAIT`] for reader handles still reading (best effort; what is left is
/// recovered on the next open).
pub(super) fn truncate(conn: &Connection) {
    let _ = conn.busy_timeout(CLOSE_WAIT);
    let _ = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::TRUNCATE);
}
