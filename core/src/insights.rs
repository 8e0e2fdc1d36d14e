//! Insights computed on the device: mood trend and weekday pattern, mood on days with and
//! without each habit (only with enough data on both sides), technique effectiveness, habit
//! strength and streaks, and a weekly summary.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::error::Result;
use crate::habits::{self, DayMark, Streaks};
use crate::journal::{self, JournalFilter};
use crate::mood::{self, stats::MoodSummary};
use crate::sessions::{self, suggest::TechniqueStats, TechniqueId};
use crate::store::Store;

/// Days needed on each side before a with/without comparison is reported.
pub const MIN_DAYS_EACH_SIDE: usize = 3;

/// Mood on days an activity happened versus days it did not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityEffect {
    /// What the activity is (a habit's name, or "micro-session").
    pub activity: String,
    /// Days with mood data on which it happened.
    pub days_with: u32,
    /// Days with mood data on which it did not.
    pub days_without: u32,
    /// Mean daily mood on days with it.
    pub mood_with: f64,
    /// Mean daily mood on days without it.
    pub mood_without: f64,
    /// `mood_with - mood_without`.
    pub difference: f64,
}

/// Compares mean daily mood on `activity_days` against the other days that have mood data.
/// `None` unless both sides have at least [`MIN_DAYS_EACH_SIDE`] days.
pub fn activity_effect(
    activity: &str,
    daily_mood: &BTreeMap<NaiveDate, f64>,
    activity_days: &BTreeSet<NaiveDate>,
) -> Option<ActivityEffect> {
    let (with, without): (Vec<f64>, Vec<f64>) = {
        let mut with = Vec::new();
        let mut without = Vec::new();
        for (day, mood) in daily_mood {
            if activity_days.contains(day) {
                with.push(*mood);
            } else {
                without.push(*mood);
            }
        }
        (with, without)
    };
    if with.len() < MIN_DAYS_EACH_SIDE || without.len() < MIN_DAYS_EACH_SIDE {
        return None;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mood_with, mood_without) = (mean(&with), mean(&without));
    Some(ActivityEffect {
        activity: activity.to_owned(),
        days_with: with.len() as u32,
        days_without: without.len() as u32,
        mood_with,
        mood_without,
        difference: mood_with - mood_without,
    })
}

/// One habit's standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HabitOverview {
    /// Habit name.
    pub name: String,
    /// Strength 0–1.
    pub strength: f64,
    /// Streaks.
    pub streaks: Streaks,
}

/// The last seven days against the seven before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklySummary {
    /// First day of the week summarized.
    pub from: NaiveDate,
    /// Last day (today).
    pub to: NaiveDate,
    /// Mood check-ins.
    pub check_ins: u32,
    /// Mean mood this week.
    pub average_mood: Option<f64>,
    /// Mean mood the week before.
    pub previous_average_mood: Option<f64>,
    /// Journal entries written.
    pub journal_entries: u32,
    /// Micro-sessions finished.
    pub sessions_completed: u32,
    /// Habit days marked done.
    pub habit_completions: u32,
    /// The technique rated most helpful this week, if any was rated.
    pub most_helpful_technique: Option<TechniqueId>,
}

/// Everything the insights screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Insights {
    /// Mood over the last `days` days.
    pub mood: MoodSummary,
    /// Activity effects that have enough data.
    pub activity_effects: Vec<ActivityEffect>,
    /// How many activities were left out for lack of data.
    pub activity_effects_withheld: u32,
    /// Technique effectiveness from session ratings.
    pub techniques: Vec<TechniqueStats>,
    /// Habit strength and streaks.
    pub habits: Vec<HabitOverview>,
    /// The weekly summary.
    pub weekly: WeeklySummary,
    /// Treatment-goal progress: mean rating of the last 4 weeks against the 4 before.
    pub goal_progress: Vec<crate::goals::GoalProgress>,
}

/// Computes all insights as of `today` over the last `days` days.
pub fn compute(store: &Store, today: NaiveDate, days: u32) -> Result<Insights> {
    let days = days.max(7);
    let from = today - Duration::days(i64::from(days) - 1);
    let check_ins = mood::list(store, Some(from - Duration::days(7)), Some(today))?;
    let summary = mood::summary(store, today, days)?;
    let daily_mood: BTreeMap<NaiveDate, f64> =
        crate::sort::map_from(summary.daily.iter().map(|d| (d.date, d.average)));

    let all_sessions = sessions::list(store)?;
    let habit_stats = habits::all_stats(store, today)?;
    let mut effects = Vec::new();
    let mut withheld = 0u32;
    let mut habit_done_this_week = 0u32;
    let week_from = today - Duration::days(6);
    for stat in &habit_stats {
        let marks = habits::marks(store, &stat.habit.id)?;
        let done: BTreeSet<NaiveDate> = crate::sort::set_from(
            marks
                .iter()
                .filter(|(_, m)| **m == DayMark::Done)
                .map(|(d, _)| *d),
        );
        habit_done_this_week += done.range(week_from..=today).count() as u32;
        match activity_effect(&stat.habit.draft.name, &daily_mood, &done) {
            Some(effect) => effects.push(effect),
            None => withheld += 1,
        }
    }
    let session_days: BTreeSet<NaiveDate> = crate::sort::set_from(
        all_sessions
            .iter()
            .filter_map(|s| s.finished_at.map(|f| f.date_naive())),
    );
    match activity_effect("micro-session", &daily_mood, &session_days) {
        Some(effect) => effects.push(effect),
        None => withheld += 1,
    }

    let in_week = |d: NaiveDate, start: NaiveDate| d >= start && d <= start + Duration::days(6);
    let prev_from = week_from - Duration::days(7);
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let this_week: Vec<f64> = check_ins
        .iter()
        .filter(|c| in_week(c.at.date_naive(), week_from))
        .map(|c| f64::from(c.draft.mood))
        .collect();
    let last_week: Vec<f64> = check_ins
        .iter()
        .filter(|c| in_week(c.at.date_naive(), prev_from))
        .map(|c| f64::from(c.draft.mood))
        .collect();
    let week_sessions: Vec<_> = all_sessions
        .iter()
        .filter(|s| {
            s.finished_at
                .is_some_and(|f| in_week(f.date_naive(), week_from))
        })
        .cloned()
        .collect();
    let journal_entries = journal::list(store, &JournalFilter::default())?
        .iter()
        .filter(|e| in_week(e.created_at.date_naive(), week_from))
        .count() as u32;
    let weekly = WeeklySummary {
        from: week_from,
        to: today,
        check_ins: this_week.len() as u32,
        average_mood: mean(this_week),
        previous_average_mood: mean(last_week),
        journal_entries,
        sessions_completed: week_sessions.len() as u32,
        habit_completions: habit_done_this_week,
        most_helpful_technique: sessions::suggest::effectiveness(&week_sessions)
            .into_iter()
            .max_by(|a, b| a.average_helpful.total_cmp(&b.average_helpful))
            .map(|s| s.technique),
    };

    Ok(Insights {
        mood: summary,
        activity_effects: effects,
        activity_effects_withheld: withheld,
        techniques: sessions::suggest::effectiveness(&all_sessions),
        habits: habit_stats
            .into_iter()
            .map(|s| HabitOverview {
                name: s.habit.draft.name,
                strength: s.strength,
                streaks: s.streaks,
            })
            .collect(),
        weekly,
        goal_progress: crate::goals::progress(
            &crate::goals::list(store)?,
            &crate::goals::ratings(store)?,
            today,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::habits::{HabitAction, HabitDraft, Schedule};
    use crate::mood::MoodDraft;
    use chrono::{DateTime, FixedOffset};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn at(d: u32) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(&format!("2026-11-{d:02}T20:00:00+01:00")).unwrap()
    }

    #[test]
    fn activity_effect_needs_three_days_each_side() {
        let mood: BTreeMap<NaiveDate, f64> = (1..=6)
            .map(|d| (day(d), if d <= 3 { 8.0 } else { 4.0 }))
            .collect();
        let done: BTreeSet<NaiveDate> = (1..=3).map(day).collect();
        let e = activity_effect("walk", &mood, &done).unwrap();
        assert_eq!(
            (
                e.days_with,
                e.days_without,
                e.mood_with,
                e.mood_without,
                e.difference
            ),
            (3, 3, 8.0, 4.0, 4.0)
        );
        let two: BTreeSet<NaiveDate> = (1..=2).map(day).collect();
        let five_days: BTreeMap<NaiveDate, f64> = mood.clone().into_iter().take(5).collect();
        assert!(activity_effect("walk", &five_days, &two).is_none());
        assert!(activity_effect("walk", &mood, &BTreeSet::new()).is_none());
    }

    #[test]
    fn insights_from_a_constructed_fortnight() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let walk = habits::add(
            &mut store,
            HabitDraft {
                name: "Walk".into(),
                schedule: Schedule::Daily,
                plan: None,
                reminders: vec![],
            },
            day(1),
            at(1),
        )
        .unwrap();
        // Days 1-14: walked on odd days with mood 8, not on even days with mood 5.
        for d in 1..=14 {
            let walked = d % 2 == 1;
            mood::log(
                &mut store,
                MoodDraft {
                    mood: if walked { 8 } else { 5 },
                    ..MoodDraft::default()
                },
                at(d),
            )
            .unwrap();
            if walked {
                habits::record(&mut store, &walk.id, day(d), HabitAction::Check, at(d)).unwrap();
            }
        }
        let i = compute(&store, day(14), 14).unwrap();
        let effect = i
            .activity_effects
            .iter()
            .find(|e| e.activity == "Walk")
            .unwrap();
        assert_eq!((effect.days_with, effect.days_without), (7, 7));
        assert!((effect.difference - 3.0).abs() < 1e-12);
        assert_eq!(i.activity_effects_withheld, 1, "no sessions yet");
        assert_eq!(i.weekly.check_ins, 7);
        // Days 8-14: walked on 9, 11, 13 → (8*3 + 5*4) / 7.
        assert!((i.weekly.average_mood.unwrap() - 44.0 / 7.0).abs() < 1e-12);
        // Days 1-7: walked on 1, 3, 5, 7 → (8*4 + 5*3) / 7.
        assert!((i.weekly.previous_average_mood.unwrap() - 47.0 / 7.0).abs() < 1e-12);
        assert_eq!(i.weekly.habit_completions, 3);
        assert_eq!(i.habits[0].name, "Walk");
        assert_eq!(i.mood.count, 14);
    }
}
