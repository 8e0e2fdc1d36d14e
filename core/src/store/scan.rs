//! The decrypt-scan behind lists, search, statistics and export: rows are read in batches on
//! the calling thread while up to `available_parallelism()` threads open them, so a large
//! scan uses every core. Results keep the database's row order; records that do not open or
//! decode are skipped and counted exactly (see [`Store::take_skipped`]).

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, TrySendError};
use std::sync::{Mutex, PoisonError};

use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::records::open_live;
use super::{decode, RawRecord, Store};
use crate::error::Result;
use crate::record::{RecordId, RecordKind};
use crate::vault::Unlocked;

/// Rows handed to one worker at a time. A scan that ends within the first batch (a few
/// hundred rows) stays on the calling thread: threads would cost more than they save.
const BATCH: usize = 256;

/// One row as read: its id and sealed blob, or `None` for a row damaged in its cells.
type Row = Option<(RecordId, Vec<u8>)>;

impl Store {
    /// Every live record of `kind`, decrypted (the on-device scan behind search and stats).
    /// A record that does not open (damaged on disk) is skipped, never fatal: it is counted
    /// for [`Store::take_skipped`] so the front end can say how many were left out.
    pub fn list_raw(&self, kind: RecordKind) -> Result<Vec<RawRecord>> {
        self.scan(kind, |id, body| Some(RawRecord { id, body }))
    }

    /// How many damaged records scans skipped since the last call (then resets to 0): lists,
    /// statistics, insights and export report it ("N records could not be read").
    pub fn take_skipped(&self) -> u64 {
        self.skipped.swap(0, Ordering::Relaxed)
    }

    /// Every live record of `kind`, decoded; one that does not decode is skipped and counted
    /// like one that does not open.
    pub fn list<T: DeserializeOwned + Send>(&self, kind: RecordKind) -> Result<Vec<(RecordId, T)>> {
        self.scan(kind, |id, body| {
            decode::<T>(kind, &body).ok().map(|value| (id, value))
        })
    }

    /// Reads every live row of `kind`, opens each and maps it with `map` (`None`: skip and
    /// count), in row order.
    fn scan<R, F>(&self, kind: RecordKind, map: F) -> Result<Vec<R>>
    where
        R: Send,
        F: Fn(RecordId, Zeroizing<Vec<u8>>) -> Option<R> + Sync,
    {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, blob FROM records WHERE kind = ?1 AND deleted = 0")?;
        let mut rows = stmt.query([kind.tag()])?;
        let keys = self.keys();
        let work = Work {
            keys: &keys,
            kind,
            map: &map,
            skipped: &self.skipped,
        };
        let first = read_batch(&mut rows)?;
        let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        if first.len() < BATCH || threads < 2 {
            // Small scan (or one core): everything on this thread.
            let mut out = work.open(first);
            let mut batch = read_batch(&mut rows)?;
            while !batch.is_empty() {
                out.extend(work.open(batch));
                batch = read_batch(&mut rows)?;
            }
            return Ok(out);
        }
        // Each opened batch lands in the slot of its sequence number, so the result keeps the
        // row order whichever thread opened it.
        let slots: Mutex<Vec<Option<Vec<R>>>> = Mutex::new(Vec::new());
        let open_into = |seq: usize, batch: Vec<Row>| {
            let opened = work.open(batch);
            let mut slots = slots.lock().unwrap_or_else(PoisonError::into_inner);
            if slots.len() <= seq {
                slots.resize_with(seq + 1, || None);
            }
            slots[seq] = Some(opened);
        };
        open_parallel(&mut rows, first, threads, &open_into)?;
        let slots = slots.into_inner().unwrap_or_else(PoisonError::into_inner);
        Ok(slots.into_iter().flatten().flatten().collect())
    }
}

/// Reads the remaining rows in batches and has `threads` threads (this one included) open
/// them with `open(sequence number, batch)`; returns once every batch read was opened.
///
/// Not generic on purpose: the threads, the queue and the scope exist once for every record
/// type (generic over the result, they were compiled once per listed type, about 180 KB of
/// the mobile library); only `open` knows the type.
fn open_parallel(
    rows: &mut rusqlite::Rows<'_>,
    first: Vec<Row>,
    threads: usize,
    open: &(dyn Fn(usize, Vec<Row>) + Sync),
) -> Result<()> {
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, Vec<Row>)>(threads * 2);
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|scope| {
        for _ in 1..threads {
            let job_rx = &job_rx;
            // A thread the OS refuses just means fewer helpers; this thread works too.
            let _ = std::thread::Builder::new()
                .name("solace-scan".into())
                .spawn_scoped(scope, move || drain(job_rx, open));
        }
        let mut sent = 0usize;
        let mut batch = first;
        let read = loop {
            if batch.is_empty() {
                break Ok(());
            }
            // When the helpers are behind (or none could start), this thread opens the batch
            // itself rather than wait.
            if let Err(
                TrySendError::Full((seq, batch)) | TrySendError::Disconnected((seq, batch)),
            ) = job_tx.try_send((sent, batch))
            {
                open(seq, batch);
            }
            sent += 1;
            batch = match read_batch(rows) {
                Ok(next) => next,
                Err(err) => break Err(err),
            };
        };
        // Everything is queued (or reading failed): help open what is left. The scope then
        // waits for the helpers, so every queued batch is opened before this returns.
        drop(job_tx);
        drain(&job_rx, open);
        read
    })
}

/// Opens queued batches until the queue is closed and empty.
fn drain(jobs: &Mutex<mpsc::Receiver<(usize, Vec<Row>)>>, open: &(dyn Fn(usize, Vec<Row>) + Sync)) {
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok((seq, batch)) = job else {
            return;
        };
        open(seq, batch);
    }
}

/// What every scan thread needs: the key state (held read-locked by the scanning thread for
/// the whole scan), the per-record mapping and the handle's skipped counter.
struct Work<'a, F> {
    keys: &'a Unlocked,
    kind: RecordKind,
    map: &'a F,
    skipped: &'a AtomicU64,
}

impl<F> Work<'_, F> {
    /// Opens and maps one batch in order, counting what is skipped.
    fn open<R>(&self, batch: Vec<Row>) -> Vec<R>
    where
        F: Fn(RecordId, Zeroizing<Vec<u8>>) -> Option<R>,
    {
        let mut out = Vec::with_capacity(batch.len());
        let mut skipped = 0u64;
        for row in batch {
            let mapped = row.and_then(|(id, blob)| {
                let body = open_live(self.keys, self.kind, &id, &blob).ok()?;
                (self.map)(id, body)
            });
            match mapped {
                Some(value) => out.push(value),
                None => skipped += 1,
            }
        }
        if skipped > 0 {
            self.skipped.fetch_add(skipped, Ordering::Relaxed);
        }
        out
    }
}

/// Reads up to [`BATCH`] rows. A cell of the wrong type or an id of the wrong length is damage
/// to one record, not to the store: it becomes `None` (skipped and counted when opened).
fn read_batch(rows: &mut rusqlite::Rows<'_>) -> Result<Vec<Row>> {
    let mut batch = Vec::with_capacity(BATCH);
    while batch.len() < BATCH {
        let Some(row) = rows.next()? else {
            break;
        };
        let cells = row
            .get::<_, Vec<u8>>(0)
            .and_then(|id| Ok((id, row.get::<_, Vec<u8>>(1)?)));
        match cells {
            Ok((id, blob)) => batch.push(RecordId::from_slice(&id).map(|id| (id, blob))),
            Err(
                rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::FromSqlConversionFailure(..),
            ) => batch.push(None),
            Err(other) => return Err(other.into()),
        }
    }
    Ok(batch)
}
