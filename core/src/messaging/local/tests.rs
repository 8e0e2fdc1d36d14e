use super::*;
use crate::crypto::kdf::KdfParams;
use crate::store::sync_state::SyncAccount;

/// A connected store ("sam") with a conversation with "acc-dr"; also the client of the
/// share, intake and referral tests.
pub(crate) fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::create(
        &dir.path().join("s"),
        crate::passphrase::TEST_PASSPHRASE,
        KdfParams::FLOOR,
    )
    .unwrap();
    store
        .set_sync_account(
            &SyncAccount {
                server_url: "http://127.0.0.1:1".into(),
                username: "sam".into(),
                account_id: "acc-me".into(),
                device_id: "dev-me".into(),
            },
            "token",
        )
        .unwrap();
    ensure_conversation(&mut store, "acc-dr", "Dr. P", "link-1").unwrap();
    (dir, store)
}

#[test]
fn composing_queues_in_order_and_keeps_drafts_sealed() {
    let (dir, mut store) = store();
    assert!(
        send_text(&mut store, "acc-nobody", "hi").is_err(),
        "no conversation"
    );
    assert!(send_text(&mut store, "acc-dr", "   ").is_err());
    set_draft(&mut store, "acc-dr", Some("DRAFT-CANARY half a thought")).unwrap();
    let ids: Vec<String> = (0..5)
        .map(|i| {
            send_text(&mut store, "acc-dr", &format!("m{i}"))
                .unwrap()
                .id
        })
        .collect();
    let listed = messages(&store, "acc-dr").unwrap();
    assert_eq!(listed.iter().map(|m| m.id.clone()).collect::<Vec<_>>(), ids);
    assert!(listed.windows(2).all(|w| w[0].sent_at < w[1].sent_at));
    assert!(listed
        .iter()
        .all(|m| m.status == MessageStatus::Queued && m.outgoing));
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 5);
    let first = Payload::decode(&outbox[0].1).unwrap();
    assert_eq!(
        (first.from.as_str(), first.to.as_str()),
        ("acc-me", "acc-dr")
    );
    assert_eq!(first.body, Body::Text { text: "m0".into() });
    assert_eq!(
        conversations(&store).unwrap()[0].draft,
        None,
        "sending clears the draft"
    );

    set_draft(&mut store, "acc-dr", Some("DRAFT-CANARY second")).unwrap();
    set_paused(&mut store, "acc-dr", true).unwrap();
    set_paused(&mut store, "acc-dr", true).unwrap();
    let conv = &conversations(&store).unwrap()[0];
    assert!(conv.paused && conv.draft.as_deref() == Some("DRAFT-CANARY second"));
    assert_eq!(
        store.outbox().unwrap().len(),
        6,
        "one pause notice, not two"
    );
    drop(store);
    for entry in std::fs::read_dir(dir.path().join("s")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(12).any(|w| w == b"DRAFT-CANARY"));
    }
}

#[test]
fn wedged_messages_retry_and_calls_answer_only_incoming_requests() {
    let (_dir, mut store) = store();
    let sent = send_text(&mut store, "acc-dr", "hello").unwrap();
    let (row, _) = store.outbox().unwrap().remove(0);
    store.outbox_failed(row.seq, 5, i64::MAX, true).unwrap();
    store
        .set_message_status(&sent.id, MessageStatus::Wedged.as_str())
        .unwrap();
    assert!(retry(&mut store, &sent.id).unwrap());
    let (row, _) = store.outbox().unwrap().remove(0);
    assert_eq!(
        (row.attempts, row.next_attempt_at, row.wedged),
        (0, 0, false)
    );
    assert_eq!(
        messages(&store, "acc-dr").unwrap()[0].status,
        MessageStatus::Queued
    );
    assert!(!retry(&mut store, "unknown").unwrap());

    let ask = CallAsk {
        start: "2026-12-01T10:00:00+00:00".into(),
        minutes: 10,
        format: None,
    };
    let request = queue_call_request(&mut store, "acc-dr", ask).unwrap();
    assert!(
        answer_call(&mut store, &request.id, true).is_err(),
        "a client cannot accept their own request"
    );
    assert_eq!(notification_text(true, "Dr. P", 3), "You have a new update");
    assert_eq!(
        notification_text(false, "Dr. P", 1),
        "New message from Dr. P"
    );
}
