//! End-to-end tests of `session`, `assess`, `safety-plan` and `insights`: the real `solace`
//! binary in a temporary data directory, driven through pipes with fast timers.
//!
//! Every `init` runs Argon2id at 64 MiB, so the tests share one store each and stay few.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The passphrase every test store uses (the same as `common::PASS`); it clears the strength bar.
const PASS: &str = "cobalt lantern tundra oyster";

struct Solace {
    dir: TempDir,
}

impl Solace {
    fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn init() -> Self {
        let solace = Self::empty();
        solace.json(&["init"]);
        solace
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_solace"));
        cmd.args(args)
            .env("SOLACE_DATA_DIR", self.dir.path().join("data"))
            .env("SOLACE_KEY_DIR", self.dir.path().join("keys"))
            .env("SOLACE_PASSPHRASE", PASS)
            .env("SOLACE_FAST_TIMERS", "1")
            .env("HOME", self.dir.path())
            .env_remove("XDG_DATA_HOME")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `args` with `stdin` piped in (closed at its end).
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs `args` with `stdin`, asserts success and returns stdout.
    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "{args:?} failed ({:?}): {}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `args --json` with `stdin`, asserts success and parses stdout.
    fn json_in(&self, args: &[&str], stdin: &str) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.ok(&all, stdin);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    fn json(&self, args: &[&str]) -> Value {
        self.json_in(args, "")
    }
}

/// Answers for a CBT reframing session after the technique is chosen.
const CBT_ANSWERS: &str = "Missed the bus\nI always mess up\nfrustrated\n70\n\
     I was late twice this week\nI was on time the other days\n\
     Buses are unreliable; it's not a verdict on me\n30\n";

#[test]
fn sessions_run_pause_resume_and_feed_insights() {
    let s = Solace::init();

    // A full session on a fresh store: mindful breathing (4) with a 4-7-8 pattern, whose
    // 8 cycles of 19 s run in about 1.5 s with fast timers.
    let started = std::time::Instant::now();
    let done = s.json_in(
        &["session", "--breathing", "4-7-8"],
        "4\nfeeling tense before the exam\n4\nshoulders dropped\ncalmer\n4\n1\n",
    );
    assert!(started.elapsed().as_secs() < 30, "timers were not sped up");
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["resumed"], false);
    assert_eq!(done["technique_name"], "Paced breathing");
    let session = &done["session"];
    assert_eq!(session["stage"]["stage"], "done");
    assert_eq!(session["technique"], "mindful_breathing");
    assert_eq!(
        session["breathing"],
        serde_json::json!({"inhale": 4, "hold": 7, "exhale": 8, "hold_after": 0})
    );
    assert_eq!(session["answers"]["breathing"]["seconds"], 8 * 19);
    assert_eq!(session["answers"]["noticed"], "shoulders dropped");
    assert_eq!(session["helpful"], 4);
    assert_eq!(session["follow_up"], "session_tomorrow");

    // The text output of the timer, on a second breathing run: cues with counts.
    let text = s.ok(&["session"], "5\nstressed\n4\n\n\n3\n\n");
    assert!(text.contains("Breathe in… 4"), "{text}");
    assert!(text.contains("Breathe out… 6"), "{text}");
    assert!(text.contains("Session complete."), "{text}");
    assert!(text.contains("Paced breathing"), "{text}");

    // Interrupted: stdin closes right after the check-in (mood ≤ 2 shows the crisis hint).
    let paused = s.ok(&["session"], "2\nI always think I'm a failure\n");
    assert!(
        paused.contains("If you are in crisis: `solace safety-plan`"),
        "{paused}"
    );
    assert!(
        paused.contains("Session paused — run `solace session` to continue."),
        "{paused}"
    );

    // A bad answer through a pipe is an error, and the session stays resumable.
    let bad = s.run(&["session"], "9\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("choose a number from 1 to 6"));

    // Resumed at the technique choice: CBT reframing (the suggestion, accepted with Enter).
    let resumed = s.ok(&["session"], &format!("\n{CBT_ANSWERS}lighter\n5\n4\n"));
    assert!(resumed.contains("Resuming your session from"), "{resumed}");
    assert!(
        resumed.contains("Suggested: Reframe a thought"),
        "{resumed}"
    );
    assert!(
        resumed.contains("thought record was saved to your journal"),
        "{resumed}"
    );

    let entries = s.json(&["journal", "list"]);
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let record = &entries[0]["body"];
    assert_eq!(record["type"], "thought_record", "{record}");
    assert_eq!(entries[0]["tags"][0], "session");
    assert_eq!(record["situation"], "Missed the bus", "{record}");
    assert_eq!(
        record["balanced_thought"],
        "Buses are unreliable; it's not a verdict on me"
    );

    // `--new` sets an unfinished session aside instead of resuming it.
    let paused = s.ok(&["session"], "6\nwork\n");
    assert!(paused.contains("Session paused"));
    let fresh = s.ok(
        &["session", "--new"],
        "7\nproud of a win\n5\na\nb\nc\n\n4\n\n",
    );
    assert!(
        fresh.contains("Set aside the unfinished session"),
        "{fresh}"
    );
    assert!(!fresh.contains("Resuming"), "{fresh}");
    assert!(fresh.contains("Use your strengths"), "{fresh}");

    // Every session's opening mood is a mood check-in (4, 5, 2, 6 set aside, 7), counted
    // where moods count.
    let moods = s.json(&["mood", "list"]);
    let levels: Vec<i64> = moods
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["mood"].as_i64())
        .collect();
    assert_eq!(levels, [4, 5, 2, 6, 7], "{moods}");
    let insights = s.json(&["insights"]);
    assert_eq!(insights["weekly"]["sessions_completed"], 4, "{insights}");
    assert_eq!(insights["weekly"]["check_ins"], 5, "{insights}");
    assert_eq!(insights["weekly"]["journal_entries"], 1);
    let techniques = insights["techniques"].as_array().unwrap();
    let breathing = techniques
        .iter()
        .find(|t| t["technique"] == "mindful_breathing")
        .unwrap();
    assert_eq!(breathing["sessions"], 2);
    assert_eq!(breathing["average_helpful"], 3.5);

    // Nothing is left in progress.
    let again = s.ok(&["session"], "");
    assert!(!again.contains("Resuming"), "{again}");
}

#[test]
fn assessments_safety_plan_and_insights() {
    // The safety screen works even before a store exists.
    let none = Solace::empty();
    let text = none.ok(&["safety-plan"], "");
    assert!(text.contains("cannot respond to emergencies"), "{text}");
    assert!(text.contains("solace init"), "{text}");

    let s = Solace::init();

    // An empty plan is shown, with how to add entries.
    let empty = s.ok(&["safety-plan"], "");
    assert!(empty.contains("Your safety plan is empty"), "{empty}");
    assert!(empty.contains("safety-plan add"), "{empty}");
    assert!(empty.contains("cannot respond to emergencies"), "{empty}");

    s.ok(
        &["safety-plan", "add", "warning-signs", "Not", "sleeping"],
        "",
    );
    s.ok(&["safety-plan", "add", "reasons", "My sister's kids"], "");
    s.ok(&["safety-plan", "add", "2", "Go for a walk"], "");
    s.ok(&["safety-plan", "region", "gb"], "");
    s.ok(&["safety-plan", "contact", "My therapist", "call 0123"], "");
    let plan = s.json(&["safety-plan"]);
    assert_eq!(plan["plan"]["warning_signs"][0], "Not sleeping", "{plan}");
    assert_eq!(plan["plan"]["reasons_for_living"][0], "My sister's kids");
    assert_eq!(plan["plan"]["coping_strategies"][0], "Go for a walk");
    assert_eq!(plan["resources"][0]["name"], "My therapist");
    assert_eq!(plan["resources"][1]["name"], "Samaritans");
    assert!(plan["disclaimer"]
        .as_str()
        .unwrap()
        .contains("cannot respond to emergencies"));

    // Editing: add to section 1, remove the walk from section 2, stop at section 3.
    s.ok(
        &["safety-plan", "edit"],
        "Pulling away from friends\n\n-1\nMusic\n\n",
    );
    let plan = s.json(&["safety-plan"]);
    assert_eq!(
        plan["plan"]["warning_signs"],
        serde_json::json!(["Not sleeping", "Pulling away from friends"])
    );
    assert_eq!(
        plan["plan"]["coping_strategies"],
        serde_json::json!(["Music"])
    );
    s.ok(&["safety-plan", "remove", "warning-signs", "1"], "");
    let plan = s.json(&["safety-plan"]);
    assert_eq!(
        plan["plan"]["warning_signs"],
        serde_json::json!(["Pulling away from friends"])
    );
    assert_eq!(
        s.run(&["safety-plan", "remove", "1", "5"], "")
            .status
            .code(),
        Some(1)
    );

    // PHQ-9 with item 9 = 1: the safety screen comes before the score.
    let text = s.ok(&["assess", "phq9"], "1\n1\n2\n0\n0\n1\n0\n0\n1\n");
    let screen = text.find("cannot respond to emergencies").expect(&text);
    let total = text.find("PHQ-9 total: 6 / 27 — mild").expect(&text);
    assert!(screen < total, "{text}");
    assert!(text.contains("Pulling away from friends"), "{text}");
    assert!(text.contains("Samaritans"), "{text}");

    // A questionnaire cut short saves nothing.
    let short = s.run(&["assess", "gad7"], "1\n2\n");
    assert_eq!(short.status.code(), Some(1));

    let gad = s.json(&["assess", "gad7", "--answers", "3,3,3,3,3,3,3"]);
    assert_eq!(gad["result"]["total"], 21, "{gad}");
    assert_eq!(gad["result"]["severity"], "severe");
    assert!(gad["change"].is_null());
    let text = s.ok(&["assess", "gad7", "--answers", "1,1,1,1,1,1,1"], "");
    assert!(text.contains("GAD-7 total: 7 / 21 — mild"), "{text}");
    assert!(text.contains("-14"), "{text}");
    assert!(text.contains("meaningful change"), "{text}");
    assert_eq!(
        s.run(&["assess", "gad7", "--answers", "1,2"], "")
            .status
            .code(),
        Some(1)
    );

    let history = s.json(&["assess", "history"]);
    assert_eq!(history.as_array().unwrap().len(), 3);
    let gad_history = s.json(&["assess", "history", "gad7"]);
    assert_eq!(gad_history.as_array().unwrap().len(), 2);
    assert_eq!(gad_history[0]["total"], 21);
    let table = s.ok(&["assess", "history"], "");
    assert!(
        table.contains("PHQ-9") && table.contains("severe"),
        "{table}"
    );

    // Insights on a small store.
    s.ok(&["mood", "log", "6"], "");
    s.ok(&["habit", "add", "Walk", "--schedule", "daily"], "");
    s.ok(&["habit", "check", "Walk"], "");
    let insights = s.json(&["insights", "--days", "14"]);
    assert_eq!(insights["weekly"]["check_ins"], 1, "{insights}");
    assert_eq!(insights["weekly"]["habit_completions"], 1);
    assert_eq!(insights["activity_effects_withheld"], 2);
    assert_eq!(insights["habits"][0]["name"], "Walk");
    let text = s.ok(&["insights"], "");
    assert!(text.contains("This week"), "{text}");
    assert!(
        text.contains("2 activities left out for lack of data"),
        "{text}"
    );
    assert!(text.contains("Walk"), "{text}");
}
