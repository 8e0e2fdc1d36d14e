//! The insights screen's charts, assembled once in [`solace_core::app::insights`]; the core
//! structs cross the FFI as they are (checked against them by `uniffi::remote`).

pub use solace_core::app::insights::{Bar, BarChart, ChartPoint, InsightCharts, LineChart};

/// One point of a line chart.
#[uniffi::remote(Record)]
pub struct ChartPoint {
    /// Day index in the window (0 = oldest day, `x_count - 1` = today).
    pub x: u32,
    /// The value (a day's average mood).
    pub y: f64,
    /// The day (`YYYY-MM-DD`).
    pub label: String,
}

/// A line chart a canvas draws as is, with what a screen reader says instead.
#[uniffi::remote(Record)]
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
#[uniffi::remote(Record)]
pub struct Bar {
    /// What the bar is ("Mon", a habit's or a technique's name).
    pub label: String,
    /// Its height in the chart's range; null for "no data".
    pub value: Option<f64>,
    /// The value in words ("7.0 from 3", "64% strength").
    pub detail: String,
}

/// A bar chart, with what a screen reader says instead.
#[uniffi::remote(Record)]
pub struct BarChart {
    /// Bars in display order.
    pub bars: Vec<Bar>,
    /// Top of the value range (bars start at 0).
    pub max: f64,
    /// The chart in one sentence.
    pub accessibility_label: String,
}

/// Everything the insights screen shows over a window of days.
#[uniffi::remote(Record)]
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
