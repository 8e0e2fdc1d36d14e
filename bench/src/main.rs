//! Solace storage benchmark: prints, side by side in one run, the design brief's storage
//! figures for Solace's per-record encryption and for SQLCipher whole-database encryption on
//! the same workload.
//!
//! Run: `cargo xtask bench`, or `cargo run --release -p solace-bench --bin solace-bench`
//! (add `-- --records 20000` for a quicker run).
//! Both stores use the same SQLite build (this binary links SQLCipher; the Solace store never
//! sets a key, so its pages are plain SQLite and only its record bodies are encrypted).

mod report;
mod solace;
mod sqlcipher;
mod workload;

use std::time::Instant;

use report::{Figure, Report};

fn parse_args() -> Result<workload::Config, String> {
    let mut config = workload::Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--records" => config.records = number("--records")?,
            "--saves" => config.saves = number("--saves")?,
            "--reads" => config.reads = number("--reads")?,
            "--help" | "-h" => {
                println!("usage: solace-bench [--records N] [--saves N] [--reads N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(config)
}

fn main() {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    match run(&config) {
        Ok(report) => {
            report.print(&config);
            eprintln!(
                "(total bench time {:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn run(config: &workload::Config) -> Result<Report, Box<dyn std::error::Error>> {
    let mut report = Report::default();
    // Unlock first, so the memory high-water mark is not inflated by the later bulk loads.
    let unlock = solace::unlock_with_passphrase()?;
    report.push(Figure::millis(
        "unlock with passphrase (Argon2id 64 MiB, t=3)",
        unlock.millis,
        "≤ 250 ms",
    ));
    report.push(Figure::megabytes(
        "  peak memory growth during unlock",
        unlock.peak_rss_growth_mb,
        "≤ 70 MB",
    ));

    eprintln!(
        "solace and sqlcipher: {} single saves of a 2 KB entry each, interleaved …",
        config.saves
    );
    let (solace_saves, cipher_saves) = interleaved_saves(config)?;
    report.compare(
        "save one encrypted 2 KB entry (WAL, NORMAL)",
        &solace_saves,
        &cipher_saves,
        "p50 ≤ 30 µs, p99 ≤ 250 µs; ≥ 3× faster than SQLCipher",
    );

    eprintln!(
        "solace: loading {} records and reading {} by id …",
        config.records, config.reads
    );
    let solace_store = solace::BigStore::load(config)?;
    let solace_reads = solace_store.read_latencies(config)?;
    let reader_reads = solace_store.reader_read_latencies(config)?;
    let scan = solace_store.scan_millis()?;
    drop(solace_store);
    eprintln!(
        "sqlcipher: loading {} records and reading {} by id …",
        config.records, config.reads
    );
    let cipher_reads = sqlcipher::read_latencies(config)?;
    report.compare(
        &format!(
            "read + decrypt one record by id ({}k store)",
            config.records / 1000
        ),
        &solace_reads,
        &cipher_reads,
        "p99 ≤ 50 µs",
    );
    report.push(Figure::latencies(
        "  Solace through a reader handle (own WAL read connection)",
        &reader_reads,
        "p99 ≤ 50 µs",
    ));
    report.push(Figure::millis(
        &format!("decrypt-scan {}k records of 2 KB", config.records / 1000),
        scan,
        "≤ 600 ms",
    ));

    eprintln!("solace: cold open with the device key → 365-day mood summary …");
    let cold = solace::cold_open_mood_summary()?;
    report.push(Figure::millis(
        "cold open (device key) → 365-day mood summary",
        cold,
        "≤ 50 ms",
    ));
    Ok(report)
}

/// Rounds of saves into a Solace store and a SQLCipher database in turn (alternating which
/// goes first), so a slower or faster stretch of the machine weighs on both sides alike.
fn interleaved_saves(
    config: &workload::Config,
) -> Result<(report::Latencies, report::Latencies), Box<dyn std::error::Error>> {
    const ROUNDS: usize = 10;
    let bodies: Vec<Vec<u8>> = (0..config.saves as u64).map(workload::body).collect();
    let mut ours = solace::Saver::new(config)?;
    let mut theirs = sqlcipher::Saver::new(config)?;
    let round = config.saves.div_ceil(ROUNDS).max(1);
    for (i, chunk) in bodies.chunks(round).enumerate() {
        if i % 2 == 0 {
            ours.save(chunk)?;
            theirs.save(chunk)?;
        } else {
            theirs.save(chunk)?;
            ours.save(chunk)?;
        }
    }
    Ok((ours.latencies(), theirs.latencies()))
}
