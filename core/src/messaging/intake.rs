//! Intake: a therapist asks a newly linked client for an intake form (payload body
//! `intake_request`); the client answers on the device — presenting concerns, history,
//! current medications (optional), treatment goals, PHQ-9 and GAD-7 — into one synced `intake`
//! record per therapist (id derived from the therapist's account, so every device of the
//! client writes the same record), shared end to end with that therapist only through the
//! share machinery (`local::shares`, item kind [`ITEM_KIND`]). The client updates it (the
//! share follows the edit) or withdraws it (the record is deleted and the therapist's copy
//! dropped). The questionnaires go through [`assessments::submit`], so PHQ-9 item 9 above
//! zero opens the safety flow from the same call.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::assessments::{self, AssessmentResult, Instrument, SaveError, Submitted};
use crate::error::{CoreError, InputProblem, Result};
use crate::messaging::local;
use crate::messaging::model::{Message, MessageContent, SharedItem};
use crate::messaging::payload::{Body, MAX_NOTE_CHARS};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// The share item kind of an intake form.
pub const ITEM_KIND: &str = "intake";
/// Longest free-text answer (concerns, history, medications), in characters.
pub const MAX_ANSWER_CHARS: usize = 4000;
/// Longest treatment goal, in characters.
pub const MAX_GOAL_CHARS: usize = 300;
/// Most treatment goals on one form.
pub const MAX_GOALS: usize = 10;

/// A client's intake form for one therapist (record kind `intake`, body v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeForm {
    /// The therapist's account id (the only one it is shared with).
    pub therapist: String,
    /// Presenting concerns, in the client's words.
    pub concerns: String,
    /// History, free text.
    pub history: String,
    /// Current medications, if the client chose to say.
    pub medications: Option<String>,
    /// Treatment goals, one per entry.
    pub goals: Vec<String>,
    /// The PHQ-9 answered with the form (also stored as an assessment result).
    pub phq9: AssessmentResult,
    /// The GAD-7 answered with the form (also stored as an assessment result).
    pub gad7: AssessmentResult,
    /// When the form was first answered.
    pub answered_at: DateTime<FixedOffset>,
    /// Last change.
    pub updated_at: DateTime<FixedOffset>,
}

/// What the client fills in. For a first answer every field but `medications` is required;
/// an update changes only the fields given (`medications: Some("")` clears it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeAnswers {
    /// Presenting concerns.
    pub concerns: Option<String>,
    /// History.
    pub history: Option<String>,
    /// Current medications.
    pub medications: Option<String>,
    /// Treatment goals (replacing the earlier ones when given).
    pub goals: Option<Vec<String>>,
    /// PHQ-9 answers, 9 values 0–3.
    pub phq9: Option<Vec<u8>>,
    /// GAD-7 answers, 7 values 0–3.
    pub gad7: Option<Vec<u8>>,
}

/// What the app shows after answering or updating: the questionnaires' outcomes (the
/// safety flow first, when present), then whether the form was stored and shared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeSubmitted {
    /// The PHQ-9 submission, when answered now (its `safety` opens the safety flow).
    pub phq9: Option<Submitted>,
    /// The GAD-7 submission, when answered now.
    pub gad7: Option<Submitted>,
    /// The form as stored and shared.
    pub form: IntakeForm,
    /// Why the form was not stored, if it was not (show it after any safety prompt).
    pub save_error: Option<SaveError>,
}

impl IntakeSubmitted {
    /// The safety prompt to show first, if either questionnaire needs it.
    pub fn safety(&self) -> Option<&crate::safety::SafetyPrompt> {
        [&self.phq9, &self.gad7]
            .into_iter()
            .flatten()
            .find_map(|s| s.safety.as_ref())
    }
}

/// An intake request as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeRequest {
    /// The request id.
    pub request_id: String,
    /// The therapist's account id.
    pub therapist: String,
    /// The therapist's name.
    pub therapist_name: String,
    /// The therapist's note.
    pub note: Option<String>,
    /// When it was sent, Unix milliseconds.
    pub sent_at: i64,
    /// Whether an intake form for this therapist exists (answered, not withdrawn).
    pub answered: bool,
}

/// The id of the intake record for `therapist` (the same on every device of the client).
pub fn record_id(therapist: &str) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("solace/intake/{therapist}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    RecordId(bytes)
}

/// Therapist side: asks the client `peer` for an intake form (a visible message on both sides).
pub fn request(store: &mut Store, peer: &str, note: Option<&str>) -> Result<Message> {
    local::conversation_meta(store, peer)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(CoreError::invalid(
            "note",
            InputProblem::TooLong {
                max: MAX_NOTE_CHARS as u32,
            },
        ));
    }
    let request_id = local::new_message_id()?;
    let note = note.map(str::to_owned);
    let content = MessageContent::IntakeRequest {
        request_id: request_id.clone(),
        note: note.clone(),
    };
    let body = Body::IntakeRequest {
        request_id: request_id.clone(),
        note,
    };
    local::compose(store, peer, request_id, content, body, |_| Ok(()))
}

/// Client side: every intake request received, newest first, with whether it was answered.
pub fn requests(store: &Store) -> Result<Vec<IntakeRequest>> {
    let mut out = Vec::new();
    for conversation in local::conversations(store)? {
        let peer = &conversation.peer_account;
        let answered = form(store, peer)?.is_some();
        for message in local::messages(store, peer)? {
            if let (false, MessageContent::IntakeRequest { request_id, note }) =
                (message.outgoing, message.content)
            {
                out.push(IntakeRequest {
                    request_id,
                    therapist: peer.clone(),
                    therapist_name: conversation.peer_name.clone(),
                    note,
                    sent_at: message.sent_at,
                    answered,
                });
            }
        }
    }
    crate::sort::sort_by_key(&mut out, |r| std::cmp::Reverse(r.sent_at));
    Ok(out)
}

/// Client side: the intake form kept for `therapist`, if any.
pub fn form(store: &Store, therapist: &str) -> Result<Option<IntakeForm>> {
    store.get(RecordKind::Intake, &record_id(therapist))
}

/// Client side: every intake form on this device.
pub fn forms(store: &Store) -> Result<Vec<IntakeForm>> {
    Ok(store
        .list::<IntakeForm>(RecordKind::Intake)?
        .into_iter()
        .filter(|(id, f)| *id == record_id(&f.therapist))
        .map(|(_, f)| f)
        .collect())
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CoreError::invalid(field, InputProblem::Empty));
    }
    if value.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            InputProblem::TooLong { max: max as u32 },
        ));
    }
    Ok(value.to_owned())
}

fn goals(list: &[String]) -> Result<Vec<String>> {
    let goals = list
        .iter()
        .filter(|g| !g.trim().is_empty())
        .map(|g| text("goal", g, MAX_GOAL_CHARS))
        .collect::<Result<Vec<_>>>()?;
    if goals.is_empty() {
        return Err(CoreError::invalid("goals", InputProblem::Missing));
    }
    if goals.len() > MAX_GOALS {
        return Err(CoreError::invalid(
            "goals",
            InputProblem::OutOfRange {
                min: 1,
                max: MAX_GOALS as i64,
            },
        ));
    }
    Ok(goals)
}

/// The checked text part of the form: `previous` filled in with what `answers` changes.
/// Pure; every problem is an `InvalidInput` naming the field.
fn merged_text(
    previous: Option<&IntakeForm>,
    answers: &IntakeAnswers,
) -> Result<(String, String, Option<String>, Vec<String>)> {
    let pick = |new: &Option<String>, old: Option<&String>, field| match (new, old) {
        (Some(v), _) => text(field, v, MAX_ANSWER_CHARS),
        (None, Some(v)) => Ok(v.clone()),
        (None, None) => Err(CoreError::invalid(field, InputProblem::Missing)),
    };
    let concerns = pick(&answers.concerns, previous.map(|p| &p.concerns), "concerns")?;
    let history = pick(&answers.history, previous.map(|p| &p.history), "history")?;
    let medications = match &answers.medications {
        Some(m) if m.trim().is_empty() => None,
        Some(m) => Some(text("medications", m, MAX_ANSWER_CHARS)?),
        None => previous.and_then(|p| p.medications.clone()),
    };
    let goals = match (&answers.goals, previous) {
        (Some(list), _) => goals(list)?,
        (None, Some(p)) => p.goals.clone(),
        (None, None) => return Err(CoreError::invalid("goals", InputProblem::Missing)),
    };
    Ok((concerns, history, medications, goals))
}

/// Client side: answers (or, when a form for `therapist` exists, updates) the intake form and
/// shares it with that therapist only.
///
/// Order, as for [`assessments::submit`]: every answer is checked first (an `Err` means an
/// answer is invalid and nothing was stored); then each questionnaire given is submitted
/// (scored, safety flow decided offline, stored as an assessment result); then the form is
/// stored and its share queued, a failure reported in [`IntakeSubmitted::save_error`] so the
/// safety prompt is never lost.
pub fn answer(
    store: &mut Store,
    therapist: &str,
    answers: IntakeAnswers,
    now: DateTime<FixedOffset>,
) -> Result<IntakeSubmitted> {
    local::conversation_meta(store, therapist)?;
    let previous = form(store, therapist)?;
    let (concerns, history, medications, goals) = merged_text(previous.as_ref(), &answers)?;
    for (instrument, field, given) in [
        (Instrument::Phq9, "phq9", &answers.phq9),
        (Instrument::Gad7, "gad7", &answers.gad7),
    ] {
        match given {
            Some(a) => {
                assessments::score(instrument, a.clone(), now)?;
            }
            None if previous.is_none() => {
                return Err(CoreError::invalid(field, InputProblem::Missing))
            }
            None => {}
        }
    }
    let phq9 = answers
        .phq9
        .map(|a| assessments::submit(store, Instrument::Phq9, a, now))
        .transpose()?;
    let gad7 = answers
        .gad7
        .map(|a| assessments::submit(store, Instrument::Gad7, a, now))
        .transpose()?;
    let pick = |new: &Option<Submitted>, old: Option<&AssessmentResult>| {
        new.as_ref()
            .map(|s| s.result.clone())
            .or_else(|| old.cloned())
            .ok_or(CoreError::invalid("answers", InputProblem::Missing))
    };
    let form = IntakeForm {
        therapist: therapist.to_owned(),
        concerns,
        history,
        medications,
        goals,
        phq9: pick(&phq9, previous.as_ref().map(|p| &p.phq9))?,
        gad7: pick(&gad7, previous.as_ref().map(|p| &p.gad7))?,
        answered_at: previous.as_ref().map_or(now, |p| p.answered_at),
        updated_at: now,
    };
    let save_error = save_and_share(store, &form)
        .err()
        .map(|e| SaveError::from(&e));
    Ok(IntakeSubmitted {
        phq9,
        gad7,
        form,
        save_error,
    })
}

fn save_and_share(store: &mut Store, form: &IntakeForm) -> Result<()> {
    let id = record_id(&form.therapist);
    store.put(RecordKind::Intake, &id, form)?;
    local::share(store, &form.therapist, &id)?;
    Ok(())
}

/// Client side: withdraws the intake form for `therapist`: the record is deleted (on every
/// device, through sync) and the therapist's copy dropped. False when there was none.
pub fn withdraw(store: &mut Store, therapist: &str) -> Result<bool> {
    let id = record_id(therapist);
    let existed = store.delete(RecordKind::Intake, &id)?;
    let unshared = local::unshare(store, &id.to_string())?;
    Ok(existed || unshared)
}

/// What a form looks like as a share: item kind, title and content.
pub(crate) fn shareable(form: &IntakeForm) -> Result<(String, String, serde_json::Value)> {
    let content =
        serde_json::to_value(form).map_err(|_| CoreError::MalformedRecord { kind: "intake" })?;
    Ok((ITEM_KIND.to_owned(), "Intake form".to_owned(), content))
}

/// Therapist side: the intake form among a client's shared items, if any (the newest; a
/// copy that does not decode counts as none).
pub fn from_items(items: &[SharedItem]) -> Option<IntakeForm> {
    items
        .iter()
        .filter(|i| i.item_kind == ITEM_KIND)
        .max_by_key(|i| i.updated_at)
        .and_then(|i| serde_json::from_value(i.content.clone()).ok())
}

/// Therapist side: the intake form `client` shares with this account, if any.
pub fn of_client(store: &Store, client: &str) -> Result<Option<IntakeForm>> {
    Ok(from_items(&local::shared_with_me(store, client)?))
}

#[cfg(test)]
#[path = "intake_tests.rs"]
mod tests;
