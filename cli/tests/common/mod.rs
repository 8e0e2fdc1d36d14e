//! Shared helpers for the client's end-to-end tests: run the `solace` binary on a data
//! directory, and a real `solace server` child process on a free loopback port.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The passphrase every test store uses.
pub const PASS: &str = "cobalt lantern tundra oyster";

/// A `solace server` child process, killed on drop.
pub struct ServerProcess {
    child: Child,
    /// Its base URL.
    pub url: String,
}

impl ServerProcess {
    /// Starts a server on a fresh SQLite database under `dir` and waits until it listens.
    pub fn start(dir: &Path) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_solace"))
            .arg("server")
            .env("SOLACE_SERVER_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "SOLACE_SERVER_DATABASE",
                format!("sqlite:{}", dir.join("server.db").display()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        ServerProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `solace --json ARGS` on the store in `data` (its keys beside it, the test passphrase),
/// not started yet: for a test that must start and kill it itself.
pub fn command(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_solace"));
    cmd.arg("--json")
        .args(args)
        .env("SOLACE_DATA_DIR", data)
        .env("SOLACE_KEY_DIR", data.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", PASS)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::null());
    cmd
}

/// Runs `solace --json ARGS` on the store in `data`.
pub fn solace(data: &Path, args: &[&str]) -> std::process::Output {
    command(data, args).output().unwrap()
}

/// Runs a command that must succeed and returns its JSON output (`null` when it printed none).
pub fn ok(data: &Path, args: &[&str]) -> Value {
    let out = solace(data, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{args:?}: {}", String::from_utf8_lossy(&out.stdout)))
}
