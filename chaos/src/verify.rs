//! After the faults: every acknowledged record must be on every device of its account exactly
//! once (each device pulls everything through the balancer), and every acknowledged message
//! exactly once in its recipient device's mailbox.

use std::collections::HashMap;
use std::path::Path;

use solace_protocol as p;
use solace_protocol::messaging as m;

use crate::client::Client;
use crate::load::{Account, Acked};

/// What the check found.
#[derive(Debug, Default)]
pub struct Found {
    /// Acknowledged writes.
    pub acked: u64,
    /// Acknowledged writes missing on some device (counted per device).
    pub lost: u64,
    /// Acknowledged writes seen more than once on some device (counted per device).
    pub duplicated: u64,
}

fn tally(found: &mut Found, counts: &HashMap<String, u32>, acked: &[&str]) {
    for id in acked {
        match counts.get(*id).copied().unwrap_or(0) {
            0 => found.lost += 1,
            1 => {}
            _ => found.duplicated += 1,
        }
    }
}

/// Reads everything back through `url` and compares it with the ledger in `dir`.
pub async fn check(url: &str, dir: &Path) -> Result<Found, String> {
    let read =
        |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"));
    let accounts: Vec<Account> =
        serde_json::from_str(&read("state.json")?).map_err(|e| e.to_string())?;
    let mut records: HashMap<usize, Vec<String>> = HashMap::new();
    let mut messages: HashMap<usize, Vec<String>> = HashMap::new();
    for line in read("ledger.jsonl")?
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        match serde_json::from_str(line).map_err(|e| e.to_string())? {
            Acked::Record { account, id } => records.entry(account).or_default().push(id),
            Acked::Message { account, id } => messages.entry(account).or_default().push(id),
        }
    }
    let client = Client::new(url);
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut found = Found {
        acked: (records.values().map(Vec::len).sum::<usize>()
            + messages.values().map(Vec::len).sum::<usize>()) as u64,
        ..Found::default()
    };
    for (i, account) in accounts.iter().enumerate() {
        let acked: Vec<&str> = records
            .get(&i)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default();
        for device in &account.devices {
            let mut counts: HashMap<String, u32> = HashMap::new();
            let mut cursor = 0;
            loop {
                let page: p::PullResponse = client
                    .post_until(
                        "/v1/sync/pull",
                        Some(&device.token),
                        &p::PullRequest {
                            cursor,
                            limit: 1000,
                        },
                        until,
                    )
                    .await
                    .map_err(|e| format!("pull: {e}"))?;
                for r in &page.records {
                    *counts.entry(r.id.clone()).or_default() += 1;
                }
                cursor = page.next_cursor;
                if !page.more {
                    break;
                }
            }
            tally(&mut found, &counts, &acked);
        }
        let acked: Vec<&str> = messages
            .get(&i)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let recipient = &account.devices[1];
        let mut counts: HashMap<String, u32> = HashMap::new();
        loop {
            let inbox: m::Inbox = client
                .post_until(
                    "/v1/messages/inbox",
                    Some(&recipient.token),
                    &m::InboxRequest {
                        limit: m::MAX_INBOX_LIMIT,
                    },
                    until,
                )
                .await
                .map_err(|e| format!("inbox: {e}"))?;
            for message in &inbox.messages {
                *counts.entry(message.client_message_id.clone()).or_default() += 1;
            }
            if inbox.messages.is_empty() {
                break;
            }
            let ack = m::AckRequest {
                ids: inbox.messages.iter().map(|x| x.id).collect(),
                expired: vec![],
            };
            client
                .post_until::<_, serde_json::Value>(
                    "/v1/messages/ack",
                    Some(&recipient.token),
                    &ack,
                    until,
                )
                .await
                .map_err(|e| format!("ack: {e}"))?;
            if !inbox.more {
                break;
            }
        }
        tally(&mut found, &counts, &acked);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_repeated_writes_are_counted() {
        let mut found = Found::default();
        let counts: HashMap<String, u32> = [("a".to_owned(), 1), ("b".to_owned(), 2)].into();
        tally(&mut found, &counts, &["a", "b", "c"]);
        assert_eq!((found.lost, found.duplicated), (1, 1));
    }
}
