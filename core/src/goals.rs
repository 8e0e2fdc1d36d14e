//! Treatment goals: they belong to the client. A therapist proposes one in a message (payload
//! body `goal_proposal`); the client accepts it into their goals (record kind `goal`, id
//! derived from the proposal so every device accepting writes the same record) or adds their
//! own. Progress ratings 0–10 (record kind `goal_rating`, append-only) are given at the end of
//! a micro-session. A goal shared with a therapist travels end to end through the share
//! machinery (`local::shares`, item kind [`ITEM_KIND`]) with its ratings, kept current on
//! every messaging sync while it is shared; unsharing drops the therapist's copy.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, InputProblem, Result};
use crate::messaging::local;
use crate::messaging::model::{Message, MessageContent, SharedItem};
use crate::messaging::payload::{Body, MAX_REFERRAL_FIELD_CHARS};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// The share item kind of a goal.
pub const ITEM_KIND: &str = "goal";
/// The highest progress rating.
pub const MAX_RATING: u8 = 10;
/// Longest goal text or target, in characters.
pub const MAX_GOAL_CHARS: usize = MAX_REFERRAL_FIELD_CHARS;

/// One treatment goal (record kind `goal`, body v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// The record id.
    pub id: RecordId,
    /// The goal, in words.
    pub text: String,
    /// What reaching it looks like.
    pub target: Option<String>,
    /// When to review it.
    pub review_date: Option<NaiveDate>,
    /// The therapist who proposed it (account id); `None` for the client's own goal.
    pub proposed_by: Option<String>,
    /// The therapist it is shared with (account id), if any.
    pub shared_with: Option<String>,
    /// When it was added.
    pub created_at: DateTime<FixedOffset>,
}

/// One progress rating (record kind `goal_rating`, body v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalRating {
    /// The record id.
    pub id: RecordId,
    /// The goal rated.
    pub goal_id: RecordId,
    /// 0 (no help at all) to 10 (helped a lot).
    pub rating: u8,
    /// The micro-session it was given at, if any.
    pub session_id: Option<RecordId>,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// What a shared goal carries to the therapist: the goal and its ratings, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedGoal {
    /// The goal.
    pub goal: Goal,
    /// Its ratings, oldest first.
    pub ratings: Vec<GoalRating>,
}

/// A goal proposal as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoalProposal {
    /// The proposal id.
    pub proposal_id: String,
    /// The therapist's account id.
    pub from_account: String,
    /// The therapist's name.
    pub from_name: String,
    /// The goal.
    pub text: String,
    /// What reaching it looks like.
    pub target: Option<String>,
    /// When to review it, `YYYY-MM-DD`.
    pub review_date: Option<String>,
    /// When it was sent, Unix milliseconds.
    pub sent_at: i64,
    /// Whether the client accepted it.
    pub accepted: bool,
}

/// Progress of one goal over the last four weeks against the four before (insights).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalProgress {
    /// The goal.
    pub goal_id: RecordId,
    /// Its text.
    pub text: String,
    /// Mean rating of the last 28 days.
    pub recent_mean: Option<f64>,
    /// Mean rating of the 28 days before.
    pub previous_mean: Option<f64>,
    /// Ratings in the last 28 days.
    pub recent_count: u32,
}

/// The goal record id of an accepted proposal (the same on every device of the client).
pub fn accepted_id(proposal_id: &str) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("solace/goal/{proposal_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    RecordId(bytes)
}

fn text(field: &'static str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CoreError::invalid(field, InputProblem::Empty));
    }
    if value.chars().count() > MAX_GOAL_CHARS {
        return Err(CoreError::invalid(
            field,
            InputProblem::TooLong {
                max: MAX_GOAL_CHARS as u32,
            },
        ));
    }
    Ok(value.to_owned())
}

/// Checks a goal's text and target (also what an import checks).
pub fn check_goal(goal: &Goal) -> Result<()> {
    text("goal", &goal.text)?;
    goal.target
        .as_deref()
        .map(|t| text("target", t))
        .transpose()?;
    Ok(())
}

/// Therapist side: proposes a goal to the client `peer` (a visible message on both sides).
pub fn propose(
    store: &mut Store,
    peer: &str,
    goal: &str,
    target: Option<&str>,
    review_date: Option<NaiveDate>,
) -> Result<Message> {
    local::conversation_meta(store, peer)?;
    let goal = text("goal", goal)?;
    let target = target
        .filter(|t| !t.trim().is_empty())
        .map(|t| text("target", t))
        .transpose()?;
    let review_date = review_date.map(|d| d.format("%Y-%m-%d").to_string());
    let proposal_id = local::new_message_id()?;
    let content = MessageContent::GoalProposal {
        proposal_id: proposal_id.clone(),
        text: goal.clone(),
        target: target.clone(),
        review_date: review_date.clone(),
    };
    let body = Body::GoalProposal {
        proposal_id: proposal_id.clone(),
        text: goal,
        target,
        review_date,
    };
    local::compose(store, peer, proposal_id, content, body, |_| Ok(()))
}

/// Client side: every goal proposal received, newest first.
pub fn proposals(store: &Store) -> Result<Vec<GoalProposal>> {
    let mut out = Vec::new();
    for conversation in local::conversations(store)? {
        for message in local::messages(store, &conversation.peer_account)? {
            if let (
                false,
                MessageContent::GoalProposal {
                    proposal_id,
                    text,
                    target,
                    review_date,
                },
            ) = (message.outgoing, message.content)
            {
                out.push(GoalProposal {
                    accepted: store
                        .get::<Goal>(RecordKind::Goal, &accepted_id(&proposal_id))?
                        .is_some(),
                    proposal_id,
                    from_account: conversation.peer_account.clone(),
                    from_name: conversation.peer_name.clone(),
                    text,
                    target,
                    review_date,
                    sent_at: message.sent_at,
                });
            }
        }
    }
    crate::sort::sort_by_key(&mut out, |p| std::cmp::Reverse(p.sent_at));
    Ok(out)
}

/// Client side: accepts a proposal (id or unique prefix of 4+) into the goals, shared with
/// the proposing therapist when `share`; accepting again returns the goal unchanged.
pub fn accept(
    store: &mut Store,
    proposal: &str,
    share: bool,
    now: DateTime<FixedOffset>,
) -> Result<Goal> {
    let prefix = proposal.trim();
    let found: Vec<GoalProposal> = proposals(store)?
        .into_iter()
        .filter(|p| {
            p.proposal_id == prefix || (prefix.len() >= 4 && p.proposal_id.starts_with(prefix))
        })
        .collect();
    let p = match <[GoalProposal; 1]>::try_from(found) {
        Ok([one]) => one,
        Err(more) if more.is_empty() => return Err(CoreError::NotFound("goal proposal")),
        Err(_) => return Err(CoreError::AmbiguousId),
    };
    let id = accepted_id(&p.proposal_id);
    if let Some(goal) = store.get::<Goal>(RecordKind::Goal, &id)? {
        return Ok(goal);
    }
    let goal = Goal {
        id,
        text: p.text,
        target: p.target,
        review_date: p
            .review_date
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        proposed_by: Some(p.from_account.clone()),
        shared_with: share.then_some(p.from_account),
        created_at: now,
    };
    save(store, &goal)?;
    Ok(goal)
}

/// Client side: adds a goal of the client's own (not shared).
pub fn add(
    store: &mut Store,
    goal: &str,
    target: Option<&str>,
    review_date: Option<NaiveDate>,
    now: DateTime<FixedOffset>,
) -> Result<Goal> {
    let goal = Goal {
        id: RecordId::generate()?,
        text: text("goal", goal)?,
        target: target
            .filter(|t| !t.trim().is_empty())
            .map(|t| text("target", t))
            .transpose()?,
        review_date,
        proposed_by: None,
        shared_with: None,
        created_at: now,
    };
    save(store, &goal)?;
    Ok(goal)
}

/// Stores a goal and starts or stops its share to match `shared_with`.
fn save(store: &mut Store, goal: &Goal) -> Result<()> {
    store.put(RecordKind::Goal, &goal.id, goal)?;
    match &goal.shared_with {
        Some(therapist) => {
            local::share(store, therapist, &goal.id)?;
        }
        None => {
            local::unshare(store, &goal.id.to_string())?;
        }
    }
    Ok(())
}

/// Client side: shares a goal with a linked therapist (`Some`), or stops sharing it (`None`:
/// the therapist's copy is removed).
pub fn set_shared(store: &mut Store, goal_id: &RecordId, with: Option<&str>) -> Result<Goal> {
    let mut goal = store
        .get::<Goal>(RecordKind::Goal, goal_id)?
        .ok_or(CoreError::NotFound("goal"))?;
    if let Some(therapist) = with {
        local::conversation_meta(store, therapist)?;
    }
    // A share to another therapist is stopped before the new one starts.
    if goal.shared_with.is_some() && goal.shared_with.as_deref() != with {
        local::unshare(store, &goal.id.to_string())?;
    }
    goal.shared_with = with.map(str::to_owned);
    save(store, &goal)?;
    Ok(goal)
}

/// Client side: every goal, oldest first.
pub fn list(store: &Store) -> Result<Vec<Goal>> {
    let mut goals: Vec<Goal> = store
        .list::<Goal>(RecordKind::Goal)?
        .into_iter()
        .filter(|(id, g)| *id == g.id)
        .map(|(_, g)| g)
        .collect();
    crate::sort::sort_by(&mut goals, |a, b| {
        a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id))
    });
    Ok(goals)
}

/// Client side: rates progress on a goal, 0–10 (at the end of `session`, if given).
pub fn rate(
    store: &mut Store,
    goal_id: &RecordId,
    rating: u8,
    session: Option<RecordId>,
    now: DateTime<FixedOffset>,
) -> Result<GoalRating> {
    if rating > MAX_RATING {
        return Err(CoreError::invalid(
            "rating",
            InputProblem::OutOfRange {
                min: 0,
                max: i64::from(MAX_RATING),
            },
        ));
    }
    store
        .get::<Goal>(RecordKind::Goal, goal_id)?
        .ok_or(CoreError::NotFound("goal"))?;
    let entry = GoalRating {
        id: RecordId::generate()?,
        goal_id: *goal_id,
        rating,
        session_id: session,
        at: now,
    };
    store.put(RecordKind::GoalRating, &entry.id, &entry)?;
    Ok(entry)
}

/// Every rating of every goal, oldest first.
pub fn ratings(store: &Store) -> Result<Vec<GoalRating>> {
    let mut all: Vec<GoalRating> = store
        .list::<GoalRating>(RecordKind::GoalRating)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    crate::sort::sort_by(&mut all, |a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    Ok(all)
}

/// What a goal looks like as a share (`None`: it is not shared, so a running share stops).
pub(crate) fn shareable(
    store: &Store,
    goal: Goal,
) -> Result<Option<(String, String, serde_json::Value)>> {
    if goal.shared_with.is_none() {
        return Ok(None);
    }
    let ratings = ratings(store)?
        .into_iter()
        .filter(|r| r.goal_id == goal.id)
        .collect();
    let title = format!("Goal: {}", goal.text);
    let content = serde_json::to_value(SharedGoal { goal, ratings })
        .map_err(|_| CoreError::MalformedRecord { kind: "goal" })?;
    Ok(Some((ITEM_KIND.to_owned(), title, content)))
}

/// Therapist side: the goals among a client's shared items, with their ratings.
pub fn from_items(items: &[SharedItem]) -> Vec<SharedGoal> {
    items
        .iter()
        .filter(|i| i.item_kind == ITEM_KIND)
        .filter_map(|i| serde_json::from_value(i.content.clone()).ok())
        .collect()
}

fn mean(values: &[u8]) -> Option<f64> {
    (!values.is_empty())
        .then(|| values.iter().map(|v| f64::from(*v)).sum::<f64>() / values.len() as f64)
}

/// Progress per goal: the mean rating of the 28 days ending `today` against the 28 days
/// before, and the count. Pure.
pub fn progress(goals: &[Goal], ratings: &[GoalRating], today: NaiveDate) -> Vec<GoalProgress> {
    let recent_from = today - Duration::days(27);
    let previous_from = recent_from - Duration::days(28);
    goals
        .iter()
        .map(|goal| {
            let of = |from: NaiveDate, to: NaiveDate| -> Vec<u8> {
                ratings
                    .iter()
                    .filter(|r| r.goal_id == goal.id)
                    .filter(|r| (from..=to).contains(&r.at.date_naive()))
                    .map(|r| r.rating)
                    .collect()
            };
            let recent = of(recent_from, today);
            let previous = of(previous_from, recent_from - Duration::days(1));
            GoalProgress {
                goal_id: goal.id,
                text: goal.text.clone(),
                recent_mean: mean(&recent),
                previous_mean: mean(&previous),
                recent_count: recent.len() as u32,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "goals_tests.rs"]
mod tests;
