//! End-to-end tests of `export`, `import` and `plan`: the real binary, two stores, a lossless
//! JSON round trip through files.

use std::process::{Command, Stdio};

use serde_json::Value;

/// The passphrase every test store uses (the same as `common::PASS`); it clears the strength bar.
const PASS: &str = "cobalt lantern tundra oyster";

fn solace(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_solace"))
        .args(args)
        .env("SOLACE_DATA_DIR", data)
        .env("SOLACE_KEY_DIR", data.with_extension("keys"))
        .env("SOLACE_PASSPHRASE", PASS)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok_json(data: &std::path::Path, args: &[&str]) -> Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = solace(data, &full);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn export_import_round_trip_and_daily_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ok_json(&a, &["init"]);
    ok_json(
        &a,
        &["journal", "add", "Walked, then \"rested\"", "--tag", "walk"],
    );
    ok_json(&a, &["mood", "log", "7", "--note", "fine"]);
    ok_json(
        &a,
        &[
            "habit",
            "add",
            "Walk",
            "--schedule",
            "daily",
            "--if",
            "I finish lunch",
            "--then",
            "walk",
        ],
    );
    ok_json(&a, &["assess", "gad7", "--answers", "1,1,1,1,1,1,1"]);

    assert_eq!(ok_json(&a, &["plan"]), Value::Null);
    let plan = ok_json(
        &a,
        &["plan", "set", "walk around the block", "--habit", "walk"],
    );
    assert_eq!(plan["if_then"]["cue"], "I finish lunch");
    assert_eq!(ok_json(&a, &["plan", "done"])["done"], true);
    let habits = ok_json(&a, &["habit", "list"]);
    assert!(habits.to_string().contains("\"current\":1"), "{habits}");

    let file = tmp.path().join("export.json");
    let written = ok_json(
        &a,
        &[
            "export",
            "--format",
            "json",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(written["files"][0], file.to_str().unwrap());
    ok_json(&b, &["init"]);
    let report = ok_json(&b, &["import", file.to_str().unwrap()]);
    assert!(report["imported"].as_u64().unwrap() >= 6);
    assert_eq!(report["skipped"], 0);
    let file_b = tmp.path().join("export-b.json");
    ok_json(&b, &["export", "--out", file_b.to_str().unwrap()]);
    let strip = |p: &std::path::Path| {
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("exported_at");
        v
    };
    assert_eq!(strip(&file), strip(&file_b));

    let csv_dir = tmp.path().join("csv");
    let csv = ok_json(
        &a,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            csv_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(csv["files"].as_array().unwrap().len(), 6);
    let journal_csv = std::fs::read_to_string(csv_dir.join("journal.csv")).unwrap();
    assert!(journal_csv.contains("\"Walked, then \"\"rested\"\"\""));
    let fhir = tmp.path().join("fhir.json");
    ok_json(
        &a,
        &[
            "export",
            "--format",
            "fhir",
            "--out",
            fhir.to_str().unwrap(),
        ],
    );
    assert!(std::fs::read_to_string(&fhir)
        .unwrap()
        .contains("\"70274-6\""));

    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"format\":\"nope\"}").unwrap();
    let out = solace(&b, &["import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Solace export"));
    let out = solace(&b, &["export", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_export_with_an_invalid_value_imports_nothing_and_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ok_json(&a, &["init"]);
    ok_json(&a, &["mood", "log", "7"]);
    ok_json(&a, &["mood", "log", "5"]);
    ok_json(&a, &["journal", "add", "A good day"]);
    let file = tmp.path().join("export.json");
    ok_json(
        &a,
        &[
            "export",
            "--format",
            "json",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    doc["mood"][1]["data"]["mood"] = 42.into();
    std::fs::write(&file, doc.to_string()).unwrap();

    ok_json(&b, &["init"]);
    let out = solace(&b, &["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mood[1]: mood must be between 1 and 10"),
        "{err}"
    );
    let status = ok_json(&b, &["status"]);
    assert_eq!(status["mood_check_ins"], 0, "{status}");
    assert_eq!(status["journal_entries"], 0, "{status}");
}

#[test]
fn import_from_daylio_and_bearable() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("store");
    ok_json(&data, &["init"]);
    let daylio = tmp.path().join("daylio.csv");
    std::fs::write(
        &daylio,
        "\u{feff}full_date,date,weekday,time,mood,activities,note_title,note\r\n\
         2024-03-05,March 5,Tuesday,9:10 PM,rad,friends | walk,Title 🌞,\"two\r\nlines, \"\"quoted\"\"\"\r\n\
         2024-03-04,March 4,Monday,08:00,Sleepy,,,\r\n",
    )
    .unwrap();
    let daylio = daylio.to_str().unwrap();

    // A custom label without a map: refused, naming label and line, nothing imported.
    let out = solace(&data, &["import", "--from", "daylio", daylio]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // The first row spans lines 2-3 (a quoted note with a line break).
    assert!(err.contains("line 4") && err.contains("Sleepy"), "{err}");
    assert_eq!(
        ok_json(&data, &["mood", "list"]).as_array().unwrap().len(),
        0
    );

    let args = [
        "import",
        "--from",
        "daylio",
        daylio,
        "--mood-map",
        "sleepy=4",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let summary = ok_json(&data, &dry);
    assert_eq!(summary["imported"], 2);
    assert_eq!(summary["dry_run"], true);
    assert_eq!(
        ok_json(&data, &["mood", "list"]).as_array().unwrap().len(),
        0
    );

    let out = solace(&data, &args);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "imported 2 check-ins (0 already there)"
    );
    let list = ok_json(&data, &["mood", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let text = serde_json::to_string(list).unwrap();
    assert!(
        text.contains("Title 🌞\\ntwo\\nlines, \\\"quoted\\\"\\n\\nActivities: friends, walk"),
        "{text}"
    );
    // Again: nothing added.
    let again = ok_json(&data, &args);
    assert_eq!(again["imported"], 0);
    assert_eq!(again["already_there"], 2);
    assert_eq!(
        ok_json(&data, &["mood", "list"]).as_array().unwrap().len(),
        2
    );

    let bearable = tmp.path().join("bearable.csv");
    std::fs::write(
        &bearable,
        "Date formatted,Weekday,Time of day,Category,Rating/Amount,Detail,Notes\n\
         2024-03-06,Wednesday,pm,Mood,7,,\n\
         2024-03-06,Wednesday,all day,Factors,,Exercise,\n",
    )
    .unwrap();
    let summary = ok_json(
        &data,
        &["import", "--from", "bearable", bearable.to_str().unwrap()],
    );
    assert_eq!(summary["imported"], 1);

    // A malformed file names its line and imports nothing; the JSON import is unchanged.
    std::fs::write(
        &bearable,
        "date formatted,category,rating/amount\n2024-03-07,Mood,7\nnot a date,Mood,7\n",
    )
    .unwrap();
    let out = solace(
        &data,
        &["import", "--from", "bearable", bearable.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));
    assert_eq!(
        ok_json(&data, &["mood", "list"]).as_array().unwrap().len(),
        3
    );
}
