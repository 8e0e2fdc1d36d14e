//! The store's side of sync: which records are dirty, what was last agreed with the server,
//! the pull cursor and the device's mutation counter. Every step that must be atomic (a pulled
//! page merged together with the cursor; mutation numbers handed out) is one transaction.

use crate::error::StoreError;
use rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

use super::Store;
use crate::crypto::envelope;
use crate::crypto::envelope_v2::SealInput;
use crate::error::{CoreError, Result};
use crate::record::{RecordId, RecordKind};

const TOKEN_KIND: &str = "sync_token";
const DEVICE_STATE_KIND: &str = "device_state";

fn device_state_id(name: &str) -> RecordId {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("solace/device-state/{name}").as_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    RecordId(id)
}

/// The account this store syncs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAccount {
    /// Server base URL.
    pub server_url: String,
    /// Account name.
    pub username: String,
    /// Account id given by the server.
    pub account_id: String,
    /// This device's id on the server.
    pub device_id: String,
}

/// When a device token was issued and expires, Unix seconds (device clock for the issue time,
/// the server's word for the expiry).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenTimes {
    /// When this device received the token.
    pub issued_at: Option<i64>,
    /// When the server said it expires.
    pub expires_at: Option<i64>,
}

/// Sync progress as `solace status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncStatus {
    /// Server URL, if configured.
    pub server_url: Option<String>,
    /// Account name, if configured.
    pub username: Option<String>,
    /// Highest server sequence merged.
    pub cursor: u64,
    /// Records changed locally and not yet acknowledged by the server.
    pub pending: u64,
    /// Last successful sync, RFC 3339.
    pub last_sync_at: Option<String>,
    /// Last sync error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Server copies held aside because they did not authenticate, changed kind or rolled a
    /// record back (never applied).
    pub quarantined: u64,
}

/// A locally changed record waiting for upload.
#[derive(Debug, Clone)]
pub struct DirtyRecord {
    /// Record id.
    pub id: RecordId,
    /// Kind tag as stored.
    pub kind: String,
    /// The sealed envelope to upload as is.
    pub blob: Vec<u8>,
    /// Tombstone?
    pub deleted: bool,
    /// The server version this change is based on (0 if new to the server).
    pub base_seq: u64,
    /// The mutation number assigned to this upload.
    pub mutation_seq: u64,
    /// The change counter this upload covers.
    pub counter: i64,
    /// The sealed version of `blob` (0 for an envelope v1 blob).
    pub version: u64,
}

/// A record's local sync row, for merging a remote version into it.
#[derive(Debug, Clone)]
pub struct LocalRow {
    /// Sealed current blob (whether it is a tombstone is sealed inside it).
    pub blob: Vec<u8>,
    /// Changed since last agreed with the server?
    pub dirty: bool,
    /// Server version the local copy is based on.
    pub server_seq: u64,
    /// Sealed blob last agreed with the server.
    pub base_blob: Option<Vec<u8>>,
    /// Kind tag.
    pub kind: String,
    /// Sealed version of the local copy.
    pub version: u64,
    /// Version of the copy last accepted from the server: older server copies are rollbacks.
    pub base_version: u64,
}

/// An authenticated server copy, ready to be stored.
#[derive(Debug, Clone, Copy)]
pub struct RemoteCopy<'a> {
    /// Record id.
    pub id: &'a RecordId,
    /// The kind sealed inside (or bound by a v1 AAD).
    pub kind: &'a str,
    /// The sealed blob as the server sent it.
    pub blob: &'a [u8],
    /// Whether the sealed content says deleted.
    pub deleted: bool,
    /// The server's sequence number of this copy.
    pub server_seq: u64,
    /// The sealed version.
    pub version: u64,
}

/// A dirty record with its in-flight upload number/counter and raw id, as read from SQLite.
type DirtyRow = (DirtyRecord, Option<i64>, Option<i64>, Vec<u8>);

fn seq(v: i64) -> u64 {
    v.max(0) as u64
}

impl Store {
    fn token_id() -> RecordId {
        RecordId::singleton(RecordKind::Settings)
    }

    /// Records the account this store syncs with and its device token (sealed at rest), with
    /// unknown token times (no proactive refresh). See [`Store::set_sync_session`].
    pub fn set_sync_account(&mut self, account: &SyncAccount, token: &str) -> Result<()> {
        self.writable()?;
        self.set_sync_session(account, token, TokenTimes::default())
    }

    /// Records the account this store syncs with, its device token (sealed at rest) and when
    /// the token was issued and expires, so a sync can refresh it in time. Keeps the cursor,
    /// the pending edits and every device-local secret.
    pub fn set_sync_session(
        &mut self,
        account: &SyncAccount,
        token: &str,
        times: TokenTimes,
    ) -> Result<()> {
        self.writable()?;
        let keys = self.keys();
        let keyring = &keys.keyring;
        let sealed = envelope::seal(
            keyring.current()?,
            keyring.current_id(),
            &Self::token_id(),
            TOKEN_KIND,
            token.as_bytes(),
        )?;
        self.conn.execute(
            "INSERT INTO sync_state (id, server_url, username, account_id, device_id, token_sealed,
                                     token_issued_at, token_expires_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url,
                 username = excluded.username, account_id = excluded.account_id,
                 device_id = excluded.device_id, token_sealed = excluded.token_sealed,
                 token_issued_at = excluded.token_issued_at,
                 token_expires_at = excluded.token_expires_at",
            params![
                account.server_url,
                account.username,
                account.account_id,
                account.device_id,
                sealed,
                times.issued_at,
                times.expires_at
            ],
        )?;
        Ok(())
    }

    /// When the stored token was issued and expires (both `None` when unknown or when the
    /// store is not connected).
    pub fn token_times(&self) -> Result<TokenTimes> {
        let row = self
            .conn
            .query_row(
                "SELECT token_issued_at, token_expires_at FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(
            row.map_or_else(TokenTimes::default, |(issued_at, expires_at)| TokenTimes {
                issued_at,
                expires_at,
            }),
        )
    }

    /// The account-key proof (32 bytes) this device shows the server to change credentials or
    /// revoke devices; the server keeps only `SHA-256` of it. One-way: it reveals nothing
    /// about the account key.
    pub fn account_proof(&self) -> Result<crate::crypto::SecretKey> {
        self.keys().account_proof()
    }

    /// The configured sync account and its token, if any.
    pub fn sync_account(&self) -> Result<Option<(SyncAccount, Zeroizing<String>)>> {
        let row = self
            .conn
            .query_row(
                "SELECT server_url, username, account_id, device_id, token_sealed FROM sync_state WHERE id = 1",
                [],
                |r| {
                    Ok((
                        SyncAccount {
                            server_url: r.get(0)?,
                            username: r.get(1)?,
                            account_id: r.get(2)?,
                            device_id: r.get(3)?,
                        },
                        r.get::<_, Vec<u8>>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((account, sealed)) = row else {
            return Ok(None);
        };
        let env = envelope::parse(&sealed)?;
        let keys = self.keys();
        let key = keys.keyring.get(env.key_id)?;
        let token = envelope::open(&env, key, &Self::token_id(), TOKEN_KIND)?;
        let token = Zeroizing::new(
            String::from_utf8(token.to_vec()).map_err(|_| CoreError::Store(StoreError::Corrupt))?,
        );
        Ok(Some((account, token)))
    }

    /// Sync progress for display.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let row = self
            .conn
            .query_row(
                "SELECT server_url, username, cursor, last_sync_at, last_error FROM sync_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let pending = self.pending_changes()?;
        let quarantined = self.quarantined_count()?;
        Ok(match row {
            Some((url, user, cursor, last, err)) => SyncStatus {
                server_url: Some(url),
                username: Some(user),
                cursor: seq(cursor),
                pending,
                last_sync_at: last,
                last_error: err,
                quarantined,
            },
            None => SyncStatus {
                server_url: None,
                username: None,
                cursor: 0,
                pending,
                last_sync_at: None,
                last_error: None,
                quarantined,
            },
        })
    }

    /// Notes the outcome of a sync attempt.
    pub fn record_sync_outcome(&mut self, at: &str, error: Option<&str>) -> Result<()> {
        self.writable()?;
        match error {
            None => self.conn.execute(
                "UPDATE sync_state SET last_sync_at = ?1, last_error = NULL WHERE id = 1",
                [at],
            )?,
            Some(e) => self
                .conn
                .execute("UPDATE sync_state SET last_error = ?1 WHERE id = 1", [e])?,
        };
        Ok(())
    }

    /// The pull cursor.
    pub fn sync_cursor(&self) -> Result<u64> {
        let cursor: Option<i64> = self
            .conn
            .query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(seq(cursor.unwrap_or(0)))
    }

    /// Up to `limit` dirty records, each with a mutation number: a record whose upload was
    /// already numbered and has not changed since keeps its number (so a retry is a duplicate
    /// the server ignores); anything else gets the next number. One transaction.
    pub fn take_dirty(&mut self, limit: usize) -> Result<Vec<DirtyRecord>> {
        self.writable()?;
        let tx = self.conn.transaction()?;
        let mut next: i64 = tx.query_row(
            "SELECT next_mutation_seq FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        let rows: Vec<DirtyRow> = {
            let mut stmt = tx.prepare(
                "SELECT id, kind, blob, deleted, server_seq, change_counter, push_seq, push_counter,
                        version
                 FROM records WHERE change_counter > synced_counter
                 ORDER BY (push_seq IS NULL), push_seq, rowid LIMIT ?1",
            )?;
            let mapped = stmt.query_map([limit as i64], |r| {
                let raw_id: Vec<u8> = r.get(0)?;
                Ok((
                    DirtyRecord {
                        id: RecordId::from_slice(&raw_id).unwrap_or(RecordId([0; 16])),
                        kind: r.get(1)?,
                        blob: r.get(2)?,
                        deleted: r.get(3)?,
                        base_seq: seq(r.get::<_, Option<i64>>(4)?.unwrap_or(0)),
                        mutation_seq: 0,
                        counter: r.get(5)?,
                        version: seq(r.get(8)?),
                    },
                    r.get(6)?,
                    r.get(7)?,
                    raw_id,
                ))
            })?;
            mapped.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::with_capacity(rows.len());
        for (mut record, push_seq, push_counter, raw_id) in rows {
            if raw_id.len() != 16 {
                return Err(CoreError::Store(StoreError::Corrupt));
            }
            let mutation_seq = match (push_seq, push_counter) {
                (Some(s), Some(c)) if c == record.counter => s,
                _ => {
                    let s = next;
                    next += 1;
                    tx.execute(
                        "UPDATE records SET push_seq = ?2, push_counter = ?3 WHERE id = ?1",
                        params![raw_id, s, record.counter],
                    )?;
                    s
                }
            };
            record.mutation_seq = seq(mutation_seq);
            out.push(record);
        }
        tx.execute(
            "UPDATE sync_state SET next_mutation_seq = ?1 WHERE id = 1",
            [next],
        )?;
        tx.commit()?;
        crate::sort::sort_by_key(&mut out, |d| d.mutation_seq);
        Ok(out)
    }

    /// The server holds `record` as version `server_seq`: it is clean unless it changed
    /// again during the upload, and its sealed version becomes the rollback floor.
    pub fn mark_uploaded(&mut self, record: &DirtyRecord, server_seq: u64) -> Result<()> {
        self.writable()?;
        self.conn.execute(
            "UPDATE records SET synced_counter = max(synced_counter, ?2), server_seq = ?3,
                 base_blob = ?4, base_version = max(base_version, ?5),
                 push_seq = CASE WHEN change_counter = ?2 THEN NULL ELSE push_seq END,
                 push_counter = CASE WHEN change_counter = ?2 THEN NULL ELSE push_counter END
             WHERE id = ?1",
            params![
                &record.id.0[..],
                record.counter,
                server_seq as i64,
                record.blob,
                record.version as i64
            ],
        )?;
        Ok(())
    }

    /// The server does not hold `record`'s upload: forget its mutation number so the next
    /// push numbers it afresh (it stays dirty).
    pub fn renumber(&mut self, record: &DirtyRecord) -> Result<()> {
        self.writable()?;
        self.conn.execute(
            "UPDATE records SET push_seq = NULL, push_counter = NULL
             WHERE id = ?1 AND push_seq = ?2",
            params![&record.id.0[..], record.mutation_seq as i64],
        )?;
        Ok(())
    }

    /// The server says it holds no copy of `record` (lost, or withheld): the next push sends
    /// it as new (base 0) under a fresh mutation number. It stays dirty.
    pub fn forget_server_copy(&mut self, record: &DirtyRecord) -> Result<()> {
        self.writable()?;
        self.conn.execute(
            "UPDATE records SET server_seq = NULL, push_seq = NULL, push_counter = NULL
             WHERE id = ?1",
            [&record.id.0[..]],
        )?;
        Ok(())
    }

    /// Moves this device's mutation numbering past `server_last` (the server's last applied
    /// number for this device): a store restored from an older copy would otherwise reuse
    /// numbers the server already took. Returns whether it moved.
    pub fn rebase_mutation_seq(&mut self, server_last: u64) -> Result<bool> {
        self.writable()?;
        let next = i64::try_from(server_last.saturating_add(1)).unwrap_or(i64::MAX);
        let changed = self.conn.execute(
            "UPDATE sync_state SET next_mutation_seq = ?1 WHERE id = 1 AND next_mutation_seq < ?1",
            [next],
        )?;
        Ok(changed == 1)
    }

    /// The local sync row of `id`, if the record exists.
    pub fn local_row(&self, id: &RecordId) -> Result<Option<LocalRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT blob, change_counter > synced_counter, server_seq, base_blob, kind,
                        version, base_version
                 FROM records WHERE id = ?1",
                [&id.0[..]],
                |r| {
                    Ok(LocalRow {
                        blob: r.get(0)?,
                        dirty: r.get(1)?,
                        server_seq: seq(r.get::<_, Option<i64>>(2)?.unwrap_or(0)),
                        base_blob: r.get(3)?,
                        kind: r.get(4)?,
                        version: seq(r.get(5)?),
                        base_version: seq(r.get(6)?),
                    })
                },
            )
            .optional()?)
    }

    /// Stores an authenticated server copy as the clean local copy (no local changes pending).
    pub fn accept_remote(&mut self, copy: RemoteCopy<'_>) -> Result<()> {
        self.writable()?;
        self.conn
            .prepare_cached(
                "INSERT INTO records (id, kind, blob, deleted, change_counter, synced_counter,
                     server_seq, base_blob, version, base_version)
                 VALUES (?1, ?2, ?3, ?4, 0, 0, ?5, ?3, ?6, ?6)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, blob = excluded.blob,
                     deleted = excluded.deleted, synced_counter = change_counter,
                     server_seq = excluded.server_seq, base_blob = excluded.blob,
                     version = excluded.version, base_version = excluded.base_version,
                     push_seq = NULL, push_counter = NULL",
            )?
            .execute(params![
                &copy.id.0[..],
                copy.kind,
                copy.blob,
                copy.deleted,
                copy.server_seq as i64,
                copy.version as i64
            ])?;
        Ok(())
    }

    /// Stores the merge of a local change with the authenticated server copy `remote`: the
    /// merged content (`None`: deleted) becomes the local copy, sealed at a version above both
    /// sides, still dirty, now based on the server's copy.
    pub fn store_merged(
        &mut self,
        kind: RecordKind,
        body: Option<&[u8]>,
        local_version: u64,
        remote: RemoteCopy<'_>,
    ) -> Result<()> {
        self.writable()?;
        let version = local_version.max(remote.version) + 1;
        let blob = self.seal_record(SealInput {
            id: remote.id,
            kind: kind.tag(),
            version,
            deleted: body.is_none(),
            body: body.unwrap_or_default(),
        })?;
        self.conn.execute(
            "UPDATE records SET blob = ?2, deleted = ?3, change_counter = change_counter + 1,
                 server_seq = ?4, base_blob = ?5, push_seq = NULL, push_counter = NULL,
                 version = ?6, base_version = max(base_version, ?7)
             WHERE id = ?1",
            params![
                &remote.id.0[..],
                blob,
                body.is_none(),
                remote.server_seq as i64,
                remote.blob,
                version as i64,
                remote.version as i64
            ],
        )?;
        Ok(())
    }

    /// Holds a server copy aside that must not be applied (it did not open, changed kind or
    /// rolled back). Returns whether it is new (a copy already held is not counted twice).
    pub fn quarantine(
        &mut self,
        id: &RecordId,
        server_seq: u64,
        reason: &str,
        blob: &[u8],
        at: &str,
    ) -> Result<bool> {
        self.writable()?;
        let added = self.conn.execute(
            "INSERT OR IGNORE INTO quarantine (id, server_seq, reason, blob, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&id.0[..], server_seq as i64, reason, blob, at],
        )?;
        Ok(added == 1)
    }

    /// How many server copies are held in quarantine.
    pub fn quarantined_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM quarantine", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// Moves the pull cursor forward (never back).
    pub fn set_sync_cursor(&mut self, cursor: u64) -> Result<()> {
        self.writable()?;
        self.conn.execute(
            "UPDATE sync_state SET cursor = max(cursor, ?1) WHERE id = 1",
            [cursor as i64],
        )?;
        Ok(())
    }

    /// Stores a device-local secret (never synced) sealed under the current items key.
    pub fn put_device_state(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.writable()?;
        let id = device_state_id(name);
        let keys = self.keys();
        let keyring = &keys.keyring;
        let sealed = envelope::seal(
            keyring.current()?,
            keyring.current_id(),
            &id,
            DEVICE_STATE_KIND,
            bytes,
        )?;
        self.conn.execute(
            "INSERT INTO device_state (name, sealed) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed",
            params![name, sealed],
        )?;
        Ok(())
    }

    /// A device-local secret stored with [`Store::put_device_state`].
    pub fn device_state(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT sealed FROM device_state WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| self.open_sealed(DEVICE_STATE_KIND, &device_state_id(name), &s))
            .transpose()
    }

    /// Opens any sealed blob of `kind` for `id` (a remote version or a merge base).
    pub fn open_sealed(
        &self,
        kind: &str,
        id: &RecordId,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let env = envelope::parse(blob)?;
        let keys = self.keys();
        let key = keys.keyring.get(env.key_id)?;
        Ok(envelope::open(&env, key, id, kind)?)
    }
}
