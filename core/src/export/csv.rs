//! CSV export, one file per kind (RFC 4180 quoting), for spreadsheets.

use std::collections::BTreeMap;

use crate::assessments;
use crate::error::Result;
use crate::habits;
use crate::journal::{self, JournalFilter};
use crate::mood;
use crate::sessions;
use crate::store::Store;

/// Quotes a field when it holds a comma, quote or line break (RFC 4180).
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn row(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = row(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for r in rows {
        out.push_str(&row(&r));
    }
    out
}

/// `(file name, contents)` for every kind.
pub fn files(store: &Store) -> Result<Vec<(String, String)>> {
    let mood_rows = mood::list(store, None, None)?
        .into_iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.at.to_rfc3339(),
                c.draft.mood.to_string(),
                opt(c.draft.energy),
                opt(c.draft.anxiety),
                opt(c.draft.sleep_hours),
                c.draft.emotions.join(";"),
                c.draft.note.unwrap_or_default(),
            ]
        })
        .collect();
    let mut entries = journal::list(store, &JournalFilter::default())?;
    entries.reverse();
    let journal_rows = entries
        .into_iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                e.created_at.to_rfc3339(),
                e.updated_at.to_rfc3339(),
                e.current.body.template_name().to_owned(),
                e.current.title.clone().unwrap_or_default(),
                e.current.tags.join(";"),
                e.current.body.text(),
                e.revisions.len().to_string(),
            ]
        })
        .collect();
    let all_habits = habits::list(store, true)?;
    let names: BTreeMap<_, _> =
        crate::sort::map_from(all_habits.iter().map(|h| (h.id, h.draft.name.clone())));
    let mut event_rows = Vec::new();
    for h in &all_habits {
        for (day, mark) in habits::marks(store, &h.id)? {
            event_rows.push(vec![
                h.id.to_string(),
                names.get(&h.id).cloned().unwrap_or_default(),
                day.to_string(),
                format!("{mark:?}").to_lowercase(),
            ]);
        }
    }
    let habit_rows = all_habits
        .into_iter()
        .map(|h| {
            vec![
                h.id.to_string(),
                h.draft.name,
                h.draft.schedule.to_string(),
                h.start.to_string(),
                opt(h.draft.plan),
                h.archived.to_string(),
            ]
        })
        .collect();
    let assessment_rows = assessments::all(store)?
        .into_iter()
        .map(|a| {
            vec![
                a.id.to_string(),
                a.at.to_rfc3339(),
                a.instrument.name().to_owned(),
                a.total.to_string(),
                a.severity.label().to_owned(),
                a.answers
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(";"),
                a.safety_flag.to_string(),
            ]
        })
        .collect();
    let mut all_sessions = sessions::list(store)?;
    all_sessions.reverse();
    let session_rows = all_sessions
        .into_iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.started_at.to_rfc3339(),
                opt(s.finished_at.map(|f| f.to_rfc3339())),
                opt(s.technique.map(|t| t.slug())),
                opt(s.check_in.as_ref().map(|c| c.mood)),
                opt(s.helpful),
                opt(s.follow_up.map(|f| f.label())),
                s.active_seconds.to_string(),
            ]
        })
        .collect();
    Ok(vec![
        (
            "mood.csv".into(),
            table(
                &[
                    "id",
                    "at",
                    "mood",
                    "energy",
                    "anxiety",
                    "sleep_hours",
                    "emotions",
                    "note",
                ],
                mood_rows,
            ),
        ),
        (
            "journal.csv".into(),
            table(
                &[
                    "id",
                    "created_at",
                    "updated_at",
                    "template",
                    "title",
                    "tags",
                    "text",
                    "revisions",
                ],
                journal_rows,
            ),
        ),
        (
            "habits.csv".into(),
            table(
                &[
                    "id",
                    "name",
                    "schedule",
                    "start",
                    "if_then_plan",
                    "archived",
                ],
                habit_rows,
            ),
        ),
        (
            "habit_days.csv".into(),
            table(&["habit_id", "habit", "day", "mark"], event_rows),
        ),
        (
            "assessments.csv".into(),
            table(
                &[
                    "id",
                    "at",
                    "instrument",
                    "total",
                    "severity",
                    "answers",
                    "safety_flag",
                ],
                assessment_rows,
            ),
        ),
        (
            "sessions.csv".into(),
            table(
                &[
                    "id",
                    "started_at",
                    "finished_at",
                    "technique",
                    "check_in_mood",
                    "helpful",
                    "follow_up",
                    "active_seconds",
                ],
                session_rows,
            ),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(row(&["a".into(), "b,c".into()]), "a,\"b,c\"\r\n");
    }
}
