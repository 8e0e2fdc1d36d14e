//! `solace remind`: the reminder settings, the next reminders with the adaptive explanation,
//! `set` and `snooze`. Planning happens in `solace_core::reminders`; this file parses and
//! prints. The clock is the machine's local zone (daylight-saving aware), or `--now` for a
//! fixed instant and offset.

use std::path::Path;

use chrono::{DateTime, Local, NaiveTime, TimeZone, Weekday};
use clap::{Args, Subcommand};
use solace_core::reminders::{self, QuietHours, ReminderPlan, SessionReminder};

use crate::error::{CliError, Result};
use crate::output::Output;
use crate::unlock;

/// `solace remind [set|snooze]`
#[derive(Debug, Args)]
pub struct RemindArgs {
    /// What to do (shows the settings and the next reminders without one)
    #[command(subcommand)]
    pub command: Option<RemindCommand>,
    /// How many upcoming reminders to show (at most 64)
    #[arg(long, value_name = "N", default_value_t = 10, global = true)]
    pub count: usize,
    /// Plan as of this instant (RFC 3339) instead of now, in its UTC offset
    #[arg(long, value_name = "TIME", hide = true, global = true)]
    pub now: Option<String>,
}

/// `solace remind …`
#[derive(Debug, Subcommand)]
pub enum RemindCommand {
    /// Change the reminder settings (what is not given stays as it is)
    Set {
        /// Daily check-in reminder time (turns it on)
        #[arg(long, value_name = "HH:MM")]
        time: Option<String>,
        /// Days for the check-in reminder: mon,tue,… or "all"
        #[arg(long, value_name = "DAYS")]
        weekdays: Option<String>,
        /// Quiet hours (may cross midnight), or "off"
        #[arg(long, value_name = "HH:MM-HH:MM")]
        quiet: Option<String>,
        /// Move the check-in reminder toward when you usually check in
        #[arg(long, value_name = "on|off")]
        adaptive: Option<String>,
        /// Micro-session reminder time, or "off"
        #[arg(long, value_name = "HH:MM")]
        session: Option<String>,
        /// Default snooze length in minutes
        #[arg(long, value_name = "N")]
        snooze_minutes: Option<u32>,
        /// Turn the check-in reminder off
        #[arg(long, conflicts_with = "time")]
        off: bool,
    },
    /// Snooze a reminder (one to come, or one shown in the last day)
    Snooze {
        /// The reminder id, as `solace remind` lists it
        id: String,
        /// Minutes (the default snooze length when absent)
        #[arg(long)]
        minutes: Option<u32>,
    },
}

/// Runs `solace remind …`.
pub fn run(args: RemindArgs, data_dir: &Path, out: &mut Output) -> Result<()> {
    let count = args.count;
    match &args.now {
        Some(text) => {
            let now = DateTime::parse_from_rfc3339(text)
                .map_err(|_| CliError::input("--now must be an RFC 3339 time"))?;
            run_at(args.command, count, &now, data_dir, out)
        }
        None => run_at(args.command, count, &Local::now(), data_dir, out),
    }
}

fn run_at<Tz: TimeZone>(
    command: Option<RemindCommand>,
    count: usize,
    now: &DateTime<Tz>,
    data_dir: &Path,
    out: &mut Output,
) -> Result<()> {
    let mut store = unlock::open(data_dir)?;
    match command {
        None => {}
        Some(RemindCommand::Snooze { id, minutes }) => {
            let snoozed = reminders::snooze(&mut store, &id, minutes, now)?;
            if out.json {
                return out.json(&snoozed);
            }
            return out.line(format!(
                "Snoozed until {}",
                snoozed.fire_at.format("%Y-%m-%d %H:%M")
            ));
        }
        Some(RemindCommand::Set {
            time,
            weekdays,
            quiet,
            adaptive,
            session,
            snooze_minutes,
            off,
        }) => {
            let mut s = reminders::settings(&store)?;
            if let Some(t) = time {
                s.check_in.time = parse_time("--time", &t)?;
                s.check_in.enabled = true;
            }
            if off {
                s.check_in.enabled = false;
            }
            if let Some(days) = weekdays {
                s.check_in.weekdays = parse_weekdays(&days)?;
            }
            if let Some(q) = quiet {
                s.quiet_hours = parse_quiet(&q)?;
            }
            if let Some(a) = adaptive {
                s.check_in.adaptive = on_off("--adaptive", &a)?;
            }
            if let Some(text) = session {
                s.session = match text.as_str() {
                    "off" => None,
                    t => Some(SessionReminder {
                        time: parse_time("--session", t)?,
                        weekdays: Vec::new(),
                    }),
                };
            }
            if let Some(n) = snooze_minutes {
                s.snooze_minutes = n;
            }
            reminders::set_settings(&mut store, s)?;
        }
    }
    let plan = reminders::plan(&store, now, count)?;
    if out.json {
        return out.json(&plan);
    }
    print(&plan, out)
}

fn print(plan: &ReminderPlan, out: &mut Output) -> Result<()> {
    let s = &plan.settings;
    let c = &s.check_in;
    let days = if c.weekdays.is_empty() {
        "every day".to_owned()
    } else {
        let names: Vec<String> = c.weekdays.iter().map(|d| d.to_string()).collect();
        names.join(",")
    };
    if c.enabled {
        let mut line = format!("Check-in reminder: {} {days}", c.time.format("%H:%M"));
        match (&plan.adaptation, c.adaptive) {
            (Some(a), true) => line.push_str(&format!(
                ", adaptive: {} ({})",
                a.adjusted.format("%H:%M"),
                a.explanation
            )),
            (None, true) => line.push_str(", adaptive (needs 5 recent check-ins)"),
            _ => {}
        }
        out.line(line)?;
    } else {
        out.line("Check-in reminder: off (`solace remind set --time 21:00`)")?;
    }
    if let Some(session) = &s.session {
        out.line(format!(
            "Session reminder: {}",
            session.time.format("%H:%M")
        ))?;
    }
    if let Some(q) = &s.quiet_hours {
        out.line(format!(
            "Quiet hours: {}-{}",
            q.start.format("%H:%M"),
            q.end.format("%H:%M")
        ))?;
    }
    out.line(format!("Snooze: {} minutes", s.snooze_minutes))?;
    if plan.reminders.is_empty() {
        return out.line("No reminders planned.");
    }
    let rows: Vec<Vec<String>> = plan
        .reminders
        .iter()
        .map(|r| {
            vec![
                r.fire_at.format("%a %Y-%m-%d %H:%M").to_string(),
                format!("{}{}", r.title, if r.snoozed { " (snoozed)" } else { "" }),
                r.id.clone(),
            ]
        })
        .collect();
    out.table(&["when", "reminder", "id"], &rows)
}

fn parse_time(flag: &str, text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| CliError::input(format!("{flag} '{text}' is not a time like 21:00")))
}

fn parse_weekdays(text: &str) -> Result<Vec<Weekday>> {
    if text.trim().eq_ignore_ascii_case("all") {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|d| {
            d.trim()
                .parse::<Weekday>()
                .map_err(|_| CliError::input(format!("--weekdays: '{d}' is not a weekday")))
        })
        .collect()
}

fn parse_quiet(text: &str) -> Result<Option<QuietHours>> {
    if text.trim() == "off" {
        return Ok(None);
    }
    let (start, end) = text
        .split_once('-')
        .ok_or_else(|| CliError::input("--quiet must look like 22:30-07:00, or be off"))?;
    Ok(Some(QuietHours {
        start: parse_time("--quiet", start)?,
        end: parse_time("--quiet", end)?,
    }))
}

fn on_off(flag: &str, text: &str) -> Result<bool> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(CliError::input(format!("{flag} takes on or off"))),
    }
}
