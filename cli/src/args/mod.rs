//! Command-line arguments, declared with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod care;
mod messaging;
pub use care::*;
pub use messaging::*;

pub use crate::account_cmd::AccountCommand;
pub use crate::devices_cmd::DevicesCommand;

/// Solace: private journaling, mood tracking and habits, encrypted on this device.
#[derive(Debug, Parser)]
#[command(name = "solace", version, about, long_about = None)]
pub struct Cli {
    /// Directory holding the encrypted store [default: $XDG_DATA_HOME/solace or ~/.local/share/solace]
    #[arg(long, global = true, env = "SOLACE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Directory holding this device's remembered keys, one file per store, kept outside the data directory [default: $XDG_STATE_HOME/solace/device-keys or ~/.local/state/solace/device-keys]
    #[arg(long, global = true, env = "SOLACE_KEY_DIR", value_name = "DIR")]
    pub key_dir: Option<PathBuf>,

    /// Print machine-readable JSON on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// PEM file with a root certificate to trust for the sync server (self-signed servers)
    #[arg(long, global = true, env = "SOLACE_CA_CERT", value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,

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
        /// Generate a strong word passphrase (6 random words) and show it once
        #[arg(long)]
        generate_passphrase: bool,
    },
    /// Check the passphrase and remember this device (no passphrase needed afterwards)
    Unlock,
    /// Forget this device: afterwards only the passphrase unlocks the store
    Lock,
    /// Change the passphrase (env SOLACE_NEW_PASSPHRASE for scripts)
    Passwd {
        /// Also sign out every other device of the sync account at the next sync
        #[arg(long)]
        sign_out_others: bool,
        /// Generate a strong word passphrase (6 random words) and show it once
        #[arg(long)]
        generate_passphrase: bool,
    },
    /// Set a new passphrase with the recovery key (env SOLACE_RECOVERY_KEY for scripts)
    Recover {
        /// Also sign out every other device of the sync account at the next sync
        #[arg(long)]
        sign_out_others: bool,
        /// Generate a strong word passphrase (6 random words) and show it once
        #[arg(long)]
        generate_passphrase: bool,
    },
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
    /// A guided 5-minute micro-session (resumes an unfinished one)
    Session(SessionArgs),
    /// PHQ-9 / GAD-7 screening questionnaires and their history
    #[command(subcommand)]
    Assess(AssessCommand),
    /// Your safety plan and crisis resources (shown when no subcommand is given)
    SafetyPlan(SafetyPlanArgs),
    /// Run the provider server (relays encrypted records; config file and SOLACE_SERVER_* env)
    Server {
        /// TOML config file (listen, database, token_ttl_hours, rate_per_second, rate_burst, max_body_bytes)
        #[arg(long, value_name = "FILE")]
        config: Option<std::path::PathBuf>,
    },
    /// The therapist console: a local web page over this store (loopback unless --allow-remote with TLS; prints a one-time link)
    Console(ConsoleArgs),
    /// Connect this store to a provider server by creating an account there (first device)
    Register {
        /// Server base URL, e.g. http://127.0.0.1:8787
        #[arg(long, env = "SOLACE_SERVER")]
        server: String,
        /// Account name (3-64 of a-z 0-9 . _ -)
        #[arg(long)]
        username: String,
        /// Name for this device (default: host name)
        #[arg(long)]
        device: Option<String>,
    },
    /// Set this machine up as a new device of an existing account and pull everything, or
    /// log this store in again (expired or revoked token), keeping its data and pending edits
    Login {
        /// Server base URL
        #[arg(long, env = "SOLACE_SERVER")]
        server: String,
        /// Account name
        #[arg(long)]
        username: String,
        /// Name for this device (default: host name)
        #[arg(long)]
        device: Option<String>,
        /// Do not remember this device (every command will ask for the passphrase)
        #[arg(long)]
        no_remember: bool,
    },
    /// The devices of your sync account: list, revoke one, sign out all others
    Devices {
        /// What to do (lists the devices without a subcommand)
        #[command(subcommand)]
        command: Option<DevicesCommand>,
    },
    /// Your sync account: delete it from the server (this device keeps its data)
    #[command(subcommand)]
    Account(AccountCommand),
    /// Send local changes and receive changes from your other devices
    Sync {
        /// Bounded work as a background task would do (about 25 s at most)
        #[arg(long)]
        background: bool,
        /// Keep running: sync again within a second of any change on the server (Ctrl-C stops)
        #[arg(long, conflicts_with = "background")]
        watch: bool,
    },
    /// A PDF report for your therapist: mood trend, PHQ-9/GAD-7, habits, techniques and only the journal entries you pick
    Report(ReportArgs),
    /// Write an encrypted backup of every record to one file (opens with the passphrase or
    /// the recovery key; messages and device keys are never in it)
    Backup {
        /// File to write; written atomically
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
    /// Rebuild a store from a backup as a new device (asks before replacing a store; the
    /// passphrase from SOLACE_PASSPHRASE or asked)
    Restore {
        /// The backup file written by `solace backup`
        file: std::path::PathBuf,
        /// Directory of the store to build (default: the data directory)
        #[arg(long, value_name = "DIR")]
        store: Option<std::path::PathBuf>,
        /// Open the backup with the recovery key (SOLACE_RECOVERY_KEY or asked) and set a new
        /// passphrase (SOLACE_NEW_PASSPHRASE or asked)
        #[arg(long)]
        recovery_key: bool,
        /// Make a word passphrase for the restored store (with --recovery-key)
        #[arg(long, requires = "recovery_key")]
        generate_passphrase: bool,
        /// Replace an existing store without asking
        #[arg(long)]
        yes: bool,
        /// Do not remember this device (every command will ask for the passphrase)
        #[arg(long)]
        no_remember: bool,
    },
    /// Export everything: json (complete, re-importable), csv, markdown (journal), fhir (assessments)
    Export {
        /// json, csv, markdown or fhir
        #[arg(long, default_value = "json")]
        format: String,
        /// File to write (a directory for csv); written atomically
        #[arg(long, value_name = "PATH")]
        out: Option<std::path::PathBuf>,
    },
    /// Import a JSON export, or with --from a Daylio or Bearable CSV export (records already
    /// present are left unchanged)
    Import {
        /// The JSON file written by `solace export`, or the CSV file with --from
        file: std::path::PathBuf,
        /// Read a CSV export of another app: daylio or bearable
        #[arg(long, value_name = "APP")]
        from: Option<String>,
        /// A mood label and its value 1-10, for Daylio's custom moods (repeatable):
        /// --mood-map sleepy=4; the defaults are rad=10 good=8 meh=5 bad=3 awful=1
        #[arg(long = "mood-map", value_name = "LABEL=N", requires = "from")]
        mood_map: Vec<String>,
        /// Bearable's mood scale in the file: 10 (1-10, the default) or 5 (1-5)
        #[arg(long = "mood-scale", value_name = "N", requires = "from")]
        mood_scale: Option<u8>,
        /// Only count what would be imported; write nothing
        #[arg(long = "dry-run", requires = "from")]
        dry_run: bool,
    },
    /// Today's "start small" step, optionally tied to a habit (shows it without a subcommand)
    Plan {
        /// What to do
        #[command(subcommand)]
        command: Option<PlanCommand>,
    },
    /// Today at a glance, as the home-screen widget shows it (mood, sessions, habits, step, next reminder)
    Today,
    /// Reminders: check-in time, weekdays, quiet hours, adaptive timing; the next ones; snooze
    Remind(crate::remind_cmd::RemindArgs),
    /// Weekly summary, mood trend, activity effects, techniques and habits
    Insights {
        /// Number of days to look back for the mood trend and activity effects (at least 7)
        #[arg(long, value_name = "N", default_value_t = 30)]
        days: u32,
    },
    /// Therapist accounts: register one and publish the directory profile
    #[command(subcommand)]
    Therapist(TherapistCommand),
    /// Find a therapist in the provider's directory
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// Consented links between a client and a therapist (either side can end one)
    #[command(subcommand)]
    Link(LinkCommand),
    /// Review a therapist whose link with you ended (anonymous: the server cannot tell who
    /// wrote it)
    Review(ReviewArgs),
    /// A therapist's published reviews and replies
    Reviews {
        /// The therapist (display name or id)
        therapist: String,
    },
    /// End-to-end encrypted messages with your therapist or client
    #[command(subcommand)]
    Message(MessageCommand),
    /// Pause or resume a conversation, and notification discretion
    #[command(subcommand)]
    Conversation(ConversationCommand),
    /// Share one journal entry, thought record or assessment result with your therapist
    Share(ShareArgs),
    /// Short live sessions (5-15 minutes) in a therapist's availability slots
    #[command(subcommand)]
    Call(CallCommand),
    /// Intake forms: answer, update or withdraw yours; therapists request and read them
    Intake(IntakeArgs),
    /// Referral cards to in-person or hybrid care: list, save to your safety plan, acknowledge
    Referral(ReferralArgs),
    /// Treatment goals: accept your therapist's proposals, add your own, rate and share them
    Goals(GoalsArgs),
    /// A conversation's safety number and the other person's signed devices; mark it
    /// verified after comparing, or accept their changed identity
    Verify(VerifyArgs),
}

/// `solace plan …`
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Plan one small step for today
    Set {
        /// The step ("put on walking shoes")
        step: String,
        /// Habit it serves (id prefix or name); its if-then cue is reused
        #[arg(long)]
        habit: Option<String>,
        /// The cue: "If <when>, then I will <step>"
        #[arg(long)]
        when: Option<String>,
    },
    /// Mark today's step done (checks the linked habit too)
    Done,
}

/// Arguments of `solace session`.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// Start a new session, abandoning an unfinished one
    #[arg(long)]
    pub new: bool,
    /// Breathing pattern in seconds: in-hold-out or in-hold-out-hold (e.g. 4-7-8, 4-4-4-4)
    #[arg(long, value_name = "PATTERN")]
    pub breathing: Option<String>,
    /// "Did this help with your goal?" answered in advance, 0-10 (scripts)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=10))]
    pub goal_rating: Option<u8>,
    /// The goal the rating is for (id prefix; default: your first goal)
    #[arg(long, value_name = "GOAL")]
    pub goal: Option<String>,
}

/// `solace assess …`
#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// PHQ-9 (depression): 9 questions about the last 2 weeks
    #[command(name = "phq9", visible_alias = "phq-9")]
    Phq9(AssessArgs),
    /// GAD-7 (anxiety): 7 questions about the last 2 weeks
    #[command(name = "gad7", visible_alias = "gad-7")]
    Gad7(AssessArgs),
    /// Past results, oldest first
    History {
        /// Only this questionnaire (phq9 or gad7)
        instrument: Option<String>,
    },
}

/// Arguments of `solace assess phq9|gad7`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// All answers at once, each 0-3, comma-separated (e.g. 1,2,0,1,0,0,1,0,0)
    #[arg(long, value_name = "LIST")]
    pub answers: Option<String>,
}

/// Arguments of `solace safety-plan`.
#[derive(Debug, Args)]
pub struct SafetyPlanArgs {
    /// What to change; without one the plan and crisis resources are shown
    #[command(subcommand)]
    pub command: Option<SafetyPlanCommand>,
}

/// `solace safety-plan …`
#[derive(Debug, Subcommand)]
pub enum SafetyPlanCommand {
    /// Show the plan, crisis resources and disclaimer (the default)
    Show,
    /// Add an entry to a section
    Add {
        /// Section: 1-6 or a name (warning-signs, coping-strategies, distraction-contacts,
        /// help-contacts, professionals, safe-environment) or "reasons" (reasons for living)
        section: String,
        /// The entry, in your own words
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Remove entry N (as numbered in `solace safety-plan`) from a section
    Remove {
        /// Section: 1-6, a name, or "reasons"
        section: String,
        /// Entry number, from 1
        n: usize,
    },
    /// Walk through every section, adding entries line by line (a blank line ends a section)
    Edit,
    /// Set your region for built-in crisis resources (country code like US, GB, DE)
    Region {
        /// ISO 3166-1 alpha-2 country code, or INTL
        code: String,
    },
    /// Add your own crisis contact, shown before the built-in ones
    Contact {
        /// Who (e.g. "My therapist")
        name: String,
        /// How to reach them (e.g. "call 0123 456")
        contact: String,
    },
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

/// Options of `solace console`.
#[derive(Debug, clap::Args)]
pub struct ConsoleArgs {
    /// Address to listen on (loopback unless --allow-remote)
    #[arg(long, default_value = solace_console::DEFAULT_LISTEN)]
    pub listen: std::net::SocketAddr,
    /// Open the link in the default browser too
    #[arg(long)]
    pub open: bool,
    /// Minutes without use before the store is locked again
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub idle_minutes: u64,
    /// Serve other machines too (a non-loopback --listen); needs --tls-cert and --tls-key
    #[arg(long, requires_all = ["tls_cert", "tls_key"])]
    pub allow_remote: bool,
    /// PEM certificate chain for HTTPS
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Host name the browser uses, one the certificate is for (repeatable); the link uses the first
    #[arg(long = "public-host", value_name = "NAME", requires = "tls_cert")]
    pub public_hosts: Vec<String>,
}

/// Arguments of `solace report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How many days back from today the report covers (1-366)
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
    /// The PDF file to write (atomically; not encrypted)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// A journal entry to include (id or prefix from `solace journal list`; repeatable).
    /// No other entry is included.
    #[arg(long = "entry", value_name = "ID")]
    pub entries: Vec<String>,
    /// Replace FILE if it exists
    #[arg(long)]
    pub force: bool,
    /// Also send it end to end to this linked therapist (name or account id)
    #[arg(long, value_name = "NAME")]
    pub share: Option<String>,
}
