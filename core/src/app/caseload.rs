//! The therapist's caseload: one line per linked client, built from this device's own data
//! (conversations, messages, what clients shared), risk first. The console and any other
//! front end show the same list; nothing here touches the network.

use serde::Serialize;

use super::App;
use crate::assessments::{AssessmentResult, Severity};
use crate::error::Result;
use crate::messaging::local;
use crate::messaging::{CallState, Conversation, Message, MessageContent};

/// A shared PHQ-9 or GAD-7 result as the caseload shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Score {
    /// Sum of the answers.
    pub total: u8,
    /// Standard band of the total.
    pub severity: Severity,
    /// The band in words ("moderately severe").
    pub band: &'static str,
    /// When the client completed it (RFC 3339).
    pub at: String,
}

/// Why a client is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskReason {
    /// A risk alert the client chose to send is waiting to be acknowledged.
    OpenAlert,
    /// The latest shared PHQ-9 answered item 9 (thoughts of self-harm) above 0.
    SelfHarmItem,
    /// The latest shared PHQ-9 or GAD-7 is in the severe band.
    SevereScore,
}

impl RiskReason {
    /// The reason in words, for a flag's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::OpenAlert => "risk alert to acknowledge",
            Self::SelfHarmItem => "PHQ-9 item 9 above 0",
            Self::SevereScore => "severe score",
        }
    }
}

/// One linked client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseloadEntry {
    /// The client's account id.
    pub peer_account: String,
    /// The client's name.
    pub name: String,
    /// Newest message or shared item, Unix milliseconds.
    pub last_activity: Option<i64>,
    /// Unread messages from the client.
    pub unread: u32,
    /// Live-session requests from the client not answered yet.
    pub open_call_requests: u32,
    /// Risk alerts from the client not acknowledged yet.
    pub open_alerts: u32,
    /// Latest shared PHQ-9.
    pub phq9: Option<Score>,
    /// Latest shared GAD-7.
    pub gad7: Option<Score>,
    /// Set when the latest shared results call for attention.
    pub risk: Option<RiskReason>,
    /// Either side paused the conversation.
    pub paused: bool,
}

impl App {
    /// The caseload from this device's data, risk first, then unread, then most recent.
    pub fn caseload(&self) -> Result<Vec<CaseloadEntry>> {
        self.read(|store| {
            let mut rows = Vec::new();
            for conversation in local::conversations(store)? {
                let messages = local::messages(store, &conversation.peer_account)?;
                // The per-client summary, not every result ever shared: one small read.
                let shared = local::SharedSummary::load(store, &conversation.peer_account)?;
                let alerts = crate::messaging::alerts::open_among(store, &messages)?;
                rows.push(entry(&conversation, &messages, &shared, alerts.len()));
            }
            Ok(sorted(rows))
        })
    }
}

/// One caseload line from a conversation, its messages and the client's shared items.
pub fn entry(
    conversation: &Conversation,
    messages: &[Message],
    shared: &local::SharedSummary,
    open_alerts: usize,
) -> CaseloadEntry {
    let open_call_requests = messages
        .iter()
        .filter(|m| {
            !m.outgoing
                && matches!(
                    m.content,
                    MessageContent::Call {
                        state: CallState::Requested,
                        ..
                    }
                )
        })
        .count();
    let (phq9, gad7) = (shared.phq9.as_ref(), shared.gad7.as_ref());
    let risk = if open_alerts > 0 {
        Some(RiskReason::OpenAlert)
    } else if phq9.is_some_and(|r| r.answers.get(8).is_some_and(|&a| a > 0)) {
        Some(RiskReason::SelfHarmItem)
    } else if [phq9, gad7]
        .iter()
        .flatten()
        .any(|r| r.severity == Severity::Severe)
    {
        Some(RiskReason::SevereScore)
    } else {
        None
    };
    let last_shared = shared.last_at;
    CaseloadEntry {
        peer_account: conversation.peer_account.clone(),
        name: conversation.peer_name.clone(),
        last_activity: conversation.last_at.max(last_shared),
        unread: conversation.unread,
        open_call_requests: u32::try_from(open_call_requests).unwrap_or(u32::MAX),
        open_alerts: u32::try_from(open_alerts).unwrap_or(u32::MAX),
        phq9: phq9.map(score),
        gad7: gad7.map(score),
        risk,
        paused: conversation.paused || conversation.peer_paused,
    }
}

fn score(result: &AssessmentResult) -> Score {
    Score {
        total: result.total,
        severity: result.severity,
        band: result.severity.label(),
        at: result.at.to_rfc3339(),
    }
}

/// Risk first (an open alert, then the self-harm item, then a severe score), then unread, then
/// most recent, then name.
pub fn sorted(mut rows: Vec<CaseloadEntry>) -> Vec<CaseloadEntry> {
    let rank = |r: &CaseloadEntry| match r.risk {
        Some(RiskReason::OpenAlert) => 0,
        Some(RiskReason::SelfHarmItem) => 1,
        Some(RiskReason::SevereScore) => 2,
        None => 3,
    };
    crate::sort::sort_by(&mut rows, |a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(b.unread.min(1).cmp(&a.unread.min(1)))
            .then(b.last_activity.cmp(&a.last_activity))
            .then(a.name.cmp(&b.name))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessments::Instrument;
    use crate::messaging::{MessageStatus, SharedItem};
    use crate::RecordId;

    fn conversation(name: &str, unread: u32, last_at: i64) -> Conversation {
        Conversation {
            peer_account: format!("acct-{name}"),
            peer_name: name.into(),
            link_id: "l".into(),
            paused: false,
            peer_paused: false,
            unread,
            last_at: Some(last_at),
            draft: None,
        }
    }

    fn assessment(instrument: Instrument, answers: Vec<u8>, day: u32) -> SharedItem {
        let total: u8 = answers.iter().sum();
        let result = AssessmentResult {
            id: RecordId([day as u8; 16]),
            instrument,
            severity: instrument.severity(total),
            safety_flag: instrument == Instrument::Phq9 && answers.get(8).is_some_and(|&a| a > 0),
            answers,
            total,
            at: chrono::DateTime::parse_from_rfc3339(&format!("2026-11-{day:02}T09:00:00+00:00"))
                .unwrap(),
        };
        SharedItem {
            share_id: format!("s{day}"),
            from_account: "c".into(),
            item_kind: "assessment".into(),
            title: "t".into(),
            content: serde_json::to_value(&result).unwrap(),
            updated_at: i64::from(day) * 1000,
        }
    }

    fn call(outgoing: bool, state: CallState) -> Message {
        Message {
            id: "m".into(),
            peer_account: "p".into(),
            outgoing,
            sent_at: 1,
            status: MessageStatus::Read,
            content: MessageContent::Call {
                request_id: "r".into(),
                start: "2026-12-01T10:00:00Z".into(),
                minutes: 10,
                format: None,
                state,
            },
        }
    }

    #[test]
    fn the_latest_results_set_scores_and_the_flag() {
        let c = conversation("ana", 0, 5);
        // An older PHQ-9 answered item 9; the latest did not: no self-harm flag.
        let shared = [
            assessment(Instrument::Phq9, vec![1, 1, 1, 1, 1, 1, 1, 1, 2], 1),
            assessment(Instrument::Phq9, vec![1, 1, 1, 1, 1, 1, 1, 1, 0], 8),
            assessment(Instrument::Gad7, vec![3, 3, 3, 3, 3, 0, 0], 3),
        ];
        let e = entry(&c, &[], &local::SharedSummary::of(&shared), 0);
        assert_eq!(e.phq9.as_ref().map(|s| s.total), Some(8));
        assert_eq!(e.gad7.as_ref().map(|s| s.band), Some("severe"));
        assert_eq!(e.risk, Some(RiskReason::SevereScore));
        assert_eq!(e.last_activity, Some(8000));
        let flagged = entry(
            &c,
            &[],
            &local::SharedSummary::of(&[assessment(
                Instrument::Phq9,
                vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
                9,
            )]),
            0,
        );
        assert_eq!(flagged.risk, Some(RiskReason::SelfHarmItem));
        // An open alert outranks every score.
        assert_eq!(
            entry(&c, &[], &local::SharedSummary::of(&shared), 1).risk,
            Some(RiskReason::OpenAlert)
        );
        assert_eq!(entry(&c, &[], &Default::default(), 0).risk, None);
    }

    #[test]
    fn only_unanswered_requests_from_the_client_are_open() {
        let c = conversation("ben", 0, 1);
        let messages = [
            call(false, CallState::Requested),
            call(true, CallState::Requested),
            call(false, CallState::Declined),
        ];
        assert_eq!(
            entry(&c, &messages, &Default::default(), 0).open_call_requests,
            1
        );
    }

    #[test]
    fn risk_comes_first_then_unread_then_recent() {
        let quiet = entry(&conversation("quiet", 0, 100), &[], &Default::default(), 0);
        let unread = entry(&conversation("unread", 2, 1), &[], &Default::default(), 0);
        let recent = entry(&conversation("recent", 0, 200), &[], &Default::default(), 0);
        let alert = entry(&conversation("alert", 0, 1), &[], &Default::default(), 1);
        let severe = entry(
            &conversation("severe", 0, 1),
            &[],
            &local::SharedSummary::of(&[assessment(
                Instrument::Gad7,
                vec![3, 3, 3, 3, 3, 0, 0],
                2,
            )]),
            0,
        );
        let item9 = entry(
            &conversation("item9", 0, 1),
            &[],
            &local::SharedSummary::of(&[assessment(
                Instrument::Phq9,
                vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
                2,
            )]),
            0,
        );
        let names: Vec<String> = sorted(vec![quiet, unread, recent, severe, item9, alert])
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            ["alert", "item9", "severe", "unread", "recent", "quiet"]
        );
    }
}
