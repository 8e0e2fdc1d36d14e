//! What a client lets flow to a linked therapist on its own, each off by default: their
//! PHQ-9/GAD-7 results, their mood trend (daily averages, see `mood_share`), and a risk alert when PHQ-9 item 9 is above 0 or a score reaches the
//! severe band. The choices live in the synced settings record (all the client's devices
//! follow them). Nothing here ever delays or replaces the client's own safety flow: it runs
//! after the result is stored, and a failure only means nothing was sent.

use serde::{Deserialize, Serialize};

use crate::assessments::{AssessmentResult, Instrument, Severity};
use crate::error::Result;
use crate::messaging::local;
use crate::safety;
use crate::store::Store;

/// One link's choices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkConsent {
    /// Share each new PHQ-9/GAD-7 result with the therapist.
    #[serde(default)]
    pub share_assessments: bool,
    /// Send a risk alert (item 9 above 0, or a severe score).
    #[serde(default)]
    pub risk_alerts: bool,
    /// Share the daily mood averages of the last 180 days, kept up to date.
    #[serde(default)]
    pub share_mood: bool,
}

/// The choices for the link with `therapist` (all off when never set).
pub fn get(store: &Store, therapist: &str) -> Result<LinkConsent> {
    Ok(safety::settings(store)?
        .link_consent
        .get(therapist)
        .copied()
        .unwrap_or_default())
}

/// Sets the choices for the link with `therapist` (synced to the client's devices).
pub fn set(store: &mut Store, therapist: &str, consent: LinkConsent) -> Result<()> {
    let mut settings = safety::settings(store)?;
    if consent == LinkConsent::default() {
        settings.link_consent.remove(therapist);
    } else {
        settings.link_consent.insert(therapist.to_owned(), consent);
    }
    safety::save_settings(store, &settings)
}

/// Whether `result` calls for a risk alert: PHQ-9 item 9 above 0, or the severe band.
pub fn is_alert(result: &AssessmentResult) -> bool {
    let item9 =
        result.instrument == Instrument::Phq9 && result.answers.get(8).is_some_and(|&a| a > 0);
    item9 || result.severity == Severity::Severe
}

/// After a stored result: shares it and/or queues a risk alert to each linked therapist the
/// client chose, and returns plain sentences saying what went where (for the client).
pub fn after_assessment(store: &mut Store, result: &AssessmentResult) -> Result<Vec<String>> {
    let settings = safety::settings(store)?;
    let mut told = Vec::new();
    for conversation in local::conversations(store)? {
        let Some(consent) = settings.link_consent.get(&conversation.peer_account) else {
            continue;
        };
        let name = if conversation.peer_name.is_empty() {
            "your therapist".to_owned()
        } else {
            conversation.peer_name.clone()
        };
        if consent.share_assessments {
            local::share(store, &conversation.peer_account, &result.id)?;
            told.push(format!("Shared with {name}, as you chose."));
        }
        if consent.risk_alerts && is_alert(result) {
            local::queue_risk_alert(store, &conversation.peer_account, result)?;
            told.push(format!(
                "{name} will get a risk alert, as you chose. It goes out with your next sync; \
                 they answer when they can. Solace is not an emergency service: if you are in \
                 danger now, use the crisis resources above."
            ));
        }
    }
    Ok(told)
}
