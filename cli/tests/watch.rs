//! `solace sync --watch`: a second device stays in sync with no polling — an entry written
//! and synced on the first device shows up on the watching one through the server's live
//! updates (without them it would wait minutes for its next full sync).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{ok, ServerProcess, PASS};

#[test]
fn a_watching_device_receives_a_change_without_polling() {
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(tmp.path());
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(&a, &["init"]);
    ok(
        &a,
        &["register", "--server", &server.url, "--username", "ana"],
    );
    ok(&b, &["login", "--server", &server.url, "--username", "ana"]);

    let mut watcher = Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(["sync", "--watch"])
        .env("SOLACE_DATA_DIR", &b)
        .env("SOLACE_KEY_DIR", b.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", PASS)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, seen) = mpsc::channel();
    let stdout = watcher.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let next = |what: &str, within: Duration| -> String {
        seen.recv_timeout(within)
            .unwrap_or_else(|_| panic!("no line for {what}"))
    };
    assert!(next("the banner", Duration::from_secs(20)).contains("Watching for changes"));
    let first = next("the first sync", Duration::from_secs(20));
    assert!(first.starts_with("sent "), "{first}");
    // Give the watcher a moment to hold its wait, then change something on the other device.
    std::thread::sleep(Duration::from_millis(500));
    ok(&a, &["journal", "add", "written while the laptop watched"]);
    ok(&a, &["sync"]);
    let round = loop {
        // Well under the 25 s wait and the 5 min resync: only a live wake-up syncs this soon.
        let line = next("the synced change", Duration::from_secs(15));
        if line.starts_with("sent ") {
            break line;
        }
    };
    assert!(round.contains("received 1"), "{round}");
    let _ = watcher.kill();
    let _ = watcher.wait();
    let entries = ok(&b, &["journal", "list"]);
    assert!(
        entries
            .to_string()
            .contains("written while the laptop watched"),
        "{entries}"
    );
}
