//! The therapist console in a real browser (Debian's Chromium driven by playwright-core), end to
//! end: a real `solace server`; a client (through the CLI) links choosing that results and risk
//! alerts flow on their own, answers a PHQ-9 with item 9 = 1 after one of 14 (both shared, one
//! risk alert), shares a journal entry and sends a message; the
//! therapist opens `solace console` with its one-time link, sees the alert first and
//! acknowledges it,
//! accepts their call request, keeps a draft, sees a new message arrive without a reload,
//! reads the message, the PHQ-9 chart (a reliable improvement marked) and the journal entry,
//! replies, writes a private note and opens the summary, and the browser checks what must be refused and runs axe-core
//! on every screen (`console/browser/console.test.mjs`). The client then reads the reply, and a
//! canary scan finds neither the reply nor the note in the server's database.
//!
//! Needs Chromium and the npm packages: `bash scripts/browser.sh` (which `cargo xtask ci` runs
//! first). Without them this test fails with that instruction; it never skips.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{ok, ServerProcess, PASS};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn field(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

/// Every file of the server's SQLite database (main file and WAL) contains none of `needle`.
fn server_files_lack(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("server.db"))
        .all(|e| {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
}

#[test]
fn a_therapist_uses_the_console_in_chromium() {
    let browser_dir = repo().join("console/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir() && Path::new(&chromium).exists(),
        "the console's browser test needs Chromium and its npm packages: run `bash scripts/browser.sh`"
    );
    let tmp = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(tmp.path());
    let (therapist, client) = (tmp.path().join("t"), tmp.path().join("c"));
    ok(&therapist, &["init"]);
    ok(&client, &["init"]);
    ok(
        &therapist,
        &[
            "therapist",
            "register",
            "--server",
            &server.url,
            "--username",
            "dr-lee",
            "--name",
            "Dr. Lee",
            "--specialty",
            "anxiety",
            "--approach",
            "cbt",
            "--language",
            "en",
            "--slot",
            "2026-12-01T10:00:00Z/60",
            "--response-window-hours",
            "24",
        ],
    );
    ok(
        &client,
        &["register", "--server", &server.url, "--username", "sam"],
    );
    let found = ok(&client, &["directory", "search", "--specialty", "anxiety"]);
    assert_eq!(
        found[0]["profile"]["response_window_hours"], 24,
        "the client sees the therapist's promise: {found}"
    );
    // The client chooses, at link time, that results and risk alerts flow on their own.
    let link = ok(
        &client,
        &[
            "link",
            "request",
            &field(&found[0], "therapist_id"),
            "--share-assessments",
            "--risk-alerts",
        ],
    );
    ok(
        &therapist,
        &["link", "accept", &field(&link, "link_id")[..6]],
    );
    ok(&client, &["sync"]);

    // The client: a PHQ-9 of 14, then one with item 9 = 1 (their own safety flow runs as
    // always); both shared and one risk alert sent on their own; a journal entry shared; a
    // message and a call request.
    ok(
        &client,
        &["assess", "phq9", "--answers", "3,3,2,2,1,1,1,1,0"],
    );
    let flagged = ok(
        &client,
        &["assess", "phq9", "--answers", "1,1,0,1,0,0,0,0,1"],
    );
    assert!(
        flagged["safety"].is_object(),
        "the client's own safety flow: {flagged}"
    );
    let told = flagged["told"].to_string();
    assert!(
        told.contains("Shared with Dr. Lee") && told.contains("will get a risk alert"),
        "{told}"
    );
    // The choices can be read and changed later (synced to the client's devices).
    let consent = ok(&client, &["link", "consent", "Dr. Lee"]);
    assert_eq!(
        (
            consent["share_assessments"].clone(),
            consent["risk_alerts"].clone()
        ),
        (true.into(), true.into())
    );
    let off = ok(
        &client,
        &["link", "consent", "Dr. Lee", "--share-assessments", "off"],
    );
    assert_eq!(off["share_assessments"], false, "{off}");
    assert_eq!(off["risk_alerts"], true, "{off}");
    // Two check-ins today, and the mood trend shared from now on (daily averages only).
    ok(&client, &["mood", "log", "4", "--note", "slept badly"]);
    ok(&client, &["mood", "log", "7"]);
    let mood = ok(
        &client,
        &["link", "consent", "Dr. Lee", "--share-mood", "on"],
    );
    assert_eq!(mood["share_mood"], true, "{mood}");
    ok(
        &client,
        &["journal", "add", "the thought record from Tuesday"],
    );
    // A CBT thought record, answered through a pipe as in a terminal.
    let answers = "Boss frowned in the meeting\nI'm going to be fired\nanxious:80\n\
                   6\nDeadline slipped\nGood review last month\n\
                   She may have been tired\nanxious:35\n";
    let mut piped = Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(["--json", "journal", "add", "--thought-record"])
        .env("SOLACE_DATA_DIR", &client)
        .env("SOLACE_KEY_DIR", client.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", PASS)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut piped.stdin.take().unwrap(), answers.as_bytes()).unwrap();
    assert!(piped.wait_with_output().unwrap().status.success());
    for entry in ok(&client, &["journal", "list"]).as_array().unwrap() {
        ok(
            &client,
            &["share", "item", "Dr. Lee", &field(entry, "id")[..8]],
        );
    }
    let message = "the breathing exercise helped on the bus";
    ok(&client, &["message", "send", "Dr. Lee", message]);
    ok(
        &client,
        &["call", "request", "Dr. Lee", "2026-12-01T10:15:00Z", "10"],
    );
    // A second client asks to link; the therapist answers in the console.
    let second = tmp.path().join("c2");
    ok(&second, &["init"]);
    ok(
        &second,
        &["register", "--server", &server.url, "--username", "ana"],
    );
    ok(
        &second,
        &["link", "request", &field(&found[0], "therapist_id")],
    );
    // The client's sync sends the mood trend (shares are refreshed on every sync).
    ok(&client, &["sync"]);
    ok(&therapist, &["sync"]);
    // The therapist's sign-in expires while they are away (aged in the server's database):
    // the console must keep working locally and offer to sign in again.
    let expired = rusqlite::Connection::open(tmp.path().join("server.db"))
        .unwrap()
        .execute(
            "UPDATE tokens SET expires_at = 0 WHERE device_id IN (SELECT d.id FROM devices d \
             JOIN accounts a ON a.id = d.account_id WHERE a.username = 'dr-lee')",
            [],
        )
        .unwrap();
    assert!(expired >= 1, "the therapist's token was aged");

    // The therapist's console.
    let mut console = Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(["console", "--listen", "127.0.0.1:0"])
        .env("SOLACE_DATA_DIR", &therapist)
        .env("SOLACE_KEY_DIR", therapist.with_extension("keys"))
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(console.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.trim().starts_with("http://").then(|| l.trim().to_owned()))
        .expect("solace console prints its link");
    // Keep reading what it prints, as a terminal would.
    std::thread::spawn(move || lines.for_each(drop));
    let reply = "canary-reply-7f3a: let us talk about the bus on Thursday";
    let note = "canary-note-91c2: avoidance on public transport";
    let shots = repo().join("target/console-screenshots");
    let run = Command::new("node")
        .arg(browser_dir.join("console.test.mjs"))
        .current_dir(&browser_dir)
        .env("CONSOLE_URL", &url)
        .env("CONSOLE_PASSPHRASE", PASS)
        .env("CLIENT_NAME", "sam")
        .env("CLIENT_MESSAGE", message)
        .env("SHARED_TITLE", "PHQ-9 score 4")
        .env("SHARED_TEXT", "the thought record from Tuesday")
        .env("THOUGHT", "She may have been tired")
        .env("REPLY", reply)
        .env("NOTE", note)
        .env("SECOND_CLIENT", "ana")
        .env("SCREENSHOTS", &shots)
        .env("CHROMIUM", &chromium)
        .env("SOLACE_BIN", env!("CARGO_BIN_EXE_solace"))
        .env("CLIENT_DIR", &client)
        .env("CLIENT_KEYS", client.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", PASS)
        .env("LIVE_MESSAGE", "one more thing before Thursday")
        .output()
        .unwrap();
    let _ = console.kill();
    let _ = console.wait();
    assert!(
        run.status.success(),
        "browser run failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: Value = serde_json::from_slice(
        run.stdout
            .split(|&b| b == b'\n')
            .rfind(|l| l.starts_with(b"{"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(summary["ok"], true, "{summary}");
    for shot in [
        "1-unlock",
        "2-caseload",
        "3-client",
        "4-replied",
        "5-measures",
    ] {
        assert!(shots.join(format!("{shot}.png")).is_file(), "{shot}");
    }

    let links = ok(&second, &["link", "list"]);
    assert_eq!(
        links[0]["state"], "active",
        "accepted in the console: {links}"
    );

    // The reply went out through the therapist's outbox (the console synced it) and the
    // client reads it; the server never held it in clear.
    ok(&therapist, &["sync"]);
    ok(&client, &["sync"]);
    let thread = ok(&client, &["message", "read", "Dr. Lee"]);
    assert!(thread.to_string().contains(reply), "{thread}");
    // Opening the conversation in the console read the client's message: a read receipt.
    let mine = ok(&client, &["message", "list", "Dr. Lee"]);
    assert_eq!(mine[0]["status"], "read", "{mine}");
    assert!(server_files_lack(tmp.path(), "canary-reply-7f3a"));
    // The note synced as a sealed record of the therapist's own: on the server, never readable.
    let status = ok(&therapist, &["status"]);
    assert_eq!(status["pending_changes"], 0, "{status}");
    assert!(server_files_lack(tmp.path(), "canary-note-91c2"));
    assert!(server_files_lack(tmp.path(), message));
}
