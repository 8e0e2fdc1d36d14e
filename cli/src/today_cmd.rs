//! `solace today`: the same snapshot a home-screen widget shows (last mood, check-in,
//! session streak, habits, today's step, next reminder), after any referral card not
//! acknowledged yet.

use std::path::Path;

use crate::error::Result;
use crate::output::Output;
use crate::unlock;

/// Prints today's snapshot.
pub fn run(data_dir: &Path, out: &mut Output) -> Result<()> {
    let store = unlock::open(data_dir)?;
    let snapshot = solace_core::today::snapshot(&store, unlock::now())?;
    if out.json {
        return out.json(&snapshot);
    }
    // Referral cards not acknowledged yet come first: a therapist suggested other care. A
    // conversation store that cannot be read only costs this line.
    let waiting = solace_core::messaging::referral::list(&store)
        .map(|all| all.into_iter().filter(|r| !r.acknowledged).count())
        .unwrap_or(0);
    if waiting > 0 {
        out.line(format!(
            "! {} from your therapist to read (`solace referral`)",
            crate::output::count(waiting as u64, "referral", "referrals")
        ))?;
    }
    match &snapshot.last_mood {
        Some(m) if snapshot.checked_in_today => {
            out.line(format!("Mood: {} today ({})", m.mood, m.at.format("%H:%M")))?
        }
        Some(m) => out.line(format!(
            "Mood: not checked in today (last: {} on {})",
            m.mood,
            m.at.format("%Y-%m-%d")
        ))?,
        None => out.line("Mood: no check-ins yet (`solace mood log N`)")?,
    }
    let session = if snapshot.session_done_today {
        "done today"
    } else {
        "not yet today"
    };
    out.line(format!(
        "Sessions: {} in a row, {session}",
        snapshot.session_streak_days
    ))?;
    for habit in &snapshot.habits {
        let mark = if habit.done_today { "✓" } else { "·" };
        out.line(format!("{mark} {} (streak {})", habit.name, habit.streak))?;
    }
    if let Some(plan) = &snapshot.plan {
        let mark = if plan.done { "✓" } else { "·" };
        out.line(format!("{mark} Today's step: {}", plan.step))?;
    }
    if let Some(at) = snapshot.next_reminder {
        out.line(format!("Next reminder: {}", at.format("%H:%M")))?;
    }
    Ok(())
}
