use chrono::{FixedOffset, NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::*;
use crate::crypto::kdf::KdfParams;
use crate::mood;

const DAYLIO_CURRENT: &str = "\u{feff}full_date,date,weekday,time,mood,activities,note_title,note\r\n\
2024-03-05,March 5,Tuesday,21:10,rad,friends | walk | 🎸 guitar,Good day,\"Line one, with a comma\r\nline \"\"two\"\" 🌞\"\r\n\
2024-03-04,March 4,Monday,9:05 AM,Awful,,,\r\n\
2024-03-03,March 3,Sunday,9:10 PM,meh,work,,just \"ok\"\r\n";

const DAYLIO_OLDER: &str = "full_date,date,weekday,time,mood,activities,note\n\
2019-01-02,January 2,Wednesday,8:00 pm,good,reading | reading,\"déjà vu\nagain\"\n";

const DAYLIO_YEAR: &str = "year,date,weekday,time,mood,activities,note\n\
2017,March 5,Sunday,21:10,bad,,\n";

const BEARABLE: &str = "Date formatted,Weekday,Time of day,Category,Rating/Amount,Detail,Notes\n\
2024-03-05,Tuesday,am,Mood,4,,\n\
2024-03-05,Tuesday,pm,Mood,8,,felt better\n\
2024-03-05,Tuesday,all day,Symptom,2,Headache (Mild),\n\
2024-03-05,Tuesday,all day,Factors,,Exercise,\n\
2024-03-05,Tuesday,all day,Sleep,7.5,,\n\
2024-03-05,Tuesday,all day,Notes,,,\"Long talk 💬\nwith Sam\"\n\
2024-03-06,Wednesday,14:30,Mood,6,,\n\
2024-03-07,Thursday,all day,Activity,,Yoga,\n";

fn plus_one(_: NaiveDateTime) -> FixedOffset {
    FixedOffset::east_opt(3600).unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn new_store(dir: &std::path::Path) -> Store {
    Store::create(dir, crate::passphrase::TEST_PASSPHRASE, KdfParams::FLOOR)
        .unwrap()
        .0
}

fn daylio(text: &str) -> std::result::Result<Vec<ImportedCheckIn>, CsvImportError> {
    parse(CsvSource::Daylio, text, &CsvOptions::default())
}

#[test]
fn daylio_current_layout_with_quotes_crlf_bom_and_emoji() {
    let items = daylio(DAYLIO_CURRENT).unwrap();
    assert_eq!(items.len(), 3);
    let first = &items[0];
    assert_eq!(first.line, 2);
    assert_eq!(first.at, at("2024-03-05 21:10"));
    assert_eq!(first.mood, 10);
    assert_eq!(first.activities, ["friends", "walk", "🎸 guitar"]);
    assert_eq!(
        first.note.as_deref(),
        Some("Good day\nLine one, with a comma\nline \"two\" 🌞")
    );
    assert_eq!(
        first.stored_note().unwrap(),
        "Good day\nLine one, with a comma\nline \"two\" 🌞\n\nActivities: friends, walk, 🎸 guitar"
    );
    assert_eq!((items[1].line, items[1].mood), (4, 1));
    assert_eq!(items[1].at, at("2024-03-04 09:05"));
    assert_eq!(items[1].stored_note(), None);
    assert_eq!(items[2].at, at("2024-03-03 21:10"));
    assert_eq!(items[2].note.as_deref(), Some("just \"ok\""));
}

#[test]
fn daylio_older_layouts() {
    let items = daylio(DAYLIO_OLDER).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].at, at("2019-01-02 20:00"));
    assert_eq!(items[0].mood, 8);
    assert_eq!(items[0].activities, ["reading"]);
    assert_eq!(items[0].note.as_deref(), Some("déjà vu\nagain"));
    let items = daylio(DAYLIO_YEAR).unwrap();
    assert_eq!((items[0].at, items[0].mood), (at("2017-03-05 21:10"), 3));
    // Columns in another order are found by name.
    let items = daylio("Mood,Time,Full_Date\nMEH,07:30,2024-01-01\n").unwrap();
    assert_eq!((items[0].at, items[0].mood), (at("2024-01-01 07:30"), 5));
}

#[test]
fn custom_moods_need_the_map_and_unknown_labels_name_label_and_line() {
    let text = "full_date,time,mood\n2024-03-05,10:00,good\n2024-03-06,10:00,Sleepy 😴\n";
    assert_eq!(
        daylio(text).unwrap_err(),
        CsvImportError::UnknownMood {
            line: 3,
            label: "Sleepy 😴".into()
        }
    );
    assert_eq!(
        CoreError::from(daylio(text).unwrap_err()).to_string(),
        "line 3: unknown mood 'Sleepy 😴'; map it to a number 1-10 (LABEL=N)"
    );
    let mut options = CsvOptions::default();
    options.mood_map.add_entry("sleepy 😴=4").unwrap();
    options.mood_map.add_entry("GOOD=7").unwrap();
    let items = parse(CsvSource::Daylio, text, &options).unwrap();
    assert_eq!(items.iter().map(|i| i.mood).collect::<Vec<_>>(), [7, 4]);
    for bad in ["sleepy", "sleepy=0", "sleepy=11", "=5", "x=five"] {
        assert!(options.mood_map.add_entry(bad).is_err(), "{bad}");
    }
}

#[test]
fn malformed_files_name_the_line() {
    let cases = [
        ("", CsvImportError::NoHeader),
        (
            "date,time,mood\nMarch 5,10:00,good\n",
            CsvImportError::MissingColumn {
                column: "full_date",
            },
        ),
        (
            "full_date,time\n2024-03-05,10:00\n",
            CsvImportError::MissingColumn { column: "mood" },
        ),
        (
            "full_date,time,mood\n2024-03-05,10:00,good\n2024-13-05,10:00,good\n",
            CsvImportError::Line {
                line: 3,
                reason: "the full_date is not a date (YYYY-MM-DD)",
            },
        ),
        (
            "full_date,time,mood\n2024-03-05,25:99,good\n",
            CsvImportError::Line {
                line: 2,
                reason: "the time is not a time (21:10 or 9:10 PM)",
            },
        ),
        (
            "full_date,time,mood,note\n2024-03-05,10:00,good,\"never\nclosed\n",
            CsvImportError::Line {
                line: 2,
                reason: "a quoted field is never closed",
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(daylio(text).unwrap_err(), expected, "{text:?}");
    }
    assert_eq!(
        parse_bytes(CsvSource::Daylio, b"full_date\xff", &CsvOptions::default()).unwrap_err(),
        CsvImportError::NotText
    );
}

#[test]
fn import_dry_run_then_real_then_again_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let items = daylio(DAYLIO_CURRENT).unwrap();

    let dry = import_check_ins(&mut store, &items, true, plus_one).unwrap();
    assert_eq!((dry.imported, dry.already_there, dry.dry_run), (3, 0, true));
    assert!(mood::list(&store, None, None).unwrap().is_empty());

    let done = import_check_ins(&mut store, &items, false, plus_one).unwrap();
    assert_eq!((done.imported, done.already_there), (3, 0));
    let stored = mood::list(&store, None, None).unwrap();
    assert_eq!(stored.len(), 3);
    let last = &stored[2];
    assert_eq!(last.at.to_rfc3339(), "2024-03-05T21:10:00+01:00");
    assert_eq!(last.draft.mood, 10);
    assert!(last
        .draft
        .note
        .as_deref()
        .unwrap()
        .ends_with("Activities: friends, walk, 🎸 guitar"));

    // The same file parsed again: same ids, nothing added (a dry run says so too).
    let again = daylio(DAYLIO_CURRENT).unwrap();
    let dry = import_check_ins(&mut store, &again, true, plus_one).unwrap();
    assert_eq!((dry.imported, dry.already_there), (0, 3));
    let done = import_check_ins(&mut store, &again, false, plus_one).unwrap();
    assert_eq!((done.imported, done.already_there), (0, 3));

    // A check-in deleted after the import stays deleted on a re-import.
    mood::delete(&mut store, &stored[0].id).unwrap();
    let done = import_check_ins(&mut store, &again, false, plus_one).unwrap();
    assert_eq!((done.imported, done.already_there), (0, 3));
    assert_eq!(mood::list(&store, None, None).unwrap().len(), 2);
}

#[test]
fn identical_rows_both_import_once() {
    let text = "full_date,time,mood\n2024-03-05,10:00,good\n2024-03-05,10:00,good\n";
    let items = daylio(text).unwrap();
    assert_ne!(items[0].id, items[1].id);
    assert_eq!(items, daylio(text).unwrap());
    // Another source never shares an id with Daylio.
    let bearable = parse(
        CsvSource::Bearable,
        "date formatted,category,rating/amount\n2024-03-05,Mood,8\n",
        &CsvOptions::default(),
    )
    .unwrap();
    assert!(!items.iter().any(|i| i.id == bearable[0].id));
}

#[test]
fn a_refused_file_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    // The parser refuses before any write; a store failure mid-way rolls back the
    // transaction: an item whose mood breaks the check-in rules stops the import.
    let mut items = daylio(DAYLIO_CURRENT).unwrap();
    items[2].mood = 0;
    assert!(import_check_ins(&mut store, &items, false, plus_one).is_err());
    assert!(mood::list(&store, None, None).unwrap().is_empty());
}

#[test]
fn bearable_sample() {
    let items = parse(CsvSource::Bearable, BEARABLE, &CsvOptions::default()).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!((items[0].at, items[0].mood), (at("2024-03-05 09:00"), 4));
    assert!(items[0].activities.is_empty() && items[0].note.is_none());
    let evening = &items[1];
    assert_eq!(
        (evening.at, evening.mood, evening.line),
        (at("2024-03-05 19:00"), 8, 3)
    );
    assert_eq!(evening.activities, ["Headache (Mild)", "Exercise"]);
    assert_eq!(
        evening.note.as_deref(),
        Some("felt better\n\nLong talk 💬\nwith Sam")
    );
    assert_eq!((items[2].at, items[2].mood), (at("2024-03-06 14:30"), 6));

    let five = CsvOptions {
        mood_scale: MoodScale::Five,
        ..CsvOptions::default()
    };
    let items = parse(
        CsvSource::Bearable,
        "date formatted,category,rating/amount\n2024-03-05,mood,1\n2024-03-05,MOOD,4\n",
        &five,
    )
    .unwrap();
    assert_eq!(items.iter().map(|i| i.mood).collect::<Vec<_>>(), [1, 8]);
    assert_eq!(
        parse(
            CsvSource::Bearable,
            "date formatted,category,rating/amount\n2024-03-05,Mood,8\n",
            &five
        )
        .unwrap_err(),
        CsvImportError::Line {
            line: 2,
            reason: "the mood rating is not a whole number on the scale"
        }
    );
    assert_eq!(
        parse(CsvSource::Bearable, "weekday,category\n", &five).unwrap_err(),
        CsvImportError::MissingColumn {
            column: "date formatted"
        }
    );
    assert_eq!(
        parse(
            CsvSource::Bearable,
            "date formatted,category\n05/03/2024,Mood\n",
            &five
        )
        .unwrap_err(),
        CsvImportError::Line {
            line: 2,
            reason: "the date is not a date (YYYY-MM-DD)"
        }
    );
}

#[test]
fn local_offset_is_an_offset_of_this_machine() {
    let noon = NaiveDate::from_ymd_opt(2024, 6, 1)
        .unwrap()
        .and_time(noon());
    assert!(local_offset(noon).local_minus_utc().abs() <= 14 * 3600);
}

/// Quotes `field` for CSV when it needs it.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ') {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for source in [CsvSource::Daylio, CsvSource::Bearable] {
            let _ = parse_bytes(source, &bytes, &CsvOptions::default());
        }
    }

    #[test]
    fn noisy_text_never_panics(text in "[a-z0-9,\"\r\n|: ]{0,200}") {
        let with_header = format!("full_date,time,mood,activities,note\n{text}");
        let _ = daylio(&with_header);
        let bearable = format!("date formatted,time of day,category,rating/amount,detail,notes\n{text}");
        let _ = parse(CsvSource::Bearable, &bearable, &CsvOptions::default());
    }

    #[test]
    fn any_note_survives_quoting(note in "[\\PC\n]{1,40}", line_end in prop::sample::select(vec!["\n", "\r\n"])) {
        let note = note.trim().replace('\r', "");
        prop_assume!(!note.is_empty());
        let text = format!(
            "full_date,time,mood,note{line_end}2024-03-05,10:00,good,{}{line_end}",
            quote(&note)
        );
        let items = daylio(&text).unwrap();
        prop_assert_eq!(items[0].note.as_deref(), Some(note.as_str()));
    }
}
