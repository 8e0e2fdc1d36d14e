//! `solace today`: the widget's snapshot on the command line — the mood checked in today, the
//! habits with their marks, today's step and the next reminder still to come.

mod common;

use common::{ok, solace};

#[test]
fn today_shows_what_the_widget_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("store");
    ok(&data, &["init"]);
    let empty = ok(&data, &["today"]);
    assert_eq!(empty["last_mood"], serde_json::Value::Null, "{empty}");
    assert_eq!(empty["checked_in_today"], false);

    ok(&data, &["mood", "log", "7"]);
    ok(&data, &["habit", "add", "Walk", "--schedule", "daily"]);
    ok(&data, &["habit", "check", "Walk"]);
    // A reminder at 23:59 is still to come unless the test runs in the last minute of a day.
    ok(
        &data,
        &[
            "habit",
            "add",
            "Read",
            "--schedule",
            "daily",
            "--remind",
            "23:59",
        ],
    );
    ok(&data, &["plan", "set", "put on walking shoes"]);

    let snap = ok(&data, &["today"]);
    assert_eq!(snap["last_mood"]["mood"], 7, "{snap}");
    assert_eq!(snap["checked_in_today"], true);
    let habits: Vec<(String, bool)> = snap["habits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap().to_owned(),
                h["done_today"] == true,
            )
        })
        .collect();
    assert_eq!(habits, [("Read".into(), false), ("Walk".into(), true)]);
    assert_eq!(snap["plan"]["step"], "put on walking shoes");

    let text = solace(&data, &["today"]);
    // `solace()` passes --json; the text form is checked through the plain binary below.
    assert!(text.status.success());
    let plain = std::process::Command::new(env!("CARGO_BIN_EXE_solace"))
        .arg("today")
        .env("SOLACE_DATA_DIR", &data)
        .env("SOLACE_KEY_DIR", data.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", common::PASS)
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains("Mood: 7 today"), "{plain}");
    assert!(plain.contains("✓ Walk"), "{plain}");
    assert!(
        plain.contains("Today's step: put on walking shoes"),
        "{plain}"
    );
}
