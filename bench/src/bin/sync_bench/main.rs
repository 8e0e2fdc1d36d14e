//! Sync benchmark: first sync of a new device with 10k records, the message send → recipient
//! decrypted round trip, and the provider server's throughput and p99 latency under a mixed
//! push/pull load generated from this (separate) process — SQLite and PostgreSQL side by side,
//! in one run.
//!
//! Run: `cargo xtask bench-sync` (builds the release `solace` binary, starts PostgreSQL via
//! scripts/pg.sh, then runs this). Or directly:
//! `sync-bench --solace target/release/solace [--pg postgres://…] [--records 10000] [--seconds 10]`.

mod faults;
mod first_sync;
mod load;
mod message_faults;
mod message_rtt;
mod pair;
mod scale;
mod server;

use std::path::PathBuf;

struct Args {
    solace: PathBuf,
    pg: Option<String>,
    records: usize,
    seconds: u64,
    clients: usize,
    fault_messages: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        solace: PathBuf::from("target/release/solace"),
        pg: None,
        records: 10_000,
        seconds: 10,
        clients: 16,
        fault_messages: 10_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--solace" => args.solace = PathBuf::from(value("--solace")?),
            "--pg" => args.pg = Some(value("--pg")?),
            "--records" => {
                args.records = value("--records")?
                    .parse()
                    .map_err(|_| "--records needs a number")?
            }
            "--seconds" => {
                args.seconds = value("--seconds")?
                    .parse()
                    .map_err(|_| "--seconds needs a number")?
            }
            "--clients" => {
                args.clients = value("--clients")?
                    .parse()
                    .map_err(|_| "--clients needs a number")?
            }
            "--fault-messages" => {
                args.fault_messages = value("--fault-messages")?
                    .parse()
                    .map_err(|_| "--fault-messages needs a number")?
            }
            "-h" | "--help" => {
                println!("usage: sync-bench --solace PATH [--pg URL] [--records N] [--seconds S] [--clients C] [--fault-messages N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Share of requests the proxy of the fault run disturbs.
const FAULT_RATE: f64 = 0.05;
/// Client–therapist pairs in the fault run (one waits out a backoff while others go on).
const FAULT_PAIRS: usize = 20;

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let mut lines = Vec::new();

    eprintln!("first sync: starting a SQLite-backed server …");
    let srv = server::Server::start(
        &args.solace,
        &format!("sqlite:{}", tmp.path().join("first.db").display()),
        tmp.path(),
    )?;
    let first = first_sync::run(&srv.url, tmp.path(), args.records)?;
    drop(srv);
    lines.push(format!(
        "first sync of a new device, {} records (loopback, SQLite): {:.2} s total ({:.2} s login incl. Argon2id, {:.2} s pull+merge)   goal: ≤ 2 s",
        args.records, first.total_s, first.login_s, first.pull_s
    ));

    let mut backends = vec![(
        "SQLite",
        format!("sqlite:{}", tmp.path().join("load.db").display()),
    )];
    match &args.pg {
        Some(url) => backends.push(("PostgreSQL", url.clone())),
        None => eprintln!("note: no --pg URL given; PostgreSQL column skipped"),
    }
    for (name, database) in &backends {
        eprintln!("messages: {name} server, send → recipient decrypted round trips …");
        let srv = server::Server::start(&args.solace, database, tmp.path())?;
        let dir = tmp.path().join(format!("rtt-{name}"));
        std::fs::create_dir_all(&dir)?;
        let r = message_rtt::run(&srv.url, &dir, 300)?;
        drop(srv);
        lines.push(format!(
            "message send → recipient decrypted, {name:<10} p50 {:>6.2} ms, p99 {:>6.2} ms ({} round trips, loopback)   goal: p50 ≤ 10 ms",
            r.p50_ms, r.p99_ms, r.samples
        ));
    }
    for (name, database) in &backends {
        eprintln!(
            "load: {name} server, {} clients for {} s …",
            args.clients, args.seconds
        );
        let srv = server::Server::start(&args.solace, database, tmp.path())?;
        let r = load::run(
            std::slice::from_ref(&srv.url),
            args.clients,
            std::time::Duration::from_secs(args.seconds),
        )?;
        drop(srv);
        let goal = if *name == "PostgreSQL" {
            "goal: ≥ 4,000 req/s, p99 ≤ 20 ms"
        } else {
            "goal: ≥ 2,000 req/s, p99 ≤ 50 ms"
        };
        lines.push(format!(
            "server mixed push/pull, {name:<10} {:>7.0} req/s, p50 {:>6.2} ms, p99 {:>6.2} ms, errors {}   {goal}",
            r.requests_per_second, r.p50_ms, r.p99_ms, r.errors
        ));
    }
    if let Some(pg) = &args.pg {
        lines.extend(scale::nodes(
            &args.solace,
            pg,
            tmp.path(),
            args.clients,
            args.seconds,
        )?);
    }
    let (name, database) = backends.last().ok_or("no backend")?;
    lines.push(scale::idle_waits(
        &args.solace,
        name,
        database,
        tmp.path(),
        1000,
    )?);
    let mut fault_failed = false;
    if args.fault_messages > 0 {
        for (name, database) in &backends {
            eprintln!(
                "faults: {name} server, {} messages through a proxy disturbing {:.0}% of requests, one restart …",
                args.fault_messages,
                FAULT_RATE * 100.0
            );
            let dir = tmp.path().join(format!("faults-{name}"));
            std::fs::create_dir_all(&dir)?;
            let r = message_faults::run(
                &args.solace,
                database,
                &dir,
                args.fault_messages,
                FAULT_PAIRS,
                FAULT_RATE,
            )
            .map_err(|e| e.to_string())?;
            fault_failed |= r.undecryptable > 0 || r.lost > 0 || r.duplicated > 0;
            lines.push(format!(
                "messages through faults, {name:<10} sent={} delivered={} undecryptable={} lost={} duplicated={} faults={} requests={} restarts={} ({:.0} s)   goal: 0 undecryptable, 0 lost, 0 duplicated",
                r.sent, r.delivered, r.undecryptable, r.lost, r.duplicated, r.faults, r.requests, r.restarts, r.seconds
            ));
        }
    }
    println!();
    println!(
        "Solace sync benchmark ({} clients, {} s per backend; load from a separate process)",
        args.clients, args.seconds
    );
    for l in lines {
        println!("{l}");
    }
    if fault_failed {
        return Err("messages were lost, duplicated or undecryptable under faults".into());
    }
    Ok(())
}
