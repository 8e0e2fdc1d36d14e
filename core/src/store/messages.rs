//! The store's side of messaging: conversations, the message log, the outbox and the set of
//! inbound messages already taken in. Every row's content is sealed like a record; the
//! messaging service composes these calls inside [`Store::atomically`] where a step must be
//! atomic (decrypt → store → save session → mark seen).

use rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

use super::Store;
use crate::crypto::envelope;
use crate::error::Result;
use crate::record::RecordId;

const CONVERSATION_KIND: &str = "conversation";
const MESSAGE_KIND: &str = "message";
const OUTBOX_KIND: &str = "outbox";

/// The envelope id binding a sealed local row to its table and key (so rows can't be swapped).
fn local_id(table: &str, key: &str) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("solace/{table}/{key}").as_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    RecordId(id)
}

/// A message's clear index columns (content is sealed separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    /// Client message id (random, chosen by the sender).
    pub id: String,
    /// The other party's account id (the conversation).
    pub peer_account: String,
    /// Send time, Unix milliseconds (display order).
    pub at: i64,
    /// Sent by this account (from this or another of its devices).
    pub outgoing: bool,
    /// Status tag (see `messaging::MessageStatus`).
    pub status: String,
}

/// An outbox entry waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Queue position (send order).
    pub seq: i64,
    /// The payload's client message id (the server's idempotency key).
    pub client_message_id: String,
    /// The recipient account.
    pub peer_account: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Earliest next try, Unix milliseconds.
    pub next_attempt_at: i64,
    /// Given up after repeated permanent failures; waits for an explicit retry.
    pub wedged: bool,
}

impl Store {
    fn seal_local(&self, table: &str, key: &str, bytes: &[u8]) -> Result<Vec<u8>> {
        let keys = self.keys();
        let keyring = &keys.keyring;
        envelope::seal(
            keyring.current()?,
            keyring.current_id(),
            &local_id(table, key),
            table,
            bytes,
        )
    }

    fn open_local(&self, table: &str, key: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.open_sealed(table, &local_id(table, key), sealed)
    }

    /// Saves a conversation's sealed settings (name, link, pause, draft).
    pub fn put_conversation(&mut self, peer_account: &str, bytes: &[u8]) -> Result<()> {
        self.writable()?;
        let sealed = self.seal_local(CONVERSATION_KIND, peer_account, bytes)?;
        self.conn.execute(
            "INSERT INTO conversations (peer_account, sealed) VALUES (?1, ?2)
             ON CONFLICT (peer_account) DO UPDATE SET sealed = excluded.sealed",
            params![peer_account, sealed],
        )?;
        Ok(())
    }

    /// A conversation's settings, if it exists.
    pub fn conversation(&self, peer_account: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT sealed FROM conversations WHERE peer_account = ?1",
                [peer_account],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| self.open_local(CONVERSATION_KIND, peer_account, &s))
            .transpose()
    }

    /// Every conversation's peer and settings.
    pub fn conversations(&self) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT peer_account, sealed FROM conversations ORDER BY peer_account")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(peer, sealed)| {
                let open = self.open_local(CONVERSATION_KIND, &peer, &sealed)?;
                Ok((peer, open))
            })
            .collect()
    }

    /// Adds a message; false (and nothing changed) if its id is already there.
    pub fn insert_message(&mut self, row: &MessageRow, body: &[u8]) -> Result<bool> {
        self.writable()?;
        let sealed = self.seal_local(MESSAGE_KIND, &row.id, body)?;
        let changed = self.conn.execute(
            "INSERT OR IGNORE INTO messages (id, peer_account, at, outgoing, status, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                row.id,
                row.peer_account,
                row.at,
                row.outgoing,
                row.status,
                sealed
            ],
        )?;
        Ok(changed == 1)
    }

    /// Replaces a message's sealed content (e.g. a call request that was answered).
    pub fn update_message_body(&mut self, id: &str, body: &[u8]) -> Result<bool> {
        self.writable()?;
        let sealed = self.seal_local(MESSAGE_KIND, id, body)?;
        let changed = self.conn.execute(
            "UPDATE messages SET sealed = ?2 WHERE id = ?1",
            params![id, sealed],
        )?;
        Ok(changed == 1)
    }

    /// Sets a message's status; false if no such message.
    pub fn set_message_status(&mut self, id: &str, status: &str) -> Result<bool> {
        self.writable()?;
        let changed = self.conn.execute(
            "UPDATE messages SET status = ?2 WHERE id = ?1",
            params![id, status],
        )?;
        Ok(changed == 1)
    }

    /// One message with its content.
    pub fn message(&self, id: &str) -> Result<Option<(MessageRow, Zeroizing<Vec<u8>>)>> {
        let found = self
            .conn
            .query_row(
                "SELECT id, peer_account, at, outgoing, status, sealed FROM messages WHERE id = ?1",
                [id],
                message_row,
            )
            .optional()?;
        found
            .map(|(row, sealed)| {
                let open = self.open_local(MESSAGE_KIND, &row.id, &sealed)?;
                Ok((row, open))
            })
            .transpose()
    }

    /// A conversation's messages, oldest first.
    pub fn messages(&self, peer_account: &str) -> Result<Vec<(MessageRow, Zeroizing<Vec<u8>>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, peer_account, at, outgoing, status, sealed FROM messages
             WHERE peer_account = ?1 ORDER BY at, id",
        )?;
        let rows = stmt
            .query_map([peer_account], message_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(row, sealed)| {
                let open = self.open_local(MESSAGE_KIND, &row.id, &sealed)?;
                Ok((row, open))
            })
            .collect()
    }

    /// How many messages of a conversation have `status`, and the newest message time.
    pub fn message_counts(&self, peer_account: &str, status: &str) -> Result<(u32, Option<i64>)> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FILTER (WHERE status = ?2), MAX(at) FROM messages
             WHERE peer_account = ?1",
            params![peer_account, status],
            |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Option<i64>>(1)?)),
        )?)
    }

    /// The newest message time of any conversation.
    pub fn latest_message_at(&self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT MAX(at) FROM messages", [], |r| r.get(0))?)
    }

    /// Queues a payload for `peer_account`; false if that client message id is already queued.
    pub fn enqueue_outbox(
        &mut self,
        client_message_id: &str,
        peer_account: &str,
        payload: &[u8],
    ) -> Result<bool> {
        self.writable()?;
        let sealed = self.seal_local(OUTBOX_KIND, client_message_id, payload)?;
        let changed = self.conn.execute(
            "INSERT OR IGNORE INTO outbox (client_message_id, peer_account, sealed)
             VALUES (?1, ?2, ?3)",
            params![client_message_id, peer_account, sealed],
        )?;
        Ok(changed == 1)
    }

    /// Every outbox entry in send order, with its payload.
    pub fn outbox(&self) -> Result<Vec<(OutboxRow, Zeroizing<Vec<u8>>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, client_message_id, peer_account, attempts, next_attempt_at, wedged, sealed
             FROM outbox ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    OutboxRow {
                        seq: r.get(0)?,
                        client_message_id: r.get(1)?,
                        peer_account: r.get(2)?,
                        attempts: r.get(3)?,
                        next_attempt_at: r.get(4)?,
                        wedged: r.get(5)?,
                    },
                    r.get::<_, Vec<u8>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(row, sealed)| {
                let open = self.open_local(OUTBOX_KIND, &row.client_message_id, &sealed)?;
                Ok((row, open))
            })
            .collect()
    }

    /// Records a failed attempt: its count, the next try and whether it is now wedged.
    pub fn outbox_failed(
        &mut self,
        seq: i64,
        attempts: u32,
        next_attempt_at: i64,
        wedged: bool,
    ) -> Result<()> {
        self.writable()?;
        self.conn.execute(
            "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, wedged = ?4 WHERE seq = ?1",
            params![seq, attempts, next_attempt_at, wedged],
        )?;
        Ok(())
    }

    /// Removes a sent entry.
    pub fn outbox_done(&mut self, seq: i64) -> Result<()> {
        self.writable()?;
        self.conn
            .execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
        Ok(())
    }

    /// Makes a wedged entry due again with a fresh attempt count; false if none matched.
    pub fn outbox_retry(&mut self, client_message_id: &str) -> Result<bool> {
        self.writable()?;
        let changed = self.conn.execute(
            "UPDATE outbox SET wedged = 0, attempts = 0, next_attempt_at = 0
             WHERE client_message_id = ?1",
            [client_message_id],
        )?;
        Ok(changed == 1)
    }

    /// Whether an inbound message from `sender_key` with this id was already taken in.
    pub fn inbound_seen(&self, sender_key: &str, client_message_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM inbound_seen WHERE sender_key = ?1 AND client_message_id = ?2",
                params![sender_key, client_message_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Remembers an inbound message as taken in (duplicates are then dropped).
    pub fn mark_inbound_seen(&mut self, sender_key: &str, client_message_id: &str) -> Result<()> {
        self.writable()?;
        self.conn.execute(
            "INSERT OR IGNORE INTO inbound_seen (sender_key, client_message_id) VALUES (?1, ?2)",
            params![sender_key, client_message_id],
        )?;
        Ok(())
    }

    /// Names of device-local state entries starting with `prefix`.
    pub fn device_state_names(&self, prefix: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT name FROM device_state WHERE substr(name, 1, ?2) = ?1 ORDER BY name",
        )?;
        let names = stmt
            .query_map(params![prefix, prefix.len() as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }

    /// Deletes a device-local state entry.
    pub fn delete_device_state(&mut self, name: &str) -> Result<()> {
        self.writable()?;
        self.conn
            .execute("DELETE FROM device_state WHERE name = ?1", [name])?;
        Ok(())
    }
}

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(MessageRow, Vec<u8>)> {
    Ok((
        MessageRow {
            id: r.get(0)?,
            peer_account: r.get(1)?,
            at: r.get(2)?,
            outgoing: r.get(3)?,
            status: r.get(4)?,
        },
        r.get(5)?,
    ))
}
