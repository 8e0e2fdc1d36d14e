//! `solace console` as a user runs it: it refuses a store that does not exist and a
//! non-loopback address (without --allow-remote and TLS), and otherwise prints a one-time
//! link that signs the browser in.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The passphrase every test store uses (the same as `common::PASS`).
const PASS: &str = "cobalt lantern tundra oyster";

fn solace(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_solace"));
    cmd.env("SOLACE_DATA_DIR", data)
        .env("SOLACE_KEY_DIR", data.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", PASS)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::null());
    cmd
}

#[test]
fn the_console_prints_a_link_that_works_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("store");
    let none = solace(&data).arg("console").output().unwrap();
    assert!(!none.status.success(), "no store yet");
    assert!(solace(&data).arg("init").output().unwrap().status.success());
    let remote = solace(&data)
        .args(["console", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!remote.status.success());
    assert!(
        String::from_utf8_lossy(&remote.stderr).contains("--allow-remote"),
        "{}",
        String::from_utf8_lossy(&remote.stderr)
    );
    // --allow-remote alone is not enough: TLS is required for other machines.
    let no_tls = solace(&data)
        .args(["console", "--listen", "0.0.0.0:0", "--allow-remote"])
        .output()
        .unwrap();
    assert!(!no_tls.status.success());
    assert!(
        String::from_utf8_lossy(&no_tls.stderr).contains("--tls-cert"),
        "{}",
        String::from_utf8_lossy(&no_tls.stderr)
    );

    let mut child = solace(&data)
        .args(["console", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.trim()
                .strip_prefix("http://")
                .map(|u| format!("http://{u}"))
        })
        .expect("a link");
    assert!(url.contains("/?token="), "{url}");
    let (host_port, _) = url["http://".len()..].split_once('/').unwrap();
    let get = |path: &str| -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(host_port).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer
    };
    let path = &url[url.find("/?").unwrap()..];
    let first = get(path);
    assert!(first.starts_with("HTTP/1.1 303"), "{first}");
    assert!(first.contains("set-cookie: solace_console="), "{first}");
    assert!(get(path).starts_with("HTTP/1.1 403"), "used once");
    child.kill().unwrap();
    child.wait().unwrap();
}
