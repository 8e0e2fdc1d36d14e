//! Intake forms and referral cards (thin wrappers over [`solace_core::messaging::intake`] and
//! [`solace_core::messaging::referral`]). All local and quick: what they queue goes out with
//! the next messaging sync.

use std::sync::Arc;

use solace_core::messaging::intake as core_intake;
use solace_core::messaging::referral as core_referral;

use crate::assessments::{AssessmentResult, Submitted};
use crate::common::{now, IsoDate, Timestamp};
use crate::error::Result;
use crate::messages::Message;
use crate::Inner;
use solace_core::RecordId;

pub use core_intake::{IntakeAnswers, IntakeForm, IntakeRequest};
pub use core_referral::Referral;
pub use solace_core::messaging::payload::{CareMode, ReferralCard};

/// How referred care is given.
#[uniffi::remote(Enum)]
pub enum CareMode {
    /// In person.
    InPerson,
    /// Partly in person, partly remote.
    Hybrid,
}

/// A referral card as the therapist wrote it.
#[uniffi::remote(Record)]
pub struct ReferralCard {
    /// In person or hybrid.
    pub care: CareMode,
    /// The service's name.
    pub service: String,
    /// How to reach it.
    pub contact: String,
    /// Why, or what to say when calling.
    pub note: Option<String>,
}

/// A referral as the client sees it.
#[uniffi::remote(Record)]
pub struct Referral {
    /// The referral id.
    pub referral_id: String,
    /// The therapist's account id.
    pub from_account: String,
    /// The therapist's name.
    pub from_name: String,
    /// The card.
    pub card: ReferralCard,
    /// Whether the client acknowledged it.
    pub acknowledged: bool,
    /// Whether it is in the safety plan's professional contacts.
    pub saved: bool,
    /// When it was sent, Unix milliseconds.
    pub sent_at: i64,
}

/// An intake request as the client sees it.
#[uniffi::remote(Record)]
pub struct IntakeRequest {
    /// The request id.
    pub request_id: String,
    /// The therapist's account id.
    pub therapist: String,
    /// The therapist's name.
    pub therapist_name: String,
    /// The therapist's note.
    pub note: Option<String>,
    /// When it was sent, Unix milliseconds.
    pub sent_at: i64,
    /// Whether a form for this therapist exists.
    pub answered: bool,
}

/// A client's intake form for one therapist.
#[uniffi::remote(Record)]
pub struct IntakeForm {
    /// The therapist's account id.
    pub therapist: String,
    /// Presenting concerns.
    pub concerns: String,
    /// History.
    pub history: String,
    /// Current medications.
    pub medications: Option<String>,
    /// Treatment goals.
    pub goals: Vec<String>,
    /// The PHQ-9 answered with it.
    pub phq9: AssessmentResult,
    /// The GAD-7 answered with it.
    pub gad7: AssessmentResult,
    /// When first answered.
    pub answered_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// What the client fills in (a first answer needs all but `medications`; an update only
/// what changes).
#[uniffi::remote(Record)]
pub struct IntakeAnswers {
    /// Presenting concerns.
    pub concerns: Option<String>,
    /// History.
    pub history: Option<String>,
    /// Current medications (empty clears).
    pub medications: Option<String>,
    /// Treatment goals (replace the earlier ones).
    pub goals: Option<Vec<String>>,
    /// PHQ-9 answers.
    pub phq9: Option<Vec<u8>>,
    /// GAD-7 answers.
    pub gad7: Option<Vec<u8>>,
}

// Kept as a twin of `core::IntakeSubmitted`: it holds `Submitted`, itself a twin.
/// What to show after answering: any safety prompt first (inside `phq9`), then the form.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IntakeSubmitted {
    /// The PHQ-9 submission, when answered now (its `safety` opens the safety flow).
    pub phq9: Option<Submitted>,
    /// The GAD-7 submission, when answered now.
    pub gad7: Option<Submitted>,
    /// The form as stored and shared.
    pub form: IntakeForm,
    /// Why the form was not stored, if it was not.
    pub save_error: Option<String>,
}

impl From<core_intake::IntakeSubmitted> for IntakeSubmitted {
    fn from(s: core_intake::IntakeSubmitted) -> Self {
        Self {
            phq9: s.phq9.map(Into::into),
            gad7: s.gad7.map(Into::into),
            form: s.form,
            save_error: s.save_error.map(|e| e.to_string()),
        }
    }
}

/// Intake forms and referrals of one store (from [`crate::Solace::care`]).
#[derive(uniffi::Object)]
pub struct Care {
    pub(crate) inner: Arc<Inner>,
}

#[uniffi::export]
impl Care {
    /// Client: intake requests received, newest first.
    pub fn intake_requests(&self) -> Result<Vec<IntakeRequest>> {
        self.inner.read(core_intake::requests)
    }

    /// Client: the intake form kept for a therapist, if any.
    pub fn intake_form(&self, therapist_account: String) -> Result<Option<IntakeForm>> {
        self.inner
            .read(|s| core_intake::form(s, &therapist_account))
    }

    /// Client: answers or updates the intake form for a therapist and shares it with them
    /// only. Show `phq9.safety` at once when present.
    pub fn answer_intake(
        &self,
        therapist_account: String,
        answers: IntakeAnswers,
    ) -> Result<IntakeSubmitted> {
        self.inner
            .with(|s| core_intake::answer(s, &therapist_account, answers, now()))
            .map(Into::into)
    }

    /// Client: withdraws the intake form (deleted; the therapist's copy removed).
    pub fn withdraw_intake(&self, therapist_account: String) -> Result<bool> {
        self.inner
            .with(|s| core_intake::withdraw(s, &therapist_account))
    }

    /// Therapist: asks a client for an intake form.
    pub fn request_intake(&self, client_account: String, note: Option<String>) -> Result<Message> {
        self.inner
            .with(|s| core_intake::request(s, &client_account, note.as_deref()))
    }

    /// Therapist: the intake form a client shares, if any.
    pub fn client_intake(&self, client_account: String) -> Result<Option<IntakeForm>> {
        self.inner
            .read(|s| core_intake::of_client(s, &client_account))
    }

    /// Client: referrals received, not acknowledged first.
    pub fn referrals(&self) -> Result<Vec<Referral>> {
        self.inner.read(core_referral::list)
    }

    /// Client: adds a referral to the safety plan's professional contacts; false if there.
    pub fn save_referral(&self, referral_id: String) -> Result<bool> {
        self.inner
            .with(|s| core_referral::save_to_plan(s, &referral_id, now()))
    }

    /// Client: acknowledges a referral; false if already acknowledged.
    pub fn acknowledge_referral(&self, referral_id: String) -> Result<bool> {
        self.inner
            .with(|s| core_referral::acknowledge(s, &referral_id))
    }

    /// Therapist: sends a client a referral card.
    pub fn send_referral(&self, client_account: String, card: ReferralCard) -> Result<Message> {
        self.inner
            .with(|s| core_referral::send(s, &client_account, card))
    }
}

pub use solace_core::goals::{Goal, GoalProgress, GoalProposal, GoalRating, SharedGoal};

/// Progress of one goal: the last four weeks against the four before (the insights screen).
#[uniffi::remote(Record)]
pub struct GoalProgress {
    /// The goal.
    pub goal_id: RecordId,
    /// Its text.
    pub text: String,
    /// Mean rating of the last 28 days.
    pub recent_mean: Option<f64>,
    /// Mean rating of the 28 days before.
    pub previous_mean: Option<f64>,
    /// Ratings in the last 28 days.
    pub recent_count: u32,
}

/// A treatment goal of the client's.
#[uniffi::remote(Record)]
pub struct Goal {
    /// The record id.
    pub id: RecordId,
    /// The goal.
    pub text: String,
    /// What reaching it looks like.
    pub target: Option<String>,
    /// When to review it.
    pub review_date: Option<IsoDate>,
    /// The therapist who proposed it, if any.
    pub proposed_by: Option<String>,
    /// The therapist it is shared with, if any.
    pub shared_with: Option<String>,
    /// When it was added.
    pub created_at: Timestamp,
}

/// One 0–10 progress rating.
#[uniffi::remote(Record)]
pub struct GoalRating {
    /// The record id.
    pub id: RecordId,
    /// The goal rated.
    pub goal_id: RecordId,
    /// 0–10.
    pub rating: u8,
    /// The micro-session it was given at.
    pub session_id: Option<RecordId>,
    /// When.
    pub at: Timestamp,
}

/// A goal proposal as the client sees it.
#[uniffi::remote(Record)]
pub struct GoalProposal {
    /// The proposal id.
    pub proposal_id: String,
    /// The therapist's account id.
    pub from_account: String,
    /// The therapist's name.
    pub from_name: String,
    /// The goal.
    pub text: String,
    /// What reaching it looks like.
    pub target: Option<String>,
    /// When to review it, `YYYY-MM-DD`.
    pub review_date: Option<String>,
    /// When it was sent, Unix milliseconds.
    pub sent_at: i64,
    /// Whether the client accepted it.
    pub accepted: bool,
}

/// A goal a client shares, with its ratings (therapist side).
#[uniffi::remote(Record)]
pub struct SharedGoal {
    /// The goal.
    pub goal: Goal,
    /// Its ratings, oldest first.
    pub ratings: Vec<GoalRating>,
}

#[uniffi::export]
impl Care {
    /// Client: goal proposals received, newest first.
    pub fn goal_proposals(&self) -> Result<Vec<GoalProposal>> {
        self.inner.read(solace_core::goals::proposals)
    }

    /// Client: every goal, oldest first.
    pub fn goals(&self) -> Result<Vec<Goal>> {
        self.inner.read(solace_core::goals::list)
    }

    /// Client: every goal rating, oldest first.
    pub fn goal_ratings(&self) -> Result<Vec<GoalRating>> {
        self.inner.read(solace_core::goals::ratings)
    }

    /// Client: each goal's progress for the insights screen, as of today.
    pub fn goal_progress(&self) -> Result<Vec<GoalProgress>> {
        self.inner.read(|s| {
            Ok(solace_core::goals::progress(
                &solace_core::goals::list(s)?,
                &solace_core::goals::ratings(s)?,
                crate::common::today(),
            ))
        })
    }

    /// Client: accepts a proposal (shared with the proposing therapist when `share`).
    pub fn accept_goal(&self, proposal_id: String, share: bool) -> Result<Goal> {
        self.inner
            .with(|s| solace_core::goals::accept(s, &proposal_id, share, now()))
    }

    /// Client: adds a goal of their own (private).
    pub fn add_goal(
        &self,
        text: String,
        target: Option<String>,
        review_date: Option<IsoDate>,
    ) -> Result<Goal> {
        self.inner
            .with(|s| solace_core::goals::add(s, &text, target.as_deref(), review_date, now()))
    }

    /// Client: rates progress 0–10, at the end of micro-session `session_id` if given.
    pub fn rate_goal(
        &self,
        goal_id: RecordId,
        rating: u8,
        session_id: Option<RecordId>,
    ) -> Result<GoalRating> {
        self.inner
            .with(|s| solace_core::goals::rate(s, &goal_id, rating, session_id, now()))
    }

    /// Client: shares a goal with a therapist, or stops sharing it (null).
    pub fn share_goal(&self, goal_id: RecordId, therapist_account: Option<String>) -> Result<Goal> {
        self.inner
            .with(|s| solace_core::goals::set_shared(s, &goal_id, therapist_account.as_deref()))
    }

    /// Therapist: the goals a client shares, with their ratings.
    pub fn client_goals(&self, client_account: String) -> Result<Vec<SharedGoal>> {
        self.inner.read(|s| {
            Ok(solace_core::goals::from_items(
                &solace_core::messaging::local::shared_with_me(s, &client_account)?,
            ))
        })
    }

    /// Therapist: proposes a goal to a client.
    pub fn propose_goal(
        &self,
        client_account: String,
        text: String,
        target: Option<String>,
        review_date: Option<IsoDate>,
    ) -> Result<Message> {
        self.inner.with(|s| {
            solace_core::goals::propose(s, &client_account, &text, target.as_deref(), review_date)
        })
    }
}
