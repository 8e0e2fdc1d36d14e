//! The "today" snapshot: one call that gives a home-screen widget (and `solace today`)
//! everything it shows — the last mood, whether the person checked in today, the session
//! streak, today's habits with their streaks, today's small step, and the next reminder of
//! any kind still to come today (from [`crate::reminders`]). Read-only and cheap enough to run
//! on every widget refresh.

use chrono::{DateTime, FixedOffset, NaiveTime};
use serde::Serialize;

use crate::error::Result;
use crate::store::Store;

/// The latest mood check-in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastMood {
    /// Mood 1–10.
    pub mood: u8,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// One habit as the widget shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HabitToday {
    /// The habit's name.
    pub name: String,
    /// Current streak (in the habit's own unit: days or weeks).
    pub streak: u32,
    /// Whether it is marked done today.
    pub done_today: bool,
}

/// Today's small step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanToday {
    /// The step.
    pub step: String,
    /// Whether it was done.
    pub done: bool,
}

/// Everything the widget shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TodaySnapshot {
    /// The latest mood check-in, if any.
    pub last_mood: Option<LastMood>,
    /// Whether a mood check-in was logged today.
    pub checked_in_today: bool,
    /// Consecutive days with a finished micro-session (alive through today).
    pub session_streak_days: u32,
    /// Whether a micro-session was finished today.
    pub session_done_today: bool,
    /// Active habits, in the order the habit list shows them.
    pub habits: Vec<HabitToday>,
    /// Today's small step, if one was set.
    pub plan: Option<PlanToday>,
    /// The next reminder still to come today (local time): check-in, session, or a habit not
    /// yet done, after quiet hours and snoozes, as the reminder planner schedules it.
    pub next_reminder: Option<NaiveTime>,
}

/// The snapshot at `now` (the person's local time).
pub fn snapshot(store: &Store, now: DateTime<FixedOffset>) -> Result<TodaySnapshot> {
    let today = now.date_naive();
    let moods = crate::mood::list(store, None, None)?;
    let last_mood = moods.last().map(|c| LastMood {
        mood: c.draft.mood,
        at: c.at,
    });
    let checked_in_today = moods.iter().any(|c| c.at.date_naive() == today);
    let finished: Vec<_> = crate::sessions::list(store)?
        .iter()
        .filter_map(|s| s.finished_at.map(|f| f.date_naive()))
        .collect();
    let streak = crate::app::present::session_streak(&finished, today);
    let stats = crate::habits::all_stats(store, today)?;
    let habits = stats
        .iter()
        .filter(|s| !s.habit.archived)
        .map(|s| HabitToday {
            name: s.habit.draft.name.clone(),
            streak: s.streaks.current,
            done_today: s.today == Some(crate::habits::DayMark::Done),
        })
        .collect();
    let next_reminder = crate::reminders::plan(store, &now, 1)?
        .reminders
        .first()
        .filter(|r| r.fire_at.date_naive() == today)
        .map(|r| r.local_time);
    let plan = crate::plans::get(store, today)?.map(|p| PlanToday {
        step: p.step,
        done: p.done,
    });
    Ok(TodaySnapshot {
        last_mood,
        checked_in_today,
        session_streak_days: streak.days,
        session_done_today: streak.done_today,
        habits,
        plan,
        next_reminder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::habits::{HabitAction, HabitDraft, Reminder, Schedule};
    use crate::mood::MoodDraft;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn the_snapshot_gathers_what_the_widget_shows() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let now = at("2026-11-26T12:00:00+01:00");
        let empty = snapshot(&store, now).unwrap();
        assert_eq!(empty.last_mood, None);
        assert!(!empty.checked_in_today && empty.habits.is_empty() && empty.plan.is_none());

        crate::mood::log(
            &mut store,
            MoodDraft {
                mood: 6,
                ..MoodDraft::default()
            },
            at("2026-11-25T21:00:00+01:00"),
        )
        .unwrap();
        let reminder = |t: &str| Reminder {
            time: NaiveTime::parse_from_str(t, "%H:%M").unwrap(),
            weekdays: vec![],
        };
        let draft = |name: &str, times: &[&str]| HabitDraft {
            name: name.into(),
            schedule: Schedule::Daily,
            plan: None,
            reminders: times.iter().map(|t| reminder(t)).collect(),
        };
        let start = now.date_naive() - chrono::Duration::days(2);
        let walk =
            crate::habits::add(&mut store, draft("Walk", &["09:00", "18:30"]), start, now).unwrap();
        let read = crate::habits::add(&mut store, draft("Read", &["17:00"]), start, now).unwrap();
        for d in 0..=2 {
            let day = start + chrono::Duration::days(d);
            crate::habits::record(&mut store, &walk.id, day, HabitAction::Check, now).unwrap();
        }
        let _ = read;
        crate::plans::set(
            &mut store,
            now.date_naive(),
            "put on walking shoes",
            None,
            None,
            now,
        )
        .unwrap();

        let s = snapshot(&store, now).unwrap();
        assert_eq!(s.last_mood.as_ref().map(|m| m.mood), Some(6));
        assert!(!s.checked_in_today, "yesterday's check-in is not today's");
        let habits: Vec<(&str, u32, bool)> = s
            .habits
            .iter()
            .map(|h| (h.name.as_str(), h.streak, h.done_today))
            .collect();
        assert_eq!(habits, [("Read", 0, false), ("Walk", 3, true)]);
        // Walk is done today, so its 18:30 reminder is not "next"; Read's 17:00 is.
        assert_eq!(s.next_reminder, NaiveTime::from_hms_opt(17, 0, 0));
        // A check-in reminder at 15:00 comes first; snoozed, it moves to 15:10.
        let mut r = crate::reminders::settings(&store).unwrap();
        r.check_in.enabled = true;
        r.check_in.time = NaiveTime::from_hms_opt(15, 0, 0).unwrap();
        crate::reminders::set_settings(&mut store, r).unwrap();
        let s = snapshot(&store, now).unwrap();
        assert_eq!(s.next_reminder, NaiveTime::from_hms_opt(15, 0, 0));
        let three = at("2026-11-26T15:00:00+01:00");
        crate::reminders::snooze(&mut store, "checkin:-:2026-11-26T15:00", Some(10), &three)
            .unwrap();
        let s = snapshot(&store, at("2026-11-26T15:01:00+01:00")).unwrap();
        assert_eq!(s.next_reminder, NaiveTime::from_hms_opt(15, 10, 0));
        assert_eq!(
            s.plan,
            Some(PlanToday {
                step: "put on walking shoes".into(),
                done: false
            })
        );
        assert_eq!((s.session_streak_days, s.session_done_today), (0, false));
    }
}
