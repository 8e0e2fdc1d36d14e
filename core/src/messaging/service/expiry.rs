//! Taking in the server's expiry notices: a message that waited in a mailbox past the
//! server's TTL is gone unread, and both ends are told in the conversation. The recipient
//! learns from whom and when (the content is gone); the sender learns which of their messages
//! did not reach one of the other person's devices. Notices about unknown conversations or
//! messages (a lying server, a receipt that expired) are acknowledged and dropped.

use std::collections::{BTreeMap, BTreeSet};

use solace_protocol::messaging as m;

use crate::error::Result;
use crate::messaging::local;
use crate::messaging::model::{ConversationMeta, MessageContent};
use crate::store::Store;

/// How many messages expired, by side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Expired {
    /// Messages for this device that expired before it came back.
    pub inbound: u32,
    /// Messages this account sent that expired in one of the peer's mailboxes.
    pub outbound: u32,
}

/// Adds the notices for `expired` to their conversations (one line per peer for inbound
/// ones, one per message for outbound ones) inside the caller's transaction.
pub(super) fn take_in(store: &mut Store, expired: &[m::ExpiredMessage]) -> Result<Expired> {
    let mut counts = Expired::default();
    // Inbound: per peer, the send times (Unix seconds) of the messages that expired.
    let mut inbound: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut outbound: BTreeSet<(&str, &str)> = BTreeSet::new();
    for notice in expired {
        if notice.outbound {
            outbound.insert((&notice.peer_account, &notice.client_message_id));
        } else {
            inbound
                .entry(&notice.peer_account)
                .or_default()
                .push(notice.sent_at);
        }
    }
    for (peer, mut times) in inbound {
        let Some(name) = peer_name(store, peer)? else {
            continue;
        };
        crate::sort::sort(&mut times);
        let text = inbound_text(&name, &times);
        local::add_notice(store, peer, text)?;
        counts.inbound += u32::try_from(times.len()).unwrap_or(u32::MAX);
    }
    // Outbound: one line per message, in the order they were sent.
    let mut lines: Vec<(i64, &str, String)> = Vec::new();
    for (peer, message_id) in outbound {
        let Some((row, body)) = store.message(message_id)? else {
            continue;
        };
        if !row.outgoing || row.peer_account != peer {
            continue;
        }
        let Some(name) = peer_name(store, peer)? else {
            continue;
        };
        let quoted = match serde_json::from_slice::<MessageContent>(&body) {
            Ok(MessageContent::Text { text }) => quote(&text),
            Ok(MessageContent::Call { .. }) => "your call request".to_owned(),
            _ => continue,
        };
        lines.push((
            row.at,
            peer,
            format!(
                "Not delivered to one of {name}'s devices, which stayed offline too long: {quoted}"
            ),
        ));
    }
    crate::sort::sort_by_key(&mut lines, |(at, _, _)| *at);
    for (peer, text) in lines.into_iter().map(|(_, peer, text)| (peer, text)) {
        local::add_notice(store, peer, text)?;
        counts.outbound += 1;
    }
    Ok(counts)
}

/// The peer's name in a conversation this device has (`None` without one).
fn peer_name(store: &Store, peer: &str) -> Result<Option<String>> {
    Ok(match store.conversation(peer)? {
        Some(bytes) => {
            let name = ConversationMeta::decode(&bytes)?.peer_name;
            Some(if name.is_empty() {
                "the other person".to_owned()
            } else {
                name
            })
        }
        None => None,
    })
}

/// "A message from Dr. Lee sent on 2026-10-01 expired …" (or how many, between two dates).
fn inbound_text(name: &str, sorted_times: &[i64]) -> String {
    let day = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "an unknown day".to_owned())
    };
    let tail = "expired on the server before this device came back; ask them to send it again if it mattered";
    match sorted_times {
        [] => String::new(),
        [one] => format!("A message from {name} sent on {} {tail}", day(*one)),
        [first, .., last] => {
            let n = sorted_times.len();
            let (a, b) = (day(*first), day(*last));
            if a == b {
                format!("{n} messages from {name} sent on {a} {tail}")
            } else {
                format!("{n} messages from {name} sent between {a} and {b} {tail}")
            }
        }
    }
}

/// The first words of a message, quoted (at most 60 characters).
fn quote(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("“{}…”", short.trim_end())
    } else {
        format!("“{short}”")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbound_lines_name_the_sender_and_the_days() {
        let day = 1_790_000_000; // 2026-09-21 UTC
        assert_eq!(
            inbound_text("Dr. Lee", &[day]),
            "A message from Dr. Lee sent on 2026-09-21 expired on the server before this device came back; ask them to send it again if it mattered"
        );
        assert!(inbound_text("Dr. Lee", &[day, day + 60])
            .starts_with("2 messages from Dr. Lee sent on 2026-09-21 "));
        assert!(
            inbound_text("Alex", &[day, day + 86_400 * 2, day + 86_400 * 3])
                .starts_with("3 messages from Alex sent between 2026-09-21 and 2026-09-24 ")
        );
    }

    #[test]
    fn quotes_are_short() {
        assert_eq!(quote("hello"), "“hello”");
        let long = "word ".repeat(30);
        let q = quote(&long);
        assert!(q.ends_with("…”") && q.chars().count() <= 63, "{q}");
    }
}
