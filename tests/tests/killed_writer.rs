//! A writer process killed at an arbitrary moment loses nothing it acknowledged, and the store
//! opens cleanly afterwards.
//!
//! The test re-runs its own binary as the child writer (selected by an environment variable),
//! which prints each record id only after `put` returned; the parent kills it mid-stream.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use solace_core::crypto::kdf::KdfParams;
use solace_core::{RecordId, RecordKind, Store};

const CHILD_ENV: &str = "SOLACE_TEST_CHILD_WRITER_DIR";
const PASS: &str = "pelican sawmill tundra lantern";

#[test]
fn child_writer() {
    // Only does something when started by `acknowledged_writes_survive_a_kill`.
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (mut store, _) = Store::open_with_passphrase(std::path::Path::new(&dir), PASS).unwrap();
    for i in 0u64.. {
        let id = RecordId::generate().unwrap();
        store
            .put(RecordKind::Journal, &id, &format!("entry {i}"))
            .unwrap();
        println!("ACK {id}");
    }
}

#[test]
fn acknowledged_writes_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::create(dir.path(), PASS, KdfParams::FLOOR).unwrap());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("ACK ") {
            acked.push(id.parse::<RecordId>().unwrap());
            if acked.len() == 300 {
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    assert_eq!(acked.len(), 300, "child did not write");
    let (store, _) = Store::open_with_passphrase(dir.path(), PASS).unwrap();
    for id in &acked {
        assert!(
            store
                .get::<String>(RecordKind::Journal, id)
                .unwrap()
                .is_some(),
            "acknowledged record {id} lost"
        );
    }
    assert!(store.count(RecordKind::Journal).unwrap() >= 300);
}
