//! Postgres backend: the record relay (pull pages, push batches under the push rule).

use super::*;

#[async_trait::async_trait]
impl RecordStore for PostgresStorage {
    async fn pull(
        &self,
        account_id: &str,
        cursor: u64,
        limit: u32,
        max_bytes: u64,
    ) -> StorageResult<(Vec<StoredRecord>, bool)> {
        let mut c = self.client().await?;
        // Sizes first (no blobs), then exactly the rows that fit, in one snapshot.
        let tx = c
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(pg_err)?;
        let sizes = tx
            .query(
                "SELECT server_seq, octet_length(blob)::BIGINT FROM records
                 WHERE account_id = $1 AND server_seq > $2 ORDER BY server_seq LIMIT $3",
                &[&account_id, &(cursor as i64), &(i64::from(limit) + 1)],
            )
            .await
            .map_err(pg_err)?;
        let lens: Vec<u64> = sizes.iter().map(|r| u(r.get(1))).collect();
        let (n, more) = page_cut(&lens, limit as usize, max_bytes);
        let Some(last) = n.checked_sub(1).and_then(|i| sizes.get(i)) else {
            return Ok((Vec::new(), more));
        };
        let last: i64 = last.get(0);
        let rows = tx
            .query(
                "SELECT id, kind, blob, deleted, server_seq FROM records
                 WHERE account_id = $1 AND server_seq > $2 AND server_seq <= $3 ORDER BY server_seq",
                &[&account_id, &(cursor as i64), &last],
            )
            .await
            .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok((rows.iter().map(record).collect(), more))
    }

    async fn push(
        &self,
        account_id: &str,
        device_id: &str,
        mutations: Vec<NewMutation>,
    ) -> StorageResult<PushOutcome> {
        let mut c = self.client().await?;
        let tx = c.transaction().await.map_err(pg_err)?;
        let mut next_seq: i64 = tx
            .query_one(
                "SELECT next_seq FROM accounts WHERE id = $1 FOR UPDATE",
                &[&account_id],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        let mut last = u(tx
            .query_one("SELECT last_mutation_seq FROM devices WHERE id = $1 AND account_id = $2 FOR UPDATE", &[&device_id, &account_id])
            .await
            .map_err(pg_err)?
            .get(0));
        let select = tx
            .prepare_cached("SELECT id, kind, blob, deleted, server_seq FROM records WHERE account_id = $1 AND id = $2")
            .await
            .map_err(pg_err)?;
        let upsert = tx
            .prepare_cached(
                "INSERT INTO records (account_id, id, kind, blob, deleted, server_seq) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (account_id, id) DO UPDATE SET kind = EXCLUDED.kind, blob = EXCLUDED.blob, deleted = EXCLUDED.deleted, server_seq = EXCLUDED.server_seq",
            )
            .await
            .map_err(pg_err)?;
        let mut results = Vec::with_capacity(mutations.len());
        for m in &mutations {
            let current = tx
                .query_opt(&select, &[&account_id, &m.id])
                .await
                .map_err(pg_err)?
                .map(|r| record(&r));
            let decision = decide(last, m, current.as_ref());
            if decision == Decision::Write {
                next_seq += 1;
                tx.execute(
                    &upsert,
                    &[&account_id, &m.id, &m.kind, &m.blob, &m.deleted, &next_seq],
                )
                .await
                .map_err(pg_err)?;
            }
            results.push(result_of(decision, m, current.as_ref(), u(next_seq)));
            last = next_last(last, m.mutation_seq, decision);
        }
        tx.execute(
            "UPDATE accounts SET next_seq = $2 WHERE id = $1",
            &[&account_id, &next_seq],
        )
        .await
        .map_err(pg_err)?;
        tx.execute(
            "UPDATE devices SET last_mutation_seq = $2 WHERE id = $1",
            &[&device_id, &(last as i64)],
        )
        .await
        .map_err(pg_err)?;
        if results
            .iter()
            .any(|r| matches!(r, solace_protocol::MutationResult::Applied { .. }))
        {
            super::notify_change(&tx, account_id).await?;
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(PushOutcome {
            results,
            last_mutation_seq: last,
        })
    }
}
