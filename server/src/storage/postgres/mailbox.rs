//! Postgres backend: depositing a message in device mailboxes — live recipient devices only,
//! one writer per mailbox at a time (so the caps hold across nodes), duplicates of a retried
//! send kept once, expired messages purged first, and the wake-up for other nodes' long polls.

use super::*;

impl PostgresStorage {
    /// Deposits one message in the mailboxes of the recipient's addressed devices (the
    /// `MessagingStore::deposit` of this backend).
    pub(super) async fn deposit_message(&self, m: NewMessage) -> StorageResult<DepositOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let mut addressed: Vec<String> = m.envelopes.iter().map(|e| e.device_id.clone()).collect();
        addressed.sort();
        addressed.dedup();
        // FOR SHARE makes a concurrent revocation wait (it then deletes this message too).
        let live: HashSet<String> = tx
            .query(
                "SELECT id FROM devices WHERE id = ANY($1) AND account_id = $2 AND NOT revoked
                 ORDER BY id FOR SHARE",
                &[&addressed, &m.recipient_account],
            )
            .await
            .map_err(pg_err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        // One mailbox writer at a time per device (locks taken in id order: no deadlock), so
        // concurrent sends cannot overshoot the cap.
        for device_id in addressed.iter().filter(|d| live.contains(*d)) {
            let key = format!("solace-mailbox:{device_id}");
            tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&key])
                .await
                .map_err(pg_err)?;
        }
        let cutoff = m.now.saturating_sub(m.ttl_secs);
        let existing = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM mailbox WHERE sender_device = $1 AND client_message_id = $2 AND recipient_device = $3)",
            )
            .await
            .map_err(pg_err)?;
        let waiting = tx
            .prepare_cached("SELECT COUNT(*) FROM mailbox WHERE recipient_device = $1")
            .await
            .map_err(pg_err)?;
        let from_sender = tx
            .prepare_cached(
                "SELECT COUNT(*) FROM mailbox WHERE recipient_device = $1 AND sender_account = $2",
            )
            .await
            .map_err(pg_err)?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO mailbox (recipient_device, sender_account, sender_device, sender_key, client_message_id, kind, body, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .await
            .map_err(pg_err)?;
        let mut out = DepositOutcome::default();
        for e in &m.envelopes {
            if !live.contains(&e.device_id) {
                out.skipped.push(e.device_id.clone());
                continue;
            }
            super::expiry::expire(&tx, cutoff, Some(&e.device_id)).await?;
            let duplicate: bool = tx
                .query_one(
                    &existing,
                    &[&m.sender_device, &m.client_message_id, &e.device_id],
                )
                .await
                .map_err(pg_err)?
                .get(0);
            if duplicate {
                out.delivered_to.push(e.device_id.clone());
                continue;
            }
            let held: i64 = tx
                .query_one(&waiting, &[&e.device_id])
                .await
                .map_err(pg_err)?
                .get(0);
            if held >= i64::from(m.mailbox_cap) {
                return Err(StorageError::MailboxFull);
            }
            let sent: i64 = tx
                .query_one(&from_sender, &[&e.device_id, &m.sender_account])
                .await
                .map_err(pg_err)?
                .get(0);
            if sent >= i64::from(m.sender_cap) {
                return Err(StorageError::SenderQuotaFull);
            }
            tx.execute(
                &insert,
                &[
                    &e.device_id,
                    &m.sender_account,
                    &m.sender_device,
                    &m.sender_key,
                    &m.client_message_id,
                    &i16::from(e.kind),
                    &e.body,
                    &m.now,
                ],
            )
            .await
            .map_err(pg_err)?;
            out.delivered_to.push(e.device_id.clone());
            out.newly_queued
                .push((e.device_id.clone(), count(held + 1)));
        }
        let current: Vec<String> = tx
            .query(
                "SELECT d.id FROM devices d JOIN device_identities i ON i.device_id = d.id
                 WHERE d.account_id = $1 AND NOT d.revoked AND d.id <> $2",
                &[&m.recipient_account, &m.sender_device],
            )
            .await
            .map_err(pg_err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        out.missing = crate::storage::messaging::unaddressed(current, &m.envelopes);
        if !out.missing.is_empty() {
            out.list_version = tx
                .query_opt(
                    "SELECT version FROM device_lists WHERE account_id = $1",
                    &[&m.recipient_account],
                )
                .await
                .map_err(pg_err)?
                .map(|r| r.get::<_, i64>(0).max(0) as u64);
        }
        if !out.newly_queued.is_empty() {
            // Delivered with the commit: other nodes wake waiters once the rows are visible.
            super::notify_change(&tx, &m.recipient_account).await?;
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(out)
    }
}
