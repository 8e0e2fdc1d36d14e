//! The Solace side: real `Store` calls, each record sealed in its envelope.

use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, FixedOffset, TimeZone};
use solace_core::crypto::kdf::KdfParams;
use solace_core::mood::{self, MoodDraft};
use solace_core::{MemoryKeyStore, RecordId, RecordKind, Store};

use crate::report::Latencies;
use crate::workload::{body, random_indices, Config};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const PASSPHRASE: &str = "bench velvet harbor pilgrim cactus";

/// Unlock timing and memory.
pub struct Unlock {
    /// Wall time of `open_with_passphrase`.
    pub millis: f64,
    /// Growth of the resident-set high-water mark during the unlock.
    pub peak_rss_growth_mb: f64,
}

fn vm_hwm_kib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn vm_rss_kib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Times an unlock with the default Argon2id parameters and its peak memory growth.
pub fn unlock_with_passphrase() -> BoxResult<Unlock> {
    let dir = tempfile::tempdir()?;
    drop(Store::create(dir.path(), PASSPHRASE, KdfParams::DEFAULT)?);
    let mut best = f64::INFINITY;
    let mut growth = 0.0;
    for _ in 0..5 {
        // Reset the high-water mark so only this unlock's peak counts (Linux ≥ 4.0).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = vm_rss_kib().unwrap_or(0.0);
        let start = Instant::now();
        let (store, _) = Store::open_with_passphrase(dir.path(), PASSPHRASE)?;
        let elapsed = start.elapsed().as_secs_f64() * 1e3;
        let peak = vm_hwm_kib().unwrap_or(before);
        drop(store);
        if elapsed < best {
            best = elapsed;
        }
        growth = f64::max(growth, (peak - before) / 1024.0);
    }
    Ok(Unlock {
        millis: best,
        peak_rss_growth_mb: growth,
    })
}

fn quick_store(dir: &std::path::Path) -> BoxResult<Store> {
    Ok(Store::create(dir, PASSPHRASE, KdfParams::FLOOR)?.0)
}

/// A fresh store taking single saves, each one `put_raw` (seal + one autocommit INSERT)
/// timed on its own.
pub struct Saver {
    _dir: tempfile::TempDir,
    store: Store,
    samples: Vec<Duration>,
}

impl Saver {
    /// Creates the store.
    pub fn new(config: &Config) -> BoxResult<Self> {
        let dir = tempfile::tempdir()?;
        let store = quick_store(dir.path())?;
        Ok(Self {
            _dir: dir,
            store,
            samples: Vec::with_capacity(config.saves),
        })
    }

    /// Saves `bodies` as new records, timing each save.
    pub fn save(&mut self, bodies: &[Vec<u8>]) -> BoxResult<()> {
        let ids: Vec<RecordId> = bodies
            .iter()
            .map(|_| RecordId::generate())
            .collect::<Result<_, _>>()?;
        for (id, body) in ids.iter().zip(bodies) {
            let start = Instant::now();
            self.store.put_raw(RecordKind::Journal, id, body)?;
            self.samples.push(start.elapsed());
        }
        Ok(())
    }

    /// The timings so far.
    pub fn latencies(self) -> Latencies {
        Latencies::new(self.samples)
    }
}

/// A store filled with `config.records` 2 KB records.
pub struct BigStore {
    _dir: tempfile::TempDir,
    store: Store,
    ids: Vec<RecordId>,
}

impl BigStore {
    /// Creates and fills the store in batches of 5,000 per transaction.
    pub fn load(config: &Config) -> BoxResult<Self> {
        let dir = tempfile::tempdir()?;
        let mut store = quick_store(dir.path())?;
        let ids: Vec<RecordId> = (0..config.records)
            .map(|_| RecordId::generate())
            .collect::<Result<_, _>>()?;
        for (batch_no, batch) in ids.chunks(5000).enumerate() {
            store.atomically(|s| {
                for (i, id) in batch.iter().enumerate() {
                    s.put_raw(RecordKind::Journal, id, &body((batch_no * 5000 + i) as u64))?;
                }
                Ok(())
            })?;
        }
        Ok(Self {
            _dir: dir,
            store,
            ids,
        })
    }

    /// Random reads by id, each `get_raw` (SELECT + open envelope) timed on its own.
    pub fn read_latencies(&self, config: &Config) -> BoxResult<Latencies> {
        Self::reads(&self.store, &self.ids, config)
    }

    /// The same reads through a read-only handle (`Store::open_reader`: its own WAL read
    /// connection, the writer's keys), as a front end reads while the writer may be busy.
    pub fn reader_read_latencies(&self, config: &Config) -> BoxResult<Latencies> {
        let reader = self.store.open_reader()?;
        Self::reads(&reader, &self.ids, config)
    }

    fn reads(store: &Store, ids: &[RecordId], config: &Config) -> BoxResult<Latencies> {
        let mut samples = Vec::with_capacity(config.reads);
        for index in random_indices(config.reads, ids.len()) {
            let start = Instant::now();
            let body = store.get_raw(RecordKind::Journal, &ids[index])?;
            samples.push(start.elapsed());
            if body.map(|b| b.len()) != Some(2000) {
                return Err("read returned the wrong record".into());
            }
        }
        Ok(Latencies::new(samples))
    }

    /// Decrypts every record (what on-device search and stats do), best of three.
    pub fn scan_millis(&self) -> BoxResult<f64> {
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            let all = self.store.list_raw(RecordKind::Journal)?;
            best = best.min(start.elapsed());
            if all.len() != self.ids.len() {
                return Err("scan returned the wrong count".into());
            }
        }
        Ok(best.as_secs_f64() * 1e3)
    }
}

/// Opens a store holding a year of check-ins (two a day) with the device key and computes the
/// 365-day summary; returns the median of 15 runs in milliseconds.
pub fn cold_open_mood_summary() -> BoxResult<f64> {
    let dir = tempfile::tempdir()?;
    let keystore = MemoryKeyStore::new();
    let offset = FixedOffset::east_opt(3600).ok_or("offset")?;
    let first: DateTime<FixedOffset> = offset
        .with_ymd_and_hms(2025, 11, 24, 8, 0, 0)
        .single()
        .ok_or("date")?;
    {
        let mut store = quick_store(dir.path())?;
        store.remember_device(&keystore)?;
        store.atomically(|s| {
            for day in 0..365i64 {
                for (hour, mood) in [(0i64, 4 + (day % 5) as u8), (12, 5 + (day % 4) as u8)] {
                    let at = first + Days::days(day) + Days::hours(hour);
                    let draft = MoodDraft {
                        mood,
                        emotions: vec!["calm".into()],
                        note: Some("a short note about the day".into()),
                        ..MoodDraft::default()
                    };
                    mood::log(s, draft, at)?;
                }
            }
            Ok(())
        })?;
    }
    let today = (first + Days::days(364)).date_naive();
    let mut runs = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        let store = Store::open_with_device_key(dir.path(), &keystore)?;
        let summary = mood::summary(&store, today, 365)?;
        runs.push(start.elapsed());
        if summary.count != 730 {
            return Err(format!("summary saw {} check-ins", summary.count).into());
        }
    }
    runs.sort_unstable();
    Ok(runs[runs.len() / 2].as_secs_f64() * 1e3)
}
