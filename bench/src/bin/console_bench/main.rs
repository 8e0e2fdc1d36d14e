//! Console benchmark: a therapist's store seeded directly with 200 linked clients, each with
//! five years of weekly PHQ-9 and GAD-7 results shared, served by `solace console`, and
//! Chromium (playwright-core) timing navigation → rendered for the caseload and for one
//! client's page with its charts. Prints p50 and max of each; the goal is ≤ 300 ms.
//!
//! Needs Chromium and the npm packages of `console/browser` (`bash scripts/browser.sh`).
//! Run with `cargo xtask bench-console`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, TimeZone, Utc};
use solace_core::assessments::{AssessmentResult, Instrument};
use solace_core::crypto::kdf::KdfParams;
use solace_core::messaging::{local, SharedItem};
use solace_core::{RecordId, Store};

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const PASSPHRASE: &str = "bench velvet harbor pilgrim cactus";
const CLIENTS: usize = 200;
const WEEKS: i64 = 52 * 5;

/// A deterministic answer sheet that drifts over the weeks.
fn answers(instrument: Instrument, client: usize, week: i64) -> Vec<u8> {
    let items = instrument.items().len();
    (0..items)
        .map(|i| ((client as i64 + week / 9 + i as i64 * 3) % 4) as u8)
        .collect()
}

fn seed(dir: &Path) -> BoxResult<String> {
    let (mut store, _) = Store::create(dir, PASSPHRASE, KdfParams::FLOOR)?;
    let start = Utc
        .with_ymd_and_hms(2021, 11, 1, 9, 0, 0)
        .single()
        .ok_or("date")?;
    let mut first_peer = String::new();
    for client in 0..CLIENTS {
        let peer = format!("acct-client-{client:03}");
        if client == 0 {
            first_peer = peer.clone();
        }
        store.atomically(|s| {
            local::ensure_conversation(s, &peer, &format!("Client {client:03}"), "link")?;
            for week in 0..WEEKS {
                for instrument in Instrument::ALL {
                    let answers = answers(instrument, client, week);
                    let total: u8 = answers.iter().sum();
                    let result = AssessmentResult {
                        id: RecordId::generate()?,
                        instrument,
                        severity: instrument.severity(total),
                        safety_flag: false,
                        answers,
                        total,
                        at: (start + Days::weeks(week)).fixed_offset(),
                    };
                    let content = serde_json::to_value(&result)
                        .map_err(|_| solace_core::CoreError::MalformedRecord { kind: "bench" })?;
                    local::store_shared(
                        s,
                        &SharedItem {
                            share_id: result.id.to_string(),
                            from_account: peer.clone(),
                            item_kind: "assessment".into(),
                            title: format!("{} score {total}", instrument.name()),
                            content,
                            updated_at: result.at.timestamp_millis(),
                        },
                    )?;
                }
            }
            Ok(())
        })?;
        if client % 50 == 49 {
            eprintln!("console bench: seeded {} clients …", client + 1);
        }
    }
    Ok(first_peer)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> BoxResult<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let browser_dir = root.join("console/browser");
    if !browser_dir.join("node_modules/playwright-core").is_dir() {
        return Err("run `bash scripts/browser.sh` first (Chromium and npm packages)".into());
    }
    let tmp = tempfile::tempdir()?;
    let started = Instant::now();
    eprintln!("console bench: seeding {CLIENTS} clients × {WEEKS} weeks of PHQ-9 and GAD-7 …");
    let peer = seed(tmp.path())?;
    eprintln!(
        "console bench: seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let bound = runtime.block_on(solace_console::bind(solace_console::Options {
        listen: "127.0.0.1:0".parse()?,
        tls: None,
        data_dir: tmp.path().to_path_buf(),
        idle: Duration::from_secs(3600),
    }))?;
    let url = bound.url.clone();
    runtime.spawn(bound.serve());
    let out = Command::new("node")
        .arg(browser_dir.join("console.bench.mjs"))
        .current_dir(&browser_dir)
        .env("CONSOLE_URL", &url)
        .env("CONSOLE_PASSPHRASE", PASSPHRASE)
        .env("CLIENT_PATH", format!("/client/{peer}"))
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "browser run failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let figures: serde_json::Value = serde_json::from_slice(
        out.stdout
            .split(|&b| b == b'\n')
            .rfind(|l| l.starts_with(b"{"))
            .ok_or("no figures printed")?,
    )?;
    let line = |name: &str, key: &str| {
        format!(
            "{name:<44} p50 {:>6.0} ms, max {:>6.0} ms ({} loads)   goal: ≤ 300 ms",
            figures[key]["p50"].as_f64().unwrap_or(f64::NAN),
            figures[key]["max"].as_f64().unwrap_or(f64::NAN),
            figures[key]["n"].as_u64().unwrap_or(0)
        )
    };
    println!("\nSolace console benchmark — {CLIENTS} clients, {WEEKS} weeks of PHQ-9 and GAD-7 each (Chromium, loopback)");
    println!("{}", line("caseload, navigation → rendered", "caseload"));
    println!(
        "{}",
        line("one client's page with charts, → rendered", "client")
    );
    Ok(())
}
