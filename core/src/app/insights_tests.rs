use chrono::{DateTime, FixedOffset};

use super::*;
use crate::crypto::kdf::KdfParams;
use crate::habits::{HabitAction, HabitDraft, Schedule};
use crate::mood::MoodDraft;
use crate::sessions::techniques::StepKind;
use crate::sessions::{Answer, CheckIn, FollowUp, Input, TechniqueId};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(d: NaiveDate) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{d}T09:00:00+00:00")).unwrap()
}

fn new_store(dir: &std::path::Path) -> Store {
    Store::create(dir, crate::passphrase::TEST_PASSPHRASE, KdfParams::FLOOR)
        .unwrap()
        .0
}

/// A finished session of `technique` rated `helpful`, answering every step plainly.
fn rated_session(store: &mut Store, technique: TechniqueId, helpful: u8, on: NaiveDate) {
    let now = at(on);
    let mut s = sessions::start(store, now).unwrap();
    let check_in = CheckIn {
        mood: 5,
        on_mind: "restless".into(),
    };
    s = sessions::advance(store, &s, Input::CheckIn(check_in), now).unwrap();
    s = sessions::advance(store, &s, Input::Choose(technique, None), now).unwrap();
    while let Some(step) = s.current_step() {
        let answer = match step.kind {
            StepKind::Scale { min, .. } => Answer::Number(min),
            StepKind::Text => Answer::Text("ok".into()),
            _ => Answer::Completed { seconds: 30 },
        };
        s = sessions::advance(store, &s, Input::Answer(answer), now).unwrap();
    }
    s = sessions::advance(store, &s, Input::Reflection("calmer".into()), now).unwrap();
    s = sessions::advance(store, &s, Input::Rating(helpful), now).unwrap();
    sessions::advance(store, &s, Input::FollowUp(FollowUp::Nothing), now).unwrap();
}

#[test]
fn an_empty_store_says_there_is_nothing_yet() {
    let dir = tempfile::tempdir().unwrap();
    let store = new_store(dir.path());
    let charts = insights(&store, 30, day("2026-03-10")).unwrap();
    assert_eq!(charts.headline, "No check-ins in the last 30 days");
    assert!(charts.mood.points.is_empty());
    assert_eq!(
        (charts.mood.x_count, charts.mood.y_min, charts.mood.y_max),
        (30, 1.0, 10.0)
    );
    assert_eq!(
        charts.mood.accessibility_label,
        "Mood chart: no check-ins in the last 30 days"
    );
    let labels: Vec<&str> = charts
        .weekdays
        .bars
        .iter()
        .map(|b| b.label.as_str())
        .collect();
    assert_eq!(labels, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    assert!(charts
        .weekdays
        .bars
        .iter()
        .all(|b| b.value.is_none() && b.detail == "no check-ins"));
    assert_eq!(
        charts.weekdays.accessibility_label,
        "Mood by weekday: no check-ins in the last 30 days"
    );
    assert!(charts.habits.bars.is_empty());
    assert_eq!(charts.habits.accessibility_label, "No habits yet");
    assert!(charts.techniques.bars.is_empty());
    assert_eq!(
        charts.techniques.accessibility_label,
        "No rated sessions yet"
    );
}

#[test]
fn check_ins_habits_and_ratings_become_charts_and_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let today = day("2026-03-10"); // a Tuesday
    for (d, mood) in [("2026-03-06", 3), ("2026-03-08", 5), ("2026-03-10", 8)] {
        let draft = MoodDraft {
            mood,
            ..MoodDraft::default()
        };
        mood::log(&mut store, draft, at(day(d))).unwrap();
    }
    let draft = HabitDraft {
        name: "Stretch".into(),
        schedule: Schedule::Daily,
        plan: None,
        reminders: vec![],
    };
    let start = day("2026-03-07");
    let habit = habits::add(&mut store, draft, start, at(start)).unwrap();
    for d in ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"] {
        habits::record(
            &mut store,
            &habit.id,
            day(d),
            HabitAction::Check,
            at(day(d)),
        )
        .unwrap();
    }
    rated_session(
        &mut store,
        TechniqueId::MindfulBreathing,
        5,
        day("2026-03-09"),
    );
    rated_session(&mut store, TechniqueId::MindfulBreathing, 4, today);
    rated_session(&mut store, TechniqueId::StrengthsBased, 3, today);

    let charts = insights(&store, 7, today).unwrap();
    // Each session's opening mood (5) is a check-in too: on 03-09, and once on 03-10 (the
    // second session that morning reuses the first one's same-mood check-in).
    assert_eq!(charts.headline, "5.2 average from 5 check-ins, improving");
    let xs: Vec<(u32, f64, &str)> = charts
        .mood
        .points
        .iter()
        .map(|p| (p.x, p.y, p.label.as_str()))
        .collect();
    assert_eq!(
        xs,
        [
            (2, 3.0, "2026-03-06"),
            (4, 5.0, "2026-03-08"),
            (5, 5.0, "2026-03-09"),
            (6, 6.5, "2026-03-10")
        ]
    );
    assert_eq!(
        charts.mood.accessibility_label,
        "Mood chart over the last 7 days: 4 days logged, lowest 3, highest 8, \
         latest 6.5 on 2026-03-10, trend improving"
    );
    assert_eq!(
        charts.weekdays.accessibility_label,
        "Average mood by weekday: Mon 5.0 from 1; Tue 6.5 from 1; Wed no check-ins; \
         Thu no check-ins; Fri 3.0 from 1; Sat no check-ins; Sun 5.0 from 1"
    );
    assert_eq!(charts.weekdays.bars[1].value, Some(6.5));

    let strength = habits::all_stats(&store, today).unwrap()[0].strength * 100.0;
    let bar = &charts.habits.bars[0];
    assert_eq!((bar.label.as_str(), bar.value), ("Stretch", Some(strength)));
    assert_eq!(bar.detail, format!("{}% strength", strength.round()));
    assert_eq!(
        charts.habits.accessibility_label,
        format!("Habit strength: Stretch {}% strength", strength.round())
    );

    let techniques: Vec<(&str, Option<f64>, &str)> = charts
        .techniques
        .bars
        .iter()
        .map(|b| (b.label.as_str(), b.value, b.detail.as_str()))
        .collect();
    let breathing = TechniqueId::MindfulBreathing.technique().name;
    let strengths = TechniqueId::StrengthsBased.technique().name;
    assert_eq!(
        techniques,
        [
            (breathing, Some(4.5), "4.5 of 5 from 2 sessions"),
            (strengths, Some(3.0), "3.0 of 5 from 1 session"),
        ]
    );
    assert_eq!(
        charts.techniques.accessibility_label,
        format!(
            "How helpful each technique was: {breathing} 4.5 of 5 from 2 sessions; \
             {strengths} 3.0 of 5 from 1 session"
        )
    );
}

#[test]
fn one_day_logged_is_singular_and_days_outside_the_window_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = new_store(dir.path());
    let today = day("2026-03-10");
    for (d, mood) in [("2026-03-01", 2), ("2026-03-09", 6)] {
        let draft = MoodDraft {
            mood,
            ..MoodDraft::default()
        };
        mood::log(&mut store, draft, at(day(d))).unwrap();
    }
    let charts = insights(&store, 7, today).unwrap();
    assert_eq!(charts.mood.points.len(), 1);
    assert_eq!(charts.mood.points[0].x, 5);
    assert_eq!(
        charts.mood.accessibility_label,
        "Mood chart over the last 7 days: 1 day logged, lowest 6, highest 6, latest 6.0 on 2026-03-09"
    );
    assert_eq!(charts.headline, "6.0 average from 1 check-in");
}
