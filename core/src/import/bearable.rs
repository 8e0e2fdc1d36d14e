//! Bearable's CSV export: one row per entry, header
//! `date formatted,weekday,time of day,category,rating/amount,detail,notes` (names matched
//! case-insensitively; `weekday`, `time of day`, `rating/amount`, `detail` and `notes` may be
//! missing).
//!
//! Every `Mood` row is one check-in at its date and time of day (`am` 09:00, `mid` 13:00,
//! `pm` 19:00, `all day` or none 12:00, or a clock time). The `detail` of the day's
//! `Symptom`, `Factor` and `Activity` rows become activities, and the day's `Note` rows (and
//! a mood row's own `notes`) the note — both on the day's last mood check-in. Other
//! categories (sleep, energy, medication, health measurements…) and days without a mood row
//! are not imported.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::csv_reader::{self, Header};
use super::{noon, parse_time, push_unique, CsvSource, IdMaker, ImportedCheckIn, MoodScale};
use crate::error::CsvImportError;

/// A day's activities and notes, gathered before they go to its last check-in.
#[derive(Default)]
struct Day {
    activities: Vec<String>,
    notes: Vec<String>,
}

/// Reads a Bearable export with mood ratings on `scale`. Any bad line refuses the file.
pub fn parse(text: &str, scale: MoodScale) -> Result<Vec<ImportedCheckIn>, CsvImportError> {
    let records = csv_reader::read(text)?;
    let mut rows = records.iter();
    let header = Header::new(rows.next().ok_or(CsvImportError::NoHeader)?);
    let date = header
        .find(&["date formatted", "date (formatted)", "date"])
        .ok_or(CsvImportError::MissingColumn {
            column: "date formatted",
        })?;
    let category = header
        .find(&["category"])
        .ok_or(CsvImportError::MissingColumn { column: "category" })?;
    let time = header.find(&["time of day", "time"]);
    let rating = header.find(&["rating/amount", "rating", "amount"]);
    let detail = header.find(&["detail", "details"]);
    let notes = header.find(&["notes", "note"]);

    let mut ids = IdMaker::new(CsvSource::Bearable);
    let mut check_ins: Vec<ImportedCheckIn> = Vec::new();
    let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    for row in rows {
        let line = row.line;
        let bad = |reason| CsvImportError::Line { line, reason };
        let day = parse_date(row.get(Some(date)))
            .ok_or_else(|| bad("the date is not a date (YYYY-MM-DD)"))?;
        let kind = row.get(Some(category)).to_lowercase();
        match kind.as_str() {
            "mood" => {
                let time_text = row.get(time);
                let clock = time_of_day(time_text)
                    .ok_or_else(|| bad("the time of day is not am, mid, pm, all day or a time"))?;
                let rating_text = row.get(rating);
                let mood = mood_value(rating_text, scale)
                    .ok_or_else(|| bad("the mood rating is not a whole number on the scale"))?;
                let id = ids.next(&[&day.to_string(), &time_text.to_lowercase(), rating_text]);
                let own = row.get(notes);
                check_ins.push(ImportedCheckIn {
                    id,
                    line,
                    at: NaiveDateTime::new(day, clock),
                    mood,
                    activities: Vec::new(),
                    note: (!own.is_empty()).then(|| own.to_owned()),
                });
            }
            "symptom" | "symptoms" | "factor" | "factors" | "activity" | "activities" => {
                push_unique(
                    &mut days.entry(day).or_default().activities,
                    row.get(detail),
                );
            }
            "note" | "notes" => {
                let text = match row.get(notes) {
                    "" => row.get(detail),
                    t => t,
                };
                if !text.is_empty() {
                    days.entry(day).or_default().notes.push(text.to_owned());
                }
            }
            _ => {}
        }
    }
    // Stable sort: rows at the same time keep file order.
    crate::sort::sort_by_key(&mut check_ins, |c| c.at);
    for (day, gathered) in days {
        let Some(last) = check_ins.iter_mut().rev().find(|c| c.at.date() == day) else {
            continue;
        };
        last.activities = gathered.activities;
        let mut parts: Vec<String> = last.note.take().into_iter().collect();
        parts.extend(gathered.notes);
        last.note = (!parts.is_empty()).then(|| parts.join("\n\n"));
    }
    Ok(check_ins)
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    // Some exports add the time to the date ("2024-03-05 21:10"); the date is what counts.
    let day = text.split_whitespace().next().unwrap_or("");
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

fn time_of_day(text: &str) -> Option<NaiveTime> {
    let hour = |h| NaiveTime::from_hms_opt(h, 0, 0);
    match text.trim().to_lowercase().as_str() {
        "" | "all day" | "allday" => Some(noon()),
        "am" | "morning" => hour(9),
        "mid" | "midday" | "afternoon" => hour(13),
        "pm" | "evening" => hour(19),
        "night" => hour(22),
        other => parse_time(other),
    }
}

fn mood_value(text: &str, scale: MoodScale) -> Option<u8> {
    let value: f64 = text.trim().parse().ok()?;
    if !value.is_finite() || value.fract() != 0.0 {
        return None;
    }
    match scale {
        MoodScale::Ten if (1.0..=10.0).contains(&value) => Some(value as u8),
        MoodScale::Five => match value as i64 {
            1 => Some(1),
            2 => Some(3),
            3 => Some(5),
            4 => Some(8),
            5 => Some(10),
            _ => None,
        },
        MoodScale::Ten => None,
    }
}
