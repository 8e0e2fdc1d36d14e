//! Habits: encrypted definitions plus append-only day events (check, skip, undo), from which
//! day marks, streaks and a Loop-style strength score are derived on the device.
//!
//! Events are never edited, so two devices marking the same habit never conflict; the latest
//! event for a day wins when marks are computed.

pub mod schedule;
pub mod streak;
pub mod strength;

use crate::error::InputProblem;
use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

pub use self::schedule::Schedule;
pub use self::streak::{DayMark, StreakUnit, Streaks};

/// An implementation intention: "If <cue>, then I will <action>".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IfThenPlan {
    /// The situation that triggers the habit.
    pub cue: String,
    /// What the person will do.
    pub action: String,
}

impl std::fmt::Display for IfThenPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "If {}, then I will {}", self.cue, self.action)
    }
}

/// When to remind the person (delivered by the platform, not by the core).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// Local time of day.
    pub time: NaiveTime,
    /// Days to remind on; empty means every scheduled day.
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
}

/// What the person defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HabitDraft {
    /// Short name ("Evening walk").
    pub name: String,
    /// How often.
    pub schedule: Schedule,
    /// Optional if-then plan.
    #[serde(default)]
    pub plan: Option<IfThenPlan>,
    /// Reminder times.
    #[serde(default)]
    pub reminders: Vec<Reminder>,
}

/// A stored habit definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Habit {
    /// The record id.
    pub id: RecordId,
    /// First day the habit counts from.
    pub start: NaiveDate,
    /// When it was created.
    pub created_at: DateTime<FixedOffset>,
    /// Archived habits are kept but not listed by default.
    #[serde(default)]
    pub archived: bool,
    /// The definition.
    #[serde(flatten)]
    pub draft: HabitDraft,
}

/// What happened on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HabitAction {
    /// Done.
    Check,
    /// Deliberately skipped (does not break a streak).
    Skip,
    /// Clears the day's mark.
    Undo,
}

/// One append-only event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HabitEvent {
    /// The habit it belongs to (inside the envelope, so the link is not visible in clear).
    pub habit_id: RecordId,
    /// The local day it is about.
    pub day: NaiveDate,
    /// What happened.
    pub action: HabitAction,
    /// When it was recorded; orders events on the same day.
    pub at: DateTime<FixedOffset>,
}

/// Everything the habit screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HabitStats {
    /// The habit.
    pub habit: Habit,
    /// Current and best streaks.
    pub streaks: Streaks,
    /// Strength 0–1 (Loop-style, frequency-aware exponential smoothing).
    pub strength: f64,
    /// Days marked done in the last 30 days.
    pub done_last_30_days: u32,
    /// Today's mark, if any.
    pub today: Option<DayMark>,
}

impl HabitDraft {
    /// The definition checked (name 1–100 characters, schedule, if-then plan) and trimmed;
    /// also what an import checks each habit with.
    pub(crate) fn validated(self) -> Result<Self> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid(
                "habit name",
                InputProblem::Length { min: 1, max: 100 },
            ));
        }
        self.schedule
            .validate()
            .map_err(|e| CoreError::invalid("schedule", InputProblem::Schedule(e)))?;
        if let Some(plan) = &self.plan {
            if plan.cue.trim().is_empty() || plan.action.trim().is_empty() {
                return Err(CoreError::invalid(
                    "if-then plan",
                    InputProblem::Rule("needs both a cue and an action"),
                ));
            }
        }
        Ok(Self { name, ..self })
    }
}

/// Creates a habit that counts from `start`.
pub fn add(
    store: &mut Store,
    draft: HabitDraft,
    start: NaiveDate,
    now: DateTime<FixedOffset>,
) -> Result<Habit> {
    let habit = Habit {
        id: RecordId::generate()?,
        start,
        created_at: now,
        archived: false,
        draft: draft.validated()?,
    };
    store.put(RecordKind::Habit, &habit.id, &habit)?;
    Ok(habit)
}

/// The habit with `id`, or [`CoreError::NotFound`].
pub fn get(store: &Store, id: &RecordId) -> Result<Habit> {
    store
        .get(RecordKind::Habit, id)?
        .ok_or(CoreError::NotFound("habit"))
}

/// Changes a habit's definition (name, schedule, plan, reminders).
pub fn update(store: &mut Store, id: &RecordId, draft: HabitDraft) -> Result<Habit> {
    let mut habit = get(store, id)?;
    habit.draft = draft.validated()?;
    store.put(RecordKind::Habit, id, &habit)?;
    Ok(habit)
}

/// Archives or restores a habit; its history is kept either way.
pub fn set_archived(store: &mut Store, id: &RecordId, archived: bool) -> Result<Habit> {
    let mut habit = get(store, id)?;
    habit.archived = archived;
    store.put(RecordKind::Habit, id, &habit)?;
    Ok(habit)
}

/// Habits sorted by name; archived ones only if asked.
pub fn list(store: &Store, include_archived: bool) -> Result<Vec<Habit>> {
    let mut habits: Vec<Habit> = store
        .list::<Habit>(RecordKind::Habit)?
        .into_iter()
        .map(|(_, h)| h)
        .filter(|h| include_archived || !h.archived)
        .collect();
    crate::sort::sort_by(&mut habits, |a, b| {
        a.draft
            .name
            .to_lowercase()
            .cmp(&b.draft.name.to_lowercase())
    });
    Ok(habits)
}

/// Records an action for `habit` on `day` (check, skip or undo).
pub fn record(
    store: &mut Store,
    habit: &RecordId,
    day: NaiveDate,
    action: HabitAction,
    now: DateTime<FixedOffset>,
) -> Result<HabitEvent> {
    let habit = get(store, habit)?;
    if day < habit.start {
        return Err(CoreError::invalid(
            "day",
            InputProblem::Rule("is before the habit started"),
        ));
    }
    if day > now.date_naive() {
        return Err(CoreError::invalid(
            "day",
            InputProblem::Rule("is in the future"),
        ));
    }
    let event = HabitEvent {
        habit_id: habit.id,
        day,
        action,
        at: now,
    };
    store.put(RecordKind::HabitEvent, &RecordId::generate()?, &event)?;
    Ok(event)
}

/// Folds events (any order) into one mark per day: the latest event of a day wins.
pub fn marks_from_events<'a>(
    events: impl IntoIterator<Item = &'a HabitEvent>,
) -> BTreeMap<NaiveDate, DayMark> {
    let mut latest: BTreeMap<NaiveDate, &HabitEvent> = BTreeMap::new();
    for e in events {
        match latest.get(&e.day) {
            Some(prev) if prev.at > e.at => {}
            _ => {
                latest.insert(e.day, e);
            }
        }
    }
    crate::sort::map_from(latest.into_iter().filter_map(|(day, e)| match e.action {
        HabitAction::Check => Some((day, DayMark::Done)),
        HabitAction::Skip => Some((day, DayMark::Skipped)),
        HabitAction::Undo => None,
    }))
}

fn all_events(store: &Store) -> Result<Vec<HabitEvent>> {
    Ok(store
        .list::<HabitEvent>(RecordKind::HabitEvent)?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// The day marks of one habit.
pub fn marks(store: &Store, habit: &RecordId) -> Result<BTreeMap<NaiveDate, DayMark>> {
    let events = all_events(store)?;
    Ok(marks_from_events(
        events.iter().filter(|e| e.habit_id == *habit),
    ))
}

fn stats_for(habit: Habit, marks: &BTreeMap<NaiveDate, DayMark>, today: NaiveDate) -> HabitStats {
    let schedule = &habit.draft.schedule;
    let month_ago = today - chrono::Duration::days(29);
    HabitStats {
        streaks: streak::streaks(schedule, habit.start, marks, today),
        strength: strength::strength(schedule, habit.start, marks, today),
        done_last_30_days: marks
            .range(month_ago..=today)
            .filter(|(_, m)| **m == DayMark::Done)
            .count() as u32,
        today: marks.get(&today).copied(),
        habit,
    }
}

/// Streaks, strength and recent completions of one habit as of `today`.
pub fn stats(store: &Store, habit: &RecordId, today: NaiveDate) -> Result<HabitStats> {
    let habit = get(store, habit)?;
    let marks = marks(store, &habit.id)?;
    Ok(stats_for(habit, &marks, today))
}

/// Stats of every active habit, decrypting the event log once.
pub fn all_stats(store: &Store, today: NaiveDate) -> Result<Vec<HabitStats>> {
    let events = all_events(store)?;
    Ok(list(store, false)?
        .into_iter()
        .map(|habit| {
            let marks = marks_from_events(events.iter().filter(|e| e.habit_id == habit.id));
            stats_for(habit, &marks, today)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn at(d: u32, hour: u32) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(&format!("2026-11-{d:02}T{hour:02}:00:00+00:00")).unwrap()
    }

    fn walk() -> HabitDraft {
        HabitDraft {
            name: "Evening walk".into(),
            schedule: Schedule::Daily,
            plan: Some(IfThenPlan {
                cue: "I finish dinner".into(),
                action: "walk 10 minutes".into(),
            }),
            reminders: vec![Reminder {
                time: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
                weekdays: vec![],
            }],
        }
    }

    #[test]
    fn check_skip_undo_drive_marks_streaks_and_strength() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let h = add(&mut store, walk(), day(1), at(1, 8)).unwrap();
        assert_eq!(
            h.draft.plan.as_ref().unwrap().to_string(),
            "If I finish dinner, then I will walk 10 minutes"
        );
        for d in 1..=3 {
            record(&mut store, &h.id, day(d), HabitAction::Check, at(d, 20)).unwrap();
        }
        record(&mut store, &h.id, day(4), HabitAction::Skip, at(4, 20)).unwrap();
        record(&mut store, &h.id, day(5), HabitAction::Check, at(5, 20)).unwrap();
        record(&mut store, &h.id, day(5), HabitAction::Undo, at(5, 21)).unwrap();
        record(&mut store, &h.id, day(5), HabitAction::Check, at(5, 22)).unwrap();
        let s = stats(&store, &h.id, day(5)).unwrap();
        assert_eq!(s.streaks.current, 4);
        assert_eq!(s.today, Some(DayMark::Done));
        assert_eq!(s.done_last_30_days, 4);
        let m = strength::multiplier(1.0);
        let expected = 1.0 - m.powi(4);
        assert!(
            (s.strength - expected).abs() < 1e-9,
            "{} vs {}",
            s.strength,
            expected
        );
        assert!(record(&mut store, &h.id, day(30), HabitAction::Check, at(6, 8)).is_err());
        assert!(record(
            &mut store,
            &h.id,
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            HabitAction::Check,
            at(6, 8)
        )
        .is_err());
        assert_eq!(all_stats(&store, day(5)).unwrap().len(), 1);
    }

    #[test]
    fn validation_and_archive() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let bad = HabitDraft {
            name: " ".into(),
            ..walk()
        };
        assert!(add(&mut store, bad, day(1), at(1, 8)).is_err());
        let bad = HabitDraft {
            schedule: Schedule::TimesPerWeek { times: 9 },
            ..walk()
        };
        assert!(add(&mut store, bad, day(1), at(1, 8)).is_err());
        let h = add(&mut store, walk(), day(1), at(1, 8)).unwrap();
        set_archived(&mut store, &h.id, true).unwrap();
        assert!(list(&store, false).unwrap().is_empty());
        assert_eq!(list(&store, true).unwrap().len(), 1);
    }

    #[test]
    fn latest_event_of_a_day_wins_in_any_order() {
        let id = RecordId([1; 16]);
        let ev = |action, hour| HabitEvent {
            habit_id: id,
            day: day(2),
            action,
            at: at(2, hour),
        };
        let events = [
            ev(HabitAction::Check, 9),
            ev(HabitAction::Undo, 8),
            ev(HabitAction::Skip, 7),
        ];
        assert_eq!(
            marks_from_events(&events).get(&day(2)),
            Some(&DayMark::Done)
        );
        let events = [ev(HabitAction::Check, 9), ev(HabitAction::Undo, 10)];
        assert!(marks_from_events(&events).is_empty());
    }
}
