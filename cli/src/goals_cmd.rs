//! `solace goals`: treatment goals belong to the client. The client accepts a therapist's
//! proposal (shared back with them unless private), adds their own, rates progress 0–10 and
//! chooses what is shared; the therapist proposes goals and reads the shared ones.

use std::path::Path;

use solace_core::goals::{self, Goal, SharedGoal};
use solace_core::{record, RecordId, RecordKind, Store};

use crate::args::GoalsCommand;
use crate::error::Result;
use crate::message_cmd::{local, resolve_peer, try_deliver};
use crate::output::Output;
use crate::unlock;

/// The goal a label (id or unique prefix) names.
pub(crate) fn resolve_goal(store: &Store, label: &str) -> Result<RecordId> {
    Ok(record::resolve_label(store, &[RecordKind::Goal], label)?)
}

/// Runs `solace goals …`.
pub fn run(cmd: Option<GoalsCommand>, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    match cmd {
        None => {
            try_deliver(&app, &mut Output::stdout(true))?;
            let (proposals, goals, ratings) = local(&app, |s| {
                Ok((goals::proposals(s)?, goals::list(s)?, goals::ratings(s)?))
            })?;
            if out.json {
                return out.json(&serde_json::json!({
                    "proposals": proposals, "goals": goals, "ratings": ratings,
                }));
            }
            for p in proposals.iter().filter(|p| !p.accepted) {
                out.line(format!(
                    "? {}  {} proposes: {} (`solace goals accept {}`)",
                    &p.proposal_id[..8.min(p.proposal_id.len())],
                    p.from_name,
                    p.text,
                    &p.proposal_id[..8.min(p.proposal_id.len())]
                ))?;
            }
            if goals.is_empty() {
                return out.line("No goals yet (`solace goals add TEXT`).");
            }
            for g in &goals {
                let last = ratings.iter().rev().find(|r| r.goal_id == g.id);
                let rated = last.map_or("not rated yet".to_owned(), |r| {
                    format!("last rated {}/10", r.rating)
                });
                let shared = if g.shared_with.is_some() {
                    ", shared"
                } else {
                    ""
                };
                out.line(format!("  {}  {} — {rated}{shared}", g.id.short(), g.text))?;
            }
            Ok(())
        }
        Some(GoalsCommand::Accept { proposal, private }) => {
            let goal = local(&app, |s| {
                Ok(goals::accept(s, &proposal, !private, unlock::now())?)
            })?;
            try_deliver(&app, out)?;
            print_goal("Accepted", &goal, out)
        }
        Some(GoalsCommand::Add {
            text,
            target,
            review,
        }) => {
            let goal = local(&app, |s| {
                Ok(goals::add(
                    s,
                    &text.join(" "),
                    target.as_deref(),
                    review,
                    unlock::now(),
                )?)
            })?;
            print_goal("Added", &goal, out)
        }
        Some(GoalsCommand::Share { goal, with }) => {
            let goal = local(&app, |s| {
                let id = resolve_goal(s, &goal)?;
                let peer = resolve_peer(s, &with)?;
                Ok(goals::set_shared(s, &id, Some(&peer.peer_account))?)
            })?;
            try_deliver(&app, out)?;
            print_goal("Shared", &goal, out)
        }
        Some(GoalsCommand::Unshare { goal }) => {
            let goal = local(&app, |s| {
                let id = resolve_goal(s, &goal)?;
                Ok(goals::set_shared(s, &id, None)?)
            })?;
            try_deliver(&app, out)?;
            print_goal("No longer shared", &goal, out)
        }
        Some(GoalsCommand::Rate { goal, rating }) => {
            let rated = local(&app, |s| {
                let id = resolve_goal(s, &goal)?;
                Ok(goals::rate(s, &id, rating, None, unlock::now())?)
            })?;
            try_deliver(&app, out)?;
            if out.json {
                return out.json(&rated);
            }
            out.line(format!("Rated {}/10.", rated.rating))
        }
        Some(GoalsCommand::Propose {
            with,
            text,
            target,
            review,
        }) => {
            let (peer, sent) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let sent = goals::propose(
                    s,
                    &peer.peer_account,
                    &text.join(" "),
                    target.as_deref(),
                    review,
                )?;
                Ok((peer, sent))
            })?;
            try_deliver(&app, out)?;
            if out.json {
                return out.json(&serde_json::json!({"proposal_id": sent.id}));
            }
            out.line(format!("Goal proposed to {}.", peer.peer_name))
        }
        Some(GoalsCommand::Show { with }) => {
            try_deliver(&app, &mut Output::stdout(true))?;
            let (peer, shared) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let items = solace_core::messaging::local::shared_with_me(s, &peer.peer_account)?;
                Ok((peer, goals::from_items(&items)))
            })?;
            if out.json {
                return out.json(&shared);
            }
            print_shared(&peer.peer_name, &shared, out)
        }
    }
}

fn print_goal(what: &str, goal: &Goal, out: &mut Output) -> Result<()> {
    if out.json {
        return out.json(goal);
    }
    out.line(format!("{what}: {} ({})", goal.text, goal.id.short()))
}

fn print_shared(name: &str, shared: &[SharedGoal], out: &mut Output) -> Result<()> {
    if shared.is_empty() {
        return out.line(format!("{name} shares no goals with you."));
    }
    for s in shared {
        let ratings: Vec<String> = s.ratings.iter().map(|r| r.rating.to_string()).collect();
        out.line(format!(
            "{}{} — ratings: {}",
            s.goal.text,
            s.goal
                .target
                .as_deref()
                .map(|t| format!(" (target: {t})"))
                .unwrap_or_default(),
            if ratings.is_empty() {
                "none yet".to_owned()
            } else {
                ratings.join(", ")
            }
        ))?;
    }
    Ok(())
}
