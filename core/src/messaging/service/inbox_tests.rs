//! Inbound messages stay bound to their conversation and direction, and send times from the
//! future are clamped (issue 13, requirement 5).

use super::*;
use crate::crypto::kdf::KdfParams;
use crate::messaging::model::CallState;
use crate::messaging::payload::PAYLOAD_VERSION;
use crate::store::sync_state::SyncAccount;

struct Device {
    _dir: tempfile::TempDir,
    store: Store,
    account: DeviceCrypto,
    me: Me,
}

fn device(account_id: &str) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::create(
        &dir.path().join("s"),
        crate::passphrase::TEST_PASSPHRASE,
        KdfParams::FLOOR,
    )
    .unwrap();
    let device_id = format!("dev-{account_id}");
    store
        .set_sync_account(
            &SyncAccount {
                server_url: "http://127.0.0.1:1".into(),
                username: account_id.into(),
                account_id: account_id.into(),
                device_id: device_id.clone(),
            },
            "token",
        )
        .unwrap();
    let account = DeviceVault::account(&mut store).unwrap();
    Device {
        _dir: dir,
        store,
        account,
        me: Me {
            account_id: account_id.into(),
            device_id,
            token: "token".into(),
        },
    }
}

/// `from` sends `body` to `to` (sealed with Olm as on the wire) and `to` takes it in.
fn deliver(from: &mut Device, to: &mut Device, body: Body, sent_at: i64) -> Result<Option<String>> {
    let otk = to.account.publish_one_time_keys(1);
    DeviceVault::save_account(&mut to.store, &to.account).unwrap();
    let id = local::new_message_id().unwrap();
    let payload = Payload {
        v: PAYLOAD_VERSION,
        id: id.clone(),
        from: from.me.account_id.clone(),
        to: to.me.account_id.clone(),
        sent_at,
        body,
    };
    let wire = DeviceVault::encrypt_for(
        &mut from.store,
        &from.account,
        &to.account.keys(),
        Some(&otk[0]),
        &payload.encode().unwrap(),
    )
    .unwrap()
    .unwrap();
    let message = m::InboxMessage {
        id: 1,
        sender_account: from.me.account_id.clone(),
        sender_device: from.me.device_id.clone(),
        sender_key: from.account.keys().curve25519,
        client_message_id: id,
        kind: wire.kind,
        body: wire.body,
        received_at: 0,
    };
    let (me, account) = (&to.me, &mut to.account);
    to.store.atomically(|s| take_in(s, me, account, &message))
}

fn call_state(store: &Store, peer: &str, id: &str) -> CallState {
    let found = local::messages(store, peer)
        .unwrap()
        .into_iter()
        .find(|m| m.id == id)
        .unwrap();
    match found.content {
        MessageContent::Call { state, .. } => state,
        other => panic!("not a call: {other:?}"),
    }
}

fn status(store: &Store, peer: &str, id: &str) -> MessageStatus {
    local::messages(store, peer)
        .unwrap()
        .into_iter()
        .find(|m| m.id == id)
        .unwrap()
        .status
}

#[test]
fn send_times_from_the_future_are_clamped_to_five_minutes_ahead() {
    let (mut client, mut therapist) = (device("acc-c"), device("acc-t"));
    let day = 24 * 60 * 60 * 1000;
    let text = |t: &str| Body::Text { text: t.into() };
    deliver(
        &mut client,
        &mut therapist,
        text("from tomorrow"),
        local::now_ms() + day,
    )
    .unwrap();
    deliver(
        &mut client,
        &mut therapist,
        text("from yesterday"),
        local::now_ms() - day,
    )
    .unwrap();
    let listed = local::messages(&therapist.store, "acc-c").unwrap();
    let at = |text: &str| {
        listed
            .iter()
            .find(|m| m.content == MessageContent::Text { text: text.into() })
            .unwrap()
            .sent_at
    };
    let limit = local::now_ms() + MAX_CLOCK_AHEAD_MS;
    assert!(at("from tomorrow") <= limit, "clamped");
    assert!(
        at("from tomorrow") > limit - 60_000,
        "to about now + 5 minutes"
    );
    assert!(
        at("from yesterday") < local::now_ms() - day / 2,
        "past times are kept"
    );
}

#[test]
fn receipts_apply_only_to_outgoing_messages_of_their_own_conversation() {
    let (mut client, mut therapist, mut other) =
        (device("acc-c"), device("acc-t"), device("acc-x"));
    local::ensure_conversation(&mut client.store, "acc-t", "Dr. T", "l-1").unwrap();
    local::ensure_conversation(&mut client.store, "acc-x", "Dr. X", "l-2").unwrap();
    let sent = local::send_text(&mut client.store, "acc-t", "for T only").unwrap();
    let receipt = |status| Body::Receipt {
        ids: vec![sent.id.clone()],
        status,
    };
    // Another peer cannot mark it read.
    deliver(&mut other, &mut client, receipt(ReceiptKind::Read), 0).unwrap();
    assert_eq!(
        status(&client.store, "acc-t", &sent.id),
        MessageStatus::Queued
    );
    // Its own recipient can.
    deliver(
        &mut therapist,
        &mut client,
        receipt(ReceiptKind::Delivered),
        0,
    )
    .unwrap();
    assert_eq!(
        status(&client.store, "acc-t", &sent.id),
        MessageStatus::Delivered
    );
    // A receipt naming an incoming message (the peer's own) changes nothing either.
    deliver(
        &mut therapist,
        &mut client,
        Body::Text { text: "hi".into() },
        0,
    )
    .unwrap();
    let incoming = local::messages(&client.store, "acc-t")
        .unwrap()
        .into_iter()
        .find(|m| !m.outgoing)
        .unwrap();
    let read_theirs = Body::Receipt {
        ids: vec![incoming.id.clone()],
        status: ReceiptKind::Read,
    };
    deliver(&mut therapist, &mut client, read_theirs, 0).unwrap();
    assert_eq!(
        status(&client.store, "acc-t", &incoming.id),
        MessageStatus::Unread
    );
}

#[test]
fn call_answers_apply_only_to_requests_this_account_sent_to_that_peer() {
    let (mut client, mut therapist, mut other) =
        (device("acc-c"), device("acc-t"), device("acc-x"));
    local::ensure_conversation(&mut client.store, "acc-t", "Dr. T", "l-1").unwrap();
    let ask = local::CallAsk {
        start: "2026-12-01T10:00:00+00:00".into(),
        minutes: 10,
        format: Some(solace_protocol::messaging::SessionFormat::Phone),
    };
    let request = local::queue_call_request(&mut client.store, "acc-t", ask).unwrap();
    let answer = |id: &str, room: &str| Body::CallAnswer {
        request_id: id.into(),
        accepted: true,
        room: Some(room.into()),
    };
    // A stranger's answer is not applied (and is not shown as news).
    let shown = deliver(&mut other, &mut client, answer(&request.id, "evil"), 0).unwrap();
    assert_eq!(shown, None);
    assert_eq!(
        call_state(&client.store, "acc-t", &request.id),
        CallState::Requested
    );
    // The therapist's is.
    deliver(
        &mut therapist,
        &mut client,
        answer(&request.id, "room-1"),
        0,
    )
    .unwrap();
    assert_eq!(
        call_state(&client.store, "acc-t", &request.id),
        CallState::Accepted {
            room: "room-1".into()
        }
    );

    // On the therapist's side, the client cannot accept its own request.
    let asked = Body::CallRequest {
        request_id: local::new_message_id().unwrap(),
        start: "2026-12-01T11:00:00+00:00".into(),
        minutes: 10,
        format: Some(solace_protocol::messaging::SessionFormat::Chat),
    };
    let Body::CallRequest { request_id, .. } = &asked else {
        unreachable!()
    };
    let request_id = request_id.clone();
    deliver(&mut client, &mut therapist, asked, 0).unwrap();
    assert_eq!(
        call_state(&therapist.store, "acc-c", &request_id),
        CallState::Requested
    );
    let shown = local::messages(&therapist.store, "acc-c").unwrap();
    assert!(
        shown.iter().any(|m| matches!(
            &m.content,
            MessageContent::Call { request_id: r, format: Some(solace_protocol::messaging::SessionFormat::Chat), .. } if *r == request_id
        )),
        "the therapist sees the format the client asked for"
    );
    deliver(
        &mut client,
        &mut therapist,
        answer(&request_id, "self-made"),
        0,
    )
    .unwrap();
    assert_eq!(
        call_state(&therapist.store, "acc-c", &request_id),
        CallState::Requested
    );
}

#[test]
fn share_updates_stay_with_their_sharer_and_never_roll_back() {
    let (mut client, mut therapist, mut other) =
        (device("acc-c"), device("acc-t"), device("acc-x"));
    let share = |title: &str| Body::Share {
        share_id: "rec-1".into(),
        item_kind: "journal".into(),
        title: title.into(),
        content: serde_json::json!({ "text": title }),
    };
    let now = local::now_ms();
    deliver(&mut client, &mut therapist, share("second"), now - 1_000).unwrap();
    // A late, older version is ignored.
    let shown = deliver(&mut client, &mut therapist, share("first"), now - 2_000).unwrap();
    assert_eq!(shown, None);
    // Another account's share with the same id is filed under that account, not the client.
    deliver(&mut other, &mut therapist, share("someone else"), now).unwrap();
    let titles = |store: &Store, peer: &str| -> Vec<String> {
        local::shared_with_me(store, peer)
            .unwrap()
            .into_iter()
            .map(|s| s.title)
            .collect()
    };
    assert_eq!(titles(&therapist.store, "acc-c"), ["second"]);
    assert_eq!(titles(&therapist.store, "acc-x"), ["someone else"]);
    // An unshare from another account does not touch the client's item.
    let unshare = Body::Unshare {
        share_id: "rec-1".into(),
    };
    deliver(&mut other, &mut therapist, unshare, now).unwrap();
    assert_eq!(titles(&therapist.store, "acc-c"), ["second"]);
    assert!(titles(&therapist.store, "acc-x").is_empty());
}

#[test]
fn referral_cards_arrive_and_only_their_client_acknowledges_them() {
    use crate::messaging::payload::{CareMode, ReferralCard};
    use crate::messaging::referral;
    let (mut client, mut therapist, mut other) =
        (device("acc-c"), device("acc-t"), device("acc-o"));
    local::ensure_conversation(&mut therapist.store, "acc-c", "Sam", "link-1").unwrap();
    local::ensure_conversation(&mut client.store, "acc-t", "Dr. T", "link-1").unwrap();
    let card = ReferralCard {
        care: CareMode::Hybrid,
        service: "Riverside Clinic".into(),
        contact: "555 0100".into(),
        note: None,
    };
    let sent = referral::send(&mut therapist.store, "acc-c", card.clone()).unwrap();
    let body = Body::Referral {
        referral_id: sent.id.clone(),
        card,
    };
    let shown = deliver(&mut therapist, &mut client, body, 0).unwrap();
    assert_eq!(shown.as_deref(), Some("acc-t"), "news for the client");
    let listed = referral::list(&client.store).unwrap();
    assert_eq!(
        (listed[0].referral_id.as_str(), listed[0].acknowledged),
        (sent.id.as_str(), false)
    );

    let acknowledged = |store: &Store| {
        matches!(
            local::message(store, &sent.id).unwrap().unwrap().content,
            MessageContent::Referral {
                acknowledged: true,
                ..
            }
        )
    };
    let ack = || Body::ReferralAck {
        referral_id: sent.id.clone(),
    };
    // Another linked account cannot acknowledge it for the client.
    assert_eq!(deliver(&mut other, &mut therapist, ack(), 0).unwrap(), None);
    assert!(!acknowledged(&therapist.store));
    let shown = deliver(&mut client, &mut therapist, ack(), 0).unwrap();
    assert_eq!(shown.as_deref(), Some("acc-c"));
    assert!(acknowledged(&therapist.store));
}
