//! Message round trip: a client writes a message, its device encrypts and deposits it (claim
//! keys, Olm encrypt, send), and the therapist's device takes it in (inbox, Olm decrypt, store,
//! save session, ack). Timed from "send pressed" to "decrypted and stored on the recipient".

use std::path::Path;
use std::time::Instant;

use solace_core::crypto::kdf::KdfParams;
use solace_core::messaging::{local, Messenger};
use solace_core::sync::{self, Exclusive, HttpTransport};
use solace_core::Store;
use solace_protocol::messaging as m;

/// Round-trip latency percentiles in milliseconds.
pub struct RoundTrip {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Samples taken.
    pub samples: usize,
}

const PASS: &str = "bench messaging velvet harbor pilgrim";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Runs `rounds` timed round trips (after a few warm-up ones) against the server at `url`.
pub fn run(url: &str, dir: &Path, rounds: usize) -> Result<RoundTrip, Box<dyn std::error::Error>> {
    let t = HttpTransport::new(url)?;
    let msg = Messenger::new(&t);
    let (mut therapist, _) = Store::create(&dir.join("rtt-therapist"), PASS, KdfParams::FLOOR)?;
    let (mut client, _) = Store::create(&dir.join("rtt-client"), PASS, KdfParams::FLOOR)?;
    // Unique names: a PostgreSQL database outlives one run.
    let run_id = chrono::Utc::now().timestamp_millis();
    sync::register(
        &mut therapist,
        &t,
        url,
        &format!("rtt-t-{run_id}"),
        PASS,
        "office",
    )?;
    sync::register(
        &mut client,
        &t,
        url,
        &format!("rtt-c-{run_id}"),
        PASS,
        "phone",
    )?;
    msg.publish_profile(
        &Exclusive::new(&mut therapist),
        &m::TherapistProfile {
            display_name: "Bench Therapist".into(),
            bio: String::new(),
            specialties: vec![],
            approaches: vec![],
            languages: vec![],
            slots: vec![],
        },
    )?;
    let therapist_id = therapist
        .sync_account()?
        .ok_or("therapist not registered")?
        .0
        .account_id;
    let link = msg.request_link(&Exclusive::new(&mut client), &therapist_id)?;
    msg.accept_link(&Exclusive::new(&mut therapist), &link.link_id)?;
    msg.sync(&Exclusive::new(&mut therapist))?;
    msg.sync(&Exclusive::new(&mut client))?;

    let warmup = 5;
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..rounds + warmup {
        let started = Instant::now();
        local::send_text(
            &mut client,
            &therapist_id,
            &format!("message {i}: how did the breathing exercise go today?"),
        )?;
        msg.flush_outbox(&Exclusive::new(&mut client))?;
        let report = msg.receive(&Exclusive::new(&mut therapist))?;
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        if report.received != 1 {
            return Err(format!("round {i}: {} messages arrived", report.received).into());
        }
        if i >= warmup {
            samples.push(elapsed);
        }
        // Receipts go back outside the timed part.
        msg.flush_outbox(&Exclusive::new(&mut therapist))?;
        msg.receive(&Exclusive::new(&mut client))?;
    }
    samples.sort_by(f64::total_cmp);
    Ok(RoundTrip {
        p50_ms: percentile(&samples, 0.50),
        p99_ms: percentile(&samples, 0.99),
        samples: samples.len(),
    })
}
