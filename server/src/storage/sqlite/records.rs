//! Sqlite backend: the record relay (pull pages, push batches under the push rule).

use super::*;

#[async_trait::async_trait]
impl RecordStore for SqliteStorage {
    async fn pull(
        &self,
        account_id: &str,
        cursor: u64,
        limit: u32,
        max_bytes: u64,
    ) -> StorageResult<(Vec<StoredRecord>, bool)> {
        let account_id = account_id.to_owned();
        self.with(move |c| {
            // Sizes first (no blobs), then exactly the rows that fit; one connection, so both
            // reads see the same state.
            let sizes: Vec<(i64, i64)> = c
                .prepare_cached(
                    "SELECT server_seq, length(blob) FROM records
                     WHERE account_id = ?1 AND server_seq > ?2 ORDER BY server_seq LIMIT ?3",
                )?
                .query_map(
                    params![account_id, cursor as i64, i64::from(limit) + 1],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect::<rusqlite::Result<_>>()?;
            let lens: Vec<u64> = sizes.iter().map(|&(_, l)| l.max(0) as u64).collect();
            let (n, more) = page_cut(&lens, limit as usize, max_bytes);
            let Some(&(last, _)) = n.checked_sub(1).and_then(|i| sizes.get(i)) else {
                return Ok((Vec::new(), more));
            };
            let rows = c
                .prepare_cached(
                    "SELECT id, kind, blob, deleted, server_seq FROM records
                     WHERE account_id = ?1 AND server_seq > ?2 AND server_seq <= ?3 ORDER BY server_seq",
                )?
                .query_map(params![account_id, cursor as i64, last], record)?
                .collect::<rusqlite::Result<_>>()?;
            Ok((rows, more))
        })
        .await
    }

    async fn push(
        &self,
        account_id: &str,
        device_id: &str,
        mutations: Vec<NewMutation>,
    ) -> StorageResult<PushOutcome> {
        let (account_id, device_id) = (account_id.to_owned(), device_id.to_owned());
        self.with(move |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut last: u64 = tx
                .query_row("SELECT last_mutation_seq FROM devices WHERE id = ?1 AND account_id = ?2", params![device_id, account_id], |r| r.get::<_, i64>(0))?
                .max(0) as u64;
            let mut next_seq: i64 = tx.query_row("SELECT next_seq FROM accounts WHERE id = ?1", [&account_id], |r| r.get(0))?;
            let mut results = Vec::with_capacity(mutations.len());
            for m in &mutations {
                let current = tx
                    .prepare_cached("SELECT id, kind, blob, deleted, server_seq FROM records WHERE account_id = ?1 AND id = ?2")?
                    .query_row(params![account_id, m.id], record)
                    .optional()?;
                let decision = decide(last, m, current.as_ref());
                if decision == Decision::Write {
                    next_seq += 1;
                    tx.prepare_cached(
                        "INSERT INTO records (account_id, id, kind, blob, deleted, server_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (account_id, id) DO UPDATE SET kind = excluded.kind, blob = excluded.blob, deleted = excluded.deleted, server_seq = excluded.server_seq",
                    )?
                    .execute(params![account_id, m.id, m.kind, m.blob, m.deleted, next_seq])?;
                }
                results.push(result_of(decision, m, current.as_ref(), next_seq.max(0) as u64));
                last = next_last(last, m.mutation_seq, decision);
            }
            tx.execute("UPDATE accounts SET next_seq = ?2 WHERE id = ?1", params![account_id, next_seq])?;
            tx.execute("UPDATE devices SET last_mutation_seq = ?2 WHERE id = ?1", params![device_id, last as i64])?;
            tx.commit()?;
            Ok(PushOutcome { results, last_mutation_seq: last })
        })
        .await
    }
}
