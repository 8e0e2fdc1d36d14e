//! The mood trend chart: the mean mood of each day with check-ins as a line over the period,
//! drawn as vector paths with labelled axes (mood 1–10 up, dates across).

use chrono::NaiveDate;
use solace_core::report::MoodDay;

use crate::layout::{show, Pages, BODY_WIDTH, MARGIN};
use crate::text;

/// Height the chart takes, labels included.
pub const HEIGHT: f32 = 190.0;
const PLOT_HEIGHT: f32 = 150.0;
const LEFT: f32 = 34.0;

/// Draws the chart for `days` (oldest first) over `from..=to` at the cursor.
pub fn draw(pages: &mut Pages, from: NaiveDate, to: NaiveDate, days: &[MoodDay]) {
    let top = pages.take(HEIGHT) - 8.0;
    let (x0, x1) = (MARGIN + LEFT, MARGIN + BODY_WIDTH - 8.0);
    let (y0, y1) = (top - PLOT_HEIGHT, top);
    let span = ((to - from).num_days().max(1)) as f32;
    let x_of = |date: NaiveDate| x0 + (date - from).num_days() as f32 / span * (x1 - x0);
    let y_of = |mood: f64| y0 + ((mood.clamp(1.0, 10.0) - 1.0) / 9.0) as f32 * (y1 - y0);
    let content = pages.content();

    // Grid and mood labels.
    content.set_line_width(0.4).set_stroke_gray(0.85);
    for mood in [1.0, 4.0, 7.0, 10.0] {
        let y = y_of(mood);
        content.move_to(x0, y).line_to(x1, y).stroke();
        let label = format!("{mood:.0}");
        let w = text::width(&label, 8.0, false);
        show(content, x0 - 6.0 - w, y - 3.0, &label, 8.0, false);
    }
    show(
        content,
        MARGIN,
        y1 + 9.0,
        "Mood (1 = worst, 10 = best)",
        8.0,
        false,
    );
    // Axes.
    content
        .set_stroke_gray(0.3)
        .set_line_width(0.8)
        .move_to(x0, y1)
        .line_to(x0, y0)
        .line_to(x1, y0)
        .stroke();
    // Date labels: first day, middle, last day, with ticks.
    let middle = from + chrono::Duration::days((to - from).num_days() / 2);
    for (date, anchor) in [(from, 0.0), (middle, 0.5), (to, 1.0)] {
        let x = x_of(date);
        content.move_to(x, y0).line_to(x, y0 - 3.0).stroke();
        let label = date.format("%Y-%m-%d").to_string();
        let w = text::width(&label, 8.0, false);
        show(content, x - w * anchor, y0 - 13.0, &label, 8.0, false);
    }
    show(
        content,
        x0,
        y0 - 26.0,
        "Date (mean of each day's check-ins)",
        8.0,
        false,
    );

    if days.is_empty() {
        show(
            content,
            x0 + 10.0,
            (y0 + y1) / 2.0,
            "No mood check-ins in this period.",
            10.0,
            false,
        );
        return;
    }
    // The line, then a dot per day.
    content.set_stroke_rgb(0.16, 0.38, 0.62).set_line_width(1.4);
    for (index, day) in days.iter().enumerate() {
        let (x, y) = (x_of(day.date), y_of(day.mean));
        if index == 0 {
            content.move_to(x, y);
        } else {
            content.line_to(x, y);
        }
    }
    content.stroke();
    content.set_fill_rgb(0.16, 0.38, 0.62);
    for day in days {
        let (x, y) = (x_of(day.date), y_of(day.mean));
        content.rect(x - 1.6, y - 1.6, 3.2, 3.2);
    }
    content.fill_nonzero();
}
