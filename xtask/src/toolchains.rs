//! Provisioning of the Kotlin (JVM) and Swift (Linux) toolchains used by the binding tests,
//! following `../shared/toolchains.md`: kotlinc from the npm package `kotlin-compiler`, JNA and
//! JUnit from Debian, Swift 6 inside a Debian trixie root built once with debootstrap.
//!
//! Everything downloaded lives under `${SOLACE_CACHE:-$HOME/.cache/solace}`, outside the clone,
//! and is reused when present. Toolchains already installed on the host are used as they are.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run;

/// Version of the npm package `kotlin-compiler` (the full JetBrains distribution).
const KOTLIN_VERSION: &str = "2.4.20";
/// Debian suite that ships `swiftlang` (6.0.x).
const SWIFT_SUITE: &str = "trixie";
/// Debian mirror for the trixie root.
const DEBIAN_MIRROR: &str = "http://deb.debian.org/debian";
/// Packages installed in the trixie root: Swift, its C/C++ headers, and CA certificates (the
/// core's HTTP client loads the platform's roots even for plain-HTTP loopback tests).
const SWIFT_PACKAGES: &[&str] = &[
    "swiftlang",
    "libc6-dev",
    "libstdc++-14-dev",
    "ca-certificates",
];
/// Present in the root once `ca-certificates` is installed.
const CA_BUNDLE: &str = "etc/ssl/certs/ca-certificates.crt";
/// Written into the trixie root once Swift is installed in it; absent means "start over".
const ROOT_READY_MARKER: &str = ".solace-swift-ready";

/// The cache directory: `$SOLACE_CACHE`, else `$HOME/.cache/solace`, else `/var/cache/solace`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SOLACE_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => PathBuf::from(home).join(".cache/solace"),
        None => PathBuf::from("/var/cache/solace"),
    }
}

fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// True when `program args…` starts and exits successfully (used to probe for tools).
fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Some(text)
}

fn is_root() -> bool {
    output_of("id", &["-u"]).is_some_and(|s| s.trim() == "0")
}

/// `apt-get install -y PACKAGES` on the host (through sudo when not root), with one
/// `apt-get update` first so a fresh machine's empty package lists do not fail the install.
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let sudo = !is_root();
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        } else {
            Command::new("apt-get")
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run("apt-get update", &mut apt(&["update", "-q"]))?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    run(
        &format!("apt-get install {}", packages.join(" ")),
        &mut apt(&args),
    )
}

/// Makes sure poppler-utils (`pdftotext`, `pdftoppm`) is installed: the therapist report's
/// tests read the PDF back with it (they require it in CI through `SOLACE_REQUIRE_POPPLER`).
pub fn poppler() -> Result<(), String> {
    if succeeds("pdftotext", &["-v"]) {
        return Ok(());
    }
    apt_install(&["poppler-utils"])
}

/// Paths to everything the Kotlin tests need.
pub struct Kotlin {
    /// The `kotlinc` launcher.
    pub kotlinc: PathBuf,
    /// `kotlin-stdlib.jar` (needed on the runtime class path).
    pub stdlib: PathBuf,
    /// `kotlinx-coroutines-core-jvm.jar` (for async bindings).
    pub coroutines: PathBuf,
    /// JNA, used by the generated bindings to load the native library.
    pub jna: PathBuf,
    /// JUnit 4 and its Hamcrest dependency.
    pub junit: Vec<PathBuf>,
}

fn kotlin_major(kotlinc: &str) -> Option<u32> {
    let text = output_of(kotlinc, &["-version"])?;
    let version = text.split("kotlinc-jvm ").nth(1)?;
    version.split('.').next()?.trim().parse().ok()
}

fn find_jar(dirs: &[PathBuf], names: &[&str]) -> Option<PathBuf> {
    dirs.iter()
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

/// Finds or installs kotlinc 2.x, the JDK, JNA and JUnit.
pub fn kotlin() -> Result<Kotlin, String> {
    if !succeeds("java", &["-version"]) || !succeeds("javac", &["-version"]) {
        eprintln!("kotlin: no JDK found; installing one from Debian");
        apt_install(&["default-jdk-headless"])?;
    }

    let system_java = PathBuf::from("/usr/share/java");
    let jna_names = ["jna.jar"];
    let junit_names = ["junit4.jar"];
    let hamcrest_names = ["hamcrest.jar", "hamcrest-core.jar", "hamcrest-all.jar"];
    let dirs = [system_java.clone()];
    if find_jar(&dirs, &jna_names).is_none()
        || find_jar(&dirs, &junit_names).is_none()
        || find_jar(&dirs, &hamcrest_names).is_none()
    {
        eprintln!("kotlin: JNA/JUnit not found in /usr/share/java; installing from Debian");
        apt_install(&["libjna-java", "junit4"])?;
    }
    let jna = find_jar(&dirs, &jna_names).ok_or("JNA jar missing after install")?;
    let junit = find_jar(&dirs, &junit_names).ok_or("JUnit jar missing after install")?;
    let hamcrest = find_jar(&dirs, &hamcrest_names).ok_or("Hamcrest jar missing after install")?;

    // A system kotlinc is used when it is 2.x and its distribution ships the coroutines jar;
    // Debian's kotlin 1.3 is too old for the generated code.
    if let Some(kotlinc) = which("kotlinc") {
        if kotlin_major(&kotlinc.to_string_lossy()).is_some_and(|m| m >= 2) {
            if let Ok(real) = std::fs::canonicalize(&kotlinc) {
                if let Some(home) = real.parent().and_then(Path::parent) {
                    let lib = home.join("lib");
                    let stdlib = lib.join("kotlin-stdlib.jar");
                    let coroutines = lib.join("kotlinx-coroutines-core-jvm.jar");
                    if stdlib.is_file() && coroutines.is_file() {
                        eprintln!("kotlin: using system kotlinc at {}", kotlinc.display());
                        return Ok(Kotlin {
                            kotlinc,
                            stdlib,
                            coroutines,
                            jna,
                            junit: vec![junit, hamcrest],
                        });
                    }
                }
            }
        }
    }

    let home = cache_dir().join(format!("kotlin-compiler-{KOTLIN_VERSION}"));
    let kotlinc = home.join("package/bin/kotlinc");
    if !kotlinc.is_file() {
        if !succeeds("npm", &["--version"]) {
            eprintln!("kotlin: npm not found; installing it from Debian");
            apt_install(&["npm"])?;
        }
        let partial = cache_dir().join(format!("kotlin-compiler-{KOTLIN_VERSION}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        create_dir(&partial)?;
        eprintln!("kotlin: downloading kotlin-compiler@{KOTLIN_VERSION} from npm (~90 MB)");
        run(
            "npm pack kotlin-compiler",
            Command::new("npm")
                .args([
                    "pack",
                    &format!("kotlin-compiler@{KOTLIN_VERSION}"),
                    "--silent",
                ])
                .arg("--pack-destination")
                .arg(&partial),
        )?;
        let tarball = std::fs::read_dir(&partial)
            .map_err(|e| format!("cannot list {}: {e}", partial.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "tgz"))
            .ok_or("npm pack produced no .tgz")?;
        run(
            "unpack kotlin-compiler",
            Command::new("tar")
                .arg("xzf")
                .arg(&tarball)
                .arg("-C")
                .arg(&partial),
        )?;
        let _ = std::fs::remove_file(&tarball);
        let _ = std::fs::remove_dir_all(&home);
        std::fs::rename(&partial, &home)
            .map_err(|e| format!("cannot move {} into place: {e}", partial.display()))?;
    } else {
        eprintln!("kotlin: using cached kotlinc at {}", kotlinc.display());
    }
    let lib = home.join("package/lib");
    Ok(Kotlin {
        kotlinc,
        stdlib: lib.join("kotlin-stdlib.jar"),
        coroutines: lib.join("kotlinx-coroutines-core-jvm.jar"),
        jna,
        junit: vec![junit, hamcrest],
    })
}

/// Looks a program up on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Where Swift runs: on the host (a system toolchain) or inside the cached trixie root.
pub enum Swift {
    /// `swift` is on the host's `PATH`.
    Host,
    /// Swift is installed inside this Debian trixie root; run it with [`ChrootGuard`].
    Chroot(PathBuf),
}

/// Finds a host Swift toolchain or builds (once) the Debian trixie root holding `swiftlang`.
pub fn swift() -> Result<Swift, String> {
    if succeeds("swift", &["--version"]) && std::env::var_os("SOLACE_SWIFT_CHROOT").is_none() {
        eprintln!("swift: using the host toolchain");
        return Ok(Swift::Host);
    }
    let root = cache_dir().join(format!("swift-{SWIFT_SUITE}-root"));
    if root.join(ROOT_READY_MARKER).is_file() {
        eprintln!(
            "swift: using the cached {SWIFT_SUITE} root at {}",
            root.display()
        );
        if !root.join(CA_BUNDLE).is_file() {
            // Roots built before CA certificates were part of the recipe.
            let guard = ChrootGuard::mount(&root)?;
            install_in_root(&guard, &["ca-certificates"])?;
        }
        return Ok(Swift::Chroot(root));
    }
    if !is_root() {
        return Err(
            "building the Swift root needs root (debootstrap, chroot, mount); \
             run as root or install Swift 6 on the host"
                .into(),
        );
    }
    if !succeeds("debootstrap", &["--version"]) && which("debootstrap").is_none() {
        apt_install(&["debootstrap"])?;
    }
    if root.exists() {
        // A half-built root from an interrupted run: make sure nothing is mounted in it, then
        // start over.
        let proc_dir = root.join("proc");
        if is_mounted(&proc_dir) {
            let _ = Command::new("umount").arg("-l").arg(&proc_dir).status();
        }
        eprintln!("swift: removing an incomplete root at {}", root.display());
        std::fs::remove_dir_all(&root)
            .map_err(|e| format!("cannot remove {}: {e}", root.display()))?;
    }
    create_dir(&root)?;
    eprintln!(
        "swift: building a Debian {SWIFT_SUITE} root with debootstrap (one time, a few minutes)"
    );
    run(
        "debootstrap",
        Command::new("debootstrap")
            .args(["--variant=minbase", SWIFT_SUITE])
            .arg(&root)
            .arg(DEBIAN_MIRROR),
    )?;
    let _ = std::fs::copy("/etc/resolv.conf", root.join("etc/resolv.conf"));
    {
        let guard = ChrootGuard::mount(&root)?;
        run(
            "apt-get update (trixie root)",
            &mut guard.command("apt-get", &["update", "-q"]),
        )?;
        eprintln!("swift: installing swiftlang in the root (~3 GB unpacked, ~1 minute)");
        install_in_root(&guard, SWIFT_PACKAGES)?;
        run(
            "apt-get clean (trixie root)",
            &mut guard.command("apt-get", &["clean"]),
        )?;
    }
    std::fs::write(root.join(ROOT_READY_MARKER), SWIFT_SUITE)
        .map_err(|e| format!("cannot mark the root ready: {e}"))?;
    Ok(Swift::Chroot(root))
}

/// `apt-get install PACKAGES` inside the root.
fn install_in_root(guard: &ChrootGuard, packages: &[&str]) -> Result<(), String> {
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    run(
        &format!("apt-get install {} (trixie root)", packages.join(" ")),
        &mut guard.command("apt-get", &args),
    )
}

fn is_mounted(dir: &Path) -> bool {
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") else {
        return false;
    };
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return false;
    };
    let dir = dir.to_string_lossy().into_owned();
    mounts
        .lines()
        .any(|line| line.split_whitespace().nth(1) == Some(dir.as_str()))
}

/// `/proc` mounted inside a chroot for as long as this value lives; dropping it (also on an
/// early return or a panic) unmounts it again.
pub struct ChrootGuard {
    root: PathBuf,
    mounted_here: bool,
}

impl ChrootGuard {
    /// Mounts `/proc` inside `root` (unless it already is).
    pub fn mount(root: &Path) -> Result<Self, String> {
        let proc_dir = root.join("proc");
        create_dir(&proc_dir)?;
        if is_mounted(&proc_dir) {
            // Left over from an interrupted run (a signal skips `Drop`): take it over so it is
            // unmounted when this run ends.
            eprintln!("swift: reusing a stale /proc mount in {}", root.display());
            return Ok(Self {
                root: root.to_path_buf(),
                mounted_here: true,
            });
        }
        let status = Command::new("mount")
            .args(["-t", "proc", "proc"])
            .arg(&proc_dir)
            .status()
            .map_err(|e| format!("mount could not start: {e}"))?;
        if !status.success() {
            return Err(format!("mounting /proc in {} failed", root.display()));
        }
        Ok(Self {
            root: root.to_path_buf(),
            mounted_here: true,
        })
    }

    /// A command that runs `program args…` inside the root, with a clean environment.
    pub fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("chroot");
        cmd.arg(&self.root)
            .arg(program)
            .args(args)
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("HOME", "/root")
            .env("LANG", "C.UTF-8")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .current_dir("/"); // `chroot` itself also changes to the new root.
        cmd
    }
}

impl Drop for ChrootGuard {
    fn drop(&mut self) {
        if !self.mounted_here {
            return;
        }
        let proc_dir = self.root.join("proc");
        let ok = Command::new("umount")
            .arg(&proc_dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            // Something still holds it (a straggling process): detach it lazily instead.
            let _ = Command::new("umount").arg("-l").arg(&proc_dir).status();
        }
    }
}
