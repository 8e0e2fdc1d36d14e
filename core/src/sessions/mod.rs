//! Guided 5-minute micro-sessions: the resumable engine ([`engine`]), the techniques as data
//! ([`techniques`]) and the suggestion rule ([`suggest`]), persisted as encrypted records
//! after every step so a session survives interruption and restart.

pub mod engine;
pub mod suggest;
pub mod techniques;

use crate::error::InputProblem;
use chrono::{DateTime, FixedOffset};

use crate::error::{CoreError, Result};
use crate::journal::{self, EmotionRating, JournalBody, JournalDraft, ThoughtRecord};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

pub use engine::{Answer, CheckIn, FollowUp, Input, MicroSession, Stage};
pub use suggest::{Suggestion, TechniqueStats};
pub use techniques::{BreathingPattern, TechniqueId};

/// Starts a new session at the check-in and stores it.
pub fn start(store: &mut Store, now: DateTime<FixedOffset>) -> Result<MicroSession> {
    let session = MicroSession::new(RecordId::generate()?, now);
    store.put(RecordKind::Session, &session.id, &session)?;
    Ok(session)
}

/// Every session, newest first.
pub fn list(store: &Store) -> Result<Vec<MicroSession>> {
    let mut all: Vec<MicroSession> = store
        .list::<MicroSession>(RecordKind::Session)?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    crate::sort::sort_by(&mut all, |a, b| {
        b.started_at.cmp(&a.started_at).then(a.id.cmp(&b.id))
    });
    Ok(all)
}

/// The most recent unfinished session, to resume.
pub fn in_progress(store: &Store) -> Result<Option<MicroSession>> {
    Ok(list(store)?.into_iter().find(|s| !s.is_done()))
}

/// The session with `id`.
pub fn get(store: &Store, id: &RecordId) -> Result<MicroSession> {
    store
        .get(RecordKind::Session, id)?
        .ok_or(CoreError::NotFound("session"))
}

/// Applies one input and stores the result in the same transaction; a finished CBT session
/// also writes its thought record to the journal.
pub fn advance(
    store: &mut Store,
    session: &MicroSession,
    input: Input,
    now: DateTime<FixedOffset>,
) -> Result<MicroSession> {
    let mut next = session
        .apply(input, now)
        .map_err(|e| CoreError::invalid("step input", InputProblem::Step(e)))?;
    store.atomically(|store| {
        if next.mood_check_in.is_none() {
            if let Some(check_in) = &next.check_in {
                next.mood_check_in = Some(mood_check_in(store, &next.id, check_in, now)?);
            }
        }
        if next.is_done()
            && next.technique == Some(TechniqueId::CbtReframe)
            && next.journal_entry.is_none()
        {
            if let Some(draft) = thought_record_draft(&next) {
                next.journal_entry = Some(journal::add(store, draft, now)?.id);
            }
        }
        store.put(RecordKind::Session, &next.id, &next)?;
        Ok(())
    })?;
    Ok(next)
}

/// How recent a mood check-in logged before a session may be for the session's opening
/// check-in to count as the same one (no double entry).
pub const SAME_CHECK_IN_WITHIN_MINUTES: i64 = 60;

/// The mood check-in the session's opening check-in counts as: one with the same mood logged
/// in the last [`SAME_CHECK_IN_WITHIN_MINUTES`] (the person just checked in; the session does
/// not add a second entry), or a new one with the session's mood and "what's on your mind"
/// as its note (a different mood is a new moment worth keeping). The new one's id is derived from the session's, so a repeated step writes nothing
/// twice.
fn mood_check_in(
    store: &mut Store,
    session: &RecordId,
    check_in: &CheckIn,
    now: DateTime<FixedOffset>,
) -> Result<RecordId> {
    let id = session_check_in_id(session);
    if store.get_raw(RecordKind::Mood, &id)?.is_some() {
        return Ok(id);
    }
    let since = now - chrono::Duration::minutes(SAME_CHECK_IN_WITHIN_MINUTES);
    let recent = crate::mood::list(store, Some(since.date_naive()), Some(now.date_naive()))?
        .into_iter()
        .rev()
        .find(|c| c.at >= since && c.at <= now && c.draft.mood == check_in.mood);
    if let Some(recent) = recent {
        return Ok(recent.id);
    }
    let draft = crate::mood::MoodDraft {
        mood: check_in.mood,
        note: Some(check_in.on_mind.clone()).filter(|t| !t.is_empty()),
        ..crate::mood::MoodDraft::default()
    };
    let logged = crate::mood::MoodCheckIn {
        id,
        at: now,
        draft: draft.normalized()?,
    };
    store.put(RecordKind::Mood, &logged.id, &logged)?;
    Ok(logged.id)
}

/// The id of the mood check-in a session writes (derived, so it is the same on every retry).
fn session_check_in_id(session: &RecordId) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("solace/session-check-in/{session}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    RecordId(bytes)
}

/// Drops an unfinished session (a tombstone).
pub fn abandon(store: &mut Store, id: &RecordId) -> Result<()> {
    if store.delete(RecordKind::Session, id)? {
        Ok(())
    } else {
        Err(CoreError::NotFound("session"))
    }
}

/// Suggests a technique for `check_in` from the words used and past ratings.
pub fn suggest(store: &Store, check_in: &CheckIn) -> Result<Suggestion> {
    Ok(suggest::suggest(check_in, &list(store)?))
}

fn text(session: &MicroSession, key: &str) -> String {
    match session.answers.get(key) {
        Some(Answer::Text(t)) => t.clone(),
        Some(Answer::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn number(session: &MicroSession, key: &str) -> Option<u8> {
    match session.answers.get(key) {
        Some(Answer::Number(n)) => Some(*n),
        _ => None,
    }
}

/// The thought record a finished CBT reframing session amounts to.
pub fn thought_record_draft(session: &MicroSession) -> Option<JournalDraft> {
    if session.technique != Some(TechniqueId::CbtReframe) {
        return None;
    }
    let emotion = text(session, "emotion");
    let rating = |key| {
        number(session, key).map(|intensity| EmotionRating {
            emotion: emotion.clone(),
            intensity,
        })
    };
    Some(JournalDraft {
        title: Some("Thought record (session)".into()),
        body: JournalBody::ThoughtRecord(ThoughtRecord {
            situation: text(session, "situation"),
            automatic_thought: text(session, "automatic_thought"),
            emotions: rating("intensity").into_iter().collect(),
            distortions: Vec::new(),
            evidence_for: text(session, "evidence_for"),
            evidence_against: text(session, "evidence_against"),
            balanced_thought: text(session, "balanced_thought"),
            rerated_emotions: rating("rerated_intensity").into_iter().collect(),
        }),
        tags: vec!["session".into()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;

    fn t(minutes: i64) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-20T20:00:00+01:00").unwrap()
            + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn an_interrupted_session_resumes_after_reopening_and_cbt_writes_a_thought_record() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let s = start(&mut store, t(0)).unwrap();
        let s = advance(
            &mut store,
            &s,
            Input::CheckIn(CheckIn {
                mood: 4,
                on_mind: "I always mess up".into(),
            }),
            t(0),
        )
        .unwrap();
        let suggestion = suggest(&store, s.check_in.as_ref().unwrap()).unwrap();
        assert_eq!(suggestion.technique, TechniqueId::CbtReframe);
        let s = advance(
            &mut store,
            &s,
            Input::Choose(TechniqueId::CbtReframe, None),
            t(1),
        )
        .unwrap();
        advance(
            &mut store,
            &s,
            Input::Answer(Answer::Text("Missed the bus".into())),
            t(1),
        )
        .unwrap();
        drop(store);

        let (mut store, _) =
            Store::open_with_passphrase(dir.path(), crate::passphrase::TEST_PASSPHRASE).unwrap();
        let mut s = in_progress(&store).unwrap().unwrap();
        assert_eq!(s.stage, Stage::Technique { step: 1 });
        for answer in [
            Answer::Text("I always mess up".into()),
            Answer::Text("frustrated".into()),
            Answer::Number(70),
            Answer::Text("I was late twice this week".into()),
            Answer::Text("I was on time the other days".into()),
            Answer::Text("Buses are unreliable; it's not a verdict on me".into()),
            Answer::Number(30),
        ] {
            s = advance(&mut store, &s, Input::Answer(answer), t(2)).unwrap();
        }
        s = advance(&mut store, &s, Input::Reflection("lighter".into()), t(3)).unwrap();
        s = advance(&mut store, &s, Input::Rating(4), t(3)).unwrap();
        s = advance(&mut store, &s, Input::FollowUp(FollowUp::Nothing), t(4)).unwrap();
        assert!(s.is_done());
        assert!(in_progress(&store).unwrap().is_none());
        let entry = journal::get(&store, &s.journal_entry.unwrap()).unwrap();
        match entry.current.body {
            JournalBody::ThoughtRecord(tr) => {
                assert_eq!(tr.emotions[0].intensity, 70);
                assert_eq!(tr.rerated_emotions[0].intensity, 30);
                assert_eq!(tr.situation, "Missed the bus");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(get(&store, &s.id).unwrap().active_seconds, 240);
        assert!(advance(&mut store, &s, Input::Rating(3), t(5)).is_err());
    }

    #[test]
    fn the_opening_check_in_is_a_mood_check_in_once() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let check_in = |mood| {
            Input::CheckIn(CheckIn {
                mood,
                on_mind: "a long week".into(),
            })
        };
        // A session on its own: its mood is a check-in, counted where every mood counts.
        let s = start(&mut store, t(0)).unwrap();
        let s = advance(&mut store, &s, check_in(4), t(0)).unwrap();
        let moods = crate::mood::list(&store, None, None).unwrap();
        assert_eq!(moods.len(), 1);
        assert_eq!(moods[0].draft.mood, 4);
        assert_eq!(moods[0].draft.note.as_deref(), Some("a long week"));
        assert_eq!(s.mood_check_in, Some(moods[0].id));
        let summary = crate::mood::summary(&store, t(0).date_naive(), 7).unwrap();
        assert_eq!(summary.count, 1, "{summary:?}");
        // Later steps, or the same step stored again, add nothing.
        let s = advance(
            &mut store,
            &s,
            Input::Choose(TechniqueId::SolutionFocused, None),
            t(1),
        )
        .unwrap();
        assert_eq!(s.mood_check_in, Some(moods[0].id));
        assert_eq!(crate::mood::list(&store, None, None).unwrap().len(), 1);

        // A mood logged just before a session is the same check-in: no double entry.
        let logged = crate::mood::log(
            &mut store,
            crate::mood::MoodDraft {
                mood: 7,
                ..Default::default()
            },
            t(120),
        )
        .unwrap();
        let s = start(&mut store, t(130)).unwrap();
        let s = advance(&mut store, &s, check_in(7), t(130)).unwrap();
        assert_eq!(s.mood_check_in, Some(logged.id));
        assert_eq!(crate::mood::list(&store, None, None).unwrap().len(), 2);

        // A different mood right after, or the same one hours later, is another moment.
        let s = start(&mut store, t(135)).unwrap();
        advance(&mut store, &s, check_in(3), t(135)).unwrap();
        assert_eq!(crate::mood::list(&store, None, None).unwrap().len(), 3);
        let s = start(&mut store, t(400)).unwrap();
        advance(&mut store, &s, check_in(7), t(400)).unwrap();
        assert_eq!(crate::mood::list(&store, None, None).unwrap().len(), 4);
    }
}
