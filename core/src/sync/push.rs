//! Pushing local changes: screened, batched by the server's limits, and marked synced only when
//! the server holds that exact version.
//!
//! - A record that does not open locally (damaged) or exceeds the server's blob limit is not
//!   sent; it stays pending and never blocks the others or the pull.
//! - Batches respect the server's mutation-count and body-size limits. A batch the server
//!   refuses as too large or malformed is split until the one refused record is found; that
//!   record is set aside for this run.
//! - `Applied` marks a record synced at the server's version. `Duplicate` (the server does not
//!   hold this exact blob) never does: the record is renumbered, and when the server's counter
//!   for this device is ahead of ours (a store restored from an older copy) the numbering is
//!   re-based. A server that keeps answering `Duplicate` is reported as inconsistent.
//! - A conflict's current copy goes through the same authentication as a pulled record.

use crate::error::TransportError;
use solace_protocol as p;

use super::apply::{apply_remote, Applied};
use super::{ensure_keys, Run, StoreCell};
use crate::error::{CoreError, Result};
use crate::store::sync_state::DirtyRecord;

/// How many times the server may answer a push of one record without taking it, in one run:
/// then a run of duplicates calls the server inconsistent and a stuck conflict sets the record
/// aside.
const MAX_UNACCEPTED: u32 = 3;
/// Bytes of JSON around each mutation's base64 blob (id, kind, numbers, field names).
const MUTATION_OVERHEAD: u64 = 256;

/// The wire kind of a dirty record: opaque for envelope v2, the real kind for a v1 blob
/// (whose AEAD binds it, so other devices need it to open the blob).
fn wire_kind(record: &DirtyRecord) -> String {
    if record.blob.get(4) == Some(&crate::crypto::envelope::VERSION_1) {
        record.kind.clone()
    } else {
        p::OPAQUE_KIND.to_owned()
    }
}

fn encoded_len(record: &DirtyRecord) -> u64 {
    (record.blob.len() as u64).div_ceil(3) * 4 + MUTATION_OVERHEAD
}

/// Screens and sends `dirty`, in batches that fit the server's limits.
pub(super) fn push_dirty(
    cell: &dyn StoreCell,
    run: &mut Run<'_>,
    dirty: Vec<DirtyRecord>,
) -> Result<()> {
    let limits = match run.limits {
        Some(limits) => limits,
        None => {
            let limits = run
                .call(|t, _| t.limits())?
                .unwrap_or(super::DEFAULT_LIMITS);
            run.limits = Some(limits);
            limits
        }
    };
    let opens: Vec<bool> = cell.with(|s| {
        Ok(dirty
            .iter()
            .map(|r| s.open_record(Some(&r.kind), &r.id, &r.blob).is_ok())
            .collect())
    })?;
    let mut ready = Vec::with_capacity(dirty.len());
    for (record, opens) in dirty.into_iter().zip(opens) {
        if !opens {
            run.skip.insert(record.id);
            run.report.damaged_skipped += 1;
        } else if record.blob.len() as u64 > limits.max_blob_bytes.min(p::MAX_BLOB_BYTES as u64) {
            run.skip.insert(record.id);
            run.report.refused += 1;
        } else {
            ready.push(record);
        }
    }
    let body_budget = limits.max_body_bytes.saturating_mul(9) / 10;
    let max_count = (limits.max_push_mutations as usize).max(1);
    let mut batch: Vec<DirtyRecord> = Vec::new();
    let mut batch_bytes = 0u64;
    for record in ready {
        let size = encoded_len(&record);
        if !batch.is_empty() && (batch.len() >= max_count || batch_bytes + size > body_budget) {
            send(cell, run, &std::mem::take(&mut batch))?;
            batch_bytes = 0;
        }
        batch_bytes += size;
        batch.push(record);
    }
    send(cell, run, &batch)
}

fn send(cell: &dyn StoreCell, run: &mut Run<'_>, batch: &[DirtyRecord]) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mutations = batch
        .iter()
        .map(|d| {
            Ok(p::Mutation {
                mutation_seq: d.mutation_seq,
                id: d
                    .id
                    .to_string()
                    .parse()
                    .map_err(|_| CoreError::Internal("a record id is not wire-shaped"))?,
                kind: wire_kind(d),
                base_seq: d.base_seq,
                // Screened above: no blob over the protocol's limit reaches this point.
                blob: p::B64Bytes::new(d.blob.clone())
                    .map_err(|_| CoreError::Internal("a screened record is too large"))?,
                deleted: d.deleted,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let req = p::PushRequest { mutations };
    match run.call(|t, token| t.push(token, &req)) {
        Ok(response) => handle_response(cell, run, batch, &response),
        Err(CoreError::Transport(TransportError::Rejected { code, .. }))
            if code == "too_large" || code == "bad_request" =>
        {
            if let [one] = batch {
                run.skip.insert(one.id);
                run.report.refused += 1;
                return Ok(());
            }
            let (left, right) = batch.split_at(batch.len() / 2);
            send(cell, run, left)?;
            send(cell, run, right)
        }
        Err(other) => Err(other),
    }
}

fn handle_response(
    cell: &dyn StoreCell,
    run: &mut Run<'_>,
    batch: &[DirtyRecord],
    response: &p::PushResponse,
) -> Result<()> {
    if response.results.len() != batch.len() {
        return Err(CoreError::Transport(TransportError::Inconsistent(
            "push result count",
        )));
    }
    let mut conflicts = Vec::new();
    for (record, result) in batch.iter().zip(&response.results) {
        let seq = match result {
            p::MutationResult::Applied { mutation_seq, .. }
            | p::MutationResult::Duplicate { mutation_seq, .. } => *mutation_seq,
            p::MutationResult::Conflict {
                mutation_seq,
                current,
            } => {
                if current.id != record.id.to_string() {
                    return Err(CoreError::Transport(TransportError::Inconsistent(
                        "conflict for another record",
                    )));
                }
                conflicts.push(current.clone());
                *mutation_seq
            }
        };
        if seq != record.mutation_seq {
            return Err(CoreError::Transport(TransportError::Inconsistent(
                "push results out of order",
            )));
        }
    }
    ensure_keys(cell, run, &conflicts)?;
    if let Some(last) = response.last_mutation_seq {
        // Moves only when our next number is not above the server's last (a restored store).
        if cell.with(|s| s.rebase_mutation_seq(last))? {
            run.report.rebased = true;
        }
    }
    let mut report = std::mem::take(&mut run.report);
    let mut stuck = Vec::new();
    let mut held_aside = Vec::new();
    let mut inconsistent = false;
    let unaccepted = &mut run.unaccepted;
    let outcome = cell.with(|s| {
        s.atomically(|store| {
            for (record, result) in batch.iter().zip(&response.results) {
                match result {
                    p::MutationResult::Applied { server_seq, .. } => {
                        store.mark_uploaded(record, *server_seq)?;
                        report.pushed += 1;
                    }
                    p::MutationResult::Duplicate { .. } => {
                        store.renumber(record)?;
                        let seen = unaccepted.entry(record.id).or_insert(0);
                        *seen += 1;
                        inconsistent |= *seen >= MAX_UNACCEPTED;
                    }
                    p::MutationResult::Conflict { current, .. } if current.server_seq == 0 => {
                        // The server holds no copy (lost or withheld): send it again as new.
                        store.forget_server_copy(record)?;
                        stuck.push(record.id);
                    }
                    p::MutationResult::Conflict { current, .. } => {
                        match apply_remote(store, current, &mut report)? {
                            Applied::Taken => {}
                            // The server's copy is held aside: pushing again cannot succeed now.
                            Applied::Quarantined => held_aside.push(record.id),
                            // Not newer than our base, yet a conflict: try again, a few times.
                            Applied::AlreadyHad => stuck.push(record.id),
                        }
                    }
                }
            }
            Ok(())
        })
    });
    run.report = report;
    outcome?;
    run.skip.extend(held_aside);
    for id in stuck {
        let seen = run.unaccepted.entry(id).or_insert(0);
        *seen += 1;
        if *seen >= MAX_UNACCEPTED {
            run.skip.insert(id);
        }
    }
    if inconsistent {
        return Err(CoreError::Transport(TransportError::Inconsistent(
            "it called new changes duplicates",
        )));
    }
    Ok(())
}
