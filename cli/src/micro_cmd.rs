//! `solace session`: the guided 5-minute micro-session, driven by plain line prompts so it
//! works at a terminal, in tmux and through a pipe.
//!
//! The session is stored after every answer (`sessions::advance`), so Ctrl-C, a killed process
//! or the end of stdin only pause it: the next `solace session` resumes where it stopped.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;
use solace_core::goals::{self, Goal, GoalRating};
use solace_core::sessions::techniques::{BreathPhase, StepKind};
use solace_core::sessions::{
    self, Answer, BreathingPattern, CheckIn, FollowUp, Input, MicroSession, Stage, TechniqueId,
};
use solace_core::Store;

use crate::args::SessionArgs;
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::prompt::LineInput;
use crate::unlock;

/// Environment variable that makes timers run [`FAST_FACTOR`] times faster (tests, scripts).
pub const ENV_FAST_TIMERS: &str = "SOLACE_FAST_TIMERS";
/// How much faster timers run with [`ENV_FAST_TIMERS`].
const FAST_FACTOR: u64 = 100;
/// Seconds per number in a countdown step.
const COUNTDOWN_SECONDS: u64 = 2;
/// Check-in moods at or below this show the crisis hint.
const CRISIS_HINT_MOOD: u8 = 2;
/// The crisis hint, shown without interrupting the session.
const CRISIS_HINT: &str = "If you are in crisis: `solace safety-plan`";
/// Shown when the input ends mid-session.
const PAUSED: &str = "Session paused — run `solace session` to continue.";

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Done,
    Paused,
}

#[derive(Serialize)]
struct Report<'a> {
    status: Status,
    resumed: bool,
    technique_name: Option<&'static str>,
    session: &'a MicroSession,
    goal_rating: Option<&'a GoalRating>,
}

/// Runs `solace session`.
pub fn run(args: SessionArgs, data_dir: &Path, out: &mut Output) -> Result<()> {
    // Check the flag before asking for the passphrase.
    let pattern = match &args.breathing {
        Some(text) => Some(BreathingPattern::parse(text).ok_or_else(|| {
            CliError::input(format!(
                "--breathing '{text}' is not a pattern like 4-7-8 or 4-4-4-4 \
                 (seconds in, hold, out[, hold]; in and out 1-20, holds 0-20)"
            ))
        })?),
        None => None,
    };
    let mut store = unlock::open(data_dir)?;
    let mut input = LineInput::stdin(out.json);

    let mut resumed = false;
    let current = match sessions::in_progress(&store)? {
        Some(old) if args.new => {
            sessions::abandon(&mut store, &old.id)?;
            input.say(&format!(
                "Set aside the unfinished session from {}.\n",
                old.started_at.format("%Y-%m-%d %H:%M")
            ))?;
            sessions::start(&mut store, unlock::now())?
        }
        Some(old) => {
            resumed = true;
            input.say(&format!(
                "Resuming your session from {}…\n",
                old.started_at.format("%Y-%m-%d %H:%M")
            ))?;
            old
        }
        None => sessions::start(&mut store, unlock::now())?,
    };

    let mut runner = Runner {
        store: &mut store,
        input: &mut input,
        pattern,
        speed: timer_speed(),
    };
    if resumed {
        runner.describe_resume(&current)?;
    } else {
        runner.say("A five-minute session. Press Ctrl-D (or Ctrl-C) any time to pause it.\n\n")?;
    }
    let (status, finished) = runner.drive(current)?;
    let goal_rating = match status {
        Status::Done => rate_goal(&mut store, &mut input, &finished, &args)?,
        Status::Paused => None,
    };

    let technique_name = finished.technique.map(|t| t.technique().name);
    if out.json {
        return out.json(&Report {
            status,
            resumed,
            technique_name,
            session: &finished,
            goal_rating: goal_rating.as_ref().map(|(_, r)| r),
        });
    }
    match status {
        Status::Paused => out.line(PAUSED),
        Status::Done => {
            print_summary(&finished, out)?;
            goal_follow_up(&store, &finished, goal_rating.as_ref(), out)
        }
    }
}

/// "Did this help with your goal?" at the end of a finished session, when the person has
/// goals: `--goal-rating` answers it in advance; an empty answer (or the end of input) skips.
fn rate_goal(
    store: &mut Store,
    input: &mut LineInput,
    session: &MicroSession,
    args: &SessionArgs,
) -> Result<Option<(Goal, GoalRating)>> {
    let goal = match &args.goal {
        Some(label) => {
            let id = crate::goals_cmd::resolve_goal(store, label)?;
            goals::list(store)?.into_iter().find(|g| g.id == id)
        }
        None => goals::list(store)?.into_iter().next(),
    };
    let Some(goal) = goal else {
        return Ok(None);
    };
    let rating = match args.goal_rating {
        Some(r) => Some(r),
        None => input
            .ask_or_end(
                &format!(
                    "Did this help with your goal \"{}\"? 0 (not at all) to 10 (a lot), Enter to skip:",
                    goal.text
                ),
                |t| match t.trim() {
                    "" => Ok(None),
                    other => parse_range(other, 0, 10).map(Some),
                },
            )?
            .flatten(),
    };
    let Some(rating) = rating else {
        return Ok(None);
    };
    let rated = goals::rate(store, &goal.id, rating, Some(session.id), unlock::now())?;
    Ok(Some((goal, rated)))
}

/// After a goal was rated and the person chose to message their therapist: the command that
/// writes to the therapist the goal is shared with, about that goal.
fn goal_follow_up(
    store: &Store,
    session: &MicroSession,
    rated: Option<&(Goal, GoalRating)>,
    out: &mut Output,
) -> Result<()> {
    let Some((goal, rating)) = rated else {
        return Ok(());
    };
    out.line(format!("  goal       {} — {}/10", goal.text, rating.rating))?;
    let therapist = goal.shared_with.as_ref().or(goal.proposed_by.as_ref());
    if let (Some(FollowUp::MessageTherapist), Some(therapist)) = (session.follow_up, therapist) {
        let name = solace_core::messaging::local::conversation_meta(store, therapist)
            .map(|m| m.peer_name)
            .unwrap_or_else(|_| therapist.clone());
        out.line(format!(
            "Message your therapist about this goal: solace message send \"{name}\" \"About my goal '{}': …\"",
            goal.text
        ))?;
    }
    Ok(())
}

/// 100 with `SOLACE_FAST_TIMERS` set (to anything but empty or 0), else 1.
fn timer_speed() -> u64 {
    match std::env::var(ENV_FAST_TIMERS) {
        Ok(v) if !v.is_empty() && v != "0" => FAST_FACTOR,
        _ => 1,
    }
}

/// The state a session run needs.
struct Runner<'a> {
    store: &'a mut Store,
    input: &'a mut LineInput,
    /// Breathing pattern from `--breathing`.
    pattern: Option<BreathingPattern>,
    /// Timer speed-up factor.
    speed: u64,
}

/// Either the next input for the engine, or the end of stdin.
type Step<T> = Result<Option<T>>;

impl Runner<'_> {
    fn say(&self, text: &str) -> Result<()> {
        self.input.say(text)
    }

    /// Tells a resumed session where it stands.
    fn describe_resume(&self, s: &MicroSession) -> Result<()> {
        if let Some(check_in) = &s.check_in {
            self.say(&format!("You checked in with mood {}/10.\n", check_in.mood))?;
            if check_in.mood <= CRISIS_HINT_MOOD {
                self.say(&format!("{CRISIS_HINT}\n"))?;
            }
        }
        if let (Stage::Technique { step }, Some(t)) = (s.stage, s.technique) {
            let technique = t.technique();
            self.say(&format!(
                "Continuing \"{}\" at step {} of {}.\n",
                technique.name,
                step + 1,
                technique.steps.len()
            ))?;
        }
        self.say("\n")
    }

    /// Runs stages until the session is done or the input ends.
    fn drive(&mut self, mut s: MicroSession) -> Result<(Status, MicroSession)> {
        loop {
            let input = match s.stage {
                Stage::Done => return Ok((Status::Done, s)),
                Stage::CheckIn => self.check_in()?,
                Stage::ChooseTechnique => self.choose(&s)?,
                Stage::Technique { .. } => self.technique_step(&s)?,
                Stage::Reflection => self.reflection()?,
                Stage::Rating => self.rating()?,
                Stage::FollowUp => self.follow_up()?,
            };
            let Some(input) = input else {
                return Ok((Status::Paused, s));
            };
            s = sessions::advance(self.store, &s, input, unlock::now())?;
        }
    }

    fn check_in(&mut self) -> Step<Input> {
        let Some(mood) = self.input.ask_or_end(
            "How are you feeling right now, from 1 (very low) to 10 (very good)?",
            |t| parse_range(t, 1, 10),
        )?
        else {
            return Ok(None);
        };
        if mood <= CRISIS_HINT_MOOD {
            self.say(&format!("{CRISIS_HINT}\n"))?;
        }
        let Some(on_mind) = self
            .input
            .ask_or_end("What's on your mind? (one line)", |t| Ok(t.to_owned()))?
        else {
            return Ok(None);
        };
        Ok(Some(Input::CheckIn(CheckIn { mood, on_mind })))
    }

    fn choose(&mut self, s: &MicroSession) -> Step<Input> {
        let check_in = s.check_in.clone().unwrap_or(CheckIn {
            mood: 5,
            on_mind: String::new(),
        });
        let suggestion = sessions::suggest(self.store, &check_in)?;
        let picked = suggestion.technique.technique();
        self.say(&format!(
            "\nSuggested: {} — {}\n  (because {})\n\n",
            picked.name, picked.description, suggestion.reason
        ))?;
        for (i, id) in TechniqueId::ALL.iter().enumerate() {
            let t = id.technique();
            let mark = if *id == suggestion.technique {
                "*"
            } else {
                " "
            };
            self.say(&format!(
                "  {mark}{}. {} — {}\n",
                i + 1,
                t.name,
                t.description
            ))?;
        }
        let question = format!(
            "Press Enter to start \"{}\", or choose 1-{}",
            picked.name,
            TechniqueId::ALL.len()
        );
        let default = suggestion.technique;
        let Some(id) = self
            .input
            .ask_or_end(&question, |t| parse_technique(t, default))?
        else {
            return Ok(None);
        };
        let technique = id.technique();
        let breathing = technique.steps.iter().find_map(|step| match step.kind {
            StepKind::Breathing { pattern, .. } => Some(self.pattern.unwrap_or(pattern)),
            _ => None,
        });
        self.say(&format!("\n── {} ──\n", technique.name))?;
        Ok(Some(Input::Choose(id, breathing)))
    }

    fn technique_step(&mut self, s: &MicroSession) -> Step<Input> {
        let (Stage::Technique { step: index }, Some(id), Some(step)) =
            (s.stage, s.technique, s.current_step())
        else {
            return Err(CliError::input("the session is in an unexpected state"));
        };
        let total = id.technique().steps.len();
        let prompt = format!("[{}/{total}] {}", index + 1, s.render_prompt(step.prompt));
        let answer = match step.kind {
            StepKind::Text => {
                let optional = step.optional;
                let question = if optional {
                    format!("{prompt} (Enter to skip)")
                } else {
                    prompt
                };
                self.input.ask_or_end(&question, |t| {
                    if t.is_empty() && !optional {
                        Err("please write a few words (or press Ctrl-D to pause)".to_owned())
                    } else {
                        Ok(Answer::Text(t.to_owned()))
                    }
                })?
            }
            StepKind::Scale { min, max } => self
                .input
                .ask_or_end(&prompt, |t| parse_range(t, min, max).map(Answer::Number))?,
            StepKind::Breathing { pattern, cycles } => {
                let pattern = self.pattern.or(s.breathing).unwrap_or(pattern);
                self.say(&format!("{prompt}\n"))?;
                let seconds = self.breathe(pattern, cycles)?;
                Some(Answer::Completed { seconds })
            }
            StepKind::Countdown { from } => {
                self.say(&format!("{prompt}\n"))?;
                let seconds = self.count_down(from)?;
                Some(Answer::Completed { seconds })
            }
        };
        Ok(answer.map(Input::Answer))
    }

    /// Sleeps `ms` milliseconds of exercise time (shortened by the speed-up factor).
    fn sleep_ms(&self, ms: u64) {
        thread::sleep(Duration::from_micros((ms * 1000 / self.speed).max(1)));
    }

    /// Milliseconds of exercise time since `start`.
    fn elapsed_ms(&self, start: Instant) -> u64 {
        (start.elapsed().as_millis() as u64).saturating_mul(self.speed)
    }

    /// A paced breathing timer printing each phase's cue with its seconds counting down;
    /// returns the exercise's length in seconds.
    fn breathe(&self, pattern: BreathingPattern, cycles: u32) -> Result<u32> {
        let phases = pattern.phases();
        let first = phases.first().map(|(p, _)| *p);
        self.say(&format!(
            "{} breaths of {} s ({}).\n",
            cycles,
            pattern.cycle_seconds(),
            describe(pattern)
        ))?;
        let start = Instant::now();
        let mut shown: Option<(BreathPhase, u32)> = None;
        let mut shown_secs = 0;
        while let Some(at) = pattern.phase_at(cycles, self.elapsed_ms(start)) {
            let secs_left = at.remaining_ms.div_ceil(1000);
            if shown != Some((at.phase, at.cycle)) {
                if shown.is_some() {
                    self.say("\n")?;
                }
                let counter = if Some(at.phase) == first {
                    format!("{}/{}", at.cycle + 1, cycles)
                } else {
                    String::new()
                };
                self.say(&format!("  {counter:>5}  {}… {secs_left}", at.phase.cue()))?;
                shown = Some((at.phase, at.cycle));
                shown_secs = secs_left;
            } else if secs_left != shown_secs {
                self.say(&format!(" {secs_left}"))?;
                shown_secs = secs_left;
            }
            // Wake up when the displayed second changes.
            let to_next = at.remaining_ms - (secs_left - 1) * 1000;
            self.sleep_ms(to_next + 1);
        }
        self.say("\n  Well done.\n")?;
        Ok(pattern.cycle_seconds() * cycles)
    }

    /// Counts from `from` down to 1, one number every two seconds; returns the seconds taken.
    fn count_down(&self, from: u8) -> Result<u32> {
        self.say(" ")?;
        for n in (1..=from).rev() {
            self.say(&format!(" {n}"))?;
            self.sleep_ms(COUNTDOWN_SECONDS * 1000);
        }
        self.say("\n")?;
        Ok(u32::from(from) * COUNTDOWN_SECONDS as u32)
    }

    fn reflection(&mut self) -> Step<Input> {
        self.say("\n")?;
        Ok(self
            .input
            .ask_or_end(
                "In one line: what will you take from this? (Enter to skip)",
                |t| Ok(t.to_owned()),
            )?
            .map(Input::Reflection))
    }

    fn rating(&mut self) -> Step<Input> {
        Ok(self
            .input
            .ask_or_end("Did this help? (1-5)", |t| parse_range(t, 1, 5))?
            .map(Input::Rating))
    }

    fn follow_up(&mut self) -> Step<Input> {
        self.say("\nWhat next?\n")?;
        for (i, f) in FollowUp::ALL.iter().enumerate() {
            self.say(&format!("  {}. {}\n", i + 1, f.label()))?;
        }
        let question = format!(
            "Choose 1-{} (Enter for \"{}\")",
            FollowUp::ALL.len(),
            FollowUp::Nothing.label()
        );
        Ok(self
            .input
            .ask_or_end(&question, parse_follow_up)?
            .map(Input::FollowUp))
    }
}

/// "4 in, 7 hold, 8 out".
fn describe(p: BreathingPattern) -> String {
    p.phases()
        .iter()
        .map(|(phase, secs)| {
            let word = match phase {
                BreathPhase::Inhale => "in",
                BreathPhase::Hold => "hold",
                BreathPhase::Exhale => "out",
                BreathPhase::HoldAfterExhale => "rest",
            };
            format!("{secs} {word}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A whole number from `min` to `max`.
fn parse_range(text: &str, min: u8, max: u8) -> Result<u8, String> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("enter a number from {min} to {max}"))
}

/// Empty for `default`, a number 1-6 from the list, or a technique slug.
fn parse_technique(text: &str, default: TechniqueId) -> Result<TechniqueId, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(default);
    }
    let n = TechniqueId::ALL.len();
    match text.parse::<usize>() {
        Ok(i) => i
            .checked_sub(1)
            .and_then(|i| TechniqueId::ALL.get(i).copied())
            .ok_or_else(|| format!("choose a number from 1 to {n}")),
        Err(_) => TechniqueId::parse(text)
            .ok_or_else(|| format!("choose a number from 1 to {n}, or press Enter")),
    }
}

/// Empty for "nothing for now", or a number from the follow-up menu.
fn parse_follow_up(text: &str) -> Result<FollowUp, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(FollowUp::Nothing);
    }
    let n = FollowUp::ALL.len();
    text.parse::<usize>()
        .ok()
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| FollowUp::ALL.get(i).copied())
        .ok_or_else(|| format!("choose a number from 1 to {n}"))
}

/// "3 min 05 s", "42 s".
fn duration_text(seconds: u32) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s:02} s"),
    }
}

fn print_summary(s: &MicroSession, out: &mut Output) -> Result<()> {
    out.line("")?;
    out.line("Session complete.")?;
    let name = s.technique.map_or("—", |t| t.technique().name);
    out.line(format!("  technique  {name}"))?;
    out.line(format!("  duration   {}", duration_text(s.active_seconds)))?;
    if let Some(h) = s.helpful {
        out.line(format!("  helped     {h}/5"))?;
    }
    if let Some(f) = s.follow_up {
        out.line(format!("  next       {}", f.label()))?;
    }
    if s.technique == Some(TechniqueId::CbtReframe) {
        match s.journal_entry {
            Some(id) => out.line(format!(
                "A thought record was saved to your journal ({}); see `solace journal show {}`.",
                id.short(),
                id.short()
            ))?,
            None => out.line("A thought record was saved to your journal.")?,
        }
    }
    if s.follow_up == Some(FollowUp::SessionTomorrow) {
        out.line("See you tomorrow: run `solace session` again.")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_choices() {
        assert_eq!(
            parse_technique("", TechniqueId::CbtReframe),
            Ok(TechniqueId::CbtReframe)
        );
        assert_eq!(
            parse_technique("4", TechniqueId::CbtReframe),
            Ok(TechniqueId::MindfulBreathing)
        );
        assert_eq!(
            parse_technique("strengths-based", TechniqueId::CbtReframe),
            Ok(TechniqueId::StrengthsBased)
        );
        assert!(parse_technique("7", TechniqueId::CbtReframe).is_err());
        assert!(parse_technique("0", TechniqueId::CbtReframe).is_err());
        assert_eq!(parse_follow_up(""), Ok(FollowUp::Nothing));
        assert_eq!(parse_follow_up("1"), Ok(FollowUp::SessionTomorrow));
        assert!(parse_follow_up("5").is_err());
        assert_eq!(parse_range("10", 1, 10), Ok(10));
        assert!(parse_range("11", 1, 10).is_err());
        assert_eq!(duration_text(42), "42 s");
        assert_eq!(duration_text(185), "3 min 05 s");
        assert_eq!(duration_text(120), "2 min");
        assert_eq!(
            describe(BreathingPattern::parse("4-7-8").unwrap()),
            "4 in, 7 hold, 8 out"
        );
    }
}
