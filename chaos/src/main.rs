//! `solace-chaos`: proves that the cluster loses and duplicates nothing that was acknowledged
//! while it fails in the ways a real deployment fails.
//!
//! - `solace-chaos run` (what `cargo xtask chaos` calls) starts the local cluster
//!   (`scripts/cluster.sh`), starts the load in a separate process, injects the faults at set
//!   times inside the load window — kill -9 a node and restart it, restart PostgreSQL, stop
//!   the primary and promote the synchronous replica (confirmed by `pg_is_in_recovery()`
//!   flipping) — then reads everything back through the load balancer and prints one line:
//!   `chaos: nodes=N requests=N acked=N lost=N duplicated=N`. It fails unless lost and
//!   duplicated are 0 and at least 2,000 writes were acknowledged.
//! - `solace-chaos load` is that separate process: accounts with two devices each, records
//!   pushed and messages sent through the balancer, every write retried (pushes by mutation
//!   sequence, sends by client message id, both idempotent) until acknowledged; each
//!   acknowledgement is written to a ledger file.

mod client;
mod load;
mod orchestrate;
mod verify;

use std::process::ExitCode;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => orchestrate::run(&args[1..]).await,
        Some("load") => load::run(&args[1..]).await,
        _ => Err("usage: solace-chaos run [--nodes N] [--seconds S] | load --url URL --seconds S --dir DIR".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chaos: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The value after `--name` in `args`.
pub(crate) fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}
