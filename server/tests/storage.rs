//! The storage trait, the same suite on SQLite and PostgreSQL: push rules (conflicts, identical
//! blobs, retried and reordered batches, tombstones), pagination, account isolation, tokens,
//! revocation, keys and the server secret.

mod common;

use std::sync::Arc;

use common::{Backend, TestDb};
use solace_protocol::{MutationResult, WireKdf};
use solace_server::storage::{
    NewAccount, NewDevice, NewMutation, Storage, StorageError, StorageResult, MAX_PULL_BYTES,
};

per_backend!(
    push_then_pull_returns_records_in_order,
    stale_base_conflicts_with_the_server_copy,
    identical_blob_is_success_without_a_new_version,
    retried_batch_is_applied_once,
    reordered_and_duplicated_mutation_seqs_are_harmless,
    tombstones_and_kind_mismatch,
    only_applied_mutations_advance_the_device_counter,
    pull_pages_with_more_flag,
    accounts_are_isolated,
    tokens_expire_and_revocation_is_per_account,
    items_keys_and_username_uniqueness,
    server_secret_is_stable,
    push_rule_conformance_table,
);

const NOW: i64 = 1_800_000_000;

fn rid(n: u64) -> String {
    format!("{n:032x}")
}

/// Creates an account `name` with one device; returns (account id, device id).
async fn account(s: &dyn Storage, name: &str) -> (String, String) {
    let (account_id, device_id) = (format!("acct-{name}"), format!("dev-{name}-1"));
    s.create_account(
        NewAccount {
            account_id: account_id.clone(),
            username: name.into(),
            auth_hash: "$argon2id$stub".into(),
            kdf: WireKdf {
                memory_kib: 65536,
                iterations: 3,
                parallelism: 1,
            },
            salt: "00".repeat(16),
            wrapped_account_key: vec![1; 40],
            items_keys: vec![(1, vec![2; 40])],
            recovery_wrap: None,
            proof_verifier: None,
        },
        NewDevice {
            device_id: device_id.clone(),
            name: "laptop".into(),
            token_hash: format!("token-{name}-1"),
            expires_at: NOW + 3600,
        },
    )
    .await
    .unwrap();
    (account_id, device_id)
}

async fn second_device(s: &dyn Storage, account_id: &str, name: &str) -> String {
    let device_id = format!("{account_id}-{name}");
    s.add_device(
        account_id,
        NewDevice {
            device_id: device_id.clone(),
            name: name.into(),
            token_hash: format!("token-{device_id}"),
            expires_at: NOW + 3600,
        },
    )
    .await
    .unwrap();
    device_id
}

fn m(seq: u64, id: u64, base: u64, blob: &[u8]) -> NewMutation {
    NewMutation {
        mutation_seq: seq,
        id: rid(id),
        kind: "journal".into(),
        base_seq: base,
        blob: blob.to_vec(),
        deleted: false,
    }
}

fn applied(seq: u64, server_seq: u64) -> MutationResult {
    MutationResult::Applied {
        mutation_seq: seq,
        server_seq,
    }
}

fn duplicate(seq: u64, server_seq: u64) -> MutationResult {
    MutationResult::Duplicate {
        mutation_seq: seq,
        server_seq,
    }
}

/// Pushes and returns only the per-mutation results.
async fn push(
    s: &dyn Storage,
    a: &str,
    d: &str,
    mutations: Vec<NewMutation>,
) -> StorageResult<Vec<MutationResult>> {
    s.push(a, d, mutations).await.map(|o| o.results)
}

async fn open(backend: Backend) -> Option<(TestDb, Arc<dyn Storage>)> {
    let db = TestDb::new(backend).await?;
    let s = db.storage().await;
    Some((db, s))
}

async fn push_then_pull_returns_records_in_order(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    s.health().await.unwrap();
    let (a, d) = account(&*s, "ana").await;
    let r = s
        .push(&a, &d, vec![m(1, 1, 0, b"one"), m(2, 2, 0, b"two")])
        .await
        .unwrap();
    assert_eq!(r.results, vec![applied(1, 1), applied(2, 2)]);
    let r = push(&*s, &a, &d, vec![m(3, 1, 1, b"one v2")])
        .await
        .unwrap();
    assert_eq!(r, vec![applied(3, 3)]);
    let (records, more) = s.pull(&a, 0, 100, MAX_PULL_BYTES).await.unwrap();
    assert!(!more);
    let got: Vec<_> = records
        .iter()
        .map(|r| (r.id.clone(), r.blob.clone(), r.server_seq))
        .collect();
    assert_eq!(
        got,
        vec![
            (rid(2), b"two".to_vec(), 2),
            (rid(1), b"one v2".to_vec(), 3)
        ]
    );
    let (records, _) = s.pull(&a, 2, 100, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(records.len(), 1);
    let devices = s.devices(&a).await.unwrap();
    assert_eq!(devices[0].last_mutation_seq, 3);
}

async fn stale_base_conflicts_with_the_server_copy(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, d1) = account(&*s, "ben").await;
    let d2 = second_device(&*s, &a, "phone").await;
    push(&*s, &a, &d1, vec![m(1, 7, 0, b"v1")]).await.unwrap();
    push(&*s, &a, &d1, vec![m(2, 7, 1, b"v2")]).await.unwrap();
    // The phone edits version 1 without having seen version 2.
    let r = push(&*s, &a, &d2, vec![m(1, 7, 1, b"phone")])
        .await
        .unwrap();
    match &r[0] {
        MutationResult::Conflict {
            mutation_seq,
            current,
        } => {
            assert_eq!(*mutation_seq, 1);
            assert_eq!(current.id, rid(7));
            assert_eq!(current.server_seq, 2);
            assert_eq!(current.blob, "djI=", "base64 of the stored v2");
            assert!(!current.deleted);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // A create (base 0) for an id the server has is a conflict too.
    let r = push(&*s, &a, &d2, vec![m(2, 7, 0, b"again")])
        .await
        .unwrap();
    assert!(matches!(r[0], MutationResult::Conflict { .. }));
    // Nothing changed on the server.
    let (records, _) = s.pull(&a, 0, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(
        (
            records.len(),
            records[0].blob.as_slice(),
            records[0].server_seq
        ),
        (1, &b"v2"[..], 2)
    );
}

async fn identical_blob_is_success_without_a_new_version(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, d1) = account(&*s, "cleo").await;
    let d2 = second_device(&*s, &a, "tablet").await;
    push(&*s, &a, &d1, vec![m(1, 3, 0, b"same")]).await.unwrap();
    // Another device uploads the very same sealed blob as a new record: success, same seq.
    let r = push(&*s, &a, &d2, vec![m(1, 3, 0, b"same")]).await.unwrap();
    assert_eq!(r, vec![applied(1, 1)]);
    let (records, _) = s.pull(&a, 0, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].server_seq, 1);
    // Same blob but a different deleted flag is not identical.
    let mut tomb = m(2, 3, 0, b"same");
    tomb.deleted = true;
    let r = push(&*s, &a, &d2, vec![tomb]).await.unwrap();
    assert!(matches!(r[0], MutationResult::Conflict { .. }));
}

async fn retried_batch_is_applied_once(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, d) = account(&*s, "dana").await;
    let batch = vec![m(1, 1, 0, b"a"), m(2, 2, 0, b"b"), m(3, 1, 1, b"a2")];
    let first = push(&*s, &a, &d, batch.clone()).await.unwrap();
    assert_eq!(first, vec![applied(1, 1), applied(2, 2), applied(3, 3)]);
    // The answer was lost; the device sends the same batch again.
    let retry = push(&*s, &a, &d, batch).await.unwrap();
    // A retry whose content the server still holds gets its original answer; the first
    // mutation's content was overwritten by the third, so it is a duplicate.
    assert_eq!(retry, vec![duplicate(1, 3), applied(2, 2), applied(3, 3)]);
    let (records, _) = s.pull(&a, 0, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records.iter().map(|r| r.server_seq).max(), Some(3));
    // The next real change gets the next sequence number: the retry consumed none.
    let r = push(&*s, &a, &d, vec![m(4, 2, 2, b"b2")]).await.unwrap();
    assert_eq!(r, vec![applied(4, 4)]);
    // A retry of a mutation for a record that never existed reports seq 0.
    let r = push(&*s, &a, &d, vec![m(2, 99, 0, b"x")]).await.unwrap();
    assert_eq!(r, vec![duplicate(2, 0)]);
}

async fn reordered_and_duplicated_mutation_seqs_are_harmless(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, d) = account(&*s, "eli").await;
    let r = push(
        &*s,
        &a,
        &d,
        vec![
            m(5, 1, 0, b"five"),
            m(3, 2, 0, b"three"),
            m(5, 3, 0, b"five again"),
            m(6, 4, 0, b"six"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        r,
        vec![
            applied(5, 1),
            duplicate(3, 0),
            duplicate(5, 0),
            applied(6, 2)
        ]
    );
    let (records, _) = s.pull(&a, 0, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(s.devices(&a).await.unwrap()[0].last_mutation_seq, 6);
    // An empty batch changes nothing.
    assert!(push(&*s, &a, &d, vec![]).await.unwrap().is_empty());
    assert_eq!(s.devices(&a).await.unwrap()[0].last_mutation_seq, 6);
}

async fn tombstones_and_kind_mismatch(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, d) = account(&*s, "fay").await;
    push(&*s, &a, &d, vec![m(1, 1, 0, b"entry")]).await.unwrap();
    let mut tomb = m(2, 1, 1, b"");
    tomb.deleted = true;
    assert_eq!(
        push(&*s, &a, &d, vec![tomb]).await.unwrap(),
        vec![applied(2, 2)]
    );
    let (records, _) = s.pull(&a, 1, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(records.len(), 1);
    assert!(records[0].deleted);
    assert!(records[0].blob.is_empty());
    // The kind is opaque: a different kind with the right base is written, and stored.
    let mut other_kind = m(3, 1, 2, b"mood now");
    other_kind.kind = "sealed".into();
    let r = push(&*s, &a, &d, vec![other_kind]).await.unwrap();
    assert_eq!(r, vec![applied(3, 3)]);
    let (records, _) = s.pull(&a, 2, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(
        (records[0].kind.as_str(), records[0].deleted),
        ("sealed", false)
    );
    // A stale edit conflicts with the stored copy (with its latest kind).
    let r = push(&*s, &a, &d, vec![m(4, 1, 2, b"stale")]).await.unwrap();
    match &r[0] {
        MutationResult::Conflict { current, .. } => {
            assert_eq!((current.kind.as_str(), current.server_seq), ("sealed", 3))
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // An edit based on the current version is written.
    let r = push(&*s, &a, &d, vec![m(5, 1, 3, b"back")]).await.unwrap();
    assert_eq!(r, vec![applied(5, 4)]);
}

async fn only_applied_mutations_advance_the_device_counter(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, d1) = account(&*s, "hal").await;
    let d2 = second_device(&*s, &a, "phone").await;
    let out = s.push(&a, &d1, vec![m(1, 1, 0, b"v1")]).await.unwrap();
    assert_eq!(out.last_mutation_seq, 1);
    // A conflict does not advance the phone's counter...
    let out = s.push(&a, &d2, vec![m(4, 1, 0, b"phone")]).await.unwrap();
    assert!(matches!(out.results[0], MutationResult::Conflict { .. }));
    assert_eq!(out.last_mutation_seq, 0);
    // ...so the merged edit may reuse the number.
    let out = s.push(&a, &d2, vec![m(4, 1, 1, b"merged")]).await.unwrap();
    assert_eq!(
        (out.results.clone(), out.last_mutation_seq),
        (vec![applied(4, 2)], 4)
    );
    // An identical copy advances it; a duplicate after it does not.
    let out = s
        .push(&a, &d2, vec![m(6, 1, 1, b"merged"), m(5, 2, 0, b"late")])
        .await
        .unwrap();
    assert_eq!(out.results, vec![applied(6, 2), duplicate(5, 0)]);
    assert_eq!(out.last_mutation_seq, 6);
    assert_eq!(s.devices(&a).await.unwrap()[1].last_mutation_seq, 6);
    // A record the server does not hold is written even with a non-zero base.
    let out = s.push(&a, &d1, vec![m(2, 9, 41, b"lost")]).await.unwrap();
    assert_eq!(
        (out.results, out.last_mutation_seq),
        (vec![applied(2, 3)], 2)
    );
}

async fn pull_pages_with_more_flag(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, d) = account(&*s, "gus").await;
    let batch = (1..=25).map(|i| m(i, i, 0, &[i as u8; 8])).collect();
    push(&*s, &a, &d, batch).await.unwrap();
    let (mut cursor, mut seen, mut pages) = (0, Vec::new(), 0);
    loop {
        let (records, more) = s.pull(&a, cursor, 10, MAX_PULL_BYTES).await.unwrap();
        pages += 1;
        seen.extend(records.iter().map(|r| r.server_seq));
        cursor = records.last().map_or(cursor, |r| r.server_seq);
        if !more {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (1..=25).collect::<Vec<u64>>());
    // Exactly one full page: `more` is false.
    let (records, more) = s.pull(&a, 15, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!((records.len(), more), (10, false));
    let (records, more) = s.pull(&a, 25, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!((records.len(), more), (0, false));
    // Pages are also cut by blob bytes (each blob is 8 bytes): three fit in 30 bytes.
    let (records, more) = s.pull(&a, 0, 10, 30).await.unwrap();
    let seqs: Vec<u64> = records.iter().map(|r| r.server_seq).collect();
    assert_eq!((seqs, more), (vec![1, 2, 3], true));
    // A blob larger than the cap still comes alone, so paging always progresses.
    let (records, more) = s.pull(&a, 23, 10, 4).await.unwrap();
    assert_eq!((records.len(), records[0].server_seq, more), (1, 24, true));
    let (records, more) = s.pull(&a, 24, 10, 8).await.unwrap();
    assert_eq!((records.len(), more), (1, false));
}

async fn accounts_are_isolated(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, da) = account(&*s, "hal").await;
    let (b, db) = account(&*s, "ivy").await;
    push(&*s, &a, &da, vec![m(1, 42, 0, b"A's secret")])
        .await
        .unwrap();
    // B knows A's record id and pushes to it: B gets its own record, numbered in B's sequence.
    let r = push(&*s, &b, &db, vec![m(1, 42, 0, b"B's")]).await.unwrap();
    assert_eq!(r, vec![applied(1, 1)]);
    // B basing an edit on A's version finds no such version in B's account.
    let r = push(&*s, &b, &db, vec![m(2, 42, 5, b"B2")]).await.unwrap();
    match &r[0] {
        MutationResult::Conflict { current, .. } => assert_ne!(current.blob, "QSdzIHNlY3JldA=="),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let (ra, _) = s.pull(&a, 0, 10, MAX_PULL_BYTES).await.unwrap();
    let (rb, _) = s.pull(&b, 0, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(ra.len(), 1);
    assert_eq!(ra[0].blob, b"A's secret");
    assert_eq!(rb.len(), 1);
    assert_eq!(rb[0].blob, b"B's");
    // A device of B cannot push into A (the device is not A's): the push fails, A unchanged.
    assert!(push(&*s, &a, &db, vec![m(9, 42, 1, b"evil")])
        .await
        .is_err());
    let (ra, _) = s.pull(&a, 0, 10, MAX_PULL_BYTES).await.unwrap();
    assert_eq!(ra[0].blob, b"A's secret");
    // Devices are listed per account.
    assert_eq!(s.devices(&a).await.unwrap().len(), 1);
    assert_eq!(s.devices(&b).await.unwrap()[0].device_id, db);
}

async fn tokens_expire_and_revocation_is_per_account(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, da) = account(&*s, "jon").await;
    let (b, _db_) = account(&*s, "kim").await;
    let da2 = second_device(&*s, &a, "phone").await;
    let ok = s.authenticate("token-jon-1", NOW).await.unwrap();
    assert_eq!(ok, Some((a.clone(), da.clone())));
    assert_eq!(
        s.authenticate("token-jon-1", NOW + 3600).await.unwrap(),
        None
    );
    assert_eq!(s.authenticate("no-such-token", NOW).await.unwrap(), None);
    // B cannot revoke A's device.
    assert!(!s.revoke_device(&b, &da2).await.unwrap());
    let phone_token = format!("token-{da2}");
    assert!(s.authenticate(&phone_token, NOW).await.unwrap().is_some());
    // A can; the phone's token stops working, the laptop's does not.
    assert!(s.revoke_device(&a, &da2).await.unwrap());
    assert_eq!(s.authenticate(&phone_token, NOW).await.unwrap(), None);
    assert!(s.authenticate("token-jon-1", NOW).await.unwrap().is_some());
    let devices = s.devices(&a).await.unwrap();
    assert_eq!(
        devices
            .iter()
            .map(|d| (d.name.as_str(), d.revoked))
            .collect::<Vec<_>>(),
        vec![("laptop", false), ("phone", true)]
    );
}

async fn items_keys_and_username_uniqueness(backend: Backend) {
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    let (a, _) = account(&*s, "lea").await;
    s.add_items_keys(&a, vec![(1, vec![9; 40]), (2, vec![3; 40])])
        .await
        .unwrap();
    let keys = s.account_keys(&a).await.unwrap();
    assert_eq!(keys.items_keys, vec![(1, vec![2; 40]), (2, vec![3; 40])]);
    assert_eq!(keys.wrapped_account_key, vec![1; 40]);
    assert_eq!(keys.kdf.memory_kib, 65536);
    let login = s.find_account("lea").await.unwrap().unwrap();
    assert_eq!(login.account_id, a);
    assert!(s.find_account("nobody").await.unwrap().is_none());
    let again = s
        .create_account(
            NewAccount {
                account_id: "other-id".into(),
                username: "lea".into(),
                auth_hash: "x".into(),
                kdf: keys.kdf,
                salt: keys.salt.clone(),
                wrapped_account_key: vec![],
                items_keys: vec![],
                recovery_wrap: None,
                proof_verifier: None,
            },
            NewDevice {
                device_id: "other-dev".into(),
                name: "x".into(),
                token_hash: "other-token".into(),
                expires_at: NOW,
            },
        )
        .await;
    assert!(matches!(again, Err(StorageError::Conflict)));
    // The failed registration left nothing behind.
    assert_eq!(s.authenticate("other-token", 0).await.unwrap(), None);
}

async fn server_secret_is_stable(backend: Backend) {
    let Some((db, s)) = open(backend).await else {
        return;
    };
    let first = s.server_secret().await.unwrap();
    assert_eq!(first.len(), 32);
    assert_eq!(s.server_secret().await.unwrap(), first);
    drop(s);
    // Reopening (and re-running migrations) keeps it.
    let reopened = db.storage().await;
    assert_eq!(reopened.server_secret().await.unwrap(), first);
}

/// The shared conformance table of the push rule ([`solace_protocol::push_rule::conformance`],
/// which the core's in-memory test server runs too) through this backend's real push: one
/// account per case; the pushing device first spends `last_mutation_seq` numbers on other
/// records, then a second device writes records until the case's record sits at `stored_seq`.
async fn push_rule_conformance_table(backend: Backend) {
    use solace_protocol::push_rule::conformance::{check, CASES};
    let Some((_db, s)) = open(backend).await else {
        return;
    };
    for (i, case) in CASES.iter().enumerate() {
        let (a, d) = account(&*s, &format!("case{i}")).await;
        let writer = second_device(&*s, &a, "writer").await;
        let fillers: Vec<_> = (1..=case.last_mutation_seq)
            .map(|n| m(n, 1000 + n, 0, b"filler"))
            .collect();
        s.push(&a, &d, fillers).await.unwrap();
        if let Some(stored) = case.stored_seq {
            assert!(stored > case.last_mutation_seq, "{}", case.name);
            let mut batch: Vec<_> = (case.last_mutation_seq + 1..stored)
                .map(|n| m(n, 2000 + n, 0, b"filler"))
                .collect();
            batch.push(m(stored, 1, 0, b"A"));
            let out = s.push(&a, &writer, batch).await.unwrap();
            assert_eq!(
                out.results.last(),
                Some(&applied(stored, stored)),
                "{}",
                case.name
            );
        }
        let blob: &[u8] = if case.same_content { b"A" } else { b"B" };
        let out = s
            .push(&a, &d, vec![m(case.mutation_seq, 1, case.base_seq, blob)])
            .await
            .unwrap();
        check(case, &out.results[0], out.last_mutation_seq).unwrap();
    }
}
