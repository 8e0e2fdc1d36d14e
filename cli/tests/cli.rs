//! End-to-end tests: the real `solace` binary in a temporary data directory.
//!
//! Every `init` runs Argon2id at 64 MiB, so the tests share one store each and stay few.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use chrono::{Duration, Local, NaiveDate};
use serde_json::Value;
use tempfile::TempDir;

/// The passphrase every test store uses (the same as `common::PASS`); it clears the strength bar.
const PASS: &str = "cobalt lantern tundra oyster";
/// A second strong passphrase, for `passwd` and `recover`.
const NEW_PASS: &str = "brand new velvet tundra harbor";

struct Solace {
    dir: TempDir,
}

impl Solace {
    /// A fresh, initialized store; returns it with the `init --json` output.
    fn init() -> (Self, Value) {
        let solace = Self::empty();
        let init = solace.json(&["init"]);
        (solace, init)
    }

    fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_solace"));
        cmd.args(args)
            .env("SOLACE_DATA_DIR", self.dir.path().join("data"))
            .env("SOLACE_KEY_DIR", self.dir.path().join("keys"))
            .env("SOLACE_PASSPHRASE", PASS)
            .env("HOME", self.dir.path())
            .env_remove("XDG_DATA_HOME")
            .env_remove("SOLACE_NEW_PASSPHRASE")
            .env_remove("SOLACE_RECOVERY_KEY")
            .stdin(Stdio::null());
        cmd
    }

    fn output(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = self.command(args);
        let Some(input) = stdin else {
            return cmd.output().unwrap();
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs `args`, asserts success and returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.output(args, None);
        assert_success(args, &out);
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `args` with `--json`, asserts success and parses stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    fn json_with_stdin(&self, args: &[&str], stdin: &str) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.output(&all, Some(stdin));
        assert_success(args, &out);
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn assert_success(args: &[&str], out: &Output) {
    assert!(
        out.status.success(),
        "{args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn journal_lifecycle_and_thought_record() {
    let (s, init) = Solace::init();
    let key = init["recovery_key"].as_str().unwrap();
    assert_eq!(key.split('-').count(), 16, "{key}");
    assert_eq!(init["device_remembered"], true);

    let first = s.json(&[
        "journal",
        "add",
        "Walked by the river",
        "--tag",
        "walk",
        "--title",
        "Morning",
    ]);
    let id = first["id"].as_str().unwrap().to_owned();
    let out = s.output(&["journal", "add", "--tag", "sleep"], Some("Slept badly\n"));
    assert_success(&["journal", "add"], &out);

    let list = s.json(&["journal", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let table = s.ok(&["journal", "list", "--tag", "walk"]);
    assert!(
        table.contains("Morning") && table.contains(&id[..8]),
        "{table}"
    );
    assert!(!table.contains("Slept"), "{table}");

    let shown = s.ok(&["journal", "show", &id[..6]]);
    assert!(shown.contains("Walked by the river"), "{shown}");

    s.ok(&["journal", "edit", &id[..8], "Walked by the sea"]);
    let edited = s.json(&["journal", "show", &id, "--revisions"]);
    assert_eq!(edited["body"]["text"], "Walked by the sea");
    assert_eq!(edited["title"], "Morning");
    assert_eq!(edited["tags"], serde_json::json!(["walk"]));
    assert_eq!(edited["revision_count"], 1);
    assert_eq!(
        edited["revisions"][0]["draft"]["body"]["text"],
        "Walked by the river"
    );

    let found = s.json(&["journal", "search", "SEA"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], id.as_str());

    // A thought record driven entirely through a pipe.
    let answers = "Boss frowned in the meeting\nI'm going to be fired\nanxious:80, sad:40\n\
                   6, mind_reading\nDeadline slipped\nGood review last month\n\
                   She may have been tired\nanxious:35\n";
    let record = s.json_with_stdin(&["journal", "add", "--thought-record"], answers);
    assert_eq!(record["body"]["type"], "thought_record");
    assert_eq!(record["body"]["automatic_thought"], "I'm going to be fired");
    assert_eq!(record["body"]["emotions"][1]["intensity"], 40);
    assert_eq!(
        record["body"]["distortions"],
        serde_json::json!(["fortune_telling", "mind_reading"])
    );
    assert_eq!(record["body"]["rerated_emotions"][0]["intensity"], 35);
    // Piped invalid input is an error, not a loop.
    let bad = s.output(
        &["journal", "add", "--thought-record"],
        Some("x\ny\nanxious:200\n"),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("0 to 100"), "{}", stderr(&bad));

    let tags = s.json(&["journal", "tags"]);
    assert_eq!(tags.as_array().unwrap().len(), 2);

    s.ok(&["journal", "delete", &id]);
    assert_eq!(s.json(&["journal", "list"]).as_array().unwrap().len(), 2);
    let missing = s.output(&["journal", "show", &id], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("error: no such journal entry"),
        "{}",
        stderr(&missing)
    );
}

fn day_at(day: NaiveDate, hour: u32) -> String {
    let local = day
        .and_hms_opt(hour, 0, 0)
        .unwrap()
        .and_local_timezone(Local)
        .earliest()
        .unwrap();
    local.to_rfc3339()
}

#[test]
fn mood_stats_and_habit_streaks() {
    let (s, _) = Solace::init();
    let today = Local::now().date_naive();
    for (ago, mood) in [(2, 3), (1, 5), (0, 7)] {
        let at = day_at(today - Duration::days(ago), 8);
        s.ok(&[
            "mood",
            "log",
            &mood.to_string(),
            "--at",
            &at,
            "--emotion",
            "calm",
        ]);
    }
    let stats = s.json(&["mood", "stats", "--days", "7"]);
    assert_eq!(stats["count"], 3);
    assert_eq!(stats["average"].as_f64(), Some(5.0));
    assert_eq!(stats["min"], 3);
    assert_eq!(stats["max"], 7);
    let text = s.ok(&["mood", "stats"]);
    assert!(
        text.contains("5.0 / 10") && text.contains("3 check-ins"),
        "{text}"
    );
    assert_eq!(
        s.json(&["mood", "list", "--days", "2"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let calendar = s.json(&[
        "mood",
        "stats",
        "--calendar",
        &today.format("%Y").to_string(),
    ]);
    assert!(calendar.as_array().unwrap().len() >= 365);

    let start = (today - Duration::days(3)).to_string();
    let habit = s.json(&[
        "habit",
        "add",
        "Evening walk",
        "--schedule",
        "daily",
        "--start",
        &start,
        "--if",
        "I finish dinner",
        "--then",
        "walk 10 minutes",
        "--remind",
        "19:00",
    ]);
    let id = habit["id"].as_str().unwrap().to_owned();
    s.ok(&["habit", "check", &id[..6], "--date", &start]);
    let two_ago = (today - Duration::days(2)).to_string();
    s.ok(&["habit", "check", "evening WALK", "--date", &two_ago]);
    s.ok(&["habit", "skip", &id, "--date", "yesterday"]);
    s.ok(&["habit", "check", &id]);
    s.ok(&["habit", "undo", &id]);
    let marked = s.json(&["habit", "check", &id]);
    assert_eq!(marked["event"]["action"], "check");

    let list = s.json(&["habit", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let stats = s.json(&["habit", "stats", "Evening walk"]);
    // done, done, skipped (keeps the streak without counting), done
    assert_eq!(stats["streaks"]["current"], 3);
    assert_eq!(stats["done_last_30_days"], 3);
    let text = s.ok(&["habit", "stats"]);
    assert!(
        text.contains("If I finish dinner, then I will walk 10 minutes"),
        "{text}"
    );
    let table = s.ok(&["habit", "list"]);
    assert!(
        table.contains("3 days") && table.contains("✓ done"),
        "{table}"
    );

    let unknown = s.output(&["habit", "check", "no such habit"], None);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no such habit"),
        "{}",
        stderr(&unknown)
    );

    s.ok(&["habit", "archive", &id]);
    assert!(s.json(&["habit", "list"]).as_array().unwrap().is_empty());
    assert_eq!(
        s.json(&["habit", "list", "--all"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn lock_unlock_status_recover_and_exit_codes() {
    let none = Solace::empty();
    let out = none.output(&["status"], None);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("solace init"), "{}", stderr(&out));
    let usage = none.output(&["journal", "frobnicate"], None);
    assert_eq!(usage.status.code(), Some(2));

    let (s, init) = Solace::init();
    let status = s.json(&["status"]);
    assert_eq!(status["vault_id"], init["vault_id"]);
    assert_eq!(status["device_remembered"], true);
    assert_eq!(status["kdf"]["memory_kib"], 65536);
    assert!(status["pending_changes"].as_u64().is_some());
    let first_key_id = status["key_id"].as_u64().unwrap();
    assert!(!serde_json::to_string(&status)
        .unwrap()
        .contains(init["recovery_key"].as_str().unwrap()));

    // Remembered device: no passphrase needed (and none can be prompted for without a TTY).
    let out = s
        .command(&["status"])
        .env_remove("SOLACE_PASSPHRASE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    s.ok(&["lock"]);
    let out = s
        .command(&["status"])
        .env("SOLACE_PASSPHRASE", "not the passphrase")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("error: wrong passphrase"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("not the passphrase"));
    let out = s
        .command(&["status"])
        .env_remove("SOLACE_PASSPHRASE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("SOLACE_PASSPHRASE"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.json(&["status"])["device_remembered"], false);

    // Forgotten passphrase: the recovery key sets a new one.
    let out = s
        .command(&["recover"])
        .env(
            "SOLACE_RECOVERY_KEY",
            init["recovery_key"].as_str().unwrap(),
        )
        .env("SOLACE_NEW_PASSPHRASE", NEW_PASS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = s.output(&["status"], None);
    assert_eq!(out.status.code(), Some(3));
    let out = s
        .command(&["unlock"])
        .env("SOLACE_PASSPHRASE", NEW_PASS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let status = s.json(&["status"]);
    assert_eq!(status["device_remembered"], true);
    assert_eq!(
        status["key_id"].as_u64(),
        Some(first_key_id + 1),
        "a new passphrase adds an items key"
    );
}

/// The generated passphrase shown once on stderr (the indented line of words and dashes).
fn shown_passphrase(out: &Output) -> String {
    let err = stderr(out);
    let line = err
        .lines()
        .find(|l| l.starts_with("    ") && l.trim().split('-').count() == 6)
        .unwrap_or_else(|| panic!("no generated passphrase shown: {err}"));
    line.trim().to_owned()
}

#[test]
fn weak_passphrases_are_refused_and_generated_ones_work() {
    let s = Solace::empty();
    let out = s
        .command(&["init"])
        .env("SOLACE_PASSPHRASE", "hunter22")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("strength: very weak"), "{err}");
    assert!(
        err.contains("passphrase rejected: too easy to guess"),
        "{err}"
    );
    assert!(err.contains("--generate-passphrase"), "{err}");
    assert!(!err.contains("hunter22"), "{err}");
    assert_eq!(
        s.output(&["status"], None).status.code(),
        Some(4),
        "nothing created"
    );

    // Both an env passphrase and --generate-passphrase: refused, nothing created.
    let out = s.output(&["init", "--generate-passphrase"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let out = s
        .command(&["--json", "init", "--generate-passphrase"])
        .env_remove("SOLACE_PASSPHRASE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let generated = shown_passphrase(&out);
    assert!(
        stderr(&out).contains("strength: very strong (~centuries offline at 10^10 guesses/s)"),
        "{}",
        stderr(&out)
    );
    let init: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&generated));
    s.ok(&["lock"]);
    let opened = s
        .command(&["status"])
        .env("SOLACE_PASSPHRASE", &generated)
        .output()
        .unwrap();
    assert!(opened.status.success(), "{}", stderr(&opened));

    // passwd: a weak new passphrase is refused and the old one still opens.
    let out = s
        .command(&["passwd"])
        .env("SOLACE_PASSPHRASE", &generated)
        .env("SOLACE_NEW_PASSPHRASE", "password1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("too easy to guess"),
        "{}",
        stderr(&out)
    );
    let out = s
        .command(&["passwd", "--generate-passphrase"])
        .env("SOLACE_PASSPHRASE", &generated)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let second = shown_passphrase(&out);
    assert_ne!(second, generated);
    let wrong = s
        .command(&["status"])
        .env("SOLACE_PASSPHRASE", &generated)
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(3));

    // recover: refused when weak, a generated one otherwise.
    let key = init["recovery_key"].as_str().unwrap();
    let out = s
        .command(&["recover"])
        .env("SOLACE_RECOVERY_KEY", key)
        .env("SOLACE_NEW_PASSPHRASE", "qwertyuiop")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = s
        .command(&["recover", "--generate-passphrase"])
        .env("SOLACE_RECOVERY_KEY", key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let third = shown_passphrase(&out);
    let opened = s
        .command(&["status"])
        .env("SOLACE_PASSPHRASE", &third)
        .output()
        .unwrap();
    assert!(opened.status.success(), "{}", stderr(&opened));
}
