//! Daylio's CSV export. Columns are found by header name, so every layout seen is read:
//! `full_date,date,weekday,time,mood,activities,note_title,note` (current),
//! `full_date,date,weekday,time,mood,activities,note` (older, no note title), and
//! `year,date,weekday,time,mood,activities,note` (oldest: `date` like "March 5").
//! Times are `21:10` or `9:10 PM` (a row without one is read as 12:00); activities are
//! separated by `|`.

use chrono::{NaiveDate, NaiveDateTime};

use super::csv_reader::{self, Header};
use super::{noon, parse_time, push_unique, CsvSource, IdMaker, ImportedCheckIn, MoodMap};
use crate::error::CsvImportError;

/// Reads a Daylio export with `moods` for the labels. Any bad line refuses the whole file.
pub fn parse(text: &str, moods: &MoodMap) -> Result<Vec<ImportedCheckIn>, CsvImportError> {
    let records = csv_reader::read(text)?;
    let mut rows = records.iter();
    let header = Header::new(rows.next().ok_or(CsvImportError::NoHeader)?);
    let full_date = header.find(&["full_date", "full date"]);
    let year = header.find(&["year"]);
    let date = header.find(&["date"]);
    if full_date.is_none() && (year.is_none() || date.is_none()) {
        return Err(CsvImportError::MissingColumn {
            column: "full_date",
        });
    }
    let time = header.find(&["time"]);
    let mood = header
        .find(&["mood"])
        .ok_or(CsvImportError::MissingColumn { column: "mood" })?;
    let activities = header.find(&["activities"]);
    let title = header.find(&["note_title", "note title"]);
    let note = header.find(&["note", "notes"]);

    let mut ids = IdMaker::new(CsvSource::Daylio);
    let mut out = Vec::new();
    for row in rows {
        let line = row.line;
        let bad = |reason| CsvImportError::Line { line, reason };
        let day = match full_date {
            Some(i) => NaiveDate::parse_from_str(row.get(Some(i)), "%Y-%m-%d")
                .map_err(|_| bad("the full_date is not a date (YYYY-MM-DD)"))?,
            None => old_date(row.get(year), row.get(date))
                .ok_or_else(|| bad("the year and date are not a date"))?,
        };
        let clock = match row.get(time) {
            "" => noon(),
            t => parse_time(t).ok_or_else(|| bad("the time is not a time (21:10 or 9:10 PM)"))?,
        };
        let at = NaiveDateTime::new(day, clock);
        let label = row.get(Some(mood));
        if label.is_empty() {
            return Err(bad("the mood is empty"));
        }
        let value = moods
            .get(label)
            .ok_or_else(|| CsvImportError::UnknownMood {
                line,
                label: label.to_owned(),
            })?;
        let mut list = Vec::new();
        for a in row.get(activities).split('|') {
            push_unique(&mut list, a);
        }
        let (title_text, note_text) = (row.get(title), row.get(note));
        let joined = match (title_text.is_empty(), note_text.is_empty()) {
            (true, true) => None,
            (false, true) => Some(title_text.to_owned()),
            (true, false) => Some(note_text.to_owned()),
            (false, false) => Some(format!("{title_text}\n{note_text}")),
        };
        let id = ids.next(&[
            &at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            &label.to_lowercase(),
            &list.join("|"),
            title_text,
            note_text,
        ]);
        out.push(ImportedCheckIn {
            id,
            line,
            at,
            mood: value,
            activities: list,
            note: joined,
        });
    }
    Ok(out)
}

/// The oldest layout's date: a `year` column and `date` like "March 5" or "5 March".
fn old_date(year: &str, date: &str) -> Option<NaiveDate> {
    let text = format!("{year} {date}");
    ["%Y %B %d", "%Y %d %B", "%Y %b %d", "%Y %d %b"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(&text, f).ok())
}
