//! `solace restore` over an existing store, killed (SIGKILL) at points spread over its whole
//! run: afterwards the directory holds the old store, whole, or the restored one, whole —
//! never a mixture, never nothing — and the next open removes what the killed restore was
//! building.

use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use serde_json::Value;

mod common;
use common::{command, ok};

/// Records in the backup: enough that a restore takes about a second in a debug build.
const RECORDS: usize = 8000;
/// Kills, at evenly spread moments from the start to a little past a whole restore.
const KILLS: u32 = 12;

/// A Daylio export with `RECORDS` mood check-ins (two a day, each with a note).
fn daylio_csv() -> String {
    let mut csv = String::from("full_date,date,weekday,time,mood,activities,note_title,note\r\n");
    let start = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    for i in 0..RECORDS {
        let day = start + chrono::Duration::days((i / 2) as i64);
        let hour = if i % 2 == 0 { 9 } else { 19 };
        csv.push_str(&format!(
            "{day},x,x,{hour}:00,good,walk,,note {i} {}\r\n",
            "x".repeat(200)
        ));
    }
    csv
}

/// The store `solace status` describes: its vault id, journal entries and check-ins.
fn status(data: &Path) -> (String, u64, u64) {
    let s = ok(data, &["status"]);
    let count = |v: &Value| v.as_u64().unwrap();
    (
        s["vault_id"].as_str().unwrap().to_string(),
        count(&s["journal_entries"]),
        count(&s["mood_check_ins"]),
    )
}

/// A fresh "old" store in `data` holding one journal entry; returns its vault id.
fn old_store(data: &Path) -> String {
    let _ = std::fs::remove_dir_all(data);
    let _ = std::fs::remove_dir_all(data.with_extension("keys"));
    ok(data, &["init"]);
    ok(data, &["journal", "add", "written before the restore"]);
    status(data).0
}

fn staging_dirs(data: &Path) -> usize {
    std::fs::read_dir(data)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".restore-"))
        .count()
}

#[test]
fn a_restore_killed_anywhere_leaves_the_old_store_or_the_new_one_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("source");
    ok(&source, &["init"]);
    let csv = tmp.path().join("daylio.csv");
    std::fs::write(&csv, daylio_csv()).unwrap();
    ok(
        &source,
        &["import", "--from", "daylio", csv.to_str().unwrap()],
    );
    let backup = tmp.path().join("source.solace-backup");
    let backup = backup.to_str().unwrap();
    ok(&source, &["backup", "--out", backup]);

    // How long a whole restore over an existing store takes here.
    let target = tmp.path().join("target");
    old_store(&target);
    let started = Instant::now();
    ok(&target, &["restore", backup, "--yes"]);
    let whole = started.elapsed();

    let (mut kept, mut replaced, mut interrupted) = (0, 0, 0);
    for k in 0..KILLS {
        let old_id = old_store(&target);
        let mut child = command(&target, &["restore", backup, "--yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(1.2 * f64::from(k) / f64::from(KILLS - 1)));
        let _ = child.kill();
        child.wait().unwrap();
        // Killed while building the new store: its half-built copy is still there.
        if staging_dirs(&target) > 0 {
            interrupted += 1;
        }

        let (id, journal, moods) = status(&target);
        if id == old_id {
            assert_eq!((journal, moods), (1, 0), "kill {k}: the old store changed");
            kept += 1;
        } else {
            assert_eq!(
                (journal, moods),
                (0, RECORDS as u64),
                "kill {k}: the restored store is not whole"
            );
            replaced += 1;
        }
        assert_eq!(staging_dirs(&target), 0, "kill {k}: staging left behind");
    }
    eprintln!(
        "restore ({whole:?}) killed {KILLS} times: kept {kept}, replaced {replaced}, \
         {interrupted} mid-build"
    );
    // Most kills land while the new store is being built (the fill takes most of the time):
    // the cleanup and the old-store check above were exercised.
    assert!(
        interrupted >= 1,
        "no kill landed while the new store was built"
    );
}
