//! The report a client gives their therapist (`solace report`): the data of a period, gathered
//! from the store into one plain [`TherapistReport`] — mood per day, PHQ-9/GAD-7 results with
//! their bands, habit consistency, technique helpfulness and only the journal entries the
//! person picked. Drawing it (PDF) happens outside the core (`solace-report-pdf`), so the
//! mobile library carries no PDF code.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::assessments::{self, Instrument, Severity};
use crate::error::{CoreError, ReportError, Result};
use crate::habits::{self, schedule::Schedule, DayMark};
use crate::journal::JournalEntry;
use crate::mood::{self, stats};
use crate::record::{self, RecordId, RecordKind};
use crate::sessions;
use crate::store::Store;

/// Longest period a report covers, in days.
pub const MAX_DAYS: u32 = 366;
/// How long after a session a mood check-in still counts as "after the session".
const AFTER_SESSION_HOURS: i64 = 12;

/// Everything the report shows, for the days `from..=to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TherapistReport {
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period (today when made).
    pub to: NaiveDate,
    /// When the report was made; also the PDF's creation date, so a report renders the same
    /// bytes every time.
    pub created_at: DateTime<FixedOffset>,
    /// Days with at least one mood check-in, oldest first.
    pub mood: Vec<MoodDay>,
    /// Mean of all check-ins in the period.
    pub mood_mean: Option<f64>,
    /// Check-ins in the period.
    pub check_ins: u32,
    /// PHQ-9 and GAD-7 results in the period, oldest first.
    pub assessments: Vec<AssessmentRow>,
    /// Active habits and how consistently they were done.
    pub habits: Vec<HabitRow>,
    /// Techniques used in finished micro-sessions of the period.
    pub techniques: Vec<TechniqueRow>,
    /// Only the journal entries the person picked, oldest first.
    pub entries: Vec<ReportEntry>,
}

/// One day of the mood chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoodDay {
    /// The local date.
    pub date: NaiveDate,
    /// Mean mood 1–10 of that day.
    pub mean: f64,
    /// Check-ins that day.
    pub count: u32,
}

/// One questionnaire result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentRow {
    /// The local date it was completed.
    pub date: NaiveDate,
    /// PHQ-9 or GAD-7.
    pub instrument: Instrument,
    /// Total score.
    pub total: u8,
    /// Highest possible score.
    pub max: u8,
    /// The standard band of the total.
    pub band: Severity,
}

/// One habit's consistency over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HabitRow {
    /// The habit's name.
    pub name: String,
    /// Its schedule, as the person wrote it ("daily", "3/week").
    pub schedule: String,
    /// Days marked done in the period.
    pub days_done: u32,
    /// Completions the schedule asked for in the period (scheduled days; for "N per week or
    /// month" schedules, N per window, prorated).
    pub days_expected: u32,
    /// Habit strength 0–1 on the last day.
    pub strength: f64,
}

/// How a technique went in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TechniqueRow {
    /// Display name.
    pub name: String,
    /// Finished sessions with it.
    pub times_used: u32,
    /// Mean "did this help?" rating 1–5 of the rated ones.
    pub mean_helpful: Option<f64>,
    /// Mean change from the session's opening mood to the next check-in within 12 hours
    /// after it, where there was one.
    pub mean_mood_change: Option<f64>,
}

/// A journal entry the person chose to include.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportEntry {
    /// The local date it was written.
    pub date: NaiveDate,
    /// Its title, if any.
    pub title: Option<String>,
    /// Its text (a thought record as its labelled parts).
    pub text: String,
}

/// Resolves the picked entries (full ids or prefixes of 4+ hex characters) to journal entry
/// ids, keeping their order and dropping repeats. A pick that matches nothing, or matches a
/// record that is not a journal entry, is refused with its position (never its content).
pub fn resolve_entries(store: &Store, picks: &[String]) -> Result<Vec<RecordId>> {
    let mut ids = Vec::new();
    for (index, pick) in picks.iter().enumerate() {
        let position = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let id = match store.resolve_prefix(RecordKind::Journal, pick) {
            Ok(id) => id,
            Err(CoreError::NotFound(_)) => {
                return Err(match record::resolve_label(store, &RecordKind::ALL, pick) {
                    Ok(_) => ReportError::NotAJournalEntry { position },
                    Err(_) => ReportError::EntryNotFound { position },
                }
                .into())
            }
            Err(CoreError::InvalidInput(_)) => {
                return Err(ReportError::EntryNotFound { position }.into())
            }
            Err(other) => return Err(other),
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Gathers the report for the `days` days ending on `now`'s date, with the picked journal
/// entries (`entries`, e.g. from [`resolve_entries`]). `days` must be 1–[`MAX_DAYS`].
pub fn build(
    store: &Store,
    now: DateTime<FixedOffset>,
    days: u32,
    entries: &[RecordId],
) -> Result<TherapistReport> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(CoreError::invalid(
            "days",
            crate::error::InputProblem::OutOfRange {
                min: 1,
                max: i64::from(MAX_DAYS),
            },
        ));
    }
    let to = now.date_naive();
    let from = to - Duration::days(i64::from(days) - 1);
    let check_ins = mood::list(store, Some(from), Some(to))?;
    let moods: Vec<f64> = check_ins.iter().map(|c| f64::from(c.draft.mood)).collect();
    let points: Vec<stats::MoodPoint> = check_ins
        .iter()
        .map(|c| stats::MoodPoint {
            at: c.at,
            mood: c.draft.mood,
        })
        .collect();
    let mood = stats::daily_averages(&points)
        .into_iter()
        .map(|d| MoodDay {
            date: d.date,
            mean: d.average,
            count: d.count,
        })
        .collect();
    let assessments = assessments::all(store)?
        .into_iter()
        .filter(|r| (from..=to).contains(&r.at.date_naive()))
        .map(|r| AssessmentRow {
            date: r.at.date_naive(),
            instrument: r.instrument,
            total: r.total,
            max: r.instrument.max_score(),
            band: r.instrument.severity(r.total),
        })
        .collect();
    Ok(TherapistReport {
        from,
        to,
        created_at: now,
        mood,
        mood_mean: mean(&moods),
        check_ins: u32::try_from(check_ins.len()).unwrap_or(u32::MAX),
        assessments,
        habits: habit_rows(store, from, to)?,
        techniques: technique_rows(store, from, to)?,
        entries: picked_entries(store, entries)?,
    })
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn habit_rows(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<HabitRow>> {
    let mut rows = Vec::new();
    for stat in habits::all_stats(store, to)? {
        let marks = habits::marks(store, &stat.habit.id)?;
        let start = stat.habit.start.max(from);
        let days_done = marks
            .range(start..=to)
            .filter(|(_, m)| **m == DayMark::Done)
            .count();
        rows.push(HabitRow {
            name: stat.habit.draft.name.clone(),
            schedule: stat.habit.draft.schedule.to_string(),
            days_done: u32::try_from(days_done).unwrap_or(u32::MAX),
            days_expected: expected(&stat.habit.draft.schedule, stat.habit.start, start, to),
            strength: stat.strength,
        });
    }
    crate::sort::sort_by(&mut rows, |a, b| a.name.cmp(&b.name));
    Ok(rows)
}

/// Completions `schedule` asks for in `from..=to` (a habit started on `start`).
pub fn expected(schedule: &Schedule, start: NaiveDate, from: NaiveDate, to: NaiveDate) -> u32 {
    if to < from {
        return 0;
    }
    let span = (to - from).num_days() + 1;
    match schedule {
        Schedule::TimesPerWeek { .. } | Schedule::TimesPerMonth { .. } => {
            let (times, window) = schedule.target();
            let want = span as f64 * f64::from(times) / f64::from(window.max(1));
            want.round().clamp(0.0, span as f64) as u32
        }
        _ => {
            let mut count = 0u32;
            let mut day = from;
            while day <= to {
                if schedule.is_scheduled_day(start, day) {
                    count += 1;
                }
                day += Duration::days(1);
            }
            count
        }
    }
}

fn technique_rows(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<TechniqueRow>> {
    let check_ins = mood::list(store, Some(from), Some(to + Duration::days(1)))?;
    // technique -> (uses, ratings, mood changes)
    let mut by_technique: BTreeMap<sessions::TechniqueId, (u32, Vec<f64>, Vec<f64>)> =
        BTreeMap::new();
    for session in sessions::list(store)? {
        let (Some(finished), Some(technique)) = (session.finished_at, session.technique) else {
            continue;
        };
        if !(from..=to).contains(&finished.date_naive()) {
            continue;
        }
        let slot = by_technique.entry(technique).or_default();
        slot.0 += 1;
        if let Some(helpful) = session.helpful {
            slot.1.push(f64::from(helpful));
        }
        let until = finished + Duration::hours(AFTER_SESSION_HOURS);
        let after = check_ins.iter().find(|c| {
            c.at > finished && c.at <= until && Some(&c.id) != session.mood_check_in.as_ref()
        });
        if let (Some(opening), Some(after)) = (&session.check_in, after) {
            slot.2
                .push(f64::from(after.draft.mood) - f64::from(opening.mood));
        }
    }
    Ok(by_technique
        .into_iter()
        .map(|(id, (times_used, helpful, changes))| TechniqueRow {
            name: id.technique().name.to_owned(),
            times_used,
            mean_helpful: mean(&helpful),
            mean_mood_change: mean(&changes),
        })
        .collect())
}

fn picked_entries(store: &Store, ids: &[RecordId]) -> Result<Vec<ReportEntry>> {
    let mut out = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        let entry: JournalEntry = store.get(RecordKind::Journal, id)?.ok_or({
            ReportError::EntryNotFound {
                position: u32::try_from(index + 1).unwrap_or(u32::MAX),
            }
        })?;
        out.push(ReportEntry {
            date: entry.created_at.date_naive(),
            title: entry.current.title.clone(),
            text: entry.current.body.text(),
        });
    }
    crate::sort::sort_by_key(&mut out, |e| e.date);
    Ok(out)
}

#[cfg(test)]
mod tests;
