//! Shipping-size report and the FFI call-overhead benchmark from Kotlin.

use std::process::Command;
use std::time::Instant;

use crate::{cargo, root, run, toolchains};

fn target_dir() -> std::path::PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root().join("target"))
}

/// The mobile library's size goal per ABI (6 MB).
const SIZE_GOAL_BYTES: usize = 6_000_000;

/// `cargo xtask size`: builds the stripped shipping library (profile `mobile`) for this host,
/// linked the way each ABI ships it, and prints its size against the 6 MB goal.
///
/// The host library is the proxy for each ABI, so its final link uses what the device builds
/// use: LLVM's linker (rustc's bundled `rust-lld`, as the NDK's) with safe identical-code
/// folding (`--icf=safe` over address-significance tables), packed relative relocations
/// (Android's clang driver packs them by default; RELR here, which needs glibc 2.36 on a
/// Linux host) and no exported UniFFI metadata (`scripts/link-shipping.sh`). Fails above the
/// goal.
pub fn size() -> Result<(), String> {
    let linker = root().join("scripts/link-shipping.sh");
    let lld_dir = rust_lld_driver_dir()?;
    let link_args = [
        format!("-Clinker={}", linker.display()),
        "-Clinker-flavor=gcc".to_string(),
        format!("-Clink-arg=-B{}", lld_dir.display()),
        "-Clink-arg=-fuse-ld=lld".to_string(),
        // `safe`, not `all`: SQLite compares function addresses (`xSFunc!=noopStepFunc`,
        // `xSelectCallback2==sqlite3WalkWinDefnDummyCallback`) and `--icf=all` folded those
        // no-op functions with their twins (seen with `--print-icf-sections`). `safe` folds
        // only functions whose address no code takes, which the objects' address-significance
        // tables say: LLVM writes them for the Rust code when asked (`-addrsig`; the NDK's
        // clang does for C by default); gcc-built C has none, so none of it is folded.
        "-Clink-arg=-Wl,--icf=safe".to_string(),
        "-Cllvm-args=-addrsig".to_string(),
        "-Clink-arg=-Wl,-z,pack-relative-relocs".to_string(),
    ];
    let mut args = vec![
        "rustc",
        "--profile",
        "mobile",
        "-p",
        "solace-ffi",
        "--lib",
        "--crate-type",
        "cdylib",
        "--",
    ];
    args.extend(link_args.iter().map(String::as_str));
    run("build shipping library (profile mobile)", &mut cargo(&args))?;
    let lib = target_dir().join("mobile").join(format!(
        "{}solace_ffi{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let bytes = std::fs::read(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    if bytes.windows(12).any(|w| w == b"UNIFFI_META_") {
        return Err(format!(
            "{} still exports UniFFI metadata: scripts/link-shipping.sh did not filter it",
            lib.display()
        ));
    }
    println!(
        "stripped release library ({}, {}): {:.2} MB ({} bytes); goal ≤ 6 MB per ABI",
        std::env::consts::ARCH,
        lib.display(),
        bytes.len() as f64 / 1_000_000.0,
        bytes.len()
    );
    if bytes.len() > SIZE_GOAL_BYTES {
        return Err(format!(
            "the shipping library is {} bytes over the 6 MB goal",
            bytes.len() - SIZE_GOAL_BYTES
        ));
    }
    Ok(())
}

/// The directory of rustc's `ld.lld` driver shim for the host (`<sysroot>/lib/rustlib/<host>/
/// bin/gcc-ld`), which `cc -fuse-ld=lld -B<dir>` runs: the LLVM linker without installing one.
fn rust_lld_driver_dir() -> Result<std::path::PathBuf, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let print = |what: &str| -> Result<String, String> {
        let out = Command::new(&rustc)
            .args(["--print", what])
            .output()
            .map_err(|e| format!("{rustc} --print {what}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{rustc} --print {what}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let sysroot = print("sysroot")?;
    let host = print("host-tuple")?;
    let dir = std::path::Path::new(&sysroot)
        .join("lib/rustlib")
        .join(&host)
        .join("bin/gcc-ld");
    if dir.join("ld.lld").exists() {
        Ok(dir)
    } else {
        Err(format!(
            "{} has no ld.lld (rustup component `rust-std`/`rustc` is incomplete)",
            dir.display()
        ))
    }
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
