//! Percentiles and the printed table.

use std::time::Duration;

/// Individually timed operations.
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// Wraps samples (any order).
    pub fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self(samples)
    }

    /// The `p`-th percentile in microseconds.
    pub fn micros(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * (self.0.len() - 1) as f64).round() as usize;
        self.0[rank.min(self.0.len() - 1)].as_secs_f64() * 1e6
    }
}

/// One printed line.
pub struct Figure {
    label: String,
    value: String,
    goal: String,
}

impl Figure {
    /// A figure in milliseconds.
    pub fn millis(label: &str, ms: f64, goal: &str) -> Self {
        Self {
            label: label.into(),
            value: format!("{ms:.1} ms"),
            goal: goal.into(),
        }
    }

    /// A latency figure (p50 and p99).
    pub fn latencies(label: &str, samples: &Latencies, goal: &str) -> Self {
        Self {
            label: label.into(),
            value: format!(
                "p50 {:.1} µs, p99 {:.1} µs",
                samples.micros(50.0),
                samples.micros(99.0)
            ),
            goal: goal.into(),
        }
    }

    /// A figure in megabytes.
    pub fn megabytes(label: &str, mb: f64, goal: &str) -> Self {
        Self {
            label: label.into(),
            value: format!("{mb:.1} MB"),
            goal: goal.into(),
        }
    }
}

/// Everything measured in one run.
#[derive(Default)]
pub struct Report {
    lines: Vec<Figure>,
}

impl Report {
    /// Adds a line.
    pub fn push(&mut self, figure: Figure) {
        self.lines.push(figure);
    }

    /// Adds Solace vs SQLCipher lines for one workload, with the p50 ratio.
    pub fn compare(&mut self, label: &str, solace: &Latencies, cipher: &Latencies, goal: &str) {
        self.push(Figure {
            label: format!("{label}: Solace"),
            value: format!(
                "p50 {:.1} µs, p99 {:.1} µs",
                solace.micros(50.0),
                solace.micros(99.0)
            ),
            goal: goal.into(),
        });
        self.push(Figure {
            label: format!("{label}: SQLCipher"),
            value: format!(
                "p50 {:.1} µs, p99 {:.1} µs",
                cipher.micros(50.0),
                cipher.micros(99.0)
            ),
            goal: String::new(),
        });
        self.push(Figure {
            label: "  SQLCipher / Solace (p50, p99)".into(),
            value: format!(
                "{:.2}× , {:.2}×",
                cipher.micros(50.0) / solace.micros(50.0),
                cipher.micros(99.0) / solace.micros(99.0)
            ),
            goal: String::new(),
        });
    }

    /// Prints the table to stdout.
    pub fn print(&self, config: &super::workload::Config) {
        println!();
        println!(
            "Solace storage benchmark — {} saves, {} records, {} reads",
            config.saves, config.records, config.reads
        );
        let width = self
            .lines
            .iter()
            .map(|l| l.label.chars().count())
            .max()
            .unwrap_or(0);
        for line in &self.lines {
            let pad = width - line.label.chars().count();
            println!(
                "{}{}  {:<28} {}",
                line.label,
                " ".repeat(pad),
                line.value,
                if line.goal.is_empty() {
                    String::new()
                } else {
                    format!("goal: {}", line.goal)
                }
            );
        }
    }
}
