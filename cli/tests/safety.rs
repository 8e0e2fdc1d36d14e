//! End-to-end tests of the safety flow's fallbacks: PHQ-9 item 9 > 0 shows crisis resources
//! and the "not an emergency service" notice when the stored plan or the assessment history
//! was tampered with, and when the store cannot be opened at all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

const PASS: &str = "cobalt lantern tundra oyster";
const ITEM9: &str = "0,0,0,0,0,0,0,0,2";
const NOTICE: &str = "cannot respond to emergencies";

struct Solace {
    dir: TempDir,
}

impl Solace {
    fn init() -> Self {
        let s = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = s.run(&["init"], PASS);
        assert!(out.status.success(), "{}", text(&out.stderr));
        s
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, args: &[&str], pass: &str) -> Output {
        self.command(args, pass).output().unwrap()
    }

    fn command(&self, args: &[&str], pass: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_solace"));
        cmd.args(args)
            .env("SOLACE_DATA_DIR", self.data())
            .env("SOLACE_KEY_DIR", self.dir.path().join("keys"))
            .env("SOLACE_PASSPHRASE", pass)
            .env("HOME", self.dir.path())
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_STATE_HOME")
            .stdin(Stdio::null());
        cmd
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, PASS);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Flips every byte of the sealed blob of every record of `kind` in the store file.
fn damage(data: &Path, kind: &str) {
    let conn = rusqlite::Connection::open(data.join("solace.db")).unwrap();
    let rows: Vec<(Vec<u8>, Vec<u8>)> = conn
        .prepare("SELECT id, blob FROM records WHERE kind = ?1")
        .unwrap()
        .query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!rows.is_empty(), "no {kind} record to damage");
    for (id, blob) in rows {
        let flipped: Vec<u8> = blob.iter().map(|b| !b).collect();
        conn.execute(
            "UPDATE records SET blob = ?1 WHERE id = ?2",
            rusqlite::params![flipped, id],
        )
        .unwrap();
    }
}

#[test]
fn a_tampered_plan_or_history_still_shows_the_safety_screen() {
    let s = Solace::init();
    s.ok(&["safety-plan", "add", "help-contacts", "My sister Ana"]);
    s.ok(&["assess", "phq9", "--answers", "1,1,1,1,1,1,1,1,0"]);
    damage(&s.data(), "safety_plan");

    // The plan cannot be read: built-in resources, the notice and a clear line.
    let shown = s.ok(&["safety-plan"]);
    assert!(shown.contains("could not be read"), "{shown}");
    assert!(shown.contains(NOTICE), "{shown}");
    assert!(shown.contains("emergency number"), "{shown}");
    assert!(!shown.contains("My sister Ana"), "{shown}");
    let json: Value = serde_json::from_str(&s.ok(&["--json", "safety-plan"])).unwrap();
    assert_eq!(json["plan_unreadable"], true, "{json}");
    assert_eq!(json["settings_unreadable"], false, "{json}");

    // The assessment still opens the safety flow and is stored.
    let taken = s.ok(&["assess", "phq9", "--answers", ITEM9]);
    assert!(taken.contains("could not be read"), "{taken}");
    assert!(taken.contains(NOTICE), "{taken}");
    assert!(taken.contains("PHQ-9 total: 2"), "{taken}");

    // Now the history is damaged too (every stored assessment).
    damage(&s.data(), "assessment");
    let out = s.run(&["--json", "assess", "phq9", "--answers", ITEM9], PASS);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let submitted: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(text(&out.stderr).contains(NOTICE), "{}", text(&out.stderr));
    assert_eq!(submitted["safety"]["plan_unreadable"], true, "{submitted}");
    assert!(submitted["safety"]["disclaimer"]
        .as_str()
        .unwrap()
        .contains(NOTICE));
    assert_eq!(submitted["change"], Value::Null);
    assert_eq!(submitted["save_error"], Value::Null);
}

#[test]
fn an_unopenable_store_still_shows_the_safety_screen_and_exits_non_zero() {
    let s = Solace::init();
    s.ok(&["safety-plan", "add", "help-contacts", "My sister Ana"]);

    // Wrong passphrase (the device is forgotten first, so the passphrase is needed).
    s.ok(&["lock"]);
    let out = s.run(
        &["assess", "phq9", "--answers", ITEM9],
        "not the passphrase",
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(stdout.contains(NOTICE), "{stdout}");
    assert!(stdout.contains("could not be read"), "{stdout}");
    assert!(stdout.contains("NOT saved"), "{stdout}");
    assert!(text(&out.stderr).contains("wrong passphrase"));

    // A corrupt store file.
    std::fs::write(s.data().join("solace.db"), vec![0x5a; 8192]).unwrap();
    let _ = std::fs::remove_file(s.data().join("solace.db-wal"));
    let out = s.run(&["assess", "phq9", "--answers", ITEM9], PASS);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(stdout.contains(NOTICE), "{stdout}");
    assert!(stdout.contains("PHQ-9 total: 2"), "{stdout}");
    let out = s.run(&["safety-plan"], PASS);
    assert!(text(&out.stdout).contains(NOTICE));

    // The questionnaire on stdin: the screen opens right after item 9, before the score.
    let mut child = s
        .command(&["assess", "phq9"], PASS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"0\n0\n0\n0\n0\n0\n0\n0\n1\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(stdout.contains("could not be opened"), "{stdout}");
    let screen = stdout.find(NOTICE).expect(&stdout);
    let total = stdout.find("PHQ-9 total: 1").expect(&stdout);
    assert!(screen < total, "{stdout}");
    assert!(stdout.contains("NOT saved"), "{stdout}");

    // No store at all: still the screen, with the reason after it.
    let none = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(["assess", "phq9", "--answers", ITEM9])
        .env("SOLACE_DATA_DIR", none.path().join("data"))
        .env("SOLACE_KEY_DIR", none.path().join("keys"))
        .env("SOLACE_PASSPHRASE", PASS)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out.stdout).contains(NOTICE));
}
