//! Everything written to stdout: text lines, aligned tables, unicode bars and JSON.
//!
//! Write errors are returned rather than panicking, so `solace … | head` ends quietly.
//!
//! Text can come from a peer or the server (messages, names, therapist profiles, directory
//! results, server error messages, usernames), so every line written here and every prompt
//! goes through [`escape_controls`]: a hostile sender cannot move the cursor, rewrite earlier
//! lines, change the window title or ring the bell. JSON output is escaped by the encoder.

use std::borrow::Cow;
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

    /// Writes one line of text, terminal control characters escaped.
    pub fn line(&mut self, text: impl Display) -> Result<()> {
        let text = text.to_string();
        writeln!(self.out, "{}", escape_controls(&text))?;
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
        // Escape first, so the widths are those of what is printed.
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| escape_controls(c).into_owned())
                    .collect()
            })
            .collect();
        let rows = &rows;
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

/// `text` with terminal control characters made visible and harmless: ESC, BEL, CR, backspace
/// and every other C0/C1 control and DEL become `\x1b`-style escapes (`\r` for CR), and
/// bidirectional-override characters (which can reorder what is shown) become `\u{202e}`-style
/// escapes. Newlines and tabs are kept. The one helper for printing text that came from a
/// peer or the server; borrowed unchanged when there is nothing to escape.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    fn dangerous(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            c if dangerous(c) && u32::from(c) <= 0xff => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if dangerous(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
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

    #[test]
    fn control_sequences_are_escaped() {
        // CSI: clear screen and move home; OSC: set the window title, ended by BEL.
        assert_eq!(escape_controls("hi\u{1b}[2J\u{1b}[H"), "hi\\x1b[2J\\x1b[H");
        assert_eq!(
            escape_controls("\u{1b}]0;pwned\u{7}x"),
            "\\x1b]0;pwned\\x07x"
        );
        // CR would let a line overwrite itself; backspace and DEL erase.
        assert_eq!(escape_controls("ok\rfake"), "ok\\rfake");
        assert_eq!(escape_controls("a\u{8}\u{7f}"), "a\\x08\\x7f");
        // C1 CSI (one code point) and a right-to-left override.
        assert_eq!(escape_controls("\u{9b}31m"), "\\x9b31m");
        assert_eq!(escape_controls("abc\u{202e}fed"), "abc\\u{202e}fed");
        // Ordinary text, newlines, tabs and non-ASCII letters pass unchanged, unallocated.
        let plain = "Grüße\tline one\nline two — ok";
        assert!(matches!(escape_controls(plain), Cow::Borrowed(p) if p == plain));
    }
}
