//! `solace server` as a service manager stops it: on SIGTERM the node drains — `/readyz`
//! answers 503 at once while `/livez` still answers — and exits cleanly after the grace.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn sigterm_drains_then_exits() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_solace"))
        .arg("server")
        .env("SOLACE_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "SOLACE_SERVER_DATABASE",
            format!("sqlite:{}", dir.path().join("server.db").display()),
        )
        .env("SOLACE_SERVER_DRAIN_SECS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(port, "/readyz").is_none_or(|a| !a.starts_with("HTTP/1.1 200")) {
        assert!(Instant::now() < deadline, "server did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut saw_draining = false;
    while sent.elapsed() < Duration::from_millis(1500) {
        if let Some(answer) = get(port, "/readyz") {
            if answer.starts_with("HTTP/1.1 503") {
                saw_draining = true;
                let live = get(port, "/livez").unwrap_or_default();
                assert!(live.starts_with("HTTP/1.1 200"), "{live}");
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(saw_draining, "readiness failed during the drain");
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(sent.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    assert!(
        sent.elapsed() >= Duration::from_millis(1900),
        "stopped before the grace ended"
    );
}
