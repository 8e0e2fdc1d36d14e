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
        let c = self.client().await?;
        // One statement (one snapshot, one round trip): the next `limit + 1` records with
        // their running blob size; only the prefix that fits the page comes back, and the
        // count of what was looked at says whether more follow (the rule of `page_cut`).
        let stmt = c
            .prepare_cached(
                "SELECT id, kind, blob, deleted, server_seq, looked FROM (
                   SELECT id, kind, blob, deleted, server_seq,
                          sum(octet_length(blob)) OVER (ORDER BY server_seq) AS running,
                          row_number() OVER (ORDER BY server_seq) AS n,
                          count(*) OVER () AS looked
                   FROM (SELECT id, kind, blob, deleted, server_seq FROM records
                         WHERE account_id = $1 AND server_seq > $2
                         ORDER BY server_seq LIMIT $3) page
                 ) t
                 WHERE n <= $4 AND (running <= $5 OR n = 1)
                 ORDER BY server_seq",
            )
            .await
            .map_err(pg_err)?;
        let rows = c
            .query(
                &stmt,
                &[
                    &account_id,
                    &(cursor.min(i64::MAX as u64) as i64),
                    &(i64::from(limit) + 1),
                    &i64::from(limit),
                    &(max_bytes.min(i64::MAX as u64) as i64),
                ],
            )
            .await
            .map_err(pg_err)?;
        let looked = rows.first().map_or(0, |r| u(r.get::<_, i64>(5)));
        let more = (rows.len() as u64) < looked;
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
        // Every statement is prepared once per connection and each step is one round trip:
        // the account row and the device row locked together (the account's lock orders
        // concurrent pushes through any node, so `server_seq`s never repeat).
        let lock = tx
            .prepare_cached(
                "SELECT a.next_seq, d.last_mutation_seq FROM accounts a
                 JOIN devices d ON d.account_id = a.id
                 WHERE a.id = $1 AND d.id = $2 FOR UPDATE",
            )
            .await
            .map_err(pg_err)?;
        let row = tx
            .query_one(&lock, &[&account_id, &device_id])
            .await
            .map_err(pg_err)?;
        let mut next_seq: i64 = row.get(0);
        let first_seq = next_seq;
        let mut last = u(row.get(1));
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
        // Both counters and, when something was written, the wake-up for other nodes'
        // long polls (delivered by PostgreSQL at commit), in one statement.
        let finish = tx
            .prepare_cached(
                "WITH a AS (UPDATE accounts SET next_seq = $2 WHERE id = $1 AND next_seq <> $2),
                      d AS (UPDATE devices SET last_mutation_seq = $4 WHERE id = $3)
                 SELECT pg_notify($5, $1) WHERE $6",
            )
            .await
            .map_err(pg_err)?;
        tx.query(
            &finish,
            &[
                &account_id,
                &next_seq,
                &device_id,
                &(last as i64),
                &crate::live::CHANNEL,
                &(next_seq != first_seq),
            ],
        )
        .await
        .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok(PushOutcome {
            results,
            last_mutation_seq: last,
        })
    }
}
