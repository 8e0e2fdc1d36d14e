//! The terminal client end to end: `solace server` in a child process, `register` on one
//! data directory, `login` on another, `sync` both ways, `status --json`.

mod common;

use std::process::{Command, Stdio};

use common::{ok, solace, ServerProcess};

#[test]
fn register_login_and_sync_through_a_real_server() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(tmp.path());
    let url = server.url.clone();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&a, &["init"]);
    ok(&a, &["journal", "add", "written on the phone"]);
    let unregistered = solace(&a, &["sync"]);
    assert_eq!(unregistered.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unregistered.stderr).contains("not connected"));
    let report = ok(&a, &["register", "--server", &url, "--username", "ana"]);
    // Registering pushes at once (the new account identity, and with it the entry), so the
    // sync that follows has nothing left to push.
    assert_eq!(report["pushed"], 0);
    assert_eq!(report["complete"], true);
    let wrong = Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(["login", "--server", &url, "--username", "ana"])
        .env("SOLACE_DATA_DIR", tmp.path().join("c"))
        .env("SOLACE_KEY_DIR", tmp.path().join("c.keys"))
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
