//! Referrals for complex cases: a therapist sends a referral card (in-person or hybrid care:
//! service, contact, note) end to end (payload body `referral`, a visible message on both
//! sides with the card's id as message id); the client sees it prominently, can save it to
//! the safety plan's professional contacts (idempotent), and acknowledges it (payload body
//! `referral_ack`, applied only to that referral in that conversation).

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::error::{CoreError, InputProblem, Result};
use crate::messaging::local::{self, CallSide};
use crate::messaging::model::{Message, MessageContent};
use crate::messaging::payload::{Body, ReferralCard, MAX_NOTE_CHARS, MAX_REFERRAL_FIELD_CHARS};
use crate::safety;
use crate::store::Store;

/// A referral as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// Whether its service and contact are in the safety plan's professional contacts.
    pub saved: bool,
    /// When it was sent, Unix milliseconds.
    pub sent_at: i64,
}

/// The safety-plan entry a referral becomes: "service — contact".
pub fn plan_entry(card: &ReferralCard) -> String {
    format!("{} — {}", card.service.trim(), card.contact.trim())
}

fn field(name: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(CoreError::invalid(name, InputProblem::Empty));
    }
    if value.chars().count() > max {
        return Err(CoreError::invalid(
            name,
            InputProblem::TooLong { max: max as u32 },
        ));
    }
    Ok(value.to_owned())
}

/// Therapist side: sends a referral card to the client `peer` (checked and trimmed first).
pub fn send(store: &mut Store, peer: &str, card: ReferralCard) -> Result<Message> {
    local::conversation_meta(store, peer)?;
    let note = match card.note.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => Some(field("note", n, MAX_NOTE_CHARS)?),
    };
    let card = ReferralCard {
        care: card.care,
        service: field("service", &card.service, MAX_REFERRAL_FIELD_CHARS)?,
        contact: field("contact", &card.contact, MAX_REFERRAL_FIELD_CHARS)?,
        note,
    };
    let referral_id = local::new_message_id()?;
    let content = MessageContent::Referral {
        referral_id: referral_id.clone(),
        card: card.clone(),
        acknowledged: false,
    };
    let body = Body::Referral {
        referral_id: referral_id.clone(),
        card,
    };
    local::compose(store, peer, referral_id, content, body, |_| Ok(()))
}

/// Client side: every referral received, those not acknowledged first, then newest first.
pub fn list(store: &Store) -> Result<Vec<Referral>> {
    // A plan that does not open only costs the "saved" marks.
    let professionals = safety::plan(store)
        .map(|p| p.professionals)
        .unwrap_or_default();
    let mut out = Vec::new();
    for conversation in local::conversations(store)? {
        for message in local::messages(store, &conversation.peer_account)? {
            if let (
                false,
                MessageContent::Referral {
                    referral_id,
                    card,
                    acknowledged,
                },
            ) = (message.outgoing, message.content)
            {
                out.push(Referral {
                    saved: professionals.contains(&plan_entry(&card)),
                    referral_id,
                    from_account: conversation.peer_account.clone(),
                    from_name: conversation.peer_name.clone(),
                    card,
                    acknowledged,
                    sent_at: message.sent_at,
                });
            }
        }
    }
    crate::sort::sort_by_key(&mut out, |r| (r.acknowledged, std::cmp::Reverse(r.sent_at)));
    Ok(out)
}

/// The newest referral the client saved to their safety plan, if any.
pub fn saved(store: &Store) -> Result<Option<Referral>> {
    Ok(list(store)?
        .into_iter()
        .filter(|r| r.saved)
        .max_by_key(|r| r.sent_at))
}

/// The referral received with id `referral_id` (or a unique prefix of at least 4 characters).
pub fn find(store: &Store, referral_id: &str) -> Result<Referral> {
    let prefix = referral_id.trim();
    let matches: Vec<Referral> = list(store)?
        .into_iter()
        .filter(|r| {
            r.referral_id == prefix || (prefix.len() >= 4 && r.referral_id.starts_with(prefix))
        })
        .collect();
    match <[Referral; 1]>::try_from(matches) {
        Ok([one]) => Ok(one),
        Err(more) if more.is_empty() => Err(CoreError::NotFound("referral")),
        Err(_) => Err(CoreError::AmbiguousId),
    }
}

/// Client side: adds the referral's "service — contact" to the safety plan's professional
/// contacts; false when it was already there.
pub fn save_to_plan(
    store: &mut Store,
    referral_id: &str,
    now: DateTime<FixedOffset>,
) -> Result<bool> {
    let referral = find(store, referral_id)?;
    let entry = plan_entry(&referral.card);
    let mut plan = safety::plan(store)?;
    if plan.professionals.contains(&entry) {
        return Ok(false);
    }
    plan.professionals.push(entry);
    safety::save_plan(store, plan, now)?;
    Ok(true)
}

/// Client side: acknowledges a referral (marked here, and the therapist is told); false when
/// it was already acknowledged.
pub fn acknowledge(store: &mut Store, referral_id: &str) -> Result<bool> {
    let referral = find(store, referral_id)?;
    if referral.acknowledged {
        return Ok(false);
    }
    let id = local::new_message_id()?;
    let peer = referral.from_account.clone();
    store.atomically(|s| {
        let side = CallSide {
            peer: &peer,
            outgoing: false,
        };
        apply_ack(s, side, &referral.referral_id)?;
        local::queue(
            s,
            &peer,
            &id,
            Body::ReferralAck {
                referral_id: referral.referral_id.clone(),
            },
        )
    })?;
    Ok(true)
}

/// Marks referral `referral_id` acknowledged, only if it is a referral message of the
/// conversation with `side.peer` in the expected direction (from the peer: a referral this
/// account sent; from this account's other device: one the peer sent); false when nothing
/// changed.
pub(crate) fn apply_ack(store: &mut Store, side: CallSide<'_>, referral_id: &str) -> Result<bool> {
    let Some(message) = local::message(store, referral_id)? else {
        return Ok(false);
    };
    if message.peer_account != side.peer || message.outgoing != side.outgoing {
        return Ok(false);
    }
    let MessageContent::Referral {
        referral_id,
        card,
        acknowledged: false,
    } = message.content
    else {
        return Ok(false);
    };
    let content = MessageContent::Referral {
        referral_id,
        card,
        acknowledged: true,
    };
    local::update_content(store, &message.id, &content)
}

#[cfg(test)]
#[path = "referral_tests.rs"]
mod tests;
