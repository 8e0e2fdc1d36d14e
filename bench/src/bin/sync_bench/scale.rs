//! Scale-out figures: the mixed load against 1, 2 and 3 server nodes on one PostgreSQL
//! database (clients spread over the nodes as a balancer would), and the server memory held
//! by 1,000 idle live-update connections (long polls waiting for a change).

use std::path::Path;
use std::time::{Duration, Instant};

use solace_protocol as p;

use crate::load;
use crate::server::Server;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// One line per node count, with the throughput relative to one node.
pub fn nodes(
    solace: &Path,
    pg: &str,
    workdir: &Path,
    clients: usize,
    seconds: u64,
) -> BoxResult<Vec<String>> {
    let mut lines = Vec::new();
    let mut one = None;
    for n in 1..=3usize {
        eprintln!("scale: {n} node(s) on one PostgreSQL, {clients} clients for {seconds} s …");
        let servers: Vec<Server> = (0..n)
            .map(|_| Server::start(solace, pg, workdir))
            .collect::<BoxResult<_>>()?;
        let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
        let r = load::run(&urls, clients, Duration::from_secs(seconds))?;
        drop(servers);
        let base = *one.get_or_insert(r.requests_per_second);
        lines.push(format!(
            "scale-out, PostgreSQL, {n} node(s): {:>7.0} req/s ({:.2}× one node), p50 {:>6.2} ms, p99 {:>6.2} ms, errors {}   (2 cores shared by clients, nodes and PostgreSQL: CPU-bound)",
            r.requests_per_second,
            r.requests_per_second / base,
            r.p50_ms,
            r.p99_ms,
            r.errors
        ));
    }
    Ok(lines)
}

fn rss_kib(pid: u32) -> BoxResult<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or("no VmRSS value")?
        .parse()?)
}

fn in_flight(client: &reqwest::blocking::Client, base: &str) -> u64 {
    client
        .get(format!("{base}/metrics"))
        .send()
        .and_then(|r| r.text())
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("solace_http_in_flight "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Server memory growth while `count` devices hold a long poll open.
pub fn idle_waits(
    solace: &Path,
    name: &str,
    database: &str,
    workdir: &Path,
    count: usize,
) -> BoxResult<String> {
    eprintln!("idle: {count} live-update connections held open on a {name} server …");
    let server = Server::start(solace, database, workdir)?;
    let blocking = reqwest::blocking::Client::new();
    let session = load::register(
        &blocking,
        &server.url,
        &format!("idle{}", std::process::id()),
        9,
    )?;
    // The waits run on their own runtime; memory is read before they start and while all
    // of them are held.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let before = rss_kib(server.pid())?;
    let client = reqwest::Client::builder().build()?;
    let token = session.token.expose().to_owned();
    for _ in 0..count {
        let (client, url, token) = (
            client.clone(),
            format!("{}/v1/changes/wait", server.url),
            token.clone(),
        );
        runtime.spawn(async move {
            let _ = client
                .post(url)
                .bearer_auth(token)
                .json(&p::live::WaitRequest {
                    cursor: 0,
                    timeout_secs: p::live::MAX_WAIT_SECS,
                })
                .send()
                .await;
        });
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut held = 0;
    while Instant::now() < deadline {
        held = in_flight(&blocking, &server.url);
        // The metrics request itself is in flight too.
        if held > count as u64 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let during = rss_kib(server.pid())?;
    runtime.shutdown_background();
    drop(server);
    let growth_kib = (during - before).max(0.0);
    Ok(format!(
        "server memory per 1,000 idle live-update connections ({name}): {:.1} MB ({:.1} KB each; {} held; RSS {:.1} → {:.1} MB)",
        growth_kib / 1024.0 * 1000.0 / count as f64,
        growth_kib / count as f64,
        held.saturating_sub(1),
        before / 1024.0,
        during / 1024.0
    ))
}
