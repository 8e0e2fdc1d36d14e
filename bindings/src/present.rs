//! Presentation derivations both apps need (delivery-status text, message text, retry, system
//! lines, a conversation's identity view, unread totals, streak and schedule wording, a habit row's labels, the session streak, the insights
//! headline, chart positions, the notification a sync calls for): thin forwards to
//! [`solace_core::app::present`], so the Kotlin and Swift view models hold state only.

use solace_core::app::present as core;
pub use solace_core::app::present::{HabitLabels, IdentityView};
use solace_core::messaging as msg;

use crate::common::{parse_date, Weekday};
use crate::error::Result;
use crate::habits::{HabitStats, Schedule, StreakUnit};
use crate::identity::IdentityStatus;
use crate::messages::{Conversation, MessageContent, MessageStatus};
use crate::mood::TrendDirection;

fn to_core_status(s: MessageStatus) -> msg::MessageStatus {
    match s {
        MessageStatus::Queued => msg::MessageStatus::Queued,
        MessageStatus::Sent => msg::MessageStatus::Sent,
        MessageStatus::Delivered => msg::MessageStatus::Delivered,
        MessageStatus::Read => msg::MessageStatus::Read,
        MessageStatus::Wedged => msg::MessageStatus::Wedged,
        MessageStatus::Unread => msg::MessageStatus::Unread,
    }
}

/// The status line under a message bubble (and what a screen reader says); null for
/// incoming messages.
#[uniffi::export]
pub fn delivery_status_label(status: MessageStatus, outgoing: bool) -> Option<String> {
    core::delivery_label(to_core_status(status), outgoing).map(str::to_owned)
}

/// The text of a message bubble: chat text as written, a live-session request spelled out
/// ("Live session request: START, 15 min — waiting for an answer").
#[uniffi::export]
pub fn message_text(content: MessageContent) -> String {
    core::message_text(&content)
}

/// Whether a message shows as a system line (a notice such as "Dr. Lee added a device"): no
/// bubble from either side, no delivery status, no retry; never unread.
#[uniffi::export]
pub fn message_is_system_line(content: MessageContent) -> bool {
    core::is_system_line(&content)
}

/// What the apps show for a conversation's identity.
#[uniffi::remote(Record)]
pub struct IdentityView {
    /// The safety number as 12 groups of 5 digits separated by spaces; null before the other
    /// person's identity is known.
    pub safety_number: Option<String>,
    /// The same groups as rows of 4 (the verification screen); empty before it is known.
    pub safety_number_rows: Vec<String>,
    /// What a screen reader says for the number (digit by digit, groups separated by commas).
    pub safety_number_spoken: Option<String>,
    /// The string to show as a QR code (and to compare with a scanned one).
    pub qr_payload: Option<String>,
    /// The person compared the number for the current identity.
    pub verified: bool,
    /// The other person's identity changed: messages to them wait until it is accepted.
    pub sending_paused: bool,
    /// One line for the conversation header and the verification screen ("Verified", "Not
    /// verified — compare the safety number", "Identity changed — sending paused until you
    /// accept", "No safety number yet").
    pub status_label: String,
    /// "Mark as verified" is offered.
    pub can_mark_verified: bool,
    /// "Unverify" is offered.
    pub can_unverify: bool,
    /// "Accept the new identity" is offered.
    pub can_accept_change: bool,
}

/// The identity view (number laid out and spoken, QR payload, status line, offered actions)
/// of a conversation's identity status.
#[uniffi::export]
pub fn identity_view(status: IdentityStatus) -> IdentityView {
    core::identity_view(&status.into())
}

/// Whether a message bubble offers "retry" (outgoing and wedged).
#[uniffi::export]
pub fn message_retryable(status: MessageStatus, outgoing: bool) -> bool {
    core::retryable(to_core_status(status), outgoing)
}

/// Unread messages over all `conversations` (the badge).
#[uniffi::export]
pub fn unread_total(conversations: Vec<Conversation>) -> u32 {
    core::unread_total(conversations.iter().map(|c| c.unread))
}

/// "day"/"days", "week"/"weeks"… for a streak of `count`.
#[uniffi::export]
pub fn streak_unit_label(unit: StreakUnit, count: u32) -> String {
    core::streak_unit_label(unit, count)
}

/// A habit's schedule in words ("Every day", "3× a week", "Mon, Wed, Fri", "Every 3 days").
#[uniffi::export]
pub fn schedule_label(schedule: Schedule) -> String {
    core::schedule_label(&schedule)
}

/// The wording of one habit's row on the habits screen.
#[uniffi::remote(Record)]
pub struct HabitLabels {
    /// The schedule in words ("3× a week").
    pub schedule: String,
    /// "If I finish dinner, then I will walk 10 minutes", when there is an if-then plan.
    pub plan: Option<String>,
    /// What the current streak counts ("day"/"days", "week"/"weeks"…).
    pub streak_unit: String,
    /// Strength as a whole percentage, 0–100.
    pub strength_percent: u32,
    /// What a screen reader says for the whole row.
    pub accessibility_label: String,
}

/// A habit row's wording (schedule, if-then plan, streak unit, strength percent and the
/// screen-reader sentence) from its statistics.
#[uniffi::export]
pub fn habit_labels(stats: HabitStats) -> HabitLabels {
    core::habit_labels(&stats)
}

/// Short weekday name ("Mon").
#[uniffi::export]
pub fn weekday_name(day: Weekday) -> String {
    core::weekday_short(day).to_owned()
}

/// The session streak on the Today screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SessionStreak {
    /// Consecutive days up to today (or yesterday while today is open) with a finished session.
    pub days: u32,
    /// Whether a session was finished today.
    pub done_today: bool,
}

/// The session streak from sessions' `finished_at` timestamps (RFC 3339; the day as written)
/// and `today` (YYYY-MM-DD).
#[uniffi::export]
pub fn session_streak(finished_at: Vec<String>, today: String) -> Result<SessionStreak> {
    let today = parse_date(&today)?;
    let days: Vec<_> = finished_at
        .iter()
        .filter_map(|t| core::local_day(t))
        .collect();
    let streak = core::session_streak(&days, today);
    Ok(SessionStreak {
        days: streak.days,
        done_today: streak.done_today,
    })
}

/// The mood trend in words ("improving", "getting lower", "steady").
#[uniffi::export]
pub fn trend_label(direction: TrendDirection) -> String {
    core::trend_label(direction).to_owned()
}

/// The insights headline ("6.2 average from 14 check-ins, improving") from a mood summary's
/// `count`, `average` and trend over a window of `days`.
#[uniffi::export]
pub fn mood_headline(
    count: u32,
    average: Option<f64>,
    trend: Option<TrendDirection>,
    days: u32,
) -> String {
    core::mood_headline(count, average, trend, days)
}

/// The x position (0 = oldest day) of `date` in a chart window of `days` ending on `today`
/// (both YYYY-MM-DD); null outside the window.
#[uniffi::export]
pub fn chart_x(date: String, today: String, days: u32) -> Result<Option<u32>> {
    Ok(core::chart_x(parse_date(&date)?, parse_date(&today)?, days))
}

/// What a finished sync calls for in a (discreet) notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncNotice {
    /// Messages arrived.
    NewMessage,
    /// Other devices' changes arrived.
    SyncedChanges,
}

/// The notification a sync calls for from its report's `pulled` and `messages_arrived` (new
/// messages first, then new data); null when nothing arrived.
#[uniffi::export]
pub fn sync_notice(pulled: u32, messages_arrived: u32) -> Option<SyncNotice> {
    core::sync_notice(pulled, messages_arrived).map(|n| match n {
        core::SyncNotice::NewMessage => SyncNotice::NewMessage,
        core::SyncNotice::SyncedChanges => SyncNotice::SyncedChanges,
    })
}
