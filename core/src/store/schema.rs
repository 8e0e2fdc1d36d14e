//! Numbered schema migrations. Each runs in its own transaction together with the
//! `user_version` bump, so a crash leaves the store at the previous version, never half-way.
//! Append new migrations; never edit a released one.

use crate::error::StoreError;
use rusqlite::Connection;

use crate::error::{CoreError, Result};

/// Migration scripts; index `i` upgrades the store from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // v1: vault header, items keys, encrypted records with their sync metadata.
    "CREATE TABLE vault (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        vault_id TEXT NOT NULL,
        kdf_memory_kib INTEGER NOT NULL,
        kdf_iterations INTEGER NOT NULL,
        kdf_parallelism INTEGER NOT NULL,
        salt BLOB NOT NULL,
        account_key_by_kek BLOB NOT NULL,
        account_key_by_recovery BLOB NOT NULL,
        account_key_by_device BLOB
    );
    CREATE TABLE items_keys (
        key_id INTEGER PRIMARY KEY,
        wrapped BLOB NOT NULL
    );
    CREATE TABLE records (
        id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
        kind TEXT NOT NULL,
        blob BLOB NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        change_counter INTEGER NOT NULL DEFAULT 1,
        synced_counter INTEGER NOT NULL DEFAULT 0,
        server_seq INTEGER
    );
    CREATE INDEX records_by_kind ON records (kind, deleted);",
    // v2: sync bookkeeping. base_blob is the version last agreed with the server (the base of
    // three-way merges); push_seq/push_counter remember an in-flight upload so a retry reuses
    // its mutation sequence number and the server applies it once.
    "ALTER TABLE records ADD COLUMN base_blob BLOB;
    ALTER TABLE records ADD COLUMN push_seq INTEGER;
    ALTER TABLE records ADD COLUMN push_counter INTEGER;
    CREATE INDEX records_dirty ON records (change_counter, synced_counter);
    CREATE TABLE sync_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        server_url TEXT NOT NULL,
        username TEXT NOT NULL,
        account_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        token_sealed BLOB NOT NULL,
        cursor INTEGER NOT NULL DEFAULT 0,
        next_mutation_seq INTEGER NOT NULL DEFAULT 1,
        last_sync_at TEXT,
        last_error TEXT
    );",
    // v3: per-device secrets that must never sync (the Olm account and its sessions), each
    // sealed in an envelope like every record.
    "CREATE TABLE device_state (
        name TEXT PRIMARY KEY,
        sealed BLOB NOT NULL
    );",
    // v4: messaging, device-local (each device receives its own copy from its mailbox).
    // Content is sealed; in clear are only opaque peer account ids, times and statuses, which
    // the conversation list and unread counts need without decrypting everything.
    "CREATE TABLE conversations (
        peer_account TEXT PRIMARY KEY,
        sealed BLOB NOT NULL
    );
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        peer_account TEXT NOT NULL,
        at INTEGER NOT NULL,
        outgoing INTEGER NOT NULL,
        status TEXT NOT NULL,
        sealed BLOB NOT NULL
    );
    CREATE INDEX messages_by_peer ON messages (peer_account, at);
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_message_id TEXT NOT NULL UNIQUE,
        peer_account TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        wedged INTEGER NOT NULL DEFAULT 0,
        sealed BLOB NOT NULL
    );
    CREATE TABLE inbound_seen (
        sender_key TEXT NOT NULL,
        client_message_id TEXT NOT NULL,
        PRIMARY KEY (sender_key, client_message_id)
    );",
    // v5: authenticate before storing. `version` is the forward-only counter sealed inside an
    // envelope v2 (0 for v1 blobs); `base_version` is the version of the copy last accepted
    // from the server, below which a server copy is a rollback. Server copies that do not open,
    // change kind or roll back wait in `quarantine`, never touching `records`.
    // `token_issued_at` / `token_expires_at` (Unix seconds) let the device refresh its token
    // before it expires.
    "ALTER TABLE records ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE records ADD COLUMN base_version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE quarantine (
        id BLOB NOT NULL CHECK (length(id) = 16),
        server_seq INTEGER NOT NULL,
        reason TEXT NOT NULL,
        blob BLOB NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (id, server_seq)
    );
    ALTER TABLE sync_state ADD COLUMN token_expires_at INTEGER;
    ALTER TABLE sync_state ADD COLUMN token_issued_at INTEGER;",
    // v6: one index fewer to write per save. `records_dirty` served only the pending count
    // (the push query scans the table either way); an index on kind that also carries the
    // counters answers that count as a covering scan and still serves every per-kind query.
    "DROP INDEX records_dirty;
    DROP INDEX records_by_kind;
    CREATE INDEX records_by_kind_state ON records (kind, deleted, change_counter, synced_counter);",
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The store's schema version (0 for an empty file).
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Refuses stores written by a newer build.
pub fn check_supported(found: i64) -> Result<()> {
    if found > LATEST {
        return Err(CoreError::Store(StoreError::SchemaTooNew {
            found,
            supported: LATEST,
        }));
    }
    Ok(())
}

/// Brings the store up to [`LATEST`], one transaction per step.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current = version(conn)?;
    check_supported(current)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
        migrate(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", LATEST + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(CoreError::Store(StoreError::SchemaTooNew { .. }))
        ));
    }

    /// Names of the indexes on `records`.
    fn record_indexes(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn v6_keeps_one_kind_index_that_also_answers_the_pending_count() {
        let mut conn = Connection::open_in_memory().unwrap();
        // A store as version 5 left it, with a pending and a synced record.
        for (index, sql) in MIGRATIONS.iter().enumerate().take(5) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", index as i64 + 1)
                .unwrap();
        }
        assert_eq!(record_indexes(&conn), ["records_by_kind", "records_dirty"]);
        conn.execute_batch(
            "INSERT INTO records (id, kind, blob) VALUES (zeroblob(16), 'journal', x'00');
             INSERT INTO records (id, kind, blob, synced_counter) VALUES (randomblob(16), 'mood', x'00', 1);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(record_indexes(&conn), ["records_by_kind_state"]);
        let pending = "SELECT COUNT(*) FROM records WHERE change_counter > synced_counter";
        let count: i64 = conn.query_row(pending, [], |r| r.get(0)).unwrap();
        assert_eq!(count, 1);
        for (query, wanted) in [
            (pending, "COVERING INDEX records_by_kind_state"),
            (
                "SELECT id, blob FROM records WHERE kind = 'journal' AND deleted = 0",
                "INDEX records_by_kind_state (kind=? AND deleted=?)",
            ),
        ] {
            let plan: String = conn
                .query_row(&format!("EXPLAIN QUERY PLAN {query}"), [], |r| r.get(3))
                .unwrap();
            assert!(plan.contains(wanted), "{query}: {plan}");
        }
    }
}
