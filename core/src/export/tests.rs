//! Export/import: lossless JSON round trip into a fresh store, atomic writes, CSV, Markdown
//! and FHIR content.

use super::*;
use crate::assessments::{self, Instrument};
use crate::crypto::kdf::KdfParams;
use crate::error::ImportError;
use crate::habits::{self, HabitAction, HabitDraft, Schedule};
use crate::journal::{self, Distortion, EmotionRating, JournalBody, JournalDraft, ThoughtRecord};
use crate::mood::{self, MoodDraft};
use crate::safety::{self, Section};
use crate::sessions::{self, Answer, CheckIn, FollowUp, Input, TechniqueId};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn populated(dir: &Path) -> Store {
    let (mut store, _) =
        Store::create(dir, crate::passphrase::TEST_PASSPHRASE, KdfParams::FLOOR).unwrap();
    let now = at("2026-11-20T20:00:00+01:00");
    let e = journal::add(
        &mut store,
        JournalDraft {
            title: Some("Comma, \"quote\"".into()),
            body: JournalBody::Free {
                text: "line one\nline two".into(),
            },
            tags: vec!["a".into()],
        },
        now,
    )
    .unwrap();
    journal::edit(
        &mut store,
        &e.id,
        JournalDraft {
            title: None,
            body: JournalBody::Free {
                text: "edited".into(),
            },
            tags: vec![],
        },
        now,
    )
    .unwrap();
    journal::add(
        &mut store,
        JournalDraft {
            title: None,
            body: JournalBody::ThoughtRecord(ThoughtRecord {
                situation: "s".into(),
                automatic_thought: "t".into(),
                emotions: vec![EmotionRating {
                    emotion: "sad".into(),
                    intensity: 60,
                }],
                distortions: vec![Distortion::Labeling],
                ..ThoughtRecord::default()
            }),
            tags: vec![],
        },
        now,
    )
    .unwrap();
    mood::log(
        &mut store,
        MoodDraft {
            mood: 6,
            note: Some("ok".into()),
            sleep_hours: Some(7.5),
            ..MoodDraft::default()
        },
        now,
    )
    .unwrap();
    let h = habits::add(
        &mut store,
        HabitDraft {
            name: "Walk".into(),
            schedule: Schedule::TimesPerWeek { times: 3 },
            plan: None,
            reminders: vec![],
        },
        now.date_naive(),
        now,
    )
    .unwrap();
    habits::record(&mut store, &h.id, now.date_naive(), HabitAction::Check, now).unwrap();
    assessments::submit(
        &mut store,
        Instrument::Phq9,
        vec![1, 1, 2, 0, 0, 1, 0, 0, 0],
        now,
    )
    .unwrap();
    let mut plan = safety::plan(&store).unwrap();
    plan.section_mut(Section::HelpContacts).push("Ana".into());
    safety::save_plan(&mut store, plan, now).unwrap();
    let mut settings = safety::settings(&store).unwrap();
    settings.region = Some("GB".into());
    safety::save_settings(&mut store, &settings).unwrap();
    let s = sessions::start(&mut store, now).unwrap();
    let s = sessions::advance(
        &mut store,
        &s,
        Input::CheckIn(CheckIn {
            mood: 5,
            on_mind: "x".into(),
        }),
        now,
    )
    .unwrap();
    let mut s = sessions::advance(
        &mut store,
        &s,
        Input::Choose(TechniqueId::StrengthsBased, None),
        now,
    )
    .unwrap();
    for a in ["a", "b", "c"] {
        s = sessions::advance(&mut store, &s, Input::Answer(Answer::Text(a.into())), now).unwrap();
    }
    s = sessions::advance(&mut store, &s, Input::Reflection("r".into()), now).unwrap();
    s = sessions::advance(&mut store, &s, Input::Rating(5), now).unwrap();
    sessions::advance(&mut store, &s, Input::FollowUp(FollowUp::Nothing), now).unwrap();
    crate::plans::set(
        &mut store,
        now.date_naive(),
        "walk",
        Some(h.id),
        Some("after lunch"),
        now,
    )
    .unwrap();
    crate::notes::add(&mut store, "acct-sam", "private: sleep first").unwrap();
    crate::messaging::alerts::acknowledge(&mut store, "m-alert-1").unwrap();
    let form = crate::messaging::intake::IntakeForm {
        therapist: "acct-dr".into(),
        concerns: "panic on the train".into(),
        history: "moved last spring".into(),
        medications: None,
        goals: vec!["ride the train".into()],
        phq9: crate::assessments::score(Instrument::Phq9, vec![1; 9], now).unwrap(),
        gad7: crate::assessments::score(Instrument::Gad7, vec![1; 7], now).unwrap(),
        answered_at: now,
        updated_at: now,
    };
    let intake_id = crate::messaging::intake::record_id("acct-dr");
    store.put(RecordKind::Intake, &intake_id, &form).unwrap();
    let goal = crate::goals::add(
        &mut store,
        "ride the train",
        Some("twice a week"),
        None,
        now,
    )
    .unwrap();
    crate::goals::rate(&mut store, &goal.id, 6, None, now).unwrap();
    store
}

fn without_timestamp(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("exported_at");
    }
    v
}

#[test]
fn json_round_trips_into_a_fresh_store_with_no_loss() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let store = populated(a.path());
    let now = at("2026-11-21T08:00:00Z");
    let first = to_json(&store, now).unwrap();
    for kind in RecordKind::ALL.into_iter().filter(|k| k.exported()) {
        assert!(
            !first[kind.tag()].as_array().unwrap().is_empty(),
            "{} exported nothing",
            kind.tag()
        );
    }
    let (mut fresh, _) =
        Store::create(b.path(), "other tundra pelican sawmill", KdfParams::FLOOR).unwrap();
    let text = serde_json::to_string(&first).unwrap();
    let report = import_json(&mut fresh, &text).unwrap();
    assert_eq!(report.skipped, 0);
    assert_eq!(
        without_timestamp(to_json(&fresh, now).unwrap()),
        without_timestamp(first)
    );
    assert_eq!(
        import_json(&mut fresh, &text).unwrap(),
        ImportReport {
            imported: 0,
            skipped: report.imported
        }
    );
    let entries = journal::list(&fresh, &Default::default()).unwrap();
    assert!(entries.iter().any(|e| e.revisions.len() == 1));
}

#[test]
fn bad_imports_are_refused_and_change_nothing() {
    let a = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::create(
        a.path(),
        crate::passphrase::TEST_PASSPHRASE,
        KdfParams::FLOOR,
    )
    .unwrap();
    assert!(matches!(
        import_json(&mut store, "not json"),
        Err(CoreError::InvalidImport(ImportError::NotJson))
    ));
    assert!(matches!(
        import_json(&mut store, r#"{"format":"other","version":1}"#),
        Err(CoreError::InvalidImport(ImportError::NotSolaceExport))
    ));
    assert!(matches!(
        import_json(&mut store, r#"{"format":"solace-export","version":9}"#),
        Err(CoreError::InvalidImport(ImportError::UnsupportedVersion {
            found: 9
        }))
    ));
    let half_bad = r#"{"format":"solace-export","version":1,
        "mood":[{"id":"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b","data":{"id":"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b","at":"2026-11-01T21:15:00+01:00","mood":6}}],
        "journal":[{"id":"0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a","data":{"nonsense":true}}]}"#;
    assert!(matches!(
        import_json(&mut store, half_bad),
        Err(CoreError::InvalidImport(ImportError::Record {
            kind: "journal",
            index: 0,
            ..
        }))
    ));
    assert_eq!(store.count(RecordKind::Mood).unwrap(), 0);
}

#[test]
fn files_are_written_atomically_and_read_well() {
    let a = tempfile::tempdir().unwrap();
    let store = populated(&a.path().join("store"));
    let out = a.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let now = at("2026-11-21T08:00:00Z");
    export_to(&store, ExportFormat::Json, &out.join("all.json"), now).unwrap();
    export_to(&store, ExportFormat::Json, &out.join("all.json"), now).unwrap();
    let md = out.join("journal.md");
    export_to(&store, ExportFormat::Markdown, &md, now).unwrap();
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.contains("- **Distortions:** labeling"));
    assert!(md.contains("_Edited 1 time(s)"));
    let fhir_path = out.join("fhir.json");
    export_to(&store, ExportFormat::Fhir, &fhir_path, now).unwrap();
    let fhir: Value = serde_json::from_str(&std::fs::read_to_string(fhir_path).unwrap()).unwrap();
    let qr = &fhir["entry"][0]["resource"];
    assert_eq!(qr["resourceType"], "QuestionnaireResponse");
    assert_eq!(qr["questionnaire"], "http://loinc.org/q/44249-1");
    assert_eq!(
        qr["item"][2]["answer"][0]["valueCoding"]["code"],
        "LA6570-1"
    );
    assert_eq!(qr["item"][9]["answer"][0]["valueInteger"], 5);
    let files = export_to(&store, ExportFormat::Csv, &out.join("csv"), now).unwrap();
    assert_eq!(files.len(), 6);
    let journal_csv = std::fs::read_to_string(out.join("csv/journal.csv")).unwrap();
    assert!(
        journal_csv.starts_with("id,created_at,updated_at,template,title,tags,text,revisions\r\n")
    );
    let mood_csv = std::fs::read_to_string(out.join("csv/mood.csv")).unwrap();
    assert!(mood_csv.contains(",6,,,7.5,,ok\r\n"));
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    assert!(export_to(
        &store,
        ExportFormat::Json,
        &a.path().join("missing-dir/x.json"),
        now
    )
    .is_err());
}

#[test]
fn any_invalid_value_imports_nothing_and_is_named() {
    let a = tempfile::tempdir().unwrap();
    let store = populated(a.path());
    let export = to_json(&store, at("2026-11-21T08:00:00Z")).unwrap();
    let long = "x".repeat(1001);
    // (JSON pointer into the export, bad value, expected start of the message)
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/mood/0/data/mood",
            42.into(),
            "mood[0]: mood must be between 1 and 10",
        ),
        (
            "/mood/0/data/energy",
            0.into(),
            "mood[0]: energy must be between 1 and 10",
        ),
        (
            "/mood/0/data/sleep_hours",
            25.into(),
            "mood[0]: sleep hours",
        ),
        (
            "/assessment/0/data/answers/0",
            4.into(),
            "assessment[0].answers:",
        ),
        (
            "/assessment/0/data/total",
            27.into(),
            "assessment[0].total:",
        ),
        (
            "/assessment/0/data/instrument",
            "phq10".into(),
            "assessment[0].data: a field",
        ),
        (
            "/habit/0/data/name",
            " ".into(),
            "habit[0]: habit name must be 1-100",
        ),
        (
            "/habit_event/0/data/day",
            "2030-01-01".into(),
            "habit_event[0].day:",
        ),
        (
            "/journal/0/data/title",
            long.clone().into(),
            "journal[0]: title is longer than",
        ),
        (
            "/safety_plan/0/data/help_contacts/0",
            long.into(),
            "safety_plan[0]: safety-plan entry is longer than",
        ),
        ("/daily_plan/0/data/step", "".into(), "daily_plan[0].step:"),
        (
            "/settings/0/data/region",
            "Atlantis".into(),
            "settings[0].region:",
        ),
        (
            "/mood/0/id",
            "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b".into(),
            "mood[0].id:",
        ),
    ];
    for (pointer, bad, expected) in cases {
        let mut doc = export.clone();
        *doc.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in the export")) = bad;
        let b = tempfile::tempdir().unwrap();
        let (mut fresh, _) = Store::create(
            b.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        match import_json(&mut fresh, &doc.to_string()) {
            Err(CoreError::InvalidImport(err @ ImportError::Record { .. })) => {
                let message = err.to_string();
                assert!(message.starts_with(expected), "{pointer}: {message}");
                assert!(
                    !message.contains("42") && !message.contains("xxxx"),
                    "{message}"
                );
            }
            other => panic!("{pointer}: {other:?}"),
        }
        for kind in RecordKind::ALL {
            assert_eq!(fresh.count(kind).unwrap(), 0, "{pointer}: {}", kind.tag());
        }
    }
}
