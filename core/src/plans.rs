//! The daily "start small" plan: one small step for today, optionally tied to a habit and
//! phrased as an if-then plan (implementation intention). One plan per local day.

use crate::error::InputProblem;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::habits::{self, IfThenPlan};
use crate::record::{RecordId, RecordKind};
use crate::store::Store;

/// Today's small step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyPlan {
    /// The local day it is for.
    pub date: NaiveDate,
    /// The step, small enough to do in a few minutes ("put on walking shoes").
    pub step: String,
    /// A habit this step serves, if any.
    #[serde(default)]
    pub habit_id: Option<RecordId>,
    /// When and where: "If <cue>, then I will <step>".
    #[serde(default)]
    pub if_then: Option<IfThenPlan>,
    /// Whether it was done.
    #[serde(default)]
    pub done: bool,
    /// Last change.
    pub updated_at: DateTime<FixedOffset>,
}

/// The record id of the plan for `date`: fixed per day, so devices agree on it.
pub fn plan_id(date: NaiveDate) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("solace/daily-plan/{date}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    RecordId(bytes)
}

/// The rule for a small step: 1–200 characters once trimmed (also checked on import).
pub(crate) fn check_step(step: &str) -> Result<()> {
    let step = step.trim();
    if step.is_empty() || step.chars().count() > 200 {
        return Err(CoreError::invalid(
            "small step",
            InputProblem::Length { min: 1, max: 200 },
        ));
    }
    Ok(())
}

/// Sets (or replaces) the plan for `date`. With `habit` and no explicit cue, the habit's own
/// if-then cue is reused.
pub fn set(
    store: &mut Store,
    date: NaiveDate,
    step: &str,
    habit: Option<RecordId>,
    cue: Option<&str>,
    now: DateTime<FixedOffset>,
) -> Result<DailyPlan> {
    let step = step.trim();
    check_step(step)?;
    let habit_cue = match habit {
        Some(id) => habits::get(store, &id)?.draft.plan.map(|p| p.cue),
        None => None,
    };
    let cue = cue
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or(habit_cue);
    let plan = DailyPlan {
        date,
        step: step.to_owned(),
        habit_id: habit,
        if_then: cue.map(|cue| IfThenPlan {
            cue,
            action: step.to_owned(),
        }),
        done: false,
        updated_at: now,
    };
    store.put(RecordKind::DailyPlan, &plan_id(date), &plan)?;
    Ok(plan)
}

/// The plan for `date`, if one was made.
pub fn get(store: &Store, date: NaiveDate) -> Result<Option<DailyPlan>> {
    store.get(RecordKind::DailyPlan, &plan_id(date))
}

/// Marks the plan for `date` done; when tied to a habit, also checks the habit for that day.
pub fn complete(
    store: &mut Store,
    date: NaiveDate,
    now: DateTime<FixedOffset>,
) -> Result<DailyPlan> {
    let mut plan = get(store, date)?.ok_or(CoreError::NotFound("plan for that day"))?;
    plan.done = true;
    plan.updated_at = now;
    store.atomically(|store| {
        if let Some(habit) = plan.habit_id {
            habits::record(store, &habit, date, habits::HabitAction::Check, now)?;
        }
        store.put(RecordKind::DailyPlan, &plan_id(date), &plan)
    })?;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::KdfParams;
    use crate::habits::{HabitDraft, Schedule};

    #[test]
    fn a_plan_tied_to_a_habit_reuses_its_cue_and_checks_it_when_done() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = Store::create(
            dir.path(),
            crate::passphrase::TEST_PASSPHRASE,
            KdfParams::FLOOR,
        )
        .unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-20T08:00:00+01:00").unwrap();
        let today = now.date_naive();
        let habit = habits::add(
            &mut store,
            HabitDraft {
                name: "Walk".into(),
                schedule: Schedule::Daily,
                plan: Some(IfThenPlan {
                    cue: "I finish lunch".into(),
                    action: "walk".into(),
                }),
                reminders: vec![],
            },
            today,
            now,
        )
        .unwrap();
        assert!(set(&mut store, today, " ", None, None, now).is_err());
        let plan = set(
            &mut store,
            today,
            "walk around the block",
            Some(habit.id),
            None,
            now,
        )
        .unwrap();
        assert_eq!(
            plan.if_then.as_ref().unwrap().to_string(),
            "If I finish lunch, then I will walk around the block"
        );
        assert_eq!(get(&store, today).unwrap(), Some(plan));
        let done = complete(&mut store, today, now).unwrap();
        assert!(done.done);
        assert_eq!(
            habits::stats(&store, &habit.id, today)
                .unwrap()
                .streaks
                .current,
            1
        );
        assert!(complete(&mut store, today.succ_opt().unwrap(), now).is_err());
    }
}
