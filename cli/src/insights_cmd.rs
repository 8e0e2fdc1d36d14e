//! `solace insights`: the weekly summary, mood trend, activity effects, technique
//! effectiveness and habit strength, all computed on this device.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Duration, NaiveDate};
use solace_core::insights::{self, Insights, MIN_DAYS_EACH_SIDE};
use solace_core::mood::stats::TrendDirection;

use crate::error::{CliError, Result};
use crate::habit_cmd::streak_text;
use crate::output::{bar, count, gauge, percent, Output};
use crate::unlock;

/// Width of bars, in cells.
const BAR_WIDTH: usize = 10;
/// Vertical blocks for the mood sparkline, lowest mood first.
const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Longest sparkline, in days.
const SPARK_DAYS: u32 = 60;

/// Runs `solace insights --days N`.
pub fn run(days: u32, data_dir: &Path, out: &mut Output) -> Result<()> {
    if days == 0 {
        return Err(CliError::input("--days must be at least 1"));
    }
    let store = unlock::open(data_dir)?;
    let today = unlock::today();
    let insights = insights::compute(&store, today, days)?;
    if out.json {
        return out.json(&insights);
    }
    print(&insights, today, days.max(7), out)
}

fn arrow(now: f64, before: f64) -> &'static str {
    let d = now - before;
    if d > 0.25 {
        "↑"
    } else if d < -0.25 {
        "↓"
    } else {
        "→"
    }
}

/// The sparkline block for a daily mean mood of 1–10.
fn level(mood: f64) -> char {
    let index = ((mood.clamp(1.0, 10.0) - 1.0) / 9.0 * (LEVELS.len() - 1) as f64).round();
    LEVELS.get(index as usize).copied().unwrap_or('█')
}

fn print(i: &Insights, today: NaiveDate, days: u32, out: &mut Output) -> Result<()> {
    let w = &i.weekly;
    out.line(format!(
        "This week ({} – {})",
        w.from.format("%b %d"),
        w.to.format("%b %d")
    ))?;
    let mood = match (w.average_mood, w.previous_average_mood) {
        (Some(now), Some(before)) => format!(
            "{now:.1} {} (previous week {before:.1})",
            arrow(now, before)
        ),
        (Some(now), None) => format!("{now:.1} (no check-ins the week before)"),
        (None, Some(before)) => format!("· (previous week {before:.1})"),
        (None, None) => "·".to_owned(),
    };
    let helpful = w
        .most_helpful_technique
        .map_or_else(|| "·".to_owned(), |t| t.technique().name.to_owned());
    for (label, value) in [
        ("check-ins", w.check_ins.to_string()),
        ("average mood", mood),
        ("journal entries", w.journal_entries.to_string()),
        ("sessions", w.sessions_completed.to_string()),
        ("habit days done", w.habit_completions.to_string()),
        ("most helpful", helpful),
    ] {
        out.line(format!("  {label:<16} {value}"))?;
    }

    out.line("")?;
    let m = &i.mood;
    match m.average {
        Some(avg) => out.line(format!(
            "Mood, last {days} days: average {avg:.1} over {}",
            count(u64::from(m.count), "check-in", "check-ins")
        ))?,
        None => out.line(format!(
            "Mood, last {days} days: no check-ins yet (`solace mood log 7`)"
        ))?,
    }
    match &m.trend {
        Some(t) => {
            let (a, word) = match t.direction {
                TrendDirection::Improving => ("↗", "improving"),
                TrendDirection::Worsening => ("↘", "worsening"),
                TrendDirection::Steady => ("→", "steady"),
            };
            out.line(format!(
                "  trend  {a} {word} ({:+.2} per day over {} days)",
                t.slope_per_day, t.days
            ))?;
        }
        None if m.count > 0 => out.line("  trend  not enough days yet")?,
        None => {}
    }
    if m.count > 0 {
        let daily: BTreeMap<NaiveDate, f64> = m.daily.iter().map(|d| (d.date, d.average)).collect();
        let span = days.min(SPARK_DAYS);
        let line: String = (0..span)
            .rev()
            .map(|back| today - Duration::days(i64::from(back)))
            .map(|day| daily.get(&day).map_or('·', |v| level(*v)))
            .collect();
        out.line(format!(
            "  daily  {line}  (last {span} days, · = no check-in)"
        ))?;
    }

    out.line("")?;
    out.line("What goes with your mood")?;
    if i.activity_effects.is_empty() {
        out.line("  nothing to compare yet")?;
    }
    for e in &i.activity_effects {
        out.line(format!(
            "  {}: mood {:.1} on {} with vs {:.1} on {} without ({:+.1})",
            capitalize(&e.activity),
            e.mood_with,
            count(u64::from(e.days_with), "day", "days"),
            e.mood_without,
            count(u64::from(e.days_without), "day", "days"),
            e.difference
        ))?;
    }
    if i.activity_effects_withheld > 0 {
        out.line(format!(
            "  {} left out for lack of data (needs ≥{MIN_DAYS_EACH_SIDE} days with and \
             ≥{MIN_DAYS_EACH_SIDE} without, on days with a mood check-in)",
            count(
                u64::from(i.activity_effects_withheld),
                "activity",
                "activities"
            )
        ))?;
    }
    out.line("  (these are associations, not proof of cause)")?;

    out.line("")?;
    out.line("Techniques (\"did this help?\", 1-5)")?;
    if i.techniques.is_empty() {
        out.line("  no rated sessions yet; try `solace session`")?;
    } else {
        let mut techniques = i.techniques.clone();
        techniques.sort_by(|a, b| b.average_helpful.total_cmp(&a.average_helpful));
        let rows: Vec<Vec<String>> = techniques
            .iter()
            .map(|t| {
                vec![
                    t.technique.technique().name.to_owned(),
                    t.sessions.to_string(),
                    format!(
                        "{:.1} {}",
                        t.average_helpful,
                        bar(t.average_helpful / 5.0, BAR_WIDTH)
                    ),
                ]
            })
            .collect();
        out.table(&["technique", "sessions", "helpful"], &rows)?;
    }

    out.line("")?;
    out.line("Habits")?;
    if i.habits.is_empty() {
        out.line("  no habits yet; add one with `solace habit add NAME --schedule daily`")?;
    }
    let name_width = i
        .habits
        .iter()
        .map(|h| h.name.chars().count())
        .max()
        .unwrap_or(0);
    for h in &i.habits {
        out.line(format!(
            "  {}  {} {:>4}  streak {} (best {})",
            crate::output::pad(&h.name, name_width),
            gauge(h.strength, BAR_WIDTH),
            percent(h.strength),
            streak_text(h.streaks.current, h.streaks.unit),
            streak_text(h.streaks.best, h.streaks.unit)
        ))?;
    }
    if !i.goal_progress.is_empty() {
        out.line("")?;
        out.line("Goal progress (\"did it help with your goal?\", 0-10, last 4 weeks)")?;
    }
    for g in &i.goal_progress {
        let rated = match (g.recent_mean, g.previous_mean) {
            (Some(now), Some(before)) => format!(
                "{now:.1} {} (4 weeks before {before:.1})",
                arrow(now, before)
            ),
            (Some(now), None) => format!("{now:.1}"),
            (None, _) => "not rated lately".to_owned(),
        };
        out.line(format!(
            "  {}  {rated}, {}",
            g.text,
            crate::output::count(u64::from(g.recent_count), "rating", "ratings")
        ))?;
    }
    Ok(())
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_and_levels() {
        assert_eq!(arrow(6.0, 5.0), "↑");
        assert_eq!(arrow(5.0, 6.0), "↓");
        assert_eq!(arrow(5.1, 5.0), "→");
        assert_eq!(level(1.0), '▁');
        assert_eq!(level(10.0), '█');
        assert_eq!(capitalize("micro-session"), "Micro-session");
    }
}
