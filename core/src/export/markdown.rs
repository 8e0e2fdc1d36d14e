//! The journal as one Markdown document, oldest entry first, for reading or printing.

use crate::error::Result;
use crate::journal::{self, EmotionRating, JournalBody, JournalFilter};
use crate::store::Store;

fn emotions(list: &[EmotionRating]) -> String {
    list.iter()
        .map(|e| format!("{} ({})", e.emotion, e.intensity))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Renders every live journal entry.
pub fn journal(store: &Store) -> Result<String> {
    let mut entries = journal::list(store, &JournalFilter::default())?;
    entries.reverse();
    let mut out = String::from("# Journal\n");
    for e in entries {
        let when = e.created_at.format("%Y-%m-%d %H:%M");
        match &e.current.title {
            Some(title) => out.push_str(&format!("\n## {when} — {title}\n\n")),
            None => out.push_str(&format!("\n## {when}\n\n")),
        }
        match &e.current.body {
            JournalBody::Free { text } => out.push_str(&format!("{text}\n")),
            JournalBody::Prompted { prompt, response } => {
                out.push_str(&format!("*{prompt}*\n\n{response}\n"))
            }
            JournalBody::ThoughtRecord(t) => {
                let distortions: Vec<&str> = t.distortions.iter().map(|d| d.name()).collect();
                for (label, value) in [
                    ("Situation", t.situation.clone()),
                    ("Automatic thought", t.automatic_thought.clone()),
                    ("Emotions", emotions(&t.emotions)),
                    ("Distortions", distortions.join(", ")),
                    ("Evidence for", t.evidence_for.clone()),
                    ("Evidence against", t.evidence_against.clone()),
                    ("Balanced thought", t.balanced_thought.clone()),
                    ("Emotions afterwards", emotions(&t.rerated_emotions)),
                ] {
                    if !value.is_empty() {
                        out.push_str(&format!("- **{label}:** {value}\n"));
                    }
                }
            }
        }
        if !e.current.tags.is_empty() {
            let tags: Vec<String> = e.current.tags.iter().map(|t| format!("#{t}")).collect();
            out.push_str(&format!("\n{}\n", tags.join(" ")));
        }
        if !e.revisions.is_empty() {
            out.push_str(&format!(
                "\n_Edited {} time(s); last on {}._\n",
                e.revisions.len(),
                e.updated_at.format("%Y-%m-%d")
            ));
        }
    }
    Ok(out)
}
