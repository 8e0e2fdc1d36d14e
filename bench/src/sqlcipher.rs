//! The SQLCipher side: the same rows with the whole database encrypted by SQLCipher
//! (raw 256-bit key, so no PBKDF2 at open; defaults otherwise), plain 2 KB bodies.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use crate::report::Latencies;
use crate::workload::{body, random_indices, Config};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

fn open(path: &std::path::Path) -> BoxResult<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA key = \"x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'\";",
    )?;
    let version: String = conn.query_row("PRAGMA cipher_version", [], |r| r.get(0))?;
    if version.is_empty() {
        return Err("this build is not linked against SQLCipher".into());
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS records (
            id BLOB NOT NULL UNIQUE, kind TEXT NOT NULL, blob BLOB NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0, change_counter INTEGER NOT NULL DEFAULT 1,
            synced_counter INTEGER NOT NULL DEFAULT 0, server_seq INTEGER);",
    )?;
    Ok(conn)
}

fn id(i: usize) -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&(i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes());
    id[8..].copy_from_slice(&(i as u64).to_le_bytes());
    id
}

/// A fresh encrypted database taking single saves, each one autocommit INSERT timed on its
/// own.
pub struct Saver {
    _dir: tempfile::TempDir,
    conn: Connection,
    next: usize,
    samples: Vec<Duration>,
}

impl Saver {
    /// Creates the database.
    pub fn new(config: &Config) -> BoxResult<Self> {
        let dir = tempfile::tempdir()?;
        let conn = open(&dir.path().join("cipher.db"))?;
        Ok(Self {
            _dir: dir,
            conn,
            next: 0,
            samples: Vec::with_capacity(config.saves),
        })
    }

    /// Saves `bodies` as new rows, timing each save.
    pub fn save(&mut self, bodies: &[Vec<u8>]) -> BoxResult<()> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO records (id, kind, blob) VALUES (?1, 'journal', ?2)")?;
        for body in bodies {
            let row_id = id(self.next);
            self.next += 1;
            let start = Instant::now();
            stmt.execute(params![&row_id[..], body])?;
            self.samples.push(start.elapsed());
        }
        Ok(())
    }

    /// The timings so far.
    pub fn latencies(self) -> Latencies {
        Latencies::new(self.samples)
    }
}

/// Random reads by id from a database of `config.records` rows, each timed on its own.
pub fn read_latencies(config: &Config) -> BoxResult<Latencies> {
    let dir = tempfile::tempdir()?;
    let mut conn = open(&dir.path().join("cipher.db"))?;
    for batch in (0..config.records).collect::<Vec<_>>().chunks(5000) {
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO records (id, kind, blob) VALUES (?1, 'journal', ?2)",
            )?;
            for &i in batch {
                stmt.execute(params![&id(i)[..], body(i as u64)])?;
            }
        }
        tx.commit()?;
    }
    let mut stmt = conn.prepare_cached(
        "SELECT blob FROM records WHERE id = ?1 AND kind = 'journal' AND deleted = 0",
    )?;
    let mut samples = Vec::with_capacity(config.reads);
    for index in random_indices(config.reads, config.records) {
        let start = Instant::now();
        let blob: Vec<u8> = stmt.query_row([&id(index)[..]], |r| r.get(0))?;
        samples.push(start.elapsed());
        if blob.len() != 2000 {
            return Err("read returned the wrong row".into());
        }
    }
    Ok(Latencies::new(samples))
}
