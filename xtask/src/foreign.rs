//! `cargo xtask bindings | test-kotlin | test-swift | test-android-vm | test-ios-vm`: generates
//! the Kotlin and Swift bindings of `solace-ffi` and runs the host test packages in
//! `bindings/kotlin` and `bindings/swift`, and the app view models in `android/viewmodels` and
//! `ios/ViewModels`, against the real native library (and a real `solace server` for sync).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::toolchains::{self, ChrootGuard, Swift};
use crate::{cargo, root, run};

/// Name of the native library built from `bindings/` (`libsolace_ffi.so`).
const LIB_FILE: &str = "libsolace_ffi.so";
/// Module name of the C side of the generated Swift bindings.
const SWIFT_FFI_MODULE: &str = "solace_ffiFFI";

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
}

/// What `bindings` produced.
pub struct Generated {
    /// Directory holding the `libsolace_ffi.so` the tests load (debug unless
    /// `SOLACE_FFI_LIB_DIR` names another).
    pub lib_dir: PathBuf,
    /// Generated Kotlin sources.
    pub kotlin: PathBuf,
    /// Generated Swift sources, header and modulemap.
    pub swift: PathBuf,
}

/// Builds the debug library, builds the bindgen with `-p` (so its `cli` feature never leaks
/// into the library) and generates both languages from the library's metadata.
pub fn bindings() -> Result<Generated, String> {
    run(
        "build solace-ffi (debug)",
        &mut cargo(&["build", "-p", "solace-ffi"]),
    )?;
    run(
        "build uniffi-bindgen",
        &mut cargo(&["build", "-p", "uniffi-bindgen"]),
    )?;
    let debug = target_dir().join("debug");
    let lib = debug.join(LIB_FILE);
    let bindgen = debug.join("uniffi-bindgen");
    let out = target_dir().join("bindings");
    // The library the Kotlin and Swift tests load: the debug one, or the one in
    // `SOLACE_FFI_LIB_DIR` (e.g. `target/mobile` after `cargo xtask size`, to run the app tests
    // against the shipping link). Bindings always come from the debug library's metadata.
    let lib_dir = std::env::var_os("SOLACE_FFI_LIB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| debug.clone());
    let generated = Generated {
        lib_dir,
        kotlin: out.join("kotlin"),
        swift: out.join("swift"),
    };
    for (language, dir) in [("kotlin", &generated.kotlin), ("swift", &generated.swift)] {
        let _ = std::fs::remove_dir_all(dir);
        run(
            &format!("generate {language}"),
            Command::new(&bindgen)
                .args(["generate", "--no-format", "--library"])
                .arg(&lib)
                .args(["--language", language, "--out-dir"])
                .arg(dir),
        )?;
    }
    eprintln!(
        "bindings: Kotlin in {}, Swift in {}",
        generated.kotlin.display(),
        generated.swift.display()
    );
    Ok(generated)
}

fn build_solace_binary() -> Result<PathBuf, String> {
    run(
        "build solace (for `solace server`)",
        &mut cargo(&["build", "-p", "solace-cli", "--bin", "solace"]),
    )?;
    Ok(target_dir().join("debug/solace"))
}

/// Every file under `dir` whose name ends with `suffix`, sorted.
/// Every `.kt` file under `dir` (for the benchmark build).
pub fn kotlin_sources(dir: &Path) -> Result<Vec<PathBuf>, String> {
    files_with_suffix(dir, ".kt")
}

fn files_with_suffix(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot list {}: {e}", d.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes `contents` unless the file already holds exactly that (keeps mtimes, so incremental
/// builds stay warm). Returns whether it wrote.
fn write_if_changed(path: &Path, contents: &[u8]) -> Result<bool, String> {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    // Write beside it and rename over it: a binary still running from an earlier (killed) test
    // run keeps its old inode instead of failing the write with "Text file busy".
    let fresh = path.with_extension("new");
    std::fs::write(&fresh, contents)
        .map_err(|e| format!("cannot write {}: {e}", fresh.display()))?;
    std::fs::rename(&fresh, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))?;
    Ok(true)
}

/// A fingerprint of some input files (their paths and contents), so a compile step can be
/// skipped when nothing changed since the last successful one.
fn fingerprint(files: &[PathBuf]) -> Result<Vec<u8>, String> {
    let mut all = Vec::new();
    for f in files {
        all.extend_from_slice(f.to_string_lossy().as_bytes());
        all.push(0);
        all.extend_from_slice(&read(f)?);
        all.push(0);
    }
    Ok(all)
}

fn class_path(parts: &[&Path]) -> String {
    parts
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

/// Compiles `sources` into `jar` with kotlinc, unless the same inputs already produced it.
fn kotlinc(
    kotlin: &toolchains::Kotlin,
    step: &str,
    sources: &[PathBuf],
    cp: &str,
    jar: &Path,
) -> Result<(), String> {
    let mut inputs = sources.to_vec();
    inputs.extend(cp.split(':').map(PathBuf::from).filter(|p| p.is_file()));
    let stamp_path = jar.with_extension("inputs");
    let stamp = fingerprint(&inputs)?;
    if jar.is_file() && std::fs::read(&stamp_path).is_ok_and(|old| old == stamp) {
        eprintln!("\n==> {step}: up to date ({})", jar.display());
        return Ok(());
    }
    let _ = std::fs::remove_file(&stamp_path);
    run(
        step,
        Command::new(&kotlin.kotlinc)
            .args(["-nowarn", "-cp", cp, "-d"])
            .arg(jar)
            .args(sources)
            .env("JAVA_OPTS", "-Xmx1g -XX:TieredStopAtLevel=1"),
    )?;
    std::fs::write(&stamp_path, stamp).map_err(|e| format!("cannot write stamp: {e}"))
}

/// Compiles the generated Kotlin bindings into `target/kotlin/solace-bindings.jar` (skipped when
/// unchanged) and returns the jar.
fn kotlin_bindings_jar(
    kotlin: &toolchains::Kotlin,
    generated: &Generated,
) -> Result<PathBuf, String> {
    let build = target_dir().join("kotlin");
    std::fs::create_dir_all(&build).map_err(|e| format!("cannot create build dir: {e}"))?;
    let jar = build.join("solace-bindings.jar");
    let sources = files_with_suffix(&generated.kotlin, ".kt")?;
    kotlinc(
        kotlin,
        "kotlinc generated bindings",
        &sources,
        &class_path(&[&kotlin.jna, &kotlin.coroutines]),
        &jar,
    )?;
    Ok(jar)
}

/// Runs JUnit on `classes` with `jars` (plus JNA, coroutines, JUnit and the Kotlin stdlib) on
/// the class path, the debug native library on JNA's path and `SOLACE_BIN` set.
fn junit(
    kotlin: &toolchains::Kotlin,
    generated: &Generated,
    solace: &Path,
    step: &str,
    jars: &[&Path],
    classes: &[String],
) -> Result<(), String> {
    let mut cp: Vec<&Path> = vec![&kotlin.jna, &kotlin.coroutines];
    cp.extend(kotlin.junit.iter().map(PathBuf::as_path));
    cp.extend_from_slice(jars);
    cp.push(&kotlin.stdlib);
    run(
        step,
        Command::new("java")
            .arg(format!(
                "-Djna.library.path={}",
                generated.lib_dir.display()
            ))
            .args(["-cp", &class_path(&cp)])
            .arg("org.junit.runner.JUnitCore")
            .args(classes)
            .env("SOLACE_BIN", solace),
    )
}

/// `cargo xtask test-kotlin`: JUnit tests of `bindings/kotlin` on the JVM (every `*Test.kt`).
pub fn test_kotlin() -> Result<(), String> {
    let started = Instant::now();
    let kotlin = toolchains::kotlin()?;
    let generated = bindings()?;
    let solace = build_solace_binary()?;
    let bindings_jar = kotlin_bindings_jar(&kotlin, &generated)?;

    let tests_jar = target_dir().join("kotlin/solace-tests.jar");
    let mut libs: Vec<&Path> = vec![&kotlin.jna, &kotlin.coroutines, &bindings_jar];
    libs.extend(kotlin.junit.iter().map(PathBuf::as_path));
    let test_dir = root().join("bindings/kotlin/src/test/kotlin");
    let test_sources = files_with_suffix(&test_dir, ".kt")?;
    kotlinc(
        &kotlin,
        "kotlinc tests",
        &test_sources,
        &class_path(&libs),
        &tests_jar,
    )?;
    junit(
        &kotlin,
        &generated,
        &solace,
        "JUnit (bindings/kotlin)",
        &[&bindings_jar, &tests_jar],
        &junit_classes(&test_dir)?,
    )?;
    eprintln!(
        "test-kotlin: passed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// JUnit class names of the `*Test.kt` files under `dir` (package path = directory path).
fn junit_classes(dir: &Path) -> Result<Vec<String>, String> {
    let mut classes = Vec::new();
    for file in files_with_suffix(dir, "Test.kt")? {
        let rel = file
            .strip_prefix(dir)
            .map_err(|_| format!("bad test path {}", file.display()))?
            .with_extension("");
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        classes.push(parts.join("."));
    }
    if classes.is_empty() {
        return Err(format!("no *Test.kt files under {}", dir.display()));
    }
    Ok(classes)
}

/// `cargo xtask test-android-vm`: compiles the plain-Kotlin view models of the Android app
/// (`android/viewmodels`) against the generated bindings and runs their JUnit tests on the JVM
/// against the real native library.
pub fn test_android_vm() -> Result<(), String> {
    let started = Instant::now();
    let kotlin = toolchains::kotlin()?;
    let generated = bindings()?;
    let solace = build_solace_binary()?;
    let bindings_jar = kotlin_bindings_jar(&kotlin, &generated)?;

    let module = root().join("android/viewmodels/src");
    let build = target_dir().join("kotlin");
    let vm_jar = build.join("solace-android-viewmodels.jar");
    let tests_jar = build.join("solace-android-viewmodels-tests.jar");
    let mut libs: Vec<&Path> = vec![&kotlin.jna, &kotlin.coroutines, &bindings_jar];
    kotlinc(
        &kotlin,
        "kotlinc android/viewmodels",
        &files_with_suffix(&module.join("main/kotlin"), ".kt")?,
        &class_path(&libs),
        &vm_jar,
    )?;
    libs.push(&vm_jar);
    libs.extend(kotlin.junit.iter().map(PathBuf::as_path));
    let test_dir = module.join("test/kotlin");
    kotlinc(
        &kotlin,
        "kotlinc android/viewmodels tests",
        &files_with_suffix(&test_dir, ".kt")?,
        &class_path(&libs),
        &tests_jar,
    )?;
    junit(
        &kotlin,
        &generated,
        &solace,
        "JUnit (android/viewmodels)",
        &[&bindings_jar, &vm_jar, &tests_jar],
        &junit_classes(&test_dir)?,
    )?;
    eprintln!(
        "test-android-vm: passed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Lays out a SwiftPM package in `pkg`: the tracked files of `src` (its `Package.swift` and every
/// `.swift` file under `dirs`; files no longer tracked are removed), the generated Swift file
/// (target `Solace`), header and modulemap (target `solace_ffiFFI`), the native library and
/// the `solace` binary.
fn assemble_swift_package(
    generated: &Generated,
    solace: &Path,
    src: &Path,
    dirs: &[&str],
    pkg: &Path,
) -> Result<(), String> {
    let mut tracked = vec![src.join("Package.swift")];
    for dir in dirs {
        let wanted = files_with_suffix(&src.join(dir), ".swift")?;
        let copied = pkg.join(dir);
        if copied.is_dir() {
            for stale in files_with_suffix(&copied, ".swift")? {
                let rel = stale.strip_prefix(pkg).map_err(|_| "bad package path")?;
                if !wanted.contains(&src.join(rel)) {
                    let _ = std::fs::remove_file(&stale);
                }
            }
        }
        tracked.extend(wanted);
    }
    for file in tracked {
        let rel = file
            .strip_prefix(src)
            .map_err(|_| format!("bad path in {}", src.display()))?;
        write_if_changed(&pkg.join(rel), &read(&file)?)?;
    }
    for file in files_with_suffix(&generated.swift, ".swift")? {
        let name = file.file_name().ok_or("generated file without a name")?;
        write_if_changed(&pkg.join("Sources/Solace").join(name), &read(&file)?)?;
    }
    let ffi = pkg.join("Sources").join(SWIFT_FFI_MODULE);
    for file in files_with_suffix(&generated.swift, ".h")? {
        let name = file.file_name().ok_or("generated file without a name")?;
        write_if_changed(&ffi.join(name), &read(&file)?)?;
    }
    let modulemaps = files_with_suffix(&generated.swift, ".modulemap")?;
    let modulemap = modulemaps
        .first()
        .ok_or("uniffi-bindgen wrote no modulemap")?;
    write_if_changed(&ffi.join("module.modulemap"), &read(modulemap)?)?;
    write_if_changed(
        &pkg.join("lib").join(LIB_FILE),
        &read(&generated.lib_dir.join(LIB_FILE))?,
    )?;
    let bin = pkg.join("bin/solace");
    if write_if_changed(&bin, &read(solace)?)? {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("cannot make {} executable: {e}", bin.display()))?;
    }
    Ok(())
}

fn swift_test_args(pkg_inside: &Path, linker_flags: &[&str]) -> Vec<String> {
    let lib = pkg_inside.join("lib").to_string_lossy().into_owned();
    let mut args: Vec<String> = vec![
        "test".into(),
        "--package-path".into(),
        pkg_inside.to_string_lossy().into_owned(),
        "-Xlinker".into(),
        format!("-L{lib}"),
        "-Xlinker".into(),
        "-rpath".into(),
        "-Xlinker".into(),
        lib,
    ];
    for flag in linker_flags {
        args.push("-Xlinker".into());
        args.push((*flag).into());
    }
    args
}

/// A Swift package of the repository to test on Linux against the generated bindings.
struct SwiftPackage<'a> {
    /// Name for log lines.
    name: &'a str,
    /// Tracked source directory (relative to the repository root).
    src: &'a str,
    /// Its subdirectories holding tracked `.swift` files.
    dirs: &'a [&'a str],
    /// Directory name of the assembled package (under the target dir, or `/build` in the root).
    build_name: &'a str,
    /// Extra flags for the linker.
    linker_flags: &'a [&'a str],
}

/// Assembles `package` and runs `swift test` on it (the host toolchain if there is one, else
/// the cached Debian trixie root).
fn swift_test(package: &SwiftPackage) -> Result<(), String> {
    let swift = toolchains::swift()?;
    let generated = bindings()?;
    let solace = build_solace_binary()?;
    let src = root().join(package.src);
    match swift {
        Swift::Host => {
            let pkg = target_dir().join(package.build_name);
            assemble_swift_package(&generated, &solace, &src, package.dirs, &pkg)?;
            let args = swift_test_args(&pkg, package.linker_flags);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(
                &format!("swift test {} (host)", package.name),
                Command::new("swift")
                    .args(&args)
                    .env("SOLACE_BIN", pkg.join("bin/solace")),
            )?;
        }
        Swift::Chroot(chroot) => {
            // The package lives inside the root (its .build cache with it), at this path as
            // seen from inside.
            let inside = PathBuf::from("/build").join(package.build_name);
            let pkg = chroot.join("build").join(package.build_name);
            assemble_swift_package(&generated, &solace, &src, package.dirs, &pkg)?;
            let args = swift_test_args(&inside, package.linker_flags);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let guard = ChrootGuard::mount(&chroot)?;
            run(
                &format!("swift test {} (Debian trixie root)", package.name),
                guard
                    .command("swift", &args)
                    .env("SOLACE_BIN", inside.join("bin/solace"))
                    .env("TMPDIR", "/tmp"),
            )?;
            drop(guard);
        }
    }
    Ok(())
}

/// `cargo xtask test-swift`: XCTest tests of `bindings/swift` with Swift 6 on Linux.
pub fn test_swift() -> Result<(), String> {
    let started = Instant::now();
    swift_test(&SwiftPackage {
        name: "bindings/swift",
        src: "bindings/swift",
        dirs: &["Tests"],
        build_name: "solace-swift",
        linker_flags: &[],
    })?;
    eprintln!(
        "test-swift: passed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask test-ios-vm`: builds the plain-Swift view models of the iOS app
/// (`ios/ViewModels`) against the generated bindings and runs their XCTest tests with Swift 6
/// on Linux against the real native library.
pub fn test_ios_vm() -> Result<(), String> {
    let started = Instant::now();
    swift_test(&SwiftPackage {
        name: "ios/ViewModels",
        src: "ios/ViewModels",
        dirs: &["Sources/SolaceViewModels", "Tests"],
        build_name: "solace-ios-viewmodels",
        // Debian trixie's swiftlang 6.0.3 ships a libswiftObservation.so that references
        // `swift::threading::fatal`, which none of its libraries exports (a packaging bug; Apple's
        // and swift.org's toolchains are fine). The reference is lazily bound and only reached on
        // a fatal threading error, so let the link through.
        linker_flags: &["--allow-shlib-undefined"],
    })?;
    eprintln!(
        "test-ios-vm: passed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask provision kotlin|swift`: only fetch/build the toolchain (for timing and for
/// warming a cache ahead of time).
pub fn provision(what: Option<&str>) -> Result<(), String> {
    let started = Instant::now();
    match what {
        Some("kotlin") => toolchains::kotlin().map(|_| ()),
        Some("swift") => toolchains::swift().map(|_| ()),
        _ => Err("provision takes `kotlin` or `swift`".into()),
    }?;
    eprintln!("provision: done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}
