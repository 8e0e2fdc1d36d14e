//! `cargo xtask`: the project's own automation — CI entry point and fuzz smoke runs.
//!
//! Every step is an ordinary cargo invocation printed before it runs, so a failure can be
//! reproduced by copying the line. Later steps (bindings, Kotlin, Swift, PostgreSQL) hang off
//! the same `ci` command.

mod foreign;
mod mobile;
mod toolchains;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci            everything CI runs: fmt check, clippy (all targets, -D warnings), all tests on
                SQLite and PostgreSQL, Kotlin (JVM) and Swift (Linux) binding tests, the
                Android/iOS view-model tests, the chaos run (40 s) and a short fuzz run of
                every fuzz target (when a nightly toolchain is present)
  fuzz [SECS]   run every fuzz target for SECS seconds each (default 60)
  bench         build and run the storage benchmark (release; links SQLCipher)
  size          build the stripped shipping library (profile mobile) and print its size
  bench-ffi     FFI call overhead from Kotlin (simple call, record write/read round trips)
  bench-sync    first sync of a new device (10k records) and server load, SQLite and PostgreSQL
  bench-console the therapist console in Chromium: caseload and chart of 200 clients × 5 years
  cluster [up [N]|down|status]   a local cluster: PostgreSQL primary + synchronous replica,
                N server nodes (default 3), HAProxy on 127.0.0.1:8800 (scripts/cluster.sh)
  chaos [SECS]  the chaos run on that cluster: mixed load from a separate process while a node
                is killed, PostgreSQL restarts and the replica is promoted; prints
                `chaos: nodes=… requests=… acked=… lost=… duplicated=…` (default 45 s)
  bindings      build the debug solace-ffi library and generate Kotlin and Swift into
                target/bindings/{kotlin,swift}
  test-kotlin   JUnit tests of bindings/kotlin on the JVM (fetches kotlinc, JNA, JUnit once
                into ${SOLACE_CACHE:-~/.cache/solace})
  test-swift    XCTest tests of bindings/swift with Swift 6 on Linux (host swift, or a Debian
                trixie root built once under ${SOLACE_CACHE:-~/.cache/solace})
  test-android-vm   JUnit tests of the Android app's plain-Kotlin view models
                (android/viewmodels) on the JVM against the real library
  test-ios-vm   XCTest tests of the iOS app's plain-Swift view models (ios/ViewModels)
                with Swift 6 on Linux against the real library
  provision kotlin|swift   only fetch/build that toolchain into the cache";

const FUZZ_TARGETS: &[&str] = &[
    "envelope",
    "key_material",
    "record_body",
    "import_json",
    "olm_message",
    "message_payload",
    "daylio_csv",
    "bearable_csv",
    "reminders",
    "backup_header",
    "review_token",
];

fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Steps that succeeded in this invocation (for the closing summary line).
static STEPS_PASSED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn run(step: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("\n==> {step}: {cmd:?}");
    let started = Instant::now();
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("{step}: could not start: {e}"))?;
    eprintln!(
        "<== {step}: {status} in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        STEPS_PASSED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args);
    cmd
}

fn has_nightly() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if present {
        return Ok(());
    }
    run(
        "install cargo-fuzz",
        cargo(&["install", "cargo-fuzz", "--locked"]).env_remove("RUSTUP_TOOLCHAIN"),
    )
}

fn fuzz(seconds: u64) -> Result<(), String> {
    if !has_nightly() {
        eprintln!(
            "fuzz: no nightly toolchain here; skipping (the proptest random-byte tests still ran)"
        );
        return Ok(());
    }
    ensure_cargo_fuzz()?;
    let max_time = format!("-max_total_time={seconds}");
    for target in FUZZ_TARGETS {
        let mut cmd = Command::new("cargo");
        cmd.args([
            "+nightly",
            "fuzz",
            "run",
            target,
            "--",
            &max_time,
            "-rss_limit_mb=2048",
        ])
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO");
        run(&format!("fuzz {target} for {seconds}s"), &mut cmd)?;
    }
    Ok(())
}

/// Starts (or reuses) the loopback PostgreSQL server for tests and returns its URL.
fn postgres() -> Result<String, String> {
    eprintln!("\n==> PostgreSQL for tests: scripts/pg.sh");
    let out = Command::new("bash")
        .arg(root().join("scripts/pg.sh"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("scripts/pg.sh could not start: {e}"))?;
    if !out.status.success() {
        return Err(format!("scripts/pg.sh failed ({})", out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let url = stdout.trim().lines().last().unwrap_or("").to_owned();
    if !url.starts_with("postgres://") {
        return Err(format!("scripts/pg.sh printed no URL (got {url:?})"));
    }
    eprintln!("<== PostgreSQL at {url}");
    Ok(url)
}

fn ci() -> Result<(), String> {
    run("format check", &mut cargo(&["fmt", "--all", "--check"]))?;
    run(
        "clippy",
        &mut cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    let pg = postgres()?;
    run(
        "Chromium and npm packages for the console's browser test",
        Command::new("bash").arg(root().join("scripts/browser.sh")),
    )?;
    toolchains::poppler()?;
    run(
        "tests (SQLite and PostgreSQL)",
        cargo(&["test", "--workspace"])
            .env("SOLACE_TEST_PG_URL", &pg)
            .env("SOLACE_REQUIRE_PG", "1")
            .env("SOLACE_REQUIRE_POPPLER", "1"),
    )?;
    for (name, step) in [
        (
            "Kotlin bindings",
            foreign::test_kotlin as fn() -> Result<(), String>,
        ),
        ("Swift bindings", foreign::test_swift),
        ("Android view models", foreign::test_android_vm),
        ("iOS view models", foreign::test_ios_vm),
    ] {
        step().map_err(|e| format!("{name}: {e}"))?;
        STEPS_PASSED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    chaos(40)?;
    fuzz(20)?;
    eprintln!("\nci: all steps passed");
    println!(
        "steps: {} passed, 0 failed",
        STEPS_PASSED.load(std::sync::atomic::Ordering::Relaxed)
    );
    Ok(())
}

/// Builds the server and the chaos runner (debug, as the tests use them), then runs the chaos
/// run for `seconds` of load.
fn chaos(seconds: u64) -> Result<(), String> {
    run(
        "build the server and the chaos runner",
        &mut cargo(&[
            "build",
            "-p",
            "solace-cli",
            "--bin",
            "solace",
            "-p",
            "solace-chaos",
            "--bin",
            "solace-chaos",
        ]),
    )?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"));
    run(
        "chaos run (cluster, faults, check)",
        Command::new(target.join("debug/solace-chaos"))
            .args(["run", "--seconds", &seconds.to_string()])
            .env("SOLACE_BIN", target.join("debug/solace")),
    )
}

/// `scripts/cluster.sh` with `args` (default `up`).
fn cluster(args: &[String]) -> Result<(), String> {
    let args: Vec<String> = if args.is_empty() {
        vec!["up".into()]
    } else {
        args.to_vec()
    };
    run(
        "local cluster",
        Command::new("bash")
            .arg(root().join("scripts/cluster.sh"))
            .args(&args),
    )
}

/// Installs Chromium and the console's npm packages, then runs the console benchmark.
fn bench_console() -> Result<(), String> {
    run(
        "Chromium and npm packages",
        Command::new("bash").arg(root().join("scripts/browser.sh")),
    )?;
    run(
        "console benchmark",
        &mut cargo(&[
            "run",
            "--release",
            "-p",
            "solace-bench",
            "--bin",
            "console-bench",
        ]),
    )
}

/// Builds and runs the storage benchmark. The `solace-bench` package has two binaries
/// (`solace-bench` and `sync-bench`), so the binary is named explicitly.
fn bench_storage(extra: &[String]) -> Result<(), String> {
    run(
        "storage benchmark",
        cargo(&[
            "run",
            "--release",
            "-p",
            "solace-bench",
            "--bin",
            "solace-bench",
            "--",
        ])
        .args(extra),
    )
}

/// Builds the release client/server and the sync benchmark, then runs it against SQLite and
/// the loopback PostgreSQL.
fn bench_sync(extra: &[String]) -> Result<(), String> {
    run(
        "build release binaries",
        &mut cargo(&[
            "build",
            "--release",
            "-p",
            "solace-cli",
            "-p",
            "solace-bench",
            "--bin",
            "solace",
            "--bin",
            "sync-bench",
        ]),
    )?;
    let pg = postgres()?;
    let bench_db = match pg.rsplit_once('/') {
        Some((base, _)) => format!("{base}/solace_bench"),
        None => return Err("unexpected PostgreSQL URL".into()),
    };
    for sql in [
        "DROP DATABASE IF EXISTS solace_bench WITH (FORCE)",
        "CREATE DATABASE solace_bench",
    ] {
        run(
            "reset bench database",
            Command::new("psql").args([pg.as_str(), "-q", "-c", sql]),
        )?;
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"));
    let release = target.join("release");
    let solace = release.join("solace");
    run(
        "sync benchmark",
        Command::new(release.join("sync-bench"))
            .arg("--solace")
            .arg(&solace)
            .args(["--pg", bench_db.as_str()])
            .args(extra),
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("fuzz") => match args.get(1).map(|s| s.parse::<u64>()) {
            None => fuzz(60),
            Some(Ok(secs)) => fuzz(secs),
            Some(Err(_)) => Err("fuzz takes a number of seconds".into()),
        },
        Some("bindings") => foreign::bindings().map(|_| ()),
        Some("size") => mobile::size(),
        Some("bench-ffi") => mobile::bench_ffi(),
        Some("test-kotlin") => foreign::test_kotlin(),
        Some("test-swift") => foreign::test_swift(),
        Some("test-android-vm") => foreign::test_android_vm(),
        Some("test-ios-vm") => foreign::test_ios_vm(),
        Some("provision") => foreign::provision(args.get(1).map(String::as_str)),
        Some("bench-sync") => bench_sync(&args[1..]),
        Some("bench-console") => bench_console(),
        Some("cluster") => cluster(&args[1..]),
        Some("chaos") => match args.get(1).map(|s| s.parse::<u64>()) {
            None => chaos(45),
            Some(Ok(secs)) => chaos(secs),
            Some(Err(_)) => Err("chaos takes a number of seconds".into()),
        },
        Some("bench") => bench_storage(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
