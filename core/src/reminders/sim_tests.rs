//! Months of simulated life on an injected clock: a person who checks in around 21:10, two
//! habits with night-time reminders that meet daylight-saving gaps and overlaps, quiet hours,
//! snoozes, and a move from New York to Tokyo and back. The simulation jumps from event to
//! event (the next reminder the planner returns, the person's next check-in, the move), which
//! is what a minute-by-minute walk would see, without the half million plans.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::model::{CheckInReminder, QuietHours, ReminderSettings, SessionReminder};
use super::plan::{self, PlanInputs, PlannedReminder, ReminderKind};
use super::snooze::{self, Snooze};
use super::zone;
use crate::habits::{Habit, HabitDraft, Reminder, Schedule};
use crate::record::RecordId;

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const NIGHT: RecordId = RecordId([0xa1; 16]);
const LATE: RecordId = RecordId([0xb2; 16]);

fn habit(id: RecordId, name: &str, time: NaiveTime) -> Habit {
    Habit {
        id,
        start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        created_at: DateTime::parse_from_rfc3339("2026-01-01T08:00:00+00:00").unwrap(),
        archived: false,
        draft: HabitDraft {
            name: name.into(),
            schedule: Schedule::Daily,
            plan: None,
            reminders: vec![Reminder {
                time,
                weekdays: vec![],
            }],
        },
    }
}

fn settings() -> ReminderSettings {
    ReminderSettings {
        check_in: CheckInReminder {
            enabled: true,
            time: hm(20, 0),
            weekdays: vec![],
            adaptive: true,
        },
        // Inside quiet hours, which last past midnight: never fires.
        session: Some(SessionReminder {
            time: hm(23, 30),
            weekdays: vec![],
        }),
        quiet_hours: Some(QuietHours {
            start: hm(23, 0),
            end: hm(1, 0),
        }),
        snooze_minutes: 5,
    }
}

/// The person's habits by local day number: early check-ins (outliers, before the reminder),
/// snoozed days, days the 02:30 habit was done beforehand.
fn early(day: NaiveDate) -> bool {
    day.num_days_from_ce() % 5 == 0
}
fn snoozes_today(day: NaiveDate) -> bool {
    day.num_days_from_ce() % 7 == 3
}
fn late_habit_done(day: NaiveDate) -> bool {
    day.num_days_from_ce() % 6 == 0
}
fn check_in_time(day: NaiveDate) -> NaiveTime {
    if early(day) {
        return hm(17, 30);
    }
    let jitter = [-10, 10, -5, 5][(day.num_days_from_ce() % 4) as usize];
    hm(21, 10) + Duration::minutes(jitter)
}

#[derive(Debug)]
struct Fired {
    reminder: PlannedReminder,
    zone: Tz,
    explanation: Option<String>,
}

struct Run {
    fired: Vec<Fired>,
    check_ins: Vec<DateTime<chrono::FixedOffset>>,
}

/// Runs from the first zone's start to `end`; `zones` lists (from, zone), in order.
fn simulate(zones: &[(DateTime<Utc>, Tz)], end: DateTime<Utc>) -> Run {
    let settings = settings();
    let habits = vec![
        habit(NIGHT, "Night stretch", hm(1, 30)),
        habit(LATE, "Late tea", hm(2, 30)),
    ];
    let mut habit_days: BTreeMap<RecordId, BTreeSet<NaiveDate>> = BTreeMap::new();
    let first = zones[0].0.date_naive() - Duration::days(2);
    let done: BTreeSet<NaiveDate> = (0..400)
        .map(|d| first + Duration::days(d))
        .filter(|d| late_habit_done(*d))
        .collect();
    habit_days.insert(LATE, done);
    let mut check_ins: Vec<DateTime<chrono::FixedOffset>> = Vec::new();
    let mut snoozes: Vec<Snooze> = Vec::new();
    let mut fired = Vec::new();
    let mut last_check_in_day: Option<NaiveDate> = None;
    let mut now = zones[0].0;
    for _ in 0..20_000 {
        let zone = zones
            .iter()
            .rev()
            .find(|(from, _)| *from <= now)
            .map(|(_, z)| *z)
            .unwrap();
        let local = now.with_timezone(&zone);
        let inputs = PlanInputs {
            settings: &settings,
            habits: &habits,
            habit_days: &habit_days,
            check_ins: &check_ins,
            sessions_finished: &[],
            snoozes: &snoozes,
            discreet: true,
        };
        let next = plan::plan(&inputs, &local, 1).into_iter().next();
        // The person's next check-in, on the wall clock of where they are.
        let mut day = local.date_naive();
        let next_check_in = loop {
            let at = zone::at(&zone, day, check_in_time(day)).unwrap();
            if at > local && last_check_in_day.is_none_or(|d| d < day) {
                break at.with_timezone(&Utc);
            }
            day = day.succ_opt().unwrap();
        };
        let move_at = zones.iter().map(|(from, _)| *from).find(|from| *from > now);
        let reminder_at = next.as_ref().map(|r| r.fire_at.with_timezone(&Utc));
        let step = [Some(end), move_at, Some(next_check_in), reminder_at]
            .into_iter()
            .flatten()
            .min()
            .unwrap();
        if step == end {
            return Run { fired, check_ins };
        }
        if Some(step) == reminder_at {
            let reminder = next.unwrap();
            now = step;
            let explanation = plan::adaptation(&inputs, &local).map(|a| a.explanation);
            let first_fire = !reminder.snoozed;
            if reminder.kind == ReminderKind::CheckIn
                && first_fire
                && snoozes_today(reminder.local_date)
            {
                let until = snooze::snoozed_until(
                    &reminder.fire_at.with_timezone(&zone),
                    &now.with_timezone(&zone),
                    settings.snooze_minutes,
                    settings.quiet_hours.as_ref(),
                );
                let new = Snooze {
                    id: reminder.id.clone(),
                    until: until.with_timezone(&Utc),
                };
                snoozes = snooze::with_snooze(snoozes, new, now);
            }
            fired.push(Fired {
                reminder,
                zone,
                explanation,
            });
        } else if step == next_check_in {
            now = step;
            check_ins.push(now.with_timezone(&zone).fixed_offset());
            last_check_in_day = Some(now.with_timezone(&zone).date_naive());
        } else {
            now = step;
        }
    }
    panic!("the simulation did not reach its end");
}

/// What every run must show, with `skip` the local days around a move (excluded from the
/// once-a-day count).
fn check_common<'a>(
    run: &'a Run,
    skip: &BTreeSet<NaiveDate>,
) -> BTreeMap<(NaiveDate, &'static str), Vec<&'a Fired>> {
    let quiet = settings().quiet_hours.unwrap();
    let mut by_id: BTreeMap<&str, Vec<&Fired>> = BTreeMap::new();
    let mut by_day: BTreeMap<(NaiveDate, &'static str), Vec<&Fired>> = BTreeMap::new();
    for f in &run.fired {
        let local = f.reminder.fire_at.with_timezone(&f.zone);
        assert!(!quiet.contains(local.time()), "fired in quiet hours: {f:?}");
        assert_eq!(local.time(), f.reminder.local_time);
        assert_ne!(
            f.reminder.kind,
            ReminderKind::Session,
            "23:30 is inside quiet hours"
        );
        assert!(!f.reminder.title.contains("stretch") && !f.reminder.title.contains("tea"));
        by_id.entry(f.reminder.id.as_str()).or_default().push(f);
        let tag = match f.reminder.kind {
            ReminderKind::CheckIn => "check-in",
            ReminderKind::Habit { habit_id, .. } if habit_id == NIGHT => "night",
            _ => "late",
        };
        by_day
            .entry((f.reminder.local_date, tag))
            .or_default()
            .push(f);
    }
    for (id, fires) in &by_id {
        let snoozed = fires.iter().filter(|f| f.reminder.snoozed).count();
        // Flying west repeats part of a day on the new clock (the documented limit: the
        // planner keeps no record of what fired), so a repeated wall-clock time may fire
        // again on a move day; nowhere else.
        if skip.contains(&fires[0].reminder.local_date) {
            continue;
        }
        assert_eq!(fires.len() - snoozed, 1, "{id} fired {} times", fires.len());
        assert!(snoozed <= 1, "{id}");
        if snoozed == 1 {
            let gap = fires[1].reminder.fire_at - fires[0].reminder.fire_at;
            assert_eq!(gap, Duration::minutes(5), "{id}: snoozed for five minutes");
        }
    }
    let days: BTreeSet<NaiveDate> = by_day.keys().map(|(d, _)| *d).collect();
    let (first, last) = (*days.first().unwrap(), *days.last().unwrap());
    let mut day = first + Duration::days(1);
    while day < last {
        if !skip.contains(&day) {
            let count = |tag| {
                by_day
                    .get(&(day, tag))
                    .map_or(0, |f| f.iter().filter(|f| !f.reminder.snoozed).count())
            };
            assert_eq!(count("night"), 1, "{day}: the 01:30 habit once a day");
            assert_eq!(
                count("late"),
                usize::from(!late_habit_done(day)),
                "{day}: 02:30 habit unless done"
            );
            assert_eq!(
                count("check-in"),
                usize::from(!early(day)),
                "{day}: check-in unless already in"
            );
        }
        day += Duration::days(1);
    }
    by_day
}

fn one<'a>(
    by_day: &'a BTreeMap<(NaiveDate, &'static str), Vec<&Fired>>,
    day: NaiveDate,
    tag: &'static str,
) -> &'a Fired {
    by_day[&(day, tag)][0]
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The check-in reminder's local time on ordinary days, in order.
fn check_in_times(run: &Run) -> Vec<(NaiveDate, NaiveTime, Option<String>)> {
    run.fired
        .iter()
        .filter(|f| f.reminder.kind == ReminderKind::CheckIn && !f.reminder.snoozed)
        .map(|f| {
            (
                f.reminder.local_date,
                f.reminder.local_time,
                f.explanation.clone(),
            )
        })
        .collect()
}

#[test]
fn nine_months_in_london_across_both_clock_changes() {
    let london = chrono_tz::Europe::London;
    let run = simulate(
        &[(utc("2026-02-01T12:00:00Z"), london)],
        utc("2026-11-15T12:00:00Z"),
    );
    let by_day = check_common(&run, &BTreeSet::new());
    // 2026-03-29: 01:00 GMT jumps to 02:00 BST, so 01:30 does not exist: 02:00 BST.
    let spring = one(&by_day, date(2026, 3, 29), "night");
    assert_eq!(
        spring.reminder.fire_at.to_rfc3339(),
        "2026-03-29T02:00:00+01:00"
    );
    // 2026-10-25: 01:00–02:00 happens twice; the reminder fires once, at the first.
    let autumn = &by_day[&(date(2026, 10, 25), "night")];
    assert_eq!(autumn.len(), 1);
    assert_eq!(
        autumn[0].reminder.fire_at.to_rfc3339(),
        "2026-10-25T01:30:00+01:00"
    );
    // Either side, the wall-clock time holds.
    for day in [
        date(2026, 3, 28),
        date(2026, 3, 30),
        date(2026, 10, 24),
        date(2026, 10, 26),
    ] {
        assert_eq!(
            one(&by_day, day, "night").reminder.local_time,
            hm(1, 30),
            "{day}"
        );
        assert_eq!(
            one(&by_day, day, "late").reminder.local_time,
            hm(2, 30),
            "{day}"
        );
    }
    check_adaptation(&run);
}

/// The check-in reminder starts at the time set, moves toward 21:10 as check-ins accumulate,
/// and settles at 20:55 (80% of the way) with "usually around 21:10".
fn check_adaptation(run: &Run) {
    let times = check_in_times(run);
    assert_eq!(times[0].1, hm(20, 0), "no history yet: the time set");
    assert_eq!(times[0].2, None);
    let settled = &times[times.len() - 30..];
    for (day, time, explanation) in settled {
        assert_eq!(*time, hm(20, 55), "{day}");
        assert_eq!(
            explanation.as_deref(),
            Some("usually around 21:10"),
            "{day}"
        );
    }
    let first_month: Vec<u32> = times[..25]
        .iter()
        .map(|(_, t, _)| t.hour() * 60 + t.minute())
        .collect();
    assert!(
        first_month
            .iter()
            .all(|m| (20 * 60..=20 * 60 + 55).contains(m)),
        "{first_month:?}"
    );
    assert!(first_month
        .iter()
        .any(|m| *m > 20 * 60 && *m < 20 * 60 + 55));
}

#[test]
fn new_york_to_tokyo_and_back_keeps_wall_clock_times() {
    let ny = chrono_tz::America::New_York;
    let tokyo = chrono_tz::Asia::Tokyo;
    let to_tokyo = utc("2026-04-15T15:00:00Z");
    let back = utc("2026-07-01T03:00:00Z");
    let run = simulate(
        &[
            (utc("2026-02-01T12:00:00Z"), ny),
            (to_tokyo, tokyo),
            (back, ny),
        ],
        utc("2026-11-15T12:00:00Z"),
    );
    let mut skip = BTreeSet::new();
    for moved in [to_tokyo, back] {
        for zone in [ny, tokyo] {
            let d = moved.with_timezone(&zone).date_naive();
            skip.extend([d - Duration::days(1), d, d + Duration::days(1)]);
        }
    }
    let by_day = check_common(&run, &skip);
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT: the 02:30 habit fires at 03:00.
    let gap = one(&by_day, date(2026, 3, 8), "late");
    assert_eq!(
        gap.reminder.fire_at.to_rfc3339(),
        "2026-03-08T03:00:00-04:00"
    );
    assert_eq!(
        one(&by_day, date(2026, 3, 8), "night").reminder.local_time,
        hm(1, 30)
    );
    // 2026-11-01: 01:30 happens twice; once, at the first (EDT).
    let overlap = &by_day[&(date(2026, 11, 1), "night")];
    assert_eq!(overlap.len(), 1);
    assert_eq!(
        overlap[0].reminder.fire_at.to_rfc3339(),
        "2026-11-01T01:30:00-04:00"
    );
    // In Tokyo the same wall-clock times, on Tokyo's clock.
    let in_tokyo = one(&by_day, date(2026, 5, 20), "night");
    assert_eq!(
        in_tokyo.reminder.fire_at.to_rfc3339(),
        "2026-05-20T01:30:00+09:00"
    );
    let check_in = run
        .fired
        .iter()
        .find(|f| {
            f.reminder.kind == ReminderKind::CheckIn && f.reminder.local_date == date(2026, 5, 21)
        })
        .unwrap();
    assert_eq!(
        check_in.reminder.fire_at.to_rfc3339(),
        "2026-05-21T20:55:00+09:00"
    );
    assert_eq!(
        check_in.explanation.as_deref(),
        Some("usually around 21:10")
    );
    assert!(run.check_ins.len() > 250);
    check_adaptation(&run);
}
