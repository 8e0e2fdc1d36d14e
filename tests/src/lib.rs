//! Harness for the cross-crate end-to-end tests: starts a real `solace server` process on a
//! loopback port against SQLite or PostgreSQL, captures its logs, and tears it down.
//!
//! PostgreSQL comes from `SOLACE_TEST_PG_URL` (see `scripts/pg.sh`); each server gets a fresh
//! database. Without that variable the PostgreSQL cases are skipped with a note, unless
//! `SOLACE_REQUIRE_PG=1`, which makes them fail instead.

pub mod device;
pub mod hostile;
pub mod http;
pub mod proxy;
pub mod scan;
pub mod store;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A storage backend for the server under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL from `SOLACE_TEST_PG_URL`.
    Postgres,
}

/// The backends to run a test against: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    if std::env::var("SOLACE_TEST_PG_URL").is_ok() {
        out.push(Backend::Postgres);
    } else if std::env::var("SOLACE_REQUIRE_PG").as_deref() == Ok("1") {
        panic!("SOLACE_REQUIRE_PG=1 but SOLACE_TEST_PG_URL is not set (run scripts/pg.sh)");
    } else {
        eprintln!("note: SOLACE_TEST_PG_URL not set; PostgreSQL cases skipped (run scripts/pg.sh)");
    }
    out
}

/// The `solace` binary built for this test run (built on demand if missing).
pub fn solace_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join(format!("solace{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "-p", "solace-cli"])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building the solace binary failed");
    }
    bin
}

/// Runs one SQL command with `psql` against `url`; a failure names the command.
pub(crate) fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql must be installed for PostgreSQL tests");
    assert!(
        out.status.success(),
        "psql failed: {}: {sql}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Everything stored by the server as text, for plaintext canary scans.
pub fn dump_database(server: &TestServer) -> Vec<u8> {
    match &server.database {
        Db::Sqlite(path) => {
            let mut all = Vec::new();
            for suffix in ["", "-wal"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                all.extend(std::fs::read(PathBuf::from(p)).unwrap_or_default());
            }
            all
        }
        Db::Postgres { url, .. } => {
            let out = Command::new("pg_dump")
                .args([url.as_str(), "--data-only"])
                .output()
                .expect("pg_dump");
            assert!(
                out.status.success(),
                "pg_dump failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        }
    }
}

enum Db {
    Sqlite(PathBuf),
    Postgres {
        url: String,
        admin: String,
        name: String,
    },
}

/// A running server process; killed (and its PostgreSQL database dropped) on drop.
pub struct TestServer {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// File receiving the server's logs (stdout and stderr).
    pub log_path: PathBuf,
    database: Db,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server on `backend` with extra environment settings.
    pub fn start(backend: Backend, env: &[(&str, &str)]) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = match backend {
            Backend::Sqlite => Db::Sqlite(dir.path().join("server.db")),
            Backend::Postgres => {
                let admin = std::env::var("SOLACE_TEST_PG_URL").expect("SOLACE_TEST_PG_URL");
                let mut r = [0u8; 6];
                getrandom_fill(&mut r);
                let name = format!("solace_e2e_{}", hex::encode(r));
                psql(&admin, &format!("CREATE DATABASE {name}"));
                let url = match admin.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("SOLACE_TEST_PG_URL must end in /DATABASE"),
                };
                Db::Postgres { url, admin, name }
            }
        };
        let db_setting = match &database {
            Db::Sqlite(p) => format!("sqlite:{}", p.display()),
            Db::Postgres { url, .. } => url.clone(),
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let listen = format!("127.0.0.1:{port}");
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).expect("log file");
        let log2 = log.try_clone().expect("log file");
        let mut cmd = Command::new(solace_binary());
        cmd.arg("server")
            .env("SOLACE_SERVER_LISTEN", &listen)
            .env("SOLACE_SERVER_DATABASE", &db_setting)
            .env("RUST_LOG", "info")
            .current_dir(dir.path())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start solace server");
        let server = TestServer {
            child,
            url: format!("http://{listen}"),
            log_path,
            database,
            _dir: dir,
        };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let healthy = reqwest::blocking::get(format!("{}/v1/health", self.url))
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if healthy {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "server did not start; log:\n{}",
            std::fs::read_to_string(&self.log_path).unwrap_or_default()
        );
    }

    /// Direct access to the server's own database, for hostile edits.
    pub fn db(&self) -> hostile::ServerDb {
        match &self.database {
            Db::Sqlite(path) => hostile::ServerDb::Sqlite(path.clone()),
            Db::Postgres { url, .. } => hostile::ServerDb::Postgres(url.clone()),
        }
    }

    /// The server's log output so far.
    pub fn logs(&self) -> Vec<u8> {
        std::fs::read(&self.log_path).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Db::Postgres { admin, name, .. } = &self.database {
            let _ = Command::new("psql")
                .args([
                    admin.as_str(),
                    "-q",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ])
                .output();
        }
    }
}

fn getrandom_fill(buf: &mut [u8]) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut x = (nanos as u64) ^ (u64::from(std::process::id()) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    for b in buf {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
