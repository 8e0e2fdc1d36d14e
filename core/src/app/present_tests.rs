use super::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn delivery_labels_and_retry_only_for_outgoing() {
    assert_eq!(
        delivery_label(MessageStatus::Queued, true),
        Some("Waiting to send")
    );
    assert_eq!(delivery_label(MessageStatus::Read, true), Some("Read"));
    assert_eq!(
        delivery_label(MessageStatus::Wedged, true),
        Some("Not sent. Tap to retry")
    );
    assert_eq!(delivery_label(MessageStatus::Read, false), None);
    assert_eq!(delivery_label(MessageStatus::Unread, true), None);
    assert!(retryable(MessageStatus::Wedged, true));
    assert!(!retryable(MessageStatus::Wedged, false));
    assert!(!retryable(MessageStatus::Queued, true));
}

#[test]
fn message_text_spells_out_call_requests() {
    let text = MessageContent::Text {
        text: "see you".into(),
    };
    assert_eq!(message_text(&text), "see you");
    let call = |state| MessageContent::Call {
        request_id: "r1".into(),
        start: "2026-03-10T18:00:00+01:00".into(),
        minutes: 15,
        format: None,
        state,
    };
    assert_eq!(
        message_text(&call(CallState::Requested)),
        "Live session request: 2026-03-10T18:00:00+01:00, 15 min — waiting for an answer"
    );
    let by_video = MessageContent::Call {
        request_id: "r2".into(),
        start: "2026-03-10T18:00:00+01:00".into(),
        minutes: 10,
        format: Some(solace_protocol::messaging::SessionFormat::Video),
        state: CallState::Requested,
    };
    assert_eq!(
        message_text(&by_video),
        "Live session request by video: 2026-03-10T18:00:00+01:00, 10 min — waiting for an answer"
    );
    let accepted = CallState::Accepted {
        room: "room-1".into(),
    };
    assert_eq!(
        message_text(&call(accepted)),
        "Live session request: 2026-03-10T18:00:00+01:00, 15 min — accepted"
    );
    assert_eq!(
        message_text(&call(CallState::Declined)),
        "Live session request: 2026-03-10T18:00:00+01:00, 15 min — declined"
    );
}

#[test]
fn only_notices_are_system_lines() {
    let notice = MessageContent::Notice {
        text: "Dr. Lee added a device".into(),
    };
    assert!(is_system_line(&notice));
    assert_eq!(message_text(&notice), "Dr. Lee added a device");
    let text = MessageContent::Text { text: "hi".into() };
    let mut file = MessageContent::Attachment {
        transfer_id: "t".into(),
        name: "r.pdf".into(),
        media_type: "application/pdf".into(),
        size: 123 * 1024 - 5,
        sha256: String::new(),
        parts: 6,
        received: 2,
        complete: false,
    };
    assert_eq!(
        message_text(&file),
        "Report (PDF, 123 KB) — receiving, 2 of 6 parts"
    );
    if let MessageContent::Attachment { complete, .. } = &mut file {
        *complete = true;
    }
    assert_eq!(message_text(&file), "Report (PDF, 123 KB)");
    assert_eq!(
        attachment_label("text/plain", 3 * 1024 * 1024),
        "File (text/plain, 3.0 MB)"
    );
    assert!(!is_system_line(&text));
}

#[test]
fn unread_total_saturates() {
    assert_eq!(unread_total([2, 0, 3]), 5);
    assert_eq!(unread_total([u32::MAX, 1]), u32::MAX);
    assert_eq!(unread_total([]), 0);
}

#[test]
fn streak_and_schedule_wording() {
    assert_eq!(streak_unit_label(StreakUnit::Days, 1), "day");
    assert_eq!(streak_unit_label(StreakUnit::Weeks, 0), "weeks");
    assert_eq!(streak_unit_label(StreakUnit::Months, 3), "months");
    assert_eq!(schedule_label(&Schedule::Daily), "Every day");
    assert_eq!(
        schedule_label(&Schedule::TimesPerWeek { times: 1 }),
        "Once a week"
    );
    assert_eq!(
        schedule_label(&Schedule::TimesPerMonth { times: 5 }),
        "5× a month"
    );
    let days = vec![Weekday::Fri, Weekday::Mon, Weekday::Wed];
    assert_eq!(
        schedule_label(&Schedule::Weekdays { days }),
        "Mon, Wed, Fri"
    );
    assert_eq!(
        schedule_label(&Schedule::EveryNDays { days: 3 }),
        "Every 3 days"
    );
    assert_eq!(
        schedule_label(&Schedule::EveryNDays { days: 1 }),
        "Every day"
    );
}

#[test]
fn habit_rows_are_worded_once() {
    use crate::habits::{Habit, HabitDraft, IfThenPlan, Streaks};
    let day = day("2026-03-01");
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T09:00:00+00:00").unwrap();
    let mut stats = HabitStats {
        habit: Habit {
            id: crate::RecordId::generate().unwrap(),
            start: day,
            created_at: at,
            archived: false,
            draft: HabitDraft {
                name: "Walk".into(),
                schedule: Schedule::TimesPerWeek { times: 3 },
                plan: Some(IfThenPlan {
                    cue: "I finish dinner".into(),
                    action: "walk 10 minutes".into(),
                }),
                reminders: vec![],
            },
        },
        streaks: Streaks {
            current: 1,
            best: 4,
            unit: StreakUnit::Weeks,
        },
        strength: 0.376,
        done_last_30_days: 9,
        today: Some(DayMark::Done),
    };
    let labels = habit_labels(&stats);
    assert_eq!(
        labels,
        HabitLabels {
            schedule: "3× a week".into(),
            plan: Some("If I finish dinner, then I will walk 10 minutes".into()),
            streak_unit: "week".into(),
            strength_percent: 38,
            accessibility_label: "Walk, 3× a week. Done today. Streak 1 week, strength 38 percent."
                .into(),
        }
    );
    stats.today = None;
    stats.streaks.current = 0;
    stats.habit.draft.plan = None;
    let labels = habit_labels(&stats);
    assert_eq!(labels.plan, None);
    assert_eq!(
        labels.accessibility_label,
        "Walk, 3× a week. Not done yet today. Streak 0 weeks, strength 38 percent."
    );
    stats.today = Some(DayMark::Skipped);
    assert!(habit_labels(&stats)
        .accessibility_label
        .contains(". Skipped today. "));
}

#[test]
fn session_progress_counts_every_stage_and_step() {
    use crate::sessions::TechniqueId;
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-01T09:00:00+00:00").unwrap();
    let mut s = MicroSession::new(crate::RecordId::generate().unwrap(), at);
    assert_eq!(session_progress(&s), 0.0);
    s.stage = Stage::ChooseTechnique;
    assert_eq!(session_progress(&s), 1.0 / 5.0);
    s.technique = Some(TechniqueId::CbtReframe);
    let steps = TechniqueId::CbtReframe.technique().steps.len();
    let total = (5 + steps) as f64;
    s.stage = Stage::Technique { step: 1 };
    assert_eq!(session_progress(&s), 3.0 / total);
    s.stage = Stage::Rating;
    assert_eq!(session_progress(&s), (3 + steps) as f64 / total);
    s.stage = Stage::Done;
    assert_eq!(session_progress(&s), 1.0);
}

#[test]
fn session_streak_survives_until_the_day_ends() {
    let today = day("2026-03-10");
    let finished = [day("2026-03-07"), day("2026-03-08"), day("2026-03-09")];
    assert_eq!(
        session_streak(&finished, today),
        SessionStreak {
            days: 3,
            done_today: false
        }
    );
    let with_today = [day("2026-03-09"), day("2026-03-10"), day("2026-03-05")];
    assert_eq!(
        session_streak(&with_today, today),
        SessionStreak {
            days: 2,
            done_today: true
        }
    );
    assert_eq!(session_streak(&[day("2026-03-08")], today).days, 0);
}

#[test]
fn headline_and_chart_positions() {
    assert_eq!(
        mood_headline(0, None, None, 30),
        "No check-ins in the last 30 days"
    );
    assert_eq!(
        mood_headline(1, Some(6.24), None, 7),
        "6.2 average from 1 check-in"
    );
    assert_eq!(
        mood_headline(14, Some(6.24), Some(TrendDirection::Improving), 30),
        "6.2 average from 14 check-ins, improving"
    );
    assert_eq!(
        local_day("2026-03-09T23:30:00+01:00"),
        Some(day("2026-03-09"))
    );
    assert_eq!(local_day("garbage"), None);
    let today = day("2026-03-10");
    assert_eq!(chart_x(today, today, 7), Some(6));
    assert_eq!(chart_x(day("2026-03-04"), today, 7), Some(0));
    assert_eq!(chart_x(day("2026-03-03"), today, 7), None);
    assert_eq!(chart_x(day("2026-03-11"), today, 7), None);
}

#[test]
fn notices_put_messages_first() {
    assert_eq!(sync_notice(3, 1), Some(SyncNotice::NewMessage));
    assert_eq!(sync_notice(3, 0), Some(SyncNotice::SyncedChanges));
    assert_eq!(sync_notice(0, 0), None);
}
