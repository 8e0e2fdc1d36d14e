//! Command-line arguments, declared with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Solace: private journaling, mood tracking and habits, encrypted on this device.
#[derive(Debug, Parser)]
#[command(name = "solace", version, about, long_about = None)]
pub struct Cli {
    /// Directory holding the encrypted store [default: $XDG_DATA_HOME/solace or ~/.local/share/solace]
    #[arg(long, global = true, env = "SOLACE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print machine-readable JSON on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new encrypted store and show its recovery key once
    Init {
        /// Do not remember this device (every command will ask for the passphrase)
        #[arg(long)]
        no_remember: bool,
    },
    /// Check the passphrase and remember this device (no passphrase needed afterwards)
    Unlock,
    /// Forget this device: afterwards only the passphrase unlocks the store
    Lock,
    /// Change the passphrase (env SOLACE_NEW_PASSPHRASE for scripts)
    Passwd,
    /// Set a new passphrase with the recovery key (env SOLACE_RECOVERY_KEY for scripts)
    Recover,
    /// Show the state of the store (no content)
    Status,
    /// Journal entries: free writing, prompts and thought records
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Mood check-ins and statistics
    #[command(subcommand)]
    Mood(MoodCommand),
    /// Habits with streaks and strength
    #[command(subcommand)]
    Habit(HabitCommand),
}

/// `solace journal …`
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Write a new entry (text from the argument, or all of stdin)
    Add(JournalAddArgs),
    /// List entries, newest first
    List {
        /// Only entries with this tag
        #[arg(long)]
        tag: Option<String>,
        /// At most this many entries
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Show one entry
    Show {
        /// Entry id or a prefix of at least 4 hex characters
        id: String,
        /// Also show earlier versions
        #[arg(long)]
        revisions: bool,
    },
    /// Change an entry; the previous version is kept as a revision
    Edit(JournalEditArgs),
    /// Delete an entry
    Delete {
        /// Entry id or a prefix of at least 4 hex characters
        id: String,
    },
    /// Search titles, text and tags (case-insensitive)
    Search {
        /// Text to look for
        query: String,
    },
    /// List tags with how many entries carry them
    Tags,
}

/// Arguments of `solace journal add`.
#[derive(Debug, Args)]
pub struct JournalAddArgs {
    /// The text (read from stdin when absent)
    #[arg(conflicts_with = "thought_record")]
    pub text: Option<String>,
    /// Optional title
    #[arg(long)]
    pub title: Option<String>,
    /// A tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Store the text as the answer to this writing prompt
    #[arg(long, value_name = "PROMPT", conflicts_with = "thought_record")]
    pub prompt: Option<String>,
    /// Fill in a CBT thought record step by step (questions on stdout, answers on stdin)
    #[arg(long)]
    pub thought_record: bool,
}

/// Arguments of `solace journal edit`.
#[derive(Debug, Args)]
pub struct JournalEditArgs {
    /// Entry id or a prefix of at least 4 hex characters
    pub id: String,
    /// New text ("-" reads stdin); unchanged when absent
    #[arg(conflicts_with = "thought_record")]
    pub text: Option<String>,
    /// New title ("" removes it)
    #[arg(long)]
    pub title: Option<String>,
    /// Replace the tags with these (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Re-run the thought-record questions (empty answer keeps the current value)
    #[arg(long)]
    pub thought_record: bool,
}

/// `solace mood …`
#[derive(Debug, Subcommand)]
pub enum MoodCommand {
    /// Record how you feel now (1 = very low, 10 = very good)
    Log(MoodLogArgs),
    /// List check-ins, oldest first
    List {
        /// Only the last N days (all when absent)
        #[arg(long, value_name = "N")]
        days: Option<u32>,
    },
    /// Summary statistics, or a year-in-pixels calendar
    Stats {
        /// Number of days to summarize, ending today
        #[arg(long, value_name = "N", default_value_t = 30)]
        days: u32,
        /// Show a year-in-pixels calendar for this year instead
        #[arg(long, value_name = "YEAR")]
        calendar: Option<i32>,
    },
}

/// Arguments of `solace mood log`.
#[derive(Debug, Args)]
pub struct MoodLogArgs {
    /// Mood from 1 (very low) to 10 (very good)
    pub mood: u8,
    /// An emotion word (repeatable)
    #[arg(long = "emotion", value_name = "EMOTION")]
    pub emotions: Vec<String>,
    /// Energy from 1 to 10
    #[arg(long, value_name = "N")]
    pub energy: Option<u8>,
    /// Anxiety from 1 to 10
    #[arg(long, value_name = "N")]
    pub anxiety: Option<u8>,
    /// Hours slept last night
    #[arg(long, value_name = "HOURS")]
    pub sleep: Option<f32>,
    /// A short note
    #[arg(long)]
    pub note: Option<String>,
    /// When (RFC 3339, e.g. 2026-11-05T21:00:00+01:00); now when absent
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
}

/// `solace habit …`
#[derive(Debug, Subcommand)]
pub enum HabitCommand {
    /// Start tracking a habit
    Add(HabitAddArgs),
    /// Mark a day as done
    Check(HabitDayArgs),
    /// Mark a day as skipped (keeps the streak without counting as done)
    Skip(HabitDayArgs),
    /// Clear the mark of a day
    Undo(HabitDayArgs),
    /// List habits with streak, strength and today's mark
    List {
        /// Include archived habits
        #[arg(long)]
        all: bool,
    },
    /// Streaks, strength and plan of one habit (or of all)
    Stats {
        /// Habit id prefix or exact name
        id: Option<String>,
    },
    /// Archive a habit (hidden from lists, history kept)
    Archive {
        /// Habit id prefix or exact name
        id: String,
    },
}

/// Arguments of `solace habit add`.
#[derive(Debug, Args)]
pub struct HabitAddArgs {
    /// Name of the habit
    pub name: String,
    /// "daily", "3/week", "10/month", "mon,wed,fri" or "every 3 days"
    #[arg(long)]
    pub schedule: String,
    /// If-then plan: the cue ("If CUE, then I will ACTION")
    #[arg(long = "if", value_name = "CUE", requires = "then")]
    pub cue: Option<String>,
    /// If-then plan: the action
    #[arg(long = "then", value_name = "ACTION", requires = "cue")]
    pub then: Option<String>,
    /// Reminder time HH:MM (repeatable)
    #[arg(long = "remind", value_name = "HH:MM")]
    pub reminders: Vec<String>,
    /// First day of the habit (YYYY-MM-DD); today when absent
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub start: Option<String>,
}

/// Arguments naming a habit and a day.
#[derive(Debug, Args)]
pub struct HabitDayArgs {
    /// Habit id prefix or exact name
    pub id: String,
    /// The day (YYYY-MM-DD, "today" or "yesterday"); today when absent
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
}
