//! Postgres backend: therapist profiles, links, the Olm key directory and mailboxes.

use super::*;

#[async_trait::async_trait]
impl MessagingStore for PostgresStorage {
    async fn put_profile(&self, account_id: &str, profile: &TherapistProfile) -> StorageResult<()> {
        let text = profile_text(profile)?;
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        lock_accounts(&tx, &[account_id]).await?;
        tx.execute(
            "INSERT INTO profiles (account_id, profile) VALUES ($1, $2)
             ON CONFLICT (account_id) DO UPDATE SET profile = EXCLUDED.profile",
            &[&account_id, &text],
        )
        .await
        .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)
    }

    async fn profile(&self, account_id: &str) -> StorageResult<Option<TherapistProfile>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT profile FROM profiles WHERE account_id = $1",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        row.map(|r| parse_profile(r.get(0))).transpose()
    }

    async fn all_profiles(&self) -> StorageResult<Vec<(String, TherapistProfile)>> {
        let rows = self
            .client()
            .await?
            .query("SELECT account_id, profile FROM profiles", &[])
            .await
            .map_err(pg_err)?;
        rows.iter()
            .map(|r| Ok((r.get(0), parse_profile(r.get(1))?)))
            .collect()
    }

    async fn create_link(&self, l: &StoredLink) -> StorageResult<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        // Serialize link creation per unordered pair, so the either-role check below is exact
        // (the unique index covers only one orientation).
        let (lo, hi) = if l.client_id <= l.therapist_id {
            (&l.client_id, &l.therapist_id)
        } else {
            (&l.therapist_id, &l.client_id)
        };
        let pair = format!("solace-link:{lo}:{hi}");
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&pair])
            .await
            .map_err(pg_err)?;
        lock_accounts(&tx, &[&l.client_id, &l.therapist_id]).await?;
        let open: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM links WHERE state <> 'ended' AND
                   ((client_id = $1 AND therapist_id = $2) OR (client_id = $2 AND therapist_id = $1)))",
                &[&l.client_id, &l.therapist_id],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        if open {
            return Err(StorageError::Conflict);
        }
        tx.execute(
            "INSERT INTO links (id, client_id, client_name, therapist_id, therapist_name, state, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&l.link_id, &l.client_id, &l.client_name, &l.therapist_id, &l.therapist_name, &state_text(l.state), &l.created_at],
        )
        .await
        .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)
    }

    async fn links_for(&self, account_id: &str) -> StorageResult<Vec<StoredLink>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE client_id = $1 OR therapist_id = $1
                     ORDER BY created_at DESC, ord DESC"
                ),
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        rows.iter().map(link).collect()
    }

    async fn link(&self, link_id: &str) -> StorageResult<Option<StoredLink>> {
        self.client()
            .await?
            .query_opt(
                &format!("SELECT {LINK_COLUMNS} FROM links WHERE id = $1"),
                &[&link_id],
            )
            .await
            .map_err(pg_err)?
            .map(|r| link(&r))
            .transpose()
    }

    async fn set_link_state(
        &self,
        link_id: &str,
        from: Option<LinkState>,
        to: LinkState,
    ) -> StorageResult<bool> {
        let c = self.client().await?;
        let n = match from {
            None => {
                c.execute(
                    "UPDATE links SET state = $2 WHERE id = $1",
                    &[&link_id, &state_text(to)],
                )
                .await
            }
            Some(from) => {
                c.execute(
                    "UPDATE links SET state = $2 WHERE id = $1 AND state = $3",
                    &[&link_id, &state_text(to), &state_text(from)],
                )
                .await
            }
        }
        .map_err(pg_err)?;
        Ok(n == 1)
    }

    async fn linked(&self, a: &str, b: &str) -> StorageResult<bool> {
        let c = self.client().await?;
        let stmt = c
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM links WHERE state = 'active' AND
                   ((client_id = $1 AND therapist_id = $2) OR (client_id = $2 AND therapist_id = $1)))",
            )
            .await
            .map_err(pg_err)?;
        Ok(c.query_one(&stmt, &[&a, &b]).await.map_err(pg_err)?.get(0))
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
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        // FOR SHARE: a concurrent revocation waits for this transaction (and then deletes
        // what it added) instead of leaving keys behind for a revoked device.
        let live = tx
            .query_opt(
                "SELECT 1 FROM devices WHERE id = $1 AND account_id = $2 AND NOT revoked FOR SHARE",
                &[&device_id, &account_id],
            )
            .await
            .map_err(pg_err)?;
        if live.is_none() {
            return Err(StorageError::Conflict);
        }
        tx.execute(
            "INSERT INTO device_identities (device_id, curve25519, ed25519) VALUES ($1, $2, $3)
             ON CONFLICT (device_id) DO NOTHING",
            &[&device_id, &identity.curve25519, &identity.ed25519],
        )
        .await
        .map_err(pg_err)?;
        // FOR UPDATE serializes uploads of one device, so the cap holds.
        let stored = tx
            .query_one(
                "SELECT curve25519, ed25519 FROM device_identities WHERE device_id = $1 FOR UPDATE",
                &[&device_id],
            )
            .await
            .map_err(pg_err)?;
        if stored.get::<_, &str>(0) != identity.curve25519
            || stored.get::<_, &str>(1) != identity.ed25519
        {
            return Err(StorageError::Conflict);
        }
        if let Some(s) = account_signature {
            tx.execute(
                "UPDATE device_identities SET account_key = $2, account_signature = $3
                 WHERE device_id = $1",
                &[&device_id, &s.account_key, &s.signature],
            )
            .await
            .map_err(pg_err)?;
        }
        let mut held: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM one_time_keys WHERE device_id = $1",
                &[&device_id],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        let insert = tx
            .prepare_cached(
                "INSERT INTO one_time_keys (device_id, key, signature) VALUES ($1, $2, $3)
                 ON CONFLICT (device_id, key) DO NOTHING",
            )
            .await
            .map_err(pg_err)?;
        for k in one_time_keys {
            if held >= MAX_ONE_TIME_KEYS as i64 {
                break;
            }
            held += tx
                .execute(&insert, &[&device_id, &k.key, &k.signature])
                .await
                .map_err(pg_err)? as i64;
        }
        if let Some(k) = fallback_key {
            tx.execute(
                "INSERT INTO fallback_keys (device_id, key, signature) VALUES ($1, $2, $3)
                 ON CONFLICT (device_id) DO UPDATE SET key = excluded.key, signature = excluded.signature",
                &[&device_id, &k.key, &k.signature],
            )
            .await
            .map_err(pg_err)?;
        }
        let has_fallback: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM fallback_keys WHERE device_id = $1)",
                &[&device_id],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        tx.commit().await.map_err(pg_err)?;
        Ok(KeyCount {
            one_time_keys: count(held),
            fallback_key: has_fallback,
            device_list: None,
        })
    }

    async fn put_device_list(
        &self,
        account_id: &str,
        list: &WireDeviceList,
    ) -> StorageResult<bool> {
        let version = i64::try_from(list.version).map_err(|_| StorageError::Conflict)?;
        let text = serde_json::to_string(list).map_err(|e| StorageError::Backend(e.to_string()))?;
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        match lock_accounts(&tx, &[account_id]).await {
            Err(StorageError::Gone) => return Ok(false),
            other => other?,
        }
        let changed = if version == 1 {
            tx.execute(
                "INSERT INTO device_lists (account_id, version, list) VALUES ($1, 1, $2)
                 ON CONFLICT (account_id) DO NOTHING",
                &[&account_id, &text],
            )
            .await
        } else {
            tx.execute(
                "UPDATE device_lists SET version = $2, list = $3
                 WHERE account_id = $1 AND version = $4",
                &[&account_id, &version, &text, &(version - 1)],
            )
            .await
        }
        .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok(changed == 1)
    }

    async fn device_list(&self, account_id: &str) -> StorageResult<Option<WireDeviceList>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT list FROM device_lists WHERE account_id = $1",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        // A row that does not parse is served as no list (devices then accept nothing).
        Ok(row.and_then(|r| serde_json::from_str(r.get::<_, &str>(0)).ok()))
    }

    async fn claim_keys(
        &self,
        account_id: &str,
        exclude_device: Option<&str>,
        need: Option<&[String]>,
    ) -> StorageResult<Vec<ClaimedDevice>> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let devices = tx
            .query(
                "SELECT d.id, i.curve25519, i.ed25519, i.account_key, i.account_signature
                 FROM devices d JOIN device_identities i ON i.device_id = d.id
                 WHERE d.account_id = $1 AND NOT d.revoked ORDER BY d.created",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?;
        // One statement per device takes the oldest key no concurrent claim holds, so two
        // claims never get the same key (a locked key is skipped, not waited for).
        let take = tx
            .prepare_cached(
                "DELETE FROM one_time_keys WHERE id = (
                   SELECT id FROM one_time_keys WHERE device_id = $1 ORDER BY id LIMIT 1
                   FOR UPDATE SKIP LOCKED)
                 RETURNING key, signature",
            )
            .await
            .map_err(pg_err)?;
        let fallback = tx
            .prepare_cached("SELECT key, signature FROM fallback_keys WHERE device_id = $1")
            .await
            .map_err(pg_err)?;
        let mut claimed = Vec::with_capacity(devices.len());
        for d in &devices {
            let device_id: String = d.get(0);
            if exclude_device == Some(device_id.as_str()) {
                continue;
            }
            let identity = WireIdentity {
                curve25519: d.get(1),
                ed25519: d.get(2),
            };
            let account_signature = d
                .get::<_, Option<String>>(3)
                .zip(d.get::<_, Option<String>>(4))
                .map(|(account_key, signature)| WireDeviceSignature {
                    account_key,
                    signature,
                });
            if need.is_some_and(|n| !n.contains(&device_id)) {
                claimed.push(ClaimedDevice {
                    device_id,
                    identity,
                    one_time_key: None,
                    account_signature,
                    fallback_key: None,
                });
                continue;
            }
            let key = tx
                .query_opt(&take, &[&device_id])
                .await
                .map_err(pg_err)?
                .map(|r| WireOneTimeKey {
                    key: r.get(0),
                    signature: r.get(1),
                });
            let fallback_key = match key {
                Some(_) => None,
                None => tx
                    .query_opt(&fallback, &[&device_id])
                    .await
                    .map_err(pg_err)?
                    .map(|r| WireOneTimeKey {
                        key: r.get(0),
                        signature: r.get(1),
                    }),
            };
            claimed.push(ClaimedDevice {
                device_id,
                identity,
                one_time_key: key,
                account_signature,
                fallback_key,
            });
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(claimed)
    }

    async fn device_identity(&self, device_id: &str) -> StorageResult<Option<WireIdentity>> {
        Ok(self
            .client()
            .await?
            .query_opt(
                "SELECT curve25519, ed25519 FROM device_identities WHERE device_id = $1",
                &[&device_id],
            )
            .await
            .map_err(pg_err)?
            .map(|r| WireIdentity {
                curve25519: r.get(0),
                ed25519: r.get(1),
            }))
    }

    async fn deposit(&self, m: NewMessage) -> StorageResult<DepositOutcome> {
        self.deposit_message(m).await
    }

    async fn inbox(
        &self,
        device_id: &str,
        limit: u32,
        now: i64,
        ttl_secs: i64,
    ) -> StorageResult<(Vec<InboxMessage>, bool)> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        super::expiry::expire(&tx, now.saturating_sub(ttl_secs), Some(device_id)).await?;
        tx.commit().await.map_err(pg_err)?;
        let stmt = c
            .prepare_cached(
                "SELECT id, sender_account, sender_device, sender_key, client_message_id, kind, body, received_at
                 FROM mailbox WHERE recipient_device = $1 ORDER BY id LIMIT $2",
            )
            .await
            .map_err(pg_err)?;
        let rows = c
            .query(&stmt, &[&device_id, &(i64::from(limit) + 1)])
            .await
            .map_err(pg_err)?;
        let mut messages: Vec<InboxMessage> = rows
            .iter()
            .map(|r| InboxMessage {
                id: u(r.get(0)),
                sender_account: r.get(1),
                sender_device: r.get(2),
                sender_key: r.get(3),
                client_message_id: r.get(4),
                kind: u8::try_from(r.get::<_, i16>(5)).unwrap_or(u8::MAX),
                body: r.get(6),
                received_at: r.get(7),
            })
            .collect();
        let more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        Ok((messages, more))
    }

    async fn ack(&self, device_id: &str, ids: &[u64]) -> StorageResult<u64> {
        let ids: Vec<i64> = ids
            .iter()
            .filter_map(|&id| i64::try_from(id).ok())
            .collect();
        self.client()
            .await?
            .execute(
                "DELETE FROM mailbox WHERE recipient_device = $1 AND id = ANY($2)",
                &[&device_id, &ids],
            )
            .await
            .map_err(pg_err)
    }

    async fn purge_expired(&self, cutoff: i64) -> StorageResult<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let expired = super::expiry::expire(&tx, cutoff, None).await?;
        tx.commit().await.map_err(pg_err)?;
        Ok(expired)
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
