//! Journaling: free entries, prompt-based entries and CBT thought records.
//!
//! An edit never overwrites silently: the previous title, body and tags become a revision kept
//! inside the (encrypted) entry. Delete is a tombstone. Search runs on the device over
//! decrypted content; nothing is indexed in clear.

use crate::error::InputProblem;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// Longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest tag accepted, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// Cognitive distortions offered by the thought record (a fixed list so they can be counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distortion {
    /// Seeing things in black and white.
    AllOrNothing,
    /// One event taken as a never-ending pattern.
    Overgeneralization,
    /// Dwelling on a single negative detail.
    MentalFilter,
    /// Insisting positives don't count.
    DiscountingThePositive,
    /// Assuming what others think.
    MindReading,
    /// Predicting things will turn out badly.
    FortuneTelling,
    /// Blowing things out of proportion (or shrinking them).
    Catastrophizing,
    /// "I feel it, so it must be true."
    EmotionalReasoning,
    /// Rigid rules about how things should be.
    ShouldStatements,
    /// Attaching a global label to oneself or others.
    Labeling,
    /// Taking responsibility for things outside one's control.
    Personalization,
    /// Putting all responsibility on others.
    Blaming,
}

impl Distortion {
    /// Every distortion, in display order.
    pub const ALL: [Distortion; 12] = [
        Distortion::AllOrNothing,
        Distortion::Overgeneralization,
        Distortion::MentalFilter,
        Distortion::DiscountingThePositive,
        Distortion::MindReading,
        Distortion::FortuneTelling,
        Distortion::Catastrophizing,
        Distortion::EmotionalReasoning,
        Distortion::ShouldStatements,
        Distortion::Labeling,
        Distortion::Personalization,
        Distortion::Blaming,
    ];

    /// The stable snake_case name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Distortion::AllOrNothing => "all_or_nothing",
            Distortion::Overgeneralization => "overgeneralization",
            Distortion::MentalFilter => "mental_filter",
            Distortion::DiscountingThePositive => "discounting_the_positive",
            Distortion::MindReading => "mind_reading",
            Distortion::FortuneTelling => "fortune_telling",
            Distortion::Catastrophizing => "catastrophizing",
            Distortion::EmotionalReasoning => "emotional_reasoning",
            Distortion::ShouldStatements => "should_statements",
            Distortion::Labeling => "labeling",
            Distortion::Personalization => "personalization",
            Distortion::Blaming => "blaming",
        }
    }

    /// Parses a name as printed by [`Distortion::name`] (dashes accepted for underscores).
    pub fn parse(name: &str) -> Result<Self> {
        let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|d| d.name() == wanted)
            .ok_or_else(|| CoreError::invalid("distortion", InputProblem::Unknown))
    }
}

/// An emotion and how strongly it was felt, 0–100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmotionRating {
    /// The emotion in the person's own word (e.g. "anxious").
    pub emotion: String,
    /// Intensity from 0 (none) to 100 (the most ever felt).
    pub intensity: u8,
}

/// A CBT thought record: situation → automatic thought → emotions → distortions → evidence →
/// balanced thought → re-rated emotions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThoughtRecord {
    /// What happened, where, with whom.
    pub situation: String,
    /// The thought that came up.
    pub automatic_thought: String,
    /// Emotions felt, with intensity.
    pub emotions: Vec<EmotionRating>,
    /// Distortions spotted in the automatic thought.
    pub distortions: Vec<Distortion>,
    /// Evidence that supports the thought.
    pub evidence_for: String,
    /// Evidence that does not support the thought.
    pub evidence_against: String,
    /// A more balanced alternative thought.
    pub balanced_thought: String,
    /// The same emotions re-rated after the exercise.
    pub rerated_emotions: Vec<EmotionRating>,
}

/// What an entry contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JournalBody {
    /// Free writing.
    Free {
        /// The text.
        text: String,
    },
    /// An answer to a writing prompt.
    Prompted {
        /// The prompt shown.
        prompt: String,
        /// The person's answer.
        response: String,
    },
    /// A CBT thought record.
    ThoughtRecord(ThoughtRecord),
}

impl JournalBody {
    /// All the text of the body, for search and previews.
    pub fn text(&self) -> String {
        match self {
            JournalBody::Free { text } => text.clone(),
            JournalBody::Prompted { prompt, response } => format!("{prompt}\n{response}"),
            JournalBody::ThoughtRecord(t) => {
                let emotions = |list: &[EmotionRating]| {
                    list.iter()
                        .map(|e| e.emotion.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                [
                    t.situation.as_str(),
                    t.automatic_thought.as_str(),
                    &emotions(&t.emotions),
                    t.evidence_for.as_str(),
                    t.evidence_against.as_str(),
                    t.balanced_thought.as_str(),
                    &emotions(&t.rerated_emotions),
                ]
                .join("\n")
            }
        }
    }

    /// Short description of the template, for lists.
    pub fn template_name(&self) -> &'static str {
        match self {
            JournalBody::Free { .. } => "free",
            JournalBody::Prompted { .. } => "prompt",
            JournalBody::ThoughtRecord(_) => "thought_record",
        }
    }

    fn validate(&self) -> Result<()> {
        match self {
            JournalBody::Free { text } if text.trim().is_empty() => {
                Err(CoreError::invalid("entry", InputProblem::Empty))
            }
            JournalBody::Prompted { response, .. } if response.trim().is_empty() => {
                Err(CoreError::invalid("response", InputProblem::Empty))
            }
            JournalBody::ThoughtRecord(t) => {
                if t.situation.trim().is_empty() && t.automatic_thought.trim().is_empty() {
                    return Err(CoreError::invalid(
                        "thought record",
                        InputProblem::Rule("needs a situation or an automatic thought"),
                    ));
                }
                for e in t.emotions.iter().chain(&t.rerated_emotions) {
                    if e.intensity > 100 {
                        return Err(CoreError::invalid(
                            "emotion intensity",
                            InputProblem::OutOfRange { min: 0, max: 100 },
                        ));
                    }
                    if e.emotion.trim().is_empty() {
                        return Err(CoreError::invalid("emotion name", InputProblem::Empty));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// What the person writes: used for both new entries and edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalDraft {
    /// Optional title.
    pub title: Option<String>,
    /// The content.
    pub body: JournalBody,
    /// Free-form tags (normalized to lowercase, deduplicated).
    pub tags: Vec<String>,
}

impl JournalDraft {
    /// The draft checked (body, title and tag lengths, emotion intensities) and normalized;
    /// also what an import checks each entry and revision with.
    pub(crate) fn normalized(mut self) -> Result<Self> {
        self.body.validate()?;
        if let Some(title) = &self.title {
            if title.chars().count() > MAX_TITLE_CHARS {
                return Err(CoreError::invalid(
                    "title",
                    InputProblem::TooLong {
                        max: MAX_TITLE_CHARS as u32,
                    },
                ));
            }
            if title.trim().is_empty() {
                self.title = None;
            }
        }
        let mut tags = Vec::new();
        for tag in &self.tags {
            let tag = tag.trim().trim_start_matches('#').to_lowercase();
            if tag.is_empty() {
                continue;
            }
            if tag.chars().count() > MAX_TAG_CHARS {
                return Err(CoreError::invalid(
                    "tag",
                    InputProblem::TooLong {
                        max: MAX_TAG_CHARS as u32,
                    },
                ));
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        self.tags = tags;
        Ok(self)
    }
}

/// An earlier version of an entry, kept when it was edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRevision {
    /// When this version was replaced.
    pub replaced_at: DateTime<FixedOffset>,
    /// The content as it was.
    pub draft: JournalDraft,
}

/// A journal entry with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The record id (repeated inside the envelope).
    pub id: RecordId,
    /// When it was first written, in the writer's time zone.
    pub created_at: DateTime<FixedOffset>,
    /// When it was last edited.
    pub updated_at: DateTime<FixedOffset>,
    /// The current content.
    #[serde(flatten)]
    pub current: JournalDraft,
    /// Earlier versions, oldest first.
    #[serde(default)]
    pub revisions: Vec<JournalRevision>,
}

impl JournalEntry {
    /// A one-line preview for lists: the title, or the first line of the text.
    pub fn preview(&self, max_chars: usize) -> String {
        let source = match &self.current.title {
            Some(title) => title.clone(),
            None => self
                .current
                .body
                .text()
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_owned(),
        };
        let mut out: String = source.chars().take(max_chars).collect();
        if source.chars().count() > max_chars {
            out.push('…');
        }
        out
    }

    fn matches(&self, needle: &str) -> bool {
        let hay = |s: &str| s.to_lowercase().contains(needle);
        self.current.title.as_deref().is_some_and(hay)
            || hay(&self.current.body.text())
            || self.current.tags.iter().any(|t| hay(t))
    }
}

/// Writes a new entry dated `now` and returns it.
pub fn add(
    store: &mut Store,
    draft: JournalDraft,
    now: DateTime<FixedOffset>,
) -> Result<JournalEntry> {
    let entry = JournalEntry {
        id: RecordId::generate()?,
        created_at: now,
        updated_at: now,
        current: draft.normalized()?,
        revisions: Vec::new(),
    };
    store.put(RecordKind::Journal, &entry.id, &entry)?;
    Ok(entry)
}

/// The entry with `id`, or [`CoreError::NotFound`].
pub fn get(store: &Store, id: &RecordId) -> Result<JournalEntry> {
    store
        .get(RecordKind::Journal, id)?
        .ok_or(CoreError::NotFound("journal entry"))
}

/// Replaces the content of an entry, keeping the previous content as a revision.
/// An edit that changes nothing is a no-op and adds no revision.
pub fn edit(
    store: &mut Store,
    id: &RecordId,
    draft: JournalDraft,
    now: DateTime<FixedOffset>,
) -> Result<JournalEntry> {
    let mut entry = get(store, id)?;
    let draft = draft.normalized()?;
    if draft == entry.current {
        return Ok(entry);
    }
    let previous = std::mem::replace(&mut entry.current, draft);
    entry.revisions.push(JournalRevision {
        replaced_at: now,
        draft: previous,
    });
    entry.updated_at = now;
    store.put(RecordKind::Journal, id, &entry)?;
    Ok(entry)
}

/// Deletes an entry (a tombstone that syncs); its content is no longer stored.
pub fn delete(store: &mut Store, id: &RecordId) -> Result<()> {
    if store.delete(RecordKind::Journal, id)? {
        Ok(())
    } else {
        Err(CoreError::NotFound("journal entry"))
    }
}

/// Which entries [`list`] returns.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    /// Only entries carrying this tag.
    pub tag: Option<String>,
    /// Only entries with a case-insensitive match in title, text or tags.
    pub text: Option<String>,
    /// At most this many (newest first).
    pub limit: Option<usize>,
}

/// Entries newest first, filtered by tag and text, decrypted on the device.
pub fn list(store: &Store, filter: &JournalFilter) -> Result<Vec<JournalEntry>> {
    let tag = filter
        .tag
        .as_ref()
        .map(|t| t.trim().trim_start_matches('#').to_lowercase());
    let needle = filter.text.as_ref().map(|t| t.to_lowercase());
    let mut entries: Vec<JournalEntry> = store
        .list::<JournalEntry>(RecordKind::Journal)?
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| tag.as_ref().is_none_or(|t| e.current.tags.contains(t)))
        .filter(|e| needle.as_ref().is_none_or(|n| e.matches(n)))
        .collect();
    crate::sort::sort_by(&mut entries, |a, b| {
        b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id))
    });
    if let Some(limit) = filter.limit {
        entries.truncate(limit);
    }
    Ok(entries)
}

/// Case-insensitive full-text search over decrypted entries, newest first.
pub fn search(store: &Store, query: &str) -> Result<Vec<JournalEntry>> {
    if query.trim().is_empty() {
        return Err(CoreError::invalid("search text", InputProblem::Empty));
    }
    list(
        store,
        &JournalFilter {
            text: Some(query.trim().to_owned()),
            ..JournalFilter::default()
        },
    )
}

/// Every tag in use with how many entries carry it, most used first.
pub fn tags(store: &Store) -> Result<Vec<(String, usize)>> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for entry in list(store, &JournalFilter::default())? {
        for tag in entry.current.tags {
            *counts.entry(tag).or_default() += 1;
        }
    }
    let mut out: Vec<_> = counts.into_iter().collect();
    crate::sort::sort_by(&mut out, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn free(text: &str, tags: &[&str]) -> JournalDraft {
        JournalDraft {
            title: None,
            body: JournalBody::Free { text: text.into() },
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn thought_record() -> JournalDraft {
        JournalDraft {
            title: Some("Meeting".into()),
            body: JournalBody::ThoughtRecord(ThoughtRecord {
                situation: "Boss frowned in the meeting".into(),
                automatic_thought: "I'm going to be fired".into(),
                emotions: vec![EmotionRating {
                    emotion: "anxious".into(),
                    intensity: 80,
                }],
                distortions: vec![Distortion::FortuneTelling, Distortion::MindReading],
                evidence_for: "Deadline slipped".into(),
                evidence_against: "Good review last month".into(),
                balanced_thought: "She may have been tired".into(),
                rerated_emotions: vec![EmotionRating {
                    emotion: "anxious".into(),
                    intensity: 35,
                }],
            }),
            tags: vec!["Work".into(), "#work".into()],
        }
    }

    #[test]
    fn add_edit_keeps_revisions_and_delete_is_a_tombstone() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let e = add(
            &mut store,
            free("first", &["calm"]),
            at("2026-11-01T08:00:00+01:00"),
        )
        .unwrap();
        let same = edit(
            &mut store,
            &e.id,
            free("first", &["calm"]),
            at("2026-11-01T09:00:00+01:00"),
        )
        .unwrap();
        assert!(same.revisions.is_empty());
        let edited = edit(
            &mut store,
            &e.id,
            free("second", &[]),
            at("2026-11-02T08:00:00+01:00"),
        )
        .unwrap();
        assert_eq!(edited.revisions.len(), 1);
        assert_eq!(edited.revisions[0].draft, free("first", &["calm"]));
        let back = get(&store, &e.id).unwrap();
        assert_eq!(back, edited);
        assert_eq!(back.created_at, at("2026-11-01T08:00:00+01:00"));
        delete(&mut store, &e.id).unwrap();
        assert!(matches!(get(&store, &e.id), Err(CoreError::NotFound(_))));
        assert!(matches!(
            delete(&mut store, &e.id),
            Err(CoreError::NotFound(_))
        ));
    }

    #[test]
    fn thought_record_round_trips_and_validates() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let e = add(&mut store, thought_record(), at("2026-11-01T08:00:00Z")).unwrap();
        assert_eq!(e.current.tags, vec!["work"]);
        let back = get(&store, &e.id).unwrap();
        assert_eq!(back.current.body, thought_record().body);
        let mut bad = thought_record();
        if let JournalBody::ThoughtRecord(t) = &mut bad.body {
            t.emotions[0].intensity = 101;
        }
        assert!(matches!(
            add(&mut store, bad, at("2026-11-01T08:00:00Z")),
            Err(CoreError::InvalidInput(_))
        ));
        assert!(add(&mut store, free("  ", &[]), at("2026-11-01T08:00:00Z")).is_err());
        assert_eq!(
            Distortion::parse("fortune-telling").unwrap(),
            Distortion::FortuneTelling
        );
        assert!(Distortion::parse("nope").is_err());
    }

    #[test]
    fn list_search_and_tags() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        add(
            &mut store,
            free("Walked by the river", &["walk"]),
            at("2026-11-01T08:00:00Z"),
        )
        .unwrap();
        add(
            &mut store,
            free("Slept badly", &["sleep", "walk"]),
            at("2026-11-03T08:00:00Z"),
        )
        .unwrap();
        add(&mut store, thought_record(), at("2026-11-02T08:00:00Z")).unwrap();
        let all = list(&store, &JournalFilter::default()).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].preview(40), "Slept badly");
        assert_eq!(all[1].preview(40), "Meeting");
        let walk = list(
            &store,
            &JournalFilter {
                tag: Some("#Walk".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(walk.len(), 2);
        assert_eq!(search(&store, "RIVER").unwrap().len(), 1);
        assert_eq!(search(&store, "tired").unwrap().len(), 1);
        assert!(search(&store, "nothing like this").unwrap().is_empty());
        assert_eq!(tags(&store).unwrap()[0], ("walk".to_string(), 2));
        let limited = list(
            &store,
            &JournalFilter {
                limit: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(limited.len(), 1);
    }
}
