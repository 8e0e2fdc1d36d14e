//! Line-based questions on stdin, used by the thought record, micro-sessions, assessments and
//! the safety-plan editor.
//!
//! At a terminal an invalid answer is explained and asked again; when stdin is a pipe (scripts)
//! an invalid answer is an error, and a missing line counts as an empty answer (except for
//! [`LineInput::ask_or_end`], which reports the end of input).

use std::io::{self, BufRead, IsTerminal, Write};

use solace_core::journal::{Distortion, EmotionRating, ThoughtRecord};

use crate::error::{CliError, Result};
use crate::output::truncate;

/// Reads answers from stdin and writes questions to stdout (stderr in JSON mode).
pub struct LineInput {
    interactive: bool,
    questions_to_stderr: bool,
    input: io::StdinLock<'static>,
}

impl LineInput {
    /// Questions on stdin; `json` sends the questions to stderr so stdout stays pure JSON.
    pub fn stdin(json: bool) -> Self {
        let stdin = io::stdin();
        Self {
            interactive: stdin.is_terminal(),
            questions_to_stderr: json,
            input: stdin.lock(),
        }
    }

    /// Writes `text` where the questions go (stdout, or stderr in JSON mode), terminal
    /// control characters escaped.
    pub fn say(&self, text: &str) -> Result<()> {
        let text = crate::output::escape_controls(text);
        if self.questions_to_stderr {
            let mut err = io::stderr().lock();
            write!(err, "{text}")?;
            err.flush()?;
        } else {
            let mut out = io::stdout().lock();
            write!(out, "{text}")?;
            out.flush()?;
        }
        Ok(())
    }

    /// Reads one line; `None` at end of input.
    fn read_line(&mut self) -> Result<Option<String>> {
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim().to_owned()))
    }

    /// Asks `question` until `parse` accepts the answer (at a terminal) or fails (piped).
    pub fn ask<T>(
        &mut self,
        question: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T> {
        self.ask_showing(question, None, parse)
    }

    /// Asks `question`, showing `current` in brackets; errors name only the question.
    fn ask_showing<T>(
        &mut self,
        question: &str,
        current: Option<&str>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T> {
        let shown = match current {
            Some(current) => format!("{question} [{}]: ", truncate(current, 40)),
            None => format!("{question}: "),
        };
        loop {
            self.say(&shown)?;
            let line = self.read_line()?;
            if !self.interactive {
                self.say("\n")?;
            }
            let at_end = line.is_none();
            match parse(line.as_deref().unwrap_or("")) {
                Ok(value) => return Ok(value),
                Err(msg) if self.interactive && !at_end => eprintln!("  {msg}; please try again"),
                Err(msg) => return Err(CliError::Input(format!("{question}: {msg}"))),
            }
        }
    }

    /// Like [`LineInput::ask`], but `None` when the input ends before an answer is given
    /// (Ctrl-D at a terminal, a closed pipe).
    pub fn ask_or_end<T>(
        &mut self,
        question: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>> {
        // Questions that end in punctuation are not followed by a colon.
        let shown = if question.ends_with(['?', '.', ')', ':', '!']) {
            format!("{question} ")
        } else {
            format!("{question}: ")
        };
        loop {
            self.say(&shown)?;
            let Some(line) = self.read_line()? else {
                self.say("\n")?;
                return Ok(None);
            };
            if !self.interactive {
                self.say("\n")?;
            }
            match parse(&line) {
                Ok(value) => return Ok(Some(value)),
                Err(msg) if self.interactive => eprintln!("  {msg}; please try again"),
                Err(msg) => return Err(CliError::Input(format!("{question}: {msg}"))),
            }
        }
    }

    /// Like [`LineInput::ask`], but an empty answer keeps `current` (shown in brackets) and
    /// `-` clears the value (parsed from the empty string).
    pub fn ask_or_keep<T>(
        &mut self,
        question: &str,
        current: Option<(T, String)>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T> {
        let Some((value, shown)) = current else {
            return self.ask(question, parse);
        };
        let answer = self.ask_showing(question, Some(&shown), |line| match line {
            "" => Ok(None),
            "-" => parse("").map(Some),
            _ => parse(line).map(Some),
        })?;
        Ok(answer.unwrap_or(value))
    }

    /// Walks through a thought record; with `current`, empty answers keep its values.
    pub fn thought_record(&mut self, current: Option<&ThoughtRecord>) -> Result<ThoughtRecord> {
        if self.interactive {
            let hint = if current.is_some() {
                "Thought record: press Enter to keep a value, '-' to clear it.\n"
            } else {
                "Thought record: answer each question and press Enter (empty to leave it out).\n"
            };
            self.say(hint)?;
        }
        let keep_text =
            |f: fn(&ThoughtRecord) -> &String| current.map(|t| (f(t).clone(), f(t).clone()));
        let text = |s: &str| Ok::<_, String>(s.to_owned());

        let situation = self.ask_or_keep(
            "Situation (what happened, where, with whom)",
            keep_text(|t| &t.situation),
            text,
        )?;
        let automatic_thought = self.ask_or_keep(
            "Automatic thought (what went through your mind)",
            keep_text(|t| &t.automatic_thought),
            |s| {
                if s.is_empty() && situation.is_empty() {
                    Err("give a situation or an automatic thought".to_owned())
                } else {
                    Ok(s.to_owned())
                }
            },
        )?;
        let emotions = self.ask_or_keep(
            "Emotions with intensity 0-100 (e.g. anxious:80, sad:40)",
            current.map(|t| (t.emotions.clone(), format_emotions(&t.emotions))),
            parse_emotions,
        )?;
        self.say(&distortion_menu())?;
        let distortions = self.ask_or_keep(
            "Distortions (numbers or names, comma-separated; empty for none)",
            current.map(|t| (t.distortions.clone(), format_distortions(&t.distortions))),
            parse_distortions,
        )?;
        let evidence_for = self.ask_or_keep(
            "Evidence for the thought",
            keep_text(|t| &t.evidence_for),
            text,
        )?;
        let evidence_against = self.ask_or_keep(
            "Evidence against the thought",
            keep_text(|t| &t.evidence_against),
            text,
        )?;
        let balanced_thought =
            self.ask_or_keep("Balanced thought", keep_text(|t| &t.balanced_thought), text)?;
        let rerated_emotions = self.ask_or_keep(
            "Re-rate your emotions now 0-100 (e.g. anxious:40)",
            current.map(|t| {
                (
                    t.rerated_emotions.clone(),
                    format_emotions(&t.rerated_emotions),
                )
            }),
            parse_emotions,
        )?;
        Ok(ThoughtRecord {
            situation,
            automatic_thought,
            emotions,
            distortions,
            evidence_for,
            evidence_against,
            balanced_thought,
            rerated_emotions,
        })
    }
}

/// The numbered list of distortions shown before asking for them.
fn distortion_menu() -> String {
    let mut menu = String::from("Common thinking distortions:\n");
    for (i, d) in Distortion::ALL.iter().enumerate() {
        menu.push_str(&format!("  {:>2}. {}\n", i + 1, d.name()));
    }
    menu
}

/// Parses `anxious:80, sad:40` (a space instead of the colon also works); empty is none.
pub fn parse_emotions(text: &str) -> Result<Vec<EmotionRating>, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, value) = item
            .rsplit_once(':')
            .or_else(|| item.rsplit_once(char::is_whitespace))
            .ok_or_else(|| format!("'{item}' needs an intensity, like {item}:50"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("'{item}' needs an emotion name"));
        }
        let intensity: u8 = value
            .trim()
            .trim_end_matches('%')
            .parse()
            .ok()
            .filter(|v| *v <= 100)
            .ok_or_else(|| format!("the intensity of '{name}' must be a number from 0 to 100"))?;
        out.push(EmotionRating {
            emotion: name.to_owned(),
            intensity,
        });
    }
    Ok(out)
}

/// Parses distortions given as numbers from [`Distortion::ALL`] (1-based) or names.
pub fn parse_distortions(text: &str) -> Result<Vec<Distortion>, String> {
    let mut out: Vec<Distortion> = Vec::new();
    for item in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let distortion = match item.parse::<usize>() {
            Ok(n) => n
                .checked_sub(1)
                .and_then(|i| Distortion::ALL.get(i).copied())
                .ok_or_else(|| format!("{n} is not in the list (1-{})", Distortion::ALL.len()))?,
            Err(_) => Distortion::parse(item).map_err(|e| e.to_string())?,
        };
        if !out.contains(&distortion) {
            out.push(distortion);
        }
    }
    Ok(out)
}

/// `anxious 80, sad 40`.
pub fn format_emotions(list: &[EmotionRating]) -> String {
    list.iter()
        .map(|e| format!("{}:{}", e.emotion, e.intensity))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `fortune_telling, mind_reading`.
pub fn format_distortions(list: &[Distortion]) -> String {
    list.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_emotions_and_distortions() {
        let e = parse_emotions("anxious:80, sad 40,").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!((e[1].emotion.as_str(), e[1].intensity), ("sad", 40));
        assert!(parse_emotions("anxious").is_err());
        assert!(parse_emotions("anxious:101").is_err());
        assert!(parse_emotions("").unwrap().is_empty());
        let d = parse_distortions("6, mind-reading 6").unwrap();
        assert_eq!(d, vec![Distortion::FortuneTelling, Distortion::MindReading]);
        assert!(parse_distortions("13").is_err());
        assert!(parse_distortions("0").is_err());
        assert!(parse_distortions("nonsense").is_err());
    }
}
