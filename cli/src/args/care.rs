//! Command-line arguments of intake forms, referrals and treatment goals.

use clap::{Args, Subcommand, ValueEnum};

/// Arguments of `solace intake`.
#[derive(Debug, Args)]
pub struct IntakeArgs {
    /// What to do (list requests and forms when none is given)
    #[command(subcommand)]
    pub command: Option<IntakeCommand>,
}

/// The intake form's answers as flags; what is missing is asked for (first answer only).
#[derive(Debug, Args, Default)]
pub struct IntakeFields {
    /// Presenting concerns, in your words
    #[arg(long)]
    pub concerns: Option<String>,
    /// History (free text)
    #[arg(long)]
    pub history: Option<String>,
    /// Current medications (optional; an empty value clears them)
    #[arg(long)]
    pub medications: Option<String>,
    /// A treatment goal (repeatable; replaces the earlier goals)
    #[arg(long = "goal")]
    pub goals: Vec<String>,
    /// PHQ-9 answers: nine numbers 0-3 separated by commas
    #[arg(long)]
    pub phq9: Option<String>,
    /// GAD-7 answers: seven numbers 0-3 separated by commas
    #[arg(long)]
    pub gad7: Option<String>,
}

/// `solace intake …`
#[derive(Debug, Subcommand)]
pub enum IntakeCommand {
    /// Answer a therapist's intake request (asks for what the flags do not give)
    Answer {
        /// The therapist (name or account id)
        with: String,
        /// The answers
        #[command(flatten)]
        fields: IntakeFields,
    },
    /// Change your intake form (only the fields given change); your therapist gets the update
    Update {
        /// The therapist (name or account id)
        with: String,
        /// The answers to change
        #[command(flatten)]
        fields: IntakeFields,
    },
    /// Withdraw your intake form: it is deleted and your therapist's copy removed
    Withdraw {
        /// The therapist (name or account id)
        with: String,
    },
    /// Ask a client for an intake form (therapists)
    Request {
        /// The client (name or account id)
        with: String,
        /// A short note shown with the request
        #[arg(long)]
        note: Option<String>,
    },
    /// A client's intake form as they shared it (therapists)
    Show {
        /// The client (name or account id)
        with: String,
    },
}

/// How the referred care is given.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CareArg {
    /// In person
    InPerson,
    /// Partly in person, partly remote
    Hybrid,
}

/// Arguments of `solace referral`.
#[derive(Debug, Args)]
pub struct ReferralArgs {
    /// What to do (list referrals, those not acknowledged first, when none is given)
    #[command(subcommand)]
    pub command: Option<ReferralCommand>,
}

/// `solace referral …`
#[derive(Debug, Subcommand)]
pub enum ReferralCommand {
    /// Add a referral's service and contact to your safety plan's professional contacts
    Save {
        /// The referral id (or a unique prefix)
        id: String,
    },
    /// Tell your therapist you saw a referral
    Ack {
        /// The referral id (or a unique prefix)
        id: String,
    },
    /// Send a client a referral card to in-person or hybrid care (therapists)
    Send {
        /// The client (name or account id)
        with: String,
        /// In person or hybrid
        #[arg(long, value_enum)]
        care: CareArg,
        /// The service's name
        #[arg(long)]
        service: String,
        /// How to reach it (phone, address, web)
        #[arg(long)]
        contact: String,
        /// Why, or what to say when calling
        #[arg(long)]
        note: Option<String>,
    },
}

/// Arguments of `solace goals`.
#[derive(Debug, Args)]
pub struct GoalsArgs {
    /// What to do (list proposals and goals when none is given)
    #[command(subcommand)]
    pub command: Option<GoalsCommand>,
}

/// `solace goals …`
#[derive(Debug, Subcommand)]
pub enum GoalsCommand {
    /// Accept a goal your therapist proposed (shared with them unless --private)
    Accept {
        /// The proposal id (or a unique prefix), from `solace goals`
        proposal: String,
        /// Keep it to yourself (share later with `solace goals share`)
        #[arg(long)]
        private: bool,
    },
    /// Add a goal of your own (private until you share it)
    Add {
        /// The goal
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        /// What reaching it looks like
        #[arg(long)]
        target: Option<String>,
        /// When to review it, YYYY-MM-DD
        #[arg(long)]
        review: Option<chrono::NaiveDate>,
    },
    /// Share a goal and its progress ratings with a linked therapist
    Share {
        /// The goal id (or a unique prefix)
        goal: String,
        /// The therapist (name or account id)
        with: String,
    },
    /// Stop sharing a goal (the therapist's copy is removed)
    Unshare {
        /// The goal id (or a unique prefix)
        goal: String,
    },
    /// Rate progress on a goal, 0-10
    Rate {
        /// The goal id (or a unique prefix)
        goal: String,
        /// 0 (no help) to 10 (helped a lot)
        #[arg(value_parser = clap::value_parser!(u8).range(0..=10))]
        rating: u8,
    },
    /// Propose a goal to a client (therapists)
    Propose {
        /// The client (name or account id)
        with: String,
        /// The goal
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
        /// What reaching it looks like
        #[arg(long)]
        target: Option<String>,
        /// When to review it, YYYY-MM-DD
        #[arg(long)]
        review: Option<chrono::NaiveDate>,
    },
    /// The goals a client shares with you, with their ratings (therapists)
    Show {
        /// The client (name or account id)
        with: String,
    },
}
