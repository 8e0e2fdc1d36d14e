//! `solace remind`: settings, the next reminders with the adaptive explanation, snooze. The
//! clock is fixed with the hidden `--now`, the zone with `TZ=UTC` (imported check-ins are read
//! in the machine's zone).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn solace(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(args)
        .env("SOLACE_DATA_DIR", data)
        .env("SOLACE_KEY_DIR", data.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", common::PASS)
        .env("TZ", "UTC")
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap()
}

fn json(data: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = solace(data, &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const NOON: &str = "--now=2026-11-26T12:00:00+00:00";

#[test]
fn remind_sets_plans_explains_and_snoozes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("store");
    json(&data, &["init"]);
    // Six evenings of check-ins around 21:10.
    let csv = tmp.path().join("daylio.csv");
    let mut rows = String::from("full_date,date,weekday,time,mood,activities,note\n");
    for (day, time) in [
        (19, "21:05"),
        (20, "21:15"),
        (21, "21:10"),
        (22, "21:00"),
        (23, "21:20"),
        (24, "21:10"),
    ] {
        rows.push_str(&format!("2026-11-{day},Nov {day},x,{time},good,,\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    json(
        &data,
        &["import", "--from", "daylio", csv.to_str().unwrap()],
    );

    let plan = json(&data, &["remind", NOON]);
    assert_eq!(plan["settings"]["check_in"]["enabled"], false, "{plan}");
    assert_eq!(plan["reminders"], serde_json::json!([]));

    let plan = json(
        &data,
        &[
            "remind",
            "set",
            "--time",
            "20:00",
            "--quiet",
            "22:30-07:00",
            "--weekdays",
            "mon,tue,wed,thu,fri",
            NOON,
        ],
    );
    assert_eq!(
        plan["adaptation"]["explanation"], "usually around 21:10",
        "{plan}"
    );
    assert_eq!(plan["adaptation"]["adjusted"], "20:35:00");
    let ids: Vec<&str> = plan["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // Thursday, Friday, then Monday: the weekend is skipped.
    assert_eq!(
        &ids[..3],
        [
            "checkin:-:2026-11-26T20:00",
            "checkin:-:2026-11-27T20:00",
            "checkin:-:2026-11-30T20:00"
        ]
    );
    assert_eq!(plan["reminders"][0]["fire_at"], "2026-11-26T20:35:00Z");
    assert_eq!(plan["reminders"][0]["title"], "Time for your check-in");

    let plan = json(&data, &["remind", "set", "--adaptive", "off", NOON]);
    assert_eq!(plan["adaptation"], Value::Null);
    assert_eq!(plan["reminders"][0]["fire_at"], "2026-11-26T20:00:00Z");

    let snoozed = json(
        &data,
        &[
            "remind",
            "snooze",
            "checkin:-:2026-11-26T20:00",
            "--minutes",
            "15",
            "--now=2026-11-26T20:01:00+00:00",
        ],
    );
    assert_eq!(snoozed["fire_at"], "2026-11-26T20:16:00Z", "{snoozed}");
    let plan = json(&data, &["remind", "--now=2026-11-26T20:02:00+00:00"]);
    assert_eq!(
        plan["reminders"][0]["snoozed"], true,
        "a re-plan keeps the snooze"
    );
    assert_eq!(plan["reminders"][0]["fire_at"], "2026-11-26T20:16:00Z");

    let text = solace(&data, &["remind", NOON]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Check-in reminder: 20:00 Mon,Tue,Wed,Thu,Fri"),
        "{text}"
    );
    assert!(text.contains("Quiet hours: 22:30-07:00"), "{text}");
    assert!(text.contains("checkin:-:2026-11-27T20:00"), "{text}");

    for bad in [
        vec!["remind", "set", "--quiet", "22:30"],
        vec!["remind", "set", "--time", "9pm"],
        vec!["remind", "set", "--snooze-minutes", "0"],
        vec!["remind", "snooze", "checkin:-:2020-01-01T20:00"],
    ] {
        let out = solace(&data, &bad);
        assert!(!out.status.success(), "{bad:?} should fail");
    }
}
