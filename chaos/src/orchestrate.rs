//! The chaos run: cluster up, load started in its own process, faults at set points of the
//! load window (each printed with its offset), then the check and one summary line. The
//! cluster is taken down at the end whatever happened.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::load::Summary;

/// At least this many acknowledged writes, or the run proves too little.
const MIN_ACKED: u64 = 2_000;
const REPLICA_PORT: &str = "54342";

async fn cluster(args: &[&str]) -> Result<String, String> {
    let out = Command::new("bash")
        .arg("scripts/cluster.sh")
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .await
        .map_err(|e| format!("scripts/cluster.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/cluster.sh {} failed ({})",
            args.join(" "),
            out.status
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

async fn in_recovery(port: &str) -> Result<bool, String> {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            port,
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-Atc",
        ])
        .arg("SELECT pg_is_in_recovery()")
        .output()
        .await
        .map_err(|e| format!("psql: {e}"))?;
    match String::from_utf8_lossy(&out.stdout).trim() {
        "t" => Ok(true),
        "f" => Ok(false),
        other => Err(format!("pg_is_in_recovery on {port}: {other:?}")),
    }
}

/// Takes the cluster down when dropped (also on errors and panics).
struct Down;

impl Drop for Down {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .args(["scripts/cluster.sh", "down"])
            .status();
    }
}

/// `solace-chaos run [--nodes N] [--seconds S]`.
pub async fn run(args: &[String]) -> Result<(), String> {
    let nodes: u32 = crate::flag(args, "--nodes")
        .unwrap_or("3")
        .parse()
        .map_err(|_| "--nodes")?;
    let seconds: f64 = crate::flag(args, "--seconds")
        .unwrap_or("45")
        .parse()
        .map_err(|_| "--seconds")?;
    let _ = cluster(&["down"]).await;
    let url = cluster(&["up", &nodes.to_string()]).await?;
    let _down = Down;
    let url = url.lines().last().unwrap_or_default().to_owned();
    let dir = std::env::temp_dir().join(format!("solace-chaos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let exe: PathBuf = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut load = Command::new(exe)
        .args([
            "load",
            "--url",
            &url,
            "--seconds",
            &format!("{}", seconds as u64),
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("starting the load: {e}"))?;
    let mut lines = BufReader::new(load.stdout.take().ok_or("no load output")?).lines();
    loop {
        match lines.next_line().await.map_err(|e| e.to_string())? {
            Some(line) if line == "ready" => break,
            Some(_) => {}
            None => return Err("the load ended before it was ready".into()),
        }
    }
    let start = Instant::now();
    let at = |fraction: f64| Duration::from_secs_f64(seconds * fraction);
    let stamp = |what: &str| eprintln!("chaos: +{:>5.1}s {what}", start.elapsed().as_secs_f64());
    tokio::time::sleep_until((start + at(0.15)).into()).await;
    stamp("kill -9 node 2");
    cluster(&["kill-node", "2"]).await?;
    tokio::time::sleep_until((start + at(0.25)).into()).await;
    stamp("restarting node 2…");
    cluster(&["start-node", "2"]).await?;
    stamp("node 2 ready");
    tokio::time::sleep_until((start + at(0.40)).into()).await;
    stamp("restarting PostgreSQL (primary)…");
    cluster(&["restart-pg"]).await?;
    stamp("PostgreSQL restarted");
    tokio::time::sleep_until((start + at(0.60)).into()).await;
    if !in_recovery(REPLICA_PORT).await? {
        return Err("the replica was not in recovery before the failover".into());
    }
    stamp("stopping the primary, promoting the replica…");
    cluster(&["failover"]).await?;
    if in_recovery(REPLICA_PORT).await? {
        return Err("the replica is still in recovery after promotion".into());
    }
    stamp("promoted: pg_is_in_recovery() on the replica flipped to false");
    let mut last = String::new();
    while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
        last = line;
    }
    let status = load.wait().await.map_err(|e| e.to_string())?;
    stamp("load finished");
    if !status.success() {
        return Err(format!("the load failed ({status})"));
    }
    let summary: Summary =
        serde_json::from_str(&last).map_err(|e| format!("load summary {last:?}: {e}"))?;
    let found = crate::verify::check(&url, &dir).await?;
    println!(
        "chaos: nodes={nodes} requests={} acked={} lost={} duplicated={}",
        summary.requests, found.acked, found.lost, found.duplicated
    );
    let _ = std::fs::remove_dir_all(&dir);
    if found.lost > 0 || found.duplicated > 0 {
        return Err("acknowledged writes were lost or duplicated".into());
    }
    if found.acked < MIN_ACKED {
        return Err(format!(
            "only {} writes were acknowledged (at least {MIN_ACKED} needed)",
            found.acked
        ));
    }
    Ok(())
}
