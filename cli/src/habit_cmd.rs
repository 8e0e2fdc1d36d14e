//! `solace habit …`: defining habits, marking days, and showing streaks and strength.

use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveTime};
use serde::Serialize;
use solace_core::habits::{
    self, DayMark, Habit, HabitAction, HabitDraft, HabitEvent, HabitStats, IfThenPlan, Reminder,
    Schedule, StreakUnit, Streaks,
};
use solace_core::{record, CoreError, RecordId, RecordKind, Store};

use crate::args::{HabitAddArgs, HabitCommand, HabitDayArgs};
use crate::error::{CliError, Result};
use crate::output::{gauge, percent, Output};
use crate::unlock;

/// Width of the strength gauge, in cells.
const GAUGE_WIDTH: usize = 10;

/// Runs one `habit` subcommand.
pub fn run(command: HabitCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    match command {
        HabitCommand::Add(args) => {
            let (draft, start) = parse_add(args)?;
            let mut store = unlock::open(data_dir)?;
            let habit = habits::add(&mut store, draft, start, unlock::now())?;
            if out.json {
                return out.json(&habit);
            }
            out.line(format!(
                "Added habit \"{}\" ({}), {}, starting {}.",
                habit.draft.name,
                habit.id.short(),
                habit.draft.schedule,
                habit.start
            ))?;
            if let Some(plan) = &habit.draft.plan {
                out.line(format!("Plan: {plan}."))?;
            }
            Ok(())
        }
        HabitCommand::Check(args) => mark(data_dir, args, HabitAction::Check, out),
        HabitCommand::Skip(args) => mark(data_dir, args, HabitAction::Skip, out),
        HabitCommand::Undo(args) => mark(data_dir, args, HabitAction::Undo, out),
        HabitCommand::List { all } => {
            let store = unlock::open(data_dir)?;
            let stats = collect_stats(&store, all)?;
            print_list(&stats, out)
        }
        HabitCommand::Stats { id } => {
            let store = unlock::open(data_dir)?;
            let stats = match id {
                Some(id) => {
                    let id = resolve(&store, &id)?;
                    let one = habits::stats(&store, &id, unlock::today())?;
                    if out.json {
                        return out.json(&one);
                    }
                    vec![one]
                }
                None => collect_stats(&store, false)?,
            };
            if out.json {
                return out.json(&stats);
            }
            if stats.is_empty() {
                return out.line(NO_HABITS);
            }
            for (i, s) in stats.iter().enumerate() {
                if i > 0 {
                    out.line("")?;
                }
                print_details(s, out)?;
            }
            Ok(())
        }
        HabitCommand::Archive { id } => {
            let mut store = unlock::open(data_dir)?;
            let id = resolve(&store, &id)?;
            let habit = habits::set_archived(&mut store, &id, true)?;
            if out.json {
                return out.json(&habit);
            }
            out.line(format!(
                "Archived habit \"{}\"; its history is kept (see `solace habit list --all`).",
                habit.draft.name
            ))
        }
    }
}

const NO_HABITS: &str = "No habits yet; add one with `solace habit add NAME --schedule daily`.";

/// Builds the draft and start day from `habit add` arguments (before any passphrase prompt).
fn parse_add(args: HabitAddArgs) -> Result<(HabitDraft, NaiveDate)> {
    let schedule = Schedule::parse(&args.schedule).map_err(CliError::input)?;
    let plan = match (args.cue, args.then) {
        (Some(cue), Some(action)) => Some(IfThenPlan { cue, action }),
        (None, None) => None,
        _ => return Err(CliError::input("--if and --then go together")),
    };
    let reminders = args
        .reminders
        .iter()
        .map(|text| {
            NaiveTime::parse_from_str(text.trim(), "%H:%M")
                .map(|time| Reminder {
                    time,
                    weekdays: Vec::new(),
                })
                .map_err(|_| CliError::input(format!("--remind '{text}' is not a time like 07:30")))
        })
        .collect::<Result<Vec<_>>>()?;
    let start = match &args.start {
        Some(text) => parse_day(text)?,
        None => unlock::today(),
    };
    let draft = HabitDraft {
        name: args.name,
        schedule,
        plan,
        reminders,
    };
    Ok((draft, start))
}

/// Parses `YYYY-MM-DD`, `today` or `yesterday`.
fn parse_day(text: &str) -> Result<NaiveDate> {
    let today = unlock::today();
    match text.trim().to_ascii_lowercase().as_str() {
        "today" => Ok(today),
        "yesterday" => Ok(today - Duration::days(1)),
        other => NaiveDate::parse_from_str(other, "%Y-%m-%d")
            .map_err(|_| CliError::input(format!("'{text}' is not a date like 2026-11-05"))),
    }
}

/// Finds a habit by exact name (case-insensitive) or by id prefix.
pub fn resolve(store: &Store, text: &str) -> Result<RecordId> {
    let wanted = text.trim().to_lowercase();
    let all = habits::list(store, true)?;
    let named: Vec<&Habit> = all
        .iter()
        .filter(|h| h.draft.name.to_lowercase() == wanted)
        .collect();
    let active: Vec<&Habit> = named.iter().copied().filter(|h| !h.archived).collect();
    match (named.as_slice(), active.as_slice()) {
        ([one], _) | (_, [one]) => return Ok(one.id),
        ([], _) => {}
        _ => {
            return Err(CliError::input(
                "several habits have that name; use the id instead",
            ))
        }
    }
    match record::resolve_label(store, &[RecordKind::Habit], text) {
        Ok(id) => Ok(id),
        Err(CoreError::InvalidInput(_)) => Err(CoreError::NotFound("habit").into()),
        Err(err) => Err(err.into()),
    }
}

#[derive(Serialize)]
struct MarkReport<'a> {
    event: &'a HabitEvent,
    stats: &'a HabitStats,
}

fn mark(data_dir: &Path, args: HabitDayArgs, action: HabitAction, out: &mut Output) -> Result<()> {
    let day = match &args.date {
        Some(text) => parse_day(text)?,
        None => unlock::today(),
    };
    let mut store = unlock::open(data_dir)?;
    let id = resolve(&store, &args.id)?;
    let event = habits::record(&mut store, &id, day, action, unlock::now())?;
    let stats = habits::stats(&store, &id, unlock::today())?;
    if out.json {
        return out.json(&MarkReport {
            event: &event,
            stats: &stats,
        });
    }
    let what = match action {
        HabitAction::Check => "✓ done",
        HabitAction::Skip => "– skipped",
        HabitAction::Undo => "mark cleared",
    };
    out.line(format!(
        "{}: {what} for {day}. Streak {}, strength {}.",
        stats.habit.draft.name,
        streak_text(stats.streaks.current, stats.streaks.unit),
        percent(stats.strength)
    ))
}

/// Stats of the active habits, or of all of them with `include_archived`.
fn collect_stats(store: &Store, include_archived: bool) -> Result<Vec<HabitStats>> {
    let today = unlock::today();
    if !include_archived {
        return Ok(habits::all_stats(store, today)?);
    }
    habits::list(store, true)?
        .iter()
        .map(|h| Ok(habits::stats(store, &h.id, today)?))
        .collect()
}

/// `4 days`, `1 week`, `2 months`.
pub fn streak_text(count: u32, unit: StreakUnit) -> String {
    let word = match unit {
        StreakUnit::Days => "day",
        StreakUnit::Weeks => "week",
        StreakUnit::Months => "month",
    };
    format!("{count} {word}{}", if count == 1 { "" } else { "s" })
}

fn streaks_text(s: &Streaks) -> String {
    format!(
        "{} (best {})",
        streak_text(s.current, s.unit),
        streak_text(s.best, s.unit)
    )
}

fn today_text(mark: Option<DayMark>) -> &'static str {
    match mark {
        Some(DayMark::Done) => "✓ done",
        Some(DayMark::Skipped) => "– skipped",
        None => "·",
    }
}

fn print_list(stats: &[HabitStats], out: &mut Output) -> Result<()> {
    if out.json {
        return out.json(stats);
    }
    if stats.is_empty() {
        return out.line(NO_HABITS);
    }
    let rows: Vec<Vec<String>> = stats
        .iter()
        .map(|s| {
            let h = &s.habit;
            let name = if h.archived {
                format!("{} (archived)", h.draft.name)
            } else {
                h.draft.name.clone()
            };
            vec![
                h.id.short(),
                name,
                h.draft.schedule.to_string(),
                streak_text(s.streaks.current, s.streaks.unit),
                percent(s.strength),
                today_text(s.today).to_owned(),
            ]
        })
        .collect();
    out.table(
        &["id", "name", "schedule", "streak", "strength", "today"],
        &rows,
    )
}

fn print_details(s: &HabitStats, out: &mut Output) -> Result<()> {
    let h = &s.habit;
    let archived = if h.archived { ", archived" } else { "" };
    out.line(format!("{} ({}{archived})", h.draft.name, h.id.short()))?;
    let mut fields = vec![
        (
            "schedule",
            format!("{}, since {}", h.draft.schedule, h.start),
        ),
        ("streak", streaks_text(&s.streaks)),
        (
            "strength",
            format!("{} {}", gauge(s.strength, GAUGE_WIDTH), percent(s.strength)),
        ),
        ("last 30 days", format!("{} done", s.done_last_30_days)),
        ("today", today_text(s.today).to_owned()),
    ];
    if let Some(plan) = &h.draft.plan {
        fields.push(("plan", plan.to_string()));
    }
    if !h.draft.reminders.is_empty() {
        let times: Vec<String> = h
            .draft
            .reminders
            .iter()
            .map(|r| r.time.format("%H:%M").to_string())
            .collect();
        fields.push(("reminders", times.join(", ")));
    }
    for (label, value) in fields {
        out.line(format!("  {label:<13} {value}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streak_words() {
        assert_eq!(streak_text(1, StreakUnit::Days), "1 day");
        assert_eq!(streak_text(3, StreakUnit::Weeks), "3 weeks");
        assert!(parse_day("2026-11-05").is_ok());
        assert!(parse_day("5/11/2026").is_err());
    }
}
