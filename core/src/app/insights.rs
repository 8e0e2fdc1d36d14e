//! The insights screen as ready-to-draw charts: mood over a window of days, mood by weekday,
//! habit strength and how helpful each technique has been, each with the sentence a screen
//! reader says instead of the picture, plus the headline. Assembled once here so the Kotlin
//! and Swift view models only hold the result.

use chrono::NaiveDate;

use super::present::{chart_x, mood_headline, trend_label, weekday_short};
use crate::error::Result;
use crate::habits::{self, HabitStats};
use crate::mood::{self, stats::MoodSummary};
use crate::sessions::{self, suggest::TechniqueStats};
use crate::store::Store;

/// Lowest mood on the scale (the bottom of the mood chart).
pub const MOOD_MIN: f64 = 1.0;
/// Highest mood on the scale (the top of the mood chart and of the weekday bars).
pub const MOOD_MAX: f64 = 10.0;
/// Top of the habit-strength bars (percent).
pub const STRENGTH_MAX: f64 = 100.0;
/// Top of the technique bars (the "did this help?" scale).
pub const HELPFUL_MAX: f64 = 5.0;

/// One point of a line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// Day index in the window (0 = oldest day, `x_count - 1` = today).
    pub x: u32,
    /// The value (a day's average mood).
    pub y: f64,
    /// The day (`YYYY-MM-DD`), for a tooltip or the accessibility sentence.
    pub label: String,
}

/// A line chart a canvas draws as is, with what a screen reader says instead.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Points, oldest first; days without data have none.
    pub points: Vec<ChartPoint>,
    /// Positions on the x axis (the days in the window).
    pub x_count: u32,
    /// Bottom of the y axis.
    pub y_min: f64,
    /// Top of the y axis.
    pub y_max: f64,
    /// The chart in one sentence.
    pub accessibility_label: String,
}

/// One bar of a bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What the bar is ("Mon", a habit's or a technique's name).
    pub label: String,
    /// Its height in the chart's range; `None` for "no data".
    pub value: Option<f64>,
    /// The value in words ("7.0 from 3", "64% strength").
    pub detail: String,
}

/// A bar chart, with what a screen reader says instead.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Bars in display order.
    pub bars: Vec<Bar>,
    /// Top of the value range (bars start at 0).
    pub max: f64,
    /// The chart in one sentence.
    pub accessibility_label: String,
}

/// Everything the insights screen shows over a window of days. (Named apart from
/// [`crate::insights::Insights`], the statistics these charts are drawn from.)
#[derive(Debug, Clone, PartialEq)]
pub struct InsightCharts {
    /// Daily average mood over the window.
    pub mood: LineChart,
    /// Average mood per weekday, Monday first.
    pub weekdays: BarChart,
    /// Strength of each active habit, in percent.
    pub habits: BarChart,
    /// Mean "did this help?" rating of each technique that was rated.
    pub techniques: BarChart,
    /// "6.2 average from 14 check-ins, improving".
    pub headline: String,
}

/// The insights charts over the `days` days ending `today` (one read of mood, habits and
/// sessions).
pub fn insights(store: &Store, days: u32, today: NaiveDate) -> Result<InsightCharts> {
    let summary = mood::summary(store, today, days)?;
    let habits = habits::all_stats(store, today)?;
    let ratings = sessions::suggest::effectiveness(&sessions::list(store)?);
    Ok(charts(&summary, &habits, &ratings, days, today))
}

/// The charts from already computed statistics (pure).
pub fn charts(
    summary: &MoodSummary,
    habits: &[HabitStats],
    ratings: &[TechniqueStats],
    days: u32,
    today: NaiveDate,
) -> InsightCharts {
    InsightCharts {
        mood: mood_chart(summary, days, today),
        weekdays: weekday_chart(summary, days),
        habits: habit_chart(habits),
        techniques: technique_chart(ratings),
        headline: mood_headline(
            summary.count,
            summary.average,
            summary.trend.as_ref().map(|t| t.direction),
            days,
        ),
    }
}

fn one_decimal(v: f64) -> String {
    format!("{v:.1}")
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// "Title: label detail; label detail", or `empty` when there are no bars.
fn bars_sentence(title: &str, bars: &[Bar], empty: &str) -> String {
    if bars.is_empty() {
        return empty.to_owned();
    }
    let parts: Vec<String> = bars
        .iter()
        .map(|b| format!("{} {}", b.label, b.detail))
        .collect();
    format!("{title}: {}", parts.join("; "))
}

fn mood_chart(summary: &MoodSummary, days: u32, today: NaiveDate) -> LineChart {
    let points: Vec<ChartPoint> = summary
        .daily
        .iter()
        .filter_map(|d| {
            chart_x(d.date, today, days).map(|x| ChartPoint {
                x,
                y: d.average,
                label: d.date.format("%Y-%m-%d").to_string(),
            })
        })
        .collect();
    let accessibility_label = match points.last() {
        None => format!("Mood chart: no check-ins in the last {days} days"),
        Some(last) => {
            let mut line = format!(
                "Mood chart over the last {days} days: {} logged, lowest {}, highest {}, latest {} on {}",
                plural(points.len(), "day"),
                summary.min.unwrap_or_default(),
                summary.max.unwrap_or_default(),
                one_decimal(last.y),
                last.label,
            );
            if let Some(trend) = &summary.trend {
                line.push_str(", trend ");
                line.push_str(trend_label(trend.direction));
            }
            line
        }
    };
    LineChart {
        points,
        x_count: days,
        y_min: MOOD_MIN,
        y_max: MOOD_MAX,
        accessibility_label,
    }
}

fn weekday_chart(summary: &MoodSummary, days: u32) -> BarChart {
    let bars: Vec<Bar> = summary
        .weekdays
        .iter()
        .map(|w| Bar {
            label: weekday_short(w.weekday).to_owned(),
            value: w.average,
            detail: match w.average {
                Some(avg) if w.count > 0 => format!("{} from {}", one_decimal(avg), w.count),
                _ => "no check-ins".to_owned(),
            },
        })
        .collect();
    let accessibility_label = if summary.count == 0 {
        format!("Mood by weekday: no check-ins in the last {days} days")
    } else {
        bars_sentence("Average mood by weekday", &bars, "")
    };
    BarChart {
        bars,
        max: MOOD_MAX,
        accessibility_label,
    }
}

fn habit_chart(habits: &[HabitStats]) -> BarChart {
    let bars: Vec<Bar> = habits
        .iter()
        .map(|s| {
            let percent = s.strength * 100.0;
            Bar {
                label: s.habit.draft.name.clone(),
                value: Some(percent),
                detail: format!("{}% strength", percent.round()),
            }
        })
        .collect();
    BarChart {
        accessibility_label: bars_sentence("Habit strength", &bars, "No habits yet"),
        bars,
        max: STRENGTH_MAX,
    }
}

fn technique_chart(ratings: &[TechniqueStats]) -> BarChart {
    let bars: Vec<Bar> = ratings
        .iter()
        .filter(|r| r.sessions > 0)
        .map(|r| Bar {
            label: r.technique.technique().name.to_owned(),
            value: Some(r.average_helpful),
            detail: format!(
                "{} of 5 from {}",
                one_decimal(r.average_helpful),
                plural(r.sessions as usize, "session")
            ),
        })
        .collect();
    BarChart {
        accessibility_label: bars_sentence(
            "How helpful each technique was",
            &bars,
            "No rated sessions yet",
        ),
        bars,
        max: HELPFUL_MAX,
    }
}

#[cfg(test)]
#[path = "insights_tests.rs"]
mod tests;
