//! What a client shared, readable: journal entries (free writing, prompted answers, CBT
//! thought records) with their text, assessments by their title. Shows the latest version the
//! client sent; a share the client stopped is gone from the list.

use maud::{html, Markup};
use solace_core::journal::{JournalBody, JournalDraft};
use solace_core::messaging::intake::{self, IntakeForm};
use solace_core::messaging::{mood_share, SharedItem};

use crate::pages::when;

fn emotions(list: &[solace_core::journal::EmotionRating]) -> String {
    list.iter()
        .map(|e| format!("{} {}", e.emotion, e.intensity))
        .collect::<Vec<_>>()
        .join(", ")
}

fn body(draft: &JournalDraft) -> Markup {
    html! {
        @match &draft.body {
            JournalBody::Free { text } => { p.entry { (text) } }
            JournalBody::Prompted { prompt, response } => {
                p.meta { (prompt) }
                p.entry { (response) }
            }
            JournalBody::ThoughtRecord(t) => {
                dl.thought {
                    dt { "Situation" } dd { (t.situation) }
                    dt { "Automatic thought" } dd { (t.automatic_thought) }
                    @if !t.emotions.is_empty() { dt { "Emotions" } dd { (emotions(&t.emotions)) } }
                    dt { "Evidence for" } dd { (t.evidence_for) }
                    dt { "Evidence against" } dd { (t.evidence_against) }
                    dt { "Balanced thought" } dd { (t.balanced_thought) }
                    @if !t.rerated_emotions.is_empty() { dt { "Afterwards" } dd { (emotions(&t.rerated_emotions)) } }
                }
            }
        }
    }
}

/// The shared items, newest first, each readable in place.
pub fn shared(items: &[SharedItem]) -> Markup {
    // The mood trend is drawn as a chart with the measures and the intake form has its own
    // section, so neither is listed as an entry.
    let mut items: Vec<&SharedItem> = items
        .iter()
        .filter(|i| i.item_kind != mood_share::ITEM_KIND && i.item_kind != intake::ITEM_KIND)
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.updated_at));
    html! {
        @if items.is_empty() {
            p.muted { "Nothing shared yet." }
        }
        ul.shared {
            @for item in items {
                li {
                    h3 { (item.title) }
                    p.meta { (item.item_kind.replace('_', " ")) ", updated " (when(item.updated_at)) }
                    @if item.item_kind != "assessment" {
                        @match serde_json::from_value::<JournalDraft>(item.content.clone()) {
                            Ok(draft) => (body(&draft)),
                            Err(_) => p.muted { "This item could not be shown." },
                        }
                    }
                }
            }
        }
    }
}

/// The client's intake form, if they shared one: every answer as text (escaped by maud).
pub fn intake(form: Option<&IntakeForm>) -> Markup {
    html! {
        @match form {
            None => p.muted { "The client has not shared an intake form." },
            Some(f) => {
                p.meta {
                    "Answered " (f.answered_at.format("%Y-%m-%d").to_string())
                    ", updated " (f.updated_at.format("%Y-%m-%d %H:%M").to_string())
                }
                dl.intake {
                    dt { "Presenting concerns" } dd { (f.concerns) }
                    dt { "History" } dd { (f.history) }
                    dt { "Current medications" } dd { (f.medications.as_deref().unwrap_or("None given")) }
                    dt { "Treatment goals" }
                    dd { ul { @for goal in &f.goals { li { (goal) } } } }
                    @for r in [&f.phq9, &f.gad7] {
                        dt { (r.instrument.name()) }
                        dd {
                            (r.total) " (" (r.severity.label()) ")"
                            @if r.safety_flag { strong { " — item 9 above 0: check in about safety" } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solace_core::assessments::{score, Instrument};

    #[test]
    fn the_intake_shows_every_answer_escaped() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00+01:00").unwrap();
        let form = IntakeForm {
            therapist: "acc-dr".into(),
            concerns: "<script>alert(1)</script> panic".into(),
            history: "moved cities".into(),
            medications: None,
            goals: vec!["ride the train".into()],
            phq9: score(Instrument::Phq9, vec![0, 0, 0, 0, 0, 0, 0, 0, 1], at).unwrap(),
            gad7: score(Instrument::Gad7, vec![1; 7], at).unwrap(),
            answered_at: at,
            updated_at: at,
        };
        let html = intake(Some(&form)).into_string();
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; panic"),
            "{html}"
        );
        assert!(!html.contains("<script>"));
        for shown in [
            "moved cities",
            "None given",
            "ride the train",
            "item 9 above 0",
        ] {
            assert!(html.contains(shown), "{shown}: {html}");
        }
        assert!(intake(None)
            .into_string()
            .contains("has not shared an intake form"));
    }
}
