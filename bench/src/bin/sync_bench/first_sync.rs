//! First sync of a new device: device A writes N journal entries and uploads them; device B
//! logs in with the passphrase and pulls everything.

use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, FixedOffset};
use solace_core::crypto::kdf::KdfParams;
use solace_core::journal::{self, JournalBody, JournalDraft};
use solace_core::sync::{self, HttpTransport, SyncBudget};
use solace_core::{RecordKind, Store};

/// Timings in seconds.
pub struct FirstSync {
    /// Login (prelogin + Argon2id + login + keys) plus pull.
    pub total_s: f64,
    /// Login part.
    pub login_s: f64,
    /// Pull and merge part.
    pub pull_s: f64,
}

const PASS: &str = "bench first sync velvet harbor pilgrim";

/// Runs the scenario against the server at `url`.
pub fn run(url: &str, dir: &Path, records: usize) -> Result<FirstSync, Box<dyn std::error::Error>> {
    let transport = HttpTransport::new(url)?;
    let (mut a, _) = Store::create(&dir.join("device-a"), PASS, KdfParams::DEFAULT)?;
    let now: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2026-11-20T20:00:00+01:00")?;
    a.atomically(|s| {
        for i in 0..records {
            let text = format!(
                "Entry {i}: {}",
                "a few honest sentences about the day. ".repeat(8)
            );
            journal::add(
                s,
                JournalDraft {
                    title: None,
                    body: JournalBody::Free { text },
                    tags: vec!["bench".into()],
                },
                now,
            )?;
        }
        Ok(())
    })?;
    sync::register(&mut a, &transport, url, "first-sync", PASS, "device-a")?;
    let up = sync::sync_now(&mut a, &transport, SyncBudget::unlimited())?;
    if !up.complete {
        return Err("device A did not finish uploading".into());
    }
    let started = Instant::now();
    let (b, report) = sync::login_new_device(
        &dir.join("device-b"),
        &transport,
        url,
        "first-sync",
        PASS,
        "device-b",
        SyncBudget::unlimited(),
    )?;
    let total = started.elapsed().as_secs_f64();
    if b.count(RecordKind::Journal)? != records as u64 || !report.complete {
        return Err(format!(
            "device B has {} of {records} entries",
            b.count(RecordKind::Journal)?
        )
        .into());
    }
    // Time the login part alone on a third device, pulling nothing: the difference is the pull.
    let login_started = Instant::now();
    let _ = sync::login_new_device(
        &dir.join("device-c"),
        &transport,
        url,
        "first-sync",
        PASS,
        "device-c",
        SyncBudget {
            max_round_trips: 0,
            time_limit: None,
            attempts: 1,
        },
    )?;
    let login = login_started.elapsed().as_secs_f64();
    Ok(FirstSync {
        total_s: total,
        login_s: login,
        pull_s: (total - login).max(0.0),
    })
}
