//! `solace intake`: the client answers, updates or withdraws the intake form a therapist
//! asked for (shared end to end with that therapist only); the therapist requests and reads
//! it. PHQ-9 item 9 above zero opens the safety screen at once, as in `solace assess`.

use std::path::Path;

use solace_core::assessments::{self, Instrument};
use solace_core::messaging::intake::{self, IntakeAnswers, IntakeForm, IntakeSubmitted};
use solace_core::CoreError;

use crate::args::{IntakeCommand, IntakeFields};
use crate::assess_cmd;
use crate::error::{CliError, Result};
use crate::message_cmd::{local, resolve_peer, try_deliver};
use crate::output::Output;
use crate::prompt::LineInput;
use crate::unlock;

/// Runs `solace intake …`.
pub fn run(cmd: Option<IntakeCommand>, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    match cmd {
        None => {
            let (requests, forms) = local(&app, |s| Ok((intake::requests(s)?, intake::forms(s)?)))?;
            if out.json {
                return out.json(&serde_json::json!({"requests": requests, "forms": forms}));
            }
            if requests.is_empty() && forms.is_empty() {
                return out.line("No intake requests.");
            }
            for r in &requests {
                let state = if r.answered {
                    "answered"
                } else {
                    "waiting for you"
                };
                let note = r
                    .note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                out.line(format!(
                    "{} asks for an intake form{note} — {state} (`solace intake answer {}`)",
                    r.therapist_name, r.therapist_name
                ))?;
            }
            for f in &forms {
                out.line(format!(
                    "Your intake form for {} was last updated {}.",
                    f.therapist,
                    f.updated_at.format("%Y-%m-%d %H:%M")
                ))?;
            }
            Ok(())
        }
        Some(IntakeCommand::Answer { with, fields }) => submit(&app, &with, fields, true, out),
        Some(IntakeCommand::Update { with, fields }) => submit(&app, &with, fields, false, out),
        Some(IntakeCommand::Withdraw { with }) => {
            let (peer, withdrawn) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let withdrawn = intake::withdraw(s, &peer.peer_account)?;
                Ok((peer, withdrawn))
            })?;
            if !withdrawn {
                return Err(CliError::input(
                    "there is no intake form for that therapist",
                ));
            }
            try_deliver(&app, out)?;
            out.note(format!(
                "Withdrawn: your intake form is deleted and removed from {}'s devices.",
                peer.peer_name
            ))
        }
        Some(IntakeCommand::Request { with, note }) => {
            let (peer, sent) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let sent = intake::request(s, &peer.peer_account, note.as_deref())?;
                Ok((peer, sent))
            })?;
            try_deliver(&app, out)?;
            if out.json {
                return out.json(&serde_json::json!({"request_id": sent.id}));
            }
            out.line(format!("Asked {} for an intake form.", peer.peer_name))
        }
        Some(IntakeCommand::Show { with }) => {
            try_deliver(&app, &mut Output::stdout(true))?;
            let (peer, form) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let form = intake::of_client(s, &peer.peer_account)?;
                Ok((peer, form))
            })?;
            if out.json {
                return out.json(&form);
            }
            match form {
                Some(form) => print_form(&peer.peer_name, &form, out),
                None => out.line(format!("{} has not shared an intake form.", peer.peer_name)),
            }
        }
    }
}

/// Prints a form for the therapist.
pub(crate) fn print_form(name: &str, form: &IntakeForm, out: &mut Output) -> Result<()> {
    out.line(format!(
        "Intake form from {name} (answered {}, updated {})",
        form.answered_at.format("%Y-%m-%d"),
        form.updated_at.format("%Y-%m-%d %H:%M")
    ))?;
    out.line(format!("Presenting concerns: {}", form.concerns))?;
    out.line(format!("History: {}", form.history))?;
    out.line(format!(
        "Current medications: {}",
        form.medications.as_deref().unwrap_or("none given")
    ))?;
    out.line("Treatment goals:")?;
    for goal in &form.goals {
        out.line(format!("  - {goal}"))?;
    }
    for r in [&form.phq9, &form.gad7] {
        out.line(format!(
            "{}: {} ({}){}",
            r.instrument.name(),
            r.total,
            r.severity.label(),
            if r.safety_flag {
                " — item 9 above 0: check in about safety"
            } else {
                ""
            }
        ))?;
    }
    Ok(())
}

fn submit(
    app: &solace_core::App,
    with: &str,
    fields: IntakeFields,
    first: bool,
    out: &mut Output,
) -> Result<()> {
    let peer = local(app, |s| resolve_peer(s, with))?;
    let existing = local(app, |s| Ok(intake::form(s, &peer.peer_account)?))?;
    if first && existing.is_some() {
        return Err(CliError::input(
            "you already answered; change it with `solace intake update`",
        ));
    }
    if !first && existing.is_none() {
        return Err(CliError::input(
            "there is no intake form to update; answer first with `solace intake answer`",
        ));
    }
    let answers = gather(app, fields, first, out.json)?;
    let now = unlock::now();
    let done: IntakeSubmitted = local(app, |s| {
        Ok(intake::answer(s, &peer.peer_account, answers, now)?)
    })?;
    if out.json {
        out.json(&done)?;
    } else {
        for (instrument, s) in [
            (Instrument::Phq9, &done.phq9),
            (Instrument::Gad7, &done.gad7),
        ] {
            if let Some(s) = s {
                assess_cmd::report(instrument, s, out)?;
            }
        }
    }
    if let Some(err) = done.save_error {
        if !out.json {
            out.line("Your intake form was NOT saved.")?;
        }
        return Err(CliError::Core(CoreError::from(err)));
    }
    try_deliver(app, out)?;
    if !out.json {
        out.note(format!(
            "Your intake form is shared with {} only; `solace intake update` changes it, \
             `solace intake withdraw` takes it back.",
            peer.peer_name
        ))?;
    }
    Ok(())
}

/// The answers from the flags; on a first answer, what they leave out is asked for (the
/// questionnaires item by item, the safety screen opening as soon as an answer needs it).
fn gather(
    app: &solace_core::App,
    fields: IntakeFields,
    first: bool,
    json: bool,
) -> Result<IntakeAnswers> {
    let parse = |instrument, text: Option<String>| {
        text.map(|t| assess_cmd::parse_answers(instrument, &t))
            .transpose()
    };
    let mut answers = IntakeAnswers {
        concerns: fields.concerns,
        history: fields.history,
        medications: fields.medications,
        goals: (!fields.goals.is_empty()).then_some(fields.goals),
        phq9: parse(Instrument::Phq9, fields.phq9)?,
        gad7: parse(Instrument::Gad7, fields.gad7)?,
    };
    if let Some(phq9) = &answers.phq9 {
        if assessments::needs_safety_flow(Instrument::Phq9, phq9) {
            let input = LineInput::stdin(json);
            app.read(|s| Ok(assess_cmd::show_safety(Some(s), &input)))??;
        }
    }
    if !first {
        return Ok(answers);
    }
    let mut input = LineInput::stdin(json);
    let required = |t: &str| {
        let t = t.trim();
        if t.is_empty() {
            Err("please write something".to_owned())
        } else {
            Ok(t.to_owned())
        }
    };
    if answers.concerns.is_none() {
        answers.concerns =
            Some(input.ask("What brings you to therapy (presenting concerns)", required)?);
    }
    if answers.history.is_none() {
        answers.history = Some(input.ask("Relevant history, in your words", required)?);
    }
    if answers.medications.is_none() {
        answers.medications = Some(
            input.ask("Current medications (optional, Enter to skip)", |t| {
                Ok(t.trim().to_owned())
            })?,
        );
    }
    if answers.goals.is_none() {
        let mut goals = Vec::new();
        while let Some(goal) = input.ask_or_end("A treatment goal (Enter when done)", |t| {
            Ok(t.trim().to_owned())
        })? {
            if goal.is_empty() {
                break;
            }
            goals.push(goal);
        }
        answers.goals = Some(goals);
    }
    for (instrument, slot) in [
        (Instrument::Phq9, &mut answers.phq9),
        (Instrument::Gad7, &mut answers.gad7),
    ] {
        if slot.is_none() {
            *slot = Some(app.read(|s| Ok(assess_cmd::ask_all(instrument, Some(s), &mut input)))??);
        }
    }
    Ok(answers)
}
