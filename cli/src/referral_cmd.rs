//! `solace referral`: referral cards to in-person or hybrid care. The client lists them (not
//! yet acknowledged first), saves one to the safety plan's professional contacts and
//! acknowledges it; the therapist sends them.

use std::path::Path;

use solace_core::messaging::payload::{CareMode, ReferralCard};
use solace_core::messaging::referral;

use crate::args::{CareArg, ReferralCommand};
use crate::error::Result;
use crate::message_cmd::{local, resolve_peer, try_deliver};
use crate::output::Output;
use crate::unlock;

/// Runs `solace referral …`.
pub fn run(cmd: Option<ReferralCommand>, data_dir: &Path, out: &mut Output) -> Result<()> {
    let app = unlock::open_app(data_dir, None)?;
    match cmd {
        None => {
            try_deliver(&app, &mut Output::stdout(true))?;
            let list = local(&app, |s| Ok(referral::list(s)?))?;
            if out.json {
                return out.json(&list);
            }
            if list.is_empty() {
                return out.line("No referrals.");
            }
            for r in &list {
                let mark = if r.acknowledged { " " } else { "!" };
                let note = r
                    .card
                    .note
                    .as_deref()
                    .map(|n| format!(" — {n}"))
                    .unwrap_or_default();
                let saved = if r.saved {
                    " [in your safety plan]"
                } else {
                    ""
                };
                out.line(format!(
                    "{mark} {}  {} suggests {}: {} ({}){note}{saved}",
                    &r.referral_id[..8.min(r.referral_id.len())],
                    r.from_name,
                    r.card.care.label(),
                    r.card.service,
                    r.card.contact
                ))?;
            }
            Ok(())
        }
        Some(ReferralCommand::Save { id }) => {
            let added = local(&app, |s| Ok(referral::save_to_plan(s, &id, unlock::now())?))?;
            out.note(if added {
                "Added to your safety plan's professional contacts."
            } else {
                "Already in your safety plan's professional contacts."
            })
        }
        Some(ReferralCommand::Ack { id }) => {
            let acknowledged = local(&app, |s| Ok(referral::acknowledge(s, &id)?))?;
            try_deliver(&app, out)?;
            out.note(if acknowledged {
                "Acknowledged; your therapist will see it."
            } else {
                "Already acknowledged."
            })
        }
        Some(ReferralCommand::Send {
            with,
            care,
            service,
            contact,
            note,
        }) => {
            let card = ReferralCard {
                care: match care {
                    CareArg::InPerson => CareMode::InPerson,
                    CareArg::Hybrid => CareMode::Hybrid,
                },
                service,
                contact,
                note,
            };
            let (peer, sent) = local(&app, |s| {
                let peer = resolve_peer(s, &with)?;
                let sent = referral::send(s, &peer.peer_account, card)?;
                Ok((peer, sent))
            })?;
            try_deliver(&app, out)?;
            if out.json {
                return out.json(&serde_json::json!({"referral_id": sent.id}));
            }
            out.line(format!("Referral sent to {}.", peer.peer_name))
        }
    }
}
