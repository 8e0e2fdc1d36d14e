//! End-to-end tests of `solace backup` and `solace restore`: the real binary, a round trip
//! into a new store, refusal to overwrite a file or a store without being asked, and a
//! damaged backup refused whole.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;

/// The passphrase every test store uses; it clears the strength bar.
const PASS: &str = "cobalt lantern tundra oyster";

fn solace_with(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(args)
        .env("SOLACE_DATA_DIR", data)
        .env("SOLACE_KEY_DIR", data.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", PASS)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    child.wait_with_output().unwrap()
}

fn ok_json(data: &Path, args: &[&str]) -> Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = solace_with(data, &full, "");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn journal_texts(data: &Path) -> String {
    ok_json(data, &["journal", "list"]).to_string()
}

#[test]
fn backup_and_restore_round_trip_and_refuse_what_was_not_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ok_json(&a, &["init"]);
    ok_json(&a, &["journal", "add", "before the backup"]);
    ok_json(&a, &["mood", "log", "6"]);
    let file = tmp.path().join("a.solace-backup");
    let path = file.to_str().unwrap();
    let written = ok_json(&a, &["backup", "--out", path]);
    assert_eq!(written["records"], 2);
    assert_eq!(
        written["bytes"],
        std::fs::metadata(&file).unwrap().len(),
        "{written}"
    );
    // An existing file is kept unless --force.
    let again = solace_with(&a, &["backup", "--out", path], "");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    ok_json(&a, &["backup", "--out", path, "--force"]);

    // Into a new directory: no question.
    let restored = ok_json(&b, &["restore", path]);
    assert_eq!(restored["records"], 2);
    assert_eq!(restored["replaced"], false);
    assert!(journal_texts(&b).contains("before the backup"));

    // Onto an existing store: the confirmation must be typed exactly.
    ok_json(&b, &["journal", "add", "only on b"]);
    let refused = solace_with(&b, &["restore", path], "nope\n");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already exists"));
    assert!(journal_texts(&b).contains("only on b"), "nothing replaced");
    let confirmed = solace_with(&b, &["--json", "restore", path], "replace\n");
    assert!(
        confirmed.status.success(),
        "{}",
        String::from_utf8_lossy(&confirmed.stderr)
    );
    assert!(!journal_texts(&b).contains("only on b"));
    ok_json(&b, &["journal", "add", "only on b again"]);
    ok_json(&b, &["restore", path, "--yes"]);
    assert!(!journal_texts(&b).contains("only on b again"));

    // A damaged backup is refused and builds nothing.
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let bad = tmp.path().join("bad");
    std::fs::write(&bad, &bytes).unwrap();
    let c = tmp.path().join("c");
    let out = solace_with(&c, &["restore", bad.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("damaged"));
    assert!(!c.join("solace.db").exists());
}

#[test]
fn a_restored_store_logs_in_as_a_new_device_and_sends_what_waited() {
    let tmp = tempfile::tempdir().unwrap();
    let server = common::ServerProcess::start(tmp.path());
    let url = server.url.clone();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    ok_json(&a, &["init"]);
    ok_json(&a, &["register", "--server", &url, "--username", "dee"]);
    ok_json(&a, &["journal", "add", "never synced before the backup"]);
    let file = tmp.path().join("a.backup");
    ok_json(&a, &["backup", "--out", file.to_str().unwrap()]);
    ok_json(&b, &["restore", file.to_str().unwrap()]);
    let status = ok_json(&b, &["status"]);
    assert_eq!(
        status["sync"]["username"],
        Value::Null,
        "not signed in: {status}"
    );
    let sent = ok_json(&b, &["login", "--server", &url, "--username", "dee"]);
    assert_eq!(sent["pushed"], 1, "{sent}");
    ok_json(&c, &["login", "--server", &url, "--username", "dee"]);
    assert!(journal_texts(&c).contains("never synced before the backup"));
    // A local store that was never this account's is refused.
    let d = tmp.path().join("d");
    ok_json(&d, &["init"]);
    let out = solace_with(&d, &["login", "--server", &url, "--username", "dee"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("keys are not the account's"));
}
