//! The planner's rules one by one, the store functions, and a property test over random
//! settings, histories, zones and clocks.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use proptest::prelude::*;

use super::model::{CheckInReminder, QuietHours, ReminderSettings, SessionReminder};
use super::plan::{self, ReminderKind};
use super::snooze::Snooze;
use super::Gathered;
use crate::habits::{Habit, HabitDraft, Reminder, Schedule};
use crate::record::RecordId;

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn check_in_at(time: NaiveTime) -> ReminderSettings {
    ReminderSettings {
        check_in: CheckInReminder {
            enabled: true,
            time,
            weekdays: vec![],
            adaptive: false,
        },
        ..ReminderSettings::default()
    }
}

fn walk(id: RecordId, schedule: Schedule, time: NaiveTime) -> Habit {
    Habit {
        id,
        start: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        created_at: at("2026-11-01T08:00:00+01:00"),
        archived: false,
        draft: HabitDraft {
            name: "Evening walk".into(),
            schedule,
            plan: None,
            reminders: vec![Reminder {
                time,
                weekdays: vec![],
            }],
        },
    }
}

/// The planner's inputs as the store gives them ([`Gathered`]), built by hand.
type Fixture = Gathered;

impl Gathered {
    fn new(settings: ReminderSettings) -> Self {
        Self {
            settings,
            habits: vec![],
            habit_days: BTreeMap::new(),
            check_ins: vec![],
            sessions_finished: vec![],
            snoozes: vec![],
            discreet: true,
        }
    }

    fn plan(&self, now: &str, count: usize) -> Vec<plan::PlannedReminder> {
        plan::plan(&self.inputs(), &at(now), count)
    }
}

#[test]
fn the_check_in_reminder_skips_days_already_checked_in() {
    let mut f = Fixture::new(check_in_at(hm(21, 0)));
    let list = f.plan("2026-11-26T12:00:00+01:00", 3);
    let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "checkin:-:2026-11-26T21:00",
            "checkin:-:2026-11-27T21:00",
            "checkin:-:2026-11-28T21:00"
        ]
    );
    assert_eq!(list[0].fire_at, at("2026-11-26T21:00:00+01:00"));
    assert_eq!(
        (list[0].title.as_str(), list[0].body.as_str()),
        ("Time for your check-in", "Take a moment for yourself")
    );
    f.check_ins.push(at("2026-11-26T09:15:00+01:00"));
    let list = f.plan("2026-11-26T12:00:00+01:00", 1);
    assert_eq!(
        list[0].local_date,
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    );
    // Weekdays: only Mondays (2026-11-30 is a Monday).
    f.settings.check_in.weekdays = vec![Weekday::Mon];
    let list = f.plan("2026-11-26T12:00:00+01:00", 2);
    assert_eq!(list[0].id, "checkin:-:2026-11-30T21:00");
    assert_eq!(list[1].id, "checkin:-:2026-12-07T21:00");
    f.settings.check_in.enabled = false;
    assert!(f.plan("2026-11-26T12:00:00+01:00", 5).is_empty());
}

#[test]
fn habit_reminders_follow_the_schedule_and_skip_done_days() {
    let id = RecordId([7; 16]);
    let mut f = Fixture::new(ReminderSettings::default());
    let mondays = Schedule::Weekdays {
        days: vec![Weekday::Mon, Weekday::Thu],
    };
    f.habits.push(walk(id, mondays, hm(19, 0)));
    // Thursday 26th: scheduled; done → next is Monday 30th.
    let list = f.plan("2026-11-26T12:00:00+01:00", 2);
    assert_eq!(list[0].id, format!("habit:{id}:2026-11-26T19:00"));
    assert_eq!(
        list[1].local_date,
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    );
    assert_eq!(
        list[0].title, "A small step is waiting",
        "discreet: no habit name"
    );
    f.habit_days
        .entry(id)
        .or_default()
        .insert(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
    let list = f.plan("2026-11-26T12:00:00+01:00", 1);
    assert_eq!(
        list[0].local_date,
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    );
    f.discreet = false;
    let list = f.plan("2026-11-26T12:00:00+01:00", 1);
    assert_eq!(
        (list[0].title.as_str(), list[0].body.as_str()),
        ("Evening walk", "A small step is waiting")
    );
    assert!(matches!(&list[0].kind, ReminderKind::Habit { habit_id, .. } if *habit_id == id));
    f.habits[0].archived = true;
    assert!(f.plan("2026-11-26T12:00:00+01:00", 1).is_empty());
}

#[test]
fn quiet_hours_move_a_reminder_to_their_end_or_drop_it() {
    let mut s = check_in_at(hm(6, 30));
    s.quiet_hours = Some(QuietHours {
        start: hm(22, 0),
        end: hm(7, 0),
    });
    s.session = Some(SessionReminder {
        time: hm(23, 0),
        weekdays: vec![],
    });
    let f = Fixture::new(s);
    let list = f.plan("2026-11-26T12:00:00+01:00", 4);
    assert!(
        list.iter().all(|r| r.kind == ReminderKind::CheckIn),
        "23:00 session dropped"
    );
    assert_eq!(
        list[0].id, "checkin:-:2026-11-27T06:30",
        "the id keeps the time set"
    );
    assert_eq!(list[0].local_time, hm(7, 0));
}

#[test]
fn a_session_reminder_skips_days_with_a_finished_session() {
    let s = ReminderSettings {
        session: Some(SessionReminder {
            time: hm(18, 0),
            weekdays: vec![],
        }),
        ..ReminderSettings::default()
    };
    let mut f = Fixture::new(s);
    f.sessions_finished.push(at("2026-11-26T08:00:00+01:00"));
    let list = f.plan("2026-11-26T12:00:00+01:00", 1);
    assert_eq!(list[0].id, "session:-:2026-11-27T18:00");
    assert_eq!(list[0].title, "A few minutes for yourself");
}

#[test]
fn a_snooze_replaces_the_fire_time_even_after_it_passed() {
    let mut f = Fixture::new(check_in_at(hm(21, 0)));
    f.snoozes.push(Snooze {
        id: "checkin:-:2026-11-26T21:00".into(),
        until: at("2026-11-26T21:10:00+01:00").with_timezone(&Utc),
    });
    let list = f.plan("2026-11-26T21:05:00+01:00", 2);
    assert_eq!(list[0].id, "checkin:-:2026-11-26T21:00");
    assert!(list[0].snoozed);
    assert_eq!(list[0].local_time, hm(21, 10));
    assert!(!list[1].snoozed);
    let found = plan::find_recent(
        &f.inputs(),
        &at("2026-11-26T21:30:00+01:00"),
        "checkin:-:2026-11-26T21:00",
    );
    assert!(
        found.is_some(),
        "a reminder that fired today can still be snoozed"
    );
    assert!(plan::find_recent(
        &f.inputs(),
        &at("2026-11-26T21:30:00+01:00"),
        "checkin:-:2026-10-01T21:00"
    )
    .is_none());
}

#[test]
fn the_store_keeps_settings_and_snoozes() {
    use crate::crypto::kdf::KdfParams;
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = crate::store::Store::create(
        dir.path(),
        crate::passphrase::TEST_PASSPHRASE,
        KdfParams::FLOOR,
    )
    .unwrap();
    assert!(super::settings(&store).unwrap().is_default());
    let mut s = check_in_at(hm(21, 0));
    s.quiet_hours = Some(QuietHours {
        start: hm(22, 30),
        end: hm(7, 0),
    });
    super::set_settings(&mut store, s.clone()).unwrap();
    assert_eq!(super::settings(&store).unwrap(), s);
    let region = crate::safety::settings(&store).unwrap();
    assert!(region.discreet_notifications, "the rest of the record kept");
    let now = at("2026-11-26T21:02:00+01:00");
    let plan = super::plan(&store, &now, 2).unwrap();
    assert_eq!(plan.reminders[0].id, "checkin:-:2026-11-27T21:00");
    assert_eq!(plan.adaptation, None);
    // The 21:00 reminder just fired; snooze it with the default 10 minutes.
    let snoozed = super::snooze(&mut store, "checkin:-:2026-11-26T21:00", None, &now).unwrap();
    assert_eq!(snoozed.fire_at, at("2026-11-26T21:12:00+01:00"));
    let plan = super::plan(&store, &now, 2).unwrap();
    assert_eq!(plan.reminders[0], snoozed, "a re-plan keeps the snooze");
    // Snoozing into quiet hours lands at their end.
    let late = at("2026-11-26T22:25:00+01:00");
    let moved = super::snooze(&mut store, "checkin:-:2026-11-26T21:00", Some(30), &late).unwrap();
    assert_eq!(moved.fire_at, at("2026-11-27T07:00:00+01:00"));
    assert!(matches!(
        super::snooze(&mut store, "checkin:-:2026-11-26T21:00", Some(0), &late),
        Err(crate::error::CoreError::InvalidInput(_))
    ));
    assert!(matches!(
        super::snooze(&mut store, "nothing", None, &late),
        Err(crate::error::CoreError::NotFound("reminder"))
    ));
    // Checking in clears the day's check-in reminder, snoozed or not.
    crate::mood::log(
        &mut store,
        crate::mood::MoodDraft {
            mood: 6,
            ..Default::default()
        },
        late,
    )
    .unwrap();
    let plan = super::plan(&store, &late, 1).unwrap();
    assert_eq!(plan.reminders[0].id, "checkin:-:2026-11-27T21:00");
}

fn zones() -> impl Strategy<Value = chrono_tz::Tz> {
    prop_oneof![
        Just(chrono_tz::America::New_York),
        Just(chrono_tz::Europe::London),
        Just(chrono_tz::Asia::Tokyo),
        Just(chrono_tz::Australia::Lord_Howe),
        Just(chrono_tz::America::St_Johns),
    ]
}

fn minute_of_day() -> impl Strategy<Value = NaiveTime> {
    (0u32..24, 0u32..60).prop_map(|(h, m)| hm(h, m))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn plans_are_sorted_unique_future_and_quiet(
        zone in zones(),
        now_secs in 1_767_225_600i64..1_830_297_600i64,
        time in minute_of_day(),
        adaptive in any::<bool>(),
        quiet in proptest::option::of((minute_of_day(), minute_of_day())),
        habit_times in proptest::collection::vec(minute_of_day(), 0..4),
        history in proptest::collection::vec((0i64..40 * 24 * 60, -720i32..840), 0..40),
        count in 0usize..80,
    ) {
        let now = Utc.timestamp_opt(now_secs, 0).unwrap().with_timezone(&zone);
        let mut settings = check_in_at(time);
        settings.check_in.adaptive = adaptive;
        settings.quiet_hours = quiet
            .filter(|(s, e)| s != e)
            .map(|(start, end)| QuietHours { start, end });
        let mut f = Fixture::new(settings);
        for (i, t) in habit_times.iter().enumerate() {
            f.habits.push(walk(RecordId([i as u8; 16]), Schedule::Daily, *t));
        }
        f.check_ins = history
            .iter()
            .filter_map(|(ago, offset_min)| {
                let offset = FixedOffset::east_opt(offset_min * 60)?;
                Some((now.with_timezone(&Utc) - Duration::minutes(*ago)).with_timezone(&offset))
            })
            .collect();
        let list = plan::plan(&f.inputs(), &now, count);
        prop_assert!(list.len() <= count.min(plan::MAX_COUNT));
        let mut ids = BTreeSet::new();
        for pair in list.windows(2) {
            prop_assert!((pair[0].fire_at, &pair[0].id) <= (pair[1].fire_at, &pair[1].id));
        }
        for r in &list {
            prop_assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
            prop_assert!(r.fire_at > now.fixed_offset());
            let local = r.fire_at.with_timezone(&zone);
            prop_assert_eq!(local.time(), r.local_time);
            if let Some(q) = &f.settings.quiet_hours {
                prop_assert!(!q.contains(local.time()), "{} in quiet hours", r.id);
            }
        }
        if let Some(a) = plan::adaptation(&f.inputs(), &now) {
            if let Some(q) = &f.settings.quiet_hours {
                prop_assert!(!q.contains(a.adjusted) || a.adjusted == time);
            }
        }
    }
}
