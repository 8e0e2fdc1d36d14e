//! A person's device driven through the real `solace` binary: its own data directory and
//! home, the passphrase from `SOLACE_PASSPHRASE`, and a complete, deterministic view of its
//! decrypted contents to compare before and after an attack.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::solace_binary;

/// The passphrase of every harness account (long enough for any strength estimator).
pub const PASSPHRASE: &str = "violet harbor quietly folds ninety paper lanterns at dusk";

/// One device: a data directory and a home directory (for anything kept outside the store,
/// such as the remembered device key).
pub struct Device {
    /// The data directory (`SOLACE_DATA_DIR`).
    pub data: PathBuf,
    home: PathBuf,
    _dir: tempfile::TempDir,
}

/// What one command did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The stderr lines starting with `warning:` that mention quarantine.
    pub fn quarantine_warnings(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.trim_start().to_lowercase().starts_with("warning:"))
            .filter(|l| l.to_lowercase().contains("quarantin"))
            .collect()
    }
}

impl Default for Device {
    fn default() -> Self {
        Device::new()
    }
}

impl Device {
    /// A device with an empty data directory.
    pub fn new() -> Device {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home dir");
        Device {
            data: dir.path().join("data"),
            home,
            _dir: dir,
        }
    }

    /// Runs `solace ARGS` on this device.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None, &[])
    }

    /// Runs `solace ARGS` with `stdin` piped in (none: no input at all) and extra
    /// environment settings (applied last, so they can replace the harness's own, such as
    /// `SOLACE_PASSPHRASE`).
    pub fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
        use std::io::Write as _;
        let mut cmd = self.command(args);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run solace");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
        Run::from(child.wait_with_output().expect("run solace"))
    }

    /// Starts `solace ARGS` on this device without waiting (stdout and stderr piped, no
    /// stdin), for commands that keep running such as `sync --watch`.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null());
        cmd.spawn().expect("run solace")
    }

    /// The `solace ARGS` command with this device's environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(solace_binary());
        cmd.args(args)
            .env("SOLACE_DATA_DIR", &self.data)
            .env("SOLACE_PASSPHRASE", PASSPHRASE)
            .env("HOME", &self.home)
            .env("SOLACE_KEY_DIR", self.home.join("device-keys"))
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("XDG_CACHE_HOME")
            .env_remove("SOLACE_SERVER")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code,
            Some(0),
            "solace {args:?} failed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
        run.stdout
    }

    /// Runs `solace --json ARGS`, which must succeed, and parses its output (`null` if none).
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        if out.trim().is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("solace {args:?}: {e}: {out}"))
    }

    /// Creates the store.
    pub fn init(&self) {
        self.json(&["init"]);
    }

    /// Writes a realistic store: journal entries (one with title and tag), moods, a habit, a
    /// safety plan, a custom crisis contact (settings) and a PHQ-9 result without the safety
    /// trigger.
    pub fn seed(&self) {
        self.ok(&[
            "journal",
            "add",
            "--title",
            "Monday",
            "--tag",
            "work",
            "tense before the meeting",
        ]);
        self.ok(&["journal", "add", "walked by the river and felt lighter"]);
        self.ok(&["journal", "add", "called my sister"]);
        self.ok(&[
            "mood",
            "log",
            "6",
            "--note",
            "steady",
            "--at",
            "2026-11-20T08:00:00+01:00",
        ]);
        self.ok(&["mood", "log", "4", "--at", "2026-11-21T08:00:00+01:00"]);
        self.ok(&["habit", "add", "Evening walk", "--schedule", "daily"]);
        self.ok(&["safety-plan", "add", "warning-signs", "Not sleeping"]);
        self.ok(&["safety-plan", "contact", "My therapist", "call 0123 456"]);
        self.ok(&["assess", "phq9", "--answers", "1,1,0,1,0,0,1,0,0"]);
    }

    /// Registers this store as the first device of `username` at `url`.
    pub fn register(&self, url: &str, username: &str) {
        self.ok(&["register", "--server", url, "--username", username]);
    }

    /// Sets this (empty) device up as another device of `username`.
    pub fn login(&self, url: &str, username: &str) -> Run {
        self.run(&["login", "--server", url, "--username", username])
    }

    /// `solace sync` (text mode, so warnings go to stderr as a person sees them).
    pub fn sync(&self) -> Run {
        self.run(&["sync"])
    }

    /// `solace status --json`.
    pub fn status(&self) -> Value {
        self.json(&["status"])
    }

    /// Records held in quarantine (`quarantined` of `status --json`); fails if it is missing.
    pub fn quarantined(&self) -> u64 {
        let status = self.status();
        status["quarantined"].as_u64().unwrap_or_else(|| {
            panic!("`solace status --json` has no integer `quarantined` field: {status}")
        })
    }

    /// `quarantined` of `status --json` if present: for readings before an attack, so that a
    /// build without the field fails on what the attack did rather than on the missing field.
    pub fn quarantined_before(&self) -> u64 {
        self.status()["quarantined"].as_u64().unwrap_or(0)
    }

    /// Local changes not yet on the server.
    pub fn pending(&self) -> u64 {
        let status = self.status();
        let sync = status["sync"]["pending"].as_u64();
        let top = status["pending_changes"].as_u64();
        sync.or(top)
            .unwrap_or_else(|| panic!("no pending count in status: {status}"))
    }

    /// Every record the device shows, decrypted: the lossless JSON export without its
    /// export-time metadata, as `{"records": {kind: [{id, data}…]}}` sorted by id.
    pub fn records(&self) -> Value {
        let file = self.home.join("export.json");
        let path = file.to_str().expect("utf-8 path");
        self.ok(&["export", "--format", "json", "--out", path]);
        let text = std::fs::read_to_string(&file).expect("read export");
        let _ = std::fs::remove_file(&file);
        let export: Value = serde_json::from_str(&text).expect("export is JSON");
        let records: serde_json::Map<String, Value> = export
            .as_object()
            .expect("export is an object")
            .iter()
            .filter(|(_, v)| v.is_array())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::json!({ "records": records })
    }

    /// The device's full decrypted contents: [`Device::records`] plus the journal, mood and
    /// habit lists as a person sees them.
    pub fn contents(&self) -> Value {
        let mut all = self.records();
        all["journal"] = self.json(&["journal", "list"]);
        all["mood"] = self.json(&["mood", "list"]);
        all["habits"] = self.json(&["habit", "list", "--all"]);
        all
    }

    /// Record ids by kind tag, from the export.
    pub fn ids(&self, kind: &str) -> Vec<String> {
        ids_of(&self.records(), kind)
    }

    /// Runs PHQ-9 with item 9 answered "more than half the days": it must exit 0 and show
    /// crisis resources and the "cannot respond to emergencies" notice.
    pub fn assert_safety_flow(&self, context: &str) {
        let run = self.run(&["assess", "phq9", "--answers", "0,0,0,0,0,0,0,0,2"]);
        let all = format!("{}\n{}", run.stdout, run.stderr).to_lowercase();
        assert_eq!(
            run.code,
            Some(0),
            "{context}: the safety flow failed:\n{all}"
        );
        assert!(
            all.contains("crisis"),
            "{context}: no crisis resources shown:\n{all}"
        );
        assert!(
            all.contains("emergenc"),
            "{context}: no emergency notice shown:\n{all}"
        );
        let plan = self.run(&["safety-plan"]);
        assert_eq!(
            plan.code,
            Some(0),
            "{context}: `solace safety-plan` failed:\n{}",
            plan.stderr
        );
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }
}

/// Whether every record `part` shows is shown identically by `whole` (nothing forged).
pub fn is_subset(part: &Value, whole: &Value) -> bool {
    let (Some(p), Some(w)) = (part["records"].as_object(), whole["records"].as_object()) else {
        return false;
    };
    p.iter().all(|(kind, list)| {
        let theirs = w.get(kind).and_then(Value::as_array);
        list.as_array()
            .is_none_or(|mine| mine.iter().all(|r| theirs.is_some_and(|t| t.contains(r))))
    })
}

/// Record ids of `kind` in a [`Device::records`] or [`Device::contents`] value.
pub fn ids_of(contents: &Value, kind: &str) -> Vec<String> {
    contents["records"][kind]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
