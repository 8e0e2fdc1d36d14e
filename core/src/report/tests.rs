use super::*;
use crate::crypto::kdf::KdfParams;
use crate::habits::{HabitAction, HabitDraft};
use crate::journal::{JournalBody, JournalDraft};
use crate::mood::MoodDraft;
use crate::sessions::{CheckIn, MicroSession, Stage, TechniqueId};

fn at(date: &str, hour: u32) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{date}T{hour:02}:00:00+01:00")).unwrap()
}

fn day(date: &str) -> NaiveDate {
    date.parse().unwrap()
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::create(
        &dir.path().join("s"),
        crate::passphrase::TEST_PASSPHRASE,
        KdfParams::FLOOR,
    )
    .unwrap();
    (dir, store)
}

fn entry(store: &mut Store, title: &str, text: &str, when: DateTime<FixedOffset>) -> RecordId {
    let draft = JournalDraft {
        title: Some(title.into()),
        body: JournalBody::Free { text: text.into() },
        tags: vec![],
    };
    crate::journal::add(store, draft, when).unwrap().id
}

fn log_mood(store: &mut Store, mood: u8, when: DateTime<FixedOffset>) -> RecordId {
    let draft = MoodDraft {
        mood,
        ..MoodDraft::default()
    };
    crate::mood::log(store, draft, when).unwrap().id
}

#[test]
fn report_holds_the_period_bands_and_only_picked_entries() {
    let (_dir, mut store) = store();
    let now = at("2026-11-26", 20);
    // Mood: two check-ins on one day (mean 5), one on another, one before the period.
    log_mood(&mut store, 4, at("2026-11-20", 9));
    log_mood(&mut store, 6, at("2026-11-20", 18));
    log_mood(&mut store, 8, at("2026-11-25", 9));
    log_mood(&mut store, 1, at("2026-08-01", 9));
    // Assessments: one in the period (PHQ-9 12 = moderate), one before it.
    let answers = vec![2, 2, 1, 1, 2, 1, 1, 2, 0];
    crate::assessments::submit(&mut store, Instrument::Phq9, answers, at("2026-11-10", 10))
        .unwrap();
    crate::assessments::submit(
        &mut store,
        Instrument::Gad7,
        vec![0; 7],
        at("2026-08-01", 10),
    )
    .unwrap();
    let picked = entry(&mut store, "Picked", "PICKED-TEXT", at("2026-11-21", 8));
    entry(&mut store, "Private", "UNPICKED-TEXT", at("2026-11-22", 8));

    let report = build(&store, now, 30, &[picked]).unwrap();
    assert_eq!(
        (report.from, report.to),
        (day("2026-10-28"), day("2026-11-26"))
    );
    assert_eq!(report.check_ins, 3);
    assert_eq!(
        report
            .mood
            .iter()
            .map(|d| (d.date, d.mean, d.count))
            .collect::<Vec<_>>(),
        vec![(day("2026-11-20"), 5.0, 2), (day("2026-11-25"), 8.0, 1)]
    );
    assert_eq!(report.mood_mean, Some(6.0));
    assert_eq!(
        report.assessments,
        vec![AssessmentRow {
            date: day("2026-11-10"),
            instrument: Instrument::Phq9,
            total: 12,
            max: 27,
            band: Severity::Moderate,
        }]
    );
    assert_eq!(report.entries.len(), 1);
    assert_eq!(report.entries[0].text, "PICKED-TEXT");
    assert_eq!(report.entries[0].date, day("2026-11-21"));
    let json = serde_json::to_string(&report).unwrap();
    assert!(
        !json.contains("UNPICKED-TEXT"),
        "an unpicked entry never enters the report"
    );
    assert_eq!(
        report.created_at, now,
        "the creation date comes from the caller"
    );

    assert!(matches!(
        build(&store, now, 0, &[]),
        Err(CoreError::InvalidInput(_))
    ));
}

#[test]
fn habit_consistency_counts_done_days_against_the_schedule() {
    let (_dir, mut store) = store();
    let now = at("2026-11-28", 20);
    let mk = |name: &str, schedule: Schedule| HabitDraft {
        name: name.into(),
        schedule,
        plan: None,
        reminders: vec![],
    };
    let walk = crate::habits::add(
        &mut store,
        mk("Walk", Schedule::Daily),
        day("2026-11-01"),
        now,
    )
    .unwrap();
    let gym = crate::habits::add(
        &mut store,
        mk("Gym", Schedule::TimesPerWeek { times: 3 }),
        day("2026-10-01"),
        now,
    )
    .unwrap();
    for d in ["2026-11-01", "2026-11-02", "2026-11-15", "2026-11-28"] {
        crate::habits::record(&mut store, &walk.id, day(d), HabitAction::Check, now).unwrap();
    }
    // Done, then undone: does not count.
    crate::habits::record(
        &mut store,
        &walk.id,
        day("2026-11-03"),
        HabitAction::Check,
        now,
    )
    .unwrap();
    crate::habits::record(
        &mut store,
        &walk.id,
        day("2026-11-03"),
        HabitAction::Undo,
        at("2026-11-28", 21),
    )
    .unwrap();
    // Before the period: not counted.
    crate::habits::record(
        &mut store,
        &gym.id,
        day("2026-10-02"),
        HabitAction::Check,
        now,
    )
    .unwrap();
    crate::habits::record(
        &mut store,
        &gym.id,
        day("2026-11-27"),
        HabitAction::Check,
        now,
    )
    .unwrap();

    let report = build(&store, now, 14, &[]).unwrap();
    let gym_row = &report.habits[0];
    let walk_row = &report.habits[1];
    assert_eq!(
        (gym_row.name.as_str(), walk_row.name.as_str()),
        ("Gym", "Walk")
    );
    // 14 days at 3 a week: 6 expected; one done in the period.
    assert_eq!((gym_row.days_done, gym_row.days_expected), (1, 6));
    assert_eq!((walk_row.days_done, walk_row.days_expected), (2, 14));
    // Over 60 days the daily habit counts only from its start (28 days in November).
    let long = build(&store, now, 60, &[]).unwrap();
    assert_eq!(
        (long.habits[1].days_done, long.habits[1].days_expected),
        (4, 28)
    );
    assert!(walk_row.strength > 0.0 && walk_row.strength < 1.0);
    assert_eq!(
        expected(
            &Schedule::Weekdays {
                days: vec![chrono::Weekday::Mon]
            },
            day("2026-01-01"),
            day("2026-11-02"),
            day("2026-11-15"),
        ),
        2
    );
}

#[test]
fn techniques_report_use_helpfulness_and_mood_change() {
    let (_dir, mut store) = store();
    let now = at("2026-11-26", 22);
    let finished = at("2026-11-25", 10);
    let session = MicroSession {
        id: RecordId::generate().unwrap(),
        started_at: at("2026-11-25", 9),
        updated_at: finished,
        finished_at: Some(finished),
        stage: Stage::Done,
        check_in: Some(CheckIn {
            mood: 3,
            on_mind: "work".into(),
        }),
        technique: Some(TechniqueId::MindfulBreathing),
        breathing: None,
        answers: Default::default(),
        reflection: None,
        helpful: Some(4),
        follow_up: None,
        active_seconds: 300,
        journal_entry: None,
        mood_check_in: None,
    };
    store
        .put(RecordKind::Session, &session.id, &session)
        .unwrap();
    log_mood(&mut store, 6, at("2026-11-25", 14));
    let report = build(&store, now, 7, &[]).unwrap();
    assert_eq!(report.techniques.len(), 1);
    let row = &report.techniques[0];
    assert_eq!(row.times_used, 1);
    assert_eq!(row.mean_helpful, Some(4.0));
    assert_eq!(row.mean_mood_change, Some(3.0));
    assert_eq!(row.name, TechniqueId::MindfulBreathing.technique().name);
}

#[test]
fn unknown_or_non_journal_picks_are_refused_by_position() {
    let (_dir, mut store) = store();
    let when = at("2026-11-20", 9);
    let journal = entry(&mut store, "t", "x", when);
    let mood = log_mood(&mut store, 5, when);
    let ok = resolve_entries(
        &store,
        &[journal.to_string(), journal.to_string()[..8].to_owned()],
    )
    .unwrap();
    assert_eq!(ok, vec![journal], "repeats are dropped");
    let err = resolve_entries(&store, &[journal.to_string(), mood.to_string()]).unwrap_err();
    assert!(matches!(
        err,
        CoreError::Report(ReportError::NotAJournalEntry { position: 2 })
    ));
    let unknown = RecordId::generate().unwrap().to_string();
    let err = resolve_entries(&store, &[unknown]).unwrap_err();
    assert!(matches!(
        err,
        CoreError::Report(ReportError::EntryNotFound { position: 1 })
    ));
    assert_eq!(err.to_string(), "picked entry 1 does not exist");
    let err = resolve_entries(&store, &["not an id".into()]).unwrap_err();
    assert!(matches!(
        err,
        CoreError::Report(ReportError::EntryNotFound { position: 1 })
    ));
}
