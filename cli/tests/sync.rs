//! The terminal client end to end: `solace server` in a child process, `register` on one
//! data directory, `login` on another, `sync` both ways, `status --json`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const PASS: &str = "correct horse battery";

struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn solace(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_solace"))
        .arg("--json")
        .args(args)
        .env("SOLACE_DATA_DIR", data)
        .env("SOLACE_PASSPHRASE", PASS)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(data: &std::path::Path, args: &[&str]) -> Value {
    let out = solace(data, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn register_login_and_sync_through_a_real_server() {
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let _server = ServerProcess(
        Command::new(env!("CARGO_BIN_EXE_solace"))
            .arg("server")
            .env("SOLACE_SERVER_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "SOLACE_SERVER_DATABASE",
                format!("sqlite:{}", tmp.path().join("server.db").display()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&a, &["init"]);
    ok(&a, &["journal", "add", "written on the phone"]);
    let unregistered = solace(&a, &["sync"]);
    assert_eq!(unregistered.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unregistered.stderr).contains("not connected"));
    let report = ok(&a, &["register", "--server", &url, "--username", "ana"]);
    assert_eq!(report["pushed"], 1);
    let wrong = Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(["login", "--server", &url, "--username", "ana"])
        .env("SOLACE_DATA_DIR", tmp.path().join("c"))
        .env("SOLACE_PASSPHRASE", "not the passphrase")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        wrong.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    let pulled = ok(
        &b,
        &[
            "login",
            "--server",
            &url,
            "--username",
            "ana",
            "--device",
            "laptop",
        ],
    );
    assert_eq!(pulled["complete"], true);
    let entries = ok(&b, &["journal", "list"]);
    assert!(
        entries.to_string().contains("written on the phone"),
        "{entries}"
    );
    ok(&b, &["mood", "log", "7"]);
    ok(&b, &["sync"]);
    let back = ok(&a, &["sync"]);
    assert_eq!(back["pulled"], 1);
    let status = ok(&a, &["status"]);
    assert_eq!(status["sync"]["pending"], 0);
    assert_eq!(status["sync"]["username"], "ana");
    assert!(status["sync"]["last_sync_at"].is_string());
}
