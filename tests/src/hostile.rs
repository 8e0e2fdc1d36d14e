//! A hostile server operator: direct edits to a running `solace server`'s own database
//! (SQLite through rusqlite, PostgreSQL through `psql`), the way an attacker who owns the
//! server would make them — rewritten, flipped, moved, replayed and deleted record rows,
//! changed kinds, junk items keys, expired tokens.
//!
//! Every edit that should reach a device gives the row a fresh `server_seq` taken from the
//! account's `next_seq` counter (as the server itself does), so it sorts after the device's
//! pull cursor and the device pulls it on its next sync.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::psql;

/// One row of the server's `records` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerRecord {
    /// Record id, hex.
    pub id: String,
    /// The kind column (a real kind for v1 records, an opaque one for sealed v2 records).
    pub kind: String,
    /// The stored envelope.
    pub blob: Vec<u8>,
    /// The clear `deleted` flag.
    pub deleted: bool,
    /// The row's sequence number.
    pub server_seq: i64,
}

/// Direct access to the database of a running server.
#[derive(Debug, Clone)]
pub enum ServerDb {
    /// The server's SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL of the server's own database.
    Postgres(String),
}

/// A SQL literal for `v` (single quotes doubled).
pub fn text(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

impl ServerDb {
    /// A SQL literal for the bytes `b` on this backend.
    pub fn blob(&self, b: &[u8]) -> String {
        match self {
            ServerDb::Sqlite(_) => format!("X'{}'", hex::encode(b)),
            ServerDb::Postgres(_) => format!("decode('{}', 'hex')", hex::encode(b)),
        }
    }

    /// A SQL literal for the boolean `v` on this backend.
    pub fn boolean(&self, v: bool) -> String {
        match (self, v) {
            (ServerDb::Sqlite(_), true) => "1".into(),
            (ServerDb::Sqlite(_), false) => "0".into(),
            (ServerDb::Postgres(_), true) => "TRUE".into(),
            (ServerDb::Postgres(_), false) => "FALSE".into(),
        }
    }

    /// Runs statements (one transaction) that return nothing.
    pub fn exec(&self, sql: &str) {
        match self {
            ServerDb::Sqlite(path) => {
                let conn = self.sqlite(path);
                conn.execute_batch(&format!("BEGIN IMMEDIATE; {sql}; COMMIT;"))
                    .unwrap_or_else(|e| panic!("sqlite: {e}: {sql}"));
            }
            ServerDb::Postgres(url) => {
                psql(url, &format!("BEGIN; {sql}; COMMIT;"));
            }
        }
    }

    /// Runs a query and returns its rows, every value as text (blobs must be selected as hex).
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        match self {
            ServerDb::Sqlite(path) => {
                let conn = self.sqlite(path);
                let mut stmt = conn
                    .prepare(sql)
                    .unwrap_or_else(|e| panic!("sqlite: {e}: {sql}"));
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| {
                                Ok(match r.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => String::new(),
                                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                                    rusqlite::types::ValueRef::Text(t) => {
                                        String::from_utf8_lossy(t).into_owned()
                                    }
                                    rusqlite::types::ValueRef::Blob(b) => hex::encode(b),
                                })
                            })
                            .collect::<rusqlite::Result<Vec<String>>>()
                    })
                    .unwrap_or_else(|e| panic!("sqlite: {e}: {sql}"));
                rows.collect::<rusqlite::Result<_>>()
                    .unwrap_or_else(|e| panic!("sqlite: {e}: {sql}"))
            }
            ServerDb::Postgres(url) => {
                let out = Command::new("psql")
                    .args([url.as_str(), "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t"])
                    .args(["-F", "\t", "-c", sql])
                    .output()
                    .expect("psql must be installed for PostgreSQL tests");
                assert!(
                    out.status.success(),
                    "psql failed: {}: {sql}",
                    String::from_utf8_lossy(&out.stderr)
                );
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(|l| l.split('\t').map(str::to_owned).collect())
                    .collect()
            }
        }
    }

    fn sqlite(&self, path: &PathBuf) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(path).expect("open the server's SQLite file");
        conn.busy_timeout(Duration::from_secs(10))
            .expect("busy timeout");
        conn
    }

    /// The id of the account named `username`.
    pub fn account_id(&self, username: &str) -> String {
        let rows = self.query(&format!(
            "SELECT id FROM accounts WHERE username = {}",
            text(username)
        ));
        rows.first()
            .and_then(|r| r.first())
            .cloned()
            .unwrap_or_else(|| panic!("no account {username} on the server"))
    }

    /// Every record row of `account`, in `server_seq` order.
    pub fn records(&self, account: &str) -> Vec<ServerRecord> {
        let hex_blob = match self {
            ServerDb::Sqlite(_) => "hex(blob)",
            ServerDb::Postgres(_) => "encode(blob, 'hex')",
        };
        let deleted = match self {
            ServerDb::Sqlite(_) => "deleted",
            ServerDb::Postgres(_) => "CASE WHEN deleted THEN 1 ELSE 0 END",
        };
        self.query(&format!(
            "SELECT id, kind, {hex_blob}, {deleted}, server_seq FROM records \
             WHERE account_id = {} ORDER BY server_seq",
            text(account)
        ))
        .into_iter()
        .map(|r| ServerRecord {
            id: r[0].clone(),
            kind: r[1].clone(),
            blob: hex::decode(&r[2]).expect("hex from the database"),
            deleted: r[3] == "1",
            server_seq: r[4].parse().expect("server_seq"),
        })
        .collect()
    }

    /// The row of record `id`.
    pub fn record(&self, account: &str, id: &str) -> ServerRecord {
        self.records(account)
            .into_iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("record {id} is not on the server"))
    }

    /// Takes the account's next sequence number, as the server does for a new version.
    pub fn next_seq(&self, account: &str) -> i64 {
        self.exec(&format!(
            "UPDATE accounts SET next_seq = next_seq + 1 WHERE id = {}",
            text(account)
        ));
        let rows = self.query(&format!(
            "SELECT next_seq FROM accounts WHERE id = {}",
            text(account)
        ));
        rows[0][0].parse().expect("next_seq")
    }

    /// Overwrites record `id` (which must exist) with these columns at a fresh `server_seq`,
    /// so devices pull it as a new version.
    pub fn rewrite(&self, account: &str, id: &str, kind: &str, blob: &[u8], deleted: bool) {
        let seq = self.next_seq(account);
        self.exec(&format!(
            "UPDATE records SET kind = {}, blob = {}, deleted = {}, server_seq = {seq} \
             WHERE account_id = {} AND id = {}",
            text(kind),
            self.blob(blob),
            self.boolean(deleted),
            text(account),
            text(id)
        ));
    }

    /// Writes `rows` back (inserting any that are missing) at fresh sequence numbers, in one
    /// transaction: devices pull each of them again.
    pub fn put_fresh(&self, account: &str, rows: &[ServerRecord]) {
        let rows_now = self.query(&format!(
            "SELECT next_seq FROM accounts WHERE id = {}",
            text(account)
        ));
        let mut seq: i64 = rows_now[0][0].parse().expect("next_seq");
        let mut sql = format!(
            "DELETE FROM records WHERE account_id = {} AND id IN ({})",
            text(account),
            rows.iter()
                .map(|r| text(&r.id))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for r in rows {
            seq += 1;
            sql.push_str(&format!(
                "; INSERT INTO records (account_id, id, kind, blob, deleted, server_seq) \
                 VALUES ({}, {}, {}, {}, {}, {seq})",
                text(account),
                text(&r.id),
                text(&r.kind),
                self.blob(&r.blob),
                self.boolean(r.deleted),
            ));
        }
        sql.push_str(&format!(
            "; UPDATE accounts SET next_seq = {seq} WHERE id = {}",
            text(account)
        ));
        self.exec(&sql);
    }

    /// Flips one bit of record `id`'s blob at byte `at` (modulo its length), re-sequenced.
    pub fn flip_byte(&self, account: &str, id: &str, at: usize) {
        let r = self.record(account, id);
        let mut blob = r.blob.clone();
        let i = at % blob.len().max(1);
        if let Some(b) = blob.get_mut(i) {
            *b ^= 0x01;
        }
        self.rewrite(account, id, &r.kind, &blob, r.deleted);
    }

    /// Gives record `to` the genuine blob (and kind) of record `from`, re-sequenced.
    pub fn move_blob(&self, account: &str, from: &str, to: &str) {
        let source = self.record(account, from);
        let target = self.record(account, to);
        self.rewrite(account, to, &source.kind, &source.blob, target.deleted);
    }

    /// Marks record `id` deleted with `junk` as its blob, re-sequenced.
    pub fn delete_with_junk(&self, account: &str, id: &str, junk: &[u8]) {
        let r = self.record(account, id);
        self.rewrite(account, id, &r.kind, junk, true);
    }

    /// Sets only the clear `deleted` flag of record `id` (its genuine blob kept), re-sequenced.
    pub fn flag_deleted(&self, account: &str, id: &str) {
        let r = self.record(account, id);
        self.rewrite(account, id, &r.kind, &r.blob, true);
    }

    /// Changes the kind column of record `id`, re-sequenced.
    pub fn set_kind(&self, account: &str, id: &str, kind: &str) {
        let r = self.record(account, id);
        self.rewrite(account, id, kind, &r.blob, r.deleted);
    }

    /// Puts an older genuine version (`old`, captured earlier) back, re-sequenced: a rollback.
    pub fn replay(&self, account: &str, old: &ServerRecord) {
        self.rewrite(account, &old.id, &old.kind, &old.blob, old.deleted);
    }

    /// Removes record `id` from the server (withholding it).
    pub fn delete_row(&self, account: &str, id: &str) {
        self.exec(&format!(
            "DELETE FROM records WHERE account_id = {} AND id = {}",
            text(account),
            text(id)
        ));
    }

    /// Puts the account's record rows back exactly as `rows` (an earlier honest snapshot):
    /// rows not in it are removed, the others rewritten with their original `server_seq`.
    /// The account's `next_seq` is never lowered.
    pub fn restore(&self, account: &str, rows: &[ServerRecord]) {
        let mut sql = format!("DELETE FROM records WHERE account_id = {}", text(account));
        for r in rows {
            sql.push_str(&format!(
                "; INSERT INTO records (account_id, id, kind, blob, deleted, server_seq) \
                 VALUES ({}, {}, {}, {}, {}, {})",
                text(account),
                text(&r.id),
                text(&r.kind),
                self.blob(&r.blob),
                self.boolean(r.deleted),
                r.server_seq
            ));
        }
        self.exec(&sql);
    }

    /// The account's items-key ids.
    pub fn items_key_ids(&self, account: &str) -> Vec<i64> {
        self.query(&format!(
            "SELECT key_id FROM items_keys WHERE account_id = {} ORDER BY key_id",
            text(account)
        ))
        .into_iter()
        .map(|r| r[0].parse().expect("key_id"))
        .collect()
    }

    /// Adds an items key that does not open (junk wrapped bytes) under `key_id`.
    pub fn insert_items_key(&self, account: &str, key_id: i64, junk: &[u8]) {
        self.exec(&format!(
            "INSERT INTO items_keys (account_id, key_id, wrapped) VALUES ({}, {key_id}, {})",
            text(account),
            self.blob(junk)
        ));
    }

    /// Expires every token the server holds: each `*expires*` column of each table whose name
    /// mentions tokens is set to the distant past (1 second after the epoch).
    pub fn expire_tokens(&self) {
        let columns = match self {
            ServerDb::Sqlite(_) => {
                let tables = self.query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%token%'",
                );
                let mut out = Vec::new();
                for t in tables {
                    for c in self.query(&format!("PRAGMA table_info({})", t[0])) {
                        out.push((t[0].clone(), c[1].clone()));
                    }
                }
                out
            }
            ServerDb::Postgres(_) => self
                .query(
                    "SELECT table_name, column_name FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name LIKE '%token%'",
                )
                .into_iter()
                .map(|r| (r[0].clone(), r[1].clone()))
                .collect(),
        };
        let updates: Vec<String> = columns
            .iter()
            .filter(|(_, c)| c.contains("expires"))
            .map(|(t, c)| format!("UPDATE {t} SET {c} = 1"))
            .collect();
        assert!(!updates.is_empty(), "no token expiry column found");
        self.exec(&updates.join("; "));
    }
}

/// `n` deterministic junk bytes derived from `seed` (xorshift).
pub fn junk(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
