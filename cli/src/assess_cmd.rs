//! `solace assess …`: the PHQ-9 and GAD-7 questionnaires, one answer per line, and their
//! history. A PHQ-9 item-9 answer above zero opens the safety screen at once, before scoring.

use std::path::Path;

use solace_core::assessments::{
    self, instruments::OPTIONS, AssessmentResult, Instrument, SaveError, Submitted,
};
use solace_core::safety::{self, SafetyPrompt};
use solace_core::{CoreError, Store};

use crate::args::{AssessArgs, AssessCommand};
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::prompt::LineInput;
use crate::safety_cmd;
use crate::unlock;

/// Runs one `assess` subcommand.
pub fn run(command: AssessCommand, data_dir: &Path, out: &mut Output) -> Result<()> {
    match command {
        AssessCommand::Phq9(args) => take(Instrument::Phq9, args, data_dir, out),
        AssessCommand::Gad7(args) => take(Instrument::Gad7, args, data_dir, out),
        AssessCommand::History { instrument } => {
            let instrument = match instrument {
                Some(text) => Some(Instrument::parse(&text).ok_or_else(|| {
                    CliError::input(format!("'{text}' is not a questionnaire: use phq9 or gad7"))
                })?),
                None => None,
            };
            let store = unlock::open(data_dir)?;
            let results = match instrument {
                Some(i) => assessments::history(&store, i)?,
                None => assessments::all(&store)?,
            };
            print_history(&results, out)
        }
    }
}

/// Parses `1,2,0,…` (spaces allowed) into answers 0–3, one per item.
pub(crate) fn parse_answers(instrument: Instrument, text: &str) -> Result<Vec<u8>> {
    let answers: Vec<u8> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, s)| {
            s.parse::<u8>().ok().filter(|a| *a <= 3).ok_or_else(|| {
                CliError::input(format!(
                    "--answers: answer {} must be 0-3, got '{s}'",
                    i + 1
                ))
            })
        })
        .collect::<Result<_>>()?;
    let expected = instrument.items().len();
    if answers.len() != expected {
        return Err(CliError::input(format!(
            "--answers: {} has {expected} items, got {} answers",
            instrument.name(),
            answers.len()
        )));
    }
    Ok(answers)
}

fn parse_option(text: &str) -> Result<u8, String> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|a| *a <= 3)
        .ok_or_else(|| "enter 0, 1, 2 or 3".to_owned())
}

/// Shows the safety screen (the person's plan, crisis resources, disclaimer) right away,
/// from whatever can be read: the store's plan and settings when it is open and readable,
/// otherwise built-in resources with a note that the plan could not be read. Never fails
/// except on a write error to the terminal.
pub(crate) fn show_safety(store: Option<&Store>, input: &LineInput) -> Result<()> {
    let prompt = store.map_or_else(SafetyPrompt::builtin, safety::prompt);
    let mut text = String::from(
        "\n────────────────────────────────────────\n\
         Thank you for answering honestly. Thoughts of being better off dead or of hurting \
         yourself deserve support right now. You don't have to face them alone.\n\n",
    );
    for line in safety_cmd::screen(&prompt, false) {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str("────────────────────────────────────────\n\n");
    input.say(&text)
}

/// Administers `instrument` (or takes `--answers`), then scores and stores it.
///
/// The safety screen never depends on the store: scoring is pure, the screen is assembled
/// from whatever can be read, and a store that cannot be opened or written is reported only
/// after the screen was shown (the command then exits non-zero).
fn take(instrument: Instrument, args: AssessArgs, data_dir: &Path, out: &mut Output) -> Result<()> {
    let preset = args
        .answers
        .as_deref()
        .map(|text| parse_answers(instrument, text))
        .transpose()?;
    let mut opened = unlock::open(data_dir);
    let mut input = LineInput::stdin(out.json);
    let answers = match preset {
        Some(answers) => {
            if assessments::needs_safety_flow(instrument, &answers) {
                show_safety(opened.as_ref().ok().map(|s| &**s), &input)?;
            }
            answers
        }
        None => {
            if let Err(err) = &opened {
                input.say(&format!(
                    "Your store could not be opened ({err}); your answers will be scored \
                     but not saved.\n\n"
                ))?;
            }
            ask_all(instrument, opened.as_ref().ok().map(|s| &**s), &mut input)?
        }
    };
    let (submitted, failure) = match opened.as_mut() {
        Ok(store) => {
            let submitted = assessments::submit(store, instrument, answers, unlock::now())?;
            let failure = submitted
                .save_error
                .clone()
                .map(|e| CliError::Core(CoreError::from(e)));
            (submitted, failure)
        }
        Err(_) => {
            let result = assessments::score(instrument, answers, unlock::now())?;
            let safety = result.safety_flag.then(SafetyPrompt::builtin);
            let failure = opened.err();
            let submitted = Submitted {
                result,
                change: None,
                safety,
                save_error: failure.as_ref().map(|e| SaveError::Storage {
                    message: e.to_string(),
                }),
                told: Vec::new(),
                suggest_in_person: None,
            };
            (submitted, failure)
        }
    };
    report(instrument, &submitted, out)?;
    match failure {
        Some(err) => {
            if !out.json {
                out.line("Your answers were NOT saved.")?;
            }
            Err(err)
        }
        None => Ok(()),
    }
}

/// Prints a scored submission: total, band, change and pointers.
pub(crate) fn report(
    instrument: Instrument,
    submitted: &Submitted,
    out: &mut Output,
) -> Result<()> {
    if out.json {
        return out.json(submitted);
    }
    let r = &submitted.result;
    out.line(format!(
        "{} total: {} / {} — {}",
        instrument.name(),
        r.total,
        instrument.max_score(),
        r.severity.label()
    ))?;
    match &submitted.change {
        Some(c) => {
            let days = match c.days_between {
                0 => "earlier today".to_owned(),
                1 => "1 day ago".to_owned(),
                n => format!("{n} days ago"),
            };
            let direction = match c.delta {
                d if d < 0 => "fewer symptoms",
                d if d > 0 => "more symptoms",
                _ => "no change",
            };
            let meaningful = if c.meaningful {
                " — a meaningful change"
            } else {
                ""
            };
            out.line(format!(
                "Change since last time ({days}, {} {}): {:+} ({direction}){meaningful}",
                c.previous_total,
                c.previous_severity.label(),
                c.delta
            ))?;
        }
        None => out.line(format!(
            "This is your first {} on record; repeat it in about two weeks to see change.",
            instrument.name()
        ))?,
    }
    out.line("This is a screening questionnaire, not a diagnosis.")?;
    if r.safety_flag {
        out.line("Your safety plan and crisis resources: `solace safety-plan`.")?;
    }
    for sentence in &submitted.told {
        out.line(sentence)?;
    }
    if let Some(suggestion) = &submitted.suggest_in_person {
        out.line(&suggestion.text)?;
        if let Some(referral) = &suggestion.saved_referral {
            out.line(format!("Your saved referral: {referral}"))?;
        }
    }
    Ok(())
}

/// Asks every item on stdin; the safety screen opens as soon as an answer needs it.
pub(crate) fn ask_all(
    instrument: Instrument,
    store: Option<&Store>,
    input: &mut LineInput,
) -> Result<Vec<u8>> {
    let items = instrument.items();
    let mut header = format!(
        "{} — {} questions\n{}\n\nAnswer each with a number:\n",
        instrument.name(),
        items.len(),
        instrument.stem()
    );
    for (value, option) in OPTIONS.iter().enumerate() {
        header.push_str(&format!("  {value} = {option}\n"));
    }
    input.say(&header)?;
    let options: Vec<String> = OPTIONS
        .iter()
        .enumerate()
        .map(|(v, o)| format!("{v} {o}"))
        .collect();
    let mut answers = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        input.say(&format!(
            "\n{}. {item}\n   {}\n",
            index + 1,
            options.join(" · ")
        ))?;
        let Some(answer) = input.ask_or_end("   Your answer (0-3)", parse_option)? else {
            return Err(CliError::input(format!(
                "the questionnaire ended at item {}; nothing was saved",
                index + 1
            )));
        };
        if instrument.answer_needs_safety_flow(index, answer) {
            show_safety(store, input)?;
        }
        answers.push(answer);
    }
    input.say("\n")?;
    Ok(answers)
}

fn print_history(results: &[AssessmentResult], out: &mut Output) -> Result<()> {
    if out.json {
        return out.json(results);
    }
    if results.is_empty() {
        return out.line(
            "No assessments yet; take one with `solace assess phq9` or `solace assess gad7`.",
        );
    }
    let rows: Vec<Vec<String>> = results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let previous = results[..i]
                .iter()
                .rev()
                .find(|p| p.instrument == r.instrument);
            let change = previous.map_or_else(
                || "·".to_owned(),
                |p| format!("{:+}", i16::from(r.total) - i16::from(p.total)),
            );
            vec![
                r.at.format("%Y-%m-%d %H:%M").to_string(),
                r.instrument.name().to_owned(),
                format!("{:>2} / {}", r.total, r.instrument.max_score()),
                r.severity.label().to_owned(),
                change,
                if r.safety_flag { "⚑" } else { "" }.to_owned(),
            ]
        })
        .collect();
    out.table(
        &["date", "instrument", "total", "severity", "change", ""],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_and_validate() {
        assert_eq!(
            parse_answers(Instrument::Gad7, "3,3,3,3,3,3,3").unwrap(),
            vec![3; 7]
        );
        assert_eq!(
            parse_answers(Instrument::Gad7, "0 1, 2,3 0,1,2").unwrap(),
            vec![0, 1, 2, 3, 0, 1, 2]
        );
        assert!(parse_answers(Instrument::Gad7, "3,3").is_err());
        assert!(parse_answers(Instrument::Phq9, "4,0,0,0,0,0,0,0,0").is_err());
        assert_eq!(parse_option(" 2 "), Ok(2));
        assert!(parse_option("4").is_err());
    }
}
