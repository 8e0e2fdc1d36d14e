//! Everything written to stdout: text lines, aligned tables, unicode bars and JSON.
//!
//! Write errors are returned rather than panicking, so `solace … | head` ends quietly.

use std::fmt::Display;
use std::io::{self, Write};

use serde::Serialize;

use crate::error::Result;

/// Where command results go, and in which form.
pub struct Output {
    /// Whether results are printed as JSON.
    pub json: bool,
    out: io::StdoutLock<'static>,
}

impl Output {
    /// Output to stdout, as JSON when `json` is set.
    pub fn stdout(json: bool) -> Self {
        Self {
            json,
            out: io::stdout().lock(),
        }
    }

    /// Writes one line of text.
    pub fn line(&mut self, text: impl Display) -> Result<()> {
        writeln!(self.out, "{text}")?;
        Ok(())
    }

    /// Writes a line for people; says nothing in JSON mode (where the exit code tells success).
    pub fn note(&mut self, text: impl Display) -> Result<()> {
        if self.json {
            return Ok(());
        }
        self.line(text)
    }

    /// Writes `value` as pretty JSON followed by a newline.
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value)?;
        writeln!(self.out)?;
        Ok(())
    }

    /// Writes a table: a header row, then `rows`, columns padded to their widest cell.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
        let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
        for row in rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(width(cell));
                }
            }
        }
        let header: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
        self.row(&header, &widths)?;
        for row in rows {
            self.row(row, &widths)?;
        }
        Ok(())
    }

    fn row(&mut self, cells: &[String], widths: &[usize]) -> Result<()> {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                line.push_str(&pad(cell, widths.get(i).copied().unwrap_or(0)));
                line.push_str("  ");
            }
        }
        self.line(line.trim_end())
    }

    /// Flushes buffered output.
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// Display width of `text`, counted in characters.
pub fn width(text: &str) -> usize {
    text.chars().count()
}

/// `text` padded with spaces on the right to `width` characters.
pub fn pad(text: &str, to: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(' ', to.saturating_sub(width(text))));
    out
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    let first_line = text.lines().next().unwrap_or("");
    if width(first_line) <= max && first_line.len() == text.trim_end().len() {
        return first_line.to_owned();
    }
    let mut out: String = first_line.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/// A horizontal bar `width` cells wide filled to `fraction` (0–1), in eighth-cell steps,
/// padded with spaces.
pub fn bar(fraction: f64, width: usize) -> String {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (fraction * width as f64 * 8.0).round() as usize;
    let mut out: String = std::iter::repeat_n('█', eighths / 8).collect();
    if let Some(partial) = (eighths % 8).checked_sub(1).and_then(|i| EIGHTHS.get(i)) {
        out.push(*partial);
    }
    pad(&out, width)
}

/// A gauge like `███████░░░` for a fraction 0–1.
pub fn gauge(fraction: f64, width: usize) -> String {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = (fraction * width as f64).round() as usize;
    let mut out: String = std::iter::repeat_n('█', filled).collect();
    out.extend(std::iter::repeat_n('░', width.saturating_sub(filled)));
    out
}

/// `1 entry`, `2 entries`: a count with its noun in singular or plural.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A fraction 0–1 as a whole percentage.
pub fn percent(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_truncation() {
        assert_eq!(bar(1.0, 4), "████");
        assert_eq!(bar(0.0, 3), "   ");
        assert_eq!(bar(0.5, 2), "█ ");
        assert_eq!(bar(0.5, 1), "▌");
        assert_eq!(bar(1.0 / 16.0, 2), "▏ ");
        assert_eq!(gauge(0.5, 4), "██░░");
        assert_eq!(truncate("hello world", 5), "hell…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("two\nlines", 10), "two…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(percent(0.456), "46%");
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(0, "entry", "entries"), "0 entries");
    }
}
