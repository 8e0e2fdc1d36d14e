//! Sealed record CRUD: every body sealed in envelope v2 under the current items key, one
//! forward-only version per write, tombstones for deletion.

use rusqlite::{params, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use super::{decode, Store};
use crate::crypto::envelope;
use crate::crypto::envelope_v2::{self, SealInput};
use crate::error::{CoreError, InputProblem, Result, StoreError};
use crate::record::{RecordId, RecordKind};
use crate::vault::Unlocked;

impl Store {
    /// Seals `body` and writes it as record `id` of `kind`, replacing an earlier version and
    /// marking it changed for sync. Each write seals the next forward-only version (envelope
    /// v2). An id already used by another kind is refused.
    pub fn put_raw(&mut self, kind: RecordKind, id: &RecordId, body: &[u8]) -> Result<()> {
        self.writable()?;
        // Most saves create a record: seal version 1 and insert it in one statement. An id
        // that exists (an edit, a tombstone, another kind's id) inserts nothing and takes the
        // path that reads its version first.
        let first = self.seal_record(SealInput {
            id,
            kind: kind.tag(),
            version: 1,
            deleted: false,
            body,
        })?;
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO records (id, kind, blob, version) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![&id.0[..], kind.tag(), first])?;
        if inserted == 1 {
            return Ok(());
        }
        let current = self.current_version(kind, id)?;
        let blob = self.seal_record(SealInput {
            id,
            kind: kind.tag(),
            version: current + 1,
            deleted: false,
            body,
        })?;
        // `current_version` refused an id of another kind; one writer holds the store.
        self.conn
            .prepare_cached(
                "INSERT INTO records (id, kind, blob, version) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET blob = excluded.blob, deleted = 0,
                     change_counter = change_counter + 1, version = excluded.version",
            )?
            .execute(params![&id.0[..], kind.tag(), blob, (current + 1) as i64])?;
        Ok(())
    }

    /// Whether any record (live or a tombstone, of any kind) has this id: an import that
    /// derives its ids skips them, so a check-in deleted after an import stays deleted.
    pub(crate) fn id_taken(&self, id: &RecordId) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM records WHERE id = ?1")?;
        Ok(stmt
            .query_row([&id.0[..]], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The version of the local copy of `id` (0 if absent); another kind's id is refused.
    fn current_version(&self, kind: RecordKind, id: &RecordId) -> Result<u64> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, version FROM records WHERE id = ?1")?;
        let row: Option<(String, i64)> = stmt
            .query_row([&id.0[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match row {
            None => Ok(0),
            Some((k, _)) if k != kind.tag() => Err(CoreError::invalid(
                "record id",
                InputProblem::Rule("is already used by another kind"),
            )),
            Some((_, v)) => Ok(v.max(0) as u64),
        }
    }

    /// Seals a body in the legacy envelope v1 (tests of downgrade refusal only).
    #[cfg(test)]
    pub(crate) fn seal_v1_for_test(&self, kind: RecordKind, id: &RecordId, body: &[u8]) -> Vec<u8> {
        let keys = self.keys();
        envelope::seal(
            keys.keyring.current().unwrap(),
            keys.keyring.current_id(),
            id,
            kind.tag(),
            body,
        )
        .unwrap()
    }

    /// Seals a record in envelope v2 under the current items key.
    pub(crate) fn seal_record(&self, input: SealInput<'_>) -> Result<Vec<u8>> {
        let keys = self.keys();
        envelope_v2::seal(keys.keyring.current()?, keys.keyring.current_id(), input)
    }

    /// Serializes `value` and stores it like [`Store::put_raw`].
    pub fn put<T: Serialize>(&mut self, kind: RecordKind, id: &RecordId, value: &T) -> Result<()> {
        let body = Zeroizing::new(
            serde_json::to_vec(value)
                .map_err(|_| CoreError::MalformedRecord { kind: kind.tag() })?,
        );
        self.put_raw(kind, id, &body)
    }

    /// Authenticates and opens a record blob of either envelope version. `kind` is what a v1
    /// blob is opened under and what a v2 blob must contain (any kind when `None`, v2 only).
    pub fn open_record(
        &self,
        kind: Option<&str>,
        id: &RecordId,
        blob: &[u8],
    ) -> Result<envelope_v2::OpenedRecord> {
        open_record_with(&self.keys(), kind, id, blob)
    }

    /// The decrypted body of a live record, or `None` if it is absent or deleted.
    pub fn get_raw(&self, kind: RecordKind, id: &RecordId) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT blob FROM records WHERE id = ?1 AND kind = ?2 AND deleted = 0",
        )?;
        let blob: Option<Vec<u8>> = stmt
            .query_row(params![&id.0[..], kind.tag()], |r| r.get(0))
            .optional()?;
        blob.map(|b| open_live(&self.keys(), kind, id, &b))
            .transpose()
    }

    /// The decoded value of a live record, or `None` if it is absent or deleted.
    pub fn get<T: DeserializeOwned>(&self, kind: RecordKind, id: &RecordId) -> Result<Option<T>> {
        self.get_raw(kind, id)?
            .map(|body| decode(kind, &body))
            .transpose()
    }

    /// Number of live records of `kind`.
    pub fn count(&self, kind: RecordKind) -> Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM records WHERE kind = ?1 AND deleted = 0",
            [kind.tag()],
            |r| r.get(0),
        )?;
        Ok(count.unsigned_abs())
    }

    /// Deletes a record as a sealed tombstone (envelope v2 with the deleted flag and the next
    /// version): the id stays, so the deletion can sync and other devices can authenticate it.
    /// Returns false if there was no live record.
    pub fn delete(&mut self, kind: RecordKind, id: &RecordId) -> Result<bool> {
        self.writable()?;
        let live: Option<i64> = self
            .conn
            .query_row(
                "SELECT version FROM records WHERE id = ?1 AND kind = ?2 AND deleted = 0",
                params![&id.0[..], kind.tag()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(current) = live else {
            return Ok(false);
        };
        let version = current.max(0) as u64 + 1;
        let blob = self.seal_record(SealInput {
            id,
            kind: kind.tag(),
            version,
            deleted: true,
            body: b"",
        })?;
        let changed = self.conn.execute(
            "UPDATE records SET blob = ?3, deleted = 1, change_counter = change_counter + 1,
                 version = ?4
             WHERE id = ?1 AND kind = ?2 AND deleted = 0",
            params![&id.0[..], kind.tag(), blob, version as i64],
        )?;
        Ok(changed == 1)
    }

    /// Finds the live record of `kind` whose hex id starts with `prefix` (at least 4 chars).
    pub fn resolve_prefix(&self, kind: RecordKind, prefix: &str) -> Result<RecordId> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(CoreError::invalid("id", InputProblem::TooShort { min: 4 }));
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM records WHERE kind = ?1 AND deleted = 0
             AND lower(hex(id)) LIKE ?2 || '%' LIMIT 2",
        )?;
        let ids = stmt
            .query_map(params![kind.tag(), prefix], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        match ids.as_slice() {
            [one] => RecordId::from_slice(one).ok_or(CoreError::Store(StoreError::Corrupt)),
            [] => Err(CoreError::NotFound(kind.tag())),
            _ => Err(CoreError::AmbiguousId),
        }
    }

    /// Runs `f` inside one SQLite transaction: all of its writes land, or none do. Called
    /// inside another `atomically`, it joins that transaction.
    pub fn atomically<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.writable()?;
        // Already inside a transaction: join it (the outer one commits or rolls back).
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        match f(self) {
            Ok(value) => {
                self.conn.prepare_cached("COMMIT")?.execute([])?;
                Ok(value)
            }
            Err(err) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(err)
            }
        }
    }

    /// Number of records (of any kind, tombstones included) changed locally since their last
    /// upload: what `solace status` reports as pending.
    pub fn pending_changes(&self) -> Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM records WHERE change_counter > synced_counter",
            [],
            |r| r.get(0),
        )?;
        Ok(count.unsigned_abs())
    }

    /// Test hook: caps the database at its current size (`PRAGMA max_page_count` on this
    /// connection), so the next write needing a new page fails with a real `SQLITE_FULL`
    /// (`CoreError::DiskFull`), as on a full disk.
    #[cfg(test)]
    pub(crate) fn cap_size_for_tests(&self) -> Result<()> {
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "max_page_count", pages)?;
        Ok(())
    }
}

/// Opens a record blob with the given key state (see [`Store::open_record`]).
pub(super) fn open_record_with(
    keys: &Unlocked,
    kind: Option<&str>,
    id: &RecordId,
    blob: &[u8],
) -> Result<envelope_v2::OpenedRecord> {
    let env = envelope::parse(blob)?;
    let key = keys.keyring.get(env.key_id)?;
    Ok(envelope_v2::open_record(&env, key, id, kind)?)
}

/// Opens a live record of `kind`: a tombstone where a live record was expected is malformed.
pub(super) fn open_live(
    keys: &Unlocked,
    kind: RecordKind,
    id: &RecordId,
    blob: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let opened = open_record_with(keys, Some(kind.tag()), id, blob)?;
    if opened.deleted {
        return Err(CoreError::MalformedRecord { kind: kind.tag() });
    }
    Ok(opened.body)
}
