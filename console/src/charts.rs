//! Server-rendered SVG charts of a client's shared PHQ-9 and GAD-7 results (severity bands
//! behind the line, a point per result, reliable changes marked) and of their shared mood
//! trend, each with the same data as a table for screen readers. Colours come from classes in `console.css` (the CSP forbids inline
//! styles).

use maud::{html, Markup};
use solace_core::app::measures::{Change, MeasureSeries};
use solace_core::assessments::Severity;
use solace_core::messaging::mood_share::MoodTrend;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 120.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;

fn band_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Minimal => "band-minimal",
        Severity::Mild => "band-mild",
        Severity::Moderate => "band-moderate",
        Severity::ModeratelySevere => "band-modsevere",
        Severity::Severe => "band-severe",
    }
}

fn day(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// One instrument's chart and table (a sentence when nothing was shared).
pub fn measure(series: &MeasureSeries) -> Markup {
    let name = series.instrument.name();
    if series.points.is_empty() {
        return html! { p.muted { "No " (name) " shared yet." } };
    }
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = f64::from(series.max.max(1));
    let y = |score: f64| TOP + plot_h * (1.0 - score / max);
    let (first, last) = (
        series.points.first().map_or(0, |p| p.unix),
        series.points.last().map_or(0, |p| p.unix),
    );
    let span = (last - first).max(1) as f64;
    let x = |unix: i64| {
        if last == first {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * ((unix - first) as f64 / span)
        }
    };
    let line: String = series
        .points
        .iter()
        .map(|p| format!("{:.1},{:.1}", x(p.unix), y(f64::from(p.total))))
        .collect::<Vec<_>>()
        .join(" ");
    let id = series.instrument.slug();
    let latest = series.points.last();
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img"
                aria-labelledby={ (id) "-title " (id) "-desc" } {
                title id={ (id) "-title" } { (name) " over time" }
                desc id={ (id) "-desc" } {
                    (series.points.len()) " results from " (day(&series.points[0].at))
                    @if let Some(p) = latest { "; latest " (p.total) " (" (p.severity.label()) ")" }
                    ". Reliable change is " (series.reliable_change) " points or more."
                }
                @for band in &series.bands {
                    @let top = y(f64::from(band.to) + 1.0).max(TOP);
                    @let bottom = y(f64::from(band.from));
                    rect class=(band_class(band.severity)) x=(LEFT) y=(format!("{top:.1}"))
                        width=(format!("{plot_w:.1}")) height=(format!("{:.1}", bottom - top)) {}
                    text.band-label x=(format!("{:.1}", LEFT + plot_w + 6.0))
                        y=(format!("{:.1}", (top + bottom) / 2.0 + 4.0)) { (band.severity.label()) }
                }
                text.axis x="4" y=(format!("{:.1}", y(0.0) + 4.0)) { "0" }
                text.axis x="4" y=(format!("{:.1}", y(max) + 8.0)) { (series.max) }
                text.axis x=(LEFT) y=(HEIGHT - 6.0) { (day(&series.points[0].at)) }
                @if let Some(p) = latest {
                    text.axis x=(format!("{:.1}", LEFT + plot_w)) y=(HEIGHT - 6.0) text-anchor="end" { (day(&p.at)) }
                }
                polyline.series points=(line) {}
                @for p in &series.points {
                    @let (cx, cy) = (x(p.unix), y(f64::from(p.total)));
                    circle.point cx=(format!("{cx:.1}")) cy=(format!("{cy:.1}")) r="3.5" {
                        title { (day(&p.at)) ": " (p.total) " (" (p.severity.label()) ")" }
                    }
                    @if let Some(change) = p.change {
                        circle class=(match change { Change::Improved => "rc-better", Change::Worsened => "rc-worse" })
                            cx=(format!("{cx:.1}")) cy=(format!("{cy:.1}")) r="8" {}
                    }
                }
            }
            figcaption { (name) ": ringed points are reliable changes (≥ " (series.reliable_change) " points)." }
        }
        table.measures {
            caption { (name) " results" }
            thead { tr {
                th scope="col" { "Date" }
                th scope="col" { "Score" }
                th scope="col" { "Band" }
                th scope="col" { "Change" }
                @if series.points.iter().any(|p| p.item9.is_some()) { th scope="col" { "Item 9" } }
            } }
            tbody {
                @for p in series.points.iter().rev() {
                    tr {
                        td { (day(&p.at)) }
                        td { (p.total) }
                        td { (p.severity.label()) }
                        td {
                            @match (p.delta, p.change) {
                                (Some(d), Some(Change::Improved)) => { (d) " · reliable improvement" }
                                (Some(d), Some(Change::Worsened)) => { "+" (d) " · reliable worsening" }
                                (Some(d), None) if d > 0 => { "+" (d) }
                                (Some(d), None) => { (d) }
                                (None, _) => { "first" }
                            }
                        }
                        @if let Some(item9) = p.item9 {
                            td class=[(item9 > 0).then_some("flag")] { (item9) }
                        }
                    }
                }
            }
        }
    }
}

/// The client's shared mood trend: daily averages (1–10) as a line, the mean of the latest 30
/// days beside the 30 before, and the days as a table for screen readers.
pub fn mood(trend: &MoodTrend) -> Markup {
    let (Some(first), Some(last)) = (trend.days.first(), trend.days.last()) else {
        return html! { p.muted { "No mood check-ins in the shared trend yet." } };
    };
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |level: f64| TOP + plot_h * (1.0 - (level - 1.0) / 9.0);
    let span = (last.date - first.date).num_days().max(1) as f64;
    let x = |date: chrono::NaiveDate| {
        if last.date == first.date {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * ((date - first.date).num_days() as f64 / span)
        }
    };
    let line: String = trend
        .days
        .iter()
        .map(|d| format!("{:.1},{:.1}", x(d.date), y(d.average)))
        .collect::<Vec<_>>()
        .join(" ");
    let recent = trend.last_30_days().map(|(_, mean)| mean);
    let recent_from = last.date - chrono::Duration::days(29);
    let before = trend.mean_between(
        recent_from - chrono::Duration::days(30),
        recent_from - chrono::Duration::days(1),
    );
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-labelledby="mood-title mood-desc" {
                title id="mood-title" { "Mood over time" }
                desc id="mood-desc" {
                    "Daily mood averages from " (first.date) " to " (last.date) ", on a scale of 1 to 10."
                }
                text.axis x="4" y=(format!("{:.1}", y(1.0) + 4.0)) { "1" }
                text.axis x="4" y=(format!("{:.1}", y(10.0) + 8.0)) { "10" }
                text.axis x=(LEFT) y=(HEIGHT - 6.0) { (first.date) }
                text.axis x=(format!("{:.1}", LEFT + plot_w)) y=(HEIGHT - 6.0) text-anchor="end" { (last.date) }
                polyline.series points=(line) {}
                @for d in &trend.days {
                    circle.point cx=(format!("{:.1}", x(d.date))) cy=(format!("{:.1}", y(d.average))) r="2.5" {
                        title { (d.date) ": " (d.average) " (" (d.count) " check-ins)" }
                    }
                }
            }
            figcaption {
                "Mood, daily average (1–10). "
                @if let Some((mean, count)) = recent {
                    "Last 30 days to " (last.date) ": " (mean) " over " (count) " check-ins"
                }
                @if let Some((mean, count)) = before {
                    "; the 30 days before: " (mean) " over " (count) "."
                } @else { "." }
            }
        }
        details {
            summary { "Mood by day (" (trend.days.len()) " days)" }
            table.measures {
                caption { "Daily mood averages" }
                thead { tr { th scope="col" { "Date" } th scope="col" { "Average" } th scope="col" { "Check-ins" } } }
                tbody {
                    @for d in trend.days.iter().rev() {
                        tr { td { (d.date) } td { (d.average) } td { (d.count) } }
                    }
                }
            }
        }
    }
}
