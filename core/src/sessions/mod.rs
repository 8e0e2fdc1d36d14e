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
    all.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(a.id.cmp(&b.id)));
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
}
