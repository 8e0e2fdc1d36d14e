//! Message round trip: a client writes a message, its device encrypts and deposits it (claim
//! keys, Olm encrypt, send), and the therapist's device takes it in (inbox, Olm decrypt, store,
//! save session, ack). Timed from "send pressed" to "decrypted and stored on the recipient".

use std::path::Path;
use std::time::Instant;

use solace_core::messaging::{local, Messenger};
use solace_core::sync::{Exclusive, HttpTransport};

/// Round-trip latency percentiles in milliseconds.
pub struct RoundTrip {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Samples taken.
    pub samples: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Runs `rounds` timed round trips (after a few warm-up ones) against the server at `url`.
pub fn run(url: &str, dir: &Path, rounds: usize) -> Result<RoundTrip, Box<dyn std::error::Error>> {
    let t = HttpTransport::new(url)?;
    let msg = Messenger::new(&t);
    let crate::pair::LinkedPair {
        mut therapist,
        mut client,
        therapist_id,
        ..
    } = crate::pair::link(url, dir, "rtt", "Bench Therapist").map_err(|e| e.to_string())?;

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
