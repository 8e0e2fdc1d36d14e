//! Shipping-size report and the FFI call-overhead benchmark from Kotlin.

use std::process::Command;
use std::time::Instant;

use crate::{cargo, root, run, toolchains};

fn target_dir() -> std::path::PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root().join("target"))
}

/// `cargo xtask size`: builds the stripped shipping library (profile `mobile`) for this host
/// and prints its size against the 6 MB goal.
pub fn size() -> Result<(), String> {
    run(
        "build shipping library (profile mobile)",
        &mut cargo(&["build", "--profile", "mobile", "-p", "solace-ffi"]),
    )?;
    let lib = target_dir().join("mobile").join(format!(
        "{}solace_ffi{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let bytes = std::fs::metadata(&lib)
        .map_err(|e| format!("{}: {e}", lib.display()))?
        .len();
    println!(
        "stripped release library ({}, {}): {:.2} MB ({} bytes); goal ≤ 6 MB per ABI",
        std::env::consts::ARCH,
        lib.display(),
        bytes as f64 / 1_000_000.0,
        bytes
    );
    Ok(())
}

/// `cargo xtask bench-ffi`: compiles `bindings/kotlin/src/bench` against the generated
/// bindings and runs it on the JVM with the release native library.
pub fn bench_ffi() -> Result<(), String> {
    let started = Instant::now();
    let kotlin = toolchains::kotlin()?;
    let generated = crate::foreign::bindings()?;
    run(
        "build release library",
        &mut cargo(&["build", "--release", "-p", "solace-ffi"]),
    )?;
    // The stalled-server figure needs a `solace server` to stop (`kill -STOP`); debug is enough.
    run(
        "build solace (for `solace server`)",
        &mut cargo(&["build", "-p", "solace-cli", "--bin", "solace"]),
    )?;
    let solace = target_dir().join("debug/solace");
    let build = target_dir().join("kotlin-bench");
    std::fs::create_dir_all(&build)
        .map_err(|e| format!("cannot create {}: {e}", build.display()))?;
    let jar = build.join("solace-ffi-bench.jar");
    let mut sources = crate::foreign::kotlin_sources(&generated.kotlin)?;
    sources.extend(crate::foreign::kotlin_sources(
        &root().join("bindings/kotlin/src/bench"),
    )?);
    let cp = format!("{}:{}", kotlin.jna.display(), kotlin.coroutines.display());
    run(
        "kotlinc bindings + benchmark",
        Command::new(&kotlin.kotlinc)
            .args(["-nowarn", "-cp", &cp, "-d"])
            .arg(&jar)
            .args(&sources)
            .env("JAVA_OPTS", "-Xmx1g"),
    )?;
    let full_cp = format!("{cp}:{}:{}", jar.display(), kotlin.stdlib.display());
    run(
        "FFI benchmark (JVM)",
        Command::new("java")
            .arg(format!(
                "-Djna.library.path={}",
                target_dir().join("release").display()
            ))
            .args(["-cp", &full_cp, "app.solace.ffi.bench.FfiBenchKt"])
            .env("SOLACE_BIN", &solace),
    )?;
    eprintln!("bench-ffi: done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}
