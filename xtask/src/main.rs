//! `cargo xtask`: the project's own automation — CI entry point and fuzz smoke runs.
//!
//! Every step is an ordinary cargo invocation printed before it runs, so a failure can be
//! reproduced by copying the line. Later steps (bindings, Kotlin, Swift, PostgreSQL) hang off
//! the same `ci` command.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  ci            everything CI runs: fmt check, clippy (all targets, -D warnings), all tests,
                a short fuzz run of every fuzz target (when a nightly toolchain is present)
  fuzz [SECS]   run every fuzz target for SECS seconds each (default 60)
  bench         build and run the storage benchmark (release; links SQLCipher)";

const FUZZ_TARGETS: &[&str] = &["envelope", "key_material", "record_body", "import_json"];

fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

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
    run("tests", &mut cargo(&["test", "--workspace"]))?;
    fuzz(20)?;
    eprintln!("\nci: all steps passed");
    Ok(())
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
        Some("bench") => run(
            "storage benchmark",
            cargo(&["run", "--release", "-p", "solace-bench", "--"]).args(&args[1..]),
        ),
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
