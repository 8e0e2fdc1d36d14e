//! `solace mood …`: check-ins, their list, a summary and the year-in-pixels calendar.

use std::path::Path;

use chrono::{DateTime, Datelike, Duration, NaiveDate};
use solace_core::mood::stats::{CalendarDay, MoodSummary, TrendDirection};
use solace_core::mood::{self, MoodCheckIn, MoodDraft};

use crate::args::{MoodCommand, MoodLogArgs};
use crate::error::{CliError, Result};
use crate::output::{bar, truncate, Output};
use crate::unlock;

/// Highest value of the mood scale.
const SCALE_MAX: f64 = 10.0;
/// Width of the weekday and weekly bars, in cells.
const BAR_WIDTH: usize = 10;
/// Vertical blocks for the calendar, lowest mood first.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Three-letter month names for the calendar rows.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Runs one `mood` subcommand.
pub fn run(command: MoodCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    match command {
        MoodCommand::Log(args) => {
            // Parse the time before asking for the passphrase.
            let at = match &args.at {
                Some(text) => DateTime::parse_from_rfc3339(text).map_err(|_| {
                    CliError::input("--at must be an RFC 3339 time, e.g. 2026-11-05T21:00:00+01:00")
                })?,
                None => unlock::now(),
            };
            let mut store = unlock::open(data_dir)?;
            let check_in = mood::log(&mut store, draft(args), at)?;
            if out.json {
                return out.json(&check_in);
            }
            out.line(format!(
                "Logged mood {}/10 at {} ({}).",
                check_in.draft.mood,
                check_in.at.format("%Y-%m-%d %H:%M"),
                check_in.id.short()
            ))
        }
        MoodCommand::List { days } => {
            let store = unlock::open(data_dir)?;
            let from = days.map(|d| first_day(unlock::today(), d));
            let check_ins = mood::list(&store, from, None)?;
            print_list(&check_ins, out)
        }
        MoodCommand::Stats {
            calendar: Some(year),
            ..
        } => {
            let store = unlock::open(data_dir)?;
            let days = mood::year_in_pixels(&store, year)?;
            if out.json {
                return out.json(&days);
            }
            print_calendar(year, &days, out)
        }
        MoodCommand::Stats {
            days,
            calendar: None,
        } => {
            if days == 0 {
                return Err(CliError::input("--days must be at least 1"));
            }
            let store = unlock::open(data_dir)?;
            let summary = mood::summary(&store, unlock::today(), days)?;
            if out.json {
                return out.json(&summary);
            }
            print_summary(&summary, days, out)
        }
    }
}

fn draft(args: MoodLogArgs) -> MoodDraft {
    MoodDraft {
        mood: args.mood,
        emotions: args.emotions,
        energy: args.energy,
        anxiety: args.anxiety,
        sleep_hours: args.sleep,
        note: args.note,
    }
}

/// The first day of a window of `days` days ending `today`.
fn first_day(today: NaiveDate, days: u32) -> NaiveDate {
    today - Duration::days(i64::from(days.max(1)) - 1)
}

fn opt(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "·".to_owned(), |v| v.to_string())
}

fn print_list(check_ins: &[MoodCheckIn], out: &mut Output) -> Result<()> {
    if out.json {
        return out.json(check_ins);
    }
    if check_ins.is_empty() {
        return out.line("No mood check-ins; log one with `solace mood log 7`.");
    }
    let rows: Vec<Vec<String>> = check_ins
        .iter()
        .map(|c| {
            let d = &c.draft;
            vec![
                c.id.short(),
                c.at.format("%Y-%m-%d %H:%M").to_string(),
                format!("{:>2} {}", d.mood, bar(f64::from(d.mood) / SCALE_MAX, 5)),
                opt(d.energy),
                opt(d.anxiety),
                opt(d.sleep_hours),
                d.emotions.join(","),
                d.note
                    .as_deref()
                    .map(|n| truncate(n, 30))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    out.table(
        &[
            "id", "when", "mood", "energy", "anxiety", "sleep", "emotions", "note",
        ],
        &rows,
    )
}

fn print_summary(s: &MoodSummary, days: u32, out: &mut Output) -> Result<()> {
    out.line(format!(
        "Mood over the last {days} days: {} check-in{} on {} day{}",
        s.count,
        if s.count == 1 { "" } else { "s" },
        s.days_logged,
        if s.days_logged == 1 { "" } else { "s" },
    ))?;
    let Some(average) = s.average else {
        return out.line("No check-ins in this period; log one with `solace mood log 7`.");
    };
    out.line("")?;
    out.line(
        format!(
            "  average   {average:.1} / 10   {}",
            bar(average / SCALE_MAX, BAR_WIDTH)
        )
        .trim_end(),
    )?;
    out.line(format!("  range     {} – {}", opt(s.min), opt(s.max)))?;
    match &s.trend {
        Some(trend) => {
            let (arrow, word) = match trend.direction {
                TrendDirection::Improving => ("↗", "improving"),
                TrendDirection::Worsening => ("↘", "worsening"),
                TrendDirection::Steady => ("→", "steady"),
            };
            out.line(format!(
                "  trend     {arrow} {word} ({:+.2} per day over {} days)",
                trend.slope_per_day, trend.days
            ))?;
        }
        None => out.line("  trend     not enough days yet")?,
    }

    out.line("")?;
    out.line("By weekday")?;
    for w in &s.weekdays {
        let line = match w.average {
            Some(avg) => format!(
                "  {}  {}  {avg:>4.1}  ({})",
                w.weekday,
                bar(avg / SCALE_MAX, BAR_WIDTH),
                w.count
            ),
            None => format!("  {}  {}     ·", w.weekday, bar(0.0, BAR_WIDTH)),
        };
        out.line(line.trim_end())?;
    }

    if !s.weekly.is_empty() {
        out.line("")?;
        out.line("By week")?;
        for w in &s.weekly {
            out.line(format!(
                "  {}-W{:02}  from {}  {}  {:>4.1}  ({})",
                w.iso_year,
                w.iso_week,
                w.week_start.format("%Y-%m-%d"),
                bar(w.average / SCALE_MAX, BAR_WIDTH),
                w.average,
                w.count
            ))?;
        }
    }
    Ok(())
}

/// The calendar block for a mood of 1–10.
fn level(mood: u8) -> char {
    let index = usize::from(mood.clamp(1, 10) - 1) * (LEVELS.len() - 1) / 9;
    LEVELS.get(index).copied().unwrap_or('█')
}

fn print_calendar(year: i32, days: &[CalendarDay], out: &mut Output) -> Result<()> {
    out.line(format!("Year in pixels {year}"))?;
    out.line("")?;
    // Day numbers above every fifth column, right-aligned on the column.
    let mut header = vec![' '; 5 + 31 * 2];
    for day in [1usize, 5, 10, 15, 20, 25, 30] {
        let end = 5 + (day - 1) * 2;
        for (i, digit) in day.to_string().chars().rev().enumerate() {
            if let Some(cell) = end.checked_sub(i).and_then(|at| header.get_mut(at)) {
                *cell = digit;
            }
        }
    }
    out.line(header.iter().collect::<String>().trim_end())?;
    for (index, name) in MONTHS.iter().enumerate() {
        let month = index as u32 + 1;
        let mut cells = [' '; 31];
        let mut sum = 0u32;
        let mut logged = 0u32;
        for day in days
            .iter()
            .filter(|d| d.date.year() == year && d.date.month() == month)
        {
            let cell = cells.get_mut(day.date.day0() as usize);
            if let Some(cell) = cell {
                *cell = day.mood.map_or('·', level);
            }
            if let Some(m) = day.mood {
                sum += u32::from(m);
                logged += 1;
            }
        }
        let mut line = format!("{name}  ");
        for cell in cells {
            line.push(cell);
            line.push(' ');
        }
        if logged > 0 {
            line.push_str(&format!(" {:.1}", f64::from(sum) / f64::from(logged)));
        }
        out.line(line.trim_end())?;
    }
    out.line("")?;
    out.line(format!(
        "     low {} high   · no check-in   (mood 1–10; monthly average at the end)",
        LEVELS.iter().collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_span_the_scale() {
        assert_eq!(level(1), '▁');
        assert_eq!(level(10), '█');
        assert_eq!(level(5), '▄');
        let today = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        assert_eq!(
            first_day(today, 7),
            NaiveDate::from_ymd_opt(2026, 10, 30).unwrap()
        );
    }
}
