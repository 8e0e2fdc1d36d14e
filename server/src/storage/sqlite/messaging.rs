//! Sqlite backend: therapist profiles, links, the Olm key directory and mailboxes.

use super::*;

#[async_trait::async_trait]
impl MessagingStore for SqliteStorage {
    async fn put_profile(&self, account_id: &str, profile: &TherapistProfile) -> StorageResult<()> {
        let (account_id, text) = (account_id.to_owned(), profile_text(profile)?);
        self.with(move |c| {
            if !account_exists(c, &account_id)? {
                return Ok(Err(StorageError::Gone));
            }
            c.execute(
                "INSERT INTO profiles (account_id, profile) VALUES (?1, ?2)
                 ON CONFLICT (account_id) DO UPDATE SET profile = excluded.profile",
                params![account_id, text],
            )
            .map(|_| Ok(()))
        })
        .await?
    }

    async fn profile(&self, account_id: &str) -> StorageResult<Option<TherapistProfile>> {
        let account_id = account_id.to_owned();
        let text: Option<String> = self
            .with(move |c| {
                c.query_row(
                    "SELECT profile FROM profiles WHERE account_id = ?1",
                    [account_id],
                    |r| r.get(0),
                )
                .optional()
            })
            .await?;
        text.as_deref().map(parse_profile).transpose()
    }

    async fn all_profiles(&self) -> StorageResult<Vec<(String, TherapistProfile)>> {
        let rows: Vec<(String, String)> = self
            .with(|c| {
                c.prepare("SELECT account_id, profile FROM profiles")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .await?;
        rows.into_iter()
            .map(|(id, text)| Ok((id, parse_profile(&text)?)))
            .collect()
    }

    async fn create_link(&self, l: &StoredLink) -> StorageResult<()> {
        let l = l.clone();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if !account_exists(&tx, &l.client_id)? || !account_exists(&tx, &l.therapist_id)? {
                return Ok(Err(StorageError::Gone));
            }
            let open: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM links WHERE state <> 'ended' AND
                   ((client_id = ?1 AND therapist_id = ?2) OR (client_id = ?2 AND therapist_id = ?1)))",
                params![l.client_id, l.therapist_id],
                |r| r.get(0),
            )?;
            if open {
                return Ok(Err(StorageError::Conflict));
            }
            tx.execute(
                "INSERT INTO links (id, client_id, client_name, therapist_id, therapist_name, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![l.link_id, l.client_id, l.client_name, l.therapist_id, l.therapist_name, state_text(l.state), l.created_at],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await?
    }

    async fn links_for(&self, account_id: &str) -> StorageResult<Vec<StoredLink>> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            c.prepare(&format!(
                "SELECT {LINK_COLUMNS} FROM links WHERE client_id = ?1 OR therapist_id = ?1
                 ORDER BY created_at DESC, rowid DESC"
            ))?
            .query_map([account_id], link)?
            .collect()
        })
        .await
    }

    async fn link(&self, link_id: &str) -> StorageResult<Option<StoredLink>> {
        let link_id = link_id.to_owned();
        self.with(move |c| {
            c.query_row(
                &format!("SELECT {LINK_COLUMNS} FROM links WHERE id = ?1"),
                [link_id],
                link,
            )
            .optional()
        })
        .await
    }

    async fn set_link_state(
        &self,
        link_id: &str,
        from: Option<LinkState>,
        to: LinkState,
    ) -> StorageResult<bool> {
        let link_id = link_id.to_owned();
        self.with(move |c| {
            let n = match from {
                None => c.execute(
                    "UPDATE links SET state = ?2 WHERE id = ?1",
                    params![link_id, state_text(to)],
                )?,
                Some(from) => c.execute(
                    "UPDATE links SET state = ?2 WHERE id = ?1 AND state = ?3",
                    params![link_id, state_text(to), state_text(from)],
                )?,
            };
            Ok(n == 1)
        })
        .await
    }

    async fn linked(&self, a: &str, b: &str) -> StorageResult<bool> {
        let (a, b) = (a.to_owned(), b.to_owned());
        self.with(move |c| {
            c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM links WHERE state = 'active' AND
                   ((client_id = ?1 AND therapist_id = ?2) OR (client_id = ?2 AND therapist_id = ?1)))",
            )?
            .query_row(params![a, b], |r| r.get(0))
        })
        .await
    }

    async fn publish_keys(
        &self,
        account_id: &str,
        device_id: &str,
        identity: &WireIdentity,
        one_time_keys: &[WireOneTimeKey],
        account_signature: Option<&WireDeviceSignature>,
        fallback_key: Option<&WireOneTimeKey>,
    ) -> StorageResult<KeyCount> {
        let (account_id, device_id) = (account_id.to_owned(), device_id.to_owned());
        let (identity, keys) = (identity.clone(), one_time_keys.to_vec());
        let signed = account_signature.cloned();
        let fallback = fallback_key.cloned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let live: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND account_id = ?2 AND revoked = 0)",
                params![device_id, account_id],
                |r| r.get(0),
            )?;
            if !live {
                return Ok(Err(StorageError::Conflict));
            }
            tx.execute(
                "INSERT OR IGNORE INTO device_identities (device_id, curve25519, ed25519) VALUES (?1, ?2, ?3)",
                params![device_id, identity.curve25519, identity.ed25519],
            )?;
            let stored: (String, String) = tx.query_row(
                "SELECT curve25519, ed25519 FROM device_identities WHERE device_id = ?1",
                [&device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if stored != (identity.curve25519, identity.ed25519) {
                return Ok(Err(StorageError::Conflict));
            }
            if let Some(s) = &signed {
                tx.execute(
                    "UPDATE device_identities SET account_key = ?2, account_signature = ?3 WHERE device_id = ?1",
                    params![device_id, s.account_key, s.signature],
                )?;
            }
            let mut held: i64 = tx.query_row(
                "SELECT COUNT(*) FROM one_time_keys WHERE device_id = ?1",
                [&device_id],
                |r| r.get(0),
            )?;
            for k in &keys {
                if held >= MAX_ONE_TIME_KEYS as i64 {
                    break;
                }
                held += tx
                    .prepare_cached("INSERT OR IGNORE INTO one_time_keys (device_id, key, signature) VALUES (?1, ?2, ?3)")?
                    .execute(params![device_id, k.key, k.signature])? as i64;
            }
            if let Some(k) = &fallback {
                tx.execute(
                    "INSERT INTO fallback_keys (device_id, key, signature) VALUES (?1, ?2, ?3)
                     ON CONFLICT (device_id) DO UPDATE SET key = excluded.key, signature = excluded.signature",
                    params![device_id, k.key, k.signature],
                )?;
            }
            let has_fallback: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM fallback_keys WHERE device_id = ?1)",
                [&device_id],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok(Ok(KeyCount { one_time_keys: count(held), fallback_key: has_fallback, device_list: None }))
        })
        .await?
    }

    async fn put_device_list(
        &self,
        account_id: &str,
        list: &WireDeviceList,
    ) -> StorageResult<bool> {
        let account_id = account_id.to_owned();
        let version = i64::try_from(list.version).map_err(|_| StorageError::Conflict)?;
        let text = serde_json::to_string(list).map_err(|e| StorageError::Backend(e.to_string()))?;
        self.with(move |c| {
            if !account_exists(c, &account_id)? {
                return Ok(false);
            }
            let changed = if version == 1 {
                c.execute(
                    "INSERT OR IGNORE INTO device_lists (account_id, version, list) VALUES (?1, 1, ?2)",
                    params![account_id, text],
                )?
            } else {
                c.execute(
                    "UPDATE device_lists SET version = ?2, list = ?3 WHERE account_id = ?1 AND version = ?2 - 1",
                    params![account_id, version, text],
                )?
            };
            Ok(changed == 1)
        })
        .await
    }

    async fn device_list(&self, account_id: &str) -> StorageResult<Option<WireDeviceList>> {
        let account_id = account_id.to_owned();
        let text: Option<String> = self
            .with(move |c| {
                c.query_row(
                    "SELECT list FROM device_lists WHERE account_id = ?1",
                    [&account_id],
                    |r| r.get(0),
                )
                .optional()
            })
            .await?;
        // A row that does not parse is served as no list (devices then accept nothing).
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    async fn claim_keys(
        &self,
        account_id: &str,
        exclude_device: Option<&str>,
        need: Option<&[String]>,
    ) -> StorageResult<Vec<ClaimedDevice>> {
        let account_id = account_id.to_owned();
        let exclude = exclude_device.map(str::to_owned);
        let need: Option<Vec<String>> = need.map(<[String]>::to_vec);
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            type Row = (String, WireIdentity, Option<WireDeviceSignature>);
            let devices: Vec<Row> = tx
                .prepare(
                    "SELECT d.id, i.curve25519, i.ed25519, i.account_key, i.account_signature
                     FROM devices d JOIN device_identities i ON i.device_id = d.id
                     WHERE d.account_id = ?1 AND d.revoked = 0 ORDER BY d.rowid",
                )?
                .query_map([&account_id], |r| {
                    let key: Option<String> = r.get(3)?;
                    let signature: Option<String> = r.get(4)?;
                    Ok((
                        r.get(0)?,
                        WireIdentity { curve25519: r.get(1)?, ed25519: r.get(2)? },
                        key.zip(signature)
                            .map(|(account_key, signature)| WireDeviceSignature { account_key, signature }),
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut claimed = Vec::with_capacity(devices.len());
            for (device_id, identity, account_signature) in devices {
                if exclude.as_deref() == Some(device_id.as_str()) {
                    continue;
                }
                if need.as_ref().is_some_and(|n| !n.contains(&device_id)) {
                    claimed.push(ClaimedDevice {
                        device_id,
                        identity,
                        one_time_key: None,
                        account_signature,
                        fallback_key: None,
                    });
                    continue;
                }
                let key: Option<(i64, WireOneTimeKey)> = tx
                    .prepare_cached(
                        "SELECT id, key, signature FROM one_time_keys WHERE device_id = ?1 ORDER BY id LIMIT 1",
                    )?
                    .query_row([&device_id], |r| {
                        Ok((r.get(0)?, WireOneTimeKey { key: r.get(1)?, signature: r.get(2)? }))
                    })
                    .optional()?;
                let fallback_key = match &key {
                    Some((id, _)) => {
                        tx.execute("DELETE FROM one_time_keys WHERE id = ?1", [id])?;
                        None
                    }
                    None => tx
                        .prepare_cached("SELECT key, signature FROM fallback_keys WHERE device_id = ?1")?
                        .query_row([&device_id], |r| {
                            Ok(WireOneTimeKey { key: r.get(0)?, signature: r.get(1)? })
                        })
                        .optional()?,
                };
                claimed.push(ClaimedDevice {
                    device_id,
                    identity,
                    one_time_key: key.map(|(_, k)| k),
                    account_signature,
                    fallback_key,
                });
            }
            tx.commit()?;
            Ok(claimed)
        })
        .await
    }

    async fn device_identity(&self, device_id: &str) -> StorageResult<Option<WireIdentity>> {
        let device_id = device_id.to_owned();
        self.with(move |c| {
            c.query_row(
                "SELECT curve25519, ed25519 FROM device_identities WHERE device_id = ?1",
                [device_id],
                |r| {
                    Ok(WireIdentity {
                        curve25519: r.get(0)?,
                        ed25519: r.get(1)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn deposit(&self, m: NewMessage) -> StorageResult<DepositOutcome> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let cutoff = m.now.saturating_sub(m.ttl_secs);
            let mut out = DepositOutcome::default();
            for e in &m.envelopes {
                let live: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1 AND account_id = ?2 AND revoked = 0)",
                    )?
                    .query_row(params![e.device_id, m.recipient_account], |r| r.get(0))?;
                if !live {
                    out.skipped.push(e.device_id.clone());
                    continue;
                }
                super::expiry::expire(&tx, cutoff, Some(&e.device_id))?;
                let duplicate: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM mailbox WHERE sender_device = ?1 AND client_message_id = ?2 AND recipient_device = ?3)",
                    )?
                    .query_row(params![m.sender_device, m.client_message_id, e.device_id], |r| r.get(0))?;
                if duplicate {
                    out.delivered_to.push(e.device_id.clone());
                    continue;
                }
                let waiting: i64 = tx
                    .prepare_cached("SELECT COUNT(*) FROM mailbox WHERE recipient_device = ?1")?
                    .query_row([&e.device_id], |r| r.get(0))?;
                if waiting >= i64::from(m.mailbox_cap) {
                    return Ok(Err(StorageError::MailboxFull));
                }
                let from_sender: i64 = tx
                    .prepare_cached(
                        "SELECT COUNT(*) FROM mailbox WHERE recipient_device = ?1 AND sender_account = ?2",
                    )?
                    .query_row(params![e.device_id, m.sender_account], |r| r.get(0))?;
                if from_sender >= i64::from(m.sender_cap) {
                    return Ok(Err(StorageError::SenderQuotaFull));
                }
                tx.prepare_cached(
                    "INSERT INTO mailbox (recipient_device, sender_account, sender_device, sender_key, client_message_id, kind, body, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![e.device_id, m.sender_account, m.sender_device, m.sender_key, m.client_message_id, e.kind, e.body, m.now])?;
                out.delivered_to.push(e.device_id.clone());
                out.newly_queued.push((e.device_id.clone(), count(waiting + 1)));
            }
            let current = tx
                .prepare_cached(
                    "SELECT d.id FROM devices d JOIN device_identities i ON i.device_id = d.id
                     WHERE d.account_id = ?1 AND d.revoked = 0 AND d.id <> ?2",
                )?
                .query_map(params![m.recipient_account, m.sender_device], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            out.missing = crate::storage::messaging::unaddressed(current, &m.envelopes);
            if !out.missing.is_empty() {
                out.list_version = tx
                    .prepare_cached("SELECT version FROM device_lists WHERE account_id = ?1")?
                    .query_row([&m.recipient_account], |r| r.get::<_, i64>(0))
                    .optional()?
                    .map(|v| v.max(0) as u64);
            }
            tx.commit()?;
            Ok(Ok(out))
        })
        .await?
    }

    async fn inbox(
        &self,
        device_id: &str,
        limit: u32,
        now: i64,
        ttl_secs: i64,
    ) -> StorageResult<(Vec<InboxMessage>, bool)> {
        let device_id = device_id.to_owned();
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            super::expiry::expire(&tx, now.saturating_sub(ttl_secs), Some(&device_id))?;
            let mut rows: Vec<InboxMessage> = tx
                .prepare_cached(
                    "SELECT id, sender_account, sender_device, sender_key, client_message_id, kind, body, received_at
                     FROM mailbox WHERE recipient_device = ?1 ORDER BY id LIMIT ?2",
                )?
                .query_map(params![device_id, i64::from(limit) + 1], |r| {
                    Ok(InboxMessage {
                        id: r.get::<_, i64>(0)?.max(0) as u64,
                        sender_account: r.get(1)?,
                        sender_device: r.get(2)?,
                        sender_key: r.get(3)?,
                        client_message_id: r.get(4)?,
                        kind: r.get(5)?,
                        body: r.get(6)?,
                        received_at: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            tx.commit()?;
            let more = rows.len() > limit as usize;
            rows.truncate(limit as usize);
            Ok((rows, more))
        })
        .await
    }

    async fn ack(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64> {
        let device_id = device_id.to_owned();
        let ids: Vec<i64> = ids
            .iter()
            .filter_map(|&id| i64::try_from(id).ok())
            .collect();
        self.with(move |c| {
            let tx = c.transaction()?;
            let mut deleted = 0u64;
            for id in &ids {
                deleted += tx
                    .prepare_cached("DELETE FROM mailbox WHERE id = ?1 AND recipient_device = ?2")?
                    .execute(params![id, device_id])? as u64;
            }
            tx.commit()?;
            Ok(deleted)
        })
        .await
    }

    async fn purge_expired(&self, cutoff: i64) -> StorageResult<u64> {
        self.with(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let expired = super::expiry::expire(&tx, cutoff, None)?;
            tx.commit()?;
            Ok(expired)
        })
        .await
    }

    async fn expiry_notices(
        &self,
        device_id: &str,
        limit: u32,
    ) -> StorageResult<Vec<ExpiredMessage>> {
        self.notices(device_id, limit).await
    }

    async fn ack_expiry_notices(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64> {
        self.drop_notices(device_id, ids).await
    }
}
