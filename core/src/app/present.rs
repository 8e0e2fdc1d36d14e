//! Presentation derivations every front end needs, written once: the status line under a
//! message bubble and its text, whether it offers "retry", which messages are system lines, a
//! conversation's identity ([`identity_view`]: safety number, verified, a change waiting),
//! unread totals, streak and schedule wording, a habit row's labels, a session's progress,
//! the session streak on the Today screen, the notification a background sync calls for and
//! the insight chart headline (the insight charts themselves are assembled in
//! [`super::insights`]). Pure functions of the data (no store, no clock), so the Kotlin and
//! Swift view models hold state only and show what these return.

use chrono::{NaiveDate, Weekday};

use crate::habits::{DayMark, HabitStats, Schedule, StreakUnit};
use crate::messaging::{CallState, MessageContent, MessageStatus};
use crate::mood::stats::TrendDirection;
use crate::sessions::{MicroSession, Stage};

mod identity;
pub use identity::{identity_view, IdentityView, IDENTITY_CHANGED_LABEL};

/// The status line under an outgoing message bubble (also what a screen reader says); `None`
/// for incoming messages, which show no delivery status.
pub fn delivery_label(status: MessageStatus, outgoing: bool) -> Option<&'static str> {
    if !outgoing {
        return None;
    }
    Some(match status {
        MessageStatus::Queued => "Waiting to send",
        MessageStatus::Sent => "Sent",
        MessageStatus::Delivered => "Delivered",
        MessageStatus::Read => "Read",
        MessageStatus::Wedged => "Not sent. Tap to retry",
        // An outgoing message is never "unread"; show nothing rather than a wrong word.
        MessageStatus::Unread => return None,
    })
}

/// The text a message bubble shows: chat text as written; a live-session request as
/// "Live session request: START, N min — waiting for an answer" (or "accepted", "declined").
pub fn message_text(content: &MessageContent) -> String {
    match content {
        MessageContent::RiskAlert {
            instrument,
            total,
            severity,
            item9,
            completed_at,
        } => {
            let item = match item9 {
                Some(v) if *v > 0 => format!(", item 9 (thoughts of self-harm) answered {v}"),
                _ => String::new(),
            };
            format!(
                "Risk alert: {} {total} ({}){item}, completed {}",
                instrument.name(),
                severity.label(),
                completed_at
                    .get(..16)
                    .unwrap_or(completed_at)
                    .replace('T', " ")
            )
        }
        MessageContent::Text { text } | MessageContent::Notice { text } => text.clone(),
        MessageContent::Call {
            start,
            minutes,
            format,
            state,
            ..
        } => {
            let answer = match state {
                CallState::Requested => "waiting for an answer",
                CallState::Accepted { .. } => "accepted",
                CallState::Declined => "declined",
            };
            let how = format.map_or(String::new(), |f| format!(" by {}", f.as_str()));
            format!("Live session request{how}: {start}, {minutes} min — {answer}")
        }
        MessageContent::Attachment {
            media_type,
            size,
            parts,
            received,
            complete,
            ..
        } => {
            let line = attachment_label(media_type, *size);
            if *complete {
                line
            } else {
                format!("{line} — receiving, {received} of {parts} parts")
            }
        }
        MessageContent::GoalProposal {
            text,
            target,
            review_date,
            ..
        } => {
            let target = target
                .as_deref()
                .map(|t| format!("; target: {t}"))
                .unwrap_or_default();
            let review = review_date
                .as_deref()
                .map(|d| format!("; review on {d}"))
                .unwrap_or_default();
            format!("Proposed goal: {text}{target}{review}")
        }
        MessageContent::IntakeRequest { note, .. } => match note {
            Some(note) => format!("Intake form requested: {note}"),
            None => "Intake form requested".to_owned(),
        },
        MessageContent::Referral {
            card, acknowledged, ..
        } => {
            let state = if *acknowledged {
                "acknowledged"
            } else {
                "not acknowledged yet"
            };
            let note = card
                .note
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default();
            format!(
                "Referral to {}: {} ({}){note} — {state}",
                card.care.label(),
                card.service,
                card.contact
            )
        }
    }
}

/// "Report (PDF, 123 KB)" for a PDF attachment; other files read "File (type, size)".
pub fn attachment_label(media_type: &str, size: u64) -> String {
    let (what, kind) = match media_type {
        "application/pdf" => ("Report", "PDF".to_owned()),
        other => ("File", other.to_owned()),
    };
    let amount = if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", size.div_ceil(1024))
    };
    format!("{what} ({kind}, {amount})")
}

/// Whether a message shows as a system line across the conversation (a notice Solace added,
/// such as "Dr. Lee added a device") rather than as a bubble from either side: no sender
/// side, no delivery status, no "retry". Notices are stored already read, so they are never
/// counted as unread either.
pub fn is_system_line(content: &MessageContent) -> bool {
    matches!(content, MessageContent::Notice { .. })
}

/// Whether a message bubble offers "retry": an outgoing message whose sending failed
/// repeatedly (wedged). Retrying anything else would send it twice.
pub fn retryable(status: MessageStatus, outgoing: bool) -> bool {
    outgoing && status == MessageStatus::Wedged
}

/// Total unread messages over conversations' unread counts (a badge), saturating.
pub fn unread_total(unread: impl IntoIterator<Item = u32>) -> u32 {
    unread.into_iter().fold(0u32, u32::saturating_add)
}

/// "day"/"days", "week"/"weeks", "month"/"months" for a streak of `count`.
pub fn streak_unit_label(unit: StreakUnit, count: u32) -> String {
    let word = match unit {
        StreakUnit::Days => "day",
        StreakUnit::Weeks => "week",
        StreakUnit::Months => "month",
    };
    if count == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// Short English weekday name ("Mon").
pub fn weekday_short(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// A habit's schedule in words: "Every day", "3× a week", "Once a month", "Mon, Wed, Fri",
/// "Every 3 days". Weekdays are listed Monday first whatever order they were given in.
pub fn schedule_label(schedule: &Schedule) -> String {
    match schedule {
        Schedule::Daily => "Every day".to_owned(),
        Schedule::TimesPerWeek { times: 1 } => "Once a week".to_owned(),
        Schedule::TimesPerWeek { times } => format!("{times}× a week"),
        Schedule::TimesPerMonth { times: 1 } => "Once a month".to_owned(),
        Schedule::TimesPerMonth { times } => format!("{times}× a month"),
        Schedule::Weekdays { days } => {
            let mut days = days.clone();
            crate::sort::sort_by_key(&mut days, Weekday::num_days_from_monday);
            days.dedup();
            days.into_iter()
                .map(weekday_short)
                .collect::<Vec<_>>()
                .join(", ")
        }
        Schedule::EveryNDays { days: 1 } => "Every day".to_owned(),
        Schedule::EveryNDays { days } => format!("Every {days} days"),
    }
}

/// The wording of one habit's row on the habits screen.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A habit row's wording from its statistics: "Stretch, Every day. Done today. Streak 4 days,
/// strength 38 percent."
pub fn habit_labels(stats: &HabitStats) -> HabitLabels {
    let draft = &stats.habit.draft;
    let schedule = schedule_label(&draft.schedule);
    let streak_unit = streak_unit_label(stats.streaks.unit, stats.streaks.current);
    // In 0..=100 after the clamp, so the conversion is exact.
    let strength_percent = (stats.strength.clamp(0.0, 1.0) * 100.0).round() as u32;
    let today = match stats.today {
        Some(DayMark::Done) => "Done today.",
        Some(DayMark::Skipped) => "Skipped today.",
        None => "Not done yet today.",
    };
    let accessibility_label = format!(
        "{}, {schedule}. {today} Streak {} {streak_unit}, strength {strength_percent} percent.",
        draft.name, stats.streaks.current
    );
    HabitLabels {
        schedule,
        plan: draft.plan.as_ref().map(ToString::to_string),
        streak_unit,
        strength_percent,
        accessibility_label,
    }
}

/// How far a micro-session has come, 0 to 1, counting check-in, choosing a technique, each of
/// the technique's steps, reflection, rating and follow-up as one position each (the progress
/// bar on the session screen).
pub fn session_progress(session: &MicroSession) -> f64 {
    let steps = session.technique.map_or(0, |t| t.technique().steps.len());
    let position = match session.stage {
        Stage::CheckIn => 0,
        Stage::ChooseTechnique => 1,
        Stage::Technique { step } => 2 + step.min(steps),
        Stage::Reflection => 2 + steps,
        Stage::Rating => 3 + steps,
        Stage::FollowUp => 4 + steps,
        Stage::Done => 5 + steps,
    };
    position as f64 / (5 + steps) as f64
}

/// The session streak on the Today screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStreak {
    /// Consecutive days up to today (or up to yesterday while today is still open) with at
    /// least one finished session.
    pub days: u32,
    /// Whether a session was finished today.
    pub done_today: bool,
}

/// Counts the session streak from the days sessions were finished on: it stays alive through
/// today until the day ends, so a streak up to yesterday still counts.
pub fn session_streak(finished_days: &[NaiveDate], today: NaiveDate) -> SessionStreak {
    let done_today = finished_days.contains(&today);
    let mut day = if done_today {
        Some(today)
    } else {
        today.pred_opt()
    };
    let mut days = 0u32;
    while let Some(d) = day.filter(|d| finished_days.contains(d)) {
        days += 1;
        day = d.pred_opt();
    }
    SessionStreak { days, done_today }
}

/// The mood trend in words ("improving", "getting lower", "steady").
pub fn trend_label(direction: TrendDirection) -> &'static str {
    match direction {
        TrendDirection::Improving => "improving",
        TrendDirection::Worsening => "getting lower",
        TrendDirection::Steady => "steady",
    }
}

/// The insights headline over a window of `days`: "6.2 average from 14 check-ins, improving",
/// or "No check-ins in the last 30 days" (from a mood summary's count, average and trend).
pub fn mood_headline(
    count: u32,
    average: Option<f64>,
    trend: Option<TrendDirection>,
    days: u32,
) -> String {
    if count == 0 {
        return format!("No check-ins in the last {days} days");
    }
    let plural = if count == 1 { "" } else { "s" };
    let mut line = format!(
        "{:.1} average from {count} check-in{plural}",
        average.unwrap_or(0.0)
    );
    if let Some(direction) = trend {
        line.push_str(", ");
        line.push_str(trend_label(direction));
    }
    line
}

/// The local day of an RFC 3339 timestamp as it was written (the writer's own offset), so a
/// session finished at 23:30 in Berlin counts for that day wherever it is shown.
pub fn local_day(timestamp: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(timestamp.get(..10)?, "%Y-%m-%d").ok()
}

/// The x position of `date` in a chart window of `days` ending on `today` (0 = oldest day);
/// `None` outside the window.
pub fn chart_x(date: NaiveDate, today: NaiveDate, days: u32) -> Option<u32> {
    let back = u32::try_from((today - date).num_days()).ok()?;
    (back < days).then(|| days - 1 - back)
}

/// What a background sync run calls for in a (discreet) notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncNotice {
    /// Messages arrived.
    NewMessage,
    /// Other devices' changes arrived.
    SyncedChanges,
}

/// The notification a finished sync calls for: new messages first, then new data; `None`
/// when nothing arrived.
pub fn sync_notice(pulled: u32, messages_arrived: u32) -> Option<SyncNotice> {
    if messages_arrived > 0 {
        Some(SyncNotice::NewMessage)
    } else if pulled > 0 {
        Some(SyncNotice::SyncedChanges)
    } else {
        None
    }
}

#[cfg(test)]
#[path = "present_tests.rs"]
mod tests;
