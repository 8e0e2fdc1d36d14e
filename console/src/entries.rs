//! What a client shared, readable: journal entries (free writing, prompted answers, CBT
//! thought records) with their text, assessments by their title. Shows the latest version the
//! client sent; a share the client stopped is gone from the list.

use maud::{html, Markup};
use solace_core::goals::{self, SharedGoal};
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
    // The mood trend is drawn as a chart with the measures; the intake form and the goals
    // have their own sections; none is listed as an entry.
    let mut items: Vec<&SharedItem> = items
        .iter()
        .filter(|i| {
            ![mood_share::ITEM_KIND, intake::ITEM_KIND, goals::ITEM_KIND]
                .contains(&i.item_kind.as_str())
        })
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

/// The goals the client shares, each with its 0–10 ratings, newest last.
pub fn goals(shared: &[SharedGoal]) -> Markup {
    html! {
        @if shared.is_empty() {
            p.muted { "The client shares no goals with you." }
        }
        ul.goals {
            @for g in shared {
                li {
                    p.entry { (g.goal.text) }
                    @if let Some(target) = &g.goal.target { p.meta { "Target: " (target) } }
                    @if let Some(review) = g.goal.review_date { p.meta { "Review on " (review.to_string()) } }
                    p.meta {
                        @if g.ratings.is_empty() { "Not rated yet" }
                        @else {
                            "Did it help (0–10): "
                            (g.ratings.iter().map(|r| r.rating.to_string()).collect::<Vec<_>>().join(", "))
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

    #[test]
    fn shared_goals_show_their_ratings_escaped() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00+01:00").unwrap();
        let goal = solace_core::goals::Goal {
            id: solace_core::RecordId([1; 16]),
            text: "ride <b>the</b> train".into(),
            target: Some("twice a week".into()),
            review_date: None,
            proposed_by: None,
            shared_with: Some("acc-dr".into()),
            created_at: at,
        };
        let goal_id = goal.id;
        let rating = |rating| solace_core::goals::GoalRating {
            id: solace_core::RecordId([rating; 16]),
            goal_id,
            rating,
            session_id: None,
            at,
        };
        let shared = [SharedGoal {
            goal,
            ratings: vec![rating(4), rating(7)],
        }];
        let html = goals(&shared).into_string();
        assert!(html.contains("ride &lt;b&gt;the&lt;/b&gt; train"), "{html}");
        assert!(
            html.contains("Target: twice a week") && html.contains("4, 7"),
            "{html}"
        );
        assert!(goals(&[]).into_string().contains("shares no goals"));
    }
}
